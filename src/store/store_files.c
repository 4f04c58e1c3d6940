/* The DAV file tree: folders and files, each file a blob reference. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/store_files.h"
#include "store/store_private.h"

#define STORE_FILE_COLUMNS \
	"id, parent_id, name, is_folder, blob_id, type, size, created_at, updated_at," \
	" dead_props, modseq"
/* Folders nest at most this deep: destroying walks the tree. */
#define STORE_FILE_MAX_DEPTH 64

void store_file_node_clear(struct store_file_node *node)
{
	free(node->name);
	free(node->blob_id);
	free(node->type);
	free(node->dead_props);
	memset(node, 0, sizeof(*node));
}

static void store_file_node_clear_item(void *item)
{
	store_file_node_clear(item);
}

void store_file_node_list_free(struct store_file_node **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_file_node_clear_item);
	*listp = NULL;
}

static void store_file_node_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_file_node *node = item;

	(void)context;
	node->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	node->parent_id = (uint64_t)sqlite3_column_int64(stmt, 1);
	node->name = store_column_strdup(stmt, 2);
	node->is_folder = sqlite3_column_int(stmt, 3) != 0;
	node->blob_id = store_column_strdup(stmt, 4);
	node->type = store_column_strdup(stmt, 5);
	node->size = (uint64_t)sqlite3_column_int64(stmt, 6);
	node->created_at = sqlite3_column_int64(stmt, 7);
	node->updated_at = sqlite3_column_int64(stmt, 8);
	node->dead_props = store_column_strdup(stmt, 9);
	node->modseq = (uint64_t)sqlite3_column_int64(stmt, 10);
}

static const struct store_rows store_file_node_rows = {
	sizeof(struct store_file_node), store_file_node_read, store_file_node_clear_item, NULL
};

int store_file_node_get(struct store_account *acct, uint64_t id,
			struct store_file_node *node_r)
{
	static const char sql[] = "SELECT " STORE_FILE_COLUMNS " FROM file_nodes WHERE id = ?1";

	return store_db_row_by_id(&acct->db, sql, id, "file get", store_file_node_read, NULL,
				  node_r);
}

static int store_file_rows(struct store_account *acct, sqlite3_stmt *stmt,
			   struct store_file_node **list_r, size_t *count_r, const char **error_r)
{
	void *list;

