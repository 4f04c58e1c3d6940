/* Reading the places cards and events left (the dav_gone table, which
 * triggers of the account schema fill). */

#include <stdlib.h>

#include "core/error.h"
#include "store/store_dav_gone.h"
#include "store/store_private.h"

static void store_dav_gone_clear(void *item)
{
	struct store_dav_gone *g = item;

	free(g->dav_name);
}

void store_dav_gone_list_free(struct store_dav_gone **list, size_t count)
{
	store_items_free(*list, count, sizeof(**list), store_dav_gone_clear);
	*list = NULL;
}

static void store_dav_gone_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_dav_gone *g = item;

	(void)context;
	g->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	g->collection_id = (uint64_t)sqlite3_column_int64(stmt, 1);
	g->dav_name = store_column_strdup(stmt, 2);
	g->modseq = (uint64_t)sqlite3_column_int64(stmt, 3);
}

int store_dav_gone_list(struct store_account *acct, enum store_type type, uint64_t since,
			uint64_t until, struct store_dav_gone **list_r, size_t *count_r,
			const char **error_r)
{
	static const char sql[] =
		"SELECT id, collection_id, dav_name, modseq FROM dav_gone"
		" WHERE type = ?1 AND modseq > ?2 AND modseq <= ?3 ORDER BY modseq";
	const struct store_rows rows = {
		sizeof(struct store_dav_gone), store_dav_gone_read, store_dav_gone_clear, NULL
	};
	sqlite3_stmt *stmt;
	void *list = NULL;

	*list_r = NULL;
	*count_r = 0;
	if (since > INT64_MAX || until > INT64_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "dav gone", "bad state");
		return -1;
	}
	if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int64(stmt, 2, (int64_t)since);
	sqlite3_bind_int64(stmt, 3, (int64_t)until);
	if (store_db_rows(&acct->db, stmt, "dav gone", &rows, &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}
