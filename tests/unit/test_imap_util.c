/* Unit tests for the IMAP gateway's small modules: sequence sets,
 * modified UTF-7, flags and keywords, string and structure writing, the
 * view's lookups, and the rule on plaintext passwords. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <json-c/json.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_mutf7.h"
#include "gateways/imap/imap_session.h"

/* The buffer's text, NUL-terminated; the buffer is emptied. */
static char *test_take(struct evbuffer *out)
{
	size_t len = evbuffer_get_length(out);
	char *s = xmalloc(len + 1);

	evbuffer_remove(out, s, len);
	s[len] = '\0';
	return s;
}

static void test_expect_out(struct evbuffer *out, const char *expected)
{
	char *s = test_take(out);

	assert_string_equal(s, expected);
	free(s);
}

static void test_seqset(void **state)
{
	struct imap_seqset set;

	assert_int_equal(imap_seqset_parse("1:4,7,9:*", 12, &set), 0);
	assert_int_equal(set.count, 3);
	assert_int_equal(set.ranges[0].lo, 1);
	assert_int_equal(set.ranges[0].hi, 4);
	assert_int_equal(set.ranges[2].lo, 9);
	assert_int_equal(set.ranges[2].hi, 12);
	assert_true(imap_seqset_contains(&set, 7));
	assert_false(imap_seqset_contains(&set, 8));
	assert_true(imap_seqset_contains(&set, 12));
	imap_seqset_free(&set);
	/* reversed, overlapping and adjacent ranges merge */
	assert_int_equal(imap_seqset_parse("5:3,1,2,6,10:8,4294967295", 0, &set), 0);
	assert_int_equal(set.count, 3);
	assert_int_equal(set.ranges[0].lo, 1);
	assert_int_equal(set.ranges[0].hi, 6);
	assert_int_equal(set.ranges[1].lo, 8);
	assert_int_equal(set.ranges[2].hi, UINT32_MAX);
	imap_seqset_free(&set);
	/* "*" in an empty mailbox is 0 */
	assert_int_equal(imap_seqset_parse("*", 0, &set), 0);
	assert_int_equal(set.ranges[0].lo, 0);
	imap_seqset_free(&set);
	static const char *const bad[] = {
		"", "0", "1:", ":1", "1,,2", "1,", "01", "4294967296", "a", "1:2:3", "1 2", "-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(imap_seqset_parse(bad[i], 5, &set), -1);
}

static void test_mutf7_pair(const char *utf8, const char *mutf7)
{
	char *enc = imap_mutf7_encode(utf8);
	char *dec = imap_mutf7_decode(mutf7);

	assert_non_null(enc);
	assert_string_equal(enc, mutf7);
	assert_non_null(dec);
	assert_string_equal(dec, utf8);
	free(enc);
	free(dec);
}

static void test_mutf7(void **state)
{
	test_mutf7_pair("INBOX", "INBOX");
	test_mutf7_pair("", "");
	test_mutf7_pair("Tom & Jerry", "Tom &- Jerry");
	test_mutf7_pair("Entw\xc3\xbc" "rfe", "Entw&APw-rfe");
	test_mutf7_pair("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
			"~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	test_mutf7_pair("\xf0\x9f\x93\xa7 mail", "&2D3c5w- mail");
	test_mutf7_pair("a\tb", "a&AAk-b");
	/* malformed */
	static const char *const bad[] = {
		"&", "&AGE-", "&Jjo", "&Jj!-", "caf\xc3\xa9", "&2D3-", "&3OcAIA-", "&AOkA-",
		"a\x01", "&-&", "&Jjo=-",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(imap_mutf7_decode(bad[i]));
	assert_null(imap_mutf7_encode("\xc3"));
	assert_null(imap_mutf7_encode("\xc0\xaf"));
	assert_null(imap_mutf7_encode("\xed\xa0\x80"));
	assert_true(imap_utf8_valid("Entw\xc3\xbc", 6));
	assert_false(imap_utf8_valid("a\0b", 3));
	assert_false(imap_utf8_valid("\xff", 1));
}

static void test_flag_to_keyword(void **state)
{
	static const char *const pairs[][2] = {
		{ "\\Seen", "$seen" }, { "\\SEEN", "$seen" }, { "\\Answered", "$answered" },
		{ "\\Flagged", "$flagged" }, { "\\Deleted", "$deleted" }, { "\\Draft", "$draft" },
		{ "$Forwarded", "$forwarded" }, { "Junk", "junk" }, { "$MDNSent", "$mdnsent" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char *kw = imap_flag_to_keyword(pairs[i][0]);

		assert_non_null(kw);
		assert_string_equal(kw, pairs[i][1]);
		free(kw);
	}
	static const char *const bad[] = {
		"\\Recent", "\\Other", "", "a b", "a(b", "a]", "a%", "a*", "a\"", "a\\b", "caf\xc3\xa9",
		"a{",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(imap_flag_to_keyword(bad[i]));
}

static void test_view_keywords(void **state)
{
	struct imap_view *view = imap_view_new("m1", "INBOX", false);
	json_object *arr = json_tokener_parse("[\"$seen\", \"$label1\", \"$draft\", \"work\"]");
	json_object *obj = json_tokener_parse("{\"work\": true, \"$label1\": true, \"$flagged\": true}");
	json_object *none = json_tokener_parse("[\"$answered\"]");
	struct evbuffer *out = evbuffer_new();
	struct imap_msg *msg;
	uint32_t flags, kwset, kwset2;

	imap_view_keywords(view, arr, &flags, &kwset);
	assert_int_equal(flags, IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT);
	assert_int_equal(kwset, 1);
	imap_view_keywords(view, obj, &flags, &kwset2);
	assert_int_equal(flags, IMAP_FLAG_FLAGGED);
	assert_int_equal(kwset2, kwset);
	imap_view_keywords(view, none, &flags, &kwset);
	assert_int_equal(kwset, 0);
	assert_int_equal(imap_view_keyword_count(view), 2);
	msg = imap_view_append(view, 5, "e1");
	msg->flags = IMAP_FLAG_SEEN | IMAP_FLAG_DELETED;
	msg->kwset = kwset2;
	imap_write_flags(out, view, msg);
	test_expect_out(out, "(\\Seen \\Deleted $label1 work)");
	msg->flags = 0;
	msg->kwset = 0;
	imap_write_flags(out, view, msg);
	test_expect_out(out, "()");
	imap_write_flag_list(out, view, true);
	test_expect_out(out, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft $label1 work \\*)");
	json_object_put(arr);
	json_object_put(obj);
	json_object_put(none);
	evbuffer_free(out);
	imap_view_free(&view);
	assert_null(view);
}

static void test_write_string(void **state)
{
	struct evbuffer *out = evbuffer_new();
	char big[2000];

	imap_write_string(out, "hello", 5, false);
	test_expect_out(out, "\"hello\"");
	imap_write_string(out, "a \"q\" \\b", 8, false);
	test_expect_out(out, "\"a \\\"q\\\" \\\\b\"");
	imap_write_string(out, "two\r\nlines", 10, false);
	test_expect_out(out, "{10}\r\ntwo\r\nlines");
	imap_write_string(out, "caf\xc3\xa9", 5, false);
	test_expect_out(out, "{5}\r\ncaf\xc3\xa9");
	imap_write_string(out, NULL, 0, false);
	test_expect_out(out, "NIL");
	imap_write_string(out, "", 0, false);
	test_expect_out(out, "\"\"");
	imap_write_string(out, "a\0b", 3, true);
	assert_int_equal(evbuffer_get_length(out), 9);
	free(test_take(out));
	memset(big, 'x', sizeof(big));
	imap_write_string(out, big, sizeof(big), false);
	assert_int_equal(evbuffer_get_length(out), sizeof(big) + 8);
	evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_free(out);
}

static void test_write_structure(void **state)
{
	struct evbuffer *out = evbuffer_new();
	json_object *v = json_tokener_parse(
		"[\"TEXT\", \"PLAIN\", [\"CHARSET\", \"utf-8\"], null, null, \"7BIT\", 12, 1]");

	imap_write_structure(out, v);
	test_expect_out(out, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 12 1)");
	json_object_put(v);
	v = json_tokener_parse("[[], [[null, null, \"a\", \"b\"]]]");
	imap_write_structure(out, v);
	test_expect_out(out, "(()((NIL NIL \"a\" \"b\")))");
	json_object_put(v);
	/* a multipart: its parts touch, the subtype and extension data
	 * are separated; addresses of one list touch too */
	v = json_tokener_parse("[[\"TEXT\", \"PLAIN\"], [\"TEXT\", \"HTML\"], \"ALTERNATIVE\","
			       " [\"BOUNDARY\", \"x\"], [[null, null, \"a\", \"b\"],"
			       " [null, null, \"c\", \"d\"]]]");
	imap_write_structure(out, v);
	test_expect_out(out, "((\"TEXT\" \"PLAIN\")(\"TEXT\" \"HTML\") \"ALTERNATIVE\""
			" (\"BOUNDARY\" \"x\") ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")))");
	json_object_put(v);
	evbuffer_free(out);
}

static void test_write_mailbox_name(void **state)
{
	struct imap_session s = { 0 };
	struct evbuffer *out = evbuffer_new();

	imap_write_mailbox_name(&s, out, "Entw\xc3\xbc" "rfe");
	test_expect_out(out, "\"Entw&APw-rfe\"");
	imap_write_mailbox_name(&s, out, "a\"b");
	test_expect_out(out, "\"a\\\"b\"");
	s.utf8_accept = true;
	imap_write_mailbox_name(&s, out, "Entw\xc3\xbc" "rfe");
	test_expect_out(out, "\"Entw\xc3\xbc" "rfe\"");
	s.utf8_accept = false;
	s.rev2 = true;
	imap_write_mailbox_name(&s, out, "Tom & Jerry");
	test_expect_out(out, "\"Tom & Jerry\"");
	evbuffer_free(out);
}

static struct imap_view *test_view(void)
{
	struct imap_view *view = imap_view_new("m1", "INBOX", false);
	static const uint32_t uids[] = { 2, 4, 5, 9, 20 };
	char id[16];

	for (size_t i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "e%u", uids[i]);
		imap_view_append(view, uids[i], id);
	}
	return view;
}

static void test_expect_lookup(const struct imap_view *view, const char *set, bool uid,
			       const char *expected)
{
	size_t *idx, count;
	char got[128] = "";

	assert_int_equal(imap_view_lookup(view, set, uid, &idx, &count), 0);
	for (size_t i = 0; i < count; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%zu", i > 0 ? "," : "",
			 idx[i]);
	assert_string_equal(got, expected);
	free(idx);
}

static void test_view_lookup(void **state)
{
	struct imap_view *view = test_view();
	size_t *idx, count;

	test_expect_lookup(view, "1:*", false, "0,1,2,3,4");
	test_expect_lookup(view, "2,4:3", false, "1,2,3");
	test_expect_lookup(view, "*", false, "4");
	test_expect_lookup(view, "1:*", true, "0,1,2,3,4");
	test_expect_lookup(view, "3:5", true, "1,2");
	test_expect_lookup(view, "6:8,100", true, "");
	test_expect_lookup(view, "100:*", true, "4");
	test_expect_lookup(view, "*", true, "4");
	assert_int_equal(imap_view_lookup(view, "6", false, &idx, &count), -1);
	assert_int_equal(imap_view_lookup(view, "x", true, &idx, &count), -1);
	assert_int_equal(imap_view_find_uid(view, 9), 3);
	assert_int_equal(imap_view_find_uid(view, 3), -1);
	assert_string_equal(imap_view_email_id(view, &view->msgs[3]), "e9");
	/* removal shifts sequence numbers; ids stay right through compaction */
	imap_view_remove(view, 1);
	test_expect_lookup(view, "2", false, "1");
	assert_int_equal(view->msgs[1].uid, 5);
	for (uint32_t uid = 21; uid < 300; uid++) {
		char id[16];

		snprintf(id, sizeof(id), "e%u", uid);
		imap_view_append(view, uid, id);
		imap_view_remove(view, 0);
	}
	assert_int_equal(view->count, 4);
	assert_string_equal(imap_view_email_id(view, &view->msgs[3]), "e299");
	assert_string_equal(imap_view_email_id(view, &view->msgs[0]), "e296");
	imap_view_free(&view);
	/* an empty mailbox */
	view = imap_view_new("m1", "INBOX", false);
	test_expect_lookup(view, "1:*", true, "");
	assert_int_equal(imap_view_lookup(view, "1:*", false, &idx, &count), -1);
	imap_view_free(&view);
}

static void test_capability(void **state)
{
	struct evbuffer *out = evbuffer_new();
	char *caps;

	/* a password may not be sent: LOGINDISABLED, and no AUTH= */
	imap_capability_list(out, false, false, true, false);
	caps = test_take(out);
	assert_non_null(strstr(caps, "IMAP4rev2"));
	assert_non_null(strstr(caps, " LOGINDISABLED"));
	assert_non_null(strstr(caps, " STARTTLS"));
	assert_null(strstr(caps, "AUTH="));
	free(caps);
	imap_capability_list(out, false, true, false, false);
	caps = test_take(out);
	assert_null(strstr(caps, "LOGINDISABLED"));
	assert_null(strstr(caps, "STARTTLS"));
	assert_non_null(strstr(caps, " AUTH=PLAIN AUTH=LOGIN"));
	assert_null(strstr(caps, "CONDSTORE"));
	free(caps);
	/* after login: the extensions, COMPRESS while not compressing */
	imap_capability_list(out, true, true, false, false);
	caps = test_take(out);
	assert_non_null(strstr(caps, " QRESYNC"));
	assert_non_null(strstr(caps, " COMPRESS=DEFLATE"));
	assert_null(strstr(caps, "AUTH="));
	free(caps);
	imap_capability_list(out, true, true, false, true);
	caps = test_take(out);
	assert_null(strstr(caps, "COMPRESS"));
	free(caps);
	evbuffer_free(out);
}

static void test_uid_set(void **state)
{
	struct evbuffer *out = evbuffer_new();
	static const uint32_t uids[] = { 1, 2, 3, 5, 7, 8, 4294967295u };

	imap_write_uid_set(out, uids, 7);
	test_expect_out(out, "1:3,5,7:8,4294967295");
	imap_write_uid_set(out, uids, 0);
	test_expect_out(out, "");
	evbuffer_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seqset),
		cmocka_unit_test(test_mutf7),
		cmocka_unit_test(test_flag_to_keyword),
		cmocka_unit_test(test_view_keywords),
		cmocka_unit_test(test_write_string),
		cmocka_unit_test(test_write_structure),
		cmocka_unit_test(test_write_mailbox_name),
		cmocka_unit_test(test_view_lookup),
		cmocka_unit_test(test_capability),
		cmocka_unit_test(test_uid_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
