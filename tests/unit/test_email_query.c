/* Email/query, Email/queryChanges and SearchSnippet/get, through
 * jmap_invoke() over a real store; and the snippet highlighter alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "jmap/jmap.h"
#include "jmap/snippet_mark.h"
#include "mail/mail.h"
#include "store/store.h"

#include "jmap_fixture.h"

/* ---- the highlighter ---- */

static char *mark(const char *query, const char *text, size_t max_bytes)
{
	struct snippet_terms *terms = snippet_terms_new();
	char *out;

	snippet_terms_add(terms, query);
	out = snippet_mark(terms, text, max_bytes);
	snippet_terms_free(&terms);
	assert_null(terms);
	return out;
}

static void assert_mark(const char *query, const char *text, const char *expected)
{
	char *out = mark(query, text, 0);

	if (expected == NULL) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, expected);
	free(out);
}

static void test_mark_words(void **state)
{
	(void)state;
	assert_mark("foo", "The Foosball competition", "The <mark>Foosball</mark> competition");
	assert_mark("FOO bar", "foo, bar and baz", "<mark>foo</mark>, <mark>bar</mark> and baz");
	assert_mark("zzz", "foo bar", NULL);
	assert_mark("ball", "The Foosball competition", NULL);
	assert_mark("", "anything", NULL);
	assert_mark("   ", "anything", NULL);
}

static void test_mark_escape(void **state)
{
	(void)state;
	assert_mark("x", "<b> & \"x\" </b>", "&lt;b&gt; &amp; &quot;<mark>x</mark>&quot; &lt;/b&gt;");
	assert_mark("b", "a<b>c", "a&lt;<mark>b</mark>&gt;c");
}

static void test_mark_fold(void **state)
{
	(void)state;
	assert_mark("cafe", "Café crème", "<mark>Café</mark> crème");
	assert_mark("CRÈME", "Café creme", "Café <mark>creme</mark>");
	assert_mark("strasse", "STRASSE Straße", "<mark>STRASSE</mark> <mark>Straße</mark>");
	assert_mark("ÉTÉ", "un été chaud", "un <mark>été</mark> chaud");
}

static void test_mark_phrase(void **state)
{
	(void)state;
	assert_mark("\"quick brown\"", "the quick brown fox", "the <mark>quick brown</mark> fox");
	assert_mark("'quick fox'", "the quick brown fox", NULL);
	assert_mark("\"brown fox\" the", "The quick brown fox",
		    "<mark>The</mark> quick <mark>brown fox</mark>");
	assert_mark("\"a \\\" b", "x a b y", "x <mark>a b</mark> y");
	assert_mark("don't", "I don't know", "I <mark>don</mark>'<mark>t</mark> know");
}

static void test_mark_window(void **state)
{
	char text[1024], *out;

	(void)state;
	memset(text, 0, sizeof(text));
	for (int i = 0; i < 40; i++)
		strcat(text, "lorem ipsum ");
	strcat(text, "needle <&> ");
	for (int i = 0; i < 40; i++)
		strcat(text, "dolor sit ");
	out = mark("needle", text, 255);
	assert_non_null(out);
	assert_true(strlen(out) <= 255);
	assert_true(strncmp(out, "...", 3) == 0);
	assert_non_null(strstr(out, "<mark>needle</mark> &lt;&amp;&gt;"));
	assert_true(strcmp(out + strlen(out) - 3, "...") == 0);
	free(out);

	/* near the start: no leading ellipsis */
	out = mark("lorem", text, 255);
	assert_true(strncmp(out, "<mark>lorem</mark> ipsum", 24) == 0);
	assert_true(strlen(out) <= 255);
	free(out);

	/* short text: all of it */
	out = mark("b", "a b c", 255);
	assert_string_equal(out, "a <mark>b</mark> c");
	free(out);
}

static void test_mark_bounds(void **state)
{
	char *q = calloc(1, 8192), *out;

	(void)state;
	/* broken UTF-8 is repaired, never read past */
	out = mark("ab", "x \xff\xfe ab \xc3", 0);
	assert_non_null(out);
	assert_non_null(strstr(out, "<mark>ab</mark>"));
	free(out);
	/* many terms: the first ones count, nothing overflows */
	for (int i = 0; i < 500; i++)
		strcat(q, "w ");
	strcat(q, "last");
	out = mark(q, "w last", 0);
	assert_string_equal(out, "<mark>w</mark> last");
	free(out);
	free(q);
	/* a word of accents alone matches nothing */
	assert_mark("\xcc\x81", "any word", NULL);
}

/* ---- a store with a small corpus ---- */

#define CORPUS_SIZE 5

struct fixture {
	struct jmap_fixture fx;
	char inbox[24], archive[24], trash[24];
	char e[CORPUS_SIZE + 2][32];	/* e[1..5]: the corpus; e[6]: added by a test */
	int64_t size[CORPUS_SIZE + 2];
};

/* Threads: {1, 2}; the others alone. Received in order 1..5; sent in
 * the opposite order. */
