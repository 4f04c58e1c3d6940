#ifndef TERN_DIRECTORY_RCPT_H
#define TERN_DIRECTORY_RCPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "directory/directory.h"

/* Where mail for an address goes: the accounts behind a local address.
 *
 * An address is local when its domain is a domain principal. It is
 * resolved, in order, as: an address (primary or alias) of an
 * individual principal; of a group (delivered to every member that is
 * an individual, nested groups expanded once each, at most 1,000
 * accounts); the same without a "+tag" sub-address suffix on the local
 * part; the catch-all of the domain (a principal with the address
 * "@domain" among its addresses). Addresses compare lowercase. */

enum directory_rcpt_status {
	DIRECTORY_RCPT_LOCAL = 0,	/* account_ids filled */
	DIRECTORY_RCPT_UNKNOWN,		/* local domain, nobody there */
	DIRECTORY_RCPT_REMOTE,		/* not one of our domains */
	DIRECTORY_RCPT_INTERNAL,	/* store failure */
};

struct directory_rcpt {
	uint32_t *account_ids;	/* caller-owned, deduplicated */
	size_t count;
};

/* Resolves address ("local@domain", no angle brackets). */
enum directory_rcpt_status directory_rcpt_resolve(struct directory *dir, const char *address,
						  struct directory_rcpt *rcpt_r);
void directory_rcpt_clear(struct directory_rcpt *rcpt);

/* 1 if domain (lowercase) is a local domain, 0 if not, -1 on failure. */
int directory_domain_is_local(struct directory *dir, const char *domain);

#endif
