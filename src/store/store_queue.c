/* The outbound queue in the system database: one row per submission
 * still to send, with its recipients. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_objects.h"
#include "store/store_queue_private.h"

void store_queue_rcpt_clear(void *item)
{
	struct store_queue_rcpt *r = item;

	free(r->address);
	free(r->parameters);
	free(r->status);
	free(r->smtp_reply);
}

void store_queue_entry_clear(struct store_queue_entry *e)
{
	store_items_free(e->rcpts, e->rcpt_count, sizeof(*e->rcpts), store_queue_rcpt_clear);
	free(e->mail_from);
	free(e->mail_from_parameters);
	memset(e, 0, sizeof(*e));
}

static int store_queue_delete(struct store_db *db, uint32_t account_id, uint64_t submission_id,
			      const char **error_r)
{
	static const char sql[] =
		"DELETE FROM outbound_queue WHERE account_id = ?1 AND submission_id = ?2";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, account_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)submission_id);
	return store_db_run(db, stmt, "queue delete", error_r);
}

static int store_queue_insert(struct store_db *db, struct store_queue_entry *e,
			      const char **error_r)
{
	static const char sql[] =
		"INSERT INTO outbound_queue (account_id, submission_id, blob_id, size, mail_from,"
		" mail_from_parameters, state, attempts, next_attempt_at, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, ?8)";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, e->account_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)e->submission_id);
	sqlite3_bind_text(stmt, 3, e->blob_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (int64_t)e->size);
	sqlite3_bind_text(stmt, 5, e->mail_from, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 6, e->mail_from_parameters);
	sqlite3_bind_int64(stmt, 7, e->next_attempt_at);
	sqlite3_bind_int64(stmt, 8, e->created_at);
	if (store_db_run(db, stmt, "queue insert", error_r) < 0)
		return -1;
	e->id = (uint64_t)sqlite3_last_insert_rowid(db->handle);
	e->state = STORE_QUEUE_PENDING;
	e->attempts = 0;
	return 0;
}

static int store_queue_insert_rcpts(struct store_db *db, const struct store_queue_entry *e,
				    const char **error_r)
{
	static const char sql[] =
		"INSERT INTO outbound_recipients (queue_id, position, address, parameters,"
		" status, smtp_reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < e->rcpt_count; i++) {
		const struct store_queue_rcpt *r = &e->rcpts[i];

		if ((stmt = store_db_stmt(db, sql, error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, (int64_t)e->id);
		sqlite3_bind_int64(stmt, 2, (int64_t)i);
		sqlite3_bind_text(stmt, 3, r->address, -1, SQLITE_STATIC);
		store_bind_text_or_null(stmt, 4, r->parameters);
		sqlite3_bind_text(stmt, 5, r->status, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 6, r->smtp_reply, -1, SQLITE_STATIC);
		if (store_db_run(db, stmt, "queue recipient", error_r) < 0)
			return -1;
	}
	return 0;
}

static bool store_queue_entry_valid(const struct store_queue_entry *e)
{
	if (e->mail_from == NULL || e->rcpt_count == 0 || e->blob_id[0] == '\0')
		return false;
	for (size_t i = 0; i < e->rcpt_count; i++) {
		if (e->rcpts[i].address == NULL || e->rcpts[i].status == NULL ||
		    e->rcpts[i].smtp_reply == NULL)
			return false;
	}
	return true;
}

static int store_queue_add_one(struct store_db *db, struct store_queue_entry *e,
			       const char **error_r)
{
	if (!store_queue_entry_valid(e)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "queue add", "incomplete entry");
		return -1;
	}
	if (store_queue_delete(db, e->account_id, e->submission_id, error_r) < 0 ||
	    store_queue_insert(db, e, error_r) < 0 ||
	    store_queue_insert_rcpts(db, e, error_r) < 0)
		return -1;
	return 0;
}

int store_queue_add(struct store *store, struct store_queue_entry *entries, size_t count,
		    const char **error_r)
{
	struct store_db *db = store_sys(store, error_r);

	if (db == NULL || store_db_begin(db, true, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (store_queue_add_one(db, &entries[i], error_r) < 0) {
			store_db_rollback(db);
			return -1;
		}
	}
	return store_db_commit(db, error_r);
}

void store_queue_read(sqlite3_stmt *stmt, struct store_queue_entry *e)
{
	const unsigned char *blob_id = sqlite3_column_text(stmt, 2);

	e->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	e->account_id = (uint32_t)sqlite3_column_int64(stmt, 1);
	snprintf(e->blob_id, sizeof(e->blob_id), "%s", blob_id != NULL ? (const char *)blob_id : "");
	e->size = (uint64_t)sqlite3_column_int64(stmt, 3);
	e->mail_from = store_column_strdup(stmt, 4);
	e->mail_from_parameters = store_column_strdup(stmt, 5);
	e->state = sqlite3_column_int(stmt, 6) == 0 ? STORE_QUEUE_PENDING : STORE_QUEUE_SENDING;
	e->attempts = (uint32_t)sqlite3_column_int64(stmt, 7);
	e->next_attempt_at = sqlite3_column_int64(stmt, 8);
	e->created_at = sqlite3_column_int64(stmt, 9);
	e->submission_id = (uint64_t)sqlite3_column_int64(stmt, 10);
}

static void store_queue_rcpt_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_queue_rcpt *r = item;

	r->address = store_column_strdup(stmt, 0);
	r->parameters = store_column_strdup(stmt, 1);
	r->status = store_column_strdup(stmt, 2);
	r->smtp_reply = store_column_strdup(stmt, 3);
}

int store_queue_read_rcpts(struct store_db *db, struct store_queue_entry *e,
			   const char **error_r)
{
	static const char sql[] =
		"SELECT address, parameters, status, smtp_reply FROM outbound_recipients"
		" WHERE queue_id = ?1 ORDER BY position";
	static const struct store_rows rows = {
		sizeof(struct store_queue_rcpt), store_queue_rcpt_read, store_queue_rcpt_clear, NULL
	};
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);
	void *rcpts;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)e->id);
	if (store_db_rows(db, stmt, "queue recipients", &rows, &rcpts, &e->rcpt_count,
			  error_r) < 0)
		return -1;
	e->rcpts = rcpts;
	return 0;
}

int store_queue_get(struct store *store, uint32_t account_id, uint64_t submission_id,
		    struct store_queue_entry *e_r)
{
	static const char sql[] =
		"SELECT " STORE_QUEUE_COLUMNS " FROM outbound_queue"
		" WHERE account_id = ?1 AND submission_id = ?2";
	const char *error;
	struct store_db *db = store_sys(store, &error);
	sqlite3_stmt *stmt;
	int ret;

	memset(e_r, 0, sizeof(*e_r));
	if (db == NULL || (stmt = store_db_stmt(db, sql, &error)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, account_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)submission_id);
	if ((ret = store_db_row(db, stmt, "queue get", &error)) <= 0)
		return ret;
	store_queue_read(stmt, e_r);
	store_stmt_done(stmt);
	if (store_queue_read_rcpts(db, e_r, &error) < 0) {
		store_queue_entry_clear(e_r);
		return -1;
	}
	return 1;
}

int store_queue_cancel(struct store *store, uint32_t account_id, uint64_t submission_id,
		       bool *sending_r, const char **error_r)
{
	static const char sql[] =
		"DELETE FROM outbound_queue WHERE account_id = ?1 AND submission_id = ?2"
		" AND state = 0";
	static const char sql_state[] =
		"SELECT state FROM outbound_queue WHERE account_id = ?1 AND submission_id = ?2";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;
	int ret;

	*sending_r = false;
	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, account_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)submission_id);
	if (store_db_run(db, stmt, "queue cancel", error_r) < 0)
		return -1;
	if (sqlite3_changes(db->handle) > 0)
		return 1;
	if ((stmt = store_db_stmt(db, sql_state, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, account_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)submission_id);
	ret = store_db_row(db, stmt, "queue state", error_r);
	if (ret > 0) {
		*sending_r = sqlite3_column_int(stmt, 0) != 0;
		store_stmt_done(stmt);
	}
	return ret < 0 ? -1 : 0;
}
