/* Unit tests for the email store: create and threading, UIDs, keywords
 * and mailbox counts, mailbox changes, destroy, every query condition
 * and sort, full-text words and hostile input, both plans of a text
 * query, collapsed threads, windows and anchors, and the batched blob
 * sync. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/xalloc.h"
#include "store/store_mail.h"
#include "store/store_mail_private.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_LIST 8

struct fixture {
	char *dir;
	struct store *store;
	struct store_account *acct;
	unsigned blob_counter;
};

/* One email to create: NULL-terminated lists, 0-terminated mailboxes. */
struct spec {
	const char *msgid;
	const char *refs[MAX_LIST];
	const char *thread_subject;
	const char *subject, *from_sort, *to_sort;
	uint64_t mailboxes[MAX_LIST];
	const char *keywords[MAX_LIST];
	int64_t received_at;
	uint64_t size;
	bool has_attachment;
	struct store_email_text text;
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

	f->dir = xasprintf("%s/test_store_mail.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
	assert_int_equal(store_account_open(f->store, 1, &f->acct, &error), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_account_release(&f->acct);
	store_close(&f->store);
	assert_int_equal(nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f->dir);
	free(f);
	return 0;
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

static uint64_t mailbox_new(struct fixture *f, const char *name)
{
	struct store_mailbox mb = { .name = (char *)name };
	const char *error;

	begin(f);
	assert_int_equal(store_mailbox_create(f->acct, &mb, &error), 0);
	commit(f);
	return mb.id;
}

static void mailbox_read(struct fixture *f, uint64_t id, struct store_mailbox *mb)
{
	assert_int_equal(store_mailbox_get(f->acct, id, mb), 1);
	free(mb->name);
	free(mb->role);
	mb->name = mb->role = NULL;
}

/* A blob of the line "message number N" written lines times: once is
 * small enough to be kept in the database, five thousand times is a file. */
static void blob_put_lines(struct fixture *f, char blob_id[STORE_BLOB_ID_LEN + 1],
			   size_t lines)
{
	struct store_blob_writer *w;
	char data[64];
	uint64_t size;
	const char *error;

	snprintf(data, sizeof(data), "message number %u\r\n", f->blob_counter++);
	assert_int_equal(store_blob_write_begin(f->acct, &w, &error), 0);
	for (size_t i = 0; i < lines; i++)
		assert_int_equal(store_blob_write(w, data, strlen(data), &error), 0);
	assert_int_equal(store_blob_write_finish(&w, blob_id, &size, &error), 0);
}

static void blob_put(struct fixture *f, char blob_id[STORE_BLOB_ID_LEN + 1])
{
	blob_put_lines(f, blob_id, 1);
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;

	while (n < MAX_LIST && list[n] != NULL)
		n++;
	return n;
}

/* Fills e from s; the strings stay borrowed (e is not cleared). */
static void spec_email(struct fixture *f, const struct spec *s, struct store_email *e,
		       struct store_email_mailbox *mbs)
{
	memset(e, 0, sizeof(*e));
	blob_put(f, e->blob_id);
	e->size = s->size != 0 ? s->size : 100;
	e->received_at = s->received_at;
	e->sent_at = s->received_at;
	e->message_id = (char *)s->msgid;
	e->refs = (char **)s->refs;
	e->ref_count = list_len(s->refs);
	e->thread_subject = (char *)(s->thread_subject != NULL ? s->thread_subject : "");
	e->subject = (char *)s->subject;
	e->from_sort = (char *)s->from_sort;
	e->to_sort = (char *)s->to_sort;
	e->preview = (char *)"preview text";
	e->has_attachment = s->has_attachment;
	e->model = (char *)"{\"model\":true}";
	for (size_t i = 0; i < MAX_LIST && s->mailboxes[i] != 0; i++) {
		mbs[i].mailbox_id = s->mailboxes[i];
		e->mailbox_count++;
	}
	e->mailboxes = mbs;
	e->keywords = (char **)s->keywords;
	e->keyword_count = list_len(s->keywords);
}

/* Creates the email in its own transaction; returns its id and thread. */
static uint64_t add(struct fixture *f, const struct spec *s, uint64_t *thread_r)
{
	struct store_email_mailbox mbs[MAX_LIST];
	struct store_email e;
	const char *error;

	begin(f);
	spec_email(f, s, &e, mbs);
	assert_int_equal(store_email_create(f->acct, &e, &s->text, &error), 0);
	commit(f);
	assert_true(e.id > 0);
	assert_true(e.thread_id > 0);
	if (thread_r != NULL)
		*thread_r = e.thread_id;
	return e.id;
}

static uint64_t thread_of(struct fixture *f, uint64_t id)
{
	struct store_email e;
	uint64_t thread;

	assert_int_equal(store_email_get(f->acct, id, 0, &e), 1);
	thread = e.thread_id;
	store_email_clear(&e);
	return thread;
}

static bool changed(struct fixture *f, enum store_type type, uint64_t since, uint64_t id,
		    bool *destroyed_r)
{
	struct store_change *list;
	size_t count;
	bool more, found = false;
	const char *error;

	assert_int_equal(store_changes(f->acct, type, since, 0, &list, &count, &more, &error), 0);
	for (size_t i = 0; i < count; i++) {
		if (list[i].id == id) {
			found = true;
			if (destroyed_r != NULL)
				*destroyed_r = list[i].destroyed;
		}
	}
	free(list);
	return found;
}

/* ---- create, get, threading ---- */

static void test_create_get(void **state)
{
	struct fixture *f = *state;
	uint64_t inbox = mailbox_new(f, "Inbox"), id, thread, ids[2];
	struct spec s = {
		.msgid = "a@x", .refs = { "r1@x", "r2@x" }, .thread_subject = "hello",
		.subject = "hello", .from_sort = "alice", .to_sort = "bob",
		.mailboxes = { inbox }, .keywords = { "$flagged", "$seen" },
		.received_at = 1000, .size = 1234, .has_attachment = true,
		.text = { .subject = "Hello", .body = "body words" },
	};
	struct store_email e, *list;
	uint64_t state_before = store_type_state(f->acct, STORE_TYPE_EMAIL);
	const char *error;

	id = add(f, &s, &thread);
	assert_int_equal(store_email_get(f->acct, id, 0, &e), 1);
	assert_int_equal(e.id, id);
	assert_int_equal(e.thread_id, thread);
	assert_int_equal(e.size, 1234);
	assert_int_equal(e.received_at, 1000);
	assert_string_equal(e.message_id, "a@x");
	assert_int_equal(e.ref_count, 2);
	assert_string_equal(e.refs[1], "r2@x");
	assert_string_equal(e.thread_subject, "hello");
	assert_string_equal(e.from_sort, "alice");
	assert_string_equal(e.preview, "preview text");
	assert_true(e.has_attachment);
	assert_null(e.model);
	assert_int_equal(e.mailbox_count, 1);
	assert_int_equal(e.mailboxes[0].mailbox_id, inbox);
	assert_int_equal(e.mailboxes[0].uid, 1);
	assert_int_equal(e.mailboxes[0].modseq, e.modseq);
	assert_int_equal(e.keyword_count, 2);
	assert_string_equal(e.keywords[0], "$flagged");
	assert_int_equal(store_blob_pending_bytes(f->acct), 0);
	store_email_clear(&e);

	assert_int_equal(store_email_get(f->acct, id, STORE_EMAIL_WITH_MODEL, &e), 1);
	assert_string_equal(e.model, "{\"model\":true}");
	store_email_clear(&e);
	assert_int_equal(store_email_get(f->acct, id + 100, 0, &e), 0);

	ids[0] = id + 100;
	ids[1] = id;
	assert_int_equal(store_email_get_many(f->acct, ids, 2, 0, &list, &error), 0);
	assert_int_equal(list[0].id, 0);
	assert_int_equal(list[1].id, id);
	store_email_list_free(&list, 2);
	assert_null(list);

	assert_true(store_type_state(f->acct, STORE_TYPE_EMAIL) > state_before);
	assert_true(changed(f, STORE_TYPE_EMAIL, state_before, id, NULL));
	assert_true(changed(f, STORE_TYPE_THREAD, state_before, thread, NULL));
	assert_true(changed(f, STORE_TYPE_MAILBOX, state_before, inbox, NULL));
	assert_int_equal(store_email_used_bytes(f->acct), 1234);
}

static void test_create_needs_txn_and_mailbox(void **state)
{
	struct fixture *f = *state;
	uint64_t inbox = mailbox_new(f, "Inbox");
	struct spec s = { .mailboxes = { inbox } };
	struct store_email_mailbox mbs[MAX_LIST];
	struct store_email e;
	const char *error;

	spec_email(f, &s, &e, mbs);
	assert_int_equal(store_email_create(f->acct, &e, NULL, &error), -1);
	begin(f);
	e.mailbox_count = 0;
	assert_int_equal(store_email_create(f->acct, &e, NULL, &error), -1);
	/* An unknown mailbox fails the create and leaves nothing behind. */
	mbs[0].mailbox_id = inbox + 50;
	e.mailbox_count = 1;
	assert_int_equal(store_email_create(f->acct, &e, NULL, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	mbs[0].mailbox_id = inbox;
	assert_int_equal(store_email_create(f->acct, &e, NULL, &error), 0);
	commit(f);
	assert_int_equal(e.id, 1);
	assert_int_equal(e.thread_id, 1);
	assert_int_equal(e.mailboxes[0].uid, 1);
}

static void test_threading(void **state)
{
	struct fixture *f = *state;
	uint64_t inbox = mailbox_new(f, "Inbox"), t_a, t_b, t_c, t_d, t_e, t_x, t_s1, t_s2;

	add(f, &(struct spec){ .msgid = "a@x", .thread_subject = "plans",
			       .mailboxes = { inbox } }, &t_a);
	/* A reply with the same base subject joins. */
	add(f, &(struct spec){ .msgid = "b@x", .refs = { "a@x" }, .thread_subject = "plans",
			       .mailboxes = { inbox } }, &t_b);
	assert_int_equal(t_b, t_a);
	/* A reference with another subject does not. */
	add(f, &(struct spec){ .msgid = "c@x", .refs = { "a@x" }, .thread_subject = "other",
			       .mailboxes = { inbox } }, &t_c);
	assert_int_not_equal(t_c, t_a);
	/* The same subject without a reference does not either. */
	add(f, &(struct spec){ .msgid = "d@x", .thread_subject = "plans",
			       .mailboxes = { inbox } }, &t_d);
	assert_int_not_equal(t_d, t_a);
	/* The parent arriving after its reply joins the reply's thread. */
	add(f, &(struct spec){ .msgid = "e@x", .refs = { "x@x" }, .thread_subject = "late",
			       .mailboxes = { inbox } }, &t_e);
	add(f, &(struct spec){ .msgid = "x@x", .thread_subject = "late",
			       .mailboxes = { inbox } }, &t_x);
	assert_int_equal(t_x, t_e);
	/* Two replies to a message we never saw share its thread. */
	add(f, &(struct spec){ .msgid = "s1@x", .refs = { "root@x" }, .thread_subject = "sib",
			       .mailboxes = { inbox } }, &t_s1);
	add(f, &(struct spec){ .msgid = "s2@x", .refs = { "root@x", "bad id" },
			       .thread_subject = "sib", .mailboxes = { inbox } }, &t_s2);
	assert_int_equal(t_s1, t_s2);
}

static void test_thread_merge(void **state)
{
	struct fixture *f = *state;
	uint64_t inbox = mailbox_new(f, "Inbox"), t_p, t_q, t_r, p, q, r, *ids;
	uint64_t since;
	struct store_mailbox mb;
	size_t count;
	bool destroyed = false;

	p = add(f, &(struct spec){ .msgid = "p@x", .thread_subject = "m", .received_at = 10,
				   .mailboxes = { inbox } }, &t_p);
	q = add(f, &(struct spec){ .msgid = "q@x", .thread_subject = "m", .received_at = 20,
				   .mailboxes = { inbox } }, &t_q);
	assert_int_not_equal(t_p, t_q);
	mailbox_read(f, inbox, &mb);
	assert_int_equal(mb.total_threads, 2);
	assert_int_equal(mb.unread_threads, 2);

	since = store_modseq_current(f->acct);
	r = add(f, &(struct spec){ .msgid = "r@x", .refs = { "q@x", "p@x" }, .thread_subject = "m",
				   .received_at = 30, .mailboxes = { inbox } }, &t_r);
	assert_int_equal(t_r, t_p < t_q ? t_p : t_q);
	assert_int_equal(thread_of(f, p), t_r);
	assert_int_equal(thread_of(f, q), t_r);
	assert_int_equal(store_thread_get(f->acct, t_r, &ids, &count), 1);
	assert_int_equal(count, 3);
	assert_int_equal(ids[0], p);
	assert_int_equal(ids[1], q);
	assert_int_equal(ids[2], r);
	free(ids);
	assert_int_equal(store_thread_get(f->acct, t_q, &ids, &count), 0);
	assert_true(changed(f, STORE_TYPE_THREAD, since, t_q, &destroyed));
	assert_true(destroyed);
	assert_true(changed(f, STORE_TYPE_EMAIL, since, q, &destroyed));
	assert_false(destroyed);
	mailbox_read(f, inbox, &mb);
	assert_int_equal(mb.total_emails, 3);
	assert_int_equal(mb.total_threads, 1);
	assert_int_equal(mb.unread_threads, 1);
}

/* ---- UIDs, keywords, counts, mailboxes ---- */

static void test_uids(void **state)
{
	struct fixture *f = *state;
	uint64_t a = mailbox_new(f, "A"), b = mailbox_new(f, "B"), e1, e3, both[2] = { a, b };
	struct store_email e;
	struct store_mailbox mb;
	uint32_t last = 0;
	const char *error;

	e1 = add(f, &(struct spec){ .mailboxes = { a } }, NULL);
	add(f, &(struct spec){ .mailboxes = { b, a } }, NULL);
	e3 = add(f, &(struct spec){ .mailboxes = { a } }, NULL);
	for (uint64_t id = e1; id <= e3; id++) {
		assert_int_equal(store_email_get(f->acct, id, 0, &e), 1);
		for (size_t i = 0; i < e.mailbox_count; i++) {
			if (e.mailboxes[i].mailbox_id == a) {
				assert_true(e.mailboxes[i].uid > last);
				last = e.mailboxes[i].uid;
			} else {
				assert_int_equal(e.mailboxes[i].uid, 1);
			}
		}
		store_email_clear(&e);
	}
	assert_int_equal(last, 3);

	/* Leaving and coming back takes a new UID. */
	begin(f);
	assert_int_equal(store_email_set_mailboxes(f->acct, e1, &b, 1, &error), 0);
	assert_int_equal(store_email_set_mailboxes(f->acct, e1, both, 2, &error), 0);
	commit(f);
	assert_int_equal(store_email_get(f->acct, e1, 0, &e), 1);
	assert_int_equal(e.mailbox_count, 2);
	assert_int_equal(e.mailboxes[0].mailbox_id, a);
	assert_int_equal(e.mailboxes[0].uid, 4);
	assert_int_equal(e.mailboxes[1].uid, 2);
	store_email_clear(&e);
	mailbox_read(f, a, &mb);
	assert_int_equal(mb.uid_next, 5);
	assert_int_equal(mb.total_emails, 3);
}

static void expect_counts(struct fixture *f, uint64_t id, uint32_t total, uint32_t unread,
			  uint32_t threads, uint32_t unread_threads)
{
	struct store_mailbox mb;

	mailbox_read(f, id, &mb);
	assert_int_equal(mb.total_emails, total);
	assert_int_equal(mb.unread_emails, unread);
	assert_int_equal(mb.total_threads, threads);
	assert_int_equal(mb.unread_threads, unread_threads);
}

static void set_keywords(struct fixture *f, uint64_t id, const char *const *keywords)
{
	const char *error;

	begin(f);
	assert_int_equal(store_email_set_keywords(f->acct, id, (char *const *)keywords,
						  list_len(keywords), &error), 0);
	commit(f);
}

static void test_keywords_counts(void **state)
{
	struct fixture *f = *state;
	uint64_t m = mailbox_new(f, "M"), e1, e2, e4, box_state, email_state;
	struct store_email e;

	e1 = add(f, &(struct spec){ .msgid = "1@x", .thread_subject = "t", .mailboxes = { m } },
		 NULL);
	e2 = add(f, &(struct spec){ .refs = { "1@x" }, .thread_subject = "t", .mailboxes = { m },
				    .keywords = { "$seen" } }, NULL);
	add(f, &(struct spec){ .mailboxes = { m }, .keywords = { "$draft" } }, NULL);
	e4 = add(f, &(struct spec){ .mailboxes = { m } }, NULL);
	expect_counts(f, m, 4, 2, 3, 2);

	box_state = store_type_state(f->acct, STORE_TYPE_MAILBOX);
	set_keywords(f, e1, (const char *[MAX_LIST]){ "$seen" });
	expect_counts(f, m, 4, 1, 3, 1);
	assert_true(store_type_state(f->acct, STORE_TYPE_MAILBOX) > box_state);
	set_keywords(f, e2, (const char *[MAX_LIST]){ NULL });
	expect_counts(f, m, 4, 2, 3, 2);
	set_keywords(f, e4, (const char *[MAX_LIST]){ "$draft", "$flagged" });
	expect_counts(f, m, 4, 1, 3, 1);

	/* The same set again changes nothing. */
	email_state = store_type_state(f->acct, STORE_TYPE_EMAIL);
	set_keywords(f, e4, (const char *[MAX_LIST]){ "$flagged", "$draft" });
	assert_int_equal(store_type_state(f->acct, STORE_TYPE_EMAIL), email_state);
	/* A flag change moves the memberships' modseq (CONDSTORE). */
	set_keywords(f, e4, (const char *[MAX_LIST]){ "$flagged" });
	assert_int_equal(store_email_get(f->acct, e4, 0, &e), 1);
	assert_true(e.modseq > email_state);
	assert_int_equal(e.mailboxes[0].modseq, e.modseq);
	assert_int_equal(e.keyword_count, 1);
	store_email_clear(&e);
	expect_counts(f, m, 4, 2, 3, 2);
}

static void test_set_mailboxes(void **state)
{
	struct fixture *f = *state;
	uint64_t a = mailbox_new(f, "A"), b = mailbox_new(f, "B"), e1, bad[2], state_before;
	const char *error;

	e1 = add(f, &(struct spec){ .mailboxes = { a } }, NULL);
	add(f, &(struct spec){ .mailboxes = { a }, .keywords = { "$seen" } }, NULL);
	expect_counts(f, a, 2, 1, 2, 1);
	begin(f);
	assert_int_equal(store_email_set_mailboxes(f->acct, e1, &b, 1, &error), 0);
	commit(f);
	expect_counts(f, a, 1, 0, 1, 0);
	expect_counts(f, b, 1, 1, 1, 1);

	/* Failures leave everything as it was. */
	state_before = store_modseq_current(f->acct);
	bad[0] = a;
	bad[1] = b + 100;
	begin(f);
	assert_int_equal(store_email_set_mailboxes(f->acct, e1, bad, 2, &error), -1);
	assert_int_equal(store_email_set_mailboxes(f->acct, e1, bad, 0, &error), -1);
	assert_int_equal(store_email_set_mailboxes(f->acct, e1 + 100, &a, 1, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	commit(f);
	assert_int_equal(store_modseq_current(f->acct), state_before);
	expect_counts(f, a, 1, 0, 1, 0);
	expect_counts(f, b, 1, 1, 1, 1);
}

static void test_destroy(void **state)
{
	struct fixture *f = *state;
	uint64_t m = mailbox_new(f, "M"), e1, e2, t1, t2, since, *ids;
	struct store_email e;
	size_t count;
	bool destroyed = false;
	const char *error;
	char blob_id[STORE_BLOB_ID_LEN + 1];

	e1 = add(f, &(struct spec){ .msgid = "1@x", .thread_subject = "t", .mailboxes = { m },
				    .size = 1000, .text = { .body = "findme" } }, &t1);
	e2 = add(f, &(struct spec){ .refs = { "1@x" }, .thread_subject = "t", .mailboxes = { m },
				    .size = 500 }, &t2);
	assert_int_equal(t1, t2);
	assert_int_equal(store_email_used_bytes(f->acct), 1500);
	assert_int_equal(store_email_get(f->acct, e1, 0, &e), 1);
	memcpy(blob_id, e.blob_id, sizeof(blob_id));
	store_email_clear(&e);

	since = store_modseq_current(f->acct);
	begin(f);
	assert_int_equal(store_email_destroy(f->acct, e1, &error), 0);
	assert_int_equal(store_email_destroy(f->acct, e1, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
	commit(f);
	assert_int_equal(store_email_get(f->acct, e1, 0, &e), 0);
	assert_true(changed(f, STORE_TYPE_EMAIL, since, e1, &destroyed));
	assert_true(destroyed);
	assert_true(changed(f, STORE_TYPE_THREAD, since, t1, &destroyed));
	assert_false(destroyed);
	assert_int_equal(store_thread_get(f->acct, t1, &ids, &count), 1);
	assert_int_equal(count, 1);
	assert_int_equal(ids[0], e2);
	free(ids);
	expect_counts(f, m, 1, 1, 1, 1);
	assert_int_equal(store_email_used_bytes(f->acct), 500);
	assert_int_equal(store_blob_pending_bytes(f->acct), strlen("message number 0\r\n"));
	{
		struct store_email_filter text = { .op = STORE_FILTER_COND,
						   .cond = STORE_EMAIL_BODY, .text = "findme" };
		struct store_email_query q = { .filter = &text, .calculate_total = true };
		struct store_email_result r;

		assert_int_equal(store_email_query(f->acct, &q, &r, &error), 0);
		assert_int_equal(r.count, 0);
		assert_int_equal(r.total, 0);
		free(r.ids);
	}

	begin(f);
	assert_int_equal(store_email_destroy(f->acct, e2, &error), 0);
	commit(f);
	assert_true(changed(f, STORE_TYPE_THREAD, since, t1, &destroyed));
	assert_true(destroyed);
	assert_int_equal(store_thread_get(f->acct, t1, &ids, &count), 0);
	expect_counts(f, m, 0, 0, 0, 0);
	assert_int_equal(store_email_used_bytes(f->acct), 0);
}

static void test_mailbox_destroy(void **state)
{
	struct fixture *f = *state;
	uint64_t a = mailbox_new(f, "A"), b = mailbox_new(f, "B"), only, shared;
	uint64_t *only_ids, *shared_ids, since;
	size_t only_count, shared_count;
	struct store_email e;
	struct store_mailbox mb;
	bool destroyed = false;
	const char *error;

	only = add(f, &(struct spec){ .mailboxes = { a } }, NULL);
	shared = add(f, &(struct spec){ .mailboxes = { a, b } }, NULL);
	/* A mailbox with a child stays, and so do its emails. */
	{
		struct store_mailbox child = { .name = (char *)"child", .parent_id = a };

		begin(f);
		assert_int_equal(store_mailbox_create(f->acct, &child, &error), 0);
		assert_int_equal(store_mailbox_destroy(f->acct, a, &error), -1);
		assert_int_equal(store_mailbox_destroy(f->acct, a + 100, &error), -1);
		assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
		assert_int_equal(store_mailbox_destroy(f->acct, child.id, &error), 0);
		commit(f);
		expect_counts(f, a, 2, 2, 2, 2);
	}
	assert_int_equal(store_mailbox_emails(f->acct, a, &only_ids, &only_count, &shared_ids,
					      &shared_count, &error), 0);
	assert_int_equal(only_count, 1);
	assert_int_equal(only_ids[0], only);
	assert_int_equal(shared_count, 1);
	assert_int_equal(shared_ids[0], shared);
	free(only_ids);
	free(shared_ids);

	since = store_modseq_current(f->acct);
	begin(f);
	assert_int_equal(store_mailbox_destroy(f->acct, a, &error), 0);
	commit(f);
	assert_int_equal(store_mailbox_get(f->acct, a, &mb), 0);
	assert_true(changed(f, STORE_TYPE_MAILBOX, since, a, &destroyed));
	assert_true(destroyed);
	assert_int_equal(store_email_get(f->acct, only, 0, &e), 0);
	assert_int_equal(store_email_get(f->acct, shared, 0, &e), 1);
	assert_int_equal(e.mailbox_count, 1);
	assert_int_equal(e.mailboxes[0].mailbox_id, b);
	store_email_clear(&e);
	assert_true(changed(f, STORE_TYPE_EMAIL, since, shared, &destroyed));
	assert_false(destroyed);
	expect_counts(f, b, 1, 1, 1, 1);
}

/* ---- queries ---- */

struct corpus {
	uint64_t a, b;
	uint64_t e[6];	/* e[1] .. e[5] */
};

static void corpus_build(struct fixture *f, struct corpus *c)
{
	c->a = mailbox_new(f, "A");
	c->b = mailbox_new(f, "B");
	c->e[1] = add(f, &(struct spec){
		.msgid = "m1@x", .thread_subject = "alpha report", .subject = "alpha report",
		.from_sort = "alice", .to_sort = "bob", .mailboxes = { c->a },
		.keywords = { "$seen" }, .received_at = 1000, .size = 100,
		.text = { .subject = "Alpha report", .from = "Alice <alice@corp.test>",
			  .to = "bob", .body = "quarterly numbers are great" } }, NULL);
	c->e[2] = add(f, &(struct spec){
		.refs = { "m1@x" }, .thread_subject = "alpha report", .subject = "alpha report",
		.from_sort = "bob", .to_sort = "alice", .mailboxes = { c->a },
		.received_at = 2000, .size = 300, .has_attachment = true,
		.text = { .subject = "Re: Alpha report", .from = "bob", .to = "Alice",
			  .cc = "carol", .body = "thanks for the numbers",
			  .attachments = "budget.xlsx" } }, NULL);
	c->e[3] = add(f, &(struct spec){
		.thread_subject = "cafe menu", .subject = "cafe menu", .from_sort = "zoe",
		.to_sort = "team", .mailboxes = { c->b }, .keywords = { "$flagged" },
		.received_at = 3000, .size = 200,
		.text = { .subject = "Café menu", .from = "Zoë <zoe@example.com>", .to = "team",
			  .bcc = "dave", .body = "lunch options, naïve",
			  .headers = "X-Spam-Flag: YES\nList-Id: <team.example.com>" } }, NULL);
	c->e[4] = add(f, &(struct spec){
		.thread_subject = "budget", .subject = "budget", .from_sort = "carol",
		.mailboxes = { c->a, c->b }, .keywords = { "$flagged", "$seen" },
		.received_at = 4000, .size = 50, .has_attachment = true,
		.text = { .subject = "Budget", .from = "carol",
			  .body = "budget numbers attached" } }, NULL);
	c->e[5] = add(f, &(struct spec){
		.thread_subject = "hostile", .subject = "hostile", .from_sort = "mallory",
		.mailboxes = { c->b }, .keywords = { "$draft" }, .received_at = 2500, .size = 400,
		.text = { .subject = "Hostile \"quotes\" OR NEAR(x)", .from = "mallory",
			  .body = "weird ^text* with {col}: stuff" } }, NULL);
}

static size_t run_query(struct fixture *f, const struct store_email_query *q, uint64_t *ids,
			struct store_email_result *r_out)
{
	struct store_email_result r;
	const char *error;
	size_t count;

	assert_int_equal(store_email_query(f->acct, q, &r, &error), 0);
	count = r.count;
	assert_true(count <= 8);
	if (count > 0)
		memcpy(ids, r.ids, count * sizeof(*ids));
	free(r.ids);
	if (r_out != NULL) {
		*r_out = r;
		r_out->ids = NULL;
	}
	return count;
}

/* Expects the ids of corpus emails, by number, in order. */
static void expect_ids(struct fixture *f, const struct corpus *c,
		       const struct store_email_query *q, const char *numbers)
{
	uint64_t ids[8];
	size_t count = run_query(f, q, ids, NULL), n = strlen(numbers);

	if (count != n)
		fail_msg("query: %zu results, expected %zu (%s)", count, n, numbers);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i], c->e[numbers[i] - '0']);
}

static const struct store_email_sort sort_received_asc = { STORE_SORT_RECEIVED_AT, NULL, true };
static const struct store_email_sort sort_received_desc = { STORE_SORT_RECEIVED_AT, NULL, false };

/* One condition, results in ascending received_at. */
static void expect_cond(struct fixture *f, const struct corpus *c,
			const struct store_email_filter *cond, const char *numbers)
{
	struct store_email_query q = { .filter = cond, .sorts = &sort_received_asc,
				       .sort_count = 1 };

	expect_ids(f, c, &q, numbers);
}

#define COND(kind, ...) (&(struct store_email_filter){ \
	.op = STORE_FILTER_COND, .cond = STORE_EMAIL_##kind, __VA_ARGS__ })

static void test_query_conditions(void **state)
{
	struct fixture *f = *state;
	struct corpus c;
	uint64_t some[3];

	corpus_build(f, &c);
	expect_cond(f, &c, NULL, "12534");
	expect_cond(f, &c, COND(IN_MAILBOX, .ids = &c.a, .id_count = 1), "124");
	expect_cond(f, &c, COND(IN_MAILBOX, .ids = &c.b, .id_count = 1), "534");
	expect_cond(f, &c, COND(IN_MAILBOX_OTHER_THAN, .ids = &c.a, .id_count = 1), "534");
	expect_cond(f, &c, COND(BEFORE, .number = 2500), "12");
	expect_cond(f, &c, COND(AFTER, .number = 2500), "534");
	expect_cond(f, &c, COND(MIN_SIZE, .number = 200), "253");
	expect_cond(f, &c, COND(MAX_SIZE, .number = 200), "14");
	expect_cond(f, &c, COND(HAS_KEYWORD, .text = "$seen"), "14");
	expect_cond(f, &c, COND(NOT_KEYWORD, .text = "$seen"), "253");
	expect_cond(f, &c, COND(ALL_IN_THREAD_HAVE_KEYWORD, .text = "$seen"), "4");
	expect_cond(f, &c, COND(SOME_IN_THREAD_HAVE_KEYWORD, .text = "$seen"), "124");
	expect_cond(f, &c, COND(NONE_IN_THREAD_HAVE_KEYWORD, .text = "$seen"), "53");
	expect_cond(f, &c, COND(HAS_ATTACHMENT, .number = 1), "24");
	expect_cond(f, &c, COND(HAS_ATTACHMENT, .number = 0), "153");
	some[0] = c.e[1];
	some[1] = c.e[3];
	some[2] = 999;
	expect_cond(f, &c, COND(ID_IN, .ids = some, .id_count = 3), "13");

	expect_cond(f, &c, &(struct store_email_filter){ .op = STORE_FILTER_AND, .child_count = 2,
		.children = (struct store_email_filter[]){
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_IN_MAILBOX, .ids = &c.a,
			  .id_count = 1 },
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_HAS_KEYWORD,
			  .text = "$seen" } } }, "14");
	expect_cond(f, &c, &(struct store_email_filter){ .op = STORE_FILTER_OR, .child_count = 2,
		.children = (struct store_email_filter[]){
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_FROM, .text = "zoe" },
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_TO, .text = "alice" } } },
		"23");
	expect_cond(f, &c, &(struct store_email_filter){ .op = STORE_FILTER_NOT, .child_count = 2,
		.children = (struct store_email_filter[]){
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_HAS_ATTACHMENT, .number = 1 },
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_HAS_KEYWORD,
			  .text = "$draft" } } }, "13");
	expect_cond(f, &c, &(struct store_email_filter){ .op = STORE_FILTER_AND }, "12534");
	expect_cond(f, &c, &(struct store_email_filter){ .op = STORE_FILTER_OR }, "");
}

static void test_query_text(void **state)
{
	struct fixture *f = *state;
	static const char with_nul[] = "zzz\0numbers";
	struct corpus c;
	struct store_email_result r;
	uint64_t ids[8];
	struct store_email_query q = { .filter = COND(TEXT, .text = "numbers"),
				       .calculate_total = true, .limit = 1 };

	corpus_build(f, &c);
	assert_int_equal(run_query(f, &q, ids, &r), 1);
	assert_int_equal(r.total, 3);
	expect_cond(f, &c, COND(TEXT, .text = "numbers"), "124");
	expect_cond(f, &c, COND(TEXT, .text = "numb"), "124");
	expect_cond(f, &c, COND(TEXT, .text = "NUMBERS great"), "1");
	/* Words under three characters match whole terms only. */
	expect_cond(f, &c, COND(TEXT, .text = "al"), "");
	expect_cond(f, &c, COND(TEXT, .text = "ali"), "12");
	expect_cond(f, &c, COND(TEXT, .text = "or"), "5");
	/* A quoted run is an exact phrase. */
	expect_cond(f, &c, COND(TEXT, .text = "\"numbers are\""), "1");
	expect_cond(f, &c, COND(TEXT, .text = "\"are numbers\""), "");
	expect_cond(f, &c, COND(TEXT, .text = "\"numb\""), "");
	expect_cond(f, &c, COND(TEXT, .text = "great \"numbers are\" quart"), "1");
	expect_cond(f, &c, COND(TEXT, .text = "cafe"), "3");
	expect_cond(f, &c, COND(TEXT, .text = "naive"), "3");
	expect_cond(f, &c, COND(TEXT, .text = "Zoë"), "3");
	expect_cond(f, &c, COND(FROM, .text = "zoe@example.com"), "3");
	expect_cond(f, &c, COND(FROM, .text = "alice"), "1");
	expect_cond(f, &c, COND(TO, .text = "alice"), "2");
	expect_cond(f, &c, COND(CC, .text = "carol"), "2");
	expect_cond(f, &c, COND(BCC, .text = "dave"), "3");
	expect_cond(f, &c, COND(SUBJECT, .text = "alpha"), "12");
	expect_cond(f, &c, COND(SUBJECT, .text = "numbers"), "");
	expect_cond(f, &c, COND(BODY, .text = "budget"), "24");
	expect_cond(f, &c, COND(HEADER, .header_name = "X-Spam-Flag", .text = "yes"), "3");
	expect_cond(f, &c, COND(HEADER, .header_name = "X-Spam-Flag", .text = "no"), "");
	expect_cond(f, &c, COND(HEADER, .header_name = "List-Id"), "3");
	expect_cond(f, &c, COND(HEADER, .header_name = "X-Other"), "");

	/* Hostile input is only ever words. */
	expect_cond(f, &c, COND(TEXT, .text = "\"quotes\" OR NEAR(x)"), "5");
	expect_cond(f, &c, COND(TEXT, .text = "{col}:"), "5");
	expect_cond(f, &c, COND(TEXT, .text = "^text*"), "5");
	expect_cond(f, &c, COND(TEXT, .text = "-numbers"), "124");
	expect_cond(f, &c, COND(TEXT, .text = "\"unbalanced"), "");
	expect_cond(f, &c, COND(TEXT, .text = "NOT"), "");
	expect_cond(f, &c, COND(TEXT, .text = "numbers NOT great"), "");
	expect_cond(f, &c, COND(TEXT, .text = "subject:alpha"), "");
	expect_cond(f, &c, COND(TEXT, .text = "a* OR b AND (c"), "");
	expect_cond(f, &c, COND(TEXT, .text = with_nul), "");
	expect_cond(f, &c, COND(FROM, .text = "\x80\xff"), "");
	/* Nothing to look for restricts nothing. */
	expect_cond(f, &c, COND(TEXT, .text = "\" * ( )"), "12534");
	expect_cond(f, &c, COND(TEXT, .text = ""), "12534");
	expect_cond(f, &c, COND(TEXT, .text = NULL), "12534");
}

/* The text conditions again, read from the matches and then by a walk
 * of the sort order. */
static void test_query_text_plans(void **state)
{
	store_text_plan_force = STORE_TEXT_PLAN_MATCHES_FIRST;
	test_query_text(state);
	store_text_plan_force = STORE_TEXT_PLAN_AUTO;
}

static void test_query_text_walk(void **state)
{
	store_text_plan_force = STORE_TEXT_PLAN_WALK;
	test_query_text(state);
	store_text_plan_force = STORE_TEXT_PLAN_AUTO;
}

/* What a query under one plan gives. */
struct plan_result {
	uint64_t ids[64];
	size_t count;
	uint64_t total, position;
	bool anchor_found;
};

static void plan_query(struct fixture *f, enum store_text_plan plan, size_t lookup_max,
		       const struct store_email_query *q, struct plan_result *out)
{
	size_t lookup_default = store_text_lookup_max;
	struct store_email_result r;
	const char *error;

	store_text_plan_force = plan;
	store_text_lookup_max = lookup_max;
	assert_int_equal(store_email_query(f->acct, q, &r, &error), 0);
	store_text_plan_force = STORE_TEXT_PLAN_AUTO;
	store_text_lookup_max = lookup_default;
	assert_true(r.count <= N_ELEMENTS(out->ids));
	out->count = r.count;
	if (r.count > 0)
		memcpy(out->ids, r.ids, r.count * sizeof(*r.ids));
	free(r.ids);
	out->total = r.total;
	out->position = r.position;
	out->anchor_found = r.anchor_found;
}

/* Same results under every plan, with the other text conditions looked
 * up by id and tested row by row; returns those of the first. */
static void expect_same_plans_r(struct fixture *f, const struct store_email_query *q,
				struct plan_result *first)
{
	static const enum store_text_plan plans[] = {
		STORE_TEXT_PLAN_MATCHES_FIRST, STORE_TEXT_PLAN_WALK, STORE_TEXT_PLAN_AUTO,
	};
	struct plan_result other;

