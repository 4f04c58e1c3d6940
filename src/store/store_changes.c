/* Account transactions, the modseq counter, per-type states, the change
 * log and its tombstones. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "store/store_private.h"

/* An index write failed earlier: the index is caught up before this
 * writer adds to it (a failure again leaves it to the next one). */
static void store_txn_fts_repair(struct store_account *acct)
{
	const char *error;

	if (store_fts_catch_up(acct, &error) < 0)
		log_error("store.fts_catch_up", "account=%u error=%s", acct->id, log_q(error));
}

static void store_txn_writer_release(struct store_account *acct)
{
	if (!acct->writer_held)
		return;
	acct->writer_held = false;
	store_writer_unlock(acct->writer);
}

int store_txn_begin(struct store_account *acct, bool write, const char **error_r)
{
	if (acct->txn != STORE_TXN_NONE) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "begin", "a transaction is already open");
		return -1;
	}
	if (write && store_writer_lock(acct->writer, error_r) < 0)
		return -1;
	if (write && store_writer_fts_stale(acct->writer))
		store_txn_fts_repair(acct);
	if (write)
		store_blob_recent_clear(acct);
	acct->writer_held = write;
	if (store_db_begin(&acct->db, write, error_r) < 0) {
		store_txn_writer_release(acct);
		return -1;
	}
	acct->txn = write ? STORE_TXN_WRITE : STORE_TXN_READ;
	acct->txn_broken = false;
	acct->txn_modseq = 0;
	memset(acct->txn_type_states, 0, sizeof(acct->txn_type_states));
	return 0;
}

void store_txn_break(struct store_account *acct)
{
	acct->txn_broken = true;
}

/* The type states the transaction moved are written, and the blob
 * files of the transaction made durable, before the rows that name them
 * commit. */
static int store_txn_commit_locked(struct store_account *acct, const char **error_r)
{
	if (store_type_states_flush(acct, error_r) < 0 ||
	    store_blob_sync_pending(acct, error_r) < 0) {
		store_txn_rollback(acct);
		return -1;
	}
	acct->txn = STORE_TXN_NONE;
	if (store_db_commit(&acct->db, error_r) < 0) {
		store_blob_drop_pending(acct);
		return -1;
	}
	store_blob_keep_pending(acct);
	return 0;
}

/* The checkpoint runs once the next writer may start: it copies what
 * is committed while the next transaction is written. */
int store_txn_commit(struct store_account *acct, const char **error_r)
{
	uint64_t modseq;
	bool index;
	int ret;

	if (acct->txn == STORE_TXN_NONE) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "commit", "no transaction is open");
		return -1;
	}
	if (acct->txn_broken) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "commit", "a write of the transaction failed");
		store_txn_rollback(acct);
		return -1;
	}
	modseq = acct->txn_modseq;
	index = store_fts_queued(acct);
	ret = store_txn_commit_locked(acct, error_r);
	if (ret < 0)
		store_fts_discard(acct);
	/* Indexing holds only the index lock: the next writer starts. */
	index = index && ret == 0;
	if (index)
		store_writer_fts_lock(acct->writer);
	store_txn_writer_release(acct);
	if (index) {
		store_fts_commit(acct, modseq);
		store_writer_fts_unlock(acct->writer);
		store_db_checkpoint_due(&acct->fts);
	}
	if (ret == 0)
		store_db_checkpoint_due(&acct->db);
	return ret;
}

void store_txn_rollback(struct store_account *acct)
{
	if (acct->txn == STORE_TXN_NONE)
		return;
	acct->txn = STORE_TXN_NONE;
	store_db_rollback(&acct->db);
	store_fts_discard(acct);
	store_blob_drop_pending(acct);
	store_txn_writer_release(acct);
}

int store_txn_require_write(struct store_account *acct, const char *what,
			    const char **error_r)
{
	if (acct->txn == STORE_TXN_WRITE)
		return 0;
	*error_r = store_fail(STORE_ERR_INTERNAL, what, "needs a write transaction");
	return -1;
}

int store_txn_enter(struct store_account *acct, bool *own_r, const char **error_r)
{
	*own_r = acct->txn == STORE_TXN_NONE;
	if (acct->txn == STORE_TXN_READ) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "write", "inside a read transaction");
		return -1;
	}
	return *own_r ? store_txn_begin(acct, true, error_r) : 0;
}

