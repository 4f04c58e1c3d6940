/* Changing emails: keywords, mailboxes, destroy, and the emails of a
 * mailbox being destroyed. */

#include <stdlib.h>
#include <string.h>

#include "store/store_mail_private.h"

/* Reads the email a write is about; 0 if there is none. */
static int store_email_load(struct store_account *acct, uint64_t id, const char *what,
			    struct store_email *e, const char **error_r)
{
	int ret;

	if (store_txn_require_write(acct, what, error_r) < 0)
		return -1;
	ret = store_email_read(acct, id, 0, e, error_r);
	if (ret == 0)
		*error_r = store_fail(STORE_ERR_NOT_FOUND, what, "no such email");
	return ret;
}

static void store_email_ref_of(const struct store_email *e, struct store_email_ref *ref)
{
	ref->id = e->id;
	ref->thread_id = e->thread_id;
	ref->received_at = e->received_at;
	ref->unread = store_email_unread(e);
}

/* The email row takes modseq and the email a change record. */
static int store_email_updated(struct store_account *acct, uint64_t id, uint64_t modseq,
			       int unread, const char **error_r)
{
	static const char sql[] =
		"UPDATE emails SET modseq = ?2, unread = coalesce(?3, unread) WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	sqlite3_bind_int64(stmt, 2, (int64_t)modseq);
	if (unread >= 0)
		sqlite3_bind_int(stmt, 3, unread);
	if (store_db_run(&acct->db, stmt, "email update", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_EMAIL, id, modseq, STORE_CHANGE_UPDATED,
				   error_r);
}

static bool store_strings_contain(char *const *list, size_t count, const char *s)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(list[i], s) == 0)
			return true;
	}
	return false;
}

static bool store_keywords_same(const struct store_email *e, char *const *keywords,
				size_t count)
{
	size_t distinct = 0;

	for (size_t i = 0; i < count; i++) {
		if (!store_strings_contain(e->keywords, e->keyword_count, keywords[i]))
			return false;
		if (!store_strings_contain(keywords, i, keywords[i]))
			distinct++;
	}
	return distinct == e->keyword_count;
}

static int store_email_keywords_replace(struct store_account *acct, uint64_t id,
					char *const *keywords, size_t count,
					const char **error_r)
{
	static const char sql[] = "DELETE FROM email_keywords WHERE email_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run(&acct->db, stmt, "email keywords", error_r) < 0)
		return -1;
	return store_email_keywords_insert(acct, id, keywords, count, error_r);
}

static int store_email_keywords_apply(struct store_account *acct, const struct store_email *e,
				      char *const *keywords, size_t count,
				      const char **error_r)
{
	struct store_email_ref ref;
	bool unread = true;
	uint64_t modseq;

	for (size_t i = 0; i < count; i++) {
		if (strcmp(keywords[i], "$seen") == 0 || strcmp(keywords[i], "$draft") == 0)
			unread = false;
	}
	store_email_ref_of(e, &ref);
	if ((modseq = store_change_modseq(acct, "email keywords", error_r)) == 0 ||
	    store_email_keywords_replace(acct, e->id, keywords, count, error_r) < 0 ||
	    (unread != ref.unread &&
	     store_membership_unread(acct, &ref, unread ? 1 : -1, error_r) < 0) ||
	    store_membership_touch(acct, e->id, modseq, error_r) < 0)
		return -1;
	return store_email_updated(acct, e->id, modseq, unread ? 1 : 0, error_r);
}

static int store_keywords_check(char *const *keywords, size_t count, const char **error_r)
{
	for (size_t i = 0; i < count; i++) {
		if (keywords[i] == NULL) {
			*error_r = store_fail(STORE_ERR_INTERNAL, "email keywords", "NULL keyword");
			return -1;
		}
	}
	return 0;
}

int store_email_set_keywords(struct store_account *acct, uint64_t id, char *const *keywords,
			     size_t count, const char **error_r)
{
	struct store_email e;
	int ret;

	if (store_keywords_check(keywords, count, error_r) < 0 ||
	    store_email_load(acct, id, "email keywords", &e, error_r) <= 0)
		return -1;
	ret = store_keywords_same(&e, keywords, count) ? 0 :
	      store_mail_written(acct, store_email_keywords_apply(acct, &e, keywords, count,
								   error_r));
	store_email_clear(&e);
	return ret;
}

