#ifndef TERN_STORE_DAV_GONE_H
#define TERN_STORE_DAV_GONE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The places contact cards and calendar events left: when one is
 * destroyed, or moved to another collection, or renamed, the store
 * keeps its old collection and DAV resource name with the change's
 * modseq (written by the database itself, whatever path changed the
 * row). The DAV face reports these hrefs as gone to clients that sync
 * from an older state, across restarts. They expire with the
 * tombstones (store_tombstones_expire). */

struct store_dav_gone {
	uint64_t id;		/* the card or event */
	uint64_t collection_id;	/* the address book or calendar it was in */
	char *dav_name;		/* its resource name there */
	uint64_t modseq;	/* of the change that took it away */
};

void store_dav_gone_list_free(struct store_dav_gone **list, size_t count);
/* The places objects of type (STORE_TYPE_CONTACT_CARD or
 * STORE_TYPE_CALENDAR_EVENT) left by changes with since < modseq <=
 * until, ordered by modseq. Free with store_dav_gone_list_free(). */
int store_dav_gone_list(struct store_account *acct, enum store_type type, uint64_t since,
			uint64_t until, struct store_dav_gone **list_r, size_t *count_r,
			const char **error_r);

#endif