	plan_query(f, plans[0], store_text_lookup_max, q, first);
	for (size_t p = 0; p < 2 * N_ELEMENTS(plans); p++) {
		plan_query(f, plans[p / 2], p % 2 == 0 ? 0 : store_text_lookup_max, q, &other);
		assert_int_equal(other.count, first->count);
		assert_memory_equal(other.ids, first->ids, first->count * sizeof(*first->ids));
		assert_int_equal(other.total, first->total);
		assert_int_equal(other.position, first->position);
		assert_int_equal(other.anchor_found, first->anchor_found);
	}
}

static void expect_same_plans(struct fixture *f, const struct store_email_query *q)
{
	struct plan_result r;

	expect_same_plans_r(f, q, &r);
}

/* 60 emails in mailbox A, two per receivedAt, every third in the
 * thread of email 0 (20 emails), the others alone: "common" in 32 of
 * them (the even ones and 17 and 51: 11 in the thread), "rare" in 17
 * and 51 only. */
struct plan_corpus {
	uint64_t a;
	uint64_t e[60];
};

static void plan_corpus_build(struct fixture *f, struct plan_corpus *c)
{
	char msgid[32];

	c->a = mailbox_new(f, "A");
	for (int i = 0; i < 60; i++) {
		snprintf(msgid, sizeof(msgid), "p%d@x", i);
		c->e[i] = add(f, &(struct spec){
			.msgid = msgid, .refs = { i % 3 == 0 && i > 0 ? "p0@x" : NULL },
			.thread_subject = i % 3 == 0 ? "t" : msgid,
			.subject = "s", .mailboxes = { c->a }, .received_at = 1000 + i / 2 * 10,
			.size = 10, .text = { .subject = "s", .body = i % 2 == 0 ? "common words" :
				i % 17 == 0 ? "rare common" : "other" } }, NULL);
	}
}

/* Same results under every plan, for common and rare words and
 * windows, with ties on receivedAt. */
static void test_query_text_plans_compare(void **state)
{
	struct fixture *f = *state;
	static const char *const words[] = { "common", "rare", "common rare", "comm", "absent" };
	struct store_email_sort desc = sort_received_desc;
	struct plan_corpus c;

	plan_corpus_build(f, &c);
	for (size_t w = 0; w < N_ELEMENTS(words); w++) {
		struct store_email_query q = { .filter = COND(TEXT, .text = words[w]),
					       .sorts = &desc, .sort_count = 1, .limit = 7,
					       .calculate_total = true };

		for (q.position = 0; q.position < 40; q.position += 13)
			expect_same_plans(f, &q);
		q.collapse_threads = true;
		expect_same_plans(f, &q);
		q.sort_count = 0;
		q.limit = 0;
		expect_same_plans(f, &q);
	}
}

/* The total of one text condition is the count of its matches, and
 * with collapsed threads the count of their threads. */
static void test_query_text_total(void **state)
{
	struct fixture *f = *state;
	struct plan_corpus c;
	struct plan_result r;
	struct store_email_query q = { .filter = COND(TEXT, .text = "common"),
				       .sorts = &sort_received_desc, .sort_count = 1,
				       .limit = 5, .calculate_total = true };

	plan_corpus_build(f, &c);
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 32);
	assert_int_equal(r.count, 5);
	/* Newest first; ties by id descending. */
	assert_int_equal(r.ids[0], c.e[58]);
	assert_int_equal(r.ids[1], c.e[56]);
	q.filter = COND(TEXT, .text = "rare");
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.ids[0], c.e[51]);
	assert_int_equal(r.ids[1], c.e[17]);
	/* Threads: the one of email 0, and each other match its own. */
	q.filter = COND(TEXT, .text = "common");
	q.collapse_threads = true;
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 1 + 32 - 11);
	/* No sort: ids descending. */
	q.collapse_threads = false;
	q.sort_count = 0;
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 32);
	assert_int_equal(r.ids[0], c.e[58]);
}