int store_txn_end(struct store_account *acct, bool own, int ret, const char **error_r)
{
	if (!own)
		return ret;
	if (ret < 0) {
		store_txn_rollback(acct);
		return -1;
	}
	return store_txn_commit(acct, error_r);
}

/* Reads one integer from a single-row query; 0 if there is no row or on
 * error (logged, and the thread's error kind set). */
static uint64_t store_account_u64(struct store_account *acct, const char *sql,
				  int64_t param, const char *what)
{
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	uint64_t value = 0;

	if (stmt == NULL)
		return 0;
	if (sqlite3_bind_parameter_count(stmt) > 0)
		sqlite3_bind_int64(stmt, 1, param);
	if (store_db_row(&acct->db, stmt, what, &error) > 0) {
		value = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return value;
}

static int store_modseq_read(struct store_account *acct, uint64_t *modseq_r)
{
	static const char sql[] = "SELECT modseq FROM account";
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	int ret;

	if (stmt == NULL || (ret = store_db_row(&acct->db, stmt, "modseq read", &error)) < 0)
		return -1;
	if (ret == 0) {
		(void)store_fail(STORE_ERR_INTERNAL, "modseq read", "no account row");
		return -1;
	}
	*modseq_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	return 0;
}

/* The counter is read once per write transaction and then kept in
 * step: an UPDATE ... RETURNING builds a temporary table each time,
 * which made it the dearest statement of an import. */
uint64_t store_modseq_next(struct store_account *acct)
{
	static const char sql[] = "UPDATE account SET modseq = ?1";
	const char *error;
	sqlite3_stmt *stmt;
	uint64_t modseq;

	if (store_txn_require_write(acct, "modseq next", &error) < 0)
		return 0;
	if (acct->txn_modseq == 0 && store_modseq_read(acct, &acct->txn_modseq) < 0)
		return 0;
	modseq = acct->txn_modseq + 1;
	if (modseq > INT64_MAX || (stmt = store_db_stmt(&acct->db, sql, &error)) == NULL)
		return 0;
	sqlite3_bind_int64(stmt, 1, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "modseq next", &error) < 0)
		return 0;
	acct->txn_modseq = modseq;
	return modseq;
}

uint64_t store_change_modseq(struct store_account *acct, const char *what,
			     const char **error_r)
{
	uint64_t modseq;

	if (store_txn_require_write(acct, what, error_r) < 0)
		return 0;
	modseq = store_modseq_next(acct);
	if (modseq == 0)
		*error_r = store_fail(STORE_ERR_INTERNAL, what, "cannot allocate a modseq");
	return modseq;
}

uint64_t store_modseq_current(struct store_account *acct)
{
	static const char sql[] = "SELECT modseq FROM account";

	return store_account_u64(acct, sql, 0, "modseq current");
}

/* Inside a write transaction the state a type took there is newer than
 * what type_state holds until the commit. */
uint64_t store_type_state(struct store_account *acct, enum store_type type)
{
	static const char sql[] = "SELECT modseq FROM type_state WHERE type = ?1";

	if (acct->txn == STORE_TXN_WRITE && (unsigned)type < STORE_TYPE__COUNT &&
	    acct->txn_type_states[type] != 0)
		return acct->txn_type_states[type];
	return store_account_u64(acct, sql, type, "type state");
}

uint64_t store_tombstone_floor(struct store_account *acct)
{
	static const char sql[] = "SELECT tombstone_floor FROM account";

	return store_account_u64(acct, sql, 0, "tombstone floor");
}

static int store_type_state_set(struct store_account *acct, enum store_type type,
				uint64_t modseq, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO type_state (type, modseq) VALUES (?1, ?2)"
		" ON CONFLICT (type) DO UPDATE SET modseq = excluded.modseq";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int64(stmt, 2, (int64_t)modseq);
	return store_db_run(&acct->db, stmt, "type state set", error_r);
}

int store_type_states_flush(struct store_account *acct, const char **error_r)
{
	for (unsigned type = 0; type < STORE_TYPE__COUNT; type++) {
		if (acct->txn_type_states[type] != 0 &&
		    store_type_state_set(acct, type, acct->txn_type_states[type], error_r) < 0)
			return -1;
	}
	return 0;
}

