/* The urn:tern:imap vendor capability (docs/vendor-imap.md) through
 * jmap_invoke() over a real store: Email/imapView in full and since a
 * modseq, the Mailbox and Email imap* properties, the blobs the
 * gateway's BODY[] opens, the sent-date filters, expiry of expunge
 * records, and the refusal of all of it to HTTP callers
 * (jmap_api_request). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "jmap/jmap.h"
#include "store/store.h"

#include "jmap_fixture.h"

static const char msg_a[] =
	"From: Alice <alice@example.com>\r\n"
	"To: Bob <bob@example.com>\r\n"
	"Subject: First\r\n"
	"Date: Wed, 01 Jan 2020 10:00:00 +0000\r\n"
	"Message-ID: <a@example.com>\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Hello from the first message.\r\n";

static const char msg_b[] =
	"From: Carol <carol@example.com>\r\n"
	"To: Bob <bob@example.com>\r\n"
	"Subject: Second\r\n"
	"Date: Tue, 15 Jun 2021 12:00:00 +0200\r\n"
	"Message-ID: <b@example.com>\r\n"
	"\r\n"
	"The second one.\r\n";

/* Latin-1 8bit body: not UTF-8, so the bytes must come back by length. */
static const char msg_c[] =
	"From: Dave <dave@example.com>\r\n"
	"To: Bob <bob@example.com>\r\n"
	"Subject: Third\r\n"
	"Date: Tue, 01 Mar 2022 08:30:00 +0000\r\n"
	"Message-ID: <c@example.com>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	"Caf\xe9 cr\xe8me.\r\n";

/* ---- calls ---- */

static json_object *vinvoke(struct jmap_fixture *f, const char *method, char name_r[64],
			    const char *args_fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static json_object *vinvoke(struct jmap_fixture *f, const char *method, char name_r[64],
			    const char *args_fmt, va_list ap)
{
	json_object *args = jmap_fixture_vparse(args_fmt, ap), *result;

	json_object_object_add(args, "accountId", json_object_new_string(f->account));
	result = jmap_fixture_invoke(f, method, args, name_r);
	json_object_put(args);
	return result;
}

/* The response arguments of a call that must succeed (new reference). */
static json_object *ok(struct jmap_fixture *f, const char *method, const char *args_fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_object *ok(struct jmap_fixture *f, const char *method, const char *args_fmt, ...)
{
	char name[64];
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke(f, method, name, args_fmt, ap);
	va_end(ap);
	if (strcmp(name, method) != 0)
		fail_msg("%s -> %s", method, json_object_to_json_string(r));
	return r;
}

/* The error of a call that must fail (new reference). */
static json_object *fails(struct jmap_fixture *f, const char *method, const char *type,
			  const char *args_fmt, ...) __attribute__((format(printf, 4, 5)));

static json_object *fails(struct jmap_fixture *f, const char *method, const char *type,
			  const char *args_fmt, ...)
{
	char name[64];
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke(f, method, name, args_fmt, ap);
	va_end(ap);
	if (strcmp(name, "error") != 0 || strcmp(jstr(r, "type"), type) != 0)
		fail_msg("%s: expected %s, got %s", method, type, json_object_to_json_string(r));
	return r;
}

static void upload(struct jmap_fixture *f, const char *raw, size_t len, char blob_id[80])
{
	int status;
	json_object *problem = NULL, *resp;
	struct jmap_upload *up = jmap_upload_begin(f->srv, &f->user, f->account,
						   "message/rfc822", len, &status, &problem);

	assert_non_null(up);
	assert_int_equal(jmap_upload_write(up, raw, len), 0);
	resp = jmap_upload_finish(&up, &status);
	assert_int_equal(status, 201);
	snprintf(blob_id, 80, "%s", jstr(resp, "blobId"));
	json_object_put(resp);
}

/* Imports raw into the mailboxes (a JSON object) with keywords. */
static void import(struct jmap_fixture *f, const char *raw, const char *mailboxes,
		   const char *keywords, char id_r[32])
{
	char blob[80];
	json_object *r;

	upload(f, raw, strlen(raw), blob);
	r = ok(f, "Email/import", "{\"emails\":{\"k\":{\"blobId\":\"%s\",\"mailboxIds\":%s,"
	       "\"keywords\":%s}}}", blob, mailboxes, keywords);
	if (jstr(r, "created/k/id") == NULL)
		fail_msg("import: %s", json_object_to_json_string(r));
	snprintf(id_r, 32, "%s", jstr(r, "created/k/id"));
	json_object_put(r);
}

static void email_set(struct jmap_fixture *f, const char *args_fmt, const char *id,
		      const char *value)
{
	json_object *r = ok(f, "Email/set", args_fmt, id, value);

	if (jpath(r, "notUpdated") != NULL || jpath(r, "notDestroyed") != NULL)
		fail_msg("Email/set: %s", json_object_to_json_string(r));
	json_object_put(r);
}

static int64_t jint(json_object *obj, const char *path)
{
	json_object *v = jpath(obj, path);

	if (v == NULL || !json_object_is_type(v, json_type_int))
		fail_msg("%s: not an integer in %s", path, json_object_to_json_string(obj));
	return json_object_get_int64(v);
}

static json_object *view(struct jmap_fixture *f, const char *mailbox, int64_t since)
{
	return ok(f, "Email/imapView", "{\"mailboxId\":\"%s\",\"sinceModSeq\":%lld}", mailbox,
		  (long long)since);
}

/* The uids of a view's messages (or vanished list) as "1 2 3". */
static const char *uids(json_object *list, bool rows)
{
	static char out[256];
	size_t n = json_object_array_length(list), len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(out) - 16; i++) {
		json_object *item = json_object_array_get_idx(list, i);

		if (rows)
			item = json_object_array_get_idx(item, 0);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%lld", i > 0 ? " " : "",
					(long long)json_object_get_int64(item));
	}
	return out;
}

