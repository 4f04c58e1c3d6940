/* The content of small blobs, kept in the account database: a row of
 * blob_contents that the blob's row names (blobs.content), written in
 * the transaction that records the blob, so it is as durable as the
 * rows naming it and needs no file, rename or sync of its own. The
 * contents are keyed by a growing rowid, not by the blob id: new ones
 * are appended to the end of the table instead of landing on random
 * pages of it. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/memfd.h"
#include "core/xalloc.h"
#include "store/store_private.h"

/* 1 if the blob recorded as blob_id has its content in the database. */
static int store_blob_inline_known(struct store_account *acct, const char *blob_id,
				   const char **error_r)
{
	static const char sql[] = "SELECT 1 FROM blobs WHERE id = ?1 AND content IS NOT NULL";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	if ((ret = store_db_row(&acct->db, stmt, "blob lookup", error_r)) > 0)
		store_stmt_done(stmt);
	return ret;
}

int store_blob_inline_put(struct store_account *acct, const char *blob_id, const void *data,
			  size_t len, int64_t *content_r, const char **error_r)
{
	static const char sql[] = "INSERT INTO blob_contents (data) VALUES (?1)";
	sqlite3_stmt *stmt;
	int ret;

	*content_r = 0;
	if (store_txn_require_write(acct, "blob store", error_r) < 0 ||
	    (ret = store_blob_inline_known(acct, blob_id, error_r)) != 0)
		return ret < 0 ? -1 : 0;
	if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	/* An empty blob is still a blob, not NULL. */
	sqlite3_bind_blob(stmt, 1, len > 0 ? data : "", (int)len, SQLITE_STATIC);
	if (store_db_run(&acct->db, stmt, "blob store", error_r) < 0)
		return -1;
	*content_r = sqlite3_last_insert_rowid(acct->db.handle);
	return 0;
}

/* 1 with stmt on the blob's row (its size in column 0, its content in
 * column 1 or NULL there; store_stmt_done() it), 0, -1. */
static int store_blob_inline_row(struct store_account *acct, const char *blob_id,
				 sqlite3_stmt **stmt_r, const char **error_r)
{
	static const char sql[] =
		"SELECT b.size, c.data FROM blobs b LEFT JOIN blob_contents c ON c.rowid = b.content"
		" WHERE b.id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	*stmt_r = stmt;
	return store_db_row(&acct->db, stmt, "blob read", error_r);
}

int store_blob_inline_open(struct store_account *acct, const char *blob_id, uint64_t *size_r,
			   int *fd_r, const char **error_r)
{
	sqlite3_stmt *stmt;
	int ret = store_blob_inline_row(acct, blob_id, &stmt, error_r);

	*fd_r = -1;
	if (ret <= 0)
		return ret;
	*size_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	if (sqlite3_column_type(stmt, 1) != SQLITE_NULL)
		*fd_r = memfd_from_data("tern-blob", sqlite3_column_blob(stmt, 1),
					(size_t)sqlite3_column_bytes(stmt, 1));
	if (sqlite3_column_type(stmt, 1) != SQLITE_NULL && *fd_r < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob open", strerror(errno));
		ret = -1;
	}
	store_stmt_done(stmt);
	return ret;
}

int store_blob_inline_read(struct store_account *acct, const char *blob_id, uint64_t *size_r,
			   void **data_r, size_t *len_r, const char **error_r)
{
	sqlite3_stmt *stmt;
	size_t len;
	char *data;
	int ret = store_blob_inline_row(acct, blob_id, &stmt, error_r);

	*data_r = NULL;
	if (ret <= 0)
		return ret;
	*size_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	if (sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
		len = (size_t)sqlite3_column_bytes(stmt, 1);
		data = xmalloc(len + 1);
		if (len > 0)
			memcpy(data, sqlite3_column_blob(stmt, 1), len);
		data[len] = '\0';
		*data_r = data;
		*len_r = len;
	}
	store_stmt_done(stmt);
	return 1;
}

int store_blob_inline_delete(struct store_account *acct, const char *blob_id,
			     const char **error_r)
{
	static const char sql[] =
		"DELETE FROM blob_contents WHERE rowid ="
		" (SELECT content FROM blobs WHERE id = ?1 AND refcount = 0)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	return store_db_run(&acct->db, stmt, "blob delete", error_r);
}