static void test_query_text_and(void **state)
{
	struct fixture *f = *state;
	struct plan_corpus c;
	struct plan_result r;
	struct store_email_filter both[2] = {
		{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_TEXT, .text = "common" },
		{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_BEFORE, .number = 1100 },
	};
	struct store_email_query q = {
		.filter = &(struct store_email_filter){ .op = STORE_FILTER_AND, .child_count = 2,
							.children = both },
		.sorts = &sort_received_desc, .sort_count = 1, .limit = 3, .calculate_total = true };

	plan_corpus_build(f, &c);
	/* Emails 0..19 came before 1100: the even ones and 17 match. */
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 11);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.ids[0], c.e[18]);
	q.collapse_threads = true;
	expect_same_plans(f, &q);
	/* Two text conditions: the second is tested as a set. */
	both[1] = (struct store_email_filter){ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_BODY,
					       .text = "rare" };
	q.collapse_threads = false;
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.ids[0], c.e[51]);
	/* A text condition under NOT, beside the plan's. */
	both[1] = (struct store_email_filter){ .op = STORE_FILTER_NOT, .child_count = 1,
		.children = COND(TEXT, .text = "rare") };
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 30);
	assert_int_equal(r.ids[0], c.e[58]);
	/* A mailbox beside the text: the mailbox is walked. */
	both[1] = (struct store_email_filter){ .op = STORE_FILTER_COND,
		.cond = STORE_EMAIL_IN_MAILBOX, .ids = &c.a, .id_count = 1 };
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 32);
}