/* ---- Email/imapView ---- */

struct three {
	char a[32], b[32], c[32];
};

static void import_three(struct jmap_fixture *f, struct three *t)
{
	import(f, msg_a, "{\"m1\":true}", "{\"$seen\":true}", t->a);
	import(f, msg_b, "{\"m1\":true}", "{\"$flagged\":true,\"$seen\":true}", t->b);
	import(f, msg_c, "{\"m1\":true}", "{}", t->c);
}

static void test_view_full(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	json_object *r;

	import_three(f, &t);
	r = view(f, "m1", 0);
	assert_string_equal(jstr(r, "mailboxId"), "m1");
	assert_true(jint(r, "uidValidity") > 0);
	assert_int_equal(jint(r, "uidNext"), 4);
	assert_int_equal(jint(r, "total"), 3);
	assert_string_equal(uids(jpath(r, "messages"), true), "1 2 3");
	assert_string_equal(jstr(r, "messages/0/1"), t.a);
	assert_string_equal(jstr(r, "messages/1/1"), t.b);
	assert_string_equal(jstr(r, "messages/1/3/0"), "$flagged");
	assert_string_equal(jstr(r, "messages/1/3/1"), "$seen");
	assert_int_equal(json_object_array_length(jpath(r, "messages/2/3")), 0);
	assert_int_equal(jint(r, "highestModSeq"), jint(r, "messages/2/2"));
	assert_null(jpath(r, "vanished"));
	json_object_put(r);

	r = ok(f, "Email/imapView", "{\"mailboxId\":\"m1\",\"withKeywords\":false}");
	assert_int_equal(json_object_array_length(jpath(r, "messages/0")), 3);
	json_object_put(r);

	r = view(f, "m2", 0);
	assert_int_equal(jint(r, "uidNext"), 1);
	assert_int_equal(jint(r, "total"), 0);
	assert_int_equal(jint(r, "highestModSeq"), 1);
	json_object_put(r);
}

/* A flag change, a new message, a move and a destroy, each seen since
 * the modseq before it. */
