/* Unit tests for the SQLite store: migrations, settings, principals,
 * bans, account handles, modseq and changes, mailboxes, blobs. */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

struct fixture {
	char *dir;
	struct store *store;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TERN_TEST_TMP");
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *error;

	f->dir = xasprintf("%s/test_store.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->store);
	assert_null(f->store);
	assert_int_equal(nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f->dir);
	free(f);
	return 0;
}

static void reopen(struct fixture *f)
{
	const char *error;

	store_close(&f->store);
	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
}

static int user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int version = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return version;
}

/* The value of an FTS5 option of the account's full-text index, or -1. */
static int fts_option(const char *path, const char *key)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int value = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT v FROM email_fts_config WHERE k = ?1", -1,
					    &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static uint32_t make_individual(struct store *store, const char *name, const char *email)
{
	char *emails[] = { (char *)email };
	char *secrets[] = { "$y$hash" };
	struct store_principal p = {
		.type = STORE_PRINCIPAL_INDIVIDUAL, .name = (char *)name, .role = "user",
		.secrets = secrets, .secret_count = 1,
		.emails = emails, .email_count = email != NULL ? 1 : 0,
	};
	const char *error;

	assert_int_equal(store_principal_create(store, &p, &error), 0);
	assert_true(p.id > 0);
	return p.id;
}

/* ---- store, settings ---- */

static void test_open_migrations(void **state)
{
	struct fixture *f = *state;
	char *sys = xasprintf("%s/system.db", f->dir);
	char *acct_db;
	struct store_account *acct;
	const char *error;
	char *value;
	int version;

	assert_string_equal(store_path(f->store), f->dir);
	version = user_version(sys);
	assert_true(version >= 1);
	assert_int_equal(store_setting_set(f->store, "k", "v", &error), 0);
	reopen(f);
	reopen(f);
	assert_int_equal(user_version(sys), version);
	assert_int_equal(store_setting_get(f->store, "k", &value), 1);
	assert_string_equal(value, "v");
	free(value);

	assert_int_equal(store_account_open(f->store, 7, &acct, &error), 0);
	store_account_release(&acct);
	assert_null(acct);
	acct_db = xasprintf("%s/accounts/7/account.db", f->dir);
	assert_true(user_version(acct_db) >= 1);
	free(acct_db);
	/* the index has a file of its own; batches are indexed as one
	 * segment, merged sixteen at a time, all at once only far past that */
	acct_db = xasprintf("%s/accounts/7/fts.db", f->dir);
	assert_int_equal(user_version(acct_db), 1);
	assert_int_equal(fts_option(acct_db, "hashsize"), 8 * 1024 * 1024);
	assert_int_equal(fts_option(acct_db, "automerge"), 16);
	assert_int_equal(fts_option(acct_db, "crisismerge"), 64);
	free(acct_db);
	free(sys);
}

static void test_settings(void **state)
{
	struct fixture *f = *state;
	const char *error;
	char *value = NULL;

	assert_int_equal(store_setting_get(f->store, "missing", &value), 0);
	assert_null(value);
	assert_int_equal(store_setting_set(f->store, "a.b", "one", &error), 0);
	assert_int_equal(store_setting_set(f->store, "a.b", "two", &error), 0);
	assert_int_equal(store_setting_get(f->store, "a.b", &value), 1);
	assert_string_equal(value, "two");
	free(value);
	assert_int_equal(store_setting_delete(f->store, "a.b", &error), 0);
	assert_int_equal(store_setting_get(f->store, "a.b", &value), 0);
}

/* ---- principals ---- */

static void test_principal_create_get(void **state)
{
	struct fixture *f = *state;
	char *secrets[] = { "$y$one", "$6$two" };
	char *emails[] = { "Alice@Example.ORG", "al@example.org" };
	struct store_principal p = {
		.type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice", .description = "Alice",
		.role = "user", .quota = 1000, .secrets = secrets, .secret_count = 2,
		.emails = emails, .email_count = 2,
	};
	struct store_principal *got;
	const char *error;

	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	assert_true(p.id > 0);
	assert_true(p.created_at > 0);

	assert_int_equal(store_principal_get_by_name(f->store, "alice", &got), 1);
	assert_int_equal(got->id, p.id);
	assert_int_equal(got->type, STORE_PRINCIPAL_INDIVIDUAL);
	assert_string_equal(got->description, "Alice");
	assert_string_equal(got->role, "user");
	assert_int_equal(got->quota, 1000);
	assert_int_equal(got->secret_count, 2);
	assert_string_equal(got->secrets[0], "$y$one");
	assert_string_equal(got->secrets[1], "$6$two");
	assert_int_equal(got->email_count, 2);
	assert_string_equal(got->emails[0], "alice@example.org");
	assert_string_equal(got->emails[1], "al@example.org");
	assert_int_equal(got->created_at, p.created_at);
	assert_int_equal(got->secret_version, p.secret_version);
	store_principal_free(&got);
	assert_null(got);

	assert_int_equal(store_principal_get_by_id(f->store, p.id, &got), 1);
	assert_string_equal(got->name, "alice");
	store_principal_free(&got);
	assert_int_equal(store_principal_get_by_email(f->store, "AL@example.org", &got), 1);
	assert_string_equal(got->name, "alice");
	store_principal_free(&got);

	assert_int_equal(store_principal_get_by_name(f->store, "bob", &got), 0);
	assert_int_equal(store_principal_get_by_id(f->store, 9999, &got), 0);
	assert_int_equal(store_principal_get_by_email(f->store, "x@example.org", &got), 0);
}

