/* Unit tests for the IMAP message commands' pure parts: base subjects
 * (RFC 5256 §2.1), number sets as IMAP writes them, FETCH data items and
 * their normalized sections, search programs (syntax, charset, bounds)
 * and search dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_fetch.h"
#include "gateways/imap/imap_msgcmd.h"

/* ---- base subjects ---- */

static void test_expect_base(const char *subject, const char *base, bool reply)
{
	bool is_reply;
	char *got = imap_base_subject(subject, &is_reply);

	assert_string_equal(got, base);
	assert_int_equal(is_reply, reply);
	free(got);
}

static void test_base_subject(void **state)
{
	test_expect_base("Hello world", "HELLO WORLD", false);
	test_expect_base(NULL, "", false);
	test_expect_base("", "", false);
	test_expect_base("Re: hello", "HELLO", true);
	test_expect_base("RE: re:  Fwd: hello", "HELLO", true);
	test_expect_base("Fw: hello", "HELLO", true);
	test_expect_base("Re[2]: hello", "HELLO", true);
	test_expect_base("Re [2] : hello", "HELLO", true);
	test_expect_base("[list] hello", "HELLO", false);
	test_expect_base("[list] Re: hello", "HELLO", true);
	test_expect_base("Re: [dev] Fwd: Re: Release plan (fwd)", "RELEASE PLAN", true);
	test_expect_base("hello (fwd) (FWD)  ", "HELLO", true);
	test_expect_base("[Fwd: hello]", "HELLO", true);
	test_expect_base("[fwd: Re: [x] hello (fwd)]", "HELLO", true);
	/* a blob that would leave nothing is the subject */
	test_expect_base("[only]", "[ONLY]", false);
	test_expect_base("Re: [only]", "[ONLY]", true);
	test_expect_base("tabs\tand\r\n folding   spaces", "TABS AND FOLDING SPACES", false);
	test_expect_base("Reply to this", "REPLY TO THIS", false);
	test_expect_base("Re:", "", true);
	test_expect_base("Ünïcode stays", "ÜNïCODE STAYS", false);
}

/* ---- number sets ---- */

static void test_expect_numlist(const uint32_t *nums, size_t n, const char *expected)
{
	struct imap_numlist list = { NULL, 0, 0 };
	char *text;

	for (size_t i = 0; i < n; i++)
		imap_numlist_add(&list, nums[i]);
	text = imap_numlist_string(&list);
	assert_string_equal(text, expected);
	free(text);
	imap_numlist_free(&list);
}

static void test_numlist(void **state)
{
	static const uint32_t runs[] = { 1, 2, 3, 5, 7, 8 };
	static const uint32_t order[] = { 9, 4, 5, 6, 1 };
	static const uint32_t top[] = { 4294967294U, 4294967295U };
	struct imap_numlist list = { NULL, 0, 0 };
	struct imap_seqset set;

	test_expect_numlist(runs, 6, "1:3,5,7:8");
	/* the order is kept: COPYUID pairs sets up one to one */
	test_expect_numlist(order, 5, "9,4:6,1");
	test_expect_numlist(top, 2, "4294967294:4294967295");
	test_expect_numlist(NULL, 0, "");
	for (size_t i = 0; i < 6; i++)
		imap_numlist_add(&list, runs[i]);
	imap_numlist_seqset(&list, &set);
	assert_int_equal(set.count, 3);
	assert_true(imap_seqset_contains(&set, 2));
	assert_false(imap_seqset_contains(&set, 4));
	assert_true(imap_seqset_contains(&set, 8));
	imap_seqset_free(&set);
	imap_numlist_free(&list);
}

/* ---- FETCH items ---- */

static struct imap_arg test_atom(const char *text)
{
	struct imap_arg arg = { IMAP_ARG_ATOM, xstrdup(text), strlen(text), false, NULL, 0 };

	return arg;
}

static struct imap_arg test_list(const char *const *items, size_t n)
{
	struct imap_arg arg = { IMAP_ARG_LIST, NULL, 0, false, xcalloc(n + 1, sizeof(arg)), n };

	for (size_t i = 0; i < n; i++)
		arg.list[i] = test_atom(items[i]);
	return arg;
}

static void test_args_free(struct imap_arg *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(args[i].str);
		test_args_free(args[i].list, args[i].count);
	}
	free(args);
}