static void test_view_since(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	char d[32];
	json_object *r;
	int64_t hms0, hms1, hms2, hms3;

	import_three(f, &t);
	r = view(f, "m1", 0);
	hms0 = jint(r, "highestModSeq");
	json_object_put(r);

	email_set(f, "{\"update\":{\"%s\":{\"keywords/$flagged\":%s}}}", t.c, "true");
	r = view(f, "m1", hms0);
	assert_string_equal(uids(jpath(r, "messages"), true), "3");
	assert_string_equal(jstr(r, "messages/0/3/0"), "$flagged");
	assert_int_equal(json_object_array_length(jpath(r, "vanished")), 0);
	hms1 = jint(r, "highestModSeq");
	assert_true(hms1 > hms0);
	assert_int_equal(jint(r, "messages/0/2"), hms1);
	json_object_put(r);

	import(f, msg_a, "{\"m1\":true}", "{}", d);
	r = view(f, "m1", hms1);
	assert_string_equal(uids(jpath(r, "messages"), true), "4");
	assert_string_equal(jstr(r, "messages/0/1"), d);
	assert_int_equal(jint(r, "uidNext"), 5);
	hms2 = jint(r, "highestModSeq");
	assert_true(hms2 > hms1);
	json_object_put(r);

	email_set(f, "{\"update\":{\"%s\":{\"mailboxIds\":%s}}}", t.b, "{\"m2\":true}");
	r = view(f, "m1", hms2);
	assert_int_equal(json_object_array_length(jpath(r, "messages")), 0);
	assert_string_equal(uids(jpath(r, "vanished"), false), "2");
	hms3 = jint(r, "highestModSeq");
	assert_true(hms3 > hms2);
	json_object_put(r);
	r = view(f, "m2", 0);
	assert_string_equal(uids(jpath(r, "messages"), true), "1");
	assert_string_equal(jstr(r, "messages/0/1"), t.b);
	json_object_put(r);

	email_set(f, "{\"destroy\":[\"%s\"]%s}", t.a, "");
	r = view(f, "m1", hms3);
	assert_string_equal(uids(jpath(r, "vanished"), false), "1");
	assert_true(jint(r, "highestModSeq") > hms3);
	json_object_put(r);

	r = view(f, "m1", hms0);
	assert_string_equal(uids(jpath(r, "messages"), true), "3 4");
	assert_string_equal(uids(jpath(r, "vanished"), false), "1 2");
	assert_int_equal(jint(r, "total"), 2);
	json_object_put(r);
	r = view(f, "m1", 0);
	assert_string_equal(uids(jpath(r, "messages"), true), "3 4");
	json_object_put(r);
}

static void test_view_errors(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r;

	r = fails(f, "Email/imapView", "invalidArguments", "{\"mailboxId\":\"m99\"}");
	assert_string_equal(jstr(r, "arguments/0"), "mailboxId");
	json_object_put(r);
	json_object_put(fails(f, "Email/imapView", "invalidArguments", "{\"mailboxId\":\"x\"}"));
	json_object_put(fails(f, "Email/imapView", "invalidArguments", "{}"));
	json_object_put(fails(f, "Email/imapView", "invalidArguments",
			      "{\"mailboxId\":\"m1\",\"sinceModSeq\":-1}"));
	json_object_put(fails(f, "Email/imapView", "invalidArguments",
			      "{\"mailboxId\":\"m1\",\"bogus\":1}"));
	r = jmap_fixture_parse("{\"accountId\":\"a999\",\"mailboxId\":\"m1\"}");
	{
		char name[64];
		json_object *resp = jmap_fixture_invoke(f, "Email/imapView", r, name);

		assert_string_equal(jstr(resp, "type"), "accountNotFound");
		json_object_put(resp);
	}
	json_object_put(r);
}

/* Expired expunge records: a sinceModSeq before them cannot be
 * answered; HIGHESTMODSEQ never goes down. */
