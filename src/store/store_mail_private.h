#ifndef TERN_STORE_MAIL_PRIVATE_H
#define TERN_STORE_MAIL_PRIVATE_H

/* Internals of the email store, shared by the store_email*.c,
 * store_thread.c, store_membership.c and store_fts.c files. */

#include "core/strbuf.h"
#include "store/store_mail.h"
#include "store/store_private.h"

/* Threading keys kept per email: its own Message-ID and at most this
 * many of the ids it refers to (the first and the last halves). */
#define STORE_EMAIL_MAX_REFS 64
#define STORE_EMAIL_MAX_MSGID_LEN 998
/* Bounds of a query's filter tree. */
#define STORE_QUERY_MAX_DEPTH 32
#define STORE_QUERY_MAX_NODES 1024
#define STORE_QUERY_MAX_SORTS 16

/* ---- mailbox counts (store_mailbox.c) ---- */

struct store_mailbox_delta {
	int64_t total_emails, unread_emails, total_threads, unread_threads;
};

/* 0 if the mailbox exists, else -1 (STORE_ERR_NOT_FOUND). */
int store_mailbox_check(struct store_account *acct, uint64_t mailbox_id, const char **error_r);
/* Adds d to the counts of mailbox_id, which takes a new modseq and a
 * change record. With uid_r, also allocates the mailbox's next UID.
 * Fails with STORE_ERR_NOT_FOUND if there is no such mailbox. */
int store_mailbox_counts_add(struct store_account *acct, uint64_t mailbox_id,
			     const struct store_mailbox_delta *d, uint32_t *uid_r,
			     const char **error_r);

/* ---- memberships (store_membership.c) ---- */

/* What the membership code needs to know of an email. */
struct store_email_ref {
	uint64_t id;
	uint64_t thread_id;
	int64_t received_at;
	bool unread;
};

/* Puts the email into mailbox_id with a new UID; counts follow. */
int store_membership_add(struct store_account *acct, const struct store_email_ref *ref,
			 uint64_t mailbox_id, uint64_t modseq, struct store_email_mailbox *m_r,
			 const char **error_r);
/* Takes the email out of mailbox_id, leaving an expunge record of its
 * UID at modseq (the removal's); counts follow. */
int store_membership_remove(struct store_account *acct, const struct store_email_ref *ref,
			    uint64_t mailbox_id, uint64_t modseq, const char **error_r);
/* The email's unread state changed by delta (+1/-1): the counts of
 * each of its mailboxes follow. */
int store_membership_unread(struct store_account *acct, const struct store_email_ref *ref,
			    int delta, const char **error_r);
/* Every membership of the email takes modseq (its flags changed). */
int store_membership_touch(struct store_account *acct, uint64_t email_id, uint64_t modseq,
			   const char **error_r);
/* The memberships of email_id, by ascending mailbox id. */
int store_membership_list(struct store_account *acct, uint64_t email_id,
			  struct store_email_mailbox **list_r, size_t *count_r,
			  const char **error_r);
/* Moves the per-mailbox counts of thread from onto thread to. */
int store_membership_merge_threads(struct store_account *acct, uint64_t from, uint64_t to,
				   const char **error_r);

/* ---- IMAP expunge records (store_imap_expunge.c) ---- */

/* Records that the membership of email_id in mailbox_id (still there)
 * ends at modseq. */
int store_imap_expunge_record(struct store_account *acct, uint64_t email_id,
			      uint64_t mailbox_id, uint64_t modseq, const char **error_r);
/* Forgets the records of a mailbox being destroyed. */
int store_imap_expunges_drop(struct store_account *acct, uint64_t mailbox_id,
			     const char **error_r);

/* ---- threads (store_thread.c) ---- */

/* 64-bit hash of a base subject, as stored in email_msgids. */
int64_t store_thread_subject_hash(const char *thread_subject);
/* Finds (merging several into one) or creates the thread of a new
 * email from its threading keys. */
int store_thread_assign(struct store_account *acct, const char *thread_subject,
			char *const *keys, size_t key_count, uint64_t *thread_id_r,
			bool *created_r, const char **error_r);
/* Records the threading keys of a new email. */
int store_thread_keys_add(struct store_account *acct, uint64_t email_id,
			  const char *thread_subject, char *const *keys, size_t key_count,
			  const char **error_r);
int store_thread_keys_remove(struct store_account *acct, uint64_t email_id,
			     const char *thread_subject, char *const *keys, size_t key_count,
			     const char **error_r);
