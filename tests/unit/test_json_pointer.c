/* JSON Pointer (RFC 6901) with the JMAP "*" rule (RFC 8620 §3.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jmap/json_pointer.h"

static const char rfc6901_doc[] =
	"{ \"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, \"e^f\": 3,"
	"  \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, \"m~n\": 8 }";

/* Evaluates pointer on doc and compares the result's JSON text. */
static void assert_eval(const char *doc, const char *pointer, const char *expected)
{
	json_object *root = json_tokener_parse(doc);
	const char *error = "unset";
	json_object *value;

	assert_non_null(root);
	value = json_pointer_eval(root, pointer, &error);
	assert_null(error);
	assert_string_equal(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN),
			    expected);
	json_object_put(value);
	json_object_put(root);
}

static void assert_fails(const char *doc, const char *pointer)
{
	json_object *root = json_tokener_parse(doc);
	const char *error = NULL;

	assert_null(json_pointer_eval(root, pointer, &error));
	assert_non_null(error);
	json_object_put(root);
}

static void test_rfc6901_examples(void **state)
{
	(void)state;
	assert_eval(rfc6901_doc, "/foo", "[\"bar\",\"baz\"]");
	assert_eval(rfc6901_doc, "/foo/0", "\"bar\"");
	assert_eval(rfc6901_doc, "/foo/1", "\"baz\"");
	assert_eval(rfc6901_doc, "/", "0");
	assert_eval(rfc6901_doc, "/a~1b", "1");
	assert_eval(rfc6901_doc, "/c%d", "2");
	assert_eval(rfc6901_doc, "/e^f", "3");
	assert_eval(rfc6901_doc, "/g|h", "4");
	assert_eval(rfc6901_doc, "/i\\j", "5");
	assert_eval(rfc6901_doc, "/k\"l", "6");
	assert_eval(rfc6901_doc, "/ ", "7");
	assert_eval(rfc6901_doc, "/m~0n", "8");
}

static void test_whole_document(void **state)
{
	json_object *root = json_tokener_parse("{\"a\":1}");
	const char *error;
	json_object *value = json_pointer_eval(root, "", &error);

	(void)state;
	assert_ptr_equal(value, root);
	assert_null(error);
	json_object_put(value);
	json_object_put(root);
}

static void test_null_value(void **state)
{
	json_object *root = json_tokener_parse("{\"a\":null}");
	const char *error = "unset";

	(void)state;
	assert_null(json_pointer_eval(root, "/a", &error));
	assert_null(error);
	json_object_put(root);
}

static void test_star_maps(void **state)
{
	const char *doc = "{\"list\":[{\"id\":\"m1\",\"threadId\":\"t1\"},"
			  "{\"id\":\"m2\",\"threadId\":\"t2\"}]}";

	(void)state;
	assert_eval(doc, "/list/*/threadId", "[\"t1\",\"t2\"]");
	assert_eval(doc, "/list/*", "[{\"id\":\"m1\",\"threadId\":\"t1\"},"
		    "{\"id\":\"m2\",\"threadId\":\"t2\"}]");
	assert_eval("{\"list\":[]}", "/list/*/id", "[]");
}

static void test_star_flattens(void **state)
{
	const char *doc = "{\"list\":[{\"emailIds\":[\"e1\",\"e2\"]},{\"emailIds\":[\"e3\"]},"
			  "{\"emailIds\":[]}]}";

	(void)state;
	assert_eval(doc, "/list/*/emailIds", "[\"e1\",\"e2\",\"e3\"]");
	/* nested stars flatten at every level */
	assert_eval("{\"a\":[{\"b\":[{\"c\":1},{\"c\":2}]},{\"b\":[{\"c\":3}]}]}",
		    "/a/*/b/*/c", "[1,2,3]");
	/* an item that is itself an array is flattened too */
	assert_eval("{\"a\":[[1,2],[3]]}", "/a/*", "[1,2,3]");
}

static void test_star_on_object_is_a_key(void **state)
{
	(void)state;
	assert_eval("{\"o\":{\"*\":5}}", "/o/*", "5");
	assert_fails("{\"o\":{\"x\":5}}", "/o/*");
}

static void test_bad_pointers(void **state)
{
	(void)state;
	assert_fails(rfc6901_doc, "foo");
	assert_fails(rfc6901_doc, "/missing");
	assert_fails(rfc6901_doc, "/foo/2");
	assert_fails(rfc6901_doc, "/foo/01");
	assert_fails(rfc6901_doc, "/foo/-");
	assert_fails(rfc6901_doc, "/foo/-1");
	assert_fails(rfc6901_doc, "/foo/x");
	assert_fails(rfc6901_doc, "/foo/99999999999999999999999999");
	assert_fails(rfc6901_doc, "/m~2n");
	assert_fails(rfc6901_doc, "/m~");
	assert_fails(rfc6901_doc, "/foo/0/x");
	assert_fails(rfc6901_doc, "/foo/*/x");
}

static void test_unescape(void **state)
{
	char *s;

	(void)state;
	s = json_pointer_unescape("a~1b~0c", 7);
	assert_string_equal(s, "a/b~c");
	free(s);
	s = json_pointer_unescape("~01", 3);
	assert_string_equal(s, "~1");
	free(s);
	assert_null(json_pointer_unescape("a~", 2));
	assert_null(json_pointer_unescape("~x", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6901_examples),
		cmocka_unit_test(test_whole_document),
		cmocka_unit_test(test_null_value),
		cmocka_unit_test(test_star_maps),
		cmocka_unit_test(test_star_flattens),
		cmocka_unit_test(test_star_on_object_is_a_key),
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