static void test_view_expired(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	json_object *r;
	int64_t hms0, hms1;

	import_three(f, &t);
	r = view(f, "m1", 0);
	hms0 = jint(r, "highestModSeq");
	json_object_put(r);
	email_set(f, "{\"update\":{\"%s\":{\"mailboxIds\":%s}}}", t.c, "{\"m2\":true}");
	r = view(f, "m1", hms0);
	hms1 = jint(r, "highestModSeq");
	assert_string_equal(uids(jpath(r, "vanished"), false), "3");
	json_object_put(r);

	assert_int_equal(jmap_maintenance_run(f->srv, time(NULL) + 400 * 24 * 3600), 0);
	r = fails(f, "Email/imapView", "cannotCalculateChanges",
		  "{\"mailboxId\":\"m1\",\"sinceModSeq\":%lld}", (long long)hms0);
	json_object_put(r);
	r = view(f, "m1", hms1);
	assert_int_equal(jint(r, "highestModSeq"), hms1);
	assert_int_equal(json_object_array_length(jpath(r, "vanished")), 0);
	json_object_put(r);
	r = view(f, "m1", 0);
	assert_string_equal(uids(jpath(r, "messages"), true), "1 2");
	json_object_put(r);
	/* m2 lost nothing: its changes are still answered. */
	json_object_put(view(f, "m2", 1));
}

/* A destroyed mailbox takes its expunge records with it; the emails
 * only in it go, the others stay where they also are. */
static void test_mailbox_destroy(void **state)
{
	struct jmap_fixture *f = *state;
	char a[32], b[32], id[32], mailboxes[80];
	json_object *r;

	r = ok(f, "Mailbox/set", "{\"create\":{\"x\":{\"name\":\"Box\"}}}");
	snprintf(id, sizeof(id), "%s", jstr(r, "created/x/id"));
	json_object_put(r);
	snprintf(mailboxes, sizeof(mailboxes), "{\"%s\":true}", id);
	import(f, msg_b, mailboxes, "{}", b);
	import(f, msg_a, "{\"m1\":true}", "{}", a);
	snprintf(mailboxes, sizeof(mailboxes), "{\"%s\":true,\"m1\":true}", id);
	email_set(f, "{\"update\":{\"%s\":{\"mailboxIds\":%s}}}", a, mailboxes);
	r = ok(f, "Mailbox/set", "{\"destroy\":[\"%s\"],\"onDestroyRemoveEmails\":true}", id);
	assert_string_equal(jstr(r, "destroyed/0"), id);
	json_object_put(r);
	json_object_put(fails(f, "Email/imapView", "invalidArguments",
			      "{\"mailboxId\":\"%s\"}", id));
	r = view(f, "m1", 0);
	assert_string_equal(uids(jpath(r, "messages"), true), "1");
	assert_string_equal(jstr(r, "messages/0/1"), a);
	json_object_put(r);
	r = ok(f, "Email/get", "{\"ids\":[\"%s\",\"%s\"],\"properties\":[\"imapUids\"]}", a, b);
	assert_int_equal(json_object_object_length(jpath(r, "list/0/imapUids")), 1);
	assert_string_equal(jstr(r, "notFound/0"), b);
	json_object_put(r);
}

/* ---- properties ---- */

static void test_mailbox_props(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	json_object *r, *v;
	int64_t size_c;

	import_three(f, &t);
	v = view(f, "m1", 0);
	r = ok(f, "Email/get", "{\"ids\":[\"%s\"],\"properties\":[\"size\"]}", t.c);
	size_c = jint(r, "list/0/size");
	json_object_put(r);
	r = ok(f, "Email/get", "{\"ids\":[\"%s\",\"%s\"],\"properties\":[\"size\"]}", t.a, t.b);
	size_c += jint(r, "list/0/size") + jint(r, "list/1/size");
	json_object_put(r);

	r = ok(f, "Mailbox/get", "{\"ids\":[\"m1\"],\"properties\":[\"imapUidValidity\","
	       "\"imapUidNext\",\"imapHighestModSeq\",\"imapSize\",\"imapUnseen\"]}");
	assert_int_equal(jint(r, "list/0/imapUidValidity"), jint(v, "uidValidity"));
	assert_int_equal(jint(r, "list/0/imapUidNext"), 4);
	assert_int_equal(jint(r, "list/0/imapHighestModSeq"), jint(v, "highestModSeq"));
	assert_int_equal(jint(r, "list/0/imapSize"), size_c);
	assert_int_equal(jint(r, "list/0/imapUnseen"), 1);
	assert_null(jpath(r, "list/0/name"));
	json_object_put(r);
	json_object_put(v);

	r = ok(f, "Mailbox/get", "{\"properties\":[\"name\",\"imapUidNext\"]}");
	assert_int_equal(jint(r, "list/0/imapUidNext"), 4);
	assert_int_equal(jint(r, "list/1/imapUidNext"), 1);
	assert_null(jpath(r, "list/0/imapSize"));
	json_object_put(r);
	r = ok(f, "Mailbox/get", "{\"ids\":[\"m1\"]}");
	assert_null(jpath(r, "list/0/imapUidNext"));
	json_object_put(r);
	r = ok(f, "Mailbox/set", "{\"update\":{\"m1\":{\"imapUidNext\":7}}}");
	assert_string_equal(jstr(r, "notUpdated/m1/type"), "invalidProperties");
	json_object_put(r);
}

