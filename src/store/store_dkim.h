#ifndef TERN_STORE_DKIM_H
#define TERN_STORE_DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* The DKIM keys of domain principals, in the system database. A key
 * belongs to its domain principal and is deleted with it. The store
 * keeps the algorithm as a number it does not interpret (the values of
 * enum dkim_algorithm). */

struct store_dkim_key {
	char *selector;
	int algorithm;
	char *private_pem;
	char *dns_txt;
	time_t created_at;
};

void store_dkim_keys_free(struct store_dkim_key **keys, size_t count);
/* The keys of domain principal domain_id, by algorithm then selector;
 * *keys_r is NULL when it has none. 0 or -1. */
int store_dkim_keys_get(struct store *store, uint32_t domain_id, struct store_dkim_key **keys_r,
			size_t *count_r, const char **error_r);
/* Stores keys for domain_id in one transaction, unless the domain has
 * keys already (then nothing is written: two threads may race to give
 * a domain its first keys). 1 stored, 0 had keys, -1 error (also when
 * domain_id is not a principal: STORE_ERR_NOT_FOUND). */
int store_dkim_keys_add(struct store *store, uint32_t domain_id,
			const struct store_dkim_key *keys, size_t count, const char **error_r);

#endif
