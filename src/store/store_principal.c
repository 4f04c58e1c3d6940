/* Principals in the system database: reading them back. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "store/store_private.h"

void store_strings_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

void store_principal_free(struct store_principal **pp)
{
	struct store_principal *p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	free(p->name);
	free(p->description);
	free(p->role);
	store_strings_free(p->secrets, p->secret_count);
	store_strings_free(p->emails, p->email_count);
	store_strings_free(p->members, p->member_count);
	free(p);
}

void store_principal_list_free(struct store_principal ***listp, size_t count)
{
	struct store_principal **list = *listp;

	if (list == NULL)
		return;
	*listp = NULL;
	for (size_t i = 0; i < count; i++)
		store_principal_free(&list[i]);
	free(list);
}

char *store_principal_lowercase(const char *s)
{
	char *copy = xstrdup(s);

	for (char *p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

int store_principal_strings(struct store_db *db, const char *sql, int64_t id,
			    char ***list_r, size_t *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_db_strings(db, stmt, "principal lists", list_r, count_r, error_r);
}

static int store_principal_load_lists(struct store_db *db, struct store_principal *p,
				      const char **error_r)
{
	static const char sql_secrets[] =
		"SELECT secret FROM principal_secrets WHERE principal = ?1 ORDER BY position";
	static const char sql_emails[] =
		"SELECT address FROM principal_emails WHERE principal = ?1 ORDER BY position";
	static const char sql_members[] =
		"SELECT p.name FROM group_members g JOIN principals p ON p.id = g.member"
		" WHERE g.group_id = ?1 ORDER BY p.name";

	if (store_principal_strings(db, sql_secrets, p->id, &p->secrets, &p->secret_count,
				    error_r) < 0 ||
	    store_principal_strings(db, sql_emails, p->id, &p->emails, &p->email_count,
				    error_r) < 0 ||
	    store_principal_strings(db, sql_members, p->id, &p->members, &p->member_count,
				    error_r) < 0)
		return -1;
	return 0;
}

static void store_principal_read(sqlite3_stmt *stmt, struct store_principal *p)
{
	p->type = (enum store_principal_type)sqlite3_column_int(stmt, 0);
	p->name = store_column_strdup(stmt, 1);
	p->description = store_column_strdup(stmt, 2);
	p->role = store_column_strdup(stmt, 3);
	p->quota = (uint64_t)sqlite3_column_int64(stmt, 4);
	p->created_at = (time_t)sqlite3_column_int64(stmt, 5);
	p->secret_version = (uint64_t)sqlite3_column_int64(stmt, 6);
}

/* Loads principal id with its lists. 1, 0 or -1. */
static int store_principal_load(struct store_db *db, int64_t id, struct store_principal **p_r,
				const char **error_r)
{
	static const char sql[] =
		"SELECT type, name, description, role, quota, created_at, secret_version"
		" FROM principals WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);
	struct store_principal *p;
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if ((ret = store_db_row(db, stmt, "principal get", error_r)) <= 0)
		return ret;
	p = xcalloc(1, sizeof(*p));
	p->id = (uint32_t)id;
	store_principal_read(stmt, p);
	store_stmt_done(stmt);
	if (store_principal_load_lists(db, p, error_r) < 0) {
		store_principal_free(&p);
		return -1;
	}
	*p_r = p;
	return 1;
}

/* Runs find_sql (one text parameter, returning an id) if given, then
 * loads the principal, all in one read transaction. */
static int store_principal_get(struct store *store, const char *find_sql, const char *key,
			       int64_t id, struct store_principal **p_r)
{
	const char *error;
	struct store_db *db = store_sys(store, &error);
	sqlite3_stmt *stmt;
	int ret = 1;

	if (db == NULL || store_db_begin(db, false, &error) < 0)
		return -1;
	if (find_sql != NULL) {
		if ((stmt = store_db_stmt(db, find_sql, &error)) == NULL) {
			store_db_rollback(db);
			return -1;
		}
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		ret = store_db_row(db, stmt, "principal find", &error);
		if (ret > 0) {
			id = sqlite3_column_int64(stmt, 0);
			store_stmt_done(stmt);
		}
	}
	if (ret > 0)
		ret = store_principal_load(db, id, p_r, &error);
	store_db_rollback(db);
	return ret;
}

int store_principal_get_by_name(struct store *store, const char *name,
				struct store_principal **p_r)
{
	static const char sql[] = "SELECT id FROM principals WHERE name = ?1";

	return store_principal_get(store, sql, name, 0, p_r);
}

int store_principal_get_by_id(struct store *store, uint32_t id, struct store_principal **p_r)
{
	return store_principal_get(store, NULL, NULL, id, p_r);
}

int store_principal_get_by_email(struct store *store, const char *address,
				 struct store_principal **p_r)
{
	static const char sql[] = "SELECT principal FROM principal_emails WHERE address = ?1";
	char *lower = store_principal_lowercase(address);
	int ret = store_principal_get(store, sql, lower, 0, p_r);

	free(lower);
	return ret;
}

static int store_principal_ids(struct store_db *db, unsigned types_mask, uint64_t **ids_r,
			       size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT id FROM principals WHERE ?1 = 0 OR ((1 << type) & ?1) != 0 ORDER BY name";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, types_mask);
	return store_db_ids(db, stmt, "principal list", ids_r, count_r, error_r);
}

int store_principal_list(struct store *store, unsigned types_mask,
			 struct store_principal ***list_r, size_t *count_r)
{
	const char *error;
	struct store_db *db = store_sys(store, &error);
	struct store_principal **list = NULL;
	uint64_t *ids = NULL;
	size_t id_count = 0, count = 0;
	int ret = 0;

	if (db == NULL || store_db_begin(db, false, &error) < 0)
		return -1;
	if (store_principal_ids(db, types_mask, &ids, &id_count, &error) < 0)
		ret = -1;
	if (id_count > 0)
		list = xcalloc(id_count, sizeof(*list));
	for (size_t i = 0; i < id_count && ret == 0; i++) {
		/* The transaction's snapshot holds every listed id. */
		if (store_principal_load(db, (int64_t)ids[i], &list[count], &error) < 0)
			ret = -1;
		else
			count++;
	}
	store_db_rollback(db);
	free(ids);
	if (ret < 0) {
		store_principal_list_free(&list, count);
		return -1;
	}
	*list_r = list;
	*count_r = count;
	return 0;
}
