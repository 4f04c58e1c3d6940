#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The store: the only code that knows SQL and files.
 *
 * It speaks in accounts. The SQLite backend keeps one system database
 * (directory, settings, bans) and one database per account, plus each
 * account's content-addressed blob files; another backend can stand
 * behind this header later.
 *
 * Conventions: functions return 0 on success and -1 on failure with a
 * reason in *error_r (see core/error.h for its lifetime); lookups return
 * 1 found, 0 not found, -1 error. Structs handed back through _r
 * pointers are owned by the caller and released with their _free().
 * Every function is safe to call from any thread. */

struct store;
struct store_account;

enum store_error {
	STORE_ERR_NONE = 0,
	STORE_ERR_INTERNAL,
	STORE_ERR_EXISTS,	/* unique constraint: name, address, ... */
	STORE_ERR_NOT_FOUND,
	STORE_ERR_BUSY,		/* could not get the write lock in time */
};

/* Last error kind set by a failing call on this thread. */
enum store_error store_last_error(void);

/* Opens (creating if needed) the store under path: path/system.db,
 * path/accounts/<id>/account.db and path/accounts/<id>/blobs/. Runs the
 * embedded migrations of the system database. */
int store_open(const char *path, struct store **store_r, const char **error_r);
/* Closes every cached database handle of every thread. Call after all
 * other threads stopped using the store. */
void store_close(struct store **store);
const char *store_path(const struct store *store);

struct store_account;
struct store_email_text;
/* Where the store gets the text of an email it must index again: after
 * a crash between a commit and its indexing, for a new index, or past
 * the bound of queued text. text() fills *text_r and returns 1, 0 if
 * the email is gone, -1 on failure; text_free() releases what it
 * filled. Without a source such emails stay out of the index. */
struct store_fts_source {
	int (*text)(void *ctx, struct store_account *acct, uint64_t email_id,
		    struct store_email_text *text_r);
	void (*text_free)(void *ctx, struct store_email_text *text);
	void *ctx;
};
/* Before the first account is opened. */
void store_set_fts_source(struct store *store, const struct store_fts_source *source);

/* ---- settings (system database) ---- */

/* *value_r is caller-owned. */
int store_setting_get(struct store *store, const char *key, char **value_r);
int store_setting_set(struct store *store, const char *key, const char *value,
		      const char **error_r);
int store_setting_delete(struct store *store, const char *key, const char **error_r);

/* ---- principals (system database) ---- */

enum store_principal_type {
	STORE_PRINCIPAL_INDIVIDUAL = 1,
	STORE_PRINCIPAL_GROUP = 2,
	STORE_PRINCIPAL_DOMAIN = 3,
};

struct store_principal {
	uint32_t id;		/* assigned by create; also the account id */
	enum store_principal_type type;
	char *name;		/* unique across all principals */
	char *description;	/* may be NULL */
	char *role;		/* "user" or "admin" */
	uint64_t quota;		/* bytes, 0 = unlimited */
	char **secrets;		/* crypt(3) hashes, never plaintext */
	size_t secret_count;
	char **emails;		/* lowercase; emails[0] is the primary */
	size_t email_count;
	char **members;		/* group members, by principal name */
	size_t member_count;
	time_t created_at;
	uint64_t secret_version; /* bumped on every secret change */
};

void store_principal_free(struct store_principal **p);
/* Fails with STORE_ERR_EXISTS if the name or an address is taken. */
int store_principal_create(struct store *store, struct store_principal *p,
			   const char **error_r);
int store_principal_get_by_name(struct store *store, const char *name,
				struct store_principal **p_r);
int store_principal_get_by_id(struct store *store, uint32_t id,
			      struct store_principal **p_r);
/* Finds the principal that owns address (exact, lowercased). */
int store_principal_get_by_email(struct store *store, const char *address,
				 struct store_principal **p_r);
/* types_mask: bit (1 << type); 0 = all. Ordered by name. *list_r is a
 * caller-owned array of caller-owned principals; free with
 * store_principal_list_free(). */
int store_principal_list(struct store *store, unsigned types_mask,
			 struct store_principal ***list_r, size_t *count_r);
void store_principal_list_free(struct store_principal ***list, size_t count);
/* Replaces every field of the principal with p->id (name included);
 * bumps secret_version when the secrets differ. */