static const char *const corpus[CORPUS_SIZE + 1] = {
	NULL,
	"From: Alice Example <alice@example.com>\r\n"
	"To: Bob <bob@example.org>\r\n"
	"Cc: Carol <carol@example.net>\r\n"
	"Subject: Quarterly report\r\n"
	"Date: Fri, 05 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <q1@example.com>\r\n"
	"X-Custom: hello world\r\n"
	"\r\n"
	"The numbers look good.\r\n",

	"From: Bob <bob@example.org>\r\n"
	"To: Alice Example <alice@example.com>\r\n"
	"Subject: Re: Quarterly report\r\n"
	"Date: Thu, 04 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <q2@example.org>\r\n"
	"In-Reply-To: <q1@example.com>\r\n"
	"References: <q1@example.com>\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Thanks, caf\xc3\xa9 meeting tomorrow.\r\n",

	"From: Carol <carol@example.net>\r\n"
	"To: Dave <dave@example.com>\r\n"
	"Bcc: Eve <eve@example.com>\r\n"
	"Subject: Lunch\r\n"
	"Date: Wed, 03 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <l1@example.net>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n"
	"\r\n"
	"--b\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"pizza <b> & pasta\r\n"
	"--b\r\n"
	"Content-Type: application/pdf; name=\"menu.pdf\"\r\n"
	"Content-Disposition: attachment; filename=\"menu.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"
	"--b--\r\n",

	"From: Dave <dave@example.com>\r\n"
	"To: Carol <carol@example.net>\r\n"
	"Subject: Zebra crossing\r\n"
	"Date: Tue, 02 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <z1@example.com>\r\n"
	"\r\n"
	"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
	"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
	"exercitation ullamco laboris nisi ut aliquip ex ea commodo needle consequat. Duis aute "
	"irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla.\r\n",

	"From: =?UTF-8?Q?=C3=89mile_Zola?= <emile@example.fr>\r\n"
	"To: Bob <bob@example.org>\r\n"
	"Subject: =?UTF-8?Q?=C3=84rger_im_B=C3=BCro?=\r\n"
	"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <a1@example.fr>\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Gr\xc3\xbc\xc3\x9f" "e aus Paris.\r\n",
};

/* Runs one call; args_fmt (printf) is the arguments without accountId.
 * Returns the first response's arguments (new ref), its name in name_r. */
static json_object *vinvoke(struct fixture *f, const char *method, char name_r[64],
			    const char *args_fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static json_object *vinvoke(struct fixture *f, const char *method, char name_r[64],
			    const char *args_fmt, va_list ap)
{
	json_object *args = jmap_fixture_vparse(args_fmt, ap), *result;

	json_object_object_add(args, "accountId", json_object_new_string(f->fx.account));
	result = jmap_fixture_invoke(&f->fx, method, args, name_r);
	json_object_put(args);
	return result;
}

static json_object *invoke(struct fixture *f, const char *method, char name_r[64],
			   const char *args_fmt, ...) __attribute__((format(printf, 4, 5)));

static json_object *invoke(struct fixture *f, const char *method, char name_r[64],
			   const char *args_fmt, ...)
{
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke(f, method, name_r, args_fmt, ap);
	va_end(ap);
	return r;
}

/* Like vinvoke(), failing unless the response is named like the method. */
static json_object *vinvoke_ok(struct fixture *f, const char *method, const char *args_fmt,
			       va_list ap) __attribute__((format(printf, 3, 0)));

static json_object *vinvoke_ok(struct fixture *f, const char *method, const char *args_fmt,
			       va_list ap)
{
	char name[64];
	json_object *r = vinvoke(f, method, name, args_fmt, ap);

	if (strcmp(name, method) != 0)
		fail_msg("%s -> %s", method, json_object_to_json_string(r));
	return r;
}

static void upload(struct fixture *f, const char *raw, char blob_id[80])
{
	int status;
	json_object *problem = NULL, *resp;
	struct jmap_upload *up = jmap_upload_begin(f->fx.srv, &f->fx.user, f->fx.account,
						   "message/rfc822", strlen(raw), &status,
						   &problem);

	assert_non_null(up);
	assert_int_equal(jmap_upload_write(up, raw, strlen(raw)), 0);
	resp = jmap_upload_finish(&up, &status);
	assert_int_equal(status, 201);
	snprintf(blob_id, 80, "%s", jstr(resp, "blobId"));
	json_object_put(resp);
}

/* Imports raw with the given mailboxIds and keywords (JSON objects)
 * and receivedAt; the new id into id_r, its size into *size_r. */
static void import(struct fixture *f, const char *raw, const char *mailboxes,
		   const char *keywords, const char *received, char id_r[32], int64_t *size_r)
{
	char blob[80], name[64];
	json_object *r;

	upload(f, raw, blob);
	r = invoke(f, "Email/import", name,
		   "{\"emails\":{\"k\":{\"blobId\":\"%s\",\"mailboxIds\":%s,\"keywords\":%s,"
		   "\"receivedAt\":\"%s\"}}}", blob, mailboxes, keywords, received);
	if (jstr(r, "created/k/id") == NULL)
		fail_msg("import: %s", json_object_to_json_string(r));
	snprintf(id_r, 32, "%s", jstr(r, "created/k/id"));
	*size_r = json_object_get_int64(jpath(r, "created/k/size"));
	json_object_put(r);
}

static void mailbox_ids(struct fixture *f)
{
	char name[64];
	json_object *r = invoke(f, "Mailbox/get", name, "{\"ids\":null}");
	json_object *list = json_object_object_get(r, "list");

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *mb = json_object_array_get_idx(list, i);
		const char *role = jstr(mb, "role"), *id = jstr(mb, "id");

		if (role != NULL && strcmp(role, "inbox") == 0)
			snprintf(f->inbox, sizeof(f->inbox), "%s", id);
		else if (role != NULL && strcmp(role, "archive") == 0)
			snprintf(f->archive, sizeof(f->archive), "%s", id);
		else if (role != NULL && strcmp(role, "trash") == 0)
			snprintf(f->trash, sizeof(f->trash), "%s", id);
	}
	json_object_put(r);
}

