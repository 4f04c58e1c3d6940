#ifndef TERN_DIRECTORY_DKIM_H
#define TERN_DIRECTORY_DKIM_H

#include <stddef.h>
#include <time.h>

#include "directory/directory.h"
#include "mailauth/dkim.h"

/* The DKIM keys of the local domains. directory_principal_create()
 * gives every new domain principal an RSA-2048 and an Ed25519 key
 * (selectors "<yyyymm>r" and "<yyyymm>e" of the creation date); a
 * domain created before keys existed gets them on its first lookup.
 * Keys live in the system database and go with their domain. */

struct directory_dkim_key {
	char *selector;
	enum dkim_algorithm algorithm;
	char *private_pem;	/* PKCS#8 PEM */
	char *dns_txt;		/* "v=DKIM1; k=...; p=..." */
	time_t created_at;
};

/* The keys of domain (lowercase; a domain principal's name), RSA
 * first: 1 with a caller-owned array (free with
 * directory_dkim_keys_free), 0 when domain is not a local domain, -1
 * on a store failure. */
int directory_dkim_keys(struct directory *dir, const char *domain,
			struct directory_dkim_key **keys_r, size_t *count_r);
void directory_dkim_keys_free(struct directory_dkim_key **keys, size_t count);

/* Generates and stores the two keys of the domain principal domain_id
 * unless it has keys already (then it does nothing). Called by
 * directory_principal_create() for a new domain. 0, or -1 with
 * *error_r (key generation or store failure). */
int directory_dkim_keys_create(struct directory *dir, uint32_t domain_id, const char **error_r);

#endif