	if (store_db_rows(&acct->db, stmt, "file list", &store_file_node_rows, &list, count_r,
			  error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

int store_file_node_children(struct store_account *acct, uint64_t parent_id, const char *name,
			     struct store_file_node **list_r, size_t *count_r,
			     const char **error_r)
{
	static const char sql[] =
		"SELECT " STORE_FILE_COLUMNS " FROM file_nodes WHERE parent_id = ?1"
		" AND (?2 IS NULL OR name = ?2) ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)parent_id);
	store_bind_text_or_null(stmt, 2, name);
	return store_file_rows(acct, stmt, list_r, count_r, error_r);
}

int store_file_node_list(struct store_account *acct, struct store_file_node **list_r,
			 size_t *count_r, const char **error_r)
{
	static const char sql[] = "SELECT " STORE_FILE_COLUMNS " FROM file_nodes ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	return store_file_rows(acct, stmt, list_r, count_r, error_r);
}

static void store_file_node_bind(sqlite3_stmt *stmt, const struct store_file_node *node)
{
	sqlite3_bind_int64(stmt, 1, (int64_t)node->parent_id);
	sqlite3_bind_text(stmt, 2, node->name, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 3, node->is_folder ? NULL : node->blob_id);
	store_bind_text_or_null(stmt, 4, node->type);
	sqlite3_bind_int64(stmt, 5, (int64_t)node->size);
	sqlite3_bind_int64(stmt, 6, node->updated_at);
	store_bind_text_or_null(stmt, 7, node->dead_props);
}

static bool store_file_node_valid(const struct store_file_node *node, const char **error_r)
{
	if (node->name != NULL && (node->is_folder || node->blob_id != NULL))
		return true;
	*error_r = store_fail(STORE_ERR_INTERNAL, "file write", "no name or no blob");
	return false;
}

int store_file_node_create(struct store_account *acct, struct store_file_node *node,
			   const char **error_r)
{
	static const char sql[] =
		"INSERT INTO file_nodes (parent_id, name, blob_id, type, size, updated_at,"
		" dead_props, is_folder, created_at, created_modseq, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_file_node_valid(node, error_r) ||
	    (modseq = store_change_modseq(acct, "file create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_file_node_bind(stmt, node);
	sqlite3_bind_int(stmt, 8, node->is_folder ? 1 : 0);
	sqlite3_bind_int64(stmt, 9, node->created_at);
	sqlite3_bind_int64(stmt, 10, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "file create", error_r) < 0)
		return -1;
	node->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	node->modseq = modseq;
	if (!node->is_folder && store_blob_ref(acct, node->blob_id, 1, error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_DAV_FILE, node->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

/* Moves the blob reference from the old content to the new one. */
static int store_file_reref(struct store_account *acct, const struct store_file_node *node,
			    const char **error_r)
{
	struct store_file_node old;
	int ret = store_file_node_get(acct, node->id, &old);

	if (ret <= 0) {
		*error_r = store_fail(ret == 0 ? STORE_ERR_NOT_FOUND : STORE_ERR_INTERNAL,
				      "file update", "cannot read the node");
		return -1;
	}
	ret = 0;
	if (!old.is_folder && strcmp(old.blob_id, node->blob_id) != 0 &&
	    (store_blob_ref(acct, node->blob_id, 1, error_r) < 0 ||
	     store_blob_ref(acct, old.blob_id, -1, error_r) < 0))
		ret = -1;
	store_file_node_clear(&old);
	return ret;
}

int store_file_node_update(struct store_account *acct, struct store_file_node *node,
			   const char **error_r)
{
	static const char sql[] =
		"UPDATE file_nodes SET parent_id = ?1, name = ?2, blob_id = ?3, type = ?4,"
		" size = ?5, updated_at = ?6, dead_props = ?7, modseq = ?8 WHERE id = ?9";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_file_node_valid(node, error_r) || store_file_reref(acct, node, error_r) < 0 ||
	    (modseq = store_change_modseq(acct, "file update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_file_node_bind(stmt, node);
	sqlite3_bind_int64(stmt, 8, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 9, (int64_t)node->id);
	if (store_db_run(&acct->db, stmt, "file update", error_r) < 0)
		return -1;
	node->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_DAV_FILE, node->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

static int store_file_destroy_one(struct store_account *acct, const struct store_file_node *node,
				  const char **error_r)
{
	static const char sql[] = "DELETE FROM file_nodes WHERE id = ?1";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if ((modseq = store_change_modseq(acct, "file destroy", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)node->id);
	if (store_db_run_one(&acct->db, stmt, "file destroy", "no such file", error_r) < 0 ||
	    (!node->is_folder && store_blob_ref(acct, node->blob_id, -1, error_r) < 0))
		return -1;
	return store_change_record(acct, STORE_TYPE_DAV_FILE, node->id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

/* Children first, so that no node is ever left without its parent. */
static int store_file_destroy_tree(struct store_account *acct, const struct store_file_node *node,
				   unsigned depth, const char **error_r)
{
	struct store_file_node *list;
	size_t count;
	int ret = 0;

	if (depth > STORE_FILE_MAX_DEPTH) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "file destroy", "the tree is too deep");
		return -1;
	}
	if (node->is_folder) {
		if (store_file_node_children(acct, node->id, NULL, &list, &count, error_r) < 0)
			return -1;
		for (size_t i = 0; i < count && ret == 0; i++)
			ret = store_file_destroy_tree(acct, &list[i], depth + 1, error_r);
		store_file_node_list_free(&list, count);
	}
	return ret < 0 ? -1 : store_file_destroy_one(acct, node, error_r);
}

int store_file_node_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	struct store_file_node node;
	int ret = store_file_node_get(acct, id, &node);

	if (ret <= 0) {
		*error_r = store_fail(ret == 0 ? STORE_ERR_NOT_FOUND : STORE_ERR_INTERNAL,
				      "file destroy", "no such file");
		return -1;
	}
	ret = store_file_destroy_tree(acct, &node, 0, error_r);
	store_file_node_clear(&node);
	return ret;
}