static void corpus_import(struct fixture *f)
{
	char in[64], in_ar[96], ar[64], tr[64];

	snprintf(in, sizeof(in), "{\"%s\":true}", f->inbox);
	snprintf(in_ar, sizeof(in_ar), "{\"%s\":true,\"%s\":true}", f->inbox, f->archive);
	snprintf(ar, sizeof(ar), "{\"%s\":true}", f->archive);
	snprintf(tr, sizeof(tr), "{\"%s\":true}", f->trash);
	import(f, corpus[1], in, "{\"$seen\":true}", "2024-01-01T10:00:00Z", f->e[1], &f->size[1]);
	import(f, corpus[2], in, "{}", "2024-01-02T10:00:00Z", f->e[2], &f->size[2]);
	import(f, corpus[3], ar, "{\"$Flagged\":true}", "2024-01-03T10:00:00Z", f->e[3],
	       &f->size[3]);
	import(f, corpus[4], tr, "{}", "2024-01-04T10:00:00Z", f->e[4], &f->size[4]);
	import(f, corpus[5], in_ar, "{\"$flagged\":true,\"$seen\":true}", "2024-01-05T10:00:00Z",
	       f->e[5], &f->size[5]);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	jmap_fixture_open(&f->fx, "email-query", "", &p);
	mailbox_ids(f);
	corpus_import(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	jmap_fixture_close(&f->fx);
	free(f);
	return 0;
}

/* The corpus number of an email id ("?" if none). */
static const char *corpus_name(const struct fixture *f, const char *id)
{
	static const char *const names[] = { "?", "1", "2", "3", "4", "5", "6" };

	for (int i = 1; i <= CORPUS_SIZE + 1; i++) {
		if (strcmp(f->e[i], id) == 0)
			return names[i];
	}
	return names[0];
}

/* The ids of a result as corpus numbers: "5 2 1". */
static void ids_names(const struct fixture *f, json_object *ids, char out[128])
{
	size_t n = json_object_array_length(ids);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, corpus_name(f, json_object_get_string(json_object_array_get_idx(ids, i))));
	}
}