#define AND2(x, y) (&(struct store_email_filter){ .op = STORE_FILTER_AND, .child_count = 2, \
	.children = (struct store_email_filter[]){ *(x), *(y) } })
#define OR2(x, y) (&(struct store_email_filter){ .op = STORE_FILTER_OR, .child_count = 2, \
	.children = (struct store_email_filter[]){ *(x), *(y) } })
#define NOT1(x) (&(struct store_email_filter){ .op = STORE_FILTER_NOT, .child_count = 1, \
	.children = (x) })

/* The total and the first result of a filter, the same under every
 * plan. */
static void expect_text_filter(struct fixture *f, const struct store_email_filter *filter,
			       uint64_t total, uint64_t first)
{
	struct store_email_query q = { .filter = filter, .sorts = &sort_received_desc,
				       .sort_count = 1, .limit = 3, .calculate_total = true };
	struct plan_result r;

	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, total);
	assert_int_equal(r.count, total < 3 ? total : 3);
	if (total > 0)
		assert_int_equal(r.ids[0], first);
	q.collapse_threads = true;
	expect_same_plans(f, &q);
	q.sort_count = 0;
	expect_same_plans(f, &q);
}

/* Text conditions anywhere in the tree are read from their matches. */
static void test_query_text_tree(void **state)
{
	struct fixture *f = *state;
	struct plan_corpus c;

	plan_corpus_build(f, &c);
	/* Under OR: emails 0..3 came before 1020, and 17 and 51 are rare. */
	expect_text_filter(f, OR2(COND(TEXT, .text = "rare"), COND(BEFORE, .number = 1020)),
			   6, c.e[51]);
	expect_text_filter(f, OR2(COND(TEXT, .text = "rare"), COND(TEXT, .text = "other")),
			   30, c.e[59]);
	expect_text_filter(f, OR2(COND(TEXT, .text = "absent"), COND(BODY, .text = "rare")),
			   2, c.e[51]);
	/* Under NOT: the odd emails but 17 and 51. */
	expect_text_filter(f, NOT1(COND(TEXT, .text = "common")), 28, c.e[59]);
	expect_text_filter(f, NOT1(OR2(COND(TEXT, .text = "rare"), COND(TEXT, .text = "words"))),
			   28, c.e[59]);
	expect_text_filter(f, NOT1(COND(TEXT, .text = "absent")), 60, c.e[59]);
	/* Two text conditions in one AND. */
	expect_text_filter(f, AND2(COND(TEXT, .text = "rare"), COND(TEXT, .text = "common")),
			   2, c.e[51]);
	expect_text_filter(f, AND2(COND(TEXT, .text = "common"), COND(TEXT, .text = "words")),
			   30, c.e[58]);
	expect_text_filter(f, AND2(COND(TEXT, .text = "common"), COND(TEXT, .text = "other")),
			   0, 0);
	expect_text_filter(f, AND2(COND(TEXT, .text = "common"), COND(TEXT, .text = "absent")),
			   0, 0);
	/* A text without a word restricts nothing, wherever it is. */
	expect_text_filter(f, OR2(COND(TEXT, .text = "\" *"), COND(TEXT, .text = "rare")),
			   60, c.e[59]);
	expect_text_filter(f, AND2(COND(TEXT, .text = ""), COND(TEXT, .text = "rare")),
			   2, c.e[51]);
}

