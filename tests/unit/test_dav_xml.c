/* DAV request bodies (dav_xml.c): what the parser refuses (DTDs, entities,
 * deep nesting, malformed text), namespaces, and the XML we write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/strbuf.h"
#include "dav/dav_private.h"

static int parse(const char *text, xmlDoc **doc_r)
{
	const char *error = NULL;
	int ret = dav_xml_parse(text, strlen(text), doc_r, &error);

	if (ret < 0)
		assert_non_null(error);
	return ret;
}

static void test_parse_and_walk(void **state)
{
	xmlDoc *doc;
	xmlNode *root, *prop, *n;
	char *text;

	assert_int_equal(parse("<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\">"
			       "<D:prop><D:getetag/><X:a xmlns:X=\"urn:x\">t<![CDATA[<x>]]></X:a>"
			       "<b/></D:prop></D:propfind>", &doc), 1);
	root = xmlDocGetRootElement(doc);
	assert_true(dav_xml_is(root, DAV_NS, "propfind"));
	prop = dav_xml_child(root, DAV_NS, "prop");
	assert_non_null(prop);
	n = dav_xml_first(prop);
	assert_true(dav_xml_is(n, DAV_NS, "getetag"));
	n = dav_xml_next(n);
	assert_string_equal(dav_xml_ns(n), "urn:x");
	text = dav_xml_text(n);
	assert_string_equal(text, "t<x>");
	free(text);
	n = dav_xml_next(n);
	assert_string_equal(dav_xml_ns(n), "");
	assert_string_equal(dav_xml_name(n), "b");
	assert_null(dav_xml_next(n));
	assert_null(dav_xml_child(root, DAV_NS, "allprop"));
	xmlFreeDoc(doc);
}

static void test_empty_body(void **state)
{
	xmlDoc *doc = NULL;

	assert_int_equal(parse("", &doc), 0);
	assert_int_equal(parse(" \r\n\t", &doc), 0);
	assert_null(doc);
	assert_int_equal(dav_xml_parse(NULL, 0, &doc, NULL), 0);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"<a>",
		"<a></b>",
		"plain text",
		"<a>\x01</a>",
		"<a>&undefined;</a>",
		"<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>",
		"<!DOCTYPE a SYSTEM \"http://example.com/a.dtd\"><a/>",
		"<!DOCTYPE a [<!ENTITY a \"x\"><!ENTITY b \"&a;&a;&a;\">]><a>&b;</a>",
		"<a xmlns:p=\"urn:p\"><q:b/></a>",
		"<a/><b/>",
	};
	xmlDoc *doc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &doc) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_depth_bound(void **state)
{
	struct strbuf b = { 0 };
	xmlDoc *doc;

	for (int i = 0; i < DAV_XML_MAX_DEPTH; i++)
		strbuf_puts(&b, "<a>");
	for (int i = 0; i < DAV_XML_MAX_DEPTH; i++)
		strbuf_puts(&b, "</a>");
	assert_int_equal(parse(b.s, &doc), 1);
	xmlFreeDoc(doc);
	strbuf_reset(&b);
	for (int i = 0; i <= DAV_XML_MAX_DEPTH; i++)
		strbuf_puts(&b, "<a>");
	for (int i = 0; i <= DAV_XML_MAX_DEPTH; i++)
		strbuf_puts(&b, "</a>");
	assert_int_equal(parse(b.s, &doc), -1);
	strbuf_reset(&b);
	for (int i = 0; i < 5000; i++)
		strbuf_puts(&b, "<a>");
	assert_int_equal(parse(b.s, &doc), -1);
	strbuf_free(&b);
}

/* A dead property keeps the namespaces its ancestors declared. */
static void test_dump_declares_namespaces(void **state)
{
	xmlDoc *doc, *again;
	char *dump;
	xmlNode *p;

	assert_int_equal(parse("<D:set xmlns:D=\"DAV:\" xmlns:X=\"urn:x\" xmlns:Y=\"urn:y\">"
			       "<X:p><Y:q a=\"1\">v</Y:q></X:p></D:set>", &doc), 1);
	dump = dav_xml_dump(dav_xml_first(xmlDocGetRootElement(doc)));
	assert_int_equal(parse(dump, &again), 1);
	p = xmlDocGetRootElement(again);
	assert_true(dav_xml_is(p, "urn:x", "p"));
	assert_true(dav_xml_is(dav_xml_first(p), "urn:y", "q"));
	free(dump);
	xmlFreeDoc(again);
	xmlFreeDoc(doc);
}

static void test_write(void **state)
{
	struct strbuf b = { 0 };

	dav_xml_escape(&b, "a<b>&\"c\"\r\n");
	assert_string_equal(b.s, "a&lt;b&gt;&amp;\"c\"&#13;\n");
	strbuf_reset(&b);
	dav_xml_escape_attr(&b, "\"q\"");
	assert_string_equal(b.s, "&quot;q&quot;");
	strbuf_reset(&b);
	dav_xml_empty(&b, DAV_NS, "getetag");
	dav_xml_empty(&b, "urn:x\"", "p");
	dav_xml_text_elem(&b, DAV_NS_CALDAV, "comp", "x");
	assert_string_equal(b.s, "<D:getetag/><p xmlns=\"urn:x&quot;\"/><C:comp>x</C:comp>");
	strbuf_reset(&b);
	dav_ms_status(&b, "/dav/x", 404, NULL, NULL);
	assert_non_null(strstr(b.s, "<D:status>HTTP/1.1 404 Not Found</D:status>"));
	strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_walk),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_dump_declares_namespaces),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
