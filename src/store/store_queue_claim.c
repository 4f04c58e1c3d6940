/* The outbound queue as its senders use it: rows are claimed (state
 * sending) one at a time, updated while claimed, and given back
 * (pending, with the next attempt's time) or removed. */

#include <string.h>

#include "store/store_queue_private.h"

int store_queue_reset(struct store *store, const char **error_r)
{
	static const char sql[] = "UPDATE outbound_queue SET state = 0 WHERE state <> 0";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	return store_db_run(db, stmt, "queue reset", error_r);
}

static int store_queue_mark_sending(struct store_db *db, uint64_t id, const char **error_r)
{
	static const char sql[] = "UPDATE outbound_queue SET state = 1 WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	return store_db_run(db, stmt, "queue claim", error_r);
}

/* Inside the write transaction: reads the row stmt selects (bound),
 * claims it and reads its recipients. 1, 0 or -1. */
static int store_queue_claim_row(struct store_db *db, sqlite3_stmt *stmt,
				 struct store_queue_entry *e_r, bool *sending_r,
				 const char **error_r)
{
	int ret = store_db_row(db, stmt, "queue due", error_r);

	if (ret <= 0)
		return ret;
	store_queue_read(stmt, e_r);
	store_stmt_done(stmt);
	if (e_r->state == STORE_QUEUE_SENDING) {
		*sending_r = true;
		store_queue_entry_clear(e_r);
		return 0;
	}
	if (store_queue_mark_sending(db, e_r->id, error_r) < 0 ||
	    store_queue_read_rcpts(db, e_r, error_r) < 0) {
		store_queue_entry_clear(e_r);
		return -1;
	}
	e_r->state = STORE_QUEUE_SENDING;
	return 1;
}

/* Runs the claim of the row sql selects (?1 bound to arg) in one
 * system write transaction. */
static int store_queue_claim_sql(struct store *store, const char *sql, int64_t arg,
				 struct store_queue_entry *e_r, bool *sending_r,
				 const char **error_r)
{
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;
	int ret;

	memset(e_r, 0, sizeof(*e_r));
	*sending_r = false;
	if (db == NULL || store_db_begin(db, true, error_r) < 0)
		return -1;
	if ((stmt = store_db_stmt(db, sql, error_r)) == NULL) {
		store_db_rollback(db);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, arg);
	ret = store_queue_claim_row(db, stmt, e_r, sending_r, error_r);
	if (ret <= 0) {
		store_db_rollback(db);
		return ret;
	}
	if (store_db_commit(db, error_r) < 0) {
		store_queue_entry_clear(e_r);
		return -1;
	}
	return 1;
}

int store_queue_claim(struct store *store, int64_t now, struct store_queue_entry *e_r,
		      const char **error_r)
{
	static const char sql[] =
		"SELECT " STORE_QUEUE_COLUMNS " FROM outbound_queue"
		" WHERE state = 0 AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 1";
	bool sending;

	return store_queue_claim_sql(store, sql, now, e_r, &sending, error_r);
}

int store_queue_claim_id(struct store *store, uint64_t id, struct store_queue_entry *e_r,
			 bool *sending_r, const char **error_r)
{
	static const char sql[] =
		"SELECT " STORE_QUEUE_COLUMNS " FROM outbound_queue WHERE id = ?1";

	return store_queue_claim_sql(store, sql, (int64_t)id, e_r, sending_r, error_r);
}

int store_queue_next_due(struct store *store, int64_t *at_r, const char **error_r)
{
	static const char sql[] =
		"SELECT min(next_attempt_at) FROM outbound_queue WHERE state = 0";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;
	int ret;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	if ((ret = store_db_row(db, stmt, "queue next", error_r)) <= 0)
		return ret;
	ret = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? 0 : 1;
	*at_r = sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	return ret;
}

static int store_queue_update_row(struct store_db *db, const struct store_queue_entry *e,
				  const char **error_r)
{
	static const char sql[] =
		"UPDATE outbound_queue SET state = ?1, attempts = ?2, next_attempt_at = ?3"
		" WHERE id = ?4";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, e->state == STORE_QUEUE_PENDING ? 0 : 1);
	sqlite3_bind_int64(stmt, 2, e->attempts);
	sqlite3_bind_int64(stmt, 3, e->next_attempt_at);
	sqlite3_bind_int64(stmt, 4, (int64_t)e->id);
	return store_db_run_one(db, stmt, "queue update", "no such queue entry", error_r);
}

static int store_queue_update_rcpts(struct store_db *db, const struct store_queue_entry *e,
				    const char **error_r)
{
	static const char sql[] =
		"UPDATE outbound_recipients SET status = ?1, smtp_reply = ?2"
		" WHERE queue_id = ?3 AND position = ?4";
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < e->rcpt_count; i++) {
		if (e->rcpts[i].status == NULL || e->rcpts[i].smtp_reply == NULL) {
			*error_r = store_fail(STORE_ERR_INTERNAL, "queue update", "incomplete recipient");
			return -1;
		}
		if ((stmt = store_db_stmt(db, sql, error_r)) == NULL)
			return -1;
		sqlite3_bind_text(stmt, 1, e->rcpts[i].status, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, e->rcpts[i].smtp_reply, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, (int64_t)e->id);
		sqlite3_bind_int64(stmt, 4, (int64_t)i);
		if (store_db_run(db, stmt, "queue recipient update", error_r) < 0)
			return -1;
	}
	return 0;
}

int store_queue_update(struct store *store, const struct store_queue_entry *e,
		       const char **error_r)
{
	struct store_db *db = store_sys(store, error_r);

	if (db == NULL || store_db_begin(db, true, error_r) < 0)
		return -1;
	if (store_queue_update_row(db, e, error_r) < 0 ||
	    store_queue_update_rcpts(db, e, error_r) < 0) {
		store_db_rollback(db);
		return -1;
	}
	return store_db_commit(db, error_r);
}

int store_queue_remove(struct store *store, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM outbound_queue WHERE id = ?1";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run(db, stmt, "queue remove", error_r) < 0)
		return -1;
	return sqlite3_changes(db->handle) > 0 ? 1 : 0;
}
