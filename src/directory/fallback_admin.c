/* The fallback administrator: named in the config, or else "admin" with
 * a password generated on first start and only its hash kept in the
 * store's settings. It exists even when the directory is empty or
 * broken, so that an operator can always get in. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "directory/directory_private.h"

#define FALLBACK_ADMIN_DEFAULT_NAME "admin"
#define FALLBACK_ADMIN_SETTING "directory.fallback-admin.hash"
/* bytes of entropy of a generated password (32 base64url characters) */
#define FALLBACK_ADMIN_PASSWORD_BYTES 24

static int fallback_admin_from_config(struct directory *dir, const char *user,
				      const char *secret, const char **error_r)
{
	if (secret == NULL || secret[0] == '\0') {
		*error_r = "authentication.fallback-admin.secret is missing or empty";
		return -1;
	}
	dir->admin_name = xstrdup(user != NULL ? user : FALLBACK_ADMIN_DEFAULT_NAME);
	directory_lowercase(dir->admin_name);
	if (directory_name_check(dir->admin_name) != NULL) {
		*error_r = "authentication.fallback-admin.user is not a valid name";
		return -1;
	}
	if (directory_password_is_hash(secret)) {
		dir->admin_hash = xstrdup(secret);
		return 0;
	}
	dir->admin_hash = directory_password_hash(secret);
	if (dir->admin_hash == NULL) {
		*error_r = "authentication.fallback-admin.secret: cannot hash it";
		return -1;
	}
	return 0;
}

static int fallback_admin_generate(struct directory *dir, char **generated_password_r,
				   const char **error_r)
{
	char *password = rand_token(FALLBACK_ADMIN_PASSWORD_BYTES);
	const char *error;

	dir->admin_hash = directory_password_hash(password);
	if (dir->admin_hash == NULL) {
		*error_r = "cannot hash the generated administrator password";
	} else if (store_setting_set(dir->store, FALLBACK_ADMIN_SETTING, dir->admin_hash,
				     &error) < 0) {
		*error_r = err_fmt("cannot store the administrator password: %s", error);
	} else {
		log_info("directory.fallback_admin", "name=%s generated=yes",
			 FALLBACK_ADMIN_DEFAULT_NAME);
		if (generated_password_r != NULL) {
			*generated_password_r = password;
			return 0;
		}
		explicit_bzero(password, strlen(password));
		free(password);
		return 0;
	}
	explicit_bzero(password, strlen(password));
	free(password);
	return -1;
}

static int fallback_admin_from_store(struct directory *dir, char **generated_password_r,
				     const char **error_r)
{
	char *hash = NULL;
	int ret = store_setting_get(dir->store, FALLBACK_ADMIN_SETTING, &hash);

	dir->admin_name = xstrdup(FALLBACK_ADMIN_DEFAULT_NAME);
	if (ret < 0) {
		*error_r = "cannot read the administrator password hash from the store";
		return -1;
	}
	if (ret == 0)
		return fallback_admin_generate(dir, generated_password_r, error_r);
	if (!directory_password_is_hash(hash)) {
		free(hash);
		*error_r = "the stored administrator password hash is not a valid hash";
		return -1;
	}
	dir->admin_hash = hash;
	return 0;
}

int directory_fallback_admin_init(struct directory *dir, const struct config *cfg,
				  char **generated_password_r, const char **error_r)
{
	const char *user = config_string(cfg, "authentication.fallback-admin.user", NULL);
	const char *secret = config_string(cfg, "authentication.fallback-admin.secret", NULL);

	if (generated_password_r != NULL)
		*generated_password_r = NULL;
	if (user != NULL || secret != NULL)
		return fallback_admin_from_config(dir, user, secret, error_r);
	return fallback_admin_from_store(dir, generated_password_r, error_r);
}