/* Email/query with args (no accountId); the ids as corpus numbers. */
static const char *query(struct fixture *f, const char *args_fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *query(struct fixture *f, const char *args_fmt, ...)
{
	static char out[128];
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke_ok(f, "Email/query", args_fmt, ap);
	va_end(ap);
	ids_names(f, json_object_object_get(r, "ids"), out);
	json_object_put(r);
	return out;
}

static const char *filter(struct fixture *f, const char *filter_fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *filter(struct fixture *f, const char *filter_fmt, ...)
{
	char *text;
	const char *out;
	va_list ap;

	va_start(ap, filter_fmt);
	assert_true(vasprintf(&text, filter_fmt, ap) > 0);
	va_end(ap);
	out = query(f, "{\"filter\":%s}", text);
	free(text);
	return out;
}

/* The error type of a call expected to fail. */
static const char *error_of(struct fixture *f, const char *method, const char *args_fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const char *error_of(struct fixture *f, const char *method, const char *args_fmt, ...)
{
	static char type[64];
	char name[64];
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke(f, method, name, args_fmt, ap);
	va_end(ap);
	if (strcmp(name, "error") != 0)
		fail_msg("%s did not fail: %s", method, json_object_to_json_string(r));
	snprintf(type, sizeof(type), "%s", jstr(r, "type"));
	json_object_put(r);
	return type;
}

/* ---- Email/query ---- */

static void test_filter_mailboxes_dates_sizes(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(query(f, "{}"), "5 4 3 2 1");
	assert_string_equal(filter(f, "{}"), "5 4 3 2 1");
	assert_string_equal(filter(f, "{\"inMailbox\":\"%s\"}", f->inbox), "5 2 1");
	assert_string_equal(filter(f, "{\"inMailbox\":\"m999\"}"), "");
	assert_string_equal(filter(f, "{\"inMailbox\":\"x1\"}"), "");
	assert_string_equal(filter(f, "{\"inMailboxOtherThan\":[\"%s\"]}", f->inbox), "5 4 3");
	assert_string_equal(filter(f, "{\"inMailboxOtherThan\":[\"%s\",\"%s\",\"%s\"]}",
				   f->inbox, f->archive, f->trash), "");
	assert_string_equal(filter(f, "{\"inMailboxOtherThan\":[\"m999\"]}"), "5 4 3 2 1");
	assert_string_equal(filter(f, "{\"inMailboxOtherThan\":[]}"), "5 4 3 2 1");
	assert_string_equal(filter(f, "{\"before\":\"2024-01-03T10:00:00Z\"}"), "2 1");
	assert_string_equal(filter(f, "{\"after\":\"2024-01-03T10:00:00Z\"}"), "5 4 3");
	assert_string_equal(filter(f, "{\"after\":\"2024-01-02T00:00:00Z\","
				   "\"before\":\"2024-01-04T00:00:00Z\"}"), "3 2");
	assert_string_equal(filter(f, "{\"minSize\":%lld}", (long long)f->size[3]),
			    f->size[3] > f->size[4] ? "3" : "4 3");
	assert_string_equal(filter(f, "{\"maxSize\":%lld,\"minSize\":%lld}",
				   (long long)f->size[3] + 1, (long long)f->size[3]), "3");
	assert_string_equal(filter(f, "{\"maxSize\":%lld,\"inMailbox\":\"%s\"}",
				   (long long)f->size[3], f->archive), "5");
	assert_string_equal(filter(f, "{\"minSize\":0}"), "5 4 3 2 1");
}

static void test_filter_keywords_attachments(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(filter(f, "{\"hasKeyword\":\"$flagged\"}"), "5 3");
	assert_string_equal(filter(f, "{\"hasKeyword\":\"$FLAGGED\"}"), "5 3");
	assert_string_equal(filter(f, "{\"notKeyword\":\"$seen\"}"), "4 3 2");
	assert_string_equal(filter(f, "{\"hasKeyword\":\"$junk\"}"), "");
	assert_string_equal(filter(f, "{\"allInThreadHaveKeyword\":\"$seen\"}"), "5");
	assert_string_equal(filter(f, "{\"someInThreadHaveKeyword\":\"$seen\"}"), "5 2 1");
	assert_string_equal(filter(f, "{\"noneInThreadHaveKeyword\":\"$seen\"}"), "4 3");
	assert_string_equal(filter(f, "{\"hasAttachment\":true}"), "3");
	assert_string_equal(filter(f, "{\"hasAttachment\":false}"), "5 4 2 1");
}

static void test_filter_text(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(filter(f, "{\"text\":\"quarterly\"}"), "2 1");
	assert_string_equal(filter(f, "{\"text\":\"pizza\"}"), "3");
	assert_string_equal(filter(f, "{\"text\":\"carol\"}"), "4 3 1");
	assert_string_equal(filter(f, "{\"text\":\"QUARTERLY numbers\"}"), "1");
	assert_string_equal(filter(f, "{\"text\":\"nothinglikethis\"}"), "");
	assert_string_equal(filter(f, "{\"text\":\"   \"}"), "5 4 3 2 1");
	assert_string_equal(filter(f, "{\"text\":\"quart\"}"), "2 1");
	assert_string_equal(filter(f, "{\"from\":\"alice\"}"), "1");
	assert_string_equal(filter(f, "{\"to\":\"alice\"}"), "2");
	assert_string_equal(filter(f, "{\"cc\":\"carol\"}"), "1");
	assert_string_equal(filter(f, "{\"bcc\":\"eve\"}"), "3");
	assert_string_equal(filter(f, "{\"subject\":\"lunch\"}"), "3");
	assert_string_equal(filter(f, "{\"subject\":\"pizza\"}"), "");
	assert_string_equal(filter(f, "{\"body\":\"numbers\"}"), "1");
	assert_string_equal(filter(f, "{\"body\":\"quarterly\"}"), "");
	assert_string_equal(filter(f, "{\"body\":\"needle\"}"), "4");
	/* folded like the index: case and diacritics */
	assert_string_equal(filter(f, "{\"text\":\"cafe\"}"), "2");
	assert_string_equal(filter(f, "{\"subject\":\"ARGER\"}"), "5");
	assert_string_equal(filter(f, "{\"from\":\"emile\"}"), "5");
	/* FTS syntax in user text is just words */
	assert_string_equal(filter(f, "{\"text\":\"lunch OR pizza\"}"), "");
	assert_string_equal(filter(f, "{\"text\":\"NEAR(\\\"x\"}"), "");
	assert_string_equal(filter(f, "{\"header\":[\"X-Custom\"]}"), "1");
	assert_string_equal(filter(f, "{\"header\":[\"x-custom\",\"hello\"]}"), "1");
	assert_string_equal(filter(f, "{\"header\":[\"X-Custom\",\"nothing\"]}"), "");
	assert_string_equal(filter(f, "{\"header\":[\"X-Absent\"]}"), "");
}

static void test_filter_operators(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(filter(f, "{\"inMailbox\":\"%s\",\"hasKeyword\":\"$seen\"}", f->inbox),
			    "5 1");
	assert_string_equal(filter(f, "{\"operator\":\"OR\",\"conditions\":["
				   "{\"subject\":\"lunch\"},{\"from\":\"dave\"}]}"), "4 3");
	assert_string_equal(filter(f, "{\"operator\":\"NOT\",\"conditions\":["
				   "{\"subject\":\"lunch\"},{\"from\":\"dave\"}]}"), "5 2 1");
	assert_string_equal(filter(f, "{\"operator\":\"AND\",\"conditions\":["
				   "{\"inMailbox\":\"%s\"},{\"operator\":\"NOT\",\"conditions\":["
				   "{\"hasKeyword\":\"$seen\"}]}]}", f->inbox), "2");
	assert_string_equal(filter(f, "{\"operator\":\"AND\",\"conditions\":[{},{}]}"),
			    "5 4 3 2 1");
	assert_string_equal(filter(f, "{\"operator\":\"OR\",\"conditions\":["
				   "{\"inMailbox\":\"m999\"},{\"text\":\"zebra\"}]}"), "4");
}

static void test_filter_errors(void **state)
{
	struct fixture *f = *state;
	char deep[4096] = "", text[8192];

	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"colour\":\"red\"}}"),
			    "unsupportedFilter");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"inMailbox\":5}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"inMailbox\":null}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"inMailboxOtherThan\":\"m1\"}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"inMailboxOtherThan\":[1]}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"before\":\"yesterday\"}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"minSize\":-1}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"maxSize\":\"1\"}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"hasKeyword\":\"a b\"}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"hasKeyword\":\"\"}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"hasAttachment\":\"yes\"}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"text\":7}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"header\":[]}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"header\":[\"a\",\"b\",\"c\"]}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"header\":[\"a:b\"]}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"header\":[\"a\",1]}}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query",
				     "{\"filter\":{\"operator\":\"XOR\",\"conditions\":[{}]}}"),
			    "invalidArguments");
	memset(text, 'a', 5000);
	text[5000] = '\0';
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"text\":\"%s\"}}", text),
			    "invalidArguments");
	/* deeper than the store runs: refused, not a server failure */
	for (int i = 0; i < 40; i++)
		strcat(deep, "{\"operator\":\"NOT\",\"conditions\":[");
	strcat(deep, "{}");
	for (int i = 0; i < 40; i++)
		strcat(deep, "]}");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":%s}", deep),
			    "unsupportedFilter");
	assert_string_equal(error_of(f, "Email/query", "{\"collapseThreads\":null}"),
			    "invalidArguments");
}