/* Text conditions within a walk of one mailbox, rare and common. */
static void test_query_text_mailbox(void **state)
{
	struct fixture *f = *state;
	struct plan_corpus c;
	struct store_email_filter *in_a;

	plan_corpus_build(f, &c);
	in_a = COND(IN_MAILBOX, .ids = &c.a, .id_count = 1);
	expect_text_filter(f, AND2(in_a, COND(TEXT, .text = "rare")), 2, c.e[51]);
	expect_text_filter(f, AND2(COND(TEXT, .text = "common"), in_a), 32, c.e[58]);
	expect_text_filter(f, AND2(in_a, COND(TEXT, .text = "absent")), 0, 0);
	expect_text_filter(f, AND2(in_a, NOT1(COND(TEXT, .text = "common"))), 28, c.e[59]);
	expect_text_filter(f, AND2(in_a, OR2(COND(TEXT, .text = "rare"),
					     COND(BEFORE, .number = 1020))), 6, c.e[51]);
	/* Another mailbox holds none of them. */
	expect_text_filter(f, AND2(COND(IN_MAILBOX, .ids = &(uint64_t){ mailbox_new(f, "B") },
					.id_count = 1), COND(TEXT, .text = "common")), 0, 0);
}

/* A lone text condition under a sort with no walk has its matches'
 * count as its total. */