/* FETCH 1 <items...> [modifiers...]: a list when several. */
static int test_fetch_parse(struct fetch_items *items, const char *const *what, size_t n,
			    const char *const *mods, size_t mod_count)
{
	struct imap_cmd cmd = { 0 };
	const char *error;
	int ret;

	cmd.args = xcalloc(3, sizeof(*cmd.args));
	cmd.args[0] = test_atom("1");
	cmd.args[1] = n == 1 ? test_atom(what[0]) : test_list(what, n);
	cmd.count = 2;
	if (mods != NULL) {
		cmd.args[2] = test_list(mods, mod_count);
		cmd.count = 3;
	}
	ret = imap_fetch_items_parse(&cmd, items, &error);
	test_args_free(cmd.args, cmd.count);
	return ret;
}

static void test_fetch_one(const char *item, const char *name, const char *prop)
{
	struct fetch_items items;

	assert_int_equal(test_fetch_parse(&items, &item, 1, NULL, 0), 0);
	assert_int_equal(items.count, 1);
	assert_string_equal(items.items[0].name, name);
	if (prop == NULL)
		assert_null(items.items[0].prop);
	else
		assert_string_equal(items.items[0].prop, prop);
	imap_fetch_items_free(&items);
}

static void test_fetch_items(void **state)
{
	static const char *const list[] = { "UID", "body.peek[header]<0.100>", "BINARY[2]" };
	static const char *const whole[] = { "BODY[]", "BODY.PEEK[HEADER]<0.10>" };
	struct fetch_items items;
	json_object *props;

	test_fetch_one("FLAGS", "FLAGS", NULL);
	test_fetch_one("rfc822.size", "RFC822.SIZE", "size");
	test_fetch_one("BODY", "BODY", "imapBody");
	test_fetch_one("BODY[]", "BODY[]", NULL);
	test_fetch_one("RFC822", "RFC822", NULL);
	test_fetch_one("BODY.PEEK[]<5.10>", "BODY[]", NULL);
	test_fetch_one("BODY.PEEK[1.2.MIME]", "BODY[1.2.MIME]", "imapSection:1.2.MIME");
	test_fetch_one("BODY[3.header.fields.not (to \"X-Y\")]",
		       "BODY[3.HEADER.FIELDS.NOT (TO X-Y)]",
		       "imapSection:3.HEADER.FIELDS.NOT (TO X-Y)");
	test_fetch_one("BINARY.SIZE[1]", "BINARY.SIZE[1]", "imapBinarySize:1");
	test_fetch_one("RFC822.TEXT", "RFC822.TEXT", "imapSection:TEXT");
	assert_int_equal(test_fetch_parse(&items, list, 3, NULL, 0), 0);
	assert_true(items.has_uid && items.big && items.sets_seen);
	assert_true(items.items[1].partial);
	assert_int_equal(items.items[1].offset, 0);
	assert_int_equal(items.items[1].length, 100);
	assert_false(items.has_whole);
	imap_fetch_items_free(&items);
	/* the whole message is read from its blob: no property, no big
	 * batch; without PEEK it sets \Seen */
	assert_int_equal(test_fetch_parse(&items, whole, 2, NULL, 0), 0);
	assert_true(items.has_whole && items.sets_seen && !items.big);
	assert_true(items.items[0].whole && !items.items[1].whole);
	assert_true(items.items[1].partial);
	props = imap_fetch_properties(&items);
	assert_int_equal(json_object_array_length(props), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(props, 0)),
			    "imapSection:HEADER");
	json_object_put(props);
	imap_fetch_items_free(&items);
}

static void test_fetch_macros_and_modifiers(void **state)
{
	static const char *const full = "FULL";
	static const char *const flags = "FLAGS";
	static const char *const changed[] = { "CHANGEDSINCE", "12345", "VANISHED" };
	static const char *const vanished_alone[] = { "VANISHED" };
	struct fetch_items items;
	json_object *props;

	assert_int_equal(test_fetch_parse(&items, &full, 1, NULL, 0), 0);
	assert_int_equal(items.count, 5);
	assert_true(items.has_flags);
	props = imap_fetch_properties(&items);
	assert_int_equal(json_object_array_length(props), 4);
	json_object_put(props);
	imap_fetch_items_free(&items);
	assert_int_equal(test_fetch_parse(&items, &flags, 1, changed, 3), 0);
	assert_true(items.changedsince_set && items.vanished);
	assert_int_equal(items.changedsince, 12345);
	assert_null(imap_fetch_properties(&items));
	imap_fetch_items_free(&items);
	assert_int_equal(test_fetch_parse(&items, &flags, 1, vanished_alone, 1), -1);
	imap_fetch_items_free(&items);
}