static void test_filter_depth_ok(void **state)
{
	struct fixture *f = *state;
	char deep[4096] = "";

	/* 30 NOTs around a condition: within bounds; an even count keeps it */
	for (int i = 0; i < 30; i++)
		strcat(deep, "{\"operator\":\"NOT\",\"conditions\":[");
	strcat(deep, "{\"hasKeyword\":\"$flagged\",\"inMailbox\":\"m999\"}");
	for (int i = 0; i < 30; i++)
		strcat(deep, "]}");
	assert_string_equal(filter(f, "%s", deep), "");
}

static void test_sorts(void **state)
{
	struct fixture *f = *state;
	char expect[32];
	int order[CORPUS_SIZE];

	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"receivedAt\"}]}"), "1 2 3 4 5");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"receivedAt\","
				  "\"isAscending\":false}]}"), "5 4 3 2 1");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"sentAt\"}]}"), "5 4 3 2 1");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"sentAt\","
				  "\"isAscending\":false}]}"), "1 2 3 4 5");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"from\"}]}"), "1 2 3 4 5");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"from\","
				  "\"collation\":\"i;ascii-casemap\"}]}"), "1 2 3 4 5");
	/* to: Alice(2) Bob(1, 5: id descending) Carol(4) Dave(3) */
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"to\"}]}"), "2 5 1 4 3");
	/* subject: the base subject, folded: Ärger, Lunch, Quarterly x2, Zebra */
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"subject\"}]}"), "5 3 2 1 4");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"hasKeyword\","
				  "\"keyword\":\"$flagged\",\"isAscending\":false},"
				  "{\"property\":\"receivedAt\"}]}"), "3 5 1 2 4");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"someInThreadHaveKeyword\","
				  "\"keyword\":\"$SEEN\",\"isAscending\":false},"
				  "{\"property\":\"receivedAt\"}]}"), "1 2 5 3 4");
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"allInThreadHaveKeyword\","
				  "\"keyword\":\"$seen\",\"isAscending\":false},"
				  "{\"property\":\"receivedAt\"}]}"), "5 1 2 3 4");
	/* size: check against the sizes Email/import gave */
	for (int i = 0; i < CORPUS_SIZE; i++)
		order[i] = i + 1;
	for (int i = 0; i < CORPUS_SIZE; i++) {
		for (int j = i + 1; j < CORPUS_SIZE; j++) {
			if (f->size[order[j]] < f->size[order[i]] ||
			    (f->size[order[j]] == f->size[order[i]] && order[j] > order[i])) {
				int t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
		}
	}
	snprintf(expect, sizeof(expect), "%d %d %d %d %d", order[0], order[1], order[2], order[3],
		 order[4]);
	assert_string_equal(query(f, "{\"sort\":[{\"property\":\"size\"}]}"), expect);
}

static void test_sort_errors(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(error_of(f, "Email/query", "{\"sort\":[{\"property\":\"colour\"}]}"),
			    "unsupportedSort");
	assert_string_equal(error_of(f, "Email/query", "{\"sort\":[{\"property\":\"subject\","
				     "\"collation\":\"i;klingon\"}]}"), "unsupportedSort");
	assert_string_equal(error_of(f, "Email/query", "{\"sort\":[{\"property\":\"hasKeyword\"}]}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"sort\":[{\"property\":\"hasKeyword\","
				     "\"keyword\":5}]}"), "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"sort\":[{\"property\":\"hasKeyword\","
				     "\"keyword\":\"a(b\"}]}"), "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"sort\":[{\"property\":\"size\","
				     "\"colour\":\"red\"}]}"), "invalidArguments");
	assert_string_equal(error_of(f, "Email/query", "{\"sort\":{}}"), "invalidArguments");
}

static json_object *query_full(struct fixture *f, const char *args_fmt, ...)
	__attribute__((format(printf, 2, 3)));

static json_object *query_full(struct fixture *f, const char *args_fmt, ...)
{
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke_ok(f, "Email/query", args_fmt, ap);
	va_end(ap);
	return r;
}

static void assert_window(struct fixture *f, json_object *r, const char *ids, int64_t position,
			  int64_t total)
{
	char out[128];

	ids_names(f, json_object_object_get(r, "ids"), out);
	assert_string_equal(out, ids);
	assert_int_equal(json_object_get_int64(json_object_object_get(r, "position")), position);
	if (total >= 0)
		assert_int_equal(json_object_get_int64(json_object_object_get(r, "total")), total);
	else
		assert_null(json_object_object_get(r, "total"));
	json_object_put(r);
}

