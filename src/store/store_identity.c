/* Sending identities of an account. */

#include <stdlib.h>
#include <string.h>

#include "store/store_objects.h"
#include "store/store_private.h"

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

static void store_identity_clear_item(void *item)
{
	store_identity_clear(item);
}

void store_identity_list_free(struct store_identity **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_identity_clear_item);
	*listp = NULL;
}

static void store_identity_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_identity *ident = item;

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

static const struct store_rows store_identity_rows = {
	sizeof(struct store_identity), store_identity_read, store_identity_clear_item, NULL
};

int store_identity_list(struct store_account *acct, struct store_identity **list_r,
			size_t *count_r, const char **error_r)
{
	static const char sql[] = "SELECT " STORE_IDENTITY_COLUMNS " FROM identities ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL ||
	    store_db_rows(&acct->db, stmt, "identity list", &store_identity_rows, &list, count_r,
			  error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

static bool store_identity_complete(const struct store_identity *ident)
{
	return ident->name != NULL && ident->email != NULL && ident->text_signature != NULL &&
	       ident->html_signature != NULL;
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
	if ((modseq = store_change_modseq(acct, "identity create", error_r)) == 0 ||
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
	if ((modseq = store_change_modseq(acct, "identity update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_identity_bind(stmt, ident);
	sqlite3_bind_int64(stmt, 6, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 7, (int64_t)ident->id);
	if (store_db_run_one(&acct->db, stmt, "identity update", "no such identity",
			     error_r) < 0)
		return -1;
	ident->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_IDENTITY, ident->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_identity_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM identities WHERE id = ?1";
	uint64_t modseq = store_change_modseq(acct, "identity destroy", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run_one(&acct->db, stmt, "identity destroy", "no such identity",
			     error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_IDENTITY, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}
