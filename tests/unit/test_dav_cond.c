/* Request conditions: the If header parser (dav_if.c), the lock table
 * (dav_lock.c), text-match collations (dav_textmatch.c) and the URL
 * layout (dav_path.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dav/dav_private.h"
#include "directory/directory.h"

static void test_if_parse(void **state)
{
	struct dav_if h;

	assert_int_equal(dav_if_parse("(<urn:uuid:1> [\"e1\"]) (Not <DAV:no-lock>)", &h), 0);
	assert_int_equal(h.count, 2);
	assert_null(h.lists[0].tag);
	assert_int_equal(h.lists[0].count, 2);
	assert_false(h.lists[0].conds[0].is_etag);
	assert_string_equal(h.lists[0].conds[0].value, "urn:uuid:1");
	assert_true(h.lists[0].conds[1].is_etag);
	assert_string_equal(h.lists[0].conds[1].value, "\"e1\"");
	assert_true(h.lists[1].conds[0].negate);
	assert_true(dav_if_names_token(&h, "urn:uuid:1"));
	assert_false(dav_if_names_token(&h, "\"e1\""));
	dav_if_free(&h);
	assert_int_equal(dav_if_parse("<http://h/dav/a/> (<urn:uuid:2>) <http://h/dav/b> "
				      "([\"x\"] Not [\"y\"])", &h), 0);
	assert_int_equal(h.count, 2);
	assert_string_equal(dav_if_tag_path(h.lists[0].tag), "/dav/a/");
	assert_string_equal(dav_if_tag_path(h.lists[1].tag), "/dav/b");
	assert_true(h.lists[1].conds[1].negate);
	dav_if_free(&h);
}

static void test_if_malformed(void **state)
{
	static const char *const bad[] = {
		"", "garbage", "(", "()", "(<urn:x>", "(<urn:x)", "([\"e\")", "<http://x/>",
		"(Not)", "(<a>) x", "<http://x/ (<a>)",
	};
	struct dav_if h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (dav_if_parse(bad[i], &h) == 0)
			fail_msg("accepted If: %s", bad[i]);
	}
}

static void test_locks(void **state)
{
	struct dav_locks *locks = dav_locks_new(3, 3600);
	struct dav_lock_info a, b, *list;
	size_t count;

	assert_int_equal(dav_locks_take(locks, "/dav/c/", 1, true, true, 60, NULL, &a), 1);
	assert_string_equal(a.root, "/dav/c/");
	assert_int_equal(strncmp(a.token, "urn:uuid:", 9), 0);
	/* below an exclusive depth-infinity lock nothing else is taken */
	assert_int_equal(dav_locks_take(locks, "/dav/c/x", 1, false, false, 60, NULL, &b), 0);
	dav_locks_covering(locks, "/dav/c/x", false, &list, &count);
	assert_int_equal(count, 1);
	assert_string_equal(list[0].token, a.token);
	dav_lock_list_free(&list, count);
	dav_locks_covering(locks, "/dav/", true, &list, &count);
	assert_int_equal(count, 1);
	dav_lock_list_free(&list, count);
	dav_locks_covering(locks, "/dav/cx", false, &list, &count);
	assert_int_equal(count, 0);
	assert_int_equal(dav_locks_refresh(locks, "/dav/c/x", a.token, 99999, &b), 1);
	assert_int_equal(b.timeout, 3600);
	dav_lock_info_clear(&b);
	assert_int_equal(dav_locks_release(locks, "/dav/other", a.token), 0);
	assert_int_equal(dav_locks_release(locks, "/dav/c/", a.token), 1);
	dav_lock_info_clear(&a);
	/* shared locks go together, up to the bound */
	assert_int_equal(dav_locks_take(locks, "/dav/s", 1, false, false, 60, "<o/>", &a), 1);
	assert_int_equal(dav_locks_take(locks, "/dav/s", 1, false, false, 60, NULL, &b), 1);
	dav_lock_info_clear(&b);
	assert_int_equal(dav_locks_take(locks, "/dav/s", 1, true, false, 60, NULL, &b), 0);
	assert_int_equal(dav_locks_take(locks, "/dav/t", 1, true, false, 60, NULL, &b), 1);
	dav_lock_info_clear(&b);
	assert_int_equal(dav_locks_take(locks, "/dav/u", 1, true, false, 60, NULL, &b), -1);
	dav_locks_drop(locks, "/dav/s");
	dav_locks_covering(locks, "/dav/s", false, &list, &count);
	assert_int_equal(count, 0);
	dav_lock_info_clear(&a);
	dav_locks_free(&locks);
	assert_null(locks);
}

static void test_lock_expiry(void **state)
{
	struct dav_locks *locks = dav_locks_new(10, 1);
	struct dav_lock_info a, *list;
	size_t count;

	assert_int_equal(dav_locks_take(locks, "/dav/e", 1, true, false, 1, NULL, &a), 1);
	dav_lock_info_clear(&a);
	sleep(2);
	dav_locks_covering(locks, "/dav/e", false, &list, &count);
	assert_int_equal(count, 0);
	assert_int_equal(dav_locks_take(locks, "/dav/e", 1, true, false, 1, NULL, &a), 1);
	dav_lock_info_clear(&a);
	dav_locks_free(&locks);
}

