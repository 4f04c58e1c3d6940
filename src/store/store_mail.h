#ifndef TERN_STORE_MAIL_H
#define TERN_STORE_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Emails, threads, mailbox membership (with IMAP UIDs), keywords and the
 * full-text index, in the account database. Conventions as store.h:
 * writes run inside a write transaction; each changed object (email,
 * thread, mailbox whose counts moved) takes its own modseq and change
 * record, and its type state moves. */

struct store_email_mailbox {
	uint64_t mailbox_id;
	uint32_t uid;		/* IMAP UID in that mailbox (assigned by the store) */
	uint64_t modseq;	/* of the membership's latest change */
};

struct store_email {
	uint64_t id;
	uint64_t thread_id;	/* assigned by store_email_create */
	char blob_id[STORE_BLOB_ID_LEN + 1];
	uint64_t size;
	int64_t received_at;	/* unix seconds */
	int64_t sent_at;	/* unix seconds; received_at if unknown */
	char *message_id;	/* threading: own id, no <>; may be NULL */
	char **refs;		/* threading: ids it refers to */
	size_t ref_count;
	char *thread_subject;	/* threading: base subject, lowercase */
	char *subject;		/* sort key (decoded subject) */
	char *from_sort;	/* sort keys */
	char *to_sort;
	char *preview;
	bool has_attachment;
	char *model;		/* opaque JSON text (mail_message_model) */
	struct store_email_mailbox *mailboxes;
	size_t mailbox_count;
	char **keywords;	/* lowercase, sorted, no duplicates */
	size_t keyword_count;
	uint64_t modseq;	/* of the email's latest change */
};

/* Full-text index fields (any may be NULL). */
struct store_email_text {
	const char *subject, *from, *to, *cc, *bcc, *body, *attachments, *headers;
};

void store_email_clear(struct store_email *e);
void store_email_list_free(struct store_email **list, size_t count);

/* Creates e (mailboxes[].mailbox_id and keywords given; blob already
 * written): assigns id, thread_id (an existing thread when e's
 * message_id or refs meet a message of a thread with the same
 * thread_subject, as established servers do), UIDs and modseqs, takes a
 * reference on the blob, indexes text, updates mailbox counts. */
int store_email_create(struct store_account *acct, struct store_email *e,
		       const struct store_email_text *text, const char **error_r);

/* What to read: the model JSON is the large part. */
#define STORE_EMAIL_WITH_MODEL (1u << 0)

/* 1 found (fills *e_r), 0 not found (or destroyed), -1 error. */
int store_email_get(struct store_account *acct, uint64_t id, unsigned what,
		    struct store_email *e_r);
/* Reads many at once: *list_r has count entries in the order of ids; an
 * entry with id 0 was not found. Free with store_email_list_free(). */
int store_email_get_many(struct store_account *acct, const uint64_t *ids, size_t count,
			 unsigned what, struct store_email **list_r, const char **error_r);

/* Replace the keyword set / the mailbox set of an email (new
 * memberships get new UIDs; counts follow). mailbox_ids must exist and
 * not be empty. */
int store_email_set_keywords(struct store_account *acct, uint64_t id, char *const *keywords,
			     size_t count, const char **error_r);
int store_email_set_mailboxes(struct store_account *acct, uint64_t id,
			      const uint64_t *mailbox_ids, size_t count, const char **error_r);
/* Tombstones the email, drops its blob reference, memberships, index
 * entries; its thread loses it (and is destroyed when empty). */
int store_email_destroy(struct store_account *acct, uint64_t id, const char **error_r);
/* Emails whose only mailbox is mailbox_id, and the others in it (for
 * onDestroyRemoveEmails). Caller frees both arrays. */
int store_mailbox_emails(struct store_account *acct, uint64_t mailbox_id, uint64_t **only_r,
			 size_t *only_count_r, uint64_t **shared_r, size_t *shared_count_r,
			 const char **error_r);

/* The emails of a thread, oldest first (received_at, then id). 1, 0, -1. */
int store_thread_get(struct store_account *acct, uint64_t thread_id, uint64_t **email_ids_r,
		     size_t *count_r);

