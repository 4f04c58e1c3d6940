#ifndef TERN_STORE_OBJECTS_H
#define TERN_STORE_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* The small per-account objects of mail sending (identities, email
 * submissions, the vacation response), the outbound queue of the system
 * database, and the reverse lookup of blobs. Conventions as store.h:
 * writes run inside the caller's write transaction, each changed object
 * takes its own modseq and change record. Text the JMAP layer keeps as
 * JSON (address lists, envelopes, delivery status) is stored as given:
 * the store does not read it. */

/* ---- identities ---- */

struct store_identity {
	uint64_t id;
	char *name;
	char *email;		/* lowercase */
	char *reply_to;		/* JSON text, or NULL */
	char *bcc;		/* JSON text, or NULL */
	char *text_signature;
	char *html_signature;
	/* made by the server for one of the account's addresses: it follows
	 * the addresses, the client may not destroy it */
	bool is_default;
	uint64_t modseq;
};

void store_identity_clear(struct store_identity *ident);
void store_identity_list_free(struct store_identity **list, size_t count);
/* Every live identity, ordered by id. *list_r is caller-owned; free with
 * store_identity_list_free(). */
int store_identity_list(struct store_account *acct, struct store_identity **list_r,
			size_t *count_r, const char **error_r);
/* Assigns ident->id and modseq. Every string but reply_to and bcc must
 * be set. */
int store_identity_create(struct store_account *acct, struct store_identity *ident,
			  const char **error_r);
/* Writes name, reply_to, bcc and the signatures of ident->id; sets
 * ident->modseq. */
int store_identity_update(struct store_account *acct, struct store_identity *ident,
			  const char **error_r);
int store_identity_destroy(struct store_account *acct, uint64_t id, const char **error_r);

/* ---- email submissions ---- */

enum store_undo_status {
	STORE_UNDO_PENDING = 0,
	STORE_UNDO_FINAL,
	STORE_UNDO_CANCELED,
};

struct store_submission {
	uint64_t id;
	uint64_t identity_id;
	uint64_t email_id;
	uint64_t thread_id;
	/* the message as submitted (it outlives the email; the queue row
	 * holds the reference that keeps it) */
	char blob_id[STORE_BLOB_ID_LEN + 1];
	char *envelope;		/* JSON text: {"mailFrom":..., "rcptTo":[...]} */
	int64_t send_at;	/* unix seconds */
	enum store_undo_status undo_status;
	char *delivery_status;	/* JSON text, or NULL */
	char *dsn_blob_ids;	/* JSON text (an array) */
	char *mdn_blob_ids;	/* JSON text (an array) */
	uint64_t modseq;
};

void store_submission_clear(struct store_submission *s);
void store_submission_list_free(struct store_submission **list, size_t count);
/* Every live submission, ordered by id; caller frees the list. */
int store_submission_list(struct store_account *acct, struct store_submission **list_r,
			  size_t *count_r, const char **error_r);
/* Fills *s_r (release with store_submission_clear()). 1, 0 or -1. */
int store_submission_get(struct store_account *acct, uint64_t id, struct store_submission *s_r);
/* Assigns s->id and modseq; dsn/mdn_blob_ids NULL mean "[]". */
int store_submission_create(struct store_account *acct, struct store_submission *s,
			    const char **error_r);
/* Writes undo_status and delivery_status of s->id; sets s->modseq. */
int store_submission_update(struct store_account *acct, struct store_submission *s,
			    const char **error_r);
int store_submission_destroy(struct store_account *acct, uint64_t id, const char **error_r);

/* ---- the outbound queue (system database) ----
 *
 * One row per submission still to send, written when the JMAP call that
 * created the submission is about to commit. The row owns a reference
 * on its blob in the account (taken by the caller with store_blob_ref()
 * in the account transaction) and carries everything the sender needs.
 * The sender claims a row (state sending), and when it is done first
 * records the outcome on the submission (undo status final, delivery
 * status), then drops the row and the blob reference: a pending
 * submission with no row was canceled. */

enum store_queue_state {
	STORE_QUEUE_PENDING = 0,	/* waiting for next_attempt_at */
	STORE_QUEUE_SENDING,		/* claimed by a sender: cannot be canceled */
};

struct store_queue_rcpt {
	char *address;
	char *parameters;	/* JSON object text, or NULL */
	char *status;		/* "queued", "yes", "no" (as deliveryStatus.delivered) */
	char *smtp_reply;	/* the latest reply, e.g. "250 2.1.5 Queued" */
};

struct store_queue_entry {
	uint64_t id;		/* assigned by store_queue_add */
	uint32_t account_id;
	uint64_t submission_id;
	char blob_id[STORE_BLOB_ID_LEN + 1];
	uint64_t size;
	char *mail_from;
	char *mail_from_parameters;	/* JSON object text, or NULL */
	struct store_queue_rcpt *rcpts;
	size_t rcpt_count;
	enum store_queue_state state;
	uint32_t attempts;
	int64_t next_attempt_at;	/* unix seconds */
	int64_t created_at;
};

