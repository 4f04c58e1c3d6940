/* Principals in the system database: create, update, delete. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_private.h"

static int store_principal_check(const struct store_principal *p, const char **error_r)
{
	const char *problem = NULL;

	if (p->type < STORE_PRINCIPAL_INDIVIDUAL || p->type > STORE_PRINCIPAL_DOMAIN)
		problem = "bad type";
	else if (p->name == NULL || p->name[0] == '\0')
		problem = "no name";
	else if (p->quota > INT64_MAX)
		problem = "quota too large";
	for (size_t i = 0; problem == NULL && i < p->secret_count; i++) {
		if (p->secrets[i] == NULL)
			problem = "missing secret";
	}
	for (size_t i = 0; problem == NULL && i < p->email_count; i++) {
		if (p->emails[i] == NULL || p->emails[i][0] == '\0')
			problem = "missing address";
	}
	for (size_t i = 0; problem == NULL && i < p->member_count; i++) {
		if (p->members[i] == NULL)
			problem = "missing member";
	}
	if (problem == NULL)
		return 0;
	*error_r = store_fail(STORE_ERR_INTERNAL, "principal", problem);
	return -1;
}

static int store_principal_add_secrets(struct store_db *db, const struct store_principal *p,
				       const char **error_r)
{
	static const char sql[] =
		"INSERT INTO principal_secrets (principal, position, secret) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < p->secret_count; i++) {
		if ((stmt = store_db_stmt(db, sql, error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, p->id);
		sqlite3_bind_int64(stmt, 2, (int64_t)i);
		sqlite3_bind_text(stmt, 3, p->secrets[i], -1, SQLITE_STATIC);
		if (store_db_run(db, stmt, "principal secret", error_r) < 0)
			return -1;
	}
	return 0;
}

static int store_principal_add_emails(struct store_db *db, const struct store_principal *p,
				      const char **error_r)
{
	static const char sql[] =
		"INSERT INTO principal_emails (address, principal, position) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *stmt;
	char *lower;
	int ret = 0;

	for (size_t i = 0; i < p->email_count && ret == 0; i++) {
		if ((stmt = store_db_stmt(db, sql, error_r)) == NULL)
			return -1;
		lower = store_principal_lowercase(p->emails[i]);
		sqlite3_bind_text(stmt, 1, lower, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, p->id);
		sqlite3_bind_int64(stmt, 3, (int64_t)i);
		ret = store_db_run(db, stmt, "principal email", error_r);
		if (ret < 0 && store_last_error() == STORE_ERR_EXISTS)
			*error_r = err_fmt("address %s is already in use", lower);
		free(lower);
	}
	return ret;
}

static int store_principal_add_members(struct store_db *db, const struct store_principal *p,
				       const char **error_r)
{
	static const char sql[] =
		"INSERT INTO group_members (group_id, member)"
		" SELECT ?1, id FROM principals WHERE name = ?2";
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < p->member_count; i++) {
		if ((stmt = store_db_stmt(db, sql, error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, p->id);
		sqlite3_bind_text(stmt, 2, p->members[i], -1, SQLITE_STATIC);
		if (store_db_run(db, stmt, "principal member", error_r) < 0)
			return -1;
		if (sqlite3_changes(db->handle) == 0) {
			*error_r = store_fail(STORE_ERR_NOT_FOUND, "principal member",
					      err_fmt("no principal named %s", p->members[i]));
			return -1;
		}
	}
	return 0;
}

static int store_principal_add_lists(struct store_db *db, const struct store_principal *p,
				     const char **error_r)
{
	if (store_principal_add_secrets(db, p, error_r) < 0 ||
	    store_principal_add_emails(db, p, error_r) < 0 ||
	    store_principal_add_members(db, p, error_r) < 0)
		return -1;
	return 0;
}

static void store_principal_bind(sqlite3_stmt *stmt, const struct store_principal *p)
{
	sqlite3_bind_int(stmt, 1, p->type);
	sqlite3_bind_text(stmt, 2, p->name, -1, SQLITE_STATIC);
	if (p->description != NULL)
		sqlite3_bind_text(stmt, 3, p->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, p->role != NULL ? p->role : "user", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, (int64_t)p->quota);
}

/* Runs the principals row statement stmt (bound by the caller past
 * parameter 5) and names the taken name on a conflict. */
static int store_principal_run_row(struct store_db *db, sqlite3_stmt *stmt,
				   const struct store_principal *p, const char *what,
				   const char **error_r)
{
	store_principal_bind(stmt, p);
	if (store_db_run(db, stmt, what, error_r) == 0)
		return 0;
	if (store_last_error() == STORE_ERR_EXISTS)
		*error_r = err_fmt("name %s is already in use", p->name);
	return -1;
}

static int store_principal_insert(struct store_db *db, struct store_principal *p,
				  time_t created_at, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO principals (type, name, description, role, quota, created_at,"
		" secret_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);
	sqlite3_int64 id;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 6, (int64_t)created_at);
	if (store_principal_run_row(db, stmt, p, "principal create", error_r) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(db->handle);
	if (id <= 0 || id > UINT32_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "principal create", "ids exhausted");
		return -1;
	}
	p->id = (uint32_t)id;
	return 0;
}