int store_principal_update(struct store *store, const struct store_principal *p,
			   const char **error_r);
/* Deletes the principal and, for individuals and groups, its account
 * database and blobs. Returns 1 deleted, 0 not found, -1 error. */
int store_principal_delete(struct store *store, uint32_t id, const char **error_r);

/* ---- authentication bans (system database) ---- */

int store_ban_set(struct store *store, const char *ip, time_t until, const char **error_r);
/* Returns 1 and *until_r if ip is banned past now, 0 if not. */
int store_ban_get(struct store *store, const char *ip, time_t now, time_t *until_r);
int store_ban_clear(struct store *store, const char *ip, const char **error_r);

/* ---- accounts ---- */

/* Object types with change tracking; each has its own state. Later
 * issues append here; the values are stored, never renumber them. */
enum store_type {
	STORE_TYPE_MAILBOX = 0,
	STORE_TYPE_EMAIL = 1,
	STORE_TYPE_THREAD = 2,
	STORE_TYPE_IDENTITY = 3,
	STORE_TYPE_EMAIL_SUBMISSION = 4,
	STORE_TYPE_VACATION_RESPONSE = 5,
	STORE_TYPE_QUOTA = 6,
	STORE_TYPE_CALENDAR = 7,
	STORE_TYPE_CALENDAR_EVENT = 8,
	STORE_TYPE_ADDRESS_BOOK = 9,
	STORE_TYPE_CONTACT_CARD = 10,
	STORE_TYPE_DAV_FILE = 11,
	STORE_TYPE__COUNT
};

/* Opens the account database (creating and migrating it on first use).
 * The handle comes from a small cache shared by the threads (opened
 * again on one thread, the same handle); until it is given back with
 * store_account_release() it is this thread's: use it on this thread
 * only. */
int store_account_open(struct store *store, uint32_t account_id,
		       struct store_account **acct_r, const char **error_r);
void store_account_release(struct store_account **acct);
uint32_t store_account_id(const struct store_account *acct);

/* Transactions. A write transaction takes the account's write lock
 * (waiting up to a few seconds, then STORE_ERR_BUSY). Commit makes the
 * data durable (synchronous=FULL) before it returns. Reads outside a
 * transaction see the latest committed data. Nesting is not allowed. */
int store_txn_begin(struct store_account *acct, bool write, const char **error_r);
int store_txn_commit(struct store_account *acct, const char **error_r);
void store_txn_rollback(struct store_account *acct);

/* Inside a write transaction: allocates the next account-wide modseq.
 * Every change to one object takes its own modseq, so that /changes can
 * page between any two of them. */
uint64_t store_modseq_next(struct store_account *acct);
/* The highest modseq ever allocated in the account. */
uint64_t store_modseq_current(struct store_account *acct);
/* The state of one type: the modseq of its latest change (0 if none). */
uint64_t store_type_state(struct store_account *acct, enum store_type type);
/* Changes at or below this modseq may have been expired: /changes from
 * an older state must answer cannotCalculateChanges. */
uint64_t store_tombstone_floor(struct store_account *acct);

struct store_change {
	uint64_t id;
	uint64_t modseq;	/* of its latest change */
	bool created;		/* created after since */
	bool destroyed;		/* destroyed (tombstone) */
};

/* Objects of type changed after since, ordered by modseq, at most max
 * (0 = no limit). *more_r says whether more remain. *list_r is
 * caller-owned (free()). */
int store_changes(struct store_account *acct, enum store_type type, uint64_t since,
		  size_t max, struct store_change **list_r, size_t *count_r,
		  bool *more_r, const char **error_r);

/* Deletes tombstones of changes older than before (a unix time) and
 * raises the tombstone floor accordingly. */
int store_tombstones_expire(struct store_account *acct, time_t before, const char **error_r);

/* ---- mailboxes ---- */

struct store_mailbox {
	uint64_t id;
	uint64_t parent_id;	/* 0 = top level */
	char *name;
	char *role;		/* NULL = none; lowercase ("inbox", ...) */
	uint32_t sort_order;
	bool is_subscribed;
	uint32_t total_emails;
	uint32_t unread_emails;
	uint32_t total_threads;
	uint32_t unread_threads;
	uint32_t uid_validity;
	uint32_t uid_next;
	uint64_t modseq;	/* of its latest change */
};

