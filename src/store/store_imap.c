/* The IMAP view of a mailbox: its messages in UID order (one walk of
 * the membership table, joined with the keywords when asked), the UIDs
 * that vanished, and the mailbox's HIGHESTMODSEQ, size and unseen
 * count; and a message's blob opened for BODY[]. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "store/store_imap.h"
#include "store/store_mail_private.h"

/* Every message walks the (mailbox, uid) key in order; changes since
 * a modseq walk the (mailbox, modseq) index and are sorted, being few
 * (SQLite would rather walk the whole mailbox to skip the sort). */
#define STORE_IMAP_COLUMNS "SELECT em.uid, em.email_id, em.modseq"
#define STORE_IMAP_ALL " FROM email_mailboxes em"
#define STORE_IMAP_SINCE " FROM email_mailboxes em INDEXED BY email_mailboxes_modseq"
#define STORE_IMAP_KEYWORDS ", k.keyword"
#define STORE_IMAP_JOIN " LEFT JOIN email_keywords k ON k.email_id = em.email_id"
#define STORE_IMAP_WHERE_ALL " WHERE em.mailbox_id = ?1"
#define STORE_IMAP_WHERE_SINCE " WHERE em.mailbox_id = ?1 AND em.modseq > ?2"

static const char store_imap_sql_all[] =
	STORE_IMAP_COLUMNS STORE_IMAP_ALL STORE_IMAP_WHERE_ALL " ORDER BY em.uid";
static const char store_imap_sql_since[] =
	STORE_IMAP_COLUMNS STORE_IMAP_SINCE STORE_IMAP_WHERE_SINCE " ORDER BY em.uid";
static const char store_imap_sql_all_kw[] =
	STORE_IMAP_COLUMNS STORE_IMAP_KEYWORDS STORE_IMAP_ALL STORE_IMAP_JOIN
	STORE_IMAP_WHERE_ALL " ORDER BY em.uid, k.keyword";
static const char store_imap_sql_since_kw[] =
	STORE_IMAP_COLUMNS STORE_IMAP_KEYWORDS STORE_IMAP_SINCE STORE_IMAP_JOIN
	STORE_IMAP_WHERE_SINCE " ORDER BY em.uid, k.keyword";

/* The message being read: the rows of one UID, its keywords gathered. */
struct store_imap_walk {
	struct store_imap_message msg;
	char **keywords;
	size_t keyword_count, keyword_cap;
	store_imap_message_fn *fn;
	void *context;
};

static void store_imap_walk_flush(struct store_imap_walk *w)
{
	if (w->msg.uid == 0)
		return;
	w->msg.keywords = (const char *const *)w->keywords;
	w->msg.keyword_count = w->keyword_count;
	w->fn(&w->msg, w->context);
	for (size_t i = 0; i < w->keyword_count; i++)
		free(w->keywords[i]);
	w->keyword_count = 0;
	w->msg.uid = 0;
}

static void store_imap_walk_row(struct store_imap_walk *w, sqlite3_stmt *stmt, bool keywords)
{
	uint32_t uid = (uint32_t)sqlite3_column_int64(stmt, 0);
	const char *keyword;

	if (uid != w->msg.uid) {
		store_imap_walk_flush(w);
		w->msg.uid = uid;
		w->msg.email_id = (uint64_t)sqlite3_column_int64(stmt, 1);
		w->msg.modseq = (uint64_t)sqlite3_column_int64(stmt, 2);
	}
	if (!keywords || (keyword = (const char *)sqlite3_column_text(stmt, 3)) == NULL)
		return;
	if (w->keyword_count == w->keyword_cap) {
		w->keyword_cap = w->keyword_cap == 0 ? 8 : w->keyword_cap * 2;
		w->keywords = xrealloc(w->keywords, w->keyword_cap * sizeof(*w->keywords));
	}
	w->keywords[w->keyword_count++] = xstrdup(keyword);
}

static const char *store_imap_messages_sql(uint64_t since, bool with_keywords)
{
	if (with_keywords)
		return since == 0 ? store_imap_sql_all_kw : store_imap_sql_since_kw;
	return since == 0 ? store_imap_sql_all : store_imap_sql_since;
}

int store_imap_messages(struct store_account *acct, uint64_t mailbox_id, uint64_t since,
			bool with_keywords, store_imap_message_fn *fn, void *context,
			const char **error_r)
{
	struct store_imap_walk w = { .fn = fn, .context = context };
	sqlite3_stmt *stmt;
	int ret;

	if (mailbox_id > INT64_MAX || since > INT64_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "imap messages", "id out of range");
		return -1;
	}
	stmt = store_db_stmt(&acct->db, store_imap_messages_sql(since, with_keywords), error_r);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	if (since != 0)
		sqlite3_bind_int64(stmt, 2, (int64_t)since);
	while ((ret = store_db_row(&acct->db, stmt, "imap messages", error_r)) > 0)
		store_imap_walk_row(&w, stmt, with_keywords);
	if (ret == 0)
		store_imap_walk_flush(&w);
	for (size_t i = 0; i < w.keyword_count; i++)
		free(w.keywords[i]);
	free(w.keywords);
	return ret;
}

