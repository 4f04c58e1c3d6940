#ifndef TERN_STORE_PRIVATE_H
#define TERN_STORE_PRIVATE_H

/* Internals of the SQLite backend, shared by the files of src/store/
 * and by nothing else. */

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/store.h"

#define STORE_DIR_MODE 0700
#define STORE_FILE_MODE 0600
#define STORE_BUSY_TIMEOUT_MS 5000
/* WAL pages that make the committer checkpoint: four times SQLite's
 * default, so that a page a batch import rewrites in every transaction
 * (tree interiors, counters, the full-text structure) is copied to the
 * database once per checkpoint rather than once per transaction. */
#define STORE_WAL_CHECKPOINT_PAGES 4000
/* The page cache of a connection, for PRAGMA cache_size: negative is
 * KiB (16 MiB; SQLite's default is 2 MiB). */
#define STORE_DB_CACHE_KIB "-16384"
/* What one account handle keeps of the blobs it wrote last
 * (store_blob_recent.c): enough for a large batch of messages. */
#define STORE_BLOB_RECENT_BYTES (8u * 1024 * 1024)
/* Blobs up to this size live in the account database (blob_contents)
 * rather than in files: creating, renaming and syncing a file per
 * message was 40% of ternd's CPU time importing mail (ext4), and SQLite
 * reads and writes blobs of this size faster than the file system. */
#define STORE_BLOB_INLINE_MAX (64u * 1024)
/* Idle account connections kept open, for any thread to take up. Each
 * may hold up to STORE_DB_CACHE_KIB of pages and STORE_BLOB_RECENT_BYTES
 * of blob copies, so this bounds their memory too (768 MiB at worst;
 * in practice what the accounts in use have touched). */
#define STORE_ACCOUNT_CACHE_SIZE 32
#define STORE_TRASH_PREFIX ".trash-"

#define STORE_N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* An ordered list of schema steps; step i brings the database from
 * user_version i to i + 1. Adding a migration is appending a step. */
struct store_migrations {
	const char *name;
	const char *const *steps;
	size_t count;
};

extern const struct store_migrations store_system_migrations;
extern const struct store_migrations store_account_migrations;
/* fts.db of an account: the full-text index and how far it has caught
 * up (store_fts.c). */
extern const struct store_migrations store_fts_migrations;

struct store_stmt_slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

/* One SQLite connection with its prepared statements, keyed by the
 * address of their SQL text (a string literal at the call site). */
struct store_db {
	sqlite3 *handle;
	struct store_stmt_slot *stmts;
	size_t stmt_count;
	size_t stmt_cap;
	/* Pages in the WAL after this connection's last commit, when it
	 * checkpoints through store_db_checkpoint_due() (else 0). */
	int wal_pages;
};

enum store_txn {
	STORE_TXN_NONE = 0,
	STORE_TXN_READ,
	STORE_TXN_WRITE,
};

struct store_thread;
struct store_fts_pending;
struct store_blob_recents;
struct store_writer;
struct store_account;

/* Account handles in use by one thread, or idle in the store's cache;
 * most recently used first. */
struct store_account_list {
	struct store_account *head, *tail;
	unsigned count;
};

/* An open account database. While a thread uses it (refcount > 0) it
 * is that thread's alone; given back, it waits in the store's cache
 * for the next thread that opens the account. */
struct store_account {
	struct store *store;
	struct store_thread *owner;		/* NULL while idle */
	struct store_account *prev, *next;	/* owner's list, or the idle list */
	uint32_t id;
	unsigned refcount;
	bool dead;				/* the account was deleted */
	enum store_txn txn;
	bool txn_broken;			/* a write failed half way: no commit */
	/* account.modseq as the open write transaction last set it, or 0
	 * before it first needs it (store_changes.c). */
	uint64_t txn_modseq;
	/* The latest modseq each type took in the open write transaction
	 * (0: none), written to type_state once, before its commit. */
	uint64_t txn_type_states[STORE_TYPE__COUNT];
	/* The account's in-process writer lock (store_writer.c), held from
	 * the start of a write transaction to its end. */
	struct store_writer *writer;
	bool writer_held;
	struct store_db db;
	/* The full-text index, fts.db: its own file and connection, so that
	 * indexing a commit's mail does not hold the account's write lock
	 * (store_fts.c). */
	struct store_db fts;
	char *dir;
	/* Blob files placed in the open write transaction and not yet
	 * synced: one sync covers them all at commit (store_blob.c). */
	char **blob_pending;
	size_t blob_pending_count;
	size_t blob_pending_cap;
	/* Full-text rows and deletions of the open write transaction,
	 * applied to the index together after its commit (store_fts.c). */
	struct store_fts_pending *fts_pending;
	/* Copies of the blobs written since the last write transaction
	 * began (store_blob_recent.c). */
	struct store_blob_recents *blob_recent;
};