static void test_query_text_sorted(void **state)
{
	struct fixture *f = *state;
	struct store_email_sort by_size = { STORE_SORT_SIZE, NULL, true };
	struct store_email_query q = { .filter = COND(TEXT, .text = "rare"), .sorts = &by_size,
				       .sort_count = 1, .limit = 1, .calculate_total = true };
	struct plan_corpus c;
	struct plan_result r;

	plan_corpus_build(f, &c);
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.ids[0], c.e[51]);
	q.filter = COND(TEXT, .text = "common");
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 32);
	assert_int_equal(r.ids[0], c.e[58]);
}

static void test_query_text_anchor(void **state)
{
	struct fixture *f = *state;
	static const int64_t offsets[] = { -40, -3, 0, 2, 40 };
	struct plan_corpus c;
	struct plan_result r;
	struct store_email_query q = { .filter = COND(TEXT, .text = "common"),
				       .sorts = &sort_received_desc, .sort_count = 1,
				       .limit = 4, .calculate_total = true };

	plan_corpus_build(f, &c);
	q.anchor_id = c.e[40];
	expect_same_plans_r(f, &q, &r);
	assert_true(r.anchor_found);
	/* 58, 56, ..., 42 sort before 40, and 51 too. */
	assert_int_equal(r.position, 10);
	assert_int_equal(r.ids[0], c.e[40]);
	assert_int_equal(r.total, 32);
	for (size_t i = 0; i < N_ELEMENTS(offsets); i++) {
		q.anchor_offset = offsets[i];
		expect_same_plans(f, &q);
		q.collapse_threads = true;
		expect_same_plans(f, &q);
		q.collapse_threads = false;
	}
	/* An email the text does not match is no anchor. */
	q.anchor_offset = 0;
	q.anchor_id = c.e[41];
	expect_same_plans_r(f, &q, &r);
	assert_false(r.anchor_found);
	assert_int_equal(r.count, 0);
	/* Collapsed, an anchor that does not lead its thread is none. */
	q.collapse_threads = true;
	q.anchor_id = c.e[0];
	expect_same_plans_r(f, &q, &r);
	assert_false(r.anchor_found);
	q.anchor_id = c.e[54];
	expect_same_plans_r(f, &q, &r);
	assert_true(r.anchor_found);
}

