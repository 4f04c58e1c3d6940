/* The outbound queue as the administrator sees it: every row with its
 * recipients, one row by id, and "retry now". */

#include <stdlib.h>
#include <string.h>

#include "store/store_queue_private.h"

static void store_queue_entry_clear_item(void *item)
{
	store_queue_entry_clear(item);
}

static void store_queue_row_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	(void)context;
	store_queue_read(stmt, item);
}

void store_queue_list_free(struct store_queue_entry **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_queue_entry_clear_item);
	*listp = NULL;
}

int store_queue_list(struct store *store, struct store_queue_entry **list_r, size_t *count_r,
		     const char **error_r)
{
	static const char sql[] =
		"SELECT " STORE_QUEUE_COLUMNS " FROM outbound_queue ORDER BY id";
	static const struct store_rows rows = {
		sizeof(struct store_queue_entry), store_queue_row_read,
		store_queue_entry_clear_item, NULL
	};
	struct store_db *db = store_sys(store, error_r);
	sqlite3_stmt *stmt;
	void *list = NULL;
	size_t count = 0;

	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL ||
	    store_db_rows(db, stmt, "queue list", &rows, &list, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (store_queue_read_rcpts(db, &((struct store_queue_entry *)list)[i],
					   error_r) < 0) {
			store_queue_list_free((struct store_queue_entry **)&list, count);
			return -1;
		}
	}
	*list_r = list;
	*count_r = count;
	return 0;
}

int store_queue_get_by_id(struct store *store, uint64_t id, struct store_queue_entry *e_r)
{
	static const char sql[] =
		"SELECT " STORE_QUEUE_COLUMNS " FROM outbound_queue WHERE id = ?1";
	const char *error;
	struct store_db *db = store_sys(store, &error);
	int ret;

	memset(e_r, 0, sizeof(*e_r));
	if (db == NULL)
		return -1;
	ret = store_db_row_by_id(db, sql, id, "queue get", store_queue_row_read, NULL, e_r);
	if (ret <= 0)
		return ret;
	if (store_queue_read_rcpts(db, e_r, &error) < 0) {
		store_queue_entry_clear(e_r);
		return -1;
	}
	return 1;
}

int store_queue_retry_now(struct store *store, uint64_t id, int64_t now, bool *sending_r,
			  const char **error_r)
{
	static const char sql[] =
		"UPDATE outbound_queue SET next_attempt_at = ?2 WHERE id = ?1 AND state = 0";
	struct store_db *db = store_sys(store, error_r);
	struct store_queue_entry e;
	sqlite3_stmt *stmt;
	int ret;

	*sending_r = false;
	if (db == NULL || (stmt = store_db_stmt(db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	sqlite3_bind_int64(stmt, 2, now);
	if (store_db_run(db, stmt, "queue retry", error_r) < 0)
		return -1;
	if (sqlite3_changes(db->handle) > 0)
		return 1;
	if ((ret = store_queue_get_by_id(store, id, &e)) > 0) {
		*sending_r = e.state == STORE_QUEUE_SENDING;
		store_queue_entry_clear(&e);
	}
	return ret < 0 ? -1 : 0;
}
