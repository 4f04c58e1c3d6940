/* Sending identities of an account. */

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_objects_private.h"

#define STORE_IDENTITY_COLUMNS \
	"id, name, email, reply_to, bcc, text_signature, html_signature, is_default, modseq"

void store_identity_clear(struct store_identity *ident)
{
	free(ident->name);
	free(ident->email);
	free(ident->reply_to);
	free(ident->bcc);
	free(ident->text_signature);
	free(ident->html_signature);
	memset(ident, 0, sizeof(*ident));
}

void store_identity_list_free(struct store_identity **listp, size_t count)
{
	struct store_identity *list = *listp;

	if (list == NULL)
		return;
	*listp = NULL;
	for (size_t i = 0; i < count; i++)
		store_identity_clear(&list[i]);
	free(list);
}

static void store_identity_read(sqlite3_stmt *stmt, struct store_identity *ident)
{
	ident->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	ident->name = store_column_strdup(stmt, 1);
	ident->email = store_column_strdup(stmt, 2);
	ident->reply_to = store_column_strdup(stmt, 3);
	ident->bcc = store_column_strdup(stmt, 4);
	ident->text_signature = store_column_strdup(stmt, 5);
	ident->html_signature = store_column_strdup(stmt, 6);
	ident->is_default = sqlite3_column_int(stmt, 7) != 0;
	ident->modseq = (uint64_t)sqlite3_column_int64(stmt, 8);
}

int store_identity_list(struct store_account *acct, struct store_identity **list_r,
			size_t *count_r, const char **error_r)
{
	static const char sql[] = "SELECT " STORE_IDENTITY_COLUMNS " FROM identities ORDER BY id";
	struct store_identity *list = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	while ((ret = store_db_row(&acct->db, stmt, "identity list", error_r)) > 0) {
		if (count == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			list = xrealloc(list, cap * sizeof(*list));
		}
		store_identity_read(stmt, &list[count++]);
	}
	if (ret < 0) {
		store_identity_list_free(&list, count);
		return -1;
	}
	*list_r = list;
	*count_r = count;
	return 0;
}

/* Shared with the other object files (store_objects_private.h). */
uint64_t store_object_modseq(struct store_account *acct, const char *what,
			     const char **error_r)
{
	uint64_t modseq;

	if (store_txn_require_write(acct, what, error_r) < 0)
		return 0;
	modseq = store_modseq_next(acct);
	if (modseq == 0)
		*error_r = store_fail(STORE_ERR_INTERNAL, what, "cannot allocate a modseq");
	return modseq;
}

static bool store_identity_complete(const struct store_identity *ident)
{
	return ident->name != NULL && ident->email != NULL && ident->text_signature != NULL &&
	       ident->html_signature != NULL;
}

void store_bind_text_or_null(sqlite3_stmt *stmt, int col, const char *value)
{
	if (value != NULL)
		sqlite3_bind_text(stmt, col, value, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, col);
}

/* Binds ?1 name, ?2 reply_to, ?3 bcc, ?4 text, ?5 html signature. */
static void store_identity_bind(sqlite3_stmt *stmt, const struct store_identity *ident)
{
	store_bind_text_or_null(stmt, 1, ident->name);
	store_bind_text_or_null(stmt, 2, ident->reply_to);
	store_bind_text_or_null(stmt, 3, ident->bcc);
	store_bind_text_or_null(stmt, 4, ident->text_signature);
	store_bind_text_or_null(stmt, 5, ident->html_signature);
}

int store_identity_create(struct store_account *acct, struct store_identity *ident,
			  const char **error_r)
{
	static const char sql[] =
		"INSERT INTO identities (name, reply_to, bcc, text_signature, html_signature,"
		" email, is_default, modseq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_identity_complete(ident)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "identity create", "missing field");
		return -1;
	}
	if ((modseq = store_object_modseq(acct, "identity create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_identity_bind(stmt, ident);
	sqlite3_bind_text(stmt, 6, ident->email, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 7, ident->is_default ? 1 : 0);
	sqlite3_bind_int64(stmt, 8, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "identity create", error_r) < 0)
		return -1;
	ident->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	ident->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_IDENTITY, ident->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_identity_update(struct store_account *acct, struct store_identity *ident,
			  const char **error_r)
{
	static const char sql[] =
		"UPDATE identities SET name = ?1, reply_to = ?2, bcc = ?3, text_signature = ?4,"
		" html_signature = ?5, modseq = ?6 WHERE id = ?7";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_identity_complete(ident)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "identity update", "missing field");
		return -1;
	}
	if ((modseq = store_object_modseq(acct, "identity update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_identity_bind(stmt, ident);
	sqlite3_bind_int64(stmt, 6, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 7, (int64_t)ident->id);
	if (store_db_run(&acct->db, stmt, "identity update", error_r) < 0)
		return -1;
	if (sqlite3_changes(acct->db.handle) == 0) {
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "identity update", "no such identity");
		return -1;
	}
	ident->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_IDENTITY, ident->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_identity_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM identities WHERE id = ?1";
	uint64_t modseq = store_object_modseq(acct, "identity destroy", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run(&acct->db, stmt, "identity destroy", error_r) < 0)
		return -1;
	if (sqlite3_changes(acct->db.handle) == 0) {
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "identity destroy", "no such identity");
		return -1;
	}
	return store_change_record(acct, STORE_TYPE_IDENTITY, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}