int store_change_record(struct store_account *acct, enum store_type type, uint64_t id,
			uint64_t modseq, enum store_change_kind kind, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO changes (type, id, created_modseq, modseq, destroyed_at)"
		" VALUES (?1, ?2, ?3, ?3, ?4)"
		" ON CONFLICT (type, id) DO UPDATE SET"
		"  modseq = excluded.modseq, destroyed_at = excluded.destroyed_at";
	sqlite3_stmt *stmt;

	if ((unsigned)type >= STORE_TYPE__COUNT) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "change record", "bad type");
		return -1;
	}
	if (store_txn_require_write(acct, "change record", error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int64(stmt, 2, (int64_t)id);
	sqlite3_bind_int64(stmt, 3, (int64_t)modseq);
	if (kind == STORE_CHANGE_DESTROYED)
		sqlite3_bind_int64(stmt, 4, (int64_t)time(NULL));
	if (store_db_run(&acct->db, stmt, "change record", error_r) < 0)
		return -1;
	if (modseq > acct->txn_type_states[type])
		acct->txn_type_states[type] = modseq;
	return 0;
}

/* context: the uint64_t state the changes are since. */
static void store_change_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_change *c = item;
	uint64_t since = *(const uint64_t *)context;

	c->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	c->created = (uint64_t)sqlite3_column_int64(stmt, 1) > since;
	c->modseq = (uint64_t)sqlite3_column_int64(stmt, 2);
	c->destroyed = sqlite3_column_int(stmt, 3) != 0;
}

int store_changes(struct store_account *acct, enum store_type type, uint64_t since,
		  size_t max, struct store_change **list_r, size_t *count_r,
		  bool *more_r, const char **error_r)
{
	static const char sql[] =
		"SELECT id, created_modseq, modseq, destroyed_at IS NOT NULL FROM changes"
		" WHERE type = ?1 AND modseq > ?2 ORDER BY modseq LIMIT ?3";
	const struct store_rows rows = {
		sizeof(struct store_change), store_change_read, NULL, &since
	};
	void *list;
	size_t count;
	sqlite3_stmt *stmt;

	if ((unsigned)type >= STORE_TYPE__COUNT || since > INT64_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "changes", "bad type or state");
		return -1;
	}
	if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int64(stmt, 2, (int64_t)since);
	sqlite3_bind_int64(stmt, 3, max == 0 || max >= INT64_MAX ? -1 : (int64_t)max + 1);
	if (store_db_rows(&acct->db, stmt, "changes", &rows, &list, &count, error_r) < 0)
		return -1;
	*more_r = max != 0 && count > max;
	*count_r = *more_r ? max : count;
	*list_r = list;
	return 0;
}

static int store_tombstones_delete(struct store_account *acct, time_t before,
				   const char **error_r)
{
	/* the places left (store_dav_gone.h) go with the tombstones: past
	 * them, a state is too old for /changes */
	static const char sql_floor[] =
		"UPDATE account SET tombstone_floor = max(tombstone_floor, coalesce("
		" (SELECT max(modseq) FROM changes"
		"  WHERE destroyed_at IS NOT NULL AND destroyed_at < ?1), 0),"
		" coalesce((SELECT max(modseq) FROM dav_gone WHERE gone_at < ?1), 0))";
	static const char sql_delete[] =
		"DELETE FROM changes WHERE destroyed_at IS NOT NULL AND destroyed_at < ?1";
	static const char sql_gone[] = "DELETE FROM dav_gone WHERE gone_at < ?1";
	sqlite3_stmt *stmt;

	if ((stmt = store_db_stmt(&acct->db, sql_floor, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)before);
	if (store_db_run(&acct->db, stmt, "tombstone floor", error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql_delete, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)before);
	if (store_db_run(&acct->db, stmt, "tombstones expire", error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql_gone, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)before);
	return store_db_run(&acct->db, stmt, "dav gone expire", error_r);
}

int store_tombstones_expire(struct store_account *acct, time_t before, const char **error_r)
{
	bool own;

	if (store_txn_enter(acct, &own, error_r) < 0)
		return -1;
	return store_txn_end(acct, own, store_tombstones_delete(acct, before, error_r), error_r);
}
