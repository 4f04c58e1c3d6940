/* Reading emails: one, a page of them in one snapshot, and the emails
 * of a mailbox. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_mail_private.h"

static void store_email_read_row(sqlite3_stmt *stmt, struct store_email *e)
{
	const unsigned char *blob_id = sqlite3_column_text(stmt, 1);

	e->thread_id = (uint64_t)sqlite3_column_int64(stmt, 0);
	if (blob_id != NULL)
		snprintf(e->blob_id, sizeof(e->blob_id), "%s", (const char *)blob_id);
	e->size = (uint64_t)sqlite3_column_int64(stmt, 2);
	e->received_at = sqlite3_column_int64(stmt, 3);
	e->sent_at = sqlite3_column_int64(stmt, 4);
	e->message_id = store_column_strdup(stmt, 5);
	store_email_refs_parse(e, (const char *)sqlite3_column_text(stmt, 6));
	e->thread_subject = store_column_strdup(stmt, 7);
	e->subject = store_column_strdup(stmt, 8);
	e->from_sort = store_column_strdup(stmt, 9);
	e->to_sort = store_column_strdup(stmt, 10);
	e->preview = store_column_strdup(stmt, 11);
	e->has_attachment = sqlite3_column_int(stmt, 12) != 0;
	e->modseq = (uint64_t)sqlite3_column_int64(stmt, 13);
}

static int store_email_read_main(struct store_account *acct, uint64_t id, struct store_email *e,
				 const char **error_r)
{
	static const char sql[] =
		"SELECT thread_id, blob_id, size, received_at, sent_at, message_id, refs,"
		" thread_subject, subject, from_sort, to_sort, preview, has_attachment, modseq"
		" FROM emails WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	ret = store_db_row(&acct->db, stmt, "email get", error_r);
	if (ret > 0) {
		e->id = id;
		store_email_read_row(stmt, e);
		store_stmt_done(stmt);
	}
	return ret;
}

static int store_email_read_keywords(struct store_account *acct, struct store_email *e,
				     const char **error_r)
{
	static const char sql[] =
		"SELECT keyword FROM email_keywords WHERE email_id = ?1 ORDER BY keyword";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)e->id);
	return store_db_strings(&acct->db, stmt, "email keywords", &e->keywords,
				&e->keyword_count, error_r);
}

static int store_email_read_model(struct store_account *acct, struct store_email *e,
				  const char **error_r)
{
	static const char sql[] = "SELECT model FROM email_models WHERE email_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)e->id);
	ret = store_db_row(&acct->db, stmt, "email model", error_r);
	if (ret > 0) {
		e->model = store_column_strdup(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret < 0 ? -1 : 0;
}

int store_email_read(struct store_account *acct, uint64_t id, unsigned what,
			    struct store_email *e, const char **error_r)
{
	int ret;

	memset(e, 0, sizeof(*e));
	if (id > INT64_MAX)
		return 0;
	if ((ret = store_email_read_main(acct, id, e, error_r)) <= 0)
		return ret;
	if (store_email_read_keywords(acct, e, error_r) < 0 ||
	    store_membership_list(acct, id, &e->mailboxes, &e->mailbox_count, error_r) < 0 ||
	    ((what & STORE_EMAIL_WITH_MODEL) != 0 && store_email_read_model(acct, e, error_r) < 0)) {
		store_email_clear(e);
		return -1;
	}
	return 1;
}

int store_email_get(struct store_account *acct, uint64_t id, unsigned what,
		    struct store_email *e_r)
{
	const char *error;

	return store_email_read(acct, id, what, e_r, &error);
}

static int store_email_read_many(struct store_account *acct, const uint64_t *ids, size_t count,
				 unsigned what, struct store_email *list, const char **error_r)
{
	for (size_t i = 0; i < count; i++) {
		if (store_email_read(acct, ids[i], what, &list[i], error_r) < 0)
			return -1;
	}
	return 0;
}

/* Outside a transaction, the page is read in one snapshot. */
int store_email_get_many(struct store_account *acct, const uint64_t *ids, size_t count,
			 unsigned what, struct store_email **list_r, const char **error_r)
{
	struct store_email *list = xcalloc(count == 0 ? 1 : count, sizeof(*list));
	bool own = acct->txn == STORE_TXN_NONE;
	int ret;

	if (own && store_txn_begin(acct, false, error_r) < 0) {
		free(list);
		return -1;
	}
	ret = store_email_read_many(acct, ids, count, what, list, error_r);
	if (own)
		ret = store_txn_end(acct, true, ret, error_r);
	if (ret < 0) {
		store_email_list_free(&list, count);
		return -1;
	}
	*list_r = list;
	return 0;
}

static void store_ids_push(uint64_t **ids, size_t *count, size_t *cap, uint64_t id)
{
	if (*count == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		*ids = xrealloc(*ids, *cap * sizeof(**ids));
	}
	(*ids)[(*count)++] = id;
}

int store_mailbox_emails(struct store_account *acct, uint64_t mailbox_id, uint64_t **only_r,
			 size_t *only_count_r, uint64_t **shared_r, size_t *shared_count_r,
			 const char **error_r)
{
	static const char sql[] =
		"SELECT em.email_id, (SELECT count(*) FROM email_mailboxes x"
		"  WHERE x.email_id = em.email_id) FROM email_mailboxes em"
		" WHERE em.mailbox_id = ?1 ORDER BY em.uid";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	uint64_t *only = NULL, *shared = NULL;
	size_t only_count = 0, only_cap = 0, shared_count = 0, shared_cap = 0;
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	while ((ret = store_db_row(&acct->db, stmt, "mailbox emails", error_r)) > 0) {
		if (sqlite3_column_int64(stmt, 1) > 1)
			store_ids_push(&shared, &shared_count, &shared_cap,
				       (uint64_t)sqlite3_column_int64(stmt, 0));
		else
			store_ids_push(&only, &only_count, &only_cap,
				       (uint64_t)sqlite3_column_int64(stmt, 0));
	}
	if (ret < 0) {
		free(only);
		free(shared);
		return -1;
	}
	*only_r = only;
	*only_count_r = only_count;
	*shared_r = shared;
	*shared_count_r = shared_count;
	return 0;
}
