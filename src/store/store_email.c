/* Creating emails: the row, its model, threading keys, keywords,
 * memberships, full text, blob reference and the account's byte count,
 * all with cached statements so that a batch import stays cheap. */

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "store/store_mail_private.h"

void store_email_clear(struct store_email *e)
{
	free(e->message_id);
	store_strings_free(e->refs, e->ref_count);
	free(e->thread_subject);
	free(e->subject);
	free(e->from_sort);
	free(e->to_sort);
	free(e->preview);
	free(e->model);
	free(e->mailboxes);
	store_strings_free(e->keywords, e->keyword_count);
	memset(e, 0, sizeof(*e));
}

void store_email_list_free(struct store_email **listp, size_t count)
{
	struct store_email *list = *listp;

	if (list == NULL)
		return;
	*listp = NULL;
	for (size_t i = 0; i < count; i++)
		store_email_clear(&list[i]);
	free(list);
}

/* An id worth keeping as a threading key: bounded, no white space or
 * control characters (which also keeps the refs column splittable). */
static bool store_msgid_usable(const char *id)
{
	size_t len = id == NULL ? 0 : strlen(id);

	if (len == 0 || len > STORE_EMAIL_MAX_MSGID_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f)
			return false;
	}
	return true;
}

static bool store_keys_contain(char *const *keys, size_t count, const char *key)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(keys[i], key) == 0)
			return true;
	}
	return false;
}

/* The usable refs of e: all of them, or when there are too many the
 * first half (the thread's root) and the last (the nearest parents). */
static size_t store_email_refs_usable(const struct store_email *e, char **refs)
{
	size_t half = STORE_EMAIL_MAX_REFS / 2, count = 0;

	for (size_t i = 0; i < e->ref_count; i++) {
		if (e->ref_count > STORE_EMAIL_MAX_REFS && i >= half && i < e->ref_count - half)
			continue;
		if (store_msgid_usable(e->refs[i]) && !store_keys_contain(refs, count, e->refs[i]))
			refs[count++] = e->refs[i];
	}
	return count;
}

size_t store_email_keys(const struct store_email *e, char **keys, size_t max)
{
	size_t count = 0;

	if (max < STORE_EMAIL_MAX_REFS + 1)
		return 0;
	if (store_msgid_usable(e->message_id))
		keys[count++] = e->message_id;
	return count + store_email_refs_usable(e, keys + count);
}

void store_email_refs_parse(struct store_email *e, const char *text)
{
	const char *p = text, *end;
	size_t cap = 0;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		if (e->ref_count == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			e->refs = xrealloc(e->refs, cap * sizeof(char *));
		}
		e->refs[e->ref_count++] = xstrndup(p, (size_t)(end - p));
		p = *end == '\0' ? end : end + 1;
	}
}

/* The refs column: the usable refs joined by spaces, or NULL. */
static char *store_email_refs_text(const struct store_email *e)
{
	char *refs[STORE_EMAIL_MAX_REFS];
	size_t count = store_email_refs_usable(e, refs);
	struct strbuf b = { 0 };

	if (count == 0)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			strbuf_putc(&b, ' ');
		strbuf_puts(&b, refs[i]);
	}
	return strbuf_steal(&b);
}

static bool store_keywords_unread(char *const *keywords, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(keywords[i], "$seen") == 0 || strcmp(keywords[i], "$draft") == 0)
			return false;
	}
	return true;
}

bool store_email_unread(const struct store_email *e)
{
	return store_keywords_unread(e->keywords, e->keyword_count);
}

static void store_email_bind_text(sqlite3_stmt *stmt, int col, const char *text)
{
	if (text != NULL)
		sqlite3_bind_text(stmt, col, text, -1, SQLITE_STATIC);
}

static int store_email_insert_row(struct store_account *acct, struct store_email *e,
				  bool unread, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO emails (thread_id, received_at, sent_at, size, unread, has_attachment,"
		" modseq, blob_id, thread_subject, message_id, refs, subject, from_sort, to_sort,"
		" preview) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	char *refs = store_email_refs_text(e);
	int ret;

	if (stmt == NULL) {
		free(refs);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, (int64_t)e->thread_id);
	sqlite3_bind_int64(stmt, 2, e->received_at);
	sqlite3_bind_int64(stmt, 3, e->sent_at);
	sqlite3_bind_int64(stmt, 4, (int64_t)e->size);
	sqlite3_bind_int(stmt, 5, unread ? 1 : 0);
	sqlite3_bind_int(stmt, 6, e->has_attachment ? 1 : 0);
	sqlite3_bind_int64(stmt, 7, (int64_t)e->modseq);
	sqlite3_bind_text(stmt, 8, e->blob_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, e->thread_subject != NULL ? e->thread_subject : "", -1,
			  SQLITE_STATIC);
	store_email_bind_text(stmt, 10, e->message_id);
	store_email_bind_text(stmt, 11, refs);
	store_email_bind_text(stmt, 12, e->subject);
	store_email_bind_text(stmt, 13, e->from_sort);
	store_email_bind_text(stmt, 14, e->to_sort);
	store_email_bind_text(stmt, 15, e->preview);
	ret = store_db_run(&acct->db, stmt, "email insert", error_r);
	free(refs);
	if (ret == 0)
		e->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	return ret;
}

static int store_email_insert_model(struct store_account *acct, const struct store_email *e,
				    const char **error_r)
{
	static const char sql[] = "INSERT INTO email_models (email_id, model) VALUES (?1, ?2)";
	sqlite3_stmt *stmt;

	if (e->model == NULL)
		return 0;
	if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)e->id);
	sqlite3_bind_text(stmt, 2, e->model, -1, SQLITE_STATIC);
	return store_db_run(&acct->db, stmt, "email model", error_r);
}