static bool matches(const char *xml, const char *value)
{
	struct dav_text_match m;
	const char *pre;
	xmlDoc *doc;
	const char *error;
	bool found;

	assert_int_equal(dav_xml_parse(xml, strlen(xml), &doc, &error), 1);
	assert_int_equal(dav_text_match_parse(xmlDocGetRootElement(doc), "i;ascii-casemap", &m,
					      &pre), 0);
	found = dav_text_match_eval(&m, value);
	dav_text_match_clear(&m);
	xmlFreeDoc(doc);
	return found;
}

static void test_text_match(void **state)
{
	assert_true(matches("<t>ELL</t>", "hello"));
	assert_false(matches("<t collation=\"i;octet\">ELL</t>", "hello"));
	assert_true(matches("<t match-type=\"equals\">HeLLo</t>", "hello"));
	assert_false(matches("<t match-type=\"equals\">hell</t>", "hello"));
	assert_true(matches("<t match-type=\"starts-with\">he</t>", "hello"));
	assert_true(matches("<t match-type=\"ends-with\">LO</t>", "hello"));
	assert_false(matches("<t match-type=\"ends-with\">hello!</t>", "hello"));
	assert_true(matches("<t negate-condition=\"yes\">x</t>", "hello"));
	assert_false(matches("<t collation=\"i;ascii-casemap\">É</t>", "é"));
	assert_true(matches("<t collation=\"i;unicode-casemap\">ÉCOLE</t>", "une école"));
}

static void test_text_match_refused(void **state)
{
	static const char *const bad[] = {
		"<t collation=\"i;nope\">x</t>", "<t match-type=\"regex\">x</t>",
		"<t negate-condition=\"maybe\">x</t>",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dav_text_match m;
		const char *pre, *error;
		xmlDoc *doc;

		assert_int_equal(dav_xml_parse(bad[i], strlen(bad[i]), &doc, &error), 1);
		assert_int_equal(dav_text_match_parse(xmlDocGetRootElement(doc), "i;octet", &m,
						      &pre), -1);
		if (i == 0)
			assert_string_equal(pre, "supported-collation");
		xmlFreeDoc(doc);
	}
}

static const char *no_header(void *context, const char *name)
{
	return NULL;
}

/* Parses path for user "alice": the status (0 when it is a target). */
static unsigned int path_status(const char *path, struct dav_target *t)
{
	static const struct directory_identity user = { .account_id = 2, .name = "alice" };
	struct dav_request req = { .method = "PROPFIND", .path = path, .user = &user,
				   .header = no_header };
	struct dav_response resp = { 0 };
	struct dav_ctx ctx = { .req = &req, .resp = &resp };
	unsigned int status = dav_target_parse(&ctx, path, t) == 0 ? 0 : resp.status;

	dav_response_clear(&resp);
	return status;
}

static void test_paths(void **state)
{
	struct dav_target t;

	assert_int_equal(path_status("/dav/", &t), 0);
	assert_int_equal(t.kind, DAV_KIND_ROOT);
	assert_int_equal(path_status("/dav/principal/Alice/", &t), 0);
	assert_int_equal(t.kind, DAV_KIND_PRINCIPAL);
	dav_target_clear(&t);
	assert_int_equal(path_status("/dav/card/alice/work%20book/a%20b.vcf", &t), 0);
	assert_int_equal(t.kind, DAV_KIND_OBJECT);
	assert_ptr_equal(t.fam, &dav_family_card);
	assert_string_equal(t.collection, "work book");
	assert_string_equal(t.member, "a b.vcf");
	dav_target_clear(&t);
	assert_int_equal(path_status("/dav/cal/alice/default", &t), 0);
	assert_int_equal(t.kind, DAV_KIND_COLLECTION);
	dav_target_clear(&t);
	assert_int_equal(path_status("/dav/cal/bob/default/", &t), 403);
	assert_int_equal(path_status("/dav/cal/alice/../bob/", &t), 400);
	assert_int_equal(path_status("/dav/cal/alice/%2e/", &t), 400);
	assert_int_equal(path_status("/dav/cal/alice/a%2fb/", &t), 400);
	assert_int_equal(path_status("/dav/cal/alice/a%00b/", &t), 400);
	assert_int_equal(path_status("/dav/cal/alice/a%4/", &t), 400);
	assert_int_equal(path_status("/dav/cal/alice/c/x.ics/", &t), 404);
	assert_int_equal(path_status("/dav/cal/alice//x/", &t), 404);
	assert_int_equal(path_status("/dav/file/alice/", &t), 404);
	assert_int_equal(path_status("/dav/principal/alice/x/", &t), 404);
	assert_int_equal(path_status("/dav/cal/alice/a/b/c/d/e/f/", &t), 404);
}

static void test_hrefs(void **state)
{
	struct strbuf b = { 0 };
	char *parent;

	dav_href_segment(&b, "a b/c%é?#&'");
	assert_string_equal(b.s, "a%20b%2Fc%25%C3%A9%3F%23%26'");
	strbuf_free(&b);
	parent = dav_href_parent("/dav/cal/a/c/x.ics");
	assert_string_equal(parent, "/dav/cal/a/c/");
	free(parent);
	parent = dav_href_parent("/dav/cal/a/c/");
	assert_string_equal(parent, "/dav/cal/a/");
	free(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_parse),
		cmocka_unit_test(test_if_malformed),
		cmocka_unit_test(test_locks),
		cmocka_unit_test(test_lock_expiry),
		cmocka_unit_test(test_text_match),
		cmocka_unit_test(test_text_match_refused),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_hrefs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
