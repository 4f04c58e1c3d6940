/* Writing the full-text index, fts.db.
 *
 * A write transaction queues the text of the emails it creates and the
 * ids it destroys, in memory on the handle. After the account.db
 * commit, with the account's index lock taken before its writer lock is
 * given up, the queue goes into fts.db in one transaction that also
 * records the transaction's modseq in fts_state. So the index follows
 * the commits in their order while the next writer already runs, and
 * every email created or destroyed at or before fts_state.modseq is in
 * (or out of) the index.
 *
 * What a crash or a failed index write leaves behind, an index behind
 * account.db, is caught up when the account is next opened, or by the
 * next writer after a failure: the change log names what was created or
 * destroyed since fts_state.modseq, and the store's text source (the
 * JMAP layer, which parses the message again) gives the text. */

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_mail_private.h"

/* Text beyond this per field is not indexed. */
#define STORE_FTS_MAX_FIELD (1024 * 1024)
/* Queued text beyond this is not kept: those rows take their text from
 * the text source when the queue is applied. */
#define STORE_FTS_MAX_PENDING (64 * 1024 * 1024)
#define STORE_FTS_FIELDS 8

struct store_fts_row {
	uint64_t email_id;
	bool destroy;
	bool text_later;	/* the text comes from the text source */
	char *fields[STORE_FTS_FIELDS];
};

struct store_fts_pending {
	struct store_fts_row *rows;
	size_t count, cap;
	size_t bytes;
	bool rebuild;		/* empty the index first */
};

/* A copy of at most STORE_FTS_MAX_FIELD bytes of text, cut on a UTF-8
 * character boundary. */