/* The thread changed (an email joined or left); destroys it when it
 * has no email left. */
int store_thread_touch(struct store_account *acct, uint64_t thread_id, bool created,
		       const char **error_r);

/* ---- emails (store_email*.c) ---- */

/* Returns ret; a failure after a write's checks passed breaks the
 * transaction (a half-done change is never committed). */
int store_mail_written(struct store_account *acct, int ret);

/* store_email_get() with the reason of a failure. */
int store_email_read(struct store_account *acct, uint64_t id, unsigned what,
		     struct store_email *e, const char **error_r);
/* Neither $seen nor $draft. */
bool store_email_unread(const struct store_email *e);
int store_email_keywords_insert(struct store_account *acct, uint64_t email_id,
				char *const *keywords, size_t count, const char **error_r);
/* Adds delta to the account's bytes of live emails. */
int store_email_bytes_add(struct store_account *acct, int64_t delta, const char **error_r);
/* Destroys the emails only in the mailbox and takes the others out of
 * it (before the mailbox itself goes). */
int store_mailbox_drop_emails(struct store_account *acct, uint64_t mailbox_id,
			      const char **error_r);
/* The keys stored for e: message_id, then the usable refs (bounded,
 * without duplicates). The strings are borrowed from e. */
size_t store_email_keys(const struct store_email *e, char **keys, size_t max);
/* Splits the refs column back into e->refs. */
void store_email_refs_parse(struct store_email *e, const char *text);

/* ---- full text (store_fts.c) ---- */

/* Email ids: ascending, without duplicates, wherever one is a set. */
struct store_id_array {
	uint64_t *ids;
	size_t count;
};

/* Queue the text of a new email, or the removal of one, for the index
 * (store_fts_write.c): applied after the transaction commits. */
int store_fts_insert(struct store_account *acct, uint64_t email_id,
		     const struct store_email_text *text, const char **error_r);
int store_fts_delete(struct store_account *acct, uint64_t email_id, const char **error_r);
/* What a catch-up queues: a removal, an email whose text comes from the
 * text source, and emptying the index first. */
void store_fts_queue_delete(struct store_account *acct, uint64_t email_id);
void store_fts_queue_later(struct store_account *acct, uint64_t email_id);
void store_fts_queue_rebuild(struct store_account *acct);
/* Applies the queue and records modseq as indexed. */
int store_fts_apply_all(struct store_account *acct, uint64_t modseq, const char **error_r);
/* The FTS5 MATCH expression of a text condition: the user's words,
 * each quoted as a prefix phrase (no FTS5 syntax gets through), within
 * the condition's columns. NULL when the text has no word. */
char *store_fts_match(enum store_email_cond cond, const char *text, const char *header_name);
/* The emails matching an FTS5 MATCH expression, ascending. The array
 * holds at most one id per live email of the account (8 bytes each:
 * 800 KB for 100,000 emails); the caller frees ids_r->ids. */
int store_fts_ids(struct store_account *acct, const char *match, struct store_id_array *ids_r,
		  const char **error_r);

/* ---- SQL text with bound parameters (store_email_sql.c) ---- */

enum store_sql_param_kind {
	STORE_SQL_INT,
	STORE_SQL_TEXT,
	STORE_SQL_VALUE,
	STORE_SQL_ID_ARRAY,
};

struct store_sql_param {
	enum store_sql_param_kind kind;
	int64_t number;
	char *text;				/* owned */
	const sqlite3_value *value;		/* borrowed */
	const struct store_id_array *ids;	/* borrowed */
};

struct store_sql {
	struct strbuf text;
	struct store_sql_param *params;
	size_t count, cap;
};

/* Append a parameter placeholder and its value. */
void store_sql_int(struct store_sql *q, int64_t number);
void store_sql_text(struct store_sql *q, const char *text);
void store_sql_value(struct store_sql *q, const sqlite3_value *value);
/* A JSON array of ids, for json_each(). */
void store_sql_ids(struct store_sql *q, const uint64_t *ids, size_t count);
/* The array itself, bound by pointer: only tern_id_in() can read it.
 * It must outlive the statement. */
void store_sql_id_array(struct store_sql *q, const struct store_id_array *ids);
/* Where the aggregate tern_id_collect(id, sink) appends its ids, in
 * the order of its rows. */
