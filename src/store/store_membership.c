/* Memberships of emails in mailboxes, with their IMAP UIDs, and the
 * per-thread, per-mailbox counts from which the mailbox counts move
 * incrementally (unreadThreads by the simple rule of RFC 8621 §2: a
 * thread with an unread email in this mailbox). */

#include <stdlib.h>

#include "store/store_mail_private.h"

/* The thread's counts in the mailbox; zero when it has no row. */
static int store_thread_mailbox_get(struct store_account *acct, uint64_t thread_id,
				    uint64_t mailbox_id, int64_t *total_r, int64_t *unread_r,
				    const char **error_r)
{
	static const char sql[] =
		"SELECT total, unread FROM thread_mailboxes WHERE thread_id = ?1 AND mailbox_id = ?2";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	*total_r = *unread_r = 0;
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)mailbox_id);
	if ((ret = store_db_row(&acct->db, stmt, "thread mailbox", error_r)) <= 0)
		return ret;
	*total_r = sqlite3_column_int64(stmt, 0);
	*unread_r = sqlite3_column_int64(stmt, 1);
	store_stmt_done(stmt);
	return 0;
}

/* Adds (d_total, d_unread) to the thread's counts in the mailbox and
 * the resulting thread transitions to d. Read, then written, rather
 * than one upsert with RETURNING, which costs a temporary table. */
