/* The DKIM keys of domain principals in the system database. */

#include <stdlib.h>
#include <string.h>

#include "store/store_dkim.h"
#include "store/store_private.h"

static void store_dkim_key_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_dkim_key *key = item;

	key->selector = store_column_strdup(stmt, 0);
	key->algorithm = sqlite3_column_int(stmt, 1);
	key->private_pem = store_column_strdup(stmt, 2);
	key->dns_txt = store_column_strdup(stmt, 3);
	key->created_at = (time_t)sqlite3_column_int64(stmt, 4);
}

static void store_dkim_key_clear(void *item)
{
	struct store_dkim_key *key = item;

	free(key->selector);
	if (key->private_pem != NULL)
		explicit_bzero(key->private_pem, strlen(key->private_pem));
	free(key->private_pem);
	free(key->dns_txt);
}

static const struct store_rows store_dkim_key_rows = {
	sizeof(struct store_dkim_key), store_dkim_key_read, store_dkim_key_clear, NULL
};

void store_dkim_keys_free(struct store_dkim_key **keys, size_t count)
{
	store_items_free(*keys, count, sizeof(**keys), store_dkim_key_clear);
	*keys = NULL;
}

int store_dkim_keys_get(struct store *store, uint32_t domain_id, struct store_dkim_key **keys_r,
			size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT selector, algorithm, private_pem, dns_txt, created_at FROM dkim_keys"
		" WHERE domain = ?1 ORDER BY algorithm, selector";
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;
	void *list = NULL;
	size_t count = 0;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, domain_id);
	if (store_db_rows(db, stmt, "dkim keys", &store_dkim_key_rows, &list, &count, error_r) < 0)
		return -1;
	*keys_r = list;
	*count_r = count;
	return 0;
}

/* 1 when domain_id is a principal without keys, 0 when it has keys,
 * -1 when it is not a principal or on error. */
static int store_dkim_keys_wanted(struct store_db *db, uint32_t domain_id, const char **error_r)
{
	static const char sql[] =
		"SELECT (SELECT COUNT(*) FROM dkim_keys WHERE domain = ?1)"
		" FROM principals WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, domain_id);
	if ((ret = store_db_row(db, stmt, "dkim keys", error_r)) < 0)
		return -1;
	if (ret == 0) {
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "dkim keys", "no such principal");
		return -1;
	}
	ret = sqlite3_column_int64(stmt, 0) == 0 ? 1 : 0;
	store_stmt_done(stmt);
	return ret;
}

static int store_dkim_keys_insert(struct store_db *db, uint32_t domain_id,
				  const struct store_dkim_key *keys, size_t count,
				  const char **error_r)
{
	static const char sql[] =
		"INSERT INTO dkim_keys (domain, selector, algorithm, private_pem, dns_txt,"
		" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < count; i++) {
		if ((stmt = store_db_stmt(db, sql, error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, domain_id);
		sqlite3_bind_text(stmt, 2, keys[i].selector, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, keys[i].algorithm);
		sqlite3_bind_text(stmt, 4, keys[i].private_pem, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, keys[i].dns_txt, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 6, (int64_t)keys[i].created_at);
		if (store_db_run(db, stmt, "dkim key add", error_r) < 0)
			return -1;
	}
	return 0;
}

int store_dkim_keys_add(struct store *store, uint32_t domain_id,
			const struct store_dkim_key *keys, size_t count, const char **error_r)
{
	struct store_db *db = store_sys(store, error_r);
	int ret;

	for (size_t i = 0; i < count; i++) {
		if (keys[i].selector == NULL || keys[i].private_pem == NULL ||
		    keys[i].dns_txt == NULL) {
			*error_r = store_fail(STORE_ERR_INTERNAL, "dkim key add", "incomplete key");
			return -1;
		}
	}
	if (db == NULL || store_db_begin(db, true, error_r) < 0)
		return -1;
	ret = store_dkim_keys_wanted(db, domain_id, error_r);
	if (ret > 0 && store_dkim_keys_insert(db, domain_id, keys, count, error_r) < 0)
		ret = -1;
	if (ret <= 0) {
		store_db_rollback(db);
		return ret;
	}
	return store_db_commit(db, error_r) < 0 ? -1 : 1;
}
