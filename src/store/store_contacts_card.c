/* Contact cards: the vCard text as sent, its ETag, and search fields. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/xalloc.h"
#include "store/store_contacts_private.h"

/* The search columns, in enum store_card_field order. */
#define STORE_CARD_FIELD_COLUMNS \
	"full_name, given, surname, surname2, names, nicknames, organizations," \
	" emails, phones, online, addresses, notes, members, search_text"
#define STORE_CARD_COLUMNS \
	"id, address_book_id, uid, dav_name, etag, kind, created_at, updated_at, modseq, " \
	STORE_CARD_FIELD_COLUMNS
/* Index of the first search column in STORE_CARD_COLUMNS. */
#define STORE_CARD_FIELD_FIRST 9

void store_contact_card_clear(struct store_contact_card *card)
{
	free(card->uid);
	free(card->dav_name);
	free(card->vcard);
	free(card->kind);
	for (size_t i = 0; i < STORE_CARD_FIELD__COUNT; i++)
		free(card->fields[i]);
	memset(card, 0, sizeof(*card));
}

static void store_card_clear_item(void *item)
{
	store_contact_card_clear(item);
}

void store_contact_card_list_free(struct store_contact_card **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_card_clear_item);
	*listp = NULL;
}

static void store_card_read_text(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	out[0] = '\0';
	if (s != NULL) {
		strncpy(out, (const char *)s, size - 1);
		out[size - 1] = '\0';
	}
}

/* context: the unsigned STORE_CARD_WITH_* flags of the statement. */
static void store_card_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_contact_card *card = item;
	unsigned what = *(const unsigned *)context;

	card->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	card->address_book_id = (uint64_t)sqlite3_column_int64(stmt, 1);
	card->uid = store_column_strdup(stmt, 2);
	card->dav_name = store_column_strdup(stmt, 3);
	store_card_read_text(stmt, 4, card->etag, sizeof(card->etag));
	card->kind = store_column_strdup(stmt, 5);
	card->created_at = sqlite3_column_int64(stmt, 6);
	card->updated_at = sqlite3_column_int64(stmt, 7);
	card->modseq = (uint64_t)sqlite3_column_int64(stmt, 8);
	for (int i = 0; i < STORE_CARD_FIELD__COUNT; i++)
		card->fields[i] = store_column_strdup(stmt, STORE_CARD_FIELD_FIRST + i);
	if ((what & STORE_CARD_WITH_VCARD) != 0) {
		int col = STORE_CARD_FIELD_FIRST + STORE_CARD_FIELD__COUNT;
		size_t len = (size_t)sqlite3_column_bytes(stmt, col);
		const void *data = sqlite3_column_blob(stmt, col);

		card->vcard = xmalloc(len + 1);
		if (len > 0)
			memcpy(card->vcard, data, len);
		card->vcard[len] = '\0';
		card->vcard_len = len;
	}
}

int store_contact_card_get(struct store_account *acct, uint64_t id, unsigned what,
			   struct store_contact_card *card_r)
{
	static const char sql_meta[] =
		"SELECT " STORE_CARD_COLUMNS " FROM contact_cards WHERE id = ?1";
	static const char sql_full[] =
		"SELECT " STORE_CARD_COLUMNS ", vcard FROM contact_cards WHERE id = ?1";
	const char *sql = (what & STORE_CARD_WITH_VCARD) != 0 ? sql_full : sql_meta;

	return store_db_row_by_id(&acct->db, sql, id, "card get", store_card_read, &what, card_r);
}

static sqlite3_stmt *store_card_list_stmt(struct store_account *acct, uint64_t book,
					  unsigned what, const char **error_r)
{
	static const char sql_all[] =
		"SELECT " STORE_CARD_COLUMNS " FROM contact_cards ORDER BY id";
	static const char sql_all_full[] =
		"SELECT " STORE_CARD_COLUMNS ", vcard FROM contact_cards ORDER BY id";
	static const char sql_book[] =
		"SELECT " STORE_CARD_COLUMNS " FROM contact_cards"
		" WHERE address_book_id = ?1 ORDER BY id";
	static const char sql_book_full[] =
		"SELECT " STORE_CARD_COLUMNS ", vcard FROM contact_cards"
		" WHERE address_book_id = ?1 ORDER BY id";
	bool full = (what & STORE_CARD_WITH_VCARD) != 0;
	sqlite3_stmt *stmt;

	if (book == 0)
		return store_db_stmt(&acct->db, full ? sql_all_full : sql_all, error_r);
	stmt = store_db_stmt(&acct->db, full ? sql_book_full : sql_book, error_r);
	if (stmt != NULL)
		sqlite3_bind_int64(stmt, 1, (int64_t)book);
	return stmt;
}