static void test_windows(void **state)
{
	struct fixture *f = *state;
	json_object *r;

	assert_window(f, query_full(f, "{\"position\":1,\"limit\":2}"), "4 3", 1, -1);
	assert_window(f, query_full(f, "{\"position\":1,\"limit\":2,\"calculateTotal\":true}"),
		      "4 3", 1, 5);
	assert_window(f, query_full(f, "{\"position\":-2,\"calculateTotal\":true}"), "2 1", 3, 5);
	assert_window(f, query_full(f, "{\"position\":-20}"), "5 4 3 2 1", 0, -1);
	assert_window(f, query_full(f, "{\"position\":10,\"calculateTotal\":true}"), "", 10, 5);
	assert_window(f, query_full(f, "{\"limit\":0,\"calculateTotal\":true}"), "", 0, 5);
	assert_window(f, query_full(f, "{\"anchor\":\"%s\",\"limit\":2}", f->e[3]), "3 2", 2, -1);
	assert_window(f, query_full(f, "{\"anchor\":\"%s\",\"anchorOffset\":-1,\"limit\":2}",
				    f->e[3]), "4 3", 1, -1);
	assert_window(f, query_full(f, "{\"anchor\":\"%s\",\"anchorOffset\":-10}", f->e[3]),
		      "5 4 3 2 1", 0, -1);
	assert_window(f, query_full(f, "{\"anchor\":\"%s\",\"anchorOffset\":1}", f->e[3]), "2 1",
		      3, -1);
	assert_window(f, query_full(f, "{\"anchor\":\"%s\",\"position\":3}", f->e[4]),
		      "4 3 2 1", 1, -1);
	assert_window(f, query_full(f, "{\"filter\":{\"inMailbox\":\"%s\"},\"calculateTotal\":true,"
				    "\"limit\":1}", f->inbox), "5", 0, 3);
	r = query_full(f, "{\"filter\":{\"text\":\"quarterly\"},\"anchor\":\"%s\","
		       "\"calculateTotal\":true}", f->e[1]);
	assert_window(f, r, "1", 1, 2);
	assert_string_equal(error_of(f, "Email/query", "{\"anchor\":\"e999\"}"), "anchorNotFound");
	assert_string_equal(error_of(f, "Email/query", "{\"anchor\":\"m1\"}"), "anchorNotFound");
	assert_string_equal(error_of(f, "Email/query", "{\"filter\":{\"inMailbox\":\"%s\"},"
				     "\"anchor\":\"%s\"}", f->inbox, f->e[3]), "anchorNotFound");
	assert_string_equal(error_of(f, "Email/query", "{\"limit\":-1}"), "invalidArguments");
}

static void test_collapse_threads(void **state)
{
	struct fixture *f = *state;
	json_object *r;

	r = query_full(f, "{\"collapseThreads\":true,\"calculateTotal\":true}");
	assert_true(json_object_get_boolean(json_object_object_get(r, "canCalculateChanges")));
	assert_window(f, r, "5 4 3 2", 0, 4);
	assert_window(f, query_full(f, "{\"collapseThreads\":true,\"sort\":[{\"property\":"
				    "\"receivedAt\"}]}"), "1 3 4 5", 0, -1);
	assert_window(f, query_full(f, "{\"collapseThreads\":true,\"position\":1,\"limit\":2}"),
		      "4 3", 1, -1);
	assert_window(f, query_full(f, "{\"collapseThreads\":true,\"anchor\":\"%s\"}", f->e[2]),
		      "2", 3, -1);
	assert_string_equal(error_of(f, "Email/query", "{\"collapseThreads\":true,\"anchor\":\"%s\"}",
				     f->e[1]), "anchorNotFound");
	assert_window(f, query_full(f, "{\"collapseThreads\":true,\"filter\":{\"inMailbox\":\"%s\"},"
				    "\"calculateTotal\":true}", f->inbox), "5 2", 0, 2);
	assert_window(f, query_full(f, "{\"collapseThreads\":false}"), "5 4 3 2 1", 0, -1);

	r = query_full(f, "{\"filter\":{\"someInThreadHaveKeyword\":\"$seen\"}}");
	assert_true(json_object_get_boolean(json_object_object_get(r, "canCalculateChanges")));
	json_object_put(r);
	r = query_full(f, "{\"sort\":[{\"property\":\"allInThreadHaveKeyword\",\"keyword\":\"$seen\"}]}");
	assert_true(json_object_get_boolean(json_object_object_get(r, "canCalculateChanges")));
	json_object_put(r);
	r = query_full(f, "{\"filter\":{\"hasKeyword\":\"$seen\",\"text\":\"x\"},"
		       "\"sort\":[{\"property\":\"subject\"}]}");
	assert_true(json_object_get_boolean(json_object_object_get(r, "canCalculateChanges")));
	json_object_put(r);
}

/* RFC 8620 §5.6: the old ids with "removed" taken out and "added"
 * spliced in at their indexes must equal the ids of the query now. */
