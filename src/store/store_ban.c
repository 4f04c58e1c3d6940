/* Blocked client addresses in the system database. */

#include "store/store_private.h"

/* Setting a ban also drops the ones that have run out, so the table
 * only ever holds bans that may still apply. */
int store_ban_set(struct store *store, const char *ip, time_t until, const char **error_r)
{
	static const char sql_set[] =
		"INSERT INTO bans (ip, until) VALUES (?1, ?2)"
		" ON CONFLICT (ip) DO UPDATE SET until = excluded.until";
	static const char sql_prune[] = "DELETE FROM bans WHERE until <= ?1";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;

	if (db == NULL || (stmt = store_db_stmt(db, sql_prune, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)time(NULL));
	if (store_db_run(db, stmt, "ban prune", error_r) < 0 ||
	    (stmt = store_db_stmt(db, sql_set, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)until);
	return store_db_run(db, stmt, "ban set", error_r);
}

int store_ban_get(struct store *store, const char *ip, time_t now, time_t *until_r)
{
	static const char sql[] = "SELECT until FROM bans WHERE ip = ?1 AND until > ?2";
	const char *error;
	struct store_db *db = store_sys(store, &error);
	sqlite3_stmt *stmt;
	int ret;

	if (db == NULL || (stmt = store_db_stmt(db, sql, &error)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)now);
	ret = store_db_row(db, stmt, "ban get", &error);
	if (ret > 0) {
		*until_r = (time_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

int store_ban_clear(struct store *store, const char *ip, const char **error_r)
{
	static const char sql[] = "DELETE FROM bans WHERE ip = ?1";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, ip, -1, SQLITE_STATIC);
	return store_db_run(db, stmt, "ban clear", error_r);
}
