/* Password hashes through libxcrypt: yescrypt for new ones; yescrypt,
 * bcrypt, sha512-crypt and sha256-crypt verified. */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "directory/directory_private.h"

/* Bounds on the work factor of imported hashes: a hash that costs
 * minutes per verification would let any client burn CPU. */
#define PASSWORD_BCRYPT_COST_MAX 16
#define PASSWORD_SHACRYPT_ROUNDS_MAX 1000000UL
#define PASSWORD_SHACRYPT_SALT_MAX 16
#define PASSWORD_YESCRYPT_FIELD_MAX 96

static const char password_b64[] =
	"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static size_t password_b64_span(const char *s)
{
	return strspn(s, password_b64);
}

/* "$2b$NN$" then 53 characters of bcrypt's base64. */
static bool password_bcrypt_valid(const char *s)
{
	if (strlen(s) != 60 || s[6] != '$')
		return false;
	if (s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9')
		return false;
	int cost = (s[4] - '0') * 10 + (s[5] - '0');
	if (cost < 4 || cost > PASSWORD_BCRYPT_COST_MAX)
		return false;
	return password_b64_span(s + 7) == 53;
}

/* "$6$[rounds=N$]salt$hash" (hash_len 86) or the same with "$5$" (43). */
static bool password_shacrypt_valid(const char *s, size_t hash_len)
{
	const char *p = s + 3;

	if (strncmp(p, "rounds=", 7) == 0) {
		char *end;
		p += 7;
		if (*p < '1' || *p > '9')
			return false;
		unsigned long rounds = strtoul(p, &end, 10);
		if (*end != '$' || rounds > PASSWORD_SHACRYPT_ROUNDS_MAX)
			return false;
		p = end + 1;
	}
	const char *salt_end = strchr(p, '$');
	if (salt_end == NULL || (size_t)(salt_end - p) > PASSWORD_SHACRYPT_SALT_MAX)
		return false;
	for (const char *c = p; c < salt_end; c++) {
		if (*c == ':' || *c == '\n' || (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			return false;
	}
	p = salt_end + 1;
	return strlen(p) == hash_len && password_b64_span(p) == hash_len;
}

/* "$y$params$salt$hash" with a 43-character hash. */
static bool password_yescrypt_valid(const char *s)
{
	const char *p = s + 3;

	for (int field = 0; field < 2; field++) {
		size_t n = password_b64_span(p);
		if (n == 0 || n > PASSWORD_YESCRYPT_FIELD_MAX || p[n] != '$')
			return false;
		p += n + 1;
	}
	if (strlen(p) != 43 || password_b64_span(p) != 43)
		return false;
	return crypt_checksalt(s) == CRYPT_SALT_OK;
}

bool directory_password_is_hash(const char *s)
{
	if (s == NULL)
		return false;
	if (strncmp(s, "$y$", 3) == 0)
		return password_yescrypt_valid(s);
	if (strncmp(s, "$2b$", 4) == 0 || strncmp(s, "$2y$", 4) == 0 ||
	    strncmp(s, "$2a$", 4) == 0)
		return password_bcrypt_valid(s);
	if (strncmp(s, "$6$", 3) == 0)
		return password_shacrypt_valid(s, 86);
	if (strncmp(s, "$5$", 3) == 0)
		return password_shacrypt_valid(s, 43);
	return false;
}

char *directory_password_hash(const char *password)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	char *result = NULL;

	if (password == NULL || strlen(password) > DIRECTORY_PASSWORD_MAX)
		return NULL;
	/* NULL random bytes: libxcrypt reads them from the kernel. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)) == NULL)
		return NULL;
	data = xcalloc(1, sizeof(*data));
	const char *hash = crypt_rn(password, setting, data, sizeof(*data));
	if (hash != NULL && hash[0] != '*')
		result = xstrdup(hash);
	explicit_bzero(data, sizeof(*data));
	free(data);
	return result;
}

int directory_password_verify(const char *password, const char *hash)
{
	struct crypt_data *data;
	int ret = 0;

	if (password == NULL || strlen(password) > DIRECTORY_PASSWORD_MAX ||
	    !directory_password_is_hash(hash))
		return 0;
	data = xcalloc(1, sizeof(*data));
	const char *out = crypt_rn(password, hash, data, sizeof(*data));
	if (out != NULL && out[0] != '*') {
		size_t len = strlen(hash);
		if (strlen(out) == len)
			ret = mem_equal_ct(out, hash, len);
	}
	explicit_bzero(data, sizeof(*data));
	free(data);
	return ret;
}