static void assert_query_changes_splice(struct fixture *f, json_object *old, const char *since,
					const char *args)
{
	char name[64];
	json_object *now = query_full(f, "{%s}", args), *ids = json_object_new_array();
	json_object *r = invoke(f, "Email/queryChanges", name, "{\"sinceQueryState\":\"%s\",%s}",
				since, args);
	json_object *old_ids = json_object_object_get(old, "ids");
	json_object *removed, *added, *spliced;

	if (strcmp(name, "Email/queryChanges") != 0)
		fail_msg("%s", json_object_to_json_string(r));
	removed = json_object_object_get(r, "removed");
	added = json_object_object_get(r, "added");
	for (size_t i = 0; i < json_object_array_length(old_ids); i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(old_ids, i));
		bool gone = false;

		for (size_t k = 0; k < json_object_array_length(removed); k++)
			gone |= strcmp(id, json_object_get_string(json_object_array_get_idx(removed, k))) == 0;
		if (!gone)
			json_object_array_add(ids, json_object_new_string(id));
	}
	spliced = json_object_new_array();
	for (size_t k = 0, kept = 0; kept < json_object_array_length(ids) ||
	     k < json_object_array_length(added);) {
		json_object *item = json_object_array_get_idx(added, k);

		if (item != NULL && (size_t)json_object_get_int64(json_object_object_get(item, "index")) ==
		    json_object_array_length(spliced)) {
			json_object_array_add(spliced, json_object_get(json_object_object_get(item, "id")));
			k++;
		} else {
			assert_true(kept < json_object_array_length(ids));
			json_object_array_add(spliced, json_object_get(json_object_array_get_idx(ids, kept++)));
		}
	}
	assert_string_equal(json_object_to_json_string(spliced),
			    json_object_to_json_string(json_object_object_get(now, "ids")));
	json_object_put(spliced);
	json_object_put(ids);
	json_object_put(now);
	json_object_put(r);
}

static void test_query_changes(void **state)
{
	struct fixture *f = *state;
	char name[64], state0[32], in[64], expect[128];
	json_object *r, *old_collapsed, *old_seen;

	r = query_full(f, "{\"filter\":{\"inMailbox\":\"%s\"}}", f->inbox);
	snprintf(state0, sizeof(state0), "%s", jstr(r, "queryState"));
	json_object_put(r);
	old_collapsed = query_full(f, "{\"collapseThreads\":true}");
	old_seen = query_full(f, "{\"filter\":{\"allInThreadHaveKeyword\":\"$seen\"}}");

	snprintf(in, sizeof(in), "{\"%s\":true}", f->inbox);
	import(f, "From: x@example.com\r\nSubject: new one\r\n\r\nhi\r\n", in, "{}",
	       "2024-01-06T10:00:00Z", f->e[6], &f->size[6]);
	r = invoke(f, "Email/set", name, "{\"destroy\":[\"%s\"],\"update\":{\"%s\":"
		   "{\"keywords/$flagged\":true}}}", f->e[2], f->e[4]);
	assert_string_equal(name, "Email/set");
	json_object_put(r);

	r = invoke(f, "Email/queryChanges", name, "{\"filter\":{\"inMailbox\":\"%s\"},"
		   "\"sinceQueryState\":\"%s\",\"calculateTotal\":true}", f->inbox, state0);
	if (strcmp(name, "Email/queryChanges") != 0)
		fail_msg("%s", json_object_to_json_string(r));
	assert_int_equal(json_object_get_int64(json_object_object_get(r, "total")), 3);
	ids_names(f, json_object_object_get(r, "removed"), expect);
	/* the destroyed one; the one changed outside the filter may be
	 * listed too (it is not in the results either way) */
	assert_true(strcmp(expect, "2") == 0 || strcmp(expect, "2 4") == 0 ||
		    strcmp(expect, "4 2") == 0);
	assert_int_equal(json_object_array_length(json_object_object_get(r, "added")), 1);
	assert_string_equal(jstr(r, "added/0/id"), f->e[6]);
	assert_int_equal(json_object_get_int64(jpath(r, "added/0/index")), 0);
	json_object_put(r);

	assert_query_changes_splice(f, old_collapsed, state0, "\"collapseThreads\":true");
	assert_query_changes_splice(f, old_seen, state0,
				    "\"filter\":{\"allInThreadHaveKeyword\":\"$seen\"}");
	json_object_put(old_collapsed);
	json_object_put(old_seen);
	assert_string_equal(error_of(f, "Email/queryChanges", "{\"sinceQueryState\":\"%s\","
				     "\"filter\":{\"nope\":1}}", state0), "unsupportedFilter");
}

static void test_query_changes_sorted(void **state)
{
	struct fixture *f = *state;
	char name[64], state0[32];
	json_object *r;

	r = query_full(f, "{\"sort\":[{\"property\":\"hasKeyword\",\"keyword\":\"$flagged\","
		       "\"isAscending\":false}]}");
	snprintf(state0, sizeof(state0), "%s", jstr(r, "queryState"));
	json_object_put(r);
	r = invoke(f, "Email/set", name, "{\"update\":{\"%s\":{\"keywords/$flagged\":true}}}",
		   f->e[1]);
	json_object_put(r);
	/* flagged first: 5 3 1, then 4 2; e1 moved to index 2 */
	r = invoke(f, "Email/queryChanges", name, "{\"sinceQueryState\":\"%s\",\"sort\":["
		   "{\"property\":\"hasKeyword\",\"keyword\":\"$flagged\",\"isAscending\":false}]}",
		   state0);
	assert_string_equal(name, "Email/queryChanges");
	assert_string_equal(jstr(r, "removed/0"), f->e[1]);
	assert_string_equal(jstr(r, "added/0/id"), f->e[1]);
	assert_int_equal(json_object_get_int64(jpath(r, "added/0/index")), 2);
	json_object_put(r);
}

/* ---- SearchSnippet/get ---- */

static json_object *snippets(struct fixture *f, const char *args_fmt, ...)
	__attribute__((format(printf, 2, 3)));

static json_object *snippets(struct fixture *f, const char *args_fmt, ...)
{
	va_list ap;
	json_object *r;

	va_start(ap, args_fmt);
	r = vinvoke_ok(f, "SearchSnippet/get", args_fmt, ap);
	va_end(ap);
	return r;
}