/* No match: no results, a zero total, and no anchor. */
static void test_query_text_empty(void **state)
{
	struct fixture *f = *state;
	struct plan_corpus c;
	struct plan_result r;
	struct store_email_query q = { .filter = COND(TEXT, .text = "absent"),
				       .sorts = &sort_received_desc, .sort_count = 1,
				       .limit = 4, .position = 3, .calculate_total = true };

	plan_corpus_build(f, &c);
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.position, 3);
	q.collapse_threads = true;
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 0);
	q.anchor_id = c.e[0];
	expect_same_plans_r(f, &q, &r);
	assert_false(r.anchor_found);
	q.collapse_threads = false;
	q.anchor_id = 0;
	q.filter = &(struct store_email_filter){ .op = STORE_FILTER_AND, .child_count = 2,
		.children = (struct store_email_filter[]){
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_TEXT, .text = "absent" },
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_AFTER, .number = 0 } } };
	expect_same_plans_r(f, &q, &r);
	assert_int_equal(r.total, 0);
}

static void expect_sql_error(struct fixture *f, const char *sql)
{
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_prepare_v2(f->acct->db.handle, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ERROR);
	sqlite3_finalize(stmt);
}

/* The SQL functions read only what is bound by pointer, which SQL
 * cannot forge. */
