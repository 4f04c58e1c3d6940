/* Email submissions of an account. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_objects.h"
#include "store/store_private.h"

#define STORE_SUBMISSION_COLUMNS \
	"id, identity_id, email_id, thread_id, envelope, send_at, undo_status," \
	" delivery_status, dsn_blob_ids, mdn_blob_ids, modseq, blob_id"

static const char *const store_undo_names[] = { "pending", "final", "canceled" };

void store_submission_clear(struct store_submission *s)
{
	free(s->envelope);
	free(s->delivery_status);
	free(s->dsn_blob_ids);
	free(s->mdn_blob_ids);
	memset(s, 0, sizeof(*s));
}

static void store_submission_clear_item(void *item)
{
	store_submission_clear(item);
}

void store_submission_list_free(struct store_submission **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_submission_clear_item);
	*listp = NULL;
}

static enum store_undo_status store_undo_parse(const unsigned char *text)
{
	for (size_t i = 0; i < STORE_N_ELEMENTS(store_undo_names); i++) {
		if (text != NULL && strcmp((const char *)text, store_undo_names[i]) == 0)
			return (enum store_undo_status)i;
	}
	return STORE_UNDO_FINAL;
}

static void store_submission_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_submission *s = item;

	const unsigned char *blob_id;

	s->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	s->identity_id = (uint64_t)sqlite3_column_int64(stmt, 1);
	s->email_id = (uint64_t)sqlite3_column_int64(stmt, 2);
	s->thread_id = (uint64_t)sqlite3_column_int64(stmt, 3);
	s->envelope = store_column_strdup(stmt, 4);
	s->send_at = sqlite3_column_int64(stmt, 5);
	s->undo_status = store_undo_parse(sqlite3_column_text(stmt, 6));
	s->delivery_status = store_column_strdup(stmt, 7);
	s->dsn_blob_ids = store_column_strdup(stmt, 8);
	s->mdn_blob_ids = store_column_strdup(stmt, 9);
	s->modseq = (uint64_t)sqlite3_column_int64(stmt, 10);
	blob_id = sqlite3_column_text(stmt, 11);
	snprintf(s->blob_id, sizeof(s->blob_id), "%s", blob_id != NULL ? (const char *)blob_id : "");
}

static const struct store_rows store_submission_rows = {
	sizeof(struct store_submission), store_submission_read, store_submission_clear_item, NULL
};

int store_submission_list(struct store_account *acct, struct store_submission **list_r,
			  size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT " STORE_SUBMISSION_COLUMNS " FROM email_submissions ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL ||
	    store_db_rows(&acct->db, stmt, "submission list", &store_submission_rows,
			  &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

int store_submission_get(struct store_account *acct, uint64_t id, struct store_submission *s_r)
{
	static const char sql[] =
		"SELECT " STORE_SUBMISSION_COLUMNS " FROM email_submissions WHERE id = ?1";
	return store_db_row_by_id(&acct->db, sql, id, "submission get", store_submission_read, NULL,
				  s_r);
}

static void store_submission_bind(sqlite3_stmt *stmt, const struct store_submission *s)
{
	sqlite3_bind_int64(stmt, 1, (int64_t)s->identity_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)s->email_id);
	sqlite3_bind_int64(stmt, 3, (int64_t)s->thread_id);
	sqlite3_bind_text(stmt, 4, s->envelope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, s->send_at);
	sqlite3_bind_text(stmt, 6, store_undo_names[s->undo_status], -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 7, s->delivery_status);
	sqlite3_bind_text(stmt, 8, s->dsn_blob_ids != NULL ? s->dsn_blob_ids : "[]", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, s->mdn_blob_ids != NULL ? s->mdn_blob_ids : "[]", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, s->blob_id, -1, SQLITE_STATIC);
}

static bool store_submission_valid(const struct store_submission *s)
{
	return s->envelope != NULL && s->blob_id[0] != '\0' &&
	       (unsigned)s->undo_status < STORE_N_ELEMENTS(store_undo_names);
}

int store_submission_create(struct store_account *acct, struct store_submission *s,
			    const char **error_r)
{
	static const char sql[] =
		"INSERT INTO email_submissions (identity_id, email_id, thread_id, envelope,"
		" send_at, undo_status, delivery_status, dsn_blob_ids, mdn_blob_ids, blob_id,"
		" modseq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_submission_valid(s)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "submission create", "bad fields");
		return -1;
	}
	if ((modseq = store_change_modseq(acct, "submission create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_submission_bind(stmt, s);
	sqlite3_bind_int64(stmt, 11, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "submission create", error_r) < 0)
		return -1;
	s->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	s->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_EMAIL_SUBMISSION, s->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_submission_update(struct store_account *acct, struct store_submission *s,
			    const char **error_r)
{
	static const char sql[] =
		"UPDATE email_submissions SET undo_status = ?1, delivery_status = ?2,"
		" modseq = ?3 WHERE id = ?4";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_submission_valid(s)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "submission update", "bad fields");
		return -1;
	}
	if ((modseq = store_change_modseq(acct, "submission update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, store_undo_names[s->undo_status], -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, s->delivery_status);
	sqlite3_bind_int64(stmt, 3, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 4, (int64_t)s->id);
	if (store_db_run_one(&acct->db, stmt, "submission update", "no such submission",
			     error_r) < 0)
		return -1;
	s->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_EMAIL_SUBMISSION, s->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_submission_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM email_submissions WHERE id = ?1";
	uint64_t modseq = store_change_modseq(acct, "submission destroy", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run_one(&acct->db, stmt, "submission destroy", "no such submission",
			     error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_EMAIL_SUBMISSION, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}