static void test_email_uids_modseq(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	json_object *r, *v;

	import_three(f, &t);
	email_set(f, "{\"update\":{\"%s\":{\"mailboxIds\":%s}}}", t.b,
		  "{\"m1\":true,\"m2\":true}");
	r = ok(f, "Email/get", "{\"ids\":[\"%s\",\"%s\"],\"properties\":[\"imapUids\","
	       "\"imapModSeq\"]}", t.a, t.b);
	assert_int_equal(jint(r, "list/0/imapUids/m1"), 1);
	assert_int_equal(json_object_object_length(jpath(r, "list/0/imapUids")), 1);
	assert_int_equal(jint(r, "list/1/imapUids/m1"), 2);
	assert_int_equal(jint(r, "list/1/imapUids/m2"), 1);
	v = view(f, "m1", 0);
	assert_int_equal(jint(r, "list/0/imapModSeq"), jint(v, "messages/0/2"));
	assert_true(jint(r, "list/1/imapModSeq") >= jint(v, "messages/1/2"));
	json_object_put(v);
	json_object_put(r);
	r = ok(f, "Email/get", "{\"ids\":[\"%s\"]}", t.a);
	assert_null(jpath(r, "list/0/imapUids"));
	json_object_put(r);
}

static void test_email_sections(void **state)
{
	struct jmap_fixture *f = *state;
	char c[32];
	json_object *r, *whole;

	import(f, msg_c, "{\"m1\":true}", "{}", c);
	r = ok(f, "Email/get", "{\"ids\":[\"%s\"],\"properties\":[\"imapSection:\"]}", c);
	whole = jpath(r, "list/0/imapSection:");
	assert_non_null(whole);
	assert_int_equal(json_object_get_string_len(whole), sizeof(msg_c) - 1);
	assert_memory_equal(json_object_get_string(whole), msg_c, sizeof(msg_c) - 1);
	json_object_put(r);

	r = ok(f, "Email/get", "{\"ids\":[\"%s\"],\"properties\":[\"imapSection:\","
	       "\"imapSection:TEXT\",\"imapSection:header.fields (Subject)\",\"imapSection:9\","
	       "\"imapEnvelope\",\"imapBodyStructure\",\"imapBody\",\"imapBinarySize:1\","
	       "\"bodyValues\"],\"fetchAllBodyValues\":true}", c);
	assert_int_equal(json_object_get_string_len(jpath(r, "list/0/imapSection:")),
			 sizeof(msg_c) - 1);
	assert_memory_equal(json_object_get_string(jpath(r, "list/0/imapSection:TEXT")),
			    "Caf\xe9 cr\xe8me.\r\n", 13);
	assert_non_null(strstr(jstr(r, "list/0/imapSection:header.fields (Subject)"),
			       "Subject: Third"));
	assert_true(json_object_object_get_ex(jpath(r, "list/0"), "imapSection:9", NULL));
	assert_null(jpath(r, "list/0/imapSection:9"));
	assert_int_equal(json_object_array_length(jpath(r, "list/0/imapEnvelope")), 10);
	assert_string_equal(jstr(r, "list/0/imapEnvelope/1"), "Third");
	assert_true(json_object_is_type(jpath(r, "list/0/imapBodyStructure"), json_type_array));
	assert_true(json_object_is_type(jpath(r, "list/0/imapBody"), json_type_array));
	assert_int_equal(jint(r, "list/0/imapBinarySize:1"), 13);
	json_object_put(r);

	json_object_put(fails(f, "Email/get", "invalidArguments",
			      "{\"ids\":[\"%s\"],\"properties\":[\"imapSection:BOGUS\"]}", c));
	json_object_put(fails(f, "Email/get", "invalidArguments",
			      "{\"ids\":[\"%s\"],\"properties\":[\"imapSection:1.0\"]}", c));
	json_object_put(fails(f, "Email/get", "invalidArguments",
			      "{\"ids\":[\"%s\"],\"properties\":[\"imapBinary:TEXT\"]}", c));
}