static bool store_ids_contain(const uint64_t *ids, size_t count, uint64_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

static bool store_email_in(const struct store_email *e, uint64_t mailbox_id)
{
	for (size_t i = 0; i < e->mailbox_count; i++) {
		if (e->mailboxes[i].mailbox_id == mailbox_id)
			return true;
	}
	return false;
}

/* Leaves the mailboxes not in ids, joins those of ids it is not in. */
static int store_email_mailboxes_apply(struct store_account *acct, const struct store_email *e,
				       const uint64_t *ids, size_t count, uint64_t modseq,
				       const char **error_r)
{
	struct store_email_ref ref;
	struct store_email_mailbox m;

	store_email_ref_of(e, &ref);
	for (size_t i = 0; i < e->mailbox_count; i++) {
		if (!store_ids_contain(ids, count, e->mailboxes[i].mailbox_id) &&
		    store_membership_remove(acct, &ref, e->mailboxes[i].mailbox_id, modseq,
					    error_r) < 0)
			return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (store_email_in(e, ids[i]) || store_ids_contain(ids, i, ids[i]))
			continue;
		if (store_membership_add(acct, &ref, ids[i], modseq, &m, error_r) < 0)
			return -1;
	}
	return store_email_updated(acct, e->id, modseq, -1, error_r);
}

static bool store_mailboxes_same(const struct store_email *e, const uint64_t *ids, size_t count)
{
	size_t distinct = 0;

	for (size_t i = 0; i < count; i++) {
		if (!store_email_in(e, ids[i]))
			return false;
		if (!store_ids_contain(ids, i, ids[i]))
			distinct++;
	}
	return distinct == e->mailbox_count;
}

/* The mailboxes the email would join exist. */
static int store_email_mailboxes_check(struct store_account *acct, const struct store_email *e,
				       const uint64_t *ids, size_t count, const char **error_r)
{
	for (size_t i = 0; i < count; i++) {
		if (!store_email_in(e, ids[i]) && store_mailbox_check(acct, ids[i], error_r) < 0)
			return -1;
	}
	return 0;
}

static int store_email_mailboxes_move(struct store_account *acct, const struct store_email *e,
				      const uint64_t *ids, size_t count, const char **error_r)
{
	uint64_t modseq = store_change_modseq(acct, "email mailboxes", error_r);

	if (modseq == 0)
		return -1;
	return store_email_mailboxes_apply(acct, e, ids, count, modseq, error_r);
}

int store_email_set_mailboxes(struct store_account *acct, uint64_t id,
			      const uint64_t *mailbox_ids, size_t count, const char **error_r)
{
	struct store_email e;
	int ret;

	if (count == 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "email mailboxes", "no mailbox");
		return -1;
	}
	if (store_email_load(acct, id, "email mailboxes", &e, error_r) <= 0)
		return -1;
	if (store_mailboxes_same(&e, mailbox_ids, count))
		ret = 0;
	else if (store_email_mailboxes_check(acct, &e, mailbox_ids, count, error_r) < 0)
		ret = -1;
	else
		ret = store_mail_written(acct, store_email_mailboxes_move(acct, &e, mailbox_ids,
									 count, error_r));
	store_email_clear(&e);
	return ret;
}

static int store_email_delete_rows(struct store_account *acct, uint64_t id,
				   const char **error_r)
{
	static const char *const sqls[] = {
		"DELETE FROM email_keywords WHERE email_id = ?1",
		"DELETE FROM email_models WHERE email_id = ?1",
		"DELETE FROM emails WHERE id = ?1",
	};
	sqlite3_stmt *stmt;

	for (size_t i = 0; i < STORE_N_ELEMENTS(sqls); i++) {
		if ((stmt = store_db_stmt(&acct->db, sqls[i], error_r)) == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, (int64_t)id);
		if (store_db_run(&acct->db, stmt, "email destroy", error_r) < 0)
			return -1;
	}
	return store_fts_delete(acct, id, error_r);
}

static int store_email_remove(struct store_account *acct, const struct store_email *e,
			      const char **error_r)
{
	char *keys[STORE_EMAIL_MAX_REFS + 1];
	size_t key_count = store_email_keys(e, keys, STORE_N_ELEMENTS(keys));
	struct store_email_ref ref;
	uint64_t modseq;

	store_email_ref_of(e, &ref);
	if ((modseq = store_change_modseq(acct, "email destroy", error_r)) == 0)
		return -1;
	for (size_t i = 0; i < e->mailbox_count; i++) {
		if (store_membership_remove(acct, &ref, e->mailboxes[i].mailbox_id, modseq,
					    error_r) < 0)
			return -1;
	}
	if (store_thread_keys_remove(acct, e->id, e->thread_subject != NULL ? e->thread_subject : "",
				     keys, key_count, error_r) < 0 ||
	    store_email_delete_rows(acct, e->id, error_r) < 0 ||
	    store_thread_touch(acct, e->thread_id, false, error_r) < 0 ||
	    store_blob_ref(acct, e->blob_id, -1, error_r) < 0 ||
	    store_email_bytes_add(acct, -(int64_t)e->size, error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_EMAIL, e->id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

int store_email_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	struct store_email e;
	int ret;

	if (store_email_load(acct, id, "email destroy", &e, error_r) <= 0)
		return -1;
	ret = store_mail_written(acct, store_email_remove(acct, &e, error_r));
	store_email_clear(&e);
	return ret;
}

/* The email leaves mailbox_id and stays in its others. */
static int store_email_leave(struct store_account *acct, uint64_t id, uint64_t mailbox_id,
			     const char **error_r)
{
	struct store_email e;
	struct store_email_ref ref;
	uint64_t modseq;
	int ret;

	if ((ret = store_email_load(acct, id, "mailbox leave", &e, error_r)) <= 0)
		return -1;
	store_email_ref_of(&e, &ref);
	if ((modseq = store_change_modseq(acct, "mailbox leave", error_r)) == 0 ||
	    store_membership_remove(acct, &ref, mailbox_id, modseq, error_r) < 0)
		ret = -1;
	else
		ret = store_email_updated(acct, id, modseq, -1, error_r);
	store_email_clear(&e);
	return ret;
}

int store_mailbox_drop_emails(struct store_account *acct, uint64_t mailbox_id,
			      const char **error_r)
{
	uint64_t *only, *shared;
	size_t only_count, shared_count;
	int ret = 0;

	if (store_mailbox_emails(acct, mailbox_id, &only, &only_count, &shared, &shared_count,
				 error_r) < 0)
		return -1;
	for (size_t i = 0; i < only_count && ret == 0; i++)
		ret = store_email_destroy(acct, only[i], error_r);
	for (size_t i = 0; i < shared_count && ret == 0; i++)
		ret = store_email_leave(acct, shared[i], mailbox_id, error_r);
	free(only);
	free(shared);
	return ret;
}