static void test_fetch_bad(void **state)
{
	static const char *const bad[] = {
		"NOPE", "BODY[", "BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ()]", "BODY[0]",
		"BODY[1.]", "BODY[MIME]", "BODY[1.2.TEXTX]", "BINARY[HEADER]", "BINARY.SIZE[1]<0.1>",
		"BODY[]<1>", "BODY[]<1.0>", "BODY[]<x.1>", "BODY[HEADER.FIELDS (A:B)]",
		"BODY.PEKE[]",
	};
	static const char *const with_macro[] = { "FLAGS", "ALL" };
	struct fetch_items items;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(test_fetch_parse(&items, &bad[i], 1, NULL, 0), -1);
		imap_fetch_items_free(&items);
	}
	assert_int_equal(test_fetch_parse(&items, with_macro, 2, NULL, 0), -1);
	imap_fetch_items_free(&items);
}

/* ---- search programs ---- */

/* Parses the space-separated atoms of text as search criteria. */
static int test_search(const char *text, bool with_charset, bool *bad_r, bool *modseq_r)
{
	struct imap_arg *args = xcalloc(strlen(text) + 1, sizeof(*args));
	char *copy = xstrdup(text), *save = NULL;
	struct imap_search *search = NULL;
	const char *error;
	size_t n = 0;
	int ret;

	for (char *tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		args[n++] = test_atom(tok);
	*bad_r = false;
	ret = imap_search_parse(args, n, with_charset, &search, bad_r, &error);
	if (ret == 0) {
		*modseq_r = imap_search_uses_modseq(search);
		imap_search_free(&search);
		assert_null(search);
	}
	test_args_free(args, n);
	free(copy);
	return ret;
}

static void test_search_programs(void **state)
{
	static const char *const good[] = {
		"ALL", "1:*", "UID 1,5:7", "NOT SEEN", "OR FLAGGED NEW", "FROM alice TO bob",
		"CHARSET UTF-8 SUBJECT x", "LARGER 0 SMALLER 18446744073709551615", "BEFORE 1-Feb-1994",
		"SENTON 31-Dec-1999", "KEYWORD $Label", "UNKEYWORD foo", "HEADER X-Spam yes",
		"OR OR SEEN DELETED DRAFT", "$", "UID $", "OR $ 1:3", "NOT $ SEEN",
	};
	bool bad, modseq = false;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(test_search(good[i], false, &bad, &modseq), 0);
	assert_int_equal(test_search("MODSEQ 5", false, &bad, &modseq), 0);
	assert_true(modseq);
	assert_int_equal(test_search("UTF-8 ALL", true, &bad, &modseq), 0);
}

static void test_search_errors(void **state)
{
	static const char *const syntax[] = {
		"", "FOO", "FROM", "OR SEEN", "NOT", "BEFORE 1-Foo-1994", "ON 32-Jan-2024",
		"LARGER -1", "LARGER 18446744073709551616", "UID x", "$:2", "$,1", "UID $:*", "HEADER a:b x",
		"MODSEQ 9223372036854775808", "KEYWORD \\Bogus",
	};
	char deep[4096] = "";
	bool bad, modseq;

	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		assert_int_equal(test_search(syntax[i], false, &bad, &modseq), -1);
		assert_true(bad);
	}
	/* an unknown charset is NO, not BAD */
	assert_int_equal(test_search("CHARSET KOI8-R ALL", false, &bad, &modseq), -1);
	assert_false(bad);
	assert_int_equal(test_search("KOI8-R ALL", true, &bad, &modseq), -1);
	assert_false(bad);
	/* bounded nesting */
	for (int i = 0; i < 100; i++)
		strcat(deep, "NOT ");
	strcat(deep, "ALL");
	assert_int_equal(test_search(deep, false, &bad, &modseq), -1);
	assert_true(bad);
}

static void test_search_dates(void **state)
{
	time_t t;

	assert_int_equal(imap_search_date_parse("1-Feb-1994", &t), 0);
	assert_int_equal(t, 760060800);
	assert_int_equal(imap_search_date_parse("01-feb-1994", &t), 0);
	assert_int_equal(t, 760060800);
	assert_int_equal(imap_search_date_parse("1-Feb-94", &t), -1);
	assert_int_equal(imap_search_date_parse("001-Feb-1994", &t), -1);
	assert_int_equal(imap_search_date_parse("1 Feb 1994", &t), -1);
	assert_int_equal(imap_search_date_parse("", &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_subject),
		cmocka_unit_test(test_numlist),
		cmocka_unit_test(test_fetch_items),
		cmocka_unit_test(test_fetch_macros_and_modifiers),
		cmocka_unit_test(test_fetch_bad),
		cmocka_unit_test(test_search_programs),
		cmocka_unit_test(test_search_errors),
		cmocka_unit_test(test_search_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