int store_email_keywords_insert(struct store_account *acct, uint64_t email_id,
				char *const *keywords, size_t count, const char **error_r)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO email_keywords (email_id, keyword) VALUES (?1, ?2)";
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < count; i++) {
		if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
		sqlite3_bind_text(stmt, 2, keywords[i], -1, SQLITE_STATIC);
		if (store_db_run(&acct->db, stmt, "email keywords", error_r) < 0)
			return -1;
	}
	return 0;
}

int store_email_bytes_add(struct store_account *acct, int64_t delta, const char **error_r)
{
	static const char sql[] = "UPDATE account SET mail_bytes = max(0, mail_bytes + ?1)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, delta);
	return store_db_run(&acct->db, stmt, "mail bytes", error_r);
}

uint64_t store_email_used_bytes(struct store_account *acct)
{
	static const char sql[] = "SELECT mail_bytes FROM account";
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	uint64_t bytes = 0;

	if (stmt != NULL && store_db_row(&acct->db, stmt, "mail bytes", &error) > 0) {
		bytes = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return bytes;
}

static int store_email_check_fields(const struct store_email *e, const char **error_r)
{
	const char *problem = NULL;

	if (e->mailbox_count == 0)
		problem = "no mailbox";
	else if (e->size > INT64_MAX)
		problem = "size out of range";
	for (size_t i = 0; i < e->keyword_count && problem == NULL; i++) {
		if (e->keywords[i] == NULL)
			problem = "NULL keyword";
	}
	for (size_t i = 1; i < e->mailbox_count && problem == NULL; i++) {
		for (size_t j = 0; j < i; j++) {
			if (e->mailboxes[i].mailbox_id == e->mailboxes[j].mailbox_id)
				problem = "a mailbox given twice";
		}
	}
	if (problem == NULL)
		return 0;
	*error_r = store_fail(STORE_ERR_INTERNAL, "email create", problem);
	return -1;
}

/* Everything that can make the create fail is checked before it
 * writes anything. */
static int store_email_check_new(struct store_account *acct, const struct store_email *e,
				 const char **error_r)
{
	uint64_t size;
	int ret;

	if (store_txn_require_write(acct, "email create", error_r) < 0 ||
	    store_email_check_fields(e, error_r) < 0)
		return -1;
	for (size_t i = 0; i < e->mailbox_count; i++) {
		if (store_mailbox_check(acct, e->mailboxes[i].mailbox_id, error_r) < 0)
			return -1;
	}
	if ((ret = store_blob_stat(acct, e->blob_id, &size)) > 0)
		return 0;
	*error_r = ret < 0 ? store_fail(STORE_ERR_INTERNAL, "email create", "cannot read the blob") :
		   store_fail(STORE_ERR_NOT_FOUND, "email create", "no such blob");
	return -1;
}

/* Everything that hangs off the new row. */
static int store_email_attach(struct store_account *acct, struct store_email *e, bool unread,
			      char *const *keys, size_t key_count, const char **error_r)
{
	struct store_email_ref ref = { e->id, e->thread_id, e->received_at, unread };
	const char *subject = e->thread_subject != NULL ? e->thread_subject : "";

	if (store_email_insert_model(acct, e, error_r) < 0 ||
	    store_thread_keys_add(acct, e->id, subject, keys, key_count, error_r) < 0 ||
	    store_email_keywords_insert(acct, e->id, e->keywords, e->keyword_count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < e->mailbox_count; i++) {
		if (store_membership_add(acct, &ref, e->mailboxes[i].mailbox_id, e->modseq,
					 &e->mailboxes[i], error_r) < 0)
			return -1;
	}
	return store_blob_ref(acct, e->blob_id, 1, error_r) < 0 ||
	       store_email_bytes_add(acct, (int64_t)e->size, error_r) < 0 ? -1 : 0;
}

int store_mail_written(struct store_account *acct, int ret)
{
	if (ret < 0)
		store_txn_break(acct);
	return ret;
}

static int store_email_insert(struct store_account *acct, struct store_email *e,
			      const struct store_email_text *text, const char **error_r)
{
	char *keys[STORE_EMAIL_MAX_REFS + 1];
	size_t key_count = store_email_keys(e, keys, STORE_N_ELEMENTS(keys));
	bool unread = store_email_unread(e), created;
	const char *subject = e->thread_subject != NULL ? e->thread_subject : "";

	if (store_thread_assign(acct, subject, keys, key_count, &e->thread_id, &created,
				error_r) < 0 ||
	    (e->modseq = store_change_modseq(acct, "email create", error_r)) == 0 ||
	    store_email_insert_row(acct, e, unread, error_r) < 0 ||
	    store_email_attach(acct, e, unread, keys, key_count, error_r) < 0 ||
	    store_thread_touch(acct, e->thread_id, created, error_r) < 0 ||
	    (text != NULL && store_fts_insert(acct, e->id, text, error_r) < 0))
		return -1;
	return store_change_record(acct, STORE_TYPE_EMAIL, e->id, e->modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_email_create(struct store_account *acct, struct store_email *e,
		       const struct store_email_text *text, const char **error_r)
{
	if (store_email_check_new(acct, e, error_r) < 0)
		return -1;
	return store_mail_written(acct, store_email_insert(acct, e, text, error_r));
}