/* jmap_email_blobs_open(): the bytes imapSection: gives, for a batch of
 * Email ids, the unknown ones -1; other accounts refused. */
static void test_email_blobs_open(void **state)
{
	struct jmap_fixture *f = *state;
	struct directory_identity admin = f->user;
	char c[32], buf[sizeof(msg_c)];
	const char *ids[] = { c, "e999999", "bogus" };
	int fds[3], status;
	uint64_t sizes[3];

	import(f, msg_c, "{\"m1\":true}", "{}", c);
	assert_int_equal(jmap_email_blobs_open(f->srv, &f->user, f->account, ids, 3, fds, sizes,
					       &status), 0);
	assert_int_equal(status, 200);
	assert_true(fds[0] >= 0);
	assert_int_equal(sizes[0], sizeof(msg_c) - 1);
	assert_int_equal(pread(fds[0], buf, sizeof(buf), 0), sizeof(msg_c) - 1);
	assert_memory_equal(buf, msg_c, sizeof(msg_c) - 1);
	close(fds[0]);
	assert_int_equal(fds[1], -1);
	assert_int_equal(fds[2], -1);

	assert_int_equal(jmap_email_blobs_open(f->srv, &f->user, "a999", ids, 1, fds, sizes,
					       &status), -1);
	assert_int_equal(status, 403);
	assert_int_equal(jmap_email_blobs_open(f->srv, &f->user, "nope", ids, 1, fds, sizes,
					       &status), -1);
	assert_int_equal(status, 404);
	admin.is_admin = true;
	assert_int_equal(jmap_email_blobs_open(f->srv, &admin, f->account, ids, 1, fds, sizes,
					       &status), -1);
	assert_int_equal(status, 403);
}

/* ---- filters ---- */

/* The ids Email/query finds for filter, by sentAt, as "e1 e2". */
static const char *query_ids(struct jmap_fixture *f, const char *filter)
{
	static char out[128];
	json_object *r = ok(f, "Email/query", "{\"filter\":%s,\"sort\":[{\"property\":"
			    "\"sentAt\"}]}", filter);
	json_object *ids = jpath(r, "ids");
	size_t n = json_object_array_length(ids), len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i > 0 ? " " : "",
					json_object_get_string(json_object_array_get_idx(ids, i)));
	json_object_put(r);
	return out;
}

static void test_sent_filters(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	char expect[128];

	import_three(f, &t);
	assert_string_equal(query_ids(f, "{\"imapSentBefore\":\"2021-01-01T00:00:00Z\"}"), t.a);
	snprintf(expect, sizeof(expect), "%s %s", t.b, t.c);
	assert_string_equal(query_ids(f, "{\"imapSentSince\":\"2021-06-15T10:00:00Z\"}"), expect);
	assert_string_equal(query_ids(f, "{\"imapSentSince\":\"2021-06-15T10:00:01Z\"}"), t.c);
	assert_string_equal(query_ids(f, "{\"inMailbox\":\"m1\",\"imapSentSince\":"
				      "\"2021-01-01T00:00:00Z\",\"imapSentBefore\":"
				      "\"2022-01-01T00:00:00Z\"}"), t.b);
	snprintf(expect, sizeof(expect), "%s %s", t.a, t.c);
	assert_string_equal(query_ids(f, "{\"operator\":\"NOT\",\"conditions\":[{"
				      "\"imapSentSince\":\"2021-01-01T00:00:00Z\",\"hasKeyword\":"
				      "\"$flagged\"}]}"), expect);
	json_object_put(fails(f, "Email/query", "invalidArguments",
			      "{\"filter\":{\"imapSentBefore\":\"yesterday\"}}"));
}