/* Bytes of all live emails (for quota). */
uint64_t store_email_used_bytes(struct store_account *acct);

/* ---- query ---- */

enum store_email_cond {
	STORE_EMAIL_IN_MAILBOX,			/* ids[0] */
	STORE_EMAIL_IN_MAILBOX_OTHER_THAN,	/* ids[] */
	STORE_EMAIL_BEFORE,			/* number: received_at < */
	STORE_EMAIL_AFTER,			/* number: received_at >= */
	STORE_EMAIL_MIN_SIZE,
	STORE_EMAIL_MAX_SIZE,
	STORE_EMAIL_ALL_IN_THREAD_HAVE_KEYWORD,	/* text */
	STORE_EMAIL_SOME_IN_THREAD_HAVE_KEYWORD,
	STORE_EMAIL_NONE_IN_THREAD_HAVE_KEYWORD,
	STORE_EMAIL_HAS_KEYWORD,
	STORE_EMAIL_NOT_KEYWORD,
	STORE_EMAIL_HAS_ATTACHMENT,		/* number: 0/1 */
	STORE_EMAIL_TEXT,			/* text: any field */
	STORE_EMAIL_FROM,
	STORE_EMAIL_TO,
	STORE_EMAIL_CC,
	STORE_EMAIL_BCC,
	STORE_EMAIL_SUBJECT,
	STORE_EMAIL_BODY,
	STORE_EMAIL_HEADER,			/* header_name, text (NULL: exists) */
	STORE_EMAIL_ID_IN,			/* ids[]: used by the IMAP view later */
	STORE_EMAIL_SENT_BEFORE,		/* number: sent_at < */
	STORE_EMAIL_SENT_SINCE,			/* number: sent_at >= */
};

enum store_filter_op { STORE_FILTER_COND, STORE_FILTER_AND, STORE_FILTER_OR, STORE_FILTER_NOT };

struct store_email_filter {
	enum store_filter_op op;
	/* op COND: */
	enum store_email_cond cond;
	const uint64_t *ids;
	size_t id_count;
	int64_t number;
	const char *text;	/* keyword, or words for the full-text index */
	const char *header_name;
	/* op AND/OR/NOT: */
	const struct store_email_filter *children;
	size_t child_count;
};

enum store_email_sort_key {
	STORE_SORT_RECEIVED_AT,
	STORE_SORT_SENT_AT,
	STORE_SORT_SIZE,
	STORE_SORT_FROM,
	STORE_SORT_TO,
	STORE_SORT_SUBJECT,
	STORE_SORT_HAS_KEYWORD,			/* keyword */
	STORE_SORT_ALL_IN_THREAD_HAVE_KEYWORD,
	STORE_SORT_SOME_IN_THREAD_HAVE_KEYWORD,
};

struct store_email_sort {
	enum store_email_sort_key key;
	const char *keyword;
	bool ascending;
};

struct store_email_query {
	const struct store_email_filter *filter;	/* NULL: all */
	const struct store_email_sort *sorts;		/* ties: id descending */
	size_t sort_count;
	bool collapse_threads;	/* keep the first email of each thread */
	/* the window: from position (>= 0), at most limit (0: no limit);
	 * with anchor_id != 0 the window starts at the anchor's index +
	 * anchor_offset (clamped at 0) instead */
	uint64_t position;
	size_t limit;
	uint64_t anchor_id;
	int64_t anchor_offset;
	bool calculate_total;
};

struct store_email_result {
	uint64_t *ids;		/* caller frees */
	size_t count;
	uint64_t position;	/* index of ids[0] in the full result */
	uint64_t total;		/* when asked for */
	bool anchor_found;
};

/* Runs the query in SQL (FTS5 for the text conditions), pushing the
 * window down so a page of 50 out of 100,000 costs little. */
int store_email_query(struct store_account *acct, const struct store_email_query *q,
		      struct store_email_result *result_r, const char **error_r);

#endif
