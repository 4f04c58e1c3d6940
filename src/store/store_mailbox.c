/* Mailboxes of an account. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/store_mail_private.h"

#define STORE_MAILBOX_COLUMNS \
	"id, parent_id, name, role, sort_order, is_subscribed, total_emails," \
	" unread_emails, total_threads, unread_threads, uid_validity, uid_next, modseq"

void store_mailbox_clear(struct store_mailbox *mb)
{
	free(mb->name);
	free(mb->role);
	memset(mb, 0, sizeof(*mb));
}

static void store_mailbox_clear_item(void *item)
{
	store_mailbox_clear(item);
}

void store_mailbox_list_free(struct store_mailbox **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_mailbox_clear_item);
	*listp = NULL;
}

static void store_mailbox_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_mailbox *mb = item;

	mb->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	mb->parent_id = (uint64_t)sqlite3_column_int64(stmt, 1);
	mb->name = store_column_strdup(stmt, 2);
	mb->role = store_column_strdup(stmt, 3);
	mb->sort_order = (uint32_t)sqlite3_column_int64(stmt, 4);
	mb->is_subscribed = sqlite3_column_int(stmt, 5) != 0;
	mb->total_emails = (uint32_t)sqlite3_column_int64(stmt, 6);
	mb->unread_emails = (uint32_t)sqlite3_column_int64(stmt, 7);
	mb->total_threads = (uint32_t)sqlite3_column_int64(stmt, 8);
	mb->unread_threads = (uint32_t)sqlite3_column_int64(stmt, 9);
	mb->uid_validity = (uint32_t)sqlite3_column_int64(stmt, 10);
	mb->uid_next = (uint32_t)sqlite3_column_int64(stmt, 11);
	mb->modseq = (uint64_t)sqlite3_column_int64(stmt, 12);
}

static const struct store_rows store_mailbox_rows = {
	sizeof(struct store_mailbox), store_mailbox_read, store_mailbox_clear_item, NULL
};

int store_mailbox_list(struct store_account *acct, struct store_mailbox **list_r,
		       size_t *count_r, const char **error_r)
{
	static const char sql[] = "SELECT " STORE_MAILBOX_COLUMNS " FROM mailboxes ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL ||
	    store_db_rows(&acct->db, stmt, "mailbox list", &store_mailbox_rows, &list, count_r,
			  error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

int store_mailbox_get(struct store_account *acct, uint64_t id, struct store_mailbox *mb_r)
{
	static const char sql[] = "SELECT " STORE_MAILBOX_COLUMNS " FROM mailboxes WHERE id = ?1";
	return store_db_row_by_id(&acct->db, sql, id, "mailbox get", store_mailbox_read, NULL,
				  mb_r);
}

/* IMAP needs a UIDVALIDITY never seen before in the account, even for a
 * mailbox recreated under an old name: the clock, or one past the last. */
static uint32_t store_uid_validity_next(struct store_account *acct, const char **error_r)
{
	static const char sql[] =
		"UPDATE account SET last_uid_validity = max(?1, last_uid_validity + 1)"
		" RETURNING last_uid_validity";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int64_t value;
	int ret;

	if (stmt == NULL)
		return 0;
	sqlite3_bind_int64(stmt, 1, (int64_t)time(NULL));
	ret = store_db_row(&acct->db, stmt, "uid validity", error_r);
	if (ret <= 0) {
		if (ret == 0)
			*error_r = store_fail(STORE_ERR_INTERNAL, "uid validity", "no account row");
		return 0;
	}
	value = sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	if (value <= 0 || value > UINT32_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "uid validity", "exhausted");
		return 0;
	}
	return (uint32_t)value;
}

static void store_mailbox_bind_fields(sqlite3_stmt *stmt, const struct store_mailbox *mb)
{
	if (mb->parent_id != 0)
		sqlite3_bind_int64(stmt, 1, (int64_t)mb->parent_id);
	sqlite3_bind_text(stmt, 2, mb->name, -1, SQLITE_STATIC);
	if (mb->role != NULL)
		sqlite3_bind_text(stmt, 3, mb->role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, mb->sort_order);
	sqlite3_bind_int(stmt, 5, mb->is_subscribed ? 1 : 0);
}

