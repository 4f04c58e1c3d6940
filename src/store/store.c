/* The store: opening and closing, each thread's connections, settings. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_private.h"

/* Thread-local state is found by the store's epoch rather than by its
 * address, so a closed store's leftovers are never mistaken for those
 * of a new store allocated at the same address. */
static atomic_uint_fast64_t store_epoch_counter;
static _Thread_local uint64_t store_tls_epoch;
static _Thread_local struct store_thread *store_tls_thread;

struct store_thread *store_thread_self(struct store *store)
{
	pthread_t self = pthread_self();
	struct store_thread *t;

	if (store_tls_epoch == store->epoch)
		return store_tls_thread;
	pthread_mutex_lock(&store->mutex);
	for (t = store->threads; t != NULL; t = t->next) {
		if (pthread_equal(t->tid, self))
			break;
	}
	if (t == NULL) {
		t = xcalloc(1, sizeof(*t));
		t->tid = self;
		t->seen_delete_gen = atomic_load(&store->delete_gen);
		t->next = store->threads;
		store->threads = t;
	}
	pthread_mutex_unlock(&store->mutex);
	store_tls_epoch = store->epoch;
	store_tls_thread = t;
	return t;
}

struct store_db *store_sys(struct store *store, const char **error_r)
{
	struct store_thread *t = store_thread_self(store);
	char *path;
	int ret;

	if (t->sys.handle != NULL)
		return &t->sys;
	path = xasprintf("%s/system.db", store->path);
	ret = store_db_open(&t->sys, path, &store_system_migrations, error_r);
	free(path);
	return ret < 0 ? NULL : &t->sys;
}

static int store_deleted_load(struct store *store, const char **error_r)
{
	static const char sql[] = "SELECT id FROM deleted_accounts";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;
	int ret;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	while ((ret = store_db_row(db, stmt, "load deleted accounts", error_r)) > 0)
		store_account_mark_deleted(store, (uint32_t)sqlite3_column_int64(stmt, 0));
	return ret;
}

int store_open(const char *path, struct store **store_r, const char **error_r)
{
	struct store *store;

	if (store_fs_mkdirs(path, error_r) < 0)
		return -1;
	store = xcalloc(1, sizeof(*store));
	store->path = xstrdup(path);
	store->accounts_dir = xasprintf("%s/accounts", path);
	store->epoch = atomic_fetch_add(&store_epoch_counter, 1) + 1;
	pthread_mutex_init(&store->mutex, NULL);
	atomic_init(&store->delete_gen, 0);
	if (store_fs_mkdir_durable(path, store->accounts_dir, error_r) < 0 ||
	    store_sys(store, error_r) == NULL ||
	    store_deleted_load(store, error_r) < 0) {
		store_close(&store);
		return -1;
	}
	store_accounts_sweep(store);
	log_info("store.open", "path=%s", log_q(path));
	*store_r = store;
	return 0;
}

void store_close(struct store **storep)
{
	struct store *store = *storep;
	struct store_thread *t, *next;

	if (store == NULL)
		return;
	*storep = NULL;
	for (t = store->threads; t != NULL; t = next) {
		next = t->next;
		store_thread_close_accounts(t);
		store_db_close(&t->sys);
		free(t);
	}
	store_accounts_close_idle(store);
	pthread_mutex_destroy(&store->mutex);
	free(store->deleted);
	free(store->accounts_dir);
	free(store->path);
	free(store);
}

void store_set_fts_source(struct store *store, const struct store_fts_source *source)
{
	store->fts_source = *source;
}

const char *store_path(const struct store *store)
{
	return store->path;
}

int store_setting_get(struct store *store, const char *key, char **value_r)
{
	static const char sql[] = "SELECT value FROM settings WHERE key = ?1";
	const char *error;
	struct store_db *db = store_sys(store, &error);
	sqlite3_stmt *stmt;
	int ret;

	if (db == NULL || (stmt = store_db_stmt(db, sql, &error)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	ret = store_db_row(db, stmt, "setting get", &error);
	if (ret > 0) {
		*value_r = store_column_strdup(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

int store_setting_set(struct store *store, const char *key, const char *value,
		      const char **error_r)
{
	static const char sql[] =
		"INSERT INTO settings (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	return store_db_run(db, stmt, "setting set", error_r);
}

int store_setting_delete(struct store *store, const char *key, const char **error_r)
{
	static const char sql[] = "DELETE FROM settings WHERE key = ?1";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	return store_db_run(db, stmt, "setting delete", error_r);
}