/* What one thread has open in one store. Created by the thread, linked
 * into the store's registry, freed by store_close(). Only the owning
 * thread touches its fields after creation. */
struct store_thread {
	struct store_thread *next;		/* registry link, under store->mutex */
	pthread_t tid;
	struct store_db sys;
	struct store_account_list accounts;	/* in use by this thread */
	uint64_t seen_delete_gen;
};

struct store {
	char *path;
	char *accounts_dir;
	uint64_t epoch;				/* unique per store_open() */
	pthread_mutex_t mutex;
	/* Guarded by mutex: */
	struct store_thread *threads;
	uint32_t *deleted;			/* ids of deleted accounts */
	size_t deleted_count;
	size_t deleted_cap;
	/* Bumped after each account deletion, read without the lock. */
	atomic_uint_fast64_t delete_gen;
	/* Guarded by mutex: the writer locks of accounts with open handles. */
	struct store_writer *writers;
	/* Guarded by mutex: handles no thread uses, at most
	 * STORE_ACCOUNT_CACHE_SIZE; never one of a deleted account. */
	struct store_account_list idle;
	/* Set before the first account is opened. */
	struct store_fts_source fts_source;
};

/* ---- errors (store_db.c) ---- */

void store_error_set(enum store_error kind);
/* Records the failure of what on db (the thread's last error kind and
 * a log line) and returns a message for error_r. */
const char *store_db_error(struct store_db *db, const char *what);
/* Same for a failure that is not SQLite's. */
const char *store_fail(enum store_error kind, const char *what, const char *detail);

/* ---- connections (store_db.c) ---- */

int store_db_open(struct store_db *db, const char *path, const struct store_migrations *m,
		  const char **error_r);
void store_db_close(struct store_db *db);
/* A cached prepared statement for sql, ready to bind. Hand it back with
 * store_stmt_done() (or through store_db_run/store_db_row). */
sqlite3_stmt *store_db_stmt(struct store_db *db, const char *sql, const char **error_r);
void store_stmt_done(sqlite3_stmt *stmt);
/* Steps stmt to completion and hands it back. 0 or -1. */
int store_db_run(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		 const char **error_r);
/* store_db_run() for a statement that must change a row: when it
 * changed none, fails with STORE_ERR_NOT_FOUND and the detail not_found. */
int store_db_run_one(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		     const char *not_found, const char **error_r);
/* Steps stmt once: 1 with a row to read (then store_stmt_done() it),
 * 0 with none (handed back), -1 on error (handed back). */
/* Reads the one row sql (with ?1 = id) returns into item through read:
 * 1 found, 0 not found, -1 error. */
int store_db_row_by_id(struct store_db *db, const char *sql, uint64_t id, const char *what,
		       void (*read)(sqlite3_stmt *stmt, void *item, const void *context),
		       const void *context, void *item);
int store_db_row(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		 const char **error_r);

/* How store_db_rows() turns a row into one item of a list. */
struct store_rows {
	size_t item_size;
	/* Fills item (zeroed) from the current row of stmt. */
	void (*read)(sqlite3_stmt *stmt, void *item, const void *context);
	/* Frees what read put into item; NULL when read allocates nothing. */
	void (*clear)(void *item);
	const void *context;
};

/* Frees an array of count items of item_size bytes, each first passed
 * to clear (unless clear is NULL). list may be NULL. */
void store_items_free(void *list, size_t count, size_t item_size, void (*clear)(void *item));
/* Steps stmt (bound) through all its rows into a caller-owned array of
 * items (NULL when there is none) and hands it back. 0 or -1 (then
 * nothing is left to free and *list_r, *count_r are untouched). */
int store_db_rows(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		  const struct store_rows *rows, void **list_r, size_t *count_r,
		  const char **error_r);