/* ---- HTTP callers ---- */

static json_object *http(struct jmap_fixture *f, const char *using, const char *method,
			 const char *args, int *status_r)
{
	char body[1024];

	snprintf(body, sizeof(body), "{\"using\":[%s],\"methodCalls\":[[\"%s\","
		 "{\"accountId\":\"%s\"%s},\"c\"]]}", using, method, f->account, args);
	return jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body),
				status_r);
}

static void assert_http_error(struct jmap_fixture *f, const char *method, const char *args,
			      const char *type)
{
	static const char using[] =
		"\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"";
	int status;
	json_object *r = http(f, using, method, args, &status);

	assert_int_equal(status, 200);
	if (strcmp(jstr(r, "methodResponses/0/0"), "error") != 0 ||
	    strcmp(jstr(r, "methodResponses/0/1/type"), type) != 0)
		fail_msg("%s over HTTP: %s", method, json_object_to_json_string(r));
	json_object_put(r);
}

static void test_http_refused(void **state)
{
	struct jmap_fixture *f = *state;
	struct three t;
	char args[256];
	int status;
	json_object *r;

	import_three(f, &t);
	assert_http_error(f, "Mailbox/get", ",\"properties\":[\"name\",\"imapUidNext\"]",
			  "invalidArguments");
	assert_http_error(f, "Mailbox/get", ",\"properties\":[\"imapSize\"]", "invalidArguments");
	snprintf(args, sizeof(args), ",\"ids\":[\"%s\"],\"properties\":[\"imapUids\"]", t.a);
	assert_http_error(f, "Email/get", args, "invalidArguments");
	snprintf(args, sizeof(args), ",\"ids\":[\"%s\"],\"properties\":[\"imapSection:\"]", t.a);
	assert_http_error(f, "Email/get", args, "invalidArguments");
	snprintf(args, sizeof(args), ",\"blobIds\":[],\"properties\":[\"imapEnvelope\"]");
	assert_http_error(f, "Email/parse", args, "invalidArguments");
	assert_http_error(f, "Email/query", ",\"filter\":{\"imapSentBefore\":"
			  "\"2021-01-01T00:00:00Z\"}", "unsupportedFilter");
	assert_http_error(f, "Email/imapView", ",\"mailboxId\":\"m1\"", "unknownMethod");

	r = http(f, "\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\","
		 "\"urn:tern:imap\"", "Email/imapView", ",\"mailboxId\":\"m1\"", &status);
	assert_int_equal(status, 400);
	json_object_put(r);
}

/* ---- a large mailbox ---- */

#define BIG_COUNT 10000
#define BIG_BATCH 500

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void import_many(struct jmap_fixture *f, const char *blob, size_t count)
{
	size_t cap = count * 192 + 64, len = 0;
	char *args = malloc(cap), name[64];
	json_object *parsed, *r;

	len += (size_t)snprintf(args + len, cap - len, "{\"accountId\":\"%s\",\"emails\":{",
				f->account);
	for (size_t i = 0; i < count; i++)
		len += (size_t)snprintf(args + len, cap - len, "%s\"k%zu\":{\"blobId\":\"%s\","
					"\"mailboxIds\":{\"m1\":true},\"keywords\":{%s}}",
					i > 0 ? "," : "", i, blob,
					i % 3 == 0 ? "\"$seen\":true" : "");
	snprintf(args + len, cap - len, "}}");
	parsed = json_tokener_parse(args);
	assert_non_null(parsed);
	r = jmap_fixture_invoke(f, "Email/import", parsed, name);
	assert_string_equal(name, "Email/import");
	assert_int_equal(json_object_object_length(jpath(r, "created")), count);
	json_object_put(r);
	json_object_put(parsed);
	free(args);
}

/* Email/get of every message's whole bytes, maxObjectsInGet at a time,
 * as a gateway fetching every body would. */