int store_contact_card_list(struct store_account *acct, uint64_t address_book_id,
			    unsigned what, struct store_contact_card **list_r, size_t *count_r,
			    const char **error_r)
{
	const struct store_rows rows = {
		sizeof(struct store_contact_card), store_card_read, store_card_clear_item, &what
	};
	sqlite3_stmt *stmt = store_card_list_stmt(acct, address_book_id, what, error_r);
	void *list;

	if (stmt == NULL ||
	    store_db_rows(&acct->db, stmt, "card list", &rows, &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

static int store_card_find(struct store_account *acct, const char *sql, uint64_t book,
			   const char *value, uint64_t *id_r)
{
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)book);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	ret = store_db_row(&acct->db, stmt, "card find", &error);
	if (ret > 0) {
		*id_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

int store_contact_card_find_uid(struct store_account *acct, uint64_t address_book_id,
				const char *uid, uint64_t *id_r)
{
	static const char sql[] =
		"SELECT id FROM contact_cards WHERE address_book_id = ?1 AND uid = ?2";

	return store_card_find(acct, sql, address_book_id, uid, id_r);
}

int store_contact_card_find_dav_name(struct store_account *acct, uint64_t address_book_id,
				     const char *dav_name, uint64_t *id_r)
{
	static const char sql[] =
		"SELECT id FROM contact_cards WHERE address_book_id = ?1 AND dav_name = ?2";

	return store_card_find(acct, sql, address_book_id, dav_name, id_r);
}

static bool store_card_valid(const struct store_contact_card *card, const char *what,
			     const char **error_r)
{
	if (card->uid != NULL && card->dav_name != NULL && card->vcard != NULL &&
	    card->address_book_id != 0)
		return true;
	*error_r = store_fail(STORE_ERR_INTERNAL, what, "incomplete card");
	return false;
}

static void store_card_etag(struct store_contact_card *card)
{
	uint8_t digest[SHA256_LEN];

	sha256(card->vcard, card->vcard_len, digest);
	hex_encode(digest, sizeof(digest), card->etag);
}

/* Binds ?1..?8 (book, uid, dav name, vcard, etag, kind, created,
 * updated) and the fields from ?9 on. */
static void store_card_bind(sqlite3_stmt *stmt, const struct store_contact_card *card)
{
	sqlite3_bind_int64(stmt, 1, (int64_t)card->address_book_id);
	sqlite3_bind_text(stmt, 2, card->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, card->dav_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, card->vcard, (int)card->vcard_len, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, card->etag, -1, SQLITE_STATIC);
	if (card->kind != NULL)
		sqlite3_bind_text(stmt, 6, card->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, card->created_at);
	sqlite3_bind_int64(stmt, 8, card->updated_at);
	for (int i = 0; i < STORE_CARD_FIELD__COUNT; i++) {
		if (card->fields[i] != NULL)
			sqlite3_bind_text(stmt, 9 + i, card->fields[i], -1, SQLITE_STATIC);
	}
}

/* The parameter after the fields (?23) holds the modseq. */
#define STORE_CARD_PARAM_MODSEQ (9 + STORE_CARD_FIELD__COUNT)

static bool store_card_size_ok(const struct store_contact_card *card, const char *what,
			       const char **error_r)
{
	if (card->vcard_len <= INT32_MAX)
		return true;
	*error_r = store_fail(STORE_ERR_INTERNAL, what, "vCard too large");
	return false;
}

int store_contact_card_create(struct store_account *acct, struct store_contact_card *card,
			      const char **error_r)
{
	static const char sql[] =
		"INSERT INTO contact_cards (address_book_id, uid, dav_name, vcard, etag, kind,"
		" created_at, updated_at, " STORE_CARD_FIELD_COLUMNS ", created_modseq, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?23)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_card_valid(card, "card create", error_r) ||
	    !store_card_size_ok(card, "card create", error_r) ||
	    (modseq = store_change_modseq(acct, "card create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_card_etag(card);
	store_card_bind(stmt, card);
	sqlite3_bind_int64(stmt, STORE_CARD_PARAM_MODSEQ, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "card create", error_r) < 0)
		return -1;
	card->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	card->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_CONTACT_CARD, card->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_contact_card_update(struct store_account *acct, struct store_contact_card *card,
			      const char **error_r)
{
	static const char sql[] =
		"UPDATE contact_cards SET address_book_id = ?1, uid = ?2, dav_name = ?3,"
		" vcard = ?4, etag = ?5, kind = ?6, created_at = ?7, updated_at = ?8,"
		" full_name = ?9, given = ?10, surname = ?11, surname2 = ?12, names = ?13,"
		" nicknames = ?14, organizations = ?15, emails = ?16, phones = ?17, online = ?18,"
		" addresses = ?19, notes = ?20, members = ?21, search_text = ?22, modseq = ?23"
		" WHERE id = ?24";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_card_valid(card, "card update", error_r) ||
	    !store_card_size_ok(card, "card update", error_r) ||
	    (modseq = store_change_modseq(acct, "card update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_card_etag(card);
	store_card_bind(stmt, card);
	sqlite3_bind_int64(stmt, STORE_CARD_PARAM_MODSEQ, (int64_t)modseq);
	sqlite3_bind_int64(stmt, STORE_CARD_PARAM_MODSEQ + 1, (int64_t)card->id);
	if (store_db_run_one(&acct->db, stmt, "card update", "no such card", error_r) < 0)
		return -1;
	card->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_CONTACT_CARD, card->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_contact_card_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM contact_cards WHERE id = ?1";
	uint64_t modseq = store_change_modseq(acct, "card destroy", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run_one(&acct->db, stmt, "card destroy", "no such card", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_CONTACT_CARD, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

/* The ids first, then one destroy each: a statement stepping over the
 * table must not run while rows are deleted from it. */
int store_contact_cards_destroy_in(struct store_account *acct, uint64_t address_book_id,
				   const char **error_r)
{
	static const char sql[] = "SELECT id FROM contact_cards WHERE address_book_id = ?1";
	uint64_t *ids;
	size_t count;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret = 0;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)address_book_id);
	if (store_db_ids(&acct->db, stmt, "cards of book", &ids, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; ret == 0 && i < count; i++)
		ret = store_contact_card_destroy(acct, ids[i], error_r);
	free(ids);
	return ret < 0 ? -1 : 0;
}
