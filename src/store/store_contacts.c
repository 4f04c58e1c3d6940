/* Address books of an account. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/store_contacts_private.h"

#define STORE_ADDRESS_BOOK_COLUMNS \
	"id, name, description, sort_order, is_default, is_subscribed, dav_name," \
	" dead_props, modseq"

void store_address_book_clear(struct store_address_book *ab)
{
	free(ab->name);
	free(ab->description);
	free(ab->dav_name);
	free(ab->dead_props);
	memset(ab, 0, sizeof(*ab));
}

static void store_address_book_clear_item(void *item)
{
	store_address_book_clear(item);
}

void store_address_book_list_free(struct store_address_book **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_address_book_clear_item);
	*listp = NULL;
}

static void store_address_book_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_address_book *ab = item;

	ab->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	ab->name = store_column_strdup(stmt, 1);
	ab->description = store_column_strdup(stmt, 2);
	ab->sort_order = (uint32_t)sqlite3_column_int64(stmt, 3);
	ab->is_default = sqlite3_column_int(stmt, 4) != 0;
	ab->is_subscribed = sqlite3_column_int(stmt, 5) != 0;
	ab->dav_name = store_column_strdup(stmt, 6);
	ab->dead_props = store_column_strdup(stmt, 7);
	ab->modseq = (uint64_t)sqlite3_column_int64(stmt, 8);
}

static const struct store_rows store_address_book_rows = {
	sizeof(struct store_address_book), store_address_book_read,
	store_address_book_clear_item, NULL
};

int store_address_book_list(struct store_account *acct, struct store_address_book **list_r,
			    size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT " STORE_ADDRESS_BOOK_COLUMNS " FROM address_books ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL ||
	    store_db_rows(&acct->db, stmt, "address book list", &store_address_book_rows,
			  &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

int store_address_book_get(struct store_account *acct, uint64_t id,
			   struct store_address_book *ab_r)
{
	static const char sql[] =
		"SELECT " STORE_ADDRESS_BOOK_COLUMNS " FROM address_books WHERE id = ?1";
	return store_db_row_by_id(&acct->db, sql, id, "address book get", store_address_book_read, NULL,
				  ab_r);
}

static void store_address_book_bind(sqlite3_stmt *stmt, const struct store_address_book *ab)
{
	sqlite3_bind_text(stmt, 1, ab->name, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, ab->description);
	sqlite3_bind_int64(stmt, 3, ab->sort_order);
	sqlite3_bind_int(stmt, 4, ab->is_subscribed ? 1 : 0);
	sqlite3_bind_text(stmt, 5, ab->dav_name, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 6, ab->dead_props);
}

static bool store_address_book_valid(const struct store_address_book *ab, const char *what,
				     const char **error_r)
{
	if (ab->name != NULL && ab->dav_name != NULL)
		return true;
	*error_r = store_fail(STORE_ERR_INTERNAL, what, "no name or dav name");
	return false;
}

int store_address_book_create(struct store_account *acct, struct store_address_book *ab,
			      const char **error_r)
{
	static const char sql[] =
		"INSERT INTO address_books (name, description, sort_order, is_subscribed,"
		" dav_name, dead_props, is_default, created_modseq, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_address_book_valid(ab, "address book create", error_r) ||
	    (modseq = store_change_modseq(acct, "address book create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_address_book_bind(stmt, ab);
	sqlite3_bind_int(stmt, 7, ab->is_default ? 1 : 0);
	sqlite3_bind_int64(stmt, 8, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "address book create", error_r) < 0)
		return -1;
	ab->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	ab->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_ADDRESS_BOOK, ab->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_address_book_update(struct store_account *acct, struct store_address_book *ab,
			      const char **error_r)
{
	static const char sql[] =
		"UPDATE address_books SET name = ?1, description = ?2, sort_order = ?3,"
		" is_subscribed = ?4, dav_name = ?5, dead_props = ?6, modseq = ?7 WHERE id = ?8";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_address_book_valid(ab, "address book update", error_r) ||
	    (modseq = store_change_modseq(acct, "address book update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_address_book_bind(stmt, ab);
	sqlite3_bind_int64(stmt, 7, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 8, (int64_t)ab->id);
	if (store_db_run_one(&acct->db, stmt, "address book update", "no such address book",
			     error_r) < 0)
		return -1;
	ab->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_ADDRESS_BOOK, ab->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

/* Sets is_default of one address book; 1 if a row changed. */
static int store_address_book_flag_default(struct store_account *acct, uint64_t id,
					   bool value, const char **error_r)
{
	static const char sql[] =
		"UPDATE address_books SET is_default = ?1, modseq = ?2"
		" WHERE id = ?3 AND is_default != ?1";
	uint64_t modseq = store_change_modseq(acct, "address book default", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, value ? 1 : 0);
	sqlite3_bind_int64(stmt, 2, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 3, (int64_t)id);
	if (store_db_run(&acct->db, stmt, "address book default", error_r) < 0)
		return -1;
	if (sqlite3_changes(acct->db.handle) == 0)
		return 0;
	if (store_change_record(acct, STORE_TYPE_ADDRESS_BOOK, id, modseq,
				STORE_CHANGE_UPDATED, error_r) < 0)
		return -1;
	return 1;
}

/* The current default's id, 0 if none. */
static int store_address_book_default_id(struct store_account *acct, uint64_t *id_r,
					 const char **error_r)
{
	static const char sql[] = "SELECT id FROM address_books WHERE is_default = 1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	*id_r = 0;
	if (stmt == NULL)
		return -1;
	ret = store_db_row(&acct->db, stmt, "address book default", error_r);
	if (ret > 0) {
		*id_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret < 0 ? -1 : 0;
}

int store_address_book_set_default(struct store_account *acct, uint64_t id,
				   const char **error_r)
{
	struct store_address_book ab;
	uint64_t old;
	int ret;

	if ((ret = store_address_book_get(acct, id, &ab)) <= 0) {
		if (ret == 0)
			*error_r = store_fail(STORE_ERR_NOT_FOUND, "address book default",
					      "no such address book");
		else
			*error_r = "address book default: cannot read";
		return -1;
	}
	store_address_book_clear(&ab);
	if (store_address_book_default_id(acct, &old, error_r) < 0)
		return -1;
	if (old == id)
		return 0;
	if (old != 0 && store_address_book_flag_default(acct, old, false, error_r) < 0)
		return -1;
	return store_address_book_flag_default(acct, id, true, error_r) < 0 ? -1 : 0;
}

int store_address_book_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM address_books WHERE id = ?1";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (store_contact_cards_destroy_in(acct, id, error_r) < 0 ||
	    (modseq = store_change_modseq(acct, "address book destroy", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run_one(&acct->db, stmt, "address book destroy", "no such address book",
			     error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_ADDRESS_BOOK, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

int store_address_book_card_count(struct store_account *acct, uint64_t id, uint64_t *count_r,
				  const char **error_r)
{
	static const char sql[] =
		"SELECT count(*) FROM contact_cards WHERE address_book_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	ret = store_db_row(&acct->db, stmt, "address book card count", error_r);
	if (ret <= 0) {
		if (ret == 0)
			*error_r = store_fail(STORE_ERR_INTERNAL, "address book card count", "no row");
		return -1;
	}
	*count_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	return 0;
}