struct store_id_sink {
	struct store_id_array array;
	size_t cap;
};
/* Binds sink by pointer at col, for tern_id_collect(). */
void store_sql_bind_id_sink(sqlite3_stmt *stmt, int col, struct store_id_sink *sink);
/* Sorts the array ascending, unless it already is. */
void store_id_array_sort(struct store_id_array *a);
/* Registers on a connection tern_id_in(id, array): 1 if id is in an
 * array bound by store_sql_id_array() (a binary search), else 0; and
 * tern_id_collect(id, sink), which appends its rows' ids to a sink
 * bound by store_sql_bind_id_sink() and returns their count. Reading
 * many ids through one aggregate saves a return to the caller per
 * row. */
int store_sql_functions_register(struct store_db *db, const char **error_r);
/* Prepares (uncached) and binds q. */
int store_sql_prepare(struct store_db *db, const struct store_sql *q, sqlite3_stmt **stmt_r,
		      const char **error_r);
void store_sql_free(struct store_sql *q);

/* ---- query building (store_email_filter.c) ---- */

/* A text condition of the filter with a word to look for, and its
 * matches: they are read before any SQL is built, since SQL on the
 * account's connection cannot see the full-text index. */
struct store_query_text {
	const struct store_email_filter *cond;
	char *match;			/* its FTS5 MATCH expression */
	struct store_id_array ids;
};

struct store_query_plan {
	const struct store_email_query *q;
	/* A mailbox condition every result meets: the query then walks
	 * that mailbox's memberships (alias em) instead of all emails. */
	const struct store_email_filter *mailbox_cond;
	bool join_emails;	/* the email rows (alias e) are read */
	/* Every text condition of the filter with a word to look for, in
	 * tree order (at most STORE_QUERY_MAX_NODES); owned by the plan. */
	struct store_query_text *texts;
	size_t text_count;
	/* A text condition every result meets, when the sort starts with
	 * receivedAt (or is none). When it has a word to look for, text_ids
	 * are its matches (in texts); a query may then walk the sort order
	 * (of all emails, or of the mailbox walked) and test each row
	 * against them (text_walk) rather than look the matches up and
	 * sort them, which is worth it when they are common. */
	const struct store_email_filter *text_cond;
	const struct store_id_array *text_ids;
	bool text_walk;
	/* The emails a walk of the sort order passes over, at most (those
	 * of the mailbox walked, if any). */
	uint64_t candidates;
};

enum store_text_plan {
	STORE_TEXT_PLAN_AUTO = 0,
	STORE_TEXT_PLAN_MATCHES_FIRST,
	STORE_TEXT_PLAN_WALK,
};
/* Forces a plan, so that tests can compare both on one corpus. */
extern enum store_text_plan store_text_plan_force;
/* The most matches of a text condition (other than the plan's) that
 * are looked up by id rather than tested row by row; tests lower it to
 * compare both on one corpus. */
extern size_t store_text_lookup_max;

/* Lists the filter's text conditions in plan->texts, their matches
 * not read yet (store_query_texts_read() reads them). */
void store_query_plan_init(struct store_query_plan *plan, const struct store_email_query *q);
void store_query_plan_free(struct store_query_plan *plan);
/* The matches of a text condition f of the plan, or NULL when f has no
 * word to look for (it restricts nothing). */
const struct store_id_array *store_query_text_ids(const struct store_query_plan *plan,
						  const struct store_email_filter *f);
/* Whether the filter is exactly one mailbox condition. */
bool store_query_plan_mailbox_only(const struct store_query_plan *plan);
/* Checks the filter's bounds. */
int store_query_check(const struct store_email_query *q, const char **error_r);
/* " FROM ... WHERE ..." of the filtered set. */
void store_query_from_where(const struct store_query_plan *plan, struct store_sql *q);
/* The email id column. */
const char *store_query_id_column(const struct store_query_plan *plan);
/* " ORDER BY ..." of the sorts, ties by id descending. */
void store_query_order(const struct store_query_plan *plan, struct store_sql *q);
/* "expr1, expr2, ..." of the sort values. */
void store_query_sort_values(const struct store_query_plan *plan, struct store_sql *q);
/* A condition true of the rows sorted before the anchor, whose sort
 * values are given (sort_count of them) and whose id is anchor_id. */
void store_query_before(const struct store_query_plan *plan, struct store_sql *q,
			sqlite3_value *const *values, uint64_t anchor_id);

#endif
