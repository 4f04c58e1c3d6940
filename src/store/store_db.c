/* SQLite connections: opening with the store's pragmas and SQL functions,
 * cached statements, transactions and error mapping. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_mail_private.h"

static _Thread_local enum store_error store_tls_error;

enum store_error store_last_error(void)
{
	return store_tls_error;
}

void store_error_set(enum store_error kind)
{
	store_tls_error = kind;
}

static enum store_error store_error_kind(int code)
{
	if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_ERR_EXISTS;
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return STORE_ERR_BUSY;
	return STORE_ERR_INTERNAL;
}

const char *store_db_error(struct store_db *db, const char *what)
{
	int code = sqlite3_extended_errcode(db->handle);
	const char *msg = sqlite3_errmsg(db->handle);
	enum store_error kind = store_error_kind(code);

	store_error_set(kind);
	if (kind == STORE_ERR_INTERNAL)
		log_error("store.sql", "op=%s code=%d error=%s", log_q(what), code, log_q(msg));
	else if (kind == STORE_ERR_BUSY)
		log_warn("store.busy", "op=%s error=%s", log_q(what), log_q(msg));
	return err_fmt("%s: %s", what, msg);
}

const char *store_fail(enum store_error kind, const char *what, const char *detail)
{
	store_error_set(kind);
	if (kind == STORE_ERR_INTERNAL)
		log_error("store.error", "op=%s error=%s", log_q(what), log_q(detail));
	return err_fmt("%s: %s", what, detail);
}

int store_db_exec(struct store_db *db, const char *sql, const char **error_r)
{
	if (sqlite3_exec(db->handle, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*error_r = store_db_error(db, "exec");
		return -1;
	}
	return 0;
}

sqlite3_stmt *store_db_stmt(struct store_db *db, const char *sql, const char **error_r)
{
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < db->stmt_count; i++) {
		if (db->stmts[i].sql == sql)
			return db->stmts[i].stmt;
	}
	if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &stmt, NULL) != SQLITE_OK) {
		*error_r = store_db_error(db, "prepare");
		return NULL;
	}
	if (db->stmt_count == db->stmt_cap) {
		db->stmt_cap = db->stmt_cap == 0 ? 16 : db->stmt_cap * 2;
		db->stmts = xrealloc(db->stmts, db->stmt_cap * sizeof(*db->stmts));
	}
	db->stmts[db->stmt_count].sql = sql;
	db->stmts[db->stmt_count].stmt = stmt;
	db->stmt_count++;
	return stmt;
}

void store_stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int store_db_run(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		 const char **error_r)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		*error_r = store_db_error(db, what);
		store_stmt_done(stmt);
		return -1;
	}
	store_stmt_done(stmt);
	return 0;
}

int store_db_run_one(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		     const char *not_found, const char **error_r)
{
	if (store_db_run(db, stmt, what, error_r) < 0)
		return -1;
	if (sqlite3_changes(db->handle) == 0) {
		*error_r = store_fail(STORE_ERR_NOT_FOUND, what, not_found);
		return -1;
	}
	return 0;
}

int store_db_row(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		 const char **error_r)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE) {
		*error_r = store_db_error(db, what);
		store_stmt_done(stmt);
		return -1;
	}
	store_stmt_done(stmt);
	return 0;
}

int store_db_row_by_id(struct store_db *db, const char *sql, uint64_t id, const char *what,
		       void (*read)(sqlite3_stmt *stmt, void *item, const void *context),
		       const void *context, void *item)
{
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(db, sql, &error);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	ret = store_db_row(db, stmt, what, &error);
	if (ret > 0) {
		read(stmt, item, context);
		store_stmt_done(stmt);
	}
	return ret;
}

void store_items_free(void *list, size_t count, size_t item_size, void (*clear)(void *item))
{
	unsigned char *items = list;

	for (size_t i = 0; items != NULL && clear != NULL && i < count; i++)
		clear(items + i * item_size);
	free(list);
}

int store_db_rows(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		  const struct store_rows *rows, void **list_r, size_t *count_r,
		  const char **error_r)
{
	unsigned char *list = NULL;
	size_t count = 0, cap = 0;
	int ret;

	while ((ret = store_db_row(db, stmt, what, error_r)) > 0) {
		if (count == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			list = xrealloc(list, cap * rows->item_size);
		}
		memset(list + count * rows->item_size, 0, rows->item_size);
		rows->read(stmt, list + count * rows->item_size, rows->context);
		count++;
	}
	if (ret < 0) {
		store_items_free(list, count, rows->item_size, rows->clear);
		return -1;
	}
	*list_r = list;
	*count_r = count;
	return 0;
}

static void store_db_read_id(sqlite3_stmt *stmt, void *item, const void *context)
{
	*(uint64_t *)item = (uint64_t)sqlite3_column_int64(stmt, 0);
}

int store_db_ids(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		 uint64_t **ids_r, size_t *count_r, const char **error_r)
{
	static const struct store_rows rows = { sizeof(uint64_t), store_db_read_id, NULL, NULL };
	void *ids;

	if (store_db_rows(db, stmt, what, &rows, &ids, count_r, error_r) < 0)
		return -1;
	*ids_r = ids;
	return 0;
}

static void store_db_read_string(sqlite3_stmt *stmt, void *item, const void *context)
{
	*(char **)item = store_column_strdup(stmt, 0);
}

static void store_db_clear_string(void *item)
{
	free(*(char **)item);
}

int store_db_strings(struct store_db *db, sqlite3_stmt *stmt, const char *what,
		     char ***list_r, size_t *count_r, const char **error_r)
{
	static const struct store_rows rows = {
		sizeof(char *), store_db_read_string, store_db_clear_string, NULL
	};
	void *list;

	if (store_db_rows(db, stmt, what, &rows, &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

void store_bind_text_or_null(sqlite3_stmt *stmt, int col, const char *value)
{
	if (value != NULL)
		sqlite3_bind_text(stmt, col, value, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, col);
}

char *store_column_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s == NULL ? NULL : xstrdup((const char *)s);
}

int store_db_begin(struct store_db *db, bool write, const char **error_r)
{
	static const char sql_write[] = "BEGIN IMMEDIATE";
	static const char sql_read[] = "BEGIN";
	sqlite3_stmt *stmt = store_db_stmt(db, write ? sql_write : sql_read, error_r);

	if (stmt == NULL)
		return -1;
	return store_db_run(db, stmt, write ? "begin write" : "begin read", error_r);
}

int store_db_commit(struct store_db *db, const char **error_r)
{
	static const char sql[] = "COMMIT";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL || store_db_run(db, stmt, "commit", error_r) < 0) {
		store_db_rollback(db);
		return -1;
	}
	return 0;
}

static int store_db_wal_hook(void *arg, sqlite3 *handle, const char *name, int pages)
{
	struct store_db *db = arg;

	(void)handle;
	(void)name;
	db->wal_pages = pages;
	return SQLITE_OK;
}

void store_db_checkpoint_later(struct store_db *db)
{
	sqlite3_wal_hook(db->handle, store_db_wal_hook, db);
}

void store_db_checkpoint_due(struct store_db *db)
{
	int ret;

	if (db->wal_pages < STORE_WAL_CHECKPOINT_PAGES)
		return;
	db->wal_pages = 0;
	ret = sqlite3_wal_checkpoint_v2(db->handle, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	/* busy: another connection is checkpointing right now */
	if (ret != SQLITE_OK && (ret & 0xff) != SQLITE_BUSY)
		log_warn("store.checkpoint", "error=%s", log_q(sqlite3_errmsg(db->handle)));
}