static int store_thread_mailbox_add(struct store_account *acct, uint64_t thread_id,
				    uint64_t mailbox_id, int64_t d_total, int64_t d_unread,
				    struct store_mailbox_delta *d, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO thread_mailboxes (thread_id, mailbox_id, total, unread)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT (thread_id, mailbox_id) DO UPDATE SET"
		"  total = excluded.total, unread = excluded.unread";
	static const char sql_delete[] =
		"DELETE FROM thread_mailboxes WHERE thread_id = ?1 AND mailbox_id = ?2";
	int64_t total, unread;
	sqlite3_stmt *stmt;

	if (store_thread_mailbox_get(acct, thread_id, mailbox_id, &total, &unread, error_r) < 0)
		return -1;
	d->total_threads += (total + d_total > 0) - (total > 0);
	d->unread_threads += (unread + d_unread > 0) - (unread > 0);
	total += d_total;
	unread += d_unread;
	if ((stmt = store_db_stmt(&acct->db, total > 0 ? sql : sql_delete, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)mailbox_id);
	if (total > 0) {
		sqlite3_bind_int64(stmt, 3, total);
		sqlite3_bind_int64(stmt, 4, unread);
	}
	return store_db_run(&acct->db, stmt, "thread mailbox", error_r);
}

int store_membership_add(struct store_account *acct, const struct store_email_ref *ref,
			 uint64_t mailbox_id, uint64_t modseq, struct store_email_mailbox *m_r,
			 const char **error_r)
{
	static const char sql[] =
		"INSERT INTO email_mailboxes (mailbox_id, uid, email_id, received_at, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5)";
	struct store_mailbox_delta d = { .total_emails = 1, .unread_emails = ref->unread };
	sqlite3_stmt *stmt;
	uint32_t uid;

	if (store_thread_mailbox_add(acct, ref->thread_id, mailbox_id, 1, ref->unread, &d,
				     error_r) < 0 ||
	    store_mailbox_counts_add(acct, mailbox_id, &d, &uid, error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	sqlite3_bind_int64(stmt, 2, uid);
	sqlite3_bind_int64(stmt, 3, (int64_t)ref->id);
	sqlite3_bind_int64(stmt, 4, ref->received_at);
	sqlite3_bind_int64(stmt, 5, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "membership add", error_r) < 0)
		return -1;
	m_r->mailbox_id = mailbox_id;
	m_r->uid = uid;
	m_r->modseq = modseq;
	return 0;
}

int store_membership_remove(struct store_account *acct, const struct store_email_ref *ref,
			    uint64_t mailbox_id, uint64_t modseq, const char **error_r)
{
	static const char sql[] =
		"DELETE FROM email_mailboxes WHERE email_id = ?1 AND mailbox_id = ?2";
	struct store_mailbox_delta d = { .total_emails = -1, .unread_emails = -(int)ref->unread };
	sqlite3_stmt *stmt;

	if (store_imap_expunge_record(acct, ref->id, mailbox_id, modseq, error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)ref->id);
	sqlite3_bind_int64(stmt, 2, (int64_t)mailbox_id);
	if (store_db_run_one(&acct->db, stmt, "membership remove", "not in the mailbox",
			     error_r) < 0)
		return -1;
	if (store_thread_mailbox_add(acct, ref->thread_id, mailbox_id, -1, -(int)ref->unread, &d,
				     error_r) < 0)
		return -1;
	return store_mailbox_counts_add(acct, mailbox_id, &d, NULL, error_r);
}

int store_membership_unread(struct store_account *acct, const struct store_email_ref *ref,
			    int delta, const char **error_r)
{
	struct store_email_mailbox *list;
	size_t count;
	int ret = 0;

	if (store_membership_list(acct, ref->id, &list, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count && ret == 0; i++) {
		struct store_mailbox_delta d = { .unread_emails = delta };

		ret = store_thread_mailbox_add(acct, ref->thread_id, list[i].mailbox_id, 0, delta,
					       &d, error_r);
		if (ret == 0)
			ret = store_mailbox_counts_add(acct, list[i].mailbox_id, &d, NULL, error_r);
	}
	free(list);
	return ret;
}

int store_membership_touch(struct store_account *acct, uint64_t email_id, uint64_t modseq,
			   const char **error_r)
{
	static const char sql[] = "UPDATE email_mailboxes SET modseq = ?2 WHERE email_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)modseq);
	return store_db_run(&acct->db, stmt, "membership touch", error_r);
}

static void store_membership_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_email_mailbox *m = item;

	m->mailbox_id = (uint64_t)sqlite3_column_int64(stmt, 0);
	m->uid = (uint32_t)sqlite3_column_int64(stmt, 1);
	m->modseq = (uint64_t)sqlite3_column_int64(stmt, 2);
}

int store_membership_list(struct store_account *acct, uint64_t email_id,
			  struct store_email_mailbox **list_r, size_t *count_r,
			  const char **error_r)
{
	static const char sql[] =
		"SELECT mailbox_id, uid, modseq FROM email_mailboxes WHERE email_id = ?1"
		" ORDER BY mailbox_id";
	static const struct store_rows rows = {
		sizeof(struct store_email_mailbox), store_membership_read, NULL, NULL
	};
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
	if (store_db_rows(&acct->db, stmt, "membership list", &rows, &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

struct store_thread_mailbox {
	uint64_t mailbox_id;
	int64_t total, unread;
};

static void store_thread_mailbox_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_thread_mailbox *tm = item;

	tm->mailbox_id = (uint64_t)sqlite3_column_int64(stmt, 0);
	tm->total = sqlite3_column_int64(stmt, 1);
	tm->unread = sqlite3_column_int64(stmt, 2);
}

static int store_thread_mailboxes(struct store_account *acct, uint64_t thread_id,
				  struct store_thread_mailbox **list_r, size_t *count_r,
				  const char **error_r)
{
	static const char sql[] =
		"SELECT mailbox_id, total, unread FROM thread_mailboxes WHERE thread_id = ?1";
	static const struct store_rows rows = {
		sizeof(struct store_thread_mailbox), store_thread_mailbox_read, NULL, NULL
	};
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)thread_id);
	if (store_db_rows(&acct->db, stmt, "thread mailboxes", &rows, &list, count_r,
			  error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

/* Each mailbox of thread from loses that thread and adds its emails to
 * thread to (which may or may not be there already). */
int store_membership_merge_threads(struct store_account *acct, uint64_t from, uint64_t to,
				   const char **error_r)
{
	static const char sql[] = "DELETE FROM thread_mailboxes WHERE thread_id = ?1";
	struct store_thread_mailbox *list;
	size_t count;
	sqlite3_stmt *stmt;
	int ret = 0;

	if (store_thread_mailboxes(acct, from, &list, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count && ret == 0; i++) {
		struct store_mailbox_delta d = {
			.total_threads = -1,
			.unread_threads = list[i].unread > 0 ? -1 : 0,
		};

		ret = store_thread_mailbox_add(acct, to, list[i].mailbox_id, list[i].total,
					       list[i].unread, &d, error_r);
		if (ret == 0 && (d.total_threads != 0 || d.unread_threads != 0))
			ret = store_mailbox_counts_add(acct, list[i].mailbox_id, &d, NULL, error_r);
	}
	free(list);
	if (ret < 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)from);
	return store_db_run(&acct->db, stmt, "thread mailboxes merge", error_r);
}