void store_mailbox_clear(struct store_mailbox *mb);
void store_mailbox_list_free(struct store_mailbox **list, size_t count);
/* Every live (not destroyed) mailbox, ordered by id. *list_r is a
 * caller-owned array; free with store_mailbox_list_free(). */
int store_mailbox_list(struct store_account *acct, struct store_mailbox **list_r,
		       size_t *count_r, const char **error_r);
/* Fills *mb_r (release with store_mailbox_clear()). 1, 0 or -1. */
int store_mailbox_get(struct store_account *acct, uint64_t id, struct store_mailbox *mb_r);
/* Inside a write transaction. Assigns mb->id, uid_validity, uid_next
 * and modseq. The caller has checked names, roles and parents. */
int store_mailbox_create(struct store_account *acct, struct store_mailbox *mb,
			 const char **error_r);
/* Writes name, parent_id, role, sort_order and is_subscribed of mb->id;
 * sets mb->modseq. */
int store_mailbox_update(struct store_account *acct, struct store_mailbox *mb,
			 const char **error_r);
/* Leaves a tombstone. Emails only in this mailbox are destroyed, the
 * others just leave it (the caller decided onDestroyRemoveEmails). */
int store_mailbox_destroy(struct store_account *acct, uint64_t id, const char **error_r);

/* ---- blobs ---- */

/* A blob id is the lowercase hex SHA-256 of the content, prefixed "G"
 * (STORE_BLOB_ID_LEN chars + NUL). */
#define STORE_BLOB_ID_LEN 65

struct store_blob_writer;

/* Streams a new blob while hashing it: kept in memory while it is
 * small (it is then stored in the account database), spilled to a
 * temporary file once it grows past 64 KiB. */
int store_blob_write_begin(struct store_account *acct, struct store_blob_writer **w_r,
			   const char **error_r);
int store_blob_write(struct store_blob_writer *w, const void *data, size_t len,
		     const char **error_r);
/* Ends the data early (later writes fail and change nothing): a file
 * is closed so that a writer waiting for its finish holds no descriptor.
 * Needs no transaction. */
int store_blob_write_close(struct store_blob_writer *w, const char **error_r);
/* Stores the content (a small blob in the database; a file fsynced and
 * renamed into place) and records the blob in the account (with no references yet, expiring after the upload TTL unless
 * referenced). Frees the writer in every case. */
int store_blob_write_finish(struct store_blob_writer **w, char blob_id_r[STORE_BLOB_ID_LEN + 1],
			    uint64_t *size_r, const char **error_r);
void store_blob_write_abort(struct store_blob_writer **w);

/* Looks a blob of this account up: 1 (and its size), 0, -1. */
int store_blob_stat(struct store_account *acct, const char *blob_id, uint64_t *size_r);
/* Opens the blob read-only (a blob kept in the database comes as an
 * in-memory file): returns an fd the caller closes, or -1 (0 in
 * *found_r if the account has no such blob). */
int store_blob_open(struct store_account *acct, const char *blob_id, int *found_r);
/* Reads the whole blob: 1 with *data_r (NUL-terminated after *len_r
 * bytes, the caller frees it), 0 if the account has no such blob, -1. */
int store_blob_read(struct store_account *acct, const char *blob_id, void **data_r,
		    size_t *len_r, const char **error_r);
/* The content of blob_id if this handle wrote it since its last write
 * transaction began (up to a bound), handed over to the caller, who
 * frees it: 1, or 0 when it has no copy (read the file then). Says
 * nothing of whether the account still holds the blob. */
int store_blob_recent_take(struct store_account *acct, const char *blob_id, void **data_r,
			   size_t *len_r);
/* Inside a write transaction: adds delta (+1/-1) references. A blob whose
 * count falls to 0 is deleted by store_blobs_expire(). */
int store_blob_ref(struct store_account *acct, const char *blob_id, int delta,
		   const char **error_r);
/* Deletes unreferenced blobs uploaded before upload_before. */
int store_blobs_expire(struct store_account *acct, time_t upload_before, const char **error_r);

/* Blob upload bookkeeping for the JMAP upload limit (bytes uploaded by
 * the account and not yet referenced or expired). */
uint64_t store_blob_pending_bytes(struct store_account *acct);

#endif