void store_db_rollback(struct store_db *db)
{
	static const char sql[] = "ROLLBACK";
	const char *error;
	sqlite3_stmt *stmt;

	if (sqlite3_get_autocommit(db->handle))
		return;
	stmt = store_db_stmt(db, sql, &error);
	if (stmt != NULL)
		(void)store_db_run(db, stmt, "rollback", &error);
}

static int store_db_user_version(struct store_db *db, int *version_r, const char **error_r)
{
	sqlite3_stmt *stmt;
	int ret;

	if (sqlite3_prepare_v2(db->handle, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK) {
		*error_r = store_db_error(db, "user_version");
		return -1;
	}
	ret = sqlite3_step(stmt) == SQLITE_ROW ? 0 : -1;
	if (ret == 0)
		*version_r = sqlite3_column_int(stmt, 0);
	else
		*error_r = store_db_error(db, "user_version");
	sqlite3_finalize(stmt);
	return ret;
}

static int store_db_migrate_steps(struct store_db *db, const struct store_migrations *m,
				  int from, const char **error_r)
{
	char *sql;
	int ret;

	for (size_t i = (size_t)from; i < m->count; i++) {
		if (store_db_exec(db, m->steps[i], error_r) < 0) {
			*error_r = err_fmt("%s migration %zu: %s", m->name, i + 1, *error_r);
			return -1;
		}
		sql = xasprintf("PRAGMA user_version = %zu", i + 1);
		ret = store_db_exec(db, sql, error_r);
		free(sql);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Applies the missing steps of m in one transaction. The version is
 * read again under the write lock: another connection may have just
 * migrated the same database. */
static int store_db_migrate(struct store_db *db, const struct store_migrations *m,
			    const char **error_r)
{
	int version;

	if (store_db_user_version(db, &version, error_r) < 0)
		return -1;
	if (version >= 0 && (size_t)version == m->count)
		return 0;
	if (store_db_begin(db, true, error_r) < 0)
		return -1;
	if (store_db_user_version(db, &version, error_r) < 0)
		goto fail;
	if (version < 0 || (size_t)version > m->count) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "migrate",
				      err_fmt("%s schema version %d is newer than this build's %zu",
					      m->name, version, m->count));
		goto fail;
	}
	if (store_db_migrate_steps(db, m, version, error_r) < 0 ||
	    store_db_commit(db, error_r) < 0)
		goto fail;
	if ((size_t)version < m->count)
		log_info("store.migrate", "db=%s from=%d to=%zu", m->name, version, m->count);
	return 0;
fail:
	store_db_rollback(db);
	return -1;
}

/* Another connection holds the database (creating it, say): the
 * caller waits and tries again rather than failing. */
static bool store_db_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* 1 if the journal mode is now WAL, 0 if not (yet), -1 on error. */
static int store_db_try_wal(struct store_db *db, const char **error_r)
{
	sqlite3_stmt *stmt;
	const unsigned char *mode;
	int ret, rc;

	rc = sqlite3_prepare_v2(db->handle, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		if (store_db_busy(rc))
			return 0;
		*error_r = store_db_error(db, "journal_mode");
		return -1;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && store_db_busy(rc)) {
		ret = 0;
	} else if (rc != SQLITE_ROW) {
		*error_r = store_db_error(db, "journal_mode");
		ret = -1;
	} else {
		mode = sqlite3_column_text(stmt, 0);
		ret = mode != NULL && strcmp((const char *)mode, "wal") == 0 ? 1 : 0;
	}
	sqlite3_finalize(stmt);
	return ret;
}

/* Switching a new database to WAL needs it to itself; when another
 * connection is creating the same database the switch reports the old
 * mode rather than waiting, so wait here. */
static int store_db_enable_wal(struct store_db *db, const char **error_r)
{
	const struct timespec pause = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
	int ret;

	for (int waited = 0; waited < STORE_BUSY_TIMEOUT_MS; waited += 10) {
		if ((ret = store_db_try_wal(db, error_r)) != 0)
			return ret > 0 ? 0 : -1;
		nanosleep(&pause, NULL);
	}
	*error_r = store_fail(STORE_ERR_BUSY, "journal_mode", "cannot enable WAL");
	return -1;
}

/* WAL lets readers run beside the writer; FULL makes a commit durable
 * when it returns. A batch import dirties more pages between two
 * commits than SQLite's default cache holds, which made it spill them
 * to the WAL half way and read them back; the cache only grows as far
 * as a connection needs. */
static int store_db_configure(struct store_db *db, const char **error_r)
{
	sqlite3_extended_result_codes(db->handle, 1);
	sqlite3_busy_timeout(db->handle, STORE_BUSY_TIMEOUT_MS);
	if (store_db_enable_wal(db, error_r) < 0 || store_sql_functions_register(db, error_r) < 0)
		return -1;
	return store_db_exec(db, "PRAGMA synchronous = FULL;"
			     "PRAGMA foreign_keys = ON;"
			     "PRAGMA cache_size = " STORE_DB_CACHE_KIB ";"
			     "PRAGMA journal_size_limit = 67108864;", error_r);
}

/* SQLite's allocation statistics take a global mutex on every malloc;
 * nothing reads them. Only possible before SQLite initializes: when it
 * already has, the call fails and changes nothing. */
static void store_db_init_once(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_db_open(struct store_db *db, const char *path, const struct store_migrations *m,
		  const char **error_r)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	pthread_once(&once, store_db_init_once);
	memset(db, 0, sizeof(*db));
	if (sqlite3_open_v2(path, &db->handle, flags, NULL) != SQLITE_OK) {
		*error_r = db->handle == NULL ?
			store_fail(STORE_ERR_INTERNAL, "open", path) :
			store_db_error(db, "open");
		store_db_close(db);
		return -1;
	}
	if (store_db_configure(db, error_r) < 0 || store_db_migrate(db, m, error_r) < 0) {
		store_db_close(db);
		return -1;
	}
	return 0;
}

void store_db_close(struct store_db *db)
{
	for (size_t i = 0; i < db->stmt_count; i++)
		sqlite3_finalize(db->stmts[i].stmt);
	free(db->stmts);
	if (db->handle != NULL && sqlite3_close(db->handle) != SQLITE_OK)
		log_error("store.close", "error=%s", log_q(sqlite3_errmsg(db->handle)));
	memset(db, 0, sizeof(*db));
}
