#ifndef TERN_STORE_IMAP_H
#define TERN_STORE_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* What the IMAP view (urn:tern:imap, docs/vendor-imap.md) reads from the
 * account: a mailbox's memberships in UID order with their modseqs and
 * keywords, the UIDs removed from it (expunge records), and its
 * HIGHESTMODSEQ, size and unseen count. Conventions as store.h; reads
 * see one snapshot when the caller holds a transaction.
 *
 * A membership that ends (the email moves away, is destroyed, or its
 * mailbox goes) leaves an expunge record (mailbox, uid, modseq of the
 * removal). Records live as long as change records; expiring them
 * raises the mailbox's floor, below which "what vanished since" cannot
 * be answered. */

/* One message of a mailbox, handed to a store_imap_message_fn. */
struct store_imap_message {
	uint32_t uid;
	uint64_t email_id;
	uint64_t modseq;	/* of the membership's latest change */
	/* lowercase, sorted; borrowed until the callback returns (none
	 * when keywords were not asked for) */
	const char *const *keywords;
	size_t keyword_count;
};

typedef void store_imap_message_fn(const struct store_imap_message *msg, void *context);

/* Calls fn for each message of mailbox_id whose modseq is greater than
 * since (0: every message), ascending by UID, in one walk of the
 * mailbox (with keywords: one walk joined with the keywords). */
int store_imap_messages(struct store_account *acct, uint64_t mailbox_id, uint64_t since,
			bool with_keywords, store_imap_message_fn *fn, void *context,
			const char **error_r);

/* The UIDs removed from mailbox_id by changes after since, ascending.
 * *uids_r is caller-owned (free()); NULL when there is none. */
int store_imap_vanished(struct store_account *acct, uint64_t mailbox_id, uint64_t since,
			uint32_t **uids_r, size_t *count_r, const char **error_r);

/* What store_imap_mailbox_get() computes beyond the cheap members. */
#define STORE_IMAP_WITH_SIZE (1u << 0)		/* walks the mailbox */
#define STORE_IMAP_WITH_UNSEEN (1u << 1)	/* walks the mailbox */

struct store_imap_mailbox {
	/* the highest modseq of a message in it or removed from it, never
	 * less than expunge_floor, at least 1; it never goes down */
	uint64_t highest_modseq;
	/* records of removals at or below it may have expired: "vanished
	 * since" a lower modseq cannot be answered */
	uint64_t expunge_floor;
	uint64_t size;		/* octets of its messages (STORE_IMAP_WITH_SIZE) */
	uint32_t unseen;	/* messages without $seen (STORE_IMAP_WITH_UNSEEN) */
};

/* Fills *mb_r for mailbox_id: 1, 0 (no such mailbox) or -1. */
int store_imap_mailbox_get(struct store_account *acct, uint64_t mailbox_id, unsigned what,
			   struct store_imap_mailbox *mb_r, const char **error_r);

/* The message of email_id as stored (its blob), opened read-only for
 * IMAP's BODY[]: 1 with an fd the caller closes and the blob's size, 0
 * when the email or its blob does not exist, -1 on error. One row read
 * and the blob's own lookup; call it inside a read transaction when
 * opening several. */
int store_imap_email_blob_open(struct store_account *acct, uint64_t email_id, int *fd_r,
			       uint64_t *size_r, const char **error_r);
/* Deletes the expunge records written before `before` (a unix time),
 * raising the floor of each mailbox they belonged to. In its own write
 * transaction unless one is open. */
int store_imap_expunges_expire(struct store_account *acct, time_t before, const char **error_r);

#endif