int store_principal_create(struct store *store, struct store_principal *p,
			   const char **error_r)
{
	struct store_db *db;
	time_t created_at = p->created_at != 0 ? p->created_at : time(NULL);
	uint32_t old_id = p->id;

	if (store_principal_check(p, error_r) < 0 || (db = store_sys(store, error_r)) == NULL ||
	    store_db_begin(db, true, error_r) < 0)
		return -1;
	if (store_principal_insert(db, p, created_at, error_r) < 0 ||
	    store_principal_add_lists(db, p, error_r) < 0 ||
	    store_db_commit(db, error_r) < 0) {
		store_db_rollback(db);
		p->id = old_id;
		return -1;
	}
	p->created_at = created_at;
	p->secret_version = 1;
	log_info("store.principal_create", "id=%u name=%s", p->id, log_q(p->name));
	return 0;
}

/* The stored secret_version, bumped if p's secrets differ from the
 * stored ones. 0 if there is no such principal, -1 on error. */
static int store_principal_next_version(struct store_db *db, const struct store_principal *p,
					int64_t *version_r, const char **error_r)
{
	static const char sql_version[] = "SELECT secret_version FROM principals WHERE id = ?1";
	static const char sql_secrets[] =
		"SELECT secret FROM principal_secrets WHERE principal = ?1 ORDER BY position";
	sqlite3_stmt *stmt = store_db_stmt(db, sql_version, error_r);
	char **secrets;
	size_t count;
	bool same;
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, p->id);
	if ((ret = store_db_row(db, stmt, "principal version", error_r)) <= 0)
		return ret;
	*version_r = sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	if (store_principal_strings(db, sql_secrets, p->id, &secrets, &count, error_r) < 0)
		return -1;
	same = count == p->secret_count;
	for (size_t i = 0; same && i < count; i++)
		same = strcmp(secrets[i], p->secrets[i]) == 0;
	store_strings_free(secrets, count);
	if (!same)
		(*version_r)++;
	return 1;
}

static int store_principal_clear_lists(struct store_db *db, uint32_t id, const char **error_r)
{
	static const char *const sqls[] = {
		"DELETE FROM principal_secrets WHERE principal = ?1",
		"DELETE FROM principal_emails WHERE principal = ?1",
		"DELETE FROM group_members WHERE group_id = ?1",
	};
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < STORE_N_ELEMENTS(sqls); i++) {
		if ((stmt = store_db_stmt(db, sqls[i], error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, id);
		if (store_db_run(db, stmt, "principal clear", error_r) < 0)
			return -1;
	}
	return 0;
}

static int store_principal_replace(struct store_db *db, const struct store_principal *p,
				   const char **error_r)
{
	static const char sql[] =
		"UPDATE principals SET type = ?1, name = ?2, description = ?3, role = ?4,"
		" quota = ?5, secret_version = ?6 WHERE id = ?7";
	sqlite3_stmt *stmt;
	int64_t version;
	int ret = store_principal_next_version(db, p, &version, error_r);

	if (ret == 0)
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "principal update", "no such principal");
	if (ret <= 0 || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 6, version);
	sqlite3_bind_int64(stmt, 7, p->id);
	if (store_principal_run_row(db, stmt, p, "principal update", error_r) < 0 ||
	    store_principal_clear_lists(db, p->id, error_r) < 0 ||
	    store_principal_add_lists(db, p, error_r) < 0)
		return -1;
	return 0;
}

int store_principal_update(struct store *store, const struct store_principal *p,
			   const char **error_r)
{
	struct store_db *db;

	if (store_principal_check(p, error_r) < 0 || (db = store_sys(store, error_r)) == NULL ||
	    store_db_begin(db, true, error_r) < 0)
		return -1;
	if (store_principal_replace(db, p, error_r) < 0 || store_db_commit(db, error_r) < 0) {
		store_db_rollback(db);
		return -1;
	}
	return 0;
}

/* Deletes the rows of principal id and remembers its account id as
 * deleted. 1, 0 or -1. */
static int store_principal_delete_rows(struct store_db *db, uint32_t id, const char **error_r)
{
	static const char sql_delete[] = "DELETE FROM principals WHERE id = ?1";
	static const char sql_mark[] =
		"INSERT OR REPLACE INTO deleted_accounts (id, deleted_at) VALUES (?1, ?2)";
	sqlite3_stmt *stmt = store_db_stmt(db, sql_delete, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (store_db_run(db, stmt, "principal delete", error_r) < 0)
		return -1;
	if (sqlite3_changes(db->handle) == 0)
		return 0;
	if ((stmt = store_db_stmt(db, sql_mark, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (int64_t)time(NULL));
	return store_db_run(db, stmt, "principal delete", error_r) < 0 ? -1 : 1;
}

int store_principal_delete(struct store *store, uint32_t id, const char **error_r)
{
	struct store_db *db = store_sys(store, error_r);
	int ret;

	if (db == NULL || store_db_begin(db, true, error_r) < 0)
		return -1;
	ret = store_principal_delete_rows(db, id, error_r);
	if (ret <= 0) {
		store_db_rollback(db);
		return ret;
	}
	if (store_db_commit(db, error_r) < 0)
		return -1;
	log_info("store.principal_delete", "id=%u", id);
	store_account_forget(store, id);
	return 1;
}