/* store_db_rows() for a statement whose column 0 is an id. */
int store_db_ids(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		 uint64_t **ids_r, size_t *count_r, const char **error_r);
/* store_db_rows() for a statement whose column 0 is text (NULL stays
 * NULL); free the list with store_strings_free(). */
int store_db_strings(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		     char ***list_r, size_t *count_r, const char **error_r);

/* Runs sql (no parameters, rows ignored) without caching it. */
int store_db_exec(struct store_db *db, const char *sql, const char **error_r);
int store_db_begin(struct store_db *db, bool write, const char **error_r);
/* The connection stops checkpointing inside COMMIT (where a writer lock
 * may still be held); store_db_checkpoint_due() does it instead. */
void store_db_checkpoint_later(struct store_db *db);
/* A passive checkpoint when the WAL has grown past its bound since the
 * last one; a failure only leaves it for the next commit. */
void store_db_checkpoint_due(struct store_db *db);
int store_db_commit(struct store_db *db, const char **error_r);
void store_db_rollback(struct store_db *db);
/* Binds value at col, or NULL when value is NULL. */
void store_bind_text_or_null(sqlite3_stmt *stmt, int col, const char *value);
/* A copy of column col (NULL stays NULL). */
char *store_column_strdup(sqlite3_stmt *stmt, int col);

/* ---- threads and the system database (store.c) ---- */

struct store_thread *store_thread_self(struct store *store);
/* This thread's connection to the system database. */
struct store_db *store_sys(struct store *store, const char **error_r);

/* ---- accounts (store_account.c) ---- */

/* Forgets a deleted account: its handles on every thread go dead, it
 * can never be opened again, and its directory is removed. */
void store_account_forget(struct store *store, uint32_t account_id);
/* Records an account deleted before this process started. */
void store_account_mark_deleted(struct store *store, uint32_t account_id);
bool store_account_is_deleted(struct store *store, uint32_t account_id);
/* Removes leftovers of interrupted deletions under accounts/. */
void store_accounts_sweep(struct store *store);
/* At store_close(): the handles of t, and the idle ones. */
void store_thread_close_accounts(struct store_thread *t);
void store_accounts_close_idle(struct store *store);

/* ---- one writer per account (store_writer.c) ---- */

/* The writer lock of an account, shared by every handle of it in this
 * process; each handle takes a reference and drops it when it closes. */
struct store_writer *store_writer_ref(struct store *store, uint32_t account_id);
void store_writer_unref(struct store *store, struct store_writer **w);
/* Waits for the account's other writers in this process to finish, up
 * to the busy timeout (then STORE_ERR_BUSY). 0 or -1. */
int store_writer_lock(struct store_writer *w, const char **error_r);
void store_writer_unlock(struct store_writer *w);
/* The lock of the account's full-text index (fts.db): taken while the
 * writer lock is still held, released after the index commit. Lock
 * order: the writer lock, then this one. */
void store_writer_fts_lock(struct store_writer *w);
void store_writer_fts_unlock(struct store_writer *w);
/* Whether an index write failed since the last catch-up. */
void store_writer_fts_set_stale(struct store_writer *w, bool stale);
bool store_writer_fts_stale(struct store_writer *w);

/* ---- principals (store_principal.c) ---- */

char *store_principal_lowercase(const char *s);
void store_strings_free(char **list, size_t count);
/* Reads the one text column sql returns for parameter id. */
int store_principal_strings(struct store_db *db, const char *sql, int64_t id,
			    char ***list_r, size_t *count_r, const char **error_r);

/* ---- changes (store_changes.c) ---- */

/* Fails unless acct is inside a write transaction. */
int store_txn_require_write(struct store_account *acct, const char *what,
			    const char **error_r);
/* Runs inside the caller's write transaction if one is open, else in a
 * new one that store_txn_end() finishes. */
int store_txn_enter(struct store_account *acct, bool *own_r, const char **error_r);
int store_txn_end(struct store_account *acct, bool own, int ret, const char **error_r);

/* A write failed after changing part of what it meant to change: the
 * transaction can only be rolled back now (its commit fails). */
void store_txn_break(struct store_account *acct);

enum store_change_kind {
	STORE_CHANGE_CREATED,
	STORE_CHANGE_UPDATED,
	STORE_CHANGE_DESTROYED,
};

