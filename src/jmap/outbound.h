#ifndef TERN_JMAP_OUTBOUND_H
#define TERN_JMAP_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "jmap/jmap.h"

/* The outbound queue as the core owns it: the only way the SMTP senders
 * and the admin API reach queue entries and the submissions behind
 * them. EmailSubmission/set adds the entries; everything that happens
 * to them afterwards goes through here, and every change to a
 * submission (undoStatus, deliveryStatus, dsnBlobIds) is made in its
 * account's transaction and published on the event bus, so that
 * EmailSubmission/changes and push see it.
 *
 * A sender claims an entry (no one else may touch it then), records each
 * recipient's outcome as soon as it is known, and finishes the attempt:
 * the entry goes (no recipient left queued) or is given back for a later
 * attempt. Thread-safe; every call blocks on the store. */

/* The bus bit published (with the entry's account) when an entry
 * becomes due outside EmailSubmission/set, e.g. "retry now". */
#define JMAP_OUTBOUND_BUS_TYPE (1ULL << 63)

/* The bus bits a sender listens to: new submissions and
 * JMAP_OUTBOUND_BUS_TYPE. */
uint64_t jmap_outbound_bus_types(void);

/* A recipient's state, as deliveryStatus.delivered names it. */
enum jmap_outbound_status {
	JMAP_OUTBOUND_QUEUED = 0,	/* not delivered yet: tried again later */
	JMAP_OUTBOUND_YES,		/* accepted by the next hop or delivered locally */
	JMAP_OUTBOUND_NO,		/* failed for good */
};

struct jmap_outbound_rcpt {
	char *address;
	json_object *parameters;	/* RCPT TO parameters ({"NOTIFY": "FAILURE"}), or NULL */
	enum jmap_outbound_status status;
	char *reply;			/* the latest reply, "250 2.1.5 OK" */
};

#define JMAP_OUTBOUND_BLOB_ID_MAX 96

struct jmap_outbound_msg {
	uint64_t id;			/* the queue entry */
	uint32_t account_id;
	uint64_t submission_id;
	char blob_id[JMAP_OUTBOUND_BLOB_ID_MAX];
	uint64_t size;
	char *mail_from;		/* "" is the null sender */
	json_object *parameters;	/* MAIL FROM parameters (ENVID, RET, ...), or NULL */
	struct jmap_outbound_rcpt *rcpts;
	size_t rcpt_count;
	uint32_t attempts;		/* attempts finished so far */
	time_t next_attempt_at;
	time_t created_at;
	bool sending;			/* claimed by a sender */
};

/* Everything in msg (json_object references included); msg is zeroed. */
void jmap_outbound_msg_clear(struct jmap_outbound_msg *msg);
void jmap_outbound_list_free(struct jmap_outbound_msg **list, size_t count);

/* ---- the senders ---- */

/* At start, before any claim: entries a stopped or crashed process held
 * are pending again. */
int jmap_outbound_reset(struct jmap_server *srv, const char **error_r);

/* Claims the entry due first (next attempt at or before now): 1 with
 * *msg_r (cleared with jmap_outbound_msg_clear()), 0 when none is due,
 * -1. From here on the submission is final (it cannot be canceled any
 * more). An entry whose submission is not committed yet is put off a
 * few seconds; one whose account or submission never came to be is
 * dropped. */
int jmap_outbound_claim(struct jmap_server *srv, time_t now, struct jmap_outbound_msg *msg_r,
			const char **error_r);

/* When the next pending entry is due: 1 and *at_r, 0 if there is none,
 * -1. */
int jmap_outbound_next_due(struct jmap_server *srv, time_t *at_r);

/* The message of a claimed entry, as submitted: *data_r (caller frees,
 * NUL-terminated) of *len_r bytes. */
int jmap_outbound_read(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
		       char **data_r, size_t *len_r, const char **error_r);

/* Writes the recipients' status and reply of the claimed entry now, so
 * that a recipient recorded delivered is never sent again, even after
 * a crash. */
int jmap_outbound_record(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
			 const char **error_r);

/* Ends the attempt on the claimed entry: the submission's
 * deliveryStatus follows the recipients, the DSN (dsn, dsn_len bytes;
 * NULL for none) is stored in the account and added to its dsnBlobIds;
 * then the entry is removed when no recipient is queued, or else given
 * back with one attempt more, due at next_attempt_at. msg->attempts
 * and next_attempt_at follow. When the submission cannot be updated
 * (-1), the entry is given back as recorded, due a minute later. */
int jmap_outbound_finish(struct jmap_server *srv, struct jmap_outbound_msg *msg,
			 time_t next_attempt_at, const char *dsn, size_t dsn_len,
			 const char **error_r);

/* ---- administration ---- */

/* Every entry, ordered by id; free with jmap_outbound_list_free(). */
int jmap_outbound_list(struct jmap_server *srv, struct jmap_outbound_msg **list_r,
		       size_t *count_r, const char **error_r);

/* Makes entry id due now and wakes the senders: 1, 0 when there is no
 * such entry or *sending_r when a sender holds it, -1. */
int jmap_outbound_retry(struct jmap_server *srv, uint64_t id, bool *sending_r,
			const char **error_r);

/* Cancels entry id. Before its first attempt the submission's
 * undoStatus becomes canceled; after it, the recipients still queued
 * fail ("no", 554 5.7.1). The entry goes either way. 1, 0 when there
 * is no such entry or *sending_r when a sender holds it, -1. */
int jmap_outbound_cancel(struct jmap_server *srv, uint64_t id, bool *sending_r,
			 const char **error_r);

#endif