static char *store_fts_copy(const char *text, size_t *bytes)
{
	size_t len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	if (len > STORE_FTS_MAX_FIELD) {
		len = STORE_FTS_MAX_FIELD;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	*bytes += len;
	return xstrndup(text, len);
}

void store_fts_discard(struct store_account *acct)
{
	struct store_fts_pending *p = acct->fts_pending;

	if (p == NULL)
		return;
	acct->fts_pending = NULL;
	for (size_t i = 0; i < p->count; i++) {
		for (size_t j = 0; j < STORE_FTS_FIELDS; j++)
			free(p->rows[i].fields[j]);
	}
	free(p->rows);
	free(p);
}

bool store_fts_queued(const struct store_account *acct)
{
	return acct->fts_pending != NULL &&
	       (acct->fts_pending->count > 0 || acct->fts_pending->rebuild);
}

static struct store_fts_row *store_fts_queue(struct store_account *acct, uint64_t email_id)
{
	struct store_fts_pending *p = acct->fts_pending;
	struct store_fts_row *row;

	if (p == NULL)
		p = acct->fts_pending = xcalloc(1, sizeof(*p));
	if (p->count == p->cap) {
		p->cap = p->cap == 0 ? 64 : p->cap * 2;
		p->rows = xrealloc(p->rows, p->cap * sizeof(*p->rows));
	}
	row = &p->rows[p->count++];
	memset(row, 0, sizeof(*row));
	row->email_id = email_id;
	return row;
}

int store_fts_insert(struct store_account *acct, uint64_t email_id,
		     const struct store_email_text *text, const char **error_r)
{
	const char *fields[STORE_FTS_FIELDS] = {
		text->subject, text->from, text->to, text->cc, text->bcc, text->body,
		text->attachments, text->headers,
	};
	struct store_fts_row *row = store_fts_queue(acct, email_id);

	row->text_later = acct->fts_pending->bytes > STORE_FTS_MAX_PENDING;
	for (size_t i = 0; i < STORE_FTS_FIELDS && !row->text_later; i++)
		row->fields[i] = store_fts_copy(fields[i], &acct->fts_pending->bytes);
	return 0;
}

void store_fts_queue_delete(struct store_account *acct, uint64_t email_id)
{
	store_fts_queue(acct, email_id)->destroy = true;
}

void store_fts_queue_later(struct store_account *acct, uint64_t email_id)
{
	store_fts_queue(acct, email_id)->text_later = true;
}

void store_fts_queue_rebuild(struct store_account *acct)
{
	if (acct->fts_pending == NULL)
		acct->fts_pending = xcalloc(1, sizeof(*acct->fts_pending));
	acct->fts_pending->rebuild = true;
}

int store_fts_delete(struct store_account *acct, uint64_t email_id, const char **error_r)
{
	store_fts_queue_delete(acct, email_id);
	return 0;
}

static int store_fts_row_insert(struct store_account *acct, const char *const *fields,
				uint64_t email_id, const char **error_r)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO email_fts (rowid, subject, addr_from, addr_to, addr_cc,"
		" addr_bcc, body, attachments, headers) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->fts, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)email_id);
	for (int i = 0; i < STORE_FTS_FIELDS; i++) {
		if (fields[i] != NULL)
			sqlite3_bind_text(stmt, i + 2, fields[i], -1, SQLITE_STATIC);
	}
	return store_db_run(&acct->fts, stmt, "fts insert", error_r);
}

/* A row whose text comes from the store's text source; an email gone
 * since, or a store without a source, is left out. */
static int store_fts_row_insert_later(struct store_account *acct, uint64_t email_id,
				      const char **error_r)
{
	const struct store_fts_source *src = &acct->store->fts_source;
	struct store_email_text text = { 0 };
	int ret;

	if (src->text == NULL) {
		log_warn("store.fts_no_source", "account=%u email=%llu", acct->id,
			 (unsigned long long)email_id);
		return 0;
	}
	if ((ret = src->text(src->ctx, acct, email_id, &text)) <= 0) {
		if (ret < 0)
			*error_r = store_fail(STORE_ERR_INTERNAL, "fts text", "cannot read the email");
		return ret;
	}
	ret = store_fts_row_insert(acct, (const char *const[STORE_FTS_FIELDS]){
		text.subject, text.from, text.to, text.cc, text.bcc, text.body,
		text.attachments, text.headers }, email_id, error_r);
	src->text_free(src->ctx, &text);
	return ret;
}

static int store_fts_row_write(struct store_account *acct, const struct store_fts_row *row,
			       const char **error_r)
{
	static const char sql[] = "DELETE FROM email_fts WHERE rowid = ?1";
	sqlite3_stmt *stmt;

	if (row->text_later)
		return store_fts_row_insert_later(acct, row->email_id, error_r);
	if (!row->destroy)
		return store_fts_row_insert(acct, (const char *const *)row->fields,
					    row->email_id, error_r);
	if ((stmt = store_db_stmt(&acct->fts, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)row->email_id);
	return store_db_run(&acct->fts, stmt, "fts delete", error_r);
}

static int store_fts_state_set(struct store_account *acct, uint64_t modseq,
			       const char **error_r)
{
	static const char sql[] = "UPDATE fts_state SET modseq = max(modseq, ?1)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->fts, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)modseq);
	return store_db_run(&acct->fts, stmt, "fts state", error_r);
}

/* The queue into fts.db in one transaction; with advance, fts_state
 * moves up to modseq. The queue is emptied in every case. */
static int store_fts_apply(struct store_account *acct, uint64_t modseq, bool advance,
			   const char **error_r)
{
	struct store_fts_pending *p = acct->fts_pending;
	int ret = store_db_begin(&acct->fts, true, error_r);

	if (ret == 0 && p != NULL && p->rebuild)
		ret = store_db_exec(&acct->fts, "DELETE FROM email_fts", error_r);
	for (size_t i = 0; ret == 0 && p != NULL && i < p->count; i++)
		ret = store_fts_row_write(acct, &p->rows[i], error_r);
	if (ret == 0 && advance)
		ret = store_fts_state_set(acct, modseq, error_r);
	if (ret == 0)
		ret = store_db_commit(&acct->fts, error_r);
	else
		store_db_rollback(&acct->fts);
	store_fts_discard(acct);
	return ret;
}

int store_fts_apply_all(struct store_account *acct, uint64_t modseq, const char **error_r)
{
	return store_fts_apply(acct, modseq, true, error_r);
}

void store_fts_commit(struct store_account *acct, uint64_t modseq)
{
	const char *error;
	bool stale = store_writer_fts_stale(acct->writer);

	/* Behind already: moving the mark now would skip what is missing. */
	if (store_fts_apply(acct, modseq, !stale, &error) == 0)
		return;
	log_error("store.fts_write", "account=%u error=%s", acct->id, log_q(error));
	store_writer_fts_set_stale(acct->writer, true);
}
