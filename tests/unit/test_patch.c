/* PatchObject (RFC 8620 §5.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jmap/patch.h"

static const char base_doc[] =
	"{\"name\":\"Inbox\",\"keywords\":{\"$seen\":true,\"a/b\":true},"
	"\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null}";

static const char *plain(json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Applies patch to base_doc; returns the result's JSON text in out. */
static int apply(const char *patch_text, char *out, size_t size)
{
	json_object *obj = json_tokener_parse(base_doc);
	json_object *patch = json_tokener_parse(patch_text);
	const char *bad = NULL;
	int ret;

	assert_non_null(obj);
	assert_non_null(patch);
	ret = jmap_patch_apply(obj, patch, &bad);
	snprintf(out, size, "%s", plain(obj));
	json_object_put(obj);
	json_object_put(patch);
	return ret;
}

static void assert_patch(const char *patch_text, const char *expected)
{
	char out[1024];

	assert_int_equal(apply(patch_text, out, sizeof(out)), 0);
	assert_string_equal(out, expected);
}

/* A refused patch leaves the object exactly as it was. */
static void assert_refused(const char *patch_text, const char *bad_key)
{
	json_object *obj = json_tokener_parse(base_doc);
	json_object *before = json_tokener_parse(base_doc);
	json_object *patch = json_tokener_parse(patch_text);
	const char *bad = NULL;

	assert_int_equal(jmap_patch_apply(obj, patch, &bad), -1);
	assert_non_null(bad);
	assert_string_equal(bad, bad_key);
	assert_true(json_object_equal(obj, before));
	json_object_put(obj);
	json_object_put(before);
	json_object_put(patch);
}

static void test_set_top_level(void **state)
{
	(void)state;
	assert_patch("{\"name\":\"Post\"}",
		     "{\"name\":\"Post\",\"keywords\":{\"$seen\":true,\"a/b\":true},"
		     "\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null}");
	assert_patch("{\"new\":[1,2]}",
		     "{\"name\":\"Inbox\",\"keywords\":{\"$seen\":true,\"a/b\":true},"
		     "\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null,"
		     "\"new\":[1,2]}");
}

static void test_set_and_remove_nested(void **state)
{
	(void)state;
	assert_patch("{\"keywords/$flagged\":true,\"keywords/$seen\":null}",
		     "{\"name\":\"Inbox\",\"keywords\":{\"a/b\":true,\"$flagged\":true},"
		     "\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null}");
	assert_patch("{\"nested/deep/x\":2,\"nested/deep/y\":{\"z\":1}}",
		     "{\"name\":\"Inbox\",\"keywords\":{\"$seen\":true,\"a/b\":true},"
		     "\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":2,\"y\":{\"z\":1}}},"
		     "\"empty\":null}");
	/* escapes: ~1 is '/' in a key */
	assert_patch("{\"keywords/a~1b\":null}",
		     "{\"name\":\"Inbox\",\"keywords\":{\"$seen\":true},"
		     "\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null}");
	/* removing what is not there is a no-op */
	assert_patch("{\"keywords/$none\":null,\"missing\":null}",
		     "{\"name\":\"Inbox\",\"keywords\":{\"$seen\":true,\"a/b\":true},"
		     "\"alerts\":[{\"offset\":1}],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null}");
	/* replacing a whole array is fine */
	assert_patch("{\"alerts\":[]}",
		     "{\"name\":\"Inbox\",\"keywords\":{\"$seen\":true,\"a/b\":true},"
		     "\"alerts\":[],\"nested\":{\"deep\":{\"x\":1}},\"empty\":null}");
}

static void test_paths_through_arrays_refused(void **state)
{
	(void)state;
	assert_refused("{\"alerts/0/offset\":5}", "alerts/0/offset");
	assert_refused("{\"alerts/0\":{}}", "alerts/0");
}

static void test_prefix_conflict_refused(void **state)
{
	(void)state;
	assert_refused("{\"nested\":{},\"nested/deep/x\":3}", "nested/deep/x");
	assert_refused("{\"nested/deep\":{},\"nested/deep/x\":3}", "nested/deep/x");
}

static void test_missing_intermediate_refused(void **state)
{
	(void)state;
	assert_refused("{\"nothere/x\":1}", "nothere/x");
	assert_refused("{\"nested/nothere/x\":1}", "nested/nothere/x");
	/* through a scalar or a null */
	assert_refused("{\"name/x\":1}", "name/x");
	assert_refused("{\"empty/x\":1}", "empty/x");
}

static void test_bad_keys_refused(void **state)
{
	(void)state;
	assert_refused("{\"\":1}", "");
	assert_refused("{\"keywords/a~2b\":true}", "keywords/a~2b");
}

static void test_failure_changes_nothing(void **state)
{
	(void)state;
	/* the good patch comes first, the bad one after: neither is applied */
	assert_refused("{\"name\":\"Changed\",\"keywords/$x\":true,\"alerts/0/offset\":9}",
		       "alerts/0/offset");
}

static void test_key_property(void **state)
{
	char out[16];

	(void)state;
	jmap_patch_key_property("keywords/$seen", out, sizeof(out));
	assert_string_equal(out, "keywords");
	jmap_patch_key_property("name", out, sizeof(out));
	assert_string_equal(out, "name");
	jmap_patch_key_property("a~1b/c", out, sizeof(out));
	assert_string_equal(out, "a/b");
	jmap_patch_key_property("averyveryverylongproperty/x", out, 8);
	assert_string_equal(out, "averyve");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_top_level),
		cmocka_unit_test(test_set_and_remove_nested),
		cmocka_unit_test(test_paths_through_arrays_refused),
		cmocka_unit_test(test_prefix_conflict_refused),
		cmocka_unit_test(test_missing_intermediate_refused),
		cmocka_unit_test(test_bad_keys_refused),
		cmocka_unit_test(test_failure_changes_nothing),
		cmocka_unit_test(test_key_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