static void test_snippets(void **state)
{
	struct fixture *f = *state;
	json_object *r;
	const char *preview;

	r = snippets(f, "{\"filter\":{\"text\":\"quarterly\"},\"emailIds\":[\"%s\",\"%s\","
		     "\"e999\",\"bad!\"]}", f->e[2], f->e[3]);
	assert_string_equal(jstr(r, "list/0/emailId"), f->e[2]);
	assert_string_equal(jstr(r, "list/0/subject"), "Re: <mark>Quarterly</mark> report");
	assert_null(jpath(r, "list/0/preview"));
	assert_string_equal(jstr(r, "list/1/emailId"), f->e[3]);
	assert_null(jpath(r, "list/1/subject"));
	assert_null(jpath(r, "list/1/preview"));
	assert_int_equal(json_object_array_length(json_object_object_get(r, "notFound")), 2);
	assert_string_equal(jstr(r, "notFound/0"), "e999");
	json_object_put(r);

	r = snippets(f, "{\"filter\":{\"operator\":\"AND\",\"conditions\":[{\"body\":\"pizza\"},"
		     "{\"operator\":\"NOT\",\"conditions\":[{\"text\":\"pasta\"}]}]},"
		     "\"emailIds\":[\"%s\"]}", f->e[3]);
	assert_null(jpath(r, "list/0/subject"));
	assert_string_equal(jstr(r, "list/0/preview"), "<mark>pizza</mark> &lt;b&gt; &amp; pasta");
	assert_null(json_object_object_get(r, "notFound"));
	assert_true(json_object_object_get_ex(r, "notFound", NULL));
	json_object_put(r);

	/* a match far into the preview: a section of at most 255 octets */
	r = snippets(f, "{\"filter\":{\"body\":\"needle\"},\"emailIds\":[\"%s\"]}", f->e[4]);
	preview = jstr(r, "list/0/preview");
	assert_non_null(preview);
	assert_true(strlen(preview) <= 255);
	assert_non_null(strstr(preview, "<mark>needle</mark>"));
	json_object_put(r);

	/* past the stored preview: found in the message itself */
	r = snippets(f, "{\"filter\":{\"text\":\"fugiat\"},\"emailIds\":[\"%s\"]}", f->e[4]);
	preview = jstr(r, "list/0/preview");
	assert_non_null(preview);
	assert_true(strlen(preview) <= 255);
	assert_true(strncmp(preview, "...", 3) == 0);
	assert_non_null(strstr(preview, "<mark>fugiat</mark> nulla."));
	json_object_put(r);

	r = snippets(f, "{\"filter\":{\"subject\":\"arger\"},\"emailIds\":[\"%s\"]}", f->e[5]);
	assert_string_equal(jstr(r, "list/0/subject"), "<mark>\xc3\x84rger</mark> im B\xc3\xbcro");
	assert_null(jpath(r, "list/0/preview"));
	json_object_put(r);

	r = snippets(f, "{\"filter\":null,\"emailIds\":[\"%s\"]}", f->e[1]);
	assert_null(jpath(r, "list/0/subject"));
	assert_null(jpath(r, "list/0/preview"));
	json_object_put(r);
}

static void test_snippet_errors(void **state)
{
	struct fixture *f = *state;
	char ids[8192] = "";

	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"filter\":{\"nope\":1},"
				     "\"emailIds\":[]}"), "unsupportedFilter");
	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"filter\":{\"text\":1},"
				     "\"emailIds\":[]}"), "invalidArguments");
	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"filter\":{\"operator\":\"AND\","
				     "\"conditions\":[]},\"emailIds\":[]}"), "invalidArguments");
	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"filter\":{}}"), "invalidArguments");
	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"emailIds\":[1]}"),
			    "invalidArguments");
	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"emailIds\":[],\"sort\":[]}"),
			    "invalidArguments");
	for (int i = 0; i < 501; i++)
		strcat(ids, i == 0 ? "\"e1\"" : ",\"e1\"");
	assert_string_equal(error_of(f, "SearchSnippet/get", "{\"emailIds\":[%s]}", ids),
			    "requestTooLarge");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mark_words),
		cmocka_unit_test(test_mark_escape),
		cmocka_unit_test(test_mark_fold),
		cmocka_unit_test(test_mark_phrase),
		cmocka_unit_test(test_mark_window),
		cmocka_unit_test(test_mark_bounds),
	};
	const struct CMUnitTest store_tests[] = {
		cmocka_unit_test(test_filter_mailboxes_dates_sizes),
		cmocka_unit_test(test_filter_keywords_attachments),
		cmocka_unit_test(test_filter_text),
		cmocka_unit_test(test_filter_operators),
		cmocka_unit_test(test_filter_errors),
		cmocka_unit_test(test_filter_depth_ok),
		cmocka_unit_test(test_sorts),
		cmocka_unit_test(test_sort_errors),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_collapse_threads),
		cmocka_unit_test(test_snippets),
		cmocka_unit_test(test_snippet_errors),
	};
	const struct CMUnitTest change_tests[] = {
		cmocka_unit_test_setup_teardown(test_query_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_changes_sorted, setup, teardown),
	};
	int ret;

	mail_init();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ret += cmocka_run_group_tests_name("query", store_tests, setup, teardown);
	ret += cmocka_run_group_tests_name("changes", change_tests, NULL, NULL);
	mail_deinit();
	return ret;
}
