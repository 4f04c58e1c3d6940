/* Bringing an account's full-text index level with its mail: when the
 * account is opened, and by the next writer after an index write failed.
 *
 * account.db held the index itself until fts.db took it over; the first
 * open since copies it across (adopt). An index behind account.db
 * (fts_state.modseq below account.modseq, after a crash between a
 * commit and its indexing) is caught up from the change log; one behind
 * the expired tombstones, or a new fts.db of an account with mail, is
 * rebuilt from every live email. */

#include <stdlib.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_mail_private.h"

/* The one number the statement selects. */
static int store_fts_number(struct store_db *db, const char *sql, uint64_t *value_r,
			    const char **error_r)
{
	sqlite3_stmt *stmt = store_db_stmt(db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	if ((ret = store_db_row(db, stmt, "fts state", error_r)) > 0) {
		*value_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	if (ret == 0)
		*error_r = store_fail(STORE_ERR_INTERNAL, "fts state", "no row");
	return ret > 0 ? 0 : -1;
}

static int store_fts_marks(struct store_account *acct, uint64_t *indexed_r, uint64_t *modseq_r,
			   const char **error_r)
{
	return store_fts_number(&acct->fts, "SELECT modseq FROM fts_state", indexed_r,
				error_r) < 0 ||
	       store_fts_number(&acct->db, "SELECT modseq FROM account", modseq_r,
				error_r) < 0 ? -1 : 0;
}

/* Queues what changed after indexed: destroyed emails out, emails
 * created since in (their text from the text source). */
static int store_fts_queue_changes(struct store_account *acct, uint64_t indexed,
				   const char **error_r)
{
	static const char sql[] =
		"SELECT id, destroyed_at IS NOT NULL, created_modseq > ?2 FROM changes"
		" WHERE type = ?1 AND modseq > ?2";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, STORE_TYPE_EMAIL);
	sqlite3_bind_int64(stmt, 2, (int64_t)indexed);
	while ((ret = sqlite3_step(stmt)) == SQLITE_ROW) {
		uint64_t id = (uint64_t)sqlite3_column_int64(stmt, 0);

		if (sqlite3_column_int(stmt, 1) != 0)
			store_fts_queue_delete(acct, id);
		else if (sqlite3_column_int(stmt, 2) != 0)
			store_fts_queue_later(acct, id);
	}
	store_stmt_done(stmt);
	if (ret != SQLITE_DONE)
		*error_r = store_db_error(&acct->db, "fts catch-up");
	return ret == SQLITE_DONE ? 0 : -1;
}

/* Queues every live email, after emptying the index. */
static int store_fts_queue_all(struct store_account *acct, const char **error_r)
{
	static const char sql[] = "SELECT id FROM emails";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	store_fts_queue_rebuild(acct);
	while ((ret = sqlite3_step(stmt)) == SQLITE_ROW)
		store_fts_queue_later(acct, (uint64_t)sqlite3_column_int64(stmt, 0));
	store_stmt_done(stmt);
	if (ret != SQLITE_DONE)
		*error_r = store_db_error(&acct->db, "fts rebuild");
	return ret == SQLITE_DONE ? 0 : -1;
}

/* With the writer lock held and the index lock taken. */
static int store_fts_catch_up_locked(struct store_account *acct, const char **error_r)
{
	uint64_t indexed, modseq;
	bool stale = store_writer_fts_stale(acct->writer);
	int ret;

	if (store_fts_marks(acct, &indexed, &modseq, error_r) < 0)
		return -1;
	if (indexed >= modseq && !stale)
		return 0;
	log_info("store.fts_catch_up", "account=%u indexed=%llu modseq=%llu", acct->id,
		 (unsigned long long)indexed, (unsigned long long)modseq);
	/* A new index of an account with mail, or one that missed
	 * tombstones since expired: every live email. */
	ret = indexed == 0 || indexed < store_tombstone_floor(acct) ?
	      store_fts_queue_all(acct, error_r) : store_fts_queue_changes(acct, indexed, error_r);
	if (ret < 0) {
		store_fts_discard(acct);
		return -1;
	}
	if (store_fts_apply_all(acct, modseq, error_r) < 0)
		return -1;
	store_writer_fts_set_stale(acct->writer, false);
	return 0;
}

int store_fts_catch_up(struct store_account *acct, const char **error_r)
{
	int ret;

	store_writer_fts_lock(acct->writer);
	ret = store_fts_catch_up_locked(acct, error_r);
	store_writer_fts_unlock(acct->writer);
	return ret;
}

/* 1 if account.db still holds the index of before fts.db. */
static int store_fts_in_account_db(struct store_account *acct, const char **error_r)
{
	static const char sql[] =
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'email_fts'";
	uint64_t n;

	return store_fts_number(&acct->db, sql, &n, error_r) < 0 ? -1 : n > 0;
}

/* Copies account.db's index into fts.db (in one transaction, so that a
 * crash before the drop below only repeats the copy), then drops it
 * from account.db. With the writer lock held. */
static int store_fts_adopt(struct store_account *acct, const char **error_r)
{
	static const char copy[] =
		"DELETE FROM main.email_fts;"
		"INSERT INTO main.email_fts (rowid, subject, addr_from, addr_to, addr_cc, addr_bcc,"
		" body, attachments, headers) SELECT rowid, subject, addr_from, addr_to, addr_cc,"
		" addr_bcc, body, attachments, headers FROM old.email_fts;"
		"UPDATE main.fts_state SET modseq = (SELECT modseq FROM old.account);";
	char *attach = sqlite3_mprintf("ATTACH DATABASE '%q/account.db' AS old", acct->dir);
	int ret;

	log_info("store.fts_adopt", "account=%u", acct->id);
	store_writer_fts_lock(acct->writer);
	ret = store_db_exec(&acct->fts, attach, error_r);
	sqlite3_free(attach);
	if (ret == 0) {
		ret = store_db_begin(&acct->fts, true, error_r);
		if (ret == 0 && store_db_exec(&acct->fts, copy, error_r) < 0) {
			store_db_rollback(&acct->fts);
			ret = -1;
		} else if (ret == 0) {
			ret = store_db_commit(&acct->fts, error_r);
		}
		if (store_db_exec(&acct->fts, "DETACH DATABASE old", error_r) < 0)
			ret = -1;
	}
	store_writer_fts_unlock(acct->writer);
	if (ret < 0 || store_db_exec(&acct->db, "DROP TABLE email_fts", error_r) < 0)
		return -1;
	/* Both files wrote the whole index to their WAL: copy it home now
	 * rather than at the next writer's commit. */
	store_db_checkpoint_due(&acct->fts);
	store_db_checkpoint_due(&acct->db);
	return 0;
}

/* 1 if an email was created or destroyed after what the index holds
 * (or the index is known to be behind): read without any lock, so that
 * opening an account waits for no writer in the common case. */
static int store_fts_behind(struct store_account *acct, const char **error_r)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM changes WHERE type = ?1 AND modseq > ?2"
		" AND (destroyed_at IS NOT NULL OR created_modseq > ?2))";
	uint64_t indexed;
	sqlite3_stmt *stmt;
	int ret;

	if (store_writer_fts_stale(acct->writer))
		return 1;
	if (store_fts_number(&acct->fts, "SELECT modseq FROM fts_state", &indexed, error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, STORE_TYPE_EMAIL);
	sqlite3_bind_int64(stmt, 2, (int64_t)indexed);
	if ((ret = store_db_row(&acct->db, stmt, "fts behind", error_r)) > 0) {
		ret = sqlite3_column_int(stmt, 0) != 0;
		store_stmt_done(stmt);
	}
	return ret;
}

int store_fts_prepare(struct store_account *acct, const char **error_r)
{
	int adopt = store_fts_in_account_db(acct, error_r), ret;
	const char *error;

	if (adopt < 0 || (!adopt && (ret = store_fts_behind(acct, error_r)) <= 0))
		return adopt < 0 ? -1 : ret;
	if (store_writer_lock(acct->writer, &error) < 0) {
		if (adopt) {
			*error_r = error;
			return -1;
		}
		/* Busy: the account opens, and its next writer catches up. */
		store_writer_fts_set_stale(acct->writer, true);
		return 0;
	}
	ret = store_fts_in_account_db(acct, error_r);
	if (ret > 0)
		ret = store_fts_adopt(acct, error_r);
	if (ret == 0 && store_fts_catch_up(acct, &error) < 0) {
		/* The mail is there; the next writer tries again. */
		log_error("store.fts_catch_up", "account=%u error=%s", acct->id, log_q(error));
		store_writer_fts_set_stale(acct->writer, true);
	}
	store_writer_unlock(acct->writer);
	return ret < 0 ? -1 : 0;
}
