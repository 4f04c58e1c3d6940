/* The full-text index in fts.db: written after each commit, caught up
 * after a crash from the change log and the text source, taken over
 * from an account.db that still holds it. The index is read here with
 * SQLite directly. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "store/store.h"
#include "store/store_mail.h"

struct fixture {
	char *dir;
	struct store *store;
	struct store_account *acct;
	uint64_t mailbox;
	unsigned sourced;	/* texts the source gave */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The text source of a catch-up: every email says "recovered". */
static int source_text(void *ctx, struct store_account *acct, uint64_t email_id,
		       struct store_email_text *text_r)
{
	struct fixture *f = ctx;

	f->sourced++;
	*text_r = (struct store_email_text){ .subject = "recovered", .body = "from the source" };
	return 1;
}

static void source_free(void *ctx, struct store_email_text *text)
{
}

static void open_store(struct fixture *f)
{
	const char *error;

	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
	store_set_fts_source(f->store, &(struct store_fts_source){
		.text = source_text, .text_free = source_free, .ctx = f,
	});
	assert_int_equal(store_account_open(f->store, 1, &f->acct, &error), 0);
}

static void close_store(struct fixture *f)
{
	store_account_release(&f->acct);
	store_close(&f->store);
}

static int setup(void **state)
{
	const char *base = getenv("TERN_TEST_TMP");
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct store_mailbox mb = { .name = (char *)"Inbox" };
	const char *error;

	f->dir = xasprintf("%s/test_store_fts.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	open_store(f);
	assert_int_equal(store_txn_begin(f->acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(f->acct, &mb, &error), 0);
	assert_int_equal(store_txn_commit(f->acct, &error), 0);
	f->mailbox = mb.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close_store(f);
	assert_int_equal(nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs sql on one of the account's files (while the store is closed,
 * or only to read), with ?1 bound to text when given; the first column
 * of the first row, or -1 without a row. */
static int64_t db_sql(struct fixture *f, const char *file, const char *sql, const char *text)
{
	char *path = xasprintf("%s/accounts/1/%s", f->dir, file);
	sqlite3_stmt *stmt;
	int64_t value = -1;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (text != NULL)
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	return value;
}

static int64_t matches(struct fixture *f, const char *word)
{
	return db_sql(f, "fts.db", "SELECT count(*) FROM email_fts WHERE email_fts MATCH ?1", word);
}

static int64_t indexed_modseq(struct fixture *f)
{
	return db_sql(f, "fts.db", "SELECT modseq FROM fts_state", NULL);
}

static int64_t account_modseq(struct fixture *f)
{
	return db_sql(f, "account.db", "SELECT modseq FROM account", NULL);
}

static void blob_put(struct fixture *f, const char *body, char blob_id[STORE_BLOB_ID_LEN + 1])
{
	struct store_blob_writer *w;
	uint64_t size;
	const char *error;

	assert_int_equal(store_blob_write_begin(f->acct, &w, &error), 0);
	assert_int_equal(store_blob_write(w, body, strlen(body), &error), 0);
	assert_int_equal(store_blob_write_finish(&w, blob_id, &size, &error), 0);
}

/* An email whose body text is body, created inside the open write
 * transaction. */
static uint64_t email_add(struct fixture *f, const char *body)
{
	struct store_email_mailbox mb = { .mailbox_id = f->mailbox };
	struct store_email e = {
		.size = strlen(body), .thread_subject = (char *)"", .preview = (char *)"",
		.model = (char *)"{}", .mailboxes = &mb, .mailbox_count = 1,
	};
	const char *error;

	blob_put(f, body, e.blob_id);
	assert_int_equal(store_email_create(f->acct, &e, &(struct store_email_text){
		.subject = "subject", .body = body }, &error), 0);
	return e.id;
}

static void begin(struct fixture *f)
{
	const char *error;

	assert_int_equal(store_txn_begin(f->acct, true, &error), 0);
}

static void commit(struct fixture *f)
{
	const char *error;

	assert_int_equal(store_txn_commit(f->acct, &error), 0);
}

/* A commit's emails are in the index when it returns, with its modseq;
 * a rollback's never are; a destroy takes them out. */
static void test_index_follows_commits(void **state)
{
	struct fixture *f = *state;
	const char *error;
	uint64_t one;

	begin(f);
	one = email_add(f, "alpha words");
	email_add(f, "beta words");
	commit(f);
	assert_int_equal(matches(f, "alpha"), 1);
	assert_int_equal(matches(f, "words"), 2);
	assert_int_equal(indexed_modseq(f), account_modseq(f));

	begin(f);
	email_add(f, "gamma");
	store_txn_rollback(f->acct);
	assert_int_equal(matches(f, "gamma"), 0);

	begin(f);
	assert_int_equal(store_email_destroy(f->acct, one, &error), 0);
	commit(f);
	assert_int_equal(matches(f, "alpha"), 0);
	assert_int_equal(matches(f, "words"), 1);
	assert_int_equal(indexed_modseq(f), account_modseq(f));
	assert_int_equal(f->sourced, 0);
}

/* A crash after the account.db commit and before its indexing: the
 * next open indexes what is missing (text from the source) and takes
 * out what was destroyed. */
static void test_catch_up_after_crash(void **state)
{
	struct fixture *f = *state;
	const char *error;
	uint64_t gone;
	int64_t before;
	char sql[128];

	begin(f);
	email_add(f, "kept words");
	gone = email_add(f, "gone words");
	commit(f);
	before = indexed_modseq(f);
	begin(f);
	email_add(f, "lost words");
	assert_int_equal(store_email_destroy(f->acct, gone, &error), 0);
	commit(f);
	close_store(f);
	/* as if the last indexing never happened */
	snprintf(sql, sizeof(sql), "INSERT INTO email_fts (rowid, body) VALUES (%llu, 'gone words')",
		 (unsigned long long)gone);
	db_sql(f, "fts.db", "DELETE FROM email_fts WHERE body = 'lost words'", NULL);
	db_sql(f, "fts.db", sql, NULL);
	snprintf(sql, sizeof(sql), "UPDATE fts_state SET modseq = %lld", (long long)before);
	db_sql(f, "fts.db", sql, NULL);
	assert_int_equal(db_sql(f, "fts.db", "SELECT count(*) FROM email_fts", NULL), 2);
	assert_true(indexed_modseq(f) < account_modseq(f));

	open_store(f);
	assert_int_equal(f->sourced, 1);
	assert_int_equal(matches(f, "recovered"), 1);
	assert_int_equal(matches(f, "gone"), 0);
	assert_int_equal(matches(f, "kept"), 1);
	assert_int_equal(indexed_modseq(f), account_modseq(f));
}

/* fts.db as if it never existed (the store closed). */
static void fts_files_remove(struct fixture *f)
{
	for (const char *const *s = (const char *const[]){ "", "-wal", "-shm", NULL }; *s; s++) {
		char *path = xasprintf("%s/accounts/1/fts.db%s", f->dir, *s);

		unlink(path);
		free(path);
	}
}

/* A lost fts.db is rebuilt from every live email. */
static void test_rebuild_lost_index(void **state)
{
	struct fixture *f = *state;

	begin(f);
	email_add(f, "one");
	email_add(f, "two");
	commit(f);
	close_store(f);
	fts_files_remove(f);
	open_store(f);
	assert_int_equal(f->sourced, 2);
	assert_int_equal(matches(f, "recovered"), 2);
	assert_int_equal(indexed_modseq(f), account_modseq(f));
}

/* An account.db of before fts.db, with its index inside: the first open
 * moves the index across and drops it from account.db. */
static void test_adopt_old_index(void **state)
{
	struct fixture *f = *state;

	close_store(f);
	db_sql(f, "account.db", "CREATE VIRTUAL TABLE email_fts USING fts5(subject, addr_from,"
	       " addr_to, addr_cc, addr_bcc, body, attachments, headers)", NULL);
	db_sql(f, "account.db", "INSERT INTO email_fts (rowid, body) VALUES (42, 'legacy')", NULL);
	fts_files_remove(f);
	open_store(f);
	assert_int_equal(matches(f, "legacy"), 1);
	assert_int_equal(db_sql(f, "fts.db", "SELECT rowid FROM email_fts", NULL), 42);
	assert_int_equal(db_sql(f, "account.db", "SELECT count(*) FROM sqlite_master"
				" WHERE name = 'email_fts'", NULL), 0);
	assert_int_equal(indexed_modseq(f), account_modseq(f));
	assert_int_equal(f->sourced, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_follows_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catch_up_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_lost_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_old_index, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