static void test_principal_conflicts(void **state)
{
	struct fixture *f = *state;
	char *emails[] = { "bob@example.org" };
	struct store_principal p = {
		.type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
		.emails = emails, .email_count = 1,
	};
	struct store_principal *got;
	const char *error;
	uint32_t alice = make_individual(f->store, "alice", "alice@example.org");

	make_individual(f->store, "bob", "bob@example.org");
	assert_int_equal(store_principal_create(f->store, &p, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_EXISTS);
	p.name = "carol";
	assert_int_equal(store_principal_create(f->store, &p, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_EXISTS);
	assert_non_null(strstr(error, "bob@example.org"));
	assert_int_equal(store_principal_get_by_name(f->store, "carol", &got), 0);

	/* An update to a taken address fails and changes nothing. */
	assert_int_equal(store_principal_get_by_id(f->store, alice, &got), 1);
	free(got->emails[0]);
	got->emails[0] = xstrdup("BOB@example.org");
	assert_int_equal(store_principal_update(f->store, got, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_EXISTS);
	free(got->name);
	got->name = xstrdup("bob");
	assert_int_equal(store_principal_update(f->store, got, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_EXISTS);
	store_principal_free(&got);
	assert_int_equal(store_principal_get_by_email(f->store, "alice@example.org", &got), 1);
	assert_string_equal(got->name, "alice");
	store_principal_free(&got);
}

static void test_principal_update(void **state)
{
	struct fixture *f = *state;
	uint32_t id = make_individual(f->store, "alice", "alice@example.org");
	struct store_principal *p, *got;
	uint64_t version;
	const char *error;

	assert_int_equal(store_principal_get_by_id(f->store, id, &p), 1);
	version = p->secret_version;
	free(p->description);
	p->description = xstrdup("changed");
	p->quota = 5;
	assert_int_equal(store_principal_update(f->store, p, &error), 0);
	assert_int_equal(store_principal_get_by_id(f->store, id, &got), 1);
	assert_string_equal(got->description, "changed");
	assert_int_equal(got->quota, 5);
	assert_int_equal(got->secret_version, version);
	store_principal_free(&got);

	free(p->secrets[0]);
	p->secrets[0] = xstrdup("$y$new");
	free(p->name);
	p->name = xstrdup("alicia");
	assert_int_equal(store_principal_update(f->store, p, &error), 0);
	assert_int_equal(store_principal_get_by_name(f->store, "alicia", &got), 1);
	assert_int_equal(got->secret_version, version + 1);
	assert_string_equal(got->secrets[0], "$y$new");
	assert_int_equal(got->email_count, 1);
	store_principal_free(&got);
	assert_int_equal(store_principal_get_by_name(f->store, "alice", &got), 0);

	p->id = 4242;
	assert_int_equal(store_principal_update(f->store, p, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	store_principal_free(&p);
}

static void test_principal_list_groups(void **state)
{
	struct fixture *f = *state;
	char *members[] = { "bob", "alice" };
	struct store_principal dom = { .type = STORE_PRINCIPAL_DOMAIN, .name = "example.org" };
	struct store_principal grp = {
		.type = STORE_PRINCIPAL_GROUP, .name = "staff", .members = members, .member_count = 2,
	};
	struct store_principal **list;
	struct store_principal *got;
	size_t count;
	const char *error;

	make_individual(f->store, "bob", NULL);
	make_individual(f->store, "alice", NULL);
	assert_int_equal(store_principal_create(f->store, &dom, &error), 0);
	assert_int_equal(store_principal_create(f->store, &grp, &error), 0);

	assert_int_equal(store_principal_list(f->store, 0, &list, &count), 0);
	assert_int_equal(count, 4);
	assert_string_equal(list[0]->name, "alice");
	assert_string_equal(list[1]->name, "bob");
	assert_string_equal(list[2]->name, "example.org");
	assert_string_equal(list[3]->name, "staff");
	store_principal_list_free(&list, count);
	assert_null(list);

	assert_int_equal(store_principal_list(f->store, (1u << STORE_PRINCIPAL_INDIVIDUAL) |
					      (1u << STORE_PRINCIPAL_DOMAIN), &list, &count), 0);
	assert_int_equal(count, 3);
	assert_string_equal(list[2]->name, "example.org");
	store_principal_list_free(&list, count);
	assert_int_equal(store_principal_list(f->store, 1u << STORE_PRINCIPAL_GROUP,
					      &list, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(list[0]->member_count, 2);
	assert_string_equal(list[0]->members[0], "alice");
	assert_string_equal(list[0]->members[1], "bob");
	store_principal_list_free(&list, count);

	/* Deleting a member drops it from the group. */
	assert_int_equal(store_principal_get_by_name(f->store, "bob", &got), 1);
	assert_int_equal(store_principal_delete(f->store, got->id, &error), 1);
	store_principal_free(&got);
	assert_int_equal(store_principal_get_by_name(f->store, "staff", &got), 1);
	assert_int_equal(got->member_count, 1);
	store_principal_free(&got);

	grp.name = "other";
	members[0] = "nobody";
	assert_int_equal(store_principal_create(f->store, &grp, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
}

static void test_principal_delete(void **state)
{
	struct fixture *f = *state;
	uint32_t id = make_individual(f->store, "alice", "alice@example.org");
	char *dir = xasprintf("%s/accounts/%u", f->dir, id);
	struct store_account *acct;
	struct store_principal *got;
	const char *error;
	uint32_t id2;

	assert_int_equal(store_account_open(f->store, id, &acct, &error), 0);
	store_account_release(&acct);
	assert_true(path_exists(dir));
	assert_int_equal(store_principal_delete(f->store, id, &error), 1);
	assert_false(path_exists(dir));
	assert_int_equal(store_principal_delete(f->store, id, &error), 0);
	assert_int_equal(store_principal_get_by_email(f->store, "alice@example.org", &got), 0);

	/* The account stays gone, now and after a restart; ids are new. */
	assert_int_equal(store_account_open(f->store, id, &acct, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	reopen(f);
	assert_int_equal(store_account_open(f->store, id, &acct, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	assert_false(path_exists(dir));
	id2 = make_individual(f->store, "alice", "alice@example.org");
	assert_true(id2 > id);
	free(dir);
}

/* ---- bans ---- */

static void test_bans(void **state)
{
	struct fixture *f = *state;
	time_t now = time(NULL), until;
	const char *error;

	assert_int_equal(store_ban_get(f->store, "192.0.2.1", now, &until), 0);
	assert_int_equal(store_ban_set(f->store, "192.0.2.1", now + 60, &error), 0);
	assert_int_equal(store_ban_get(f->store, "192.0.2.1", now, &until), 1);
	assert_int_equal(until, now + 60);
	assert_int_equal(store_ban_get(f->store, "192.0.2.1", now + 60, &until), 0);
	assert_int_equal(store_ban_get(f->store, "2001:db8::1", now, &until), 0);
	assert_int_equal(store_ban_set(f->store, "192.0.2.1", now + 120, &error), 0);
	assert_int_equal(store_ban_get(f->store, "192.0.2.1", now + 60, &until), 1);
	assert_int_equal(until, now + 120);
	assert_int_equal(store_ban_clear(f->store, "192.0.2.1", &error), 0);
	assert_int_equal(store_ban_get(f->store, "192.0.2.1", now, &until), 0);
}

/* ---- accounts, transactions, modseq ---- */

static void test_account_cache(void **state)
{
	struct fixture *f = *state;
	struct store_account *a, *b, *many[20];
	const char *error;

	assert_int_equal(store_account_open(f->store, 1, &a, &error), 0);
	assert_int_equal(store_account_open(f->store, 1, &b, &error), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(store_account_id(a), 1);
	store_account_release(&b);
	store_account_release(&a);
	assert_int_equal(store_account_open(f->store, 0, &a, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);

	/* More handles in use than the cache keeps: all stay valid. */
	for (uint32_t i = 0; i < 20; i++)
		assert_int_equal(store_account_open(f->store, 100 + i, &many[i], &error), 0);
	for (uint32_t i = 0; i < 20; i++) {
		assert_int_equal(store_txn_begin(many[i], true, &error), 0);
		assert_true(store_modseq_next(many[i]) > 0);
		assert_int_equal(store_txn_commit(many[i], &error), 0);
	}
	for (uint32_t i = 0; i < 20; i++)
		store_account_release(&many[i]);
	for (uint32_t i = 0; i < 20; i++) {
		assert_int_equal(store_account_open(f->store, 100 + i, &a, &error), 0);
		assert_int_equal(store_modseq_current(a), 1);
		store_account_release(&a);
	}
	store_account_release(&a);
}

struct holder_arg {
	struct store *store;
	uint32_t account;
	struct store_account *acct;	/* the handle the thread had */
	pthread_barrier_t *barrier;	/* NULL: give it back at once */
};

/* Opens the account and gives the handle back, at once or after the
 * test thread passed the barrier twice. */
static void *holder_thread(void *p)
{
	struct holder_arg *arg = p;
	struct store_account *acct;
	const char *error;

	assert_int_equal(store_account_open(arg->store, arg->account, &acct, &error), 0);
	arg->acct = acct;
	if (arg->barrier != NULL) {
		pthread_barrier_wait(arg->barrier);
		pthread_barrier_wait(arg->barrier);
	}
	store_account_release(&acct);
	return NULL;
}

/* Idle handles serve any thread; one in use is that thread's alone. */
static void test_account_cache_shared(void **state)
{
	struct fixture *f = *state;
	struct holder_arg arg = { f->store, 7, NULL, NULL };
	struct store_account *a, *b;
	pthread_barrier_t barrier;
	pthread_t thread;
	const char *error;

	assert_int_equal(pthread_create(&thread, NULL, holder_thread, &arg), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(store_account_open(f->store, 7, &a, &error), 0);
	assert_ptr_equal(a, arg.acct);
	/* in use here: another thread gets a handle of its own */
	assert_int_equal(pthread_create(&thread, NULL, holder_thread, &arg), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_ptr_not_equal(arg.acct, a);
	/* both idle now: two opens at once get both */
	store_account_release(&a);
	pthread_barrier_init(&barrier, NULL, 2);
	arg.barrier = &barrier;
	assert_int_equal(pthread_create(&thread, NULL, holder_thread, &arg), 0);
	pthread_barrier_wait(&barrier);
	assert_int_equal(store_account_open(f->store, 7, &b, &error), 0);
	assert_ptr_not_equal(b, arg.acct);
	assert_int_equal(store_txn_begin(b, true, &error), 0);
	assert_true(store_modseq_next(b) > 0);
	assert_int_equal(store_txn_commit(b, &error), 0);
	store_account_release(&b);
	pthread_barrier_wait(&barrier);
	assert_int_equal(pthread_join(thread, NULL), 0);
	pthread_barrier_destroy(&barrier);
}

static void test_txn_rules(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_mailbox mb = { .name = "x" };
	const char *error;

	assert_int_equal(store_account_open(f->store, 1, &acct, &error), 0);
	assert_int_equal(store_modseq_next(acct), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), -1);
	assert_int_equal(store_txn_commit(acct, &error), -1);
	assert_int_equal(store_txn_begin(acct, false, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), -1);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), -1);
	assert_int_equal(store_txn_commit(acct, &error), 0);

	/* A handle given back inside a transaction is rolled back. */
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	assert_int_equal(mb.id, 1);
	store_account_release(&acct);
	assert_int_equal(store_account_open(f->store, 1, &acct, &error), 0);
	assert_int_equal(store_mailbox_get(acct, mb.id, &mb), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	store_txn_rollback(acct);
	store_account_release(&acct);
}

static void test_modseq(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	const char *error;
	uint64_t last = 0, m;

	assert_int_equal(store_account_open(f->store, 3, &acct, &error), 0);
	assert_int_equal(store_modseq_current(acct), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	for (int i = 0; i < 5; i++) {
		m = store_modseq_next(acct);
		assert_true(m > last);
		last = m;
	}
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_modseq_current(acct), last);
	store_account_release(&acct);

	reopen(f);
	assert_int_equal(store_account_open(f->store, 3, &acct, &error), 0);
	assert_int_equal(store_modseq_current(acct), last);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_modseq_next(acct), last + 1);
	store_txn_rollback(acct);
	assert_int_equal(store_modseq_current(acct), last);
	store_account_release(&acct);
}

static void test_rollback(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_mailbox mb = { .name = "Inbox", .role = "inbox" };
	struct store_change *changes;
	struct store_mailbox *list;
	size_t count;
	bool more;
	const char *error;

	assert_int_equal(store_account_open(f->store, 5, &acct, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	store_txn_rollback(acct);
	assert_int_equal(store_mailbox_list(acct, &list, &count, &error), 0);
	assert_int_equal(count, 0);
	store_mailbox_list_free(&list, count);
	assert_int_equal(store_modseq_current(acct), 0);
	assert_int_equal(store_type_state(acct, STORE_TYPE_MAILBOX), 0);
	assert_int_equal(store_changes(acct, STORE_TYPE_MAILBOX, 0, 0, &changes, &count,
				       &more, &error), 0);
	assert_int_equal(count, 0);
	free(changes);
	store_account_release(&acct);
}

/* ---- mailboxes ---- */

static uint64_t mailbox_create(struct store_account *acct, const char *name, uint64_t parent)
{
	struct store_mailbox mb = { .name = (char *)name, .parent_id = parent, .sort_order = 3 };
	const char *error;

	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(mb.uid_next, 1);
	return mb.id;
}

static void test_mailboxes(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_mailbox mb, *list;
	size_t count;
	const char *error;
	uint64_t inbox, child, state0;

	assert_int_equal(store_account_open(f->store, 2, &acct, &error), 0);
	inbox = mailbox_create(acct, "Inbox", 0);
	child = mailbox_create(acct, "Child", inbox);
	state0 = store_type_state(acct, STORE_TYPE_MAILBOX);
	assert_int_equal(state0, store_modseq_current(acct));

	assert_int_equal(store_mailbox_get(acct, child, &mb), 1);
	assert_string_equal(mb.name, "Child");
	assert_int_equal(mb.parent_id, inbox);
	assert_null(mb.role);
	assert_int_equal(mb.sort_order, 3);
	assert_int_equal(mb.total_emails, 0);
	assert_int_equal(mb.modseq, state0);
	free(mb.name);
	mb.name = xstrdup("Renamed");
	mb.role = xstrdup("archive");
	mb.is_subscribed = true;
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_update(acct, &mb, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_true(mb.modseq > state0);
	assert_int_equal(store_type_state(acct, STORE_TYPE_MAILBOX), mb.modseq);
	store_mailbox_clear(&mb);
	assert_int_equal(store_mailbox_get(acct, child, &mb), 1);
	assert_string_equal(mb.name, "Renamed");
	assert_string_equal(mb.role, "archive");
	assert_true(mb.is_subscribed);
	store_mailbox_clear(&mb);

	/* A parent with children cannot go first; missing ids are refused. */
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_destroy(acct, inbox, &error), -1);
	assert_int_equal(store_mailbox_destroy(acct, 999, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_mailbox_destroy(acct, child, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_mailbox_get(acct, child, &mb), 0);
	assert_int_equal(store_mailbox_list(acct, &list, &count, &error), 0);
	assert_int_equal(count, 1);
	assert_int_equal(list[0].id, inbox);
	store_mailbox_list_free(&list, count);
	assert_null(list);
	store_account_release(&acct);
}

/* Creates a, b, c; then updates a and destroys b. *since_r is the
 * state after b was created. */
static void changes_prepare(struct store_account *acct, uint64_t ids_r[3], uint64_t *since_r)
{
	struct store_mailbox mb = { 0 };
	const char *error;

	ids_r[0] = mailbox_create(acct, "a", 0);
	ids_r[1] = mailbox_create(acct, "b", 0);
	*since_r = store_type_state(acct, STORE_TYPE_MAILBOX);
	ids_r[2] = mailbox_create(acct, "c", 0);
	assert_int_equal(store_mailbox_get(acct, ids_r[0], &mb), 1);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_update(acct, &mb, &error), 0);
	assert_int_equal(store_mailbox_destroy(acct, ids_r[1], &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	store_mailbox_clear(&mb);
}

static void test_changes(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_change *c;
	size_t count;
	bool more;
	const char *error;
	uint64_t ids[3], since;
	uint64_t a, b, c_id;

	assert_int_equal(store_account_open(f->store, 4, &acct, &error), 0);
	changes_prepare(acct, ids, &since);
	a = ids[0];
	b = ids[1];
	c_id = ids[2];

	/* From the start: a updated, c created; b destroyed. */
	assert_int_equal(store_changes(acct, STORE_TYPE_MAILBOX, 0, 0, &c, &count, &more,
				       &error), 0);
	assert_int_equal(count, 3);
	assert_false(more);
	assert_int_equal(c[0].id, c_id);
	assert_true(c[0].created);
	assert_int_equal(c[1].id, a);
	assert_true(c[1].created);
	assert_false(c[1].destroyed);
	assert_int_equal(c[2].id, b);
	assert_true(c[2].destroyed);
	assert_true(c[0].modseq < c[1].modseq && c[1].modseq < c[2].modseq);
	free(c);

	/* Paging from since, two at a time. */
	assert_int_equal(store_changes(acct, STORE_TYPE_MAILBOX, since, 2, &c, &count, &more,
				       &error), 0);
	assert_int_equal(count, 2);
	assert_true(more);
	assert_int_equal(c[0].id, c_id);
	assert_true(c[0].created);
	assert_int_equal(c[1].id, a);
	assert_false(c[1].created);
	since = c[1].modseq;
	free(c);
	assert_int_equal(store_changes(acct, STORE_TYPE_MAILBOX, since, 2, &c, &count, &more,
				       &error), 0);
	assert_int_equal(count, 1);
	assert_false(more);
	assert_int_equal(c[0].id, b);
	assert_true(c[0].destroyed);
	assert_false(c[0].created);
	assert_int_equal(c[0].modseq, store_type_state(acct, STORE_TYPE_MAILBOX));
	free(c);
	store_account_release(&acct);
}

static void test_tombstones(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_change *c;
	size_t count;
	bool more;
	const char *error;
	uint64_t ids[3], since;

	assert_int_equal(store_account_open(f->store, 4, &acct, &error), 0);
	changes_prepare(acct, ids, &since);
	assert_int_equal(store_changes(acct, STORE_TYPE_EMAIL, 0, 0, &c, &count, &more,
				       &error), 0);
	assert_int_equal(count, 0);
	free(c);
	assert_int_equal(store_type_state(acct, STORE_TYPE_EMAIL), 0);
	assert_int_equal(store_changes(acct, STORE_TYPE__COUNT, 0, 0, &c, &count, &more,
				       &error), -1);

	/* Expiring tombstones removes them and raises the floor. */
	assert_int_equal(store_tombstone_floor(acct), 0);
	assert_int_equal(store_tombstones_expire(acct, time(NULL) - 3600, &error), 0);
	assert_int_equal(store_tombstone_floor(acct), 0);
	assert_int_equal(store_tombstones_expire(acct, time(NULL) + 10, &error), 0);
	assert_int_equal(store_tombstone_floor(acct), store_type_state(acct, STORE_TYPE_MAILBOX));
	assert_int_equal(store_changes(acct, STORE_TYPE_MAILBOX, 0, 0, &c, &count, &more,
				       &error), 0);
	assert_int_equal(count, 2);
	free(c);
	store_account_release(&acct);
}


static void test_uid_validity(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_mailbox mb = { .name = "Inbox" };
	const char *error;
	uint32_t last = 0;

	assert_int_equal(store_account_open(f->store, 6, &acct, &error), 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(store_txn_begin(acct, true, &error), 0);
		assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
		assert_true(mb.uid_validity > last);
		assert_true(mb.uid_validity >= (uint32_t)time(NULL) - 5);
		last = mb.uid_validity;
		assert_int_equal(store_mailbox_destroy(acct, mb.id, &error), 0);
		assert_int_equal(store_txn_commit(acct, &error), 0);
	}
	store_account_release(&acct);
}

/* ---- blobs ---- */

static void blob_put(struct store_account *acct, const char *data, char id_r[STORE_BLOB_ID_LEN + 1])
{
	struct store_blob_writer *w;
	uint64_t size;
	const char *error;
	size_t len = strlen(data), half = len / 2;

	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	assert_int_equal(store_blob_write(w, data, half, &error), 0);
	assert_int_equal(store_blob_write(w, data + half, len - half, &error), 0);
	assert_int_equal(store_blob_write_finish(&w, id_r, &size, &error), 0);
	assert_null(w);
	assert_int_equal(size, len);
}

static void test_blobs(void **state)
{
	struct fixture *f = *state;
	static const char data[] = "Hello, blob store!\r\n";
	struct store_account *acct;
	char id[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1], expect[STORE_BLOB_ID_LEN + 1];
	uint8_t digest[SHA256_LEN];
	char buf[64];
	uint64_t size;
	const char *error;
	int found, fd;

	sha256(data, strlen(data), digest);
	expect[0] = 'G';
	hex_encode(digest, sizeof(digest), expect + 1);
	assert_int_equal(store_account_open(f->store, 8, &acct, &error), 0);
	blob_put(acct, data, id);
	assert_string_equal(id, expect);
	blob_put(acct, data, id2);
	assert_string_equal(id2, id);
	assert_int_equal(store_blob_stat(acct, id, &size), 1);
	assert_int_equal(size, strlen(data));
	assert_int_equal(store_blob_pending_bytes(acct), strlen(data));

	fd = store_blob_open(acct, id, &found);
	assert_true(fd >= 0);
	assert_int_equal(found, 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), strlen(data));
	assert_memory_equal(buf, data, strlen(data));
	close(fd);

	/* Malformed ids never reach the file system. */
	assert_int_equal(store_blob_stat(acct, "G../../system.db", &size), 0);
	assert_int_equal(store_blob_open(acct, "../account.db", &found), -1);
	assert_int_equal(found, 0);
	expect[5] = expect[5] == 'a' ? 'b' : 'a';
	assert_int_equal(store_blob_stat(acct, expect, &size), 0);

	store_account_release(&acct);
}

/* The content of the blobs written last is kept until the next write
 * transaction begins, and dropped with the one that wrote it. */
static void test_blob_recent(void **state)
{
	struct fixture *f = *state;
	static const char one[] = "first blob\r\n", two[] = "second blob\r\n";
	struct store_account *acct;
	char id1[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1];
	const char *error;
	void *data;
	size_t len;

	assert_int_equal(store_account_open(f->store, 12, &acct, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	blob_put(acct, one, id1);
	blob_put(acct, two, id2);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_blob_recent_take(acct, id2, &data, &len), 1);
	assert_int_equal(len, strlen(two));
	assert_memory_equal(data, two, len);
	free(data);
	/* taken once: the next take reads the file */
	assert_int_equal(store_blob_recent_take(acct, id2, &data, &len), 0);
	assert_int_equal(store_blob_recent_take(acct, id1, &data, &len), 1);
	assert_memory_equal(data, one, len);
	free(data);

	/* a write transaction forgets what was written before it, a blob
	 * written on its own included (it has a transaction of its own) */
	blob_put(acct, one, id1);
	blob_put(acct, two, id2);
	assert_int_equal(store_blob_recent_take(acct, id1, &data, &len), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_blob_recent_take(acct, id1, &data, &len), 0);
	/* a blob of a transaction that rolls back is not kept */
	blob_put(acct, two, id2);
	store_txn_rollback(acct);
	assert_int_equal(store_blob_recent_take(acct, id2, &data, &len), 0);
	/* one of a transaction that commits is */
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	blob_put(acct, two, id2);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_blob_recent_take(acct, id2, &data, &len), 1);
	free(data);
	store_account_release(&acct);
}

/* A type's state moves inside the transaction, and stays only if it
 * commits. */
static void test_type_state_in_txn(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_mailbox mb = { .name = "Inbox", .role = "inbox" };
	struct store_mailbox mb2 = { .name = "Other" };
	const char *error;
	uint64_t committed;

	assert_int_equal(store_account_open(f->store, 13, &acct, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	assert_int_equal(store_type_state(acct, STORE_TYPE_MAILBOX), mb.modseq);
	assert_int_equal(store_type_state(acct, STORE_TYPE_EMAIL), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	committed = store_type_state(acct, STORE_TYPE_MAILBOX);
	assert_int_equal(committed, mb.modseq);

	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb2, &error), 0);
	assert_true(store_type_state(acct, STORE_TYPE_MAILBOX) > committed);
	store_txn_rollback(acct);
	assert_int_equal(store_type_state(acct, STORE_TYPE_MAILBOX), committed);
	store_account_release(&acct);

	reopen(f);
	assert_int_equal(store_account_open(f->store, 13, &acct, &error), 0);
	assert_int_equal(store_type_state(acct, STORE_TYPE_MAILBOX), committed);
	store_account_release(&acct);
}

static void test_blob_refs(void **state)
{
	struct fixture *f = *state;
	static const char data[] = "referenced content";
	struct store_account *acct;
	char id[STORE_BLOB_ID_LEN + 1], other[STORE_BLOB_ID_LEN + 1];
	char *path;
	void *content;
	size_t len;
	uint64_t size;
	const char *error;
	int found;

	assert_int_equal(store_account_open(f->store, 8, &acct, &error), 0);
	blob_put(acct, data, id);
	assert_int_equal(store_blob_read(acct, id, &content, &len, &error), 1);
	assert_int_equal(len, strlen(data));
	assert_string_equal(content, data);
	free(content);
	memcpy(other, id, sizeof(other));
	other[5] = other[5] == 'a' ? 'b' : 'a';
	/* A small blob lives in the database, not in a file. */
	path = xasprintf("%s/accounts/8/blobs/%.2s/%s", f->dir, id + 1, id + 1);
	assert_false(path_exists(path));

	/* References keep a blob past expiry. */
	assert_int_equal(store_blob_ref(acct, id, 1, &error), -1);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_blob_ref(acct, id, 1, &error), 0);
	assert_int_equal(store_blob_ref(acct, other, 1, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_blob_pending_bytes(acct), 0);
	assert_int_equal(store_blobs_expire(acct, time(NULL) + 10, &error), 0);
	assert_int_equal(store_blob_stat(acct, id, &size), 1);

	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_blob_ref(acct, id, -1, &error), 0);
	assert_int_equal(store_blob_ref(acct, id, -1, &error), -1);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_blob_pending_bytes(acct), strlen(data));
	assert_int_equal(store_blobs_expire(acct, time(NULL) - 3600, &error), 0);
	assert_int_equal(store_blob_stat(acct, id, &size), 1);
	assert_int_equal(store_blobs_expire(acct, time(NULL) + 10, &error), 0);
	assert_int_equal(store_blob_stat(acct, id, &size), 0);
	assert_int_equal(store_blob_pending_bytes(acct), 0);
	assert_int_equal(store_blob_read(acct, id, &content, &len, &error), 0);
	free(path);
	assert_int_equal(store_blob_open(acct, id, &found), -1);
	assert_int_equal(found, 0);
	store_account_release(&acct);
}

/* Content past the inline bound goes to a file, whether it crosses the
 * bound in one write or over several; content at the bound stays in
 * the database. Both read back whole, as memory and as an fd. */
static void blob_check_size(struct store_account *acct, struct fixture *f, size_t len,
			    size_t chunk, bool file)
{
	struct store_blob_writer *w;
	char id[STORE_BLOB_ID_LEN + 1], *data = xmalloc(len), *path, *back;
	void *content;
	size_t got;
	uint64_t size;
	const char *error;
	int fd, found;

	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + (i * 7 + len) % 26);
	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	for (size_t done = 0; done < len; done += chunk)
		assert_int_equal(store_blob_write(w, data + done, len - done < chunk ?
						  len - done : chunk, &error), 0);
	assert_int_equal(store_blob_write_finish(&w, id, &size, &error), 0);
	assert_int_equal(size, len);
	path = xasprintf("%s/accounts/27/blobs/%.2s/%s", f->dir, id + 1, id + 1);
	assert_int_equal(path_exists(path), file);
	assert_int_equal(store_blob_read(acct, id, &content, &got, &error), 1);
	assert_int_equal(got, len);
	assert_memory_equal(content, data, len);
	free(content);
	fd = store_blob_open(acct, id, &found);
	assert_true(fd >= 0);
	back = xmalloc(len + 1);
	assert_int_equal(read(fd, back, len + 1), len);
	assert_memory_equal(back, data, len);
	close(fd);
	assert_int_equal(store_blobs_expire(acct, time(NULL) + 10, &error), 0);
	assert_int_equal(store_blob_stat(acct, id, &size), 0);
	assert_false(path_exists(path));
	free(back);
	free(path);
	free(data);
}

static void test_blob_sizes(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	const char *error;

	assert_int_equal(store_account_open(f->store, 27, &acct, &error), 0);
	blob_check_size(acct, f, 64 * 1024, 1000, false);
	blob_check_size(acct, f, 64 * 1024 + 1, 1000, true);
	blob_check_size(acct, f, 200 * 1024, 200 * 1024, true);
	blob_check_size(acct, f, 100 * 1024, 30 * 1024, true);
	store_account_release(&acct);
}

static void test_blob_abort_and_txn(void **state)
{
	struct fixture *f = *state;
	struct store_account *acct;
	struct store_blob_writer *w;
	char id[STORE_BLOB_ID_LEN + 1];
	uint64_t size;
	const char *error;
	char *tmp = xasprintf("%s/accounts/9/tmp", f->dir);

	assert_int_equal(store_account_open(f->store, 9, &acct, &error), 0);
	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	assert_int_equal(store_blob_write(w, "abc", 3, &error), 0);
	store_blob_write_abort(&w);
	assert_null(w);
	store_blob_write_abort(&w);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(mkdir(tmp, 0700), 0);

	/* Inside the caller's transaction, a rollback forgets the blob. */
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	blob_put(acct, "inside", id);
	assert_int_equal(store_blob_ref(acct, id, 1, &error), 0);
	store_txn_rollback(acct);
	assert_int_equal(store_blob_stat(acct, id, &size), 0);
	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	assert_int_equal(store_blob_write_finish(&w, id, &size, &error), 0);
	assert_int_equal(size, 0);
	assert_int_equal(store_blob_stat(acct, id, &size), 1);
	store_account_release(&acct);
	free(tmp);
}

/* ---- threads ---- */

struct writer_arg {
	struct store *store;
	uint32_t account;
	int failures;
};

static void *writer_thread(void *p)
{
	struct writer_arg *arg = p;
	struct store_account *acct;
	const char *error;
	char name[32];

	for (int i = 0; i < 50; i++) {
		struct store_mailbox mb = { .name = name };

		snprintf(name, sizeof(name), "box%d", i);
		if (store_account_open(arg->store, arg->account, &acct, &error) < 0) {
			arg->failures++;
			continue;
		}
		if (store_txn_begin(acct, true, &error) < 0 ||
		    store_mailbox_create(acct, &mb, &error) < 0 ||
		    store_txn_commit(acct, &error) < 0) {
			store_txn_rollback(acct);
			arg->failures++;
		}
		store_account_release(&acct);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct writer_arg args[2] = { { f->store, 21, 0 }, { f->store, 22, 0 } };
	pthread_t threads[2];
	struct store_account *acct;
	struct store_mailbox *list;
	size_t count;
	const char *error;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, writer_thread, &args[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	for (uint32_t id = 21; id <= 22; id++) {
		assert_int_equal(store_account_open(f->store, id, &acct, &error), 0);
		assert_int_equal(store_mailbox_list(acct, &list, &count, &error), 0);
		assert_int_equal(count, 50);
		assert_int_equal(store_modseq_current(acct), 50);
		store_mailbox_list_free(&list, count);
		store_account_release(&acct);
	}
}

/* Two threads writing to the same account wait for each other's write
 * lock instead of failing. */
static void test_threads_same_account(void **state)
{
	struct fixture *f = *state;
	struct writer_arg args[2] = { { f->store, 23, 0 }, { f->store, 23, 0 } };
	pthread_t threads[2];
	struct store_account *acct;
	const char *error;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, writer_thread, &args[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	assert_int_equal(store_account_open(f->store, 23, &acct, &error), 0);
	assert_int_equal(store_modseq_current(acct), 100);
	assert_int_equal(store_type_state(acct, STORE_TYPE_MAILBOX), 100);
	store_account_release(&acct);
}

struct waiter_arg {
	struct store *store;
	atomic_int holder_done;
	uint64_t seen_modseq;
	int ret;
};

/* Starts a write transaction while the test thread holds one. */
static void *waiter_thread(void *p)
{
	struct waiter_arg *arg = p;
	struct store_account *acct;
	const char *error;

	assert_int_equal(store_account_open(arg->store, 24, &acct, &error), 0);
	arg->ret = store_txn_begin(acct, true, &error);
	/* it may only start once the holder has committed */
	assert_int_equal(atomic_load(&arg->holder_done), 1);
	arg->seen_modseq = store_modseq_current(acct);
	if (arg->ret == 0)
		assert_int_equal(store_txn_commit(acct, &error), 0);
	store_account_release(&acct);
	return NULL;
}

/* A second writer of the account in this process waits for the first
 * to end, then starts at once and sees its commit. */
static void test_writer_waits(void **state)
{
	struct fixture *f = *state;
	struct waiter_arg arg = { .store = f->store };
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	struct store_account *acct;
	struct store_mailbox mb = { .name = "held" };
	const char *error;
	pthread_t thread;

	atomic_init(&arg.holder_done, 0);
	assert_int_equal(store_account_open(f->store, 24, &acct, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	assert_int_equal(pthread_create(&thread, NULL, waiter_thread, &arg), 0);
	nanosleep(&pause, NULL);
	atomic_store(&arg.holder_done, 1);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(arg.ret, 0);
	assert_int_equal(arg.seen_modseq, store_modseq_current(acct));
	/* a rolled back writer lets the next one in too */
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	store_txn_rollback(acct);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	store_account_release(&acct);
}

/* Many commits keep the WAL bounded: each committer checkpoints once
 * the log has grown past its bound. */
static void test_wal_checkpointed(void **state)
{
	struct fixture *f = *state;
	char *data = xmalloc(64 * 1024 + 1), *wal;
	struct store_account *acct;
	char id[STORE_BLOB_ID_LEN + 1];
	const char *error;
	struct stat st;

	assert_int_equal(store_account_open(f->store, 25, &acct, &error), 0);
	for (int i = 0; i < 400; i++) {
		struct store_mailbox mb = { .name = data };

		memset(data, 'a' + i % 26, 64 * 1024);
		snprintf(data, 16, "box%d-", i);
		data[64 * 1024] = '\0';
		assert_int_equal(store_txn_begin(acct, true, &error), 0);
		assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
		assert_int_equal(store_txn_commit(acct, &error), 0);
	}
	blob_put(acct, "after the writes", id);
	wal = xasprintf("%s/accounts/25/account.db-wal", f->dir);
	assert_int_equal(stat(wal, &st), 0);
	/* 400 x 64 KB went through it; without checkpoints it would hold
	 * them all */
	assert_true(st.st_size < 20 * 1024 * 1024);
	free(wal);
	free(data);
	store_account_release(&acct);
}

/* A writer closed early (to hold no descriptor) still finishes, in a
 * transaction or, synced by path, outside one. */
static void test_blob_write_close(void **state)
{
	struct fixture *f = *state;
	static const char data[] = "staged before the transaction";
	struct store_account *acct;
	struct store_blob_writer *w;
	char id[STORE_BLOB_ID_LEN + 1], expect[STORE_BLOB_ID_LEN + 1], buf[64];
	uint64_t size;
	const char *error;
	int fd, found;

	assert_int_equal(store_account_open(f->store, 26, &acct, &error), 0);
	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	assert_int_equal(store_blob_write(w, data, strlen(data), &error), 0);
	assert_int_equal(store_blob_write_close(w, &error), 0);
	assert_int_equal(store_blob_write(w, "more", 4, &error), -1);
	assert_int_equal(store_blob_write_finish(&w, id, &size, &error), 0);
	assert_int_equal(size, strlen(data));
	fd = store_blob_open(acct, id, &found);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), strlen(data));
	assert_memory_equal(buf, data, strlen(data));
	close(fd);

	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	assert_int_equal(store_blob_write(w, "other content", 13, &error), 0);
	assert_int_equal(store_blob_write_close(w, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_blob_write_finish(&w, expect, &size, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	assert_int_equal(store_blob_stat(acct, expect, &size), 1);
	assert_int_equal(size, 13);

	/* closed, then aborted: nothing is left */
	assert_int_equal(store_blob_write_begin(acct, &w, &error), 0);
	assert_int_equal(store_blob_write_close(w, &error), 0);
	store_blob_write_abort(&w);
	assert_null(w);
	store_account_release(&acct);
}

struct opener_arg {
	struct store *store;
	uint32_t account;
	pthread_barrier_t *barrier;
	int second_open;
};

static void *opener_thread(void *p)
{
	struct opener_arg *arg = p;
	struct store_account *acct;
	const char *error;

	assert_int_equal(store_account_open(arg->store, arg->account, &acct, &error), 0);
	store_account_release(&acct);
	pthread_barrier_wait(arg->barrier);
	pthread_barrier_wait(arg->barrier);
	arg->second_open = store_account_open(arg->store, arg->account, &acct, &error);
	store_account_release(&acct);
	return NULL;
}

/* Another thread's cached handle does not bring a deleted account back. */
static void test_delete_other_thread(void **state)
{
	struct fixture *f = *state;
	uint32_t id = make_individual(f->store, "dora", NULL);
	char *dir = xasprintf("%s/accounts/%u", f->dir, id);
	pthread_barrier_t barrier;
	struct opener_arg arg = { f->store, id, &barrier, 0 };
	pthread_t thread;
	const char *error;

	pthread_barrier_init(&barrier, NULL, 2);
	assert_int_equal(pthread_create(&thread, NULL, opener_thread, &arg), 0);
	pthread_barrier_wait(&barrier);
	assert_int_equal(store_principal_delete(f->store, id, &error), 1);
	pthread_barrier_wait(&barrier);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(arg.second_open, -1);
	assert_false(path_exists(dir));
	pthread_barrier_destroy(&barrier);
	free(dir);
}

/* Leftovers of a deletion interrupted by a crash go at the next open. */
static void test_sweep_leftovers(void **state)
{
	struct fixture *f = *state;
	uint32_t id = make_individual(f->store, "eve", NULL);
	char *dir = xasprintf("%s/accounts/%u", f->dir, id);
	char *trash = xasprintf("%s/accounts/.trash-%u-0123", f->dir, id);
	char *keep = xasprintf("%s/accounts/%u", f->dir, id + 1);
	char *file = xasprintf("%s/file", trash);
	const char *error;
	FILE *fp;

	assert_int_equal(store_principal_delete(f->store, id, &error), 1);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(trash, 0700), 0);
	assert_int_equal(mkdir(keep, 0700), 0);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	reopen(f);
	assert_false(path_exists(dir));
	assert_false(path_exists(trash));
	assert_true(path_exists(keep));
	free(dir);
	free(trash);
	free(keep);
	free(file);
}

int main(void)
{
	const char *error;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_create_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_list_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_cache_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modseq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailboxes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tombstones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid_validity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_recent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_state_in_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_abort_and_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_same_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_checkpointed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_write_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_other_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_leftovers, setup, teardown),
	};

	assert_int_equal(log_open(NULL, LOG_LEVEL_WARN, &error), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