static void fetch_bodies(struct jmap_fixture *f, json_object *messages)
{
	size_t n = json_object_array_length(messages);

	for (size_t start = 0; start < n; start += BIG_BATCH) {
		json_object *args = json_object_new_object(), *ids = json_object_new_array();
		json_object *props = json_object_new_array(), *r;
		char name[64];

		for (size_t i = start; i < n && i < start + BIG_BATCH; i++)
			json_object_array_add(ids, json_object_get(json_object_array_get_idx(
				json_object_array_get_idx(messages, i), 1)));
		json_object_array_add(props, json_object_new_string("imapSection:"));
		json_object_object_add(args, "accountId", json_object_new_string(f->account));
		json_object_object_add(args, "ids", ids);
		json_object_object_add(args, "properties", props);
		r = jmap_fixture_invoke(f, "Email/get", args, name);
		assert_string_equal(name, "Email/get");
		assert_int_equal(json_object_get_string_len(jpath(r, "list/0/imapSection:")),
				 strlen(msg_a));
		json_object_put(r);
		json_object_put(args);
	}
}

static void test_big_mailbox(void **state)
{
	struct jmap_fixture *f = *state;
	struct timespec start;
	char blob[80], some[32];
	json_object *r;
	double secs;

	upload(f, msg_a, strlen(msg_a), blob);
	for (size_t i = 0; i < BIG_COUNT / BIG_BATCH; i++)
		import_many(f, blob, BIG_BATCH);

	clock_gettime(CLOCK_MONOTONIC, &start);
	r = view(f, "m1", 0);
	secs = seconds_since(&start);
	assert_int_equal(json_object_array_length(jpath(r, "messages")), BIG_COUNT);
	assert_int_equal(jint(r, "messages/9999/0"), BIG_COUNT);
	assert_string_equal(jstr(r, "messages/0/3/0"), "$seen");
	snprintf(some, sizeof(some), "%s", jstr(r, "messages/4321/1"));
	print_message("Email/imapView of %d messages with keywords: %.1f ms\n", BIG_COUNT,
		      secs * 1000);
	clock_gettime(CLOCK_MONOTONIC, &start);
	fetch_bodies(f, jpath(r, "messages"));
	secs = seconds_since(&start);
	json_object_put(r);
	print_message("Email/get imapSection: of %d messages: %.0f ms\n", BIG_COUNT, secs * 1000);

	clock_gettime(CLOCK_MONOTONIC, &start);
	r = ok(f, "Email/imapView", "{\"mailboxId\":\"m1\",\"withKeywords\":false}");
	secs = seconds_since(&start);
	json_object_put(r);
	print_message("Email/imapView of %d messages without keywords: %.1f ms\n", BIG_COUNT,
		      secs * 1000);

	email_set(f, "{\"update\":{\"%s\":{\"keywords/$flagged\":%s}}}", some, "true");
	r = view(f, "m1", 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	json_object_put(view(f, "m1", jint(r, "highestModSeq") - 1));
	secs = seconds_since(&start);
	json_object_put(r);
	print_message("Email/imapView since the last change: %.2f ms\n", secs * 1000);

	clock_gettime(CLOCK_MONOTONIC, &start);
	r = ok(f, "Mailbox/get", "{\"ids\":[\"m1\"],\"properties\":[\"imapHighestModSeq\","
	       "\"imapSize\",\"imapUnseen\"]}");
	secs = seconds_since(&start);
	assert_int_equal(jint(r, "list/0/imapUnseen"),
			 BIG_COUNT - BIG_COUNT / BIG_BATCH * ((BIG_BATCH + 2) / 3));
	json_object_put(r);
	print_message("Mailbox/get with imapSize and imapUnseen: %.1f ms\n", secs * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test(test_view_full),
		jmap_fixture_test(test_view_since),
		jmap_fixture_test(test_view_errors),
		jmap_fixture_test(test_view_expired),
		jmap_fixture_test(test_mailbox_destroy),
		jmap_fixture_test(test_mailbox_props),
		jmap_fixture_test(test_email_uids_modseq),
		jmap_fixture_test(test_email_sections),
		jmap_fixture_test(test_email_blobs_open),
		jmap_fixture_test(test_sent_filters),
		jmap_fixture_test(test_http_refused),
		jmap_fixture_test(test_big_mailbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