static void test_query_id_functions(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *stmt;
	uint64_t unsorted[] = { 9, 2, 7, 3 }, sorted[] = { 2, 3, 7, 9 };
	struct store_id_array a = { unsorted, N_ELEMENTS(unsorted) };

	expect_sql_error(f, "SELECT tern_id_in(1, 2)");
	expect_sql_error(f, "SELECT tern_id_in(1, NULL)");
	expect_sql_error(f, "SELECT tern_id_collect(1, 2)");
	assert_int_equal(sqlite3_prepare_v2(f->acct->db.handle,
					    "SELECT tern_id_in(1, 'x', 3)", -1, &stmt, NULL),
			 SQLITE_ERROR);
	/* Over no rows, the aggregate has nothing to read. */
	assert_int_equal(sqlite3_prepare_v2(f->acct->db.handle,
					    "SELECT tern_id_collect(1, 2) WHERE 0", -1, &stmt,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(stmt, 0), 0);
	sqlite3_finalize(stmt);
	store_id_array_sort(&a);
	assert_memory_equal(unsorted, sorted, sizeof(sorted));
}

static void expect_sorted(struct fixture *f, const struct corpus *c,
			  const struct store_email_sort *sorts, size_t count, const char *numbers)
{
	struct store_email_query q = { .sorts = sorts, .sort_count = count };

	expect_ids(f, c, &q, numbers);
}

static void test_query_sorts(void **state)
{
	struct fixture *f = *state;
	struct corpus c;
	struct store_email_query q = { .sorts = &sort_received_desc, .sort_count = 1 };

	corpus_build(f, &c);
	expect_sorted(f, &c, NULL, 0, "54321");
	expect_sorted(f, &c, &sort_received_asc, 1, "12534");
	expect_sorted(f, &c, &sort_received_desc, 1, "43521");
	expect_sorted(f, &c, &(struct store_email_sort){ STORE_SORT_SENT_AT, NULL, true }, 1,
		      "12534");
	expect_sorted(f, &c, &(struct store_email_sort){ STORE_SORT_SIZE, NULL, false }, 1,
		      "52314");
	/* Equal subjects: ids descending. */
	expect_sorted(f, &c, &(struct store_email_sort){ STORE_SORT_SUBJECT, NULL, true }, 1,
		      "21435");
	expect_sorted(f, &c, &(struct store_email_sort){ STORE_SORT_FROM, NULL, true }, 1,
		      "12453");
	expect_sorted(f, &c, &(struct store_email_sort){ STORE_SORT_TO, NULL, false }, 1,
		      "31254");
	expect_sorted(f, &c, (struct store_email_sort[]){
		{ STORE_SORT_HAS_KEYWORD, "$flagged", false }, sort_received_asc }, 2, "34125");
	expect_sorted(f, &c, (struct store_email_sort[]){
		{ STORE_SORT_SOME_IN_THREAD_HAVE_KEYWORD, "$seen", false }, sort_received_asc },
		2, "12453");
	expect_sorted(f, &c, (struct store_email_sort[]){
		{ STORE_SORT_ALL_IN_THREAD_HAVE_KEYWORD, "$seen", false }, sort_received_asc },
		2, "41253");

	q.filter = COND(IN_MAILBOX, .ids = &c.a, .id_count = 1);
	expect_ids(f, &c, &q, "421");
	q.sorts = &sort_received_asc;
	expect_ids(f, &c, &q, "124");
	q.sorts = &(struct store_email_sort){ STORE_SORT_SIZE, NULL, true };
	expect_ids(f, &c, &q, "412");
}

static void test_query_collapse(void **state)
{
	struct fixture *f = *state;
	struct corpus c;
	struct store_email_result r;
	uint64_t ids[8];
	struct store_email_filter in_a = { .op = STORE_FILTER_COND,
					   .cond = STORE_EMAIL_IN_MAILBOX };
	struct store_email_query q = { .sorts = &sort_received_desc, .sort_count = 1,
				       .collapse_threads = true, .calculate_total = true };

	corpus_build(f, &c);
	in_a.ids = &c.a;
	in_a.id_count = 1;
	expect_ids(f, &c, &q, "4352");
	run_query(f, &q, ids, &r);
	assert_int_equal(r.total, 4);
	q.sorts = &sort_received_asc;
	expect_ids(f, &c, &q, "1534");

	/* One mailbox: the total comes from its counts. */
	q.filter = &in_a;
	expect_ids(f, &c, &q, "14");
	run_query(f, &q, ids, &r);
	assert_int_equal(r.total, 2);
	q.filter = &(struct store_email_filter){ .op = STORE_FILTER_AND, .child_count = 2,
		.children = (struct store_email_filter[]){ in_a,
			{ .op = STORE_FILTER_COND, .cond = STORE_EMAIL_NOT_KEYWORD,
			  .text = "$draft" } } };
	run_query(f, &q, ids, &r);
	assert_int_equal(r.total, 2);
	q.collapse_threads = false;
	run_query(f, &q, ids, &r);
	assert_int_equal(r.total, 3);
	q.filter = &in_a;
	run_query(f, &q, ids, &r);
	assert_int_equal(r.total, 3);
	/* Collapsed windows. */
	q.filter = NULL;
	q.collapse_threads = true;
	q.position = 1;
	q.limit = 2;
	expect_ids(f, &c, &q, "53");
	run_query(f, &q, ids, &r);
	assert_int_equal(r.position, 1);
	assert_int_equal(r.total, 4);
}

/* Runs q and checks ids, position and anchor_found. */
static void expect_window(struct fixture *f, const struct corpus *c,
			  const struct store_email_query *q, const char *numbers,
			  uint64_t position)
{
	struct store_email_result r;
	uint64_t ids[8];

	expect_ids(f, c, q, numbers);
	run_query(f, q, ids, &r);
	assert_true(q->anchor_id == 0 || r.anchor_found);
	assert_int_equal(r.position, position);
}

static void test_query_windows(void **state)
{
	struct fixture *f = *state;
	struct corpus c;
	struct store_email_result r;
	uint64_t ids[8];
	struct store_email_query q = { .sorts = &sort_received_asc, .sort_count = 1,
				       .calculate_total = true, .position = 1, .limit = 2 };

	corpus_build(f, &c);
	expect_window(f, &c, &q, "25", 1);
	run_query(f, &q, ids, &r);
	assert_int_equal(r.total, 5);
	q.position = 10;
	expect_window(f, &c, &q, "", 10);

	q.position = 0;
	q.anchor_id = c.e[5];
	expect_window(f, &c, &q, "53", 2);
	q.anchor_offset = -1;
	expect_window(f, &c, &q, "25", 1);
	q.anchor_offset = -2;
	expect_window(f, &c, &q, "12", 0);
	q.anchor_offset = -10;
	expect_window(f, &c, &q, "12", 0);
	q.anchor_offset = 2;
	expect_window(f, &c, &q, "4", 4);
	q.anchor_offset = 0;
	q.anchor_id = 999;
	run_query(f, &q, ids, &r);
	assert_false(r.anchor_found);

	/* Within a mailbox, newest first. */
	q.filter = COND(IN_MAILBOX, .ids = &c.a, .id_count = 1);
	q.sorts = &sort_received_desc;
	q.anchor_id = c.e[3];
	run_query(f, &q, ids, &r);
	assert_false(r.anchor_found);
	q.anchor_id = c.e[1];
	q.anchor_offset = -1;
	q.limit = 5;
	expect_window(f, &c, &q, "21", 1);

	/* Collapsed: the anchor must lead its thread. */
	q.filter = NULL;
	q.collapse_threads = true;
	q.anchor_offset = 0;
	q.anchor_id = c.e[2];
	expect_window(f, &c, &q, "2", 3);
	q.anchor_id = c.e[1];
	run_query(f, &q, ids, &r);
	assert_false(r.anchor_found);

	/* Several sort keys, and ties broken by id. */
	q.collapse_threads = false;
	q.sorts = (struct store_email_sort[]){
		{ STORE_SORT_HAS_KEYWORD, "$flagged", false }, sort_received_asc };
	q.sort_count = 2;
	q.limit = 2;
	expect_window(f, &c, &q, "12", 2);
	q.sorts = &(struct store_email_sort){ STORE_SORT_SUBJECT, NULL, true };
	q.sort_count = 1;
	expect_window(f, &c, &q, "14", 1);
}

static void test_query_bounds(void **state)
{
	struct fixture *f = *state;
	struct store_email_filter nodes[40];
	struct store_email_query q = { .filter = &nodes[0] };
	struct store_email_result r;
	const char *error;

	for (size_t i = 0; i < N_ELEMENTS(nodes); i++) {
		nodes[i] = (struct store_email_filter){ .op = STORE_FILTER_NOT };
		if (i + 1 < N_ELEMENTS(nodes)) {
			nodes[i].children = &nodes[i + 1];
			nodes[i].child_count = 1;
		}
	}
	assert_int_equal(store_email_query(f->acct, &q, &r, &error), -1);
	assert_null(r.ids);
	q.filter = &nodes[30];
	assert_int_equal(store_email_query(f->acct, &q, &r, &error), 0);
	free(r.ids);
	q.sorts = &sort_received_asc;
	q.sort_count = 100;
	assert_int_equal(store_email_query(f->acct, &q, &r, &error), -1);
}

/* ---- blobs written in a batch ---- */

static bool blob_file_exists(struct fixture *f, const char *blob_id)
{
	char *path = xasprintf("%s/accounts/1/blobs/%.2s/%s", f->dir, blob_id + 1, blob_id + 1);
	bool exists = access(path, F_OK) == 0;

	free(path);
	return exists;
}

static void blob_put_file(struct fixture *f, char blob_id[STORE_BLOB_ID_LEN + 1])
{
	blob_put_lines(f, blob_id, 5000);
}

static void test_blob_batch(void **state)
{
	struct fixture *f = *state;
	char ids[3][STORE_BLOB_ID_LEN + 1];
	uint64_t size;

	begin(f);
	for (size_t i = 0; i < 3; i++)
		blob_put_file(f, ids[i]);
	assert_true(blob_file_exists(f, ids[0]));
	store_txn_rollback(f->acct);
	for (size_t i = 0; i < 3; i++) {
		assert_false(blob_file_exists(f, ids[i]));
		assert_int_equal(store_blob_stat(f->acct, ids[i], &size), 0);
	}

	f->blob_counter = 0;
	begin(f);
	for (size_t i = 0; i < 3; i++)
		blob_put_file(f, ids[i]);
	commit(f);
	for (size_t i = 0; i < 3; i++) {
		assert_true(blob_file_exists(f, ids[i]));
		assert_int_equal(store_blob_stat(f->acct, ids[i], &size), 1);
	}
	/* The same content again, in and out of a transaction. */
	f->blob_counter = 0;
	begin(f);
	blob_put_file(f, ids[0]);
	commit(f);
	f->blob_counter = 1;
	blob_put_file(f, ids[1]);
	assert_true(blob_file_exists(f, ids[0]));
	assert_true(blob_file_exists(f, ids[1]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_needs_txn_and_mailbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keywords_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_mailboxes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_plans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_plans_compare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_and, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_mailbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_text_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_id_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_sorts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_collapse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
