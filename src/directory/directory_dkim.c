/* The DKIM keys of the local domains: made when a domain principal is
 * created (or on the first lookup of a domain older than DKIM keys),
 * kept in the system database, deleted with the domain. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "directory/directory_dkim.h"
#include "directory/directory_private.h"
#include "store/store_dkim.h"

#define DIRECTORY_DKIM_KEYS 2

static void directory_dkim_generated_free(struct store_dkim_key *keys, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(keys[i].selector);
		explicit_bzero(keys[i].private_pem, strlen(keys[i].private_pem));
		free(keys[i].private_pem);
		free(keys[i].dns_txt);
	}
}

/* A new key of alg, its selector "<yyyymm>" + suffix of now (UTC). */
static int directory_dkim_generate(enum dkim_algorithm alg, char suffix, time_t now,
				   struct store_dkim_key *key_r, const char **error_r)
{
	struct tm tm;

	if (dkim_key_generate(alg, &key_r->private_pem, &key_r->dns_txt, error_r) < 0)
		return -1;
	gmtime_r(&now, &tm);
	key_r->selector = xasprintf("%04d%02d%c", tm.tm_year + 1900, tm.tm_mon + 1, suffix);
	key_r->algorithm = (int)alg;
	key_r->created_at = now;
	return 0;
}

int directory_dkim_keys_create(struct directory *dir, uint32_t domain_id, const char **error_r)
{
	struct store_dkim_key keys[DIRECTORY_DKIM_KEYS] = { 0 };
	time_t now = time(NULL);
	int ret;

	if (directory_dkim_generate(DKIM_RSA_SHA256, 'r', now, &keys[0], error_r) < 0)
		return -1;
	if (directory_dkim_generate(DKIM_ED25519_SHA256, 'e', now, &keys[1], error_r) < 0) {
		directory_dkim_generated_free(keys, 1);
		return -1;
	}
	ret = store_dkim_keys_add(dir->store, domain_id, keys, DIRECTORY_DKIM_KEYS, error_r);
	if (ret > 0)
		log_info("directory.dkim.create", "domain_id=%u rsa=%s ed25519=%s", domain_id,
			 log_q(keys[0].selector), log_q(keys[1].selector));
	directory_dkim_generated_free(keys, DIRECTORY_DKIM_KEYS);
	return ret < 0 ? -1 : 0;
}

/* The stored keys of domain_id, made first if it has none. */
static int directory_dkim_stored(struct directory *dir, uint32_t domain_id,
				 struct store_dkim_key **keys_r, size_t *count_r)
{
	const char *error = NULL;

	if (store_dkim_keys_get(dir->store, domain_id, keys_r, count_r, &error) < 0)
		return -1;
	if (*count_r > 0)
		return 0;
	if (directory_dkim_keys_create(dir, domain_id, &error) < 0 ||
	    store_dkim_keys_get(dir->store, domain_id, keys_r, count_r, &error) < 0) {
		log_error("directory.dkim", "domain_id=%u error=%s", domain_id, log_q(error));
		return -1;
	}
	return 0;
}

static void directory_dkim_copy(const struct store_dkim_key *from, struct directory_dkim_key *to)
{
	to->selector = xstrdup(from->selector);
	to->algorithm = from->algorithm == DKIM_ED25519_SHA256 ? DKIM_ED25519_SHA256 :
		DKIM_RSA_SHA256;
	to->private_pem = xstrdup(from->private_pem);
	to->dns_txt = xstrdup(from->dns_txt);
	to->created_at = from->created_at;
}

/* The id of the domain principal named domain: 1, 0 (none) or -1. */
static int directory_dkim_domain_id(struct directory *dir, const char *domain, uint32_t *id_r)
{
	struct store_principal *p = NULL;
	char *name;
	int ret;

	if (domain == NULL || strlen(domain) > DIRECTORY_NAME_MAX)
		return 0;
	name = xstrdup(domain);
	directory_lowercase(name);
	ret = store_principal_get_by_name(dir->store, name, &p);
	free(name);
	if (ret > 0 && p->type != STORE_PRINCIPAL_DOMAIN)
		ret = 0;
	if (ret > 0)
		*id_r = p->id;
	store_principal_free(&p);
	return ret;
}

int directory_dkim_keys(struct directory *dir, const char *domain,
			struct directory_dkim_key **keys_r, size_t *count_r)
{
	struct store_dkim_key *stored = NULL;
	struct directory_dkim_key *keys;
	size_t count = 0;
	uint32_t id = 0;
	int ret = directory_dkim_domain_id(dir, domain, &id);

	if (ret <= 0)
		return ret;
	if (directory_dkim_stored(dir, id, &stored, &count) < 0)
		return -1;
	keys = xcalloc(count, sizeof(*keys));
	for (size_t i = 0; i < count; i++)
		directory_dkim_copy(&stored[i], &keys[i]);
	store_dkim_keys_free(&stored, count);
	*keys_r = keys;
	*count_r = count;
	return 1;
}

void directory_dkim_keys_free(struct directory_dkim_key **keys, size_t count)
{
	if (*keys == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		free((*keys)[i].selector);
		explicit_bzero((*keys)[i].private_pem, strlen((*keys)[i].private_pem));
		free((*keys)[i].private_pem);
		free((*keys)[i].dns_txt);
	}
	free(*keys);
	*keys = NULL;
}
