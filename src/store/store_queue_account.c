/* What the outbound queue records in the sender's account: the outcome
 * of a submission (undo status, delivery status, DSNs), and whether a
 * submission the queue names was destroyed. */

#include "store/store_queue_private.h"

int store_submission_update_outcome(struct store_account *acct, struct store_submission *s,
				    const char **error_r)
{
	static const char sql[] =
		"UPDATE email_submissions SET undo_status = ?1, delivery_status = ?2,"
		" dsn_blob_ids = ?3, modseq = ?4 WHERE id = ?5";
	static const char *const undo_names[] = { "pending", "final", "canceled" };
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if ((unsigned)s->undo_status >= STORE_N_ELEMENTS(undo_names)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "submission outcome", "bad undo status");
		return -1;
	}
	if ((modseq = store_change_modseq(acct, "submission outcome", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, undo_names[s->undo_status], -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, s->delivery_status);
	sqlite3_bind_text(stmt, 3, s->dsn_blob_ids != NULL ? s->dsn_blob_ids : "[]", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 5, (int64_t)s->id);
	if (store_db_run_one(&acct->db, stmt, "submission outcome", "no such submission",
			     error_r) < 0)
		return -1;
	s->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_EMAIL_SUBMISSION, s->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_submission_destroyed(struct store_account *acct, uint64_t id)
{
	static const char sql[] =
		"SELECT destroyed_at IS NOT NULL FROM changes WHERE type = ?1 AND id = ?2";
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, STORE_TYPE_EMAIL_SUBMISSION);
	sqlite3_bind_int64(stmt, 2, (int64_t)id);
	if ((ret = store_db_row(&acct->db, stmt, "submission destroyed", &error)) <= 0)
		return ret;
	ret = sqlite3_column_int(stmt, 0) != 0 ? 1 : 0;
	store_stmt_done(stmt);
	return ret;
}