int store_mailbox_create(struct store_account *acct, struct store_mailbox *mb,
			 const char **error_r)
{
	static const char sql[] =
		"INSERT INTO mailboxes (parent_id, name, role, sort_order, is_subscribed,"
		" uid_validity, uid_next, created_modseq, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)";
	uint64_t modseq;
	uint32_t uid_validity;
	sqlite3_stmt *stmt;

	if (mb->name == NULL) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "mailbox create", "no name");
		return -1;
	}
	if ((modseq = store_change_modseq(acct, "mailbox create", error_r)) == 0 ||
	    (uid_validity = store_uid_validity_next(acct, error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_mailbox_bind_fields(stmt, mb);
	sqlite3_bind_int64(stmt, 6, uid_validity);
	sqlite3_bind_int64(stmt, 7, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "mailbox create", error_r) < 0)
		return -1;
	mb->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	mb->uid_validity = uid_validity;
	mb->uid_next = 1;
	mb->modseq = modseq;
	mb->total_emails = mb->unread_emails = 0;
	mb->total_threads = mb->unread_threads = 0;
	return store_change_record(acct, STORE_TYPE_MAILBOX, mb->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_mailbox_update(struct store_account *acct, struct store_mailbox *mb,
			 const char **error_r)
{
	static const char sql[] =
		"UPDATE mailboxes SET parent_id = ?1, name = ?2, role = ?3, sort_order = ?4,"
		" is_subscribed = ?5, modseq = ?6 WHERE id = ?7";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (mb->name == NULL) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "mailbox update", "no name");
		return -1;
	}
	if ((modseq = store_change_modseq(acct, "mailbox update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_mailbox_bind_fields(stmt, mb);
	sqlite3_bind_int64(stmt, 6, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 7, (int64_t)mb->id);
	if (store_db_run_one(&acct->db, stmt, "mailbox update", "no such mailbox", error_r) < 0)
		return -1;
	mb->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_MAILBOX, mb->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_mailbox_check(struct store_account *acct, uint64_t mailbox_id, const char **error_r)
{
	static const char sql[] = "SELECT 1 FROM mailboxes WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	ret = store_db_row(&acct->db, stmt, "mailbox check", error_r);
	if (ret > 0) {
		store_stmt_done(stmt);
		return 0;
	}
	if (ret == 0)
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "mailbox", "no such mailbox");
	return -1;
}

static int store_mailbox_delete(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM mailboxes WHERE id = ?1";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (store_mailbox_drop_emails(acct, id, error_r) < 0 ||
	    store_imap_expunges_drop(acct, id, error_r) < 0 ||
	    (modseq = store_change_modseq(acct, "mailbox destroy", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run(&acct->db, stmt, "mailbox destroy", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_MAILBOX, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

static int store_mailbox_check_leaf(struct store_account *acct, uint64_t id,
				    const char **error_r)
{
	static const char sql[] = "SELECT 1 FROM mailboxes WHERE parent_id = ?1 LIMIT 1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if ((ret = store_db_row(&acct->db, stmt, "mailbox children", error_r)) == 0)
		return 0;
	if (ret > 0) {
		store_stmt_done(stmt);
		*error_r = store_fail(STORE_ERR_INTERNAL, "mailbox destroy", "it has children");
	}
	return -1;
}

/* The emails only in the mailbox go, the others leave it, before the
 * mailbox takes its last modseq. */
int store_mailbox_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	if (store_txn_require_write(acct, "mailbox destroy", error_r) < 0 ||
	    store_mailbox_check(acct, id, error_r) < 0 ||
	    store_mailbox_check_leaf(acct, id, error_r) < 0)
		return -1;
	return store_mail_written(acct, store_mailbox_delete(acct, id, error_r));
}

static void store_mailbox_bind_delta(sqlite3_stmt *stmt, const struct store_mailbox_delta *d)
{
	sqlite3_bind_int64(stmt, 1, d->total_emails);
	sqlite3_bind_int64(stmt, 2, d->unread_emails);
	sqlite3_bind_int64(stmt, 3, d->total_threads);
	sqlite3_bind_int64(stmt, 4, d->unread_threads);
}

/* The UID the last counts update took: uid_next moved past it. */
static int store_mailbox_last_uid(struct store_account *acct, uint64_t mailbox_id,
				  uint32_t *uid_r, const char **error_r)
{
	static const char sql[] = "SELECT uid_next - 1 FROM mailboxes WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int64_t uid = 0;
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	if ((ret = store_db_row(&acct->db, stmt, "mailbox uid", error_r)) < 0)
		return -1;
	if (ret > 0) {
		uid = sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	if (uid <= 0 || uid > UINT32_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "mailbox counts", "UIDs exhausted");
		return -1;
	}
	*uid_r = (uint32_t)uid;
	return 0;
}

/* An UPDATE and a SELECT rather than UPDATE ... RETURNING, which costs
 * a temporary table each time. */
int store_mailbox_counts_add(struct store_account *acct, uint64_t mailbox_id,
			     const struct store_mailbox_delta *d, uint32_t *uid_r,
			     const char **error_r)
{
	static const char sql[] =
		"UPDATE mailboxes SET total_emails = total_emails + ?1,"
		" unread_emails = unread_emails + ?2, total_threads = total_threads + ?3,"
		" unread_threads = unread_threads + ?4, uid_next = uid_next + ?5, modseq = ?6"
		" WHERE id = ?7";
	uint64_t modseq = store_change_modseq(acct, "mailbox counts", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_mailbox_bind_delta(stmt, d);
	sqlite3_bind_int(stmt, 5, uid_r != NULL ? 1 : 0);
	sqlite3_bind_int64(stmt, 6, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 7, (int64_t)mailbox_id);
	if (store_db_run_one(&acct->db, stmt, "mailbox counts", "no such mailbox", error_r) < 0 ||
	    (uid_r != NULL && store_mailbox_last_uid(acct, mailbox_id, uid_r, error_r) < 0))
		return -1;
	return store_change_record(acct, STORE_TYPE_MAILBOX, mailbox_id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}
