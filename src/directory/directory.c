/* The directory: opening it, and authentication (bans first, then the
 * cache, then the fallback admin, then the principals). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "directory/directory_private.h"

#define DIRECTORY_AUTH_CACHE_MAX 4096
#define DIRECTORY_AUTH_CACHE_TTL 300

int directory_open(struct store *store, const struct config *cfg,
		   struct directory **dir_r, char **generated_password_r,
		   const char **error_r)
{
	struct directory *dir = xcalloc(1, sizeof(*dir));
	char *dummy = rand_token(16);

	if (generated_password_r != NULL)
		*generated_password_r = NULL;
	dir->store = store;
	dir->cache = auth_cache_new(config_duration(cfg, "authentication.cache.ttl",
						    DIRECTORY_AUTH_CACHE_TTL),
				    DIRECTORY_AUTH_CACHE_MAX);
	dir->dummy_hash = directory_password_hash(dummy);
	free(dummy);
	if (dir->dummy_hash == NULL) {
		*error_r = "libxcrypt cannot make yescrypt hashes";
		directory_close(&dir);
		return -1;
	}
	dir->guard = auth_guard_new(store, cfg, error_r);
	if (dir->guard == NULL ||
	    directory_fallback_admin_init(dir, cfg, generated_password_r, error_r) < 0) {
		directory_close(&dir);
		return -1;
	}
	*dir_r = dir;
	return 0;
}

void directory_close(struct directory **dirp)
{
	struct directory *dir = *dirp;

	if (dir == NULL)
		return;
	auth_cache_free(&dir->cache);
	auth_guard_free(&dir->guard);
	free(dir->admin_name);
	free(dir->admin_hash);
	free(dir->dummy_hash);
	free(dir);
	*dirp = NULL;
}

struct store *directory_store(struct directory *dir)
{
	return dir->store;
}

int directory_ip_banned(struct directory *dir, const char *ip)
{
	return auth_guard_banned(dir->guard, ip);
}

static int directory_auth_fallback(struct directory *dir, const char *name,
				   const char *password, struct directory_identity *id_r)
{
	if (strcmp(name, dir->admin_name) != 0 ||
	    directory_password_verify(password, dir->admin_hash) != 1)
		return 0;
	memset(id_r, 0, sizeof(*id_r));
	snprintf(id_r->name, sizeof(id_r->name), "%s", dir->admin_name);
	id_r->is_admin = true;
	return 1;
}

static bool directory_secrets_verify(const struct store_principal *p, const char *password)
{
	for (size_t i = 0; i < p->secret_count; i++) {
		if (directory_password_verify(password, p->secrets[i]) == 1)
			return true;
	}
	return false;
}

/* 1 verified (*id_r and *secret_version_r set), 0 not, -1 store error. */
static int directory_auth_principal(struct directory *dir, const char *name,
				    const char *password, struct directory_identity *id_r,
				    uint64_t *secret_version_r)
{
	struct store_principal *p = NULL;
	int ret = store_principal_get_by_name(dir->store, name, &p);

	if (ret == 0 && strchr(name, '@') != NULL)
		ret = store_principal_get_by_email(dir->store, name, &p);
	if (ret < 0)
		return -1;
	/* groups and domains never log in */
	if (ret == 0 || p->type != STORE_PRINCIPAL_INDIVIDUAL || p->secret_count == 0) {
		directory_password_verify(password, dir->dummy_hash);
		store_principal_free(&p);
		return 0;
	}
	ret = directory_secrets_verify(p, password) ? 1 : 0;
	if (ret == 1) {
		memset(id_r, 0, sizeof(*id_r));
		id_r->principal_id = p->id;
		id_r->account_id = p->id;
		snprintf(id_r->name, sizeof(id_r->name), "%s", p->name);
		id_r->is_admin = p->role != NULL && strcmp(p->role, "admin") == 0;
		*secret_version_r = p->secret_version;
	}
	store_principal_free(&p);
	return ret;
}

static enum directory_auth_result directory_auth_failed(struct directory *dir, const char *name,
							const char *ip)
{
	log_info("auth.failed", "ip=%s name=%s", log_q(ip != NULL ? ip : "-"), log_q(name));
	auth_guard_failure(dir->guard, ip);
	return DIRECTORY_AUTH_FAILED;
}

/* Past the ban check and the bounds: the cache, then a real check. */
static enum directory_auth_result directory_auth_verify(struct directory *dir, const char *name,
							const char *password, const char *ip,
							struct directory_identity *id_r)
{
	uint8_t key[SHA256_LEN];
	uint64_t secret_version = 0;

	auth_cache_key(dir->cache, name, password, key);
	if (auth_cache_get(dir->cache, key, id_r) == 1)
		return DIRECTORY_AUTH_OK;
	uint64_t generation = auth_cache_generation(dir->cache);
	int ret = directory_auth_fallback(dir, name, password, id_r);
	if (ret == 0)
		ret = directory_auth_principal(dir, name, password, id_r, &secret_version);
	if (ret < 0) {
		log_error("auth.error", "ip=%s name=%s error=%s", log_q(ip != NULL ? ip : "-"),
			  log_q(name), log_q("cannot read the directory"));
		return DIRECTORY_AUTH_INTERNAL;
	}
	if (ret == 0)
		return directory_auth_failed(dir, name, ip);
	auth_cache_put(dir->cache, key, id_r, secret_version, generation);
	log_debug("auth.ok", "ip=%s name=%s", log_q(ip != NULL ? ip : "-"), log_q(id_r->name));
	return DIRECTORY_AUTH_OK;
}

enum directory_auth_result directory_authenticate(struct directory *dir, const char *name,
						  const char *password, const char *ip,
						  struct directory_identity *id_r)
{
	char lname[DIRECTORY_NAME_MAX + 1];

	if (auth_guard_banned(dir->guard, ip) == 1) {
		log_debug("auth.banned", "ip=%s", log_q(ip));
		return DIRECTORY_AUTH_BANNED;
	}
	if (name == NULL)
		name = "";
	snprintf(lname, sizeof(lname), "%s", name);
	directory_lowercase(lname);
	if (name[0] == '\0' || strlen(name) > DIRECTORY_NAME_MAX || password == NULL ||
	    strlen(password) > DIRECTORY_PASSWORD_MAX)
		return directory_auth_failed(dir, lname, ip);
	return directory_auth_verify(dir, lname, password, ip, id_r);
}
