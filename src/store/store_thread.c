/* Threads: a new email joins the thread of any email that shares a
 * threading key with it (its Message-ID, or an id it refers to, on
 * either side) and has the same base subject, as Cyrus and Stalwart
 * do. When its keys meet several threads, they merge into the oldest.
 *
 * Invariant: all emails with a given (key, base subject) are in one
 * thread, since every create merges whatever its keys meet and threads
 * never split. So one row per key answers the lookup. */

#include <stdlib.h>
#include <string.h>

#include "store/store_mail_private.h"

/* FNV-1a, 64 bits: only narrows the lookup, the subject itself is
 * compared too. */
int64_t store_thread_subject_hash(const char *thread_subject)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)thread_subject; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return (int64_t)(h >> 1);
}

/* 1 and the thread of the emails with key and subject, 0 if none. */
static int store_thread_find(struct store_account *acct, const char *key,
			     const char *thread_subject, int64_t hash, uint64_t *thread_id_r,
			     const char **error_r)
{
	static const char sql[] =
		"SELECT e.thread_id FROM email_msgids m JOIN emails e ON e.id = m.email_id"
		" WHERE m.msgid = ?1 AND m.subject_hash = ?2 AND e.thread_subject = ?3 LIMIT 1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, hash);
	sqlite3_bind_text(stmt, 3, thread_subject, -1, SQLITE_STATIC);
	ret = store_db_row(&acct->db, stmt, "thread find", error_r);
	if (ret > 0) {
		*thread_id_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

static int store_thread_new(struct store_account *acct, uint64_t *thread_id_r,
			    const char **error_r)
{
	static const char sql[] = "INSERT INTO threads (modseq) VALUES (0)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL || store_db_run(&acct->db, stmt, "thread create", error_r) < 0)
		return -1;
	*thread_id_r = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	return 0;
}

static int store_thread_email_ids(struct store_account *acct, uint64_t thread_id,
				  uint64_t **ids_r, size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT id FROM emails WHERE thread_id = ?1 ORDER BY received_at, id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	return store_db_ids(&acct->db, stmt, "thread emails", ids_r, count_r, error_r);
}

/* Moves one email to another thread: its threadId changed. */
static int store_thread_move_email(struct store_account *acct, uint64_t email_id,
				   uint64_t to, const char **error_r)
{
	static const char sql[] = "UPDATE emails SET thread_id = ?2, modseq = ?3 WHERE id = ?1";
	uint64_t modseq = store_change_modseq(acct, "thread merge", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)to);
	sqlite3_bind_int64(stmt, 3, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "thread merge", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_EMAIL, email_id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

static int store_thread_delete(struct store_account *acct, uint64_t thread_id,
			       const char **error_r)
{
	static const char sql[] = "DELETE FROM threads WHERE id = ?1";
	uint64_t modseq = store_change_modseq(acct, "thread destroy", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	if (store_db_run(&acct->db, stmt, "thread destroy", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_THREAD, thread_id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

/* Thread from ends; its emails and mailbox counts go to thread to. */
static int store_thread_merge(struct store_account *acct, uint64_t from, uint64_t to,
			      const char **error_r)
{
	uint64_t *ids;
	size_t count;
	int ret = 0;

	if (store_thread_email_ids(acct, from, &ids, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count && ret == 0; i++)
		ret = store_thread_move_email(acct, ids[i], to, error_r);
	free(ids);
	if (ret < 0 || store_membership_merge_threads(acct, from, to, error_r) < 0)
		return -1;
	return store_thread_delete(acct, from, error_r);
}

static void store_thread_ids_add(uint64_t *ids, size_t *count, uint64_t id)
{
	for (size_t i = 0; i < *count; i++) {
		if (ids[i] == id)
			return;
	}
	ids[(*count)++] = id;
}

int store_thread_assign(struct store_account *acct, const char *thread_subject,
			char *const *keys, size_t key_count, uint64_t *thread_id_r,
			bool *created_r, const char **error_r)
{
	int64_t hash = store_thread_subject_hash(thread_subject);
	uint64_t found[STORE_EMAIL_MAX_REFS + 1], id, target;
	size_t count = 0;
	int ret;

	for (size_t i = 0; i < key_count && i < STORE_N_ELEMENTS(found); i++) {
		if ((ret = store_thread_find(acct, keys[i], thread_subject, hash, &id, error_r)) < 0)
			return -1;
		if (ret > 0)
			store_thread_ids_add(found, &count, id);
	}
	*created_r = count == 0;
	if (count == 0)
		return store_thread_new(acct, thread_id_r, error_r);
	target = found[0];
	for (size_t i = 1; i < count; i++)
		target = found[i] < target ? found[i] : target;
	for (size_t i = 0; i < count; i++) {
		if (found[i] != target && store_thread_merge(acct, found[i], target, error_r) < 0)
			return -1;
	}
	*thread_id_r = target;
	return 0;
}

static int store_thread_key_run(struct store_account *acct, const char *sql, uint64_t email_id,
				int64_t hash, const char *key, const char **error_r)
{
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, hash);
	sqlite3_bind_int64(stmt, 3, (int64_t)email_id);
	return store_db_run(&acct->db, stmt, "thread keys", error_r);
}

int store_thread_keys_add(struct store_account *acct, uint64_t email_id,
			  const char *thread_subject, char *const *keys, size_t key_count,
			  const char **error_r)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO email_msgids (msgid, subject_hash, email_id)"
		" VALUES (?1, ?2, ?3)";
	int64_t hash = store_thread_subject_hash(thread_subject);

	for (size_t i = 0; i < key_count; i++) {
		if (store_thread_key_run(acct, sql, email_id, hash, keys[i], error_r) < 0)
			return -1;
	}
	return 0;
}

int store_thread_keys_remove(struct store_account *acct, uint64_t email_id,
			     const char *thread_subject, char *const *keys, size_t key_count,
			     const char **error_r)
{
	static const char sql[] =
		"DELETE FROM email_msgids WHERE msgid = ?1 AND subject_hash = ?2 AND email_id = ?3";
	int64_t hash = store_thread_subject_hash(thread_subject);

	for (size_t i = 0; i < key_count; i++) {
		if (store_thread_key_run(acct, sql, email_id, hash, keys[i], error_r) < 0)
			return -1;
	}
	return 0;
}

static int store_thread_is_empty(struct store_account *acct, uint64_t thread_id,
				 const char **error_r)
{
	static const char sql[] = "SELECT 1 FROM emails WHERE thread_id = ?1 LIMIT 1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	ret = store_db_row(&acct->db, stmt, "thread empty", error_r);
	if (ret > 0)
		store_stmt_done(stmt);
	return ret < 0 ? -1 : ret == 0;
}

int store_thread_touch(struct store_account *acct, uint64_t thread_id, bool created,
		       const char **error_r)
{
	static const char sql[] = "UPDATE threads SET modseq = ?2 WHERE id = ?1";
	uint64_t modseq;
	sqlite3_stmt *stmt;
	int empty = created ? 0 : store_thread_is_empty(acct, thread_id, error_r);

	if (empty != 0)
		return empty < 0 ? -1 : store_thread_delete(acct, thread_id, error_r);
	if ((modseq = store_change_modseq(acct, "thread update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "thread update", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_THREAD, thread_id, modseq,
				   created ? STORE_CHANGE_CREATED : STORE_CHANGE_UPDATED, error_r);
}

int store_thread_get(struct store_account *acct, uint64_t thread_id, uint64_t **email_ids_r,
		     size_t *count_r)
{
	const char *error;
	uint64_t *ids;
	size_t count;

	if (store_thread_email_ids(acct, thread_id, &ids, &count, &error) < 0)
		return -1;
	if (count == 0) {
		free(ids);
		return 0;
	}
	*email_ids_r = ids;
	*count_r = count;
	return 1;
}