/* Inside a write transaction: the modseq of one change; 0 (and
 * *error_r) on failure. */
uint64_t store_change_modseq(struct store_account *acct, const char *what,
			     const char **error_r);

/* Records that object id of type changed at modseq, and moves the
 * type's state there. Inside a write transaction; modseq must have been
 * allocated for this one change (two objects of a type never share one,
 * so that /changes can page at any modseq). */
int store_change_record(struct store_account *acct, enum store_type type, uint64_t id,
			uint64_t modseq, enum store_change_kind kind, const char **error_r);

/* ---- blobs (store_blob.c) ---- */

/* Before the commit of a write transaction: makes the blob files placed
 * in it durable (one syncfs() of the account's file system). */
int store_blob_sync_pending(struct store_account *acct, const char **error_r);
/* After the commit: the files are durable and named by rows. */
void store_blob_keep_pending(struct store_account *acct);
/* After a rollback (or a failed commit): removes the files placed in
 * the transaction, which no committed row names. */
void store_blob_drop_pending(struct store_account *acct);

/* ---- blobs kept in the database (store_blob_inline.c) ---- */

/* Inside a write transaction: stores the content of a small blob, unless
 * the blob recorded as blob_id has its content stored already (then
 * *content_r is 0). *content_r is the new blob_contents row, for the
 * blobs row to name. */
int store_blob_inline_put(struct store_account *acct, const char *blob_id, const void *data,
			  size_t len, int64_t *content_r, const char **error_r);
/* Looks blob_id up (one read for its size and content): 1 if the account
 * has it, with *size_r and the content as an in-memory file in *fd_r
 * (-1 there when the content is a file), 0 if it has not, -1. */
int store_blob_inline_open(struct store_account *acct, const char *blob_id, uint64_t *size_r,
			   int *fd_r, const char **error_r);
/* The same with a copy of the content in *data_r (NUL-terminated after
 * *len_r bytes; NULL there when the content is a file). */
int store_blob_inline_read(struct store_account *acct, const char *blob_id, uint64_t *size_r,
			   void **data_r, size_t *len_r, const char **error_r);
/* Inside a write transaction: the content of blob_id, if it is
 * unreferenced (before its blobs row goes). */
int store_blob_inline_delete(struct store_account *acct, const char *blob_id,
			     const char **error_r);

/* ---- blobs written last (store_blob_recent.c) ---- */

/* Keeps *data (len bytes, the content of blob_id) until the account's
 * next write transaction begins, taking it over (*data becomes NULL),
 * unless the copies would pass STORE_BLOB_RECENT_BYTES. */
void store_blob_recent_add(struct store_account *acct, const char *blob_id, void **data,
			   size_t len);
/* Frees them all: a write transaction begins, the one that wrote them
 * failed, or the handle closes. */
void store_blob_recent_clear(struct store_account *acct);

/* ---- change log (store_changes.c) ---- */

/* Writes the type states the open write transaction moved (before its
 * commit). */
int store_type_states_flush(struct store_account *acct, const char **error_r);

/* ---- full text (store_fts_write.c) ---- */

/* Forgets what the write transaction queued for the index (rollback). */
void store_fts_discard(struct store_account *acct);
/* Whether the open transaction queued anything for the index. */
bool store_fts_queued(const struct store_account *acct);
/* After the commit, with the index lock held: applies the queue and
 * records modseq as indexed (a failure is logged and leaves the index
 * to the next catch-up). */
void store_fts_commit(struct store_account *acct, uint64_t modseq);
/* With the writer lock held: brings the index level with account.db
 * (store_fts_recover.c). */
int store_fts_catch_up(struct store_account *acct, const char **error_r);
/* When a handle is opened: moves an index still in account.db to
 * fts.db, and catches the index up if it is behind. */
int store_fts_prepare(struct store_account *acct, const char **error_r);


/* ---- files (store_fs.c) ---- */

int store_fs_mkdirs(const char *path, const char **error_r);
/* Creates dir (parent exists) and fsyncs the parent if it was new. */
int store_fs_mkdir_durable(const char *parent, const char *dir, const char **error_r);
int store_fs_fsync_dir(const char *path, const char **error_r);
/* Removes path and everything under it. 0 or -1 (logged). */
int store_fs_remove_tree(const char *path);

#endif