static void store_imap_uid_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	*(uint32_t *)item = (uint32_t)sqlite3_column_int64(stmt, 0);
}

int store_imap_vanished(struct store_account *acct, uint64_t mailbox_id, uint64_t since,
			uint32_t **uids_r, size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT uid FROM imap_expunges INDEXED BY imap_expunges_modseq"
		" WHERE mailbox_id = ?1 AND modseq > ?2 ORDER BY uid";
	static const struct store_rows rows = {
		sizeof(uint32_t), store_imap_uid_read, NULL, NULL
	};
	sqlite3_stmt *stmt;
	void *list;

	if (mailbox_id > INT64_MAX || since > INT64_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "imap vanished", "id out of range");
		return -1;
	}
	if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)since);
	if (store_db_rows(&acct->db, stmt, "imap vanished", &rows, &list, count_r, error_r) < 0)
		return -1;
	*uids_r = list;
	return 0;
}

/* One integer of a single-row query on mailbox_id. */
static int store_imap_count(struct store_account *acct, const char *sql, uint64_t mailbox_id,
			    const char *what, uint64_t *value_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	if ((ret = store_db_row(&acct->db, stmt, what, error_r)) > 0) {
		*value_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

static int store_imap_mailbox_modseq(struct store_account *acct, uint64_t mailbox_id,
				     struct store_imap_mailbox *mb, const char **error_r)
{
	static const char sql[] =
		"SELECT max(coalesce((SELECT max(modseq) FROM email_mailboxes"
		"  WHERE mailbox_id = ?1), 0),"
		" coalesce((SELECT max(modseq) FROM imap_expunges WHERE mailbox_id = ?1), 0),"
		" imap_expunge_floor, 1), imap_expunge_floor FROM mailboxes WHERE id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	if ((ret = store_db_row(&acct->db, stmt, "imap mailbox", error_r)) > 0) {
		mb->highest_modseq = (uint64_t)sqlite3_column_int64(stmt, 0);
		mb->expunge_floor = (uint64_t)sqlite3_column_int64(stmt, 1);
		store_stmt_done(stmt);
	}
	return ret;
}

int store_imap_mailbox_get(struct store_account *acct, uint64_t mailbox_id, unsigned what,
			   struct store_imap_mailbox *mb_r, const char **error_r)
{
	static const char sql_size[] =
		"SELECT coalesce(sum(e.size), 0) FROM email_mailboxes em"
		" JOIN emails e ON e.id = em.email_id WHERE em.mailbox_id = ?1";
	static const char sql_unseen[] =
		"SELECT count(*) FROM email_mailboxes em WHERE em.mailbox_id = ?1"
		" AND NOT EXISTS (SELECT 1 FROM email_keywords k"
		"  WHERE k.email_id = em.email_id AND k.keyword = '$seen')";
	uint64_t unseen = 0;
	int ret;

	memset(mb_r, 0, sizeof(*mb_r));
	if (mailbox_id > INT64_MAX)
		return 0;
	if ((ret = store_imap_mailbox_modseq(acct, mailbox_id, mb_r, error_r)) <= 0)
		return ret;
	if ((what & STORE_IMAP_WITH_SIZE) != 0 &&
	    store_imap_count(acct, sql_size, mailbox_id, "imap size", &mb_r->size, error_r) < 0)
		return -1;
	if ((what & STORE_IMAP_WITH_UNSEEN) != 0 &&
	    store_imap_count(acct, sql_unseen, mailbox_id, "imap unseen", &unseen, error_r) < 0)
		return -1;
	mb_r->unseen = (uint32_t)unseen;
	return 1;
}

int store_imap_email_blob_open(struct store_account *acct, uint64_t email_id, int *fd_r,
			       uint64_t *size_r, const char **error_r)
{
	static const char sql[] = "SELECT blob_id FROM emails WHERE id = ?1";
	char blob_id[STORE_BLOB_ID_LEN + 1];
	const char *text;
	sqlite3_stmt *stmt;
	struct stat st;
	int ret, fd, found = 0;

	if (email_id > INT64_MAX)
		return 0;
	if ((stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
	if ((ret = store_db_row(&acct->db, stmt, "imap email blob", error_r)) <= 0)
		return ret;
	text = (const char *)sqlite3_column_text(stmt, 0);
	snprintf(blob_id, sizeof(blob_id), "%s", text != NULL ? text : "");
	store_stmt_done(stmt);
	if ((fd = store_blob_open(acct, blob_id, &found)) < 0) {
		if (found == 0)
			return 0;
		*error_r = "blob open failed";
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "imap email blob", strerror(errno));
		close(fd);
		return -1;
	}
	*fd_r = fd;
	*size_r = (uint64_t)st.st_size;
	return 1;
}
