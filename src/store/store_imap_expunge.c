/* IMAP expunge records: the UIDs that left a mailbox, with the modseq
 * of their removal, so that CONDSTORE/QRESYNC clients learn what
 * vanished; and their expiry with the other change records. */

#include "store/store_imap.h"
#include "store/store_mail_private.h"

int store_imap_expunge_record(struct store_account *acct, uint64_t email_id,
			      uint64_t mailbox_id, uint64_t modseq, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO imap_expunges (mailbox_id, uid, modseq, expunged_at)"
		" SELECT mailbox_id, uid, ?3, ?4 FROM email_mailboxes"
		" WHERE email_id = ?1 AND mailbox_id = ?2";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)mailbox_id);
	sqlite3_bind_int64(stmt, 3, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 4, (int64_t)time(NULL));
	return store_db_run(&acct->db, stmt, "expunge record", error_r);
}

int store_imap_expunges_drop(struct store_account *acct, uint64_t mailbox_id,
			     const char **error_r)
{
	static const char sql[] = "DELETE FROM imap_expunges WHERE mailbox_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)mailbox_id);
	return store_db_run(&acct->db, stmt, "expunges drop", error_r);
}

/* The floor of each mailbox first, from the records about to go. */
static int store_imap_expunges_delete(struct store_account *acct, time_t before,
				      const char **error_r)
{
	static const char sql_floor[] =
		"UPDATE mailboxes SET imap_expunge_floor = max(imap_expunge_floor,"
		" (SELECT max(x.modseq) FROM imap_expunges x"
		"  WHERE x.mailbox_id = mailboxes.id AND x.expunged_at < ?1))"
		" WHERE id IN (SELECT mailbox_id FROM imap_expunges WHERE expunged_at < ?1)";
	static const char sql_delete[] = "DELETE FROM imap_expunges WHERE expunged_at < ?1";
	sqlite3_stmt *stmt;

	if ((stmt = store_db_stmt(&acct->db, sql_floor, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)before);
	if (store_db_run(&acct->db, stmt, "expunge floor", error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql_delete, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)before);
	return store_db_run(&acct->db, stmt, "expunges expire", error_r);
}

int store_imap_expunges_expire(struct store_account *acct, time_t before, const char **error_r)
{
	bool own;

	if (store_txn_enter(acct, &own, error_r) < 0)
		return -1;
	return store_txn_end(acct, own, store_imap_expunges_delete(acct, before, error_r),
			     error_r);
}
