/* The vacation response of an account: one row, made on first set. */

#include <stdlib.h>
#include <string.h>

#include "store/store_objects.h"
#include "store/store_private.h"

void store_vacation_clear(struct store_vacation *v)
{
	free(v->subject);
	free(v->text_body);
	free(v->html_body);
	memset(v, 0, sizeof(*v));
}

static void store_vacation_read(sqlite3_stmt *stmt, struct store_vacation *v)
{
	v->is_enabled = sqlite3_column_int(stmt, 0) != 0;
	v->has_from_date = sqlite3_column_type(stmt, 1) != SQLITE_NULL;
	v->from_date = sqlite3_column_int64(stmt, 1);
	v->has_to_date = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
	v->to_date = sqlite3_column_int64(stmt, 2);
	v->subject = store_column_strdup(stmt, 3);
	v->text_body = store_column_strdup(stmt, 4);
	v->html_body = store_column_strdup(stmt, 5);
	v->modseq = (uint64_t)sqlite3_column_int64(stmt, 6);
}

int store_vacation_get(struct store_account *acct, struct store_vacation *v_r)
{
	static const char sql[] =
		"SELECT is_enabled, from_date, to_date, subject, text_body, html_body, modseq"
		" FROM vacation_response WHERE one = 1";
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	int ret;

	memset(v_r, 0, sizeof(*v_r));
	if (stmt == NULL)
		return -1;
	ret = store_db_row(&acct->db, stmt, "vacation get", &error);
	if (ret > 0) {
		store_vacation_read(stmt, v_r);
		store_stmt_done(stmt);
	}
	return ret;
}

static void store_vacation_bind(sqlite3_stmt *stmt, const struct store_vacation *v)
{
	sqlite3_bind_int(stmt, 1, v->is_enabled ? 1 : 0);
	if (v->has_from_date)
		sqlite3_bind_int64(stmt, 2, v->from_date);
	else
		sqlite3_bind_null(stmt, 2);
	if (v->has_to_date)
		sqlite3_bind_int64(stmt, 3, v->to_date);
	else
		sqlite3_bind_null(stmt, 3);
	store_bind_text_or_null(stmt, 4, v->subject);
	store_bind_text_or_null(stmt, 5, v->text_body);
	store_bind_text_or_null(stmt, 6, v->html_body);
}

int store_vacation_set(struct store_account *acct, struct store_vacation *v,
		       const char **error_r)
{
	static const char sql[] =
		"INSERT INTO vacation_response (one, is_enabled, from_date, to_date, subject,"
		" text_body, html_body, modseq) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (one) DO UPDATE SET is_enabled = excluded.is_enabled,"
		"  from_date = excluded.from_date, to_date = excluded.to_date,"
		"  subject = excluded.subject, text_body = excluded.text_body,"
		"  html_body = excluded.html_body, modseq = excluded.modseq";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if ((modseq = store_change_modseq(acct, "vacation set", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_vacation_bind(stmt, v);
	sqlite3_bind_int64(stmt, 7, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "vacation set", error_r) < 0)
		return -1;
	v->modseq = modseq;
	/* The singleton always exists as far as JMAP can see: every change
	 * is an update. */
	return store_change_record(acct, STORE_TYPE_VACATION_RESPONSE, STORE_VACATION_ID, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}