void store_queue_entry_clear(struct store_queue_entry *e);
/* Adds the count entries (state pending) in one system transaction,
 * assigning their ids: all or none. A row left for the same account and
 * submission id (by an account transaction that then failed, whose id
 * was reused) is replaced. */
int store_queue_add(struct store *store, struct store_queue_entry *entries, size_t count,
		    const char **error_r);
/* The row of one submission: 1 (fills *e_r), 0 none, -1 error. */
int store_queue_get(struct store *store, uint32_t account_id, uint64_t submission_id,
		    struct store_queue_entry *e_r);
/* Removes the row of a submission if it is still pending: 1 removed, 0
 * not (no row, or *sending_r set when a sender holds it), -1 error. */
int store_queue_cancel(struct store *store, uint32_t account_id, uint64_t submission_id,
		       bool *sending_r, const char **error_r);

/* The senders (store_queue_claim.c). At start: every row a process left
 * claimed (it stopped or crashed while sending) is pending again. */
int store_queue_reset(struct store *store, const char **error_r);
/* Claims the pending row due first (next_attempt_at <= now): it becomes
 * sending and is read, recipients included, into *e_r (cleared with
 * store_queue_entry_clear()). 1, 0 when none is due, -1. */
int store_queue_claim(struct store *store, int64_t now, struct store_queue_entry *e_r,
		      const char **error_r);
/* Claims row id if it is pending: 1 (fills *e_r), 0 when there is no
 * such row or *sending_r when another holds it, -1. */
int store_queue_claim_id(struct store *store, uint64_t id, struct store_queue_entry *e_r,
			 bool *sending_r, const char **error_r);
/* The earliest next_attempt_at of the pending rows: 1 and *at_r, 0 if
 * there is none, -1. */
int store_queue_next_due(struct store *store, int64_t *at_r, const char **error_r);
/* Writes e->state, attempts, next_attempt_at and every recipient's
 * status and smtp_reply of row e->id, in one transaction. */
int store_queue_update(struct store *store, const struct store_queue_entry *e,
		       const char **error_r);
/* Removes row id and its recipients: 1, 0 if none, -1. */
int store_queue_remove(struct store *store, uint64_t id, const char **error_r);

/* Administration (store_queue_admin.c): every row, recipients included,
 * ordered by id; free with store_queue_list_free(). */
int store_queue_list(struct store *store, struct store_queue_entry **list_r, size_t *count_r,
		     const char **error_r);
void store_queue_list_free(struct store_queue_entry **list, size_t count);
/* Row id: 1 (fills *e_r), 0 none, -1. */
int store_queue_get_by_id(struct store *store, uint64_t id, struct store_queue_entry *e_r);
/* Makes pending row id due at now: 1, 0 when there is no such row or
 * *sending_r when a sender holds it, -1. */
int store_queue_retry_now(struct store *store, uint64_t id, int64_t now, bool *sending_r,
			  const char **error_r);

/* In the sender's account (store_queue_account.c), inside a write
 * transaction: writes undo_status, delivery_status and dsn_blob_ids of
 * s->id; sets s->modseq. */
int store_submission_update_outcome(struct store_account *acct, struct store_submission *s,
				    const char **error_r);
/* 1 if submission id was destroyed (its tombstone is kept), 0 if it
 * exists or never did, -1. */
int store_submission_destroyed(struct store_account *acct, uint64_t id);

/* ---- vacation response ---- */

struct store_vacation {
	bool is_enabled;
	bool has_from_date, has_to_date;
	int64_t from_date, to_date;	/* unix seconds */
	char *subject;			/* NULL = null */
	char *text_body;
	char *html_body;
	uint64_t modseq;
};

/* The change record id of the account's one vacation response. */
#define STORE_VACATION_ID 1

void store_vacation_clear(struct store_vacation *v);
/* 1 and *v_r if it was ever set, 0 (and *v_r zeroed: disabled, every
 * field null) if not, -1 on error. */
int store_vacation_get(struct store_account *acct, struct store_vacation *v_r);
/* Writes every field; sets v->modseq. */
int store_vacation_set(struct store_account *acct, struct store_vacation *v,
		       const char **error_r);

/* ---- blob lookup ---- */

/* The live emails whose message is blob_id: their ids, thread ids and
 * the mailboxes they are in (each array caller-freed, deduplicated and
 * ascending). */
struct store_blob_refs {
	uint64_t *email_ids;
	size_t email_count;
	uint64_t *thread_ids;
	size_t thread_count;
	uint64_t *mailbox_ids;
	size_t mailbox_count;
};

void store_blob_refs_clear(struct store_blob_refs *refs);
int store_blob_refs(struct store_account *acct, const char *blob_id,
		    struct store_blob_refs *refs_r, const char **error_r);

#endif
