/* Result references (RFC 8620 §3.7), with the RFC's own examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jmap/resultref.h"

/* The methodResponses of the RFC's examples after the first calls. */
static const char responses_text[] =
	"[[\"Foo/changes\",{\"accountId\":\"A1\",\"oldState\":\"abcdef\","
	"\"newState\":\"123456\",\"hasMoreChanges\":false,\"created\":[\"f1\",\"f4\"],"
	"\"updated\":[],\"destroyed\":[]},\"t0\"],"
	"[\"Email/query\",{\"accountId\":\"A1\",\"queryState\":\"abcdefg\","
	"\"canCalculateChanges\":true,\"position\":0,\"total\":101,"
	"\"ids\":[\"msg1023\",\"msg223\",\"msg110\"]},\"q0\"],"
	"[\"Email/get\",{\"accountId\":\"A1\",\"state\":\"123456\",\"list\":["
	"{\"id\":\"msg1023\",\"threadId\":\"trd194\"},{\"id\":\"msg223\",\"threadId\":\"trd114\"}],"
	"\"notFound\":[]},\"t1\"],"
	"[\"Thread/get\",{\"accountId\":\"A1\",\"state\":\"123456\",\"list\":["
	"{\"id\":\"trd194\",\"emailIds\":[\"msg1020\",\"msg1021\",\"msg1023\"]},"
	"{\"id\":\"trd114\",\"emailIds\":[\"msg201\",\"msg223\"]}],\"notFound\":[]},\"t2\"],"
	"[\"error\",{\"type\":\"unknownMethod\"},\"e0\"],"
	"[\"Foo/get\",{\"list\":[]},\"t0\"]]";

static json_object *responses;

static int setup(void **state)
{
	(void)state;
	responses = json_tokener_parse(responses_text);
	return responses != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_object_put(responses);
	return 0;
}

static const char *plain(json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
}

static void assert_resolves(const char *args_text, const char *expected)
{
	json_object *args = json_tokener_parse(args_text), *out;
	const char *error = NULL;

	assert_non_null(args);
	out = jmap_resultref_resolve(args, responses, &error);
	assert_non_null(out);
	assert_string_equal(plain(out), expected);
	json_object_put(out);
	json_object_put(args);
}

static void assert_invalid(const char *args_text)
{
	json_object *args = json_tokener_parse(args_text);
	const char *error = NULL;

	assert_non_null(args);
	assert_null(jmap_resultref_resolve(args, responses, &error));
	assert_non_null(error);
	json_object_put(args);
}

static void test_changes_created(void **state)
{
	(void)state;
	assert_resolves("{\"accountId\":\"A1\",\"#ids\":{\"resultOf\":\"t0\","
			"\"name\":\"Foo/changes\",\"path\":\"/created\"}}",
			"{\"accountId\":\"A1\",\"ids\":[\"f1\",\"f4\"]}");
}

static void test_query_ids(void **state)
{
	(void)state;
	assert_resolves("{\"accountId\":\"A1\",\"#ids\":{\"resultOf\":\"q0\","
			"\"name\":\"Email/query\",\"path\":\"/ids\"},\"properties\":[\"threadId\"]}",
			"{\"accountId\":\"A1\",\"ids\":[\"msg1023\",\"msg223\",\"msg110\"],"
			"\"properties\":[\"threadId\"]}");
}

static void test_star_thread_ids(void **state)
{
	(void)state;
	assert_resolves("{\"accountId\":\"A1\",\"#ids\":{\"resultOf\":\"t1\","
			"\"name\":\"Email/get\",\"path\":\"/list/*/threadId\"}}",
			"{\"accountId\":\"A1\",\"ids\":[\"trd194\",\"trd114\"]}");
}

static void test_star_flattens_email_ids(void **state)
{
	(void)state;
	assert_resolves("{\"accountId\":\"A1\",\"#ids\":{\"resultOf\":\"t2\","
			"\"name\":\"Thread/get\",\"path\":\"/list/*/emailIds\"},"
			"\"properties\":[\"from\",\"receivedAt\",\"subject\"]}",
			"{\"accountId\":\"A1\",\"ids\":[\"msg1020\",\"msg1021\",\"msg1023\","
			"\"msg201\",\"msg223\"],\"properties\":[\"from\",\"receivedAt\",\"subject\"]}");
}

static void test_first_response_with_call_id(void **state)
{
	(void)state;
	/* two responses carry "t0": the first one counts */
	assert_invalid("{\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/get\",\"path\":\"/list\"}}");
}

static void test_no_references(void **state)
{
	(void)state;
	assert_resolves("{\"a\":1,\"b\":[true]}", "{\"a\":1,\"b\":[true]}");
}

static void test_errors(void **state)
{
	(void)state;
	/* unknown resultOf */
	assert_invalid("{\"#ids\":{\"resultOf\":\"zz\",\"name\":\"Foo/changes\","
		       "\"path\":\"/created\"}}");
	/* name mismatch */
	assert_invalid("{\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/get\","
		       "\"path\":\"/created\"}}");
	/* an error response has the name "error" */
	assert_invalid("{\"#ids\":{\"resultOf\":\"e0\",\"name\":\"Foo/get\",\"path\":\"/ids\"}}");
	/* bad paths */
	assert_invalid("{\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/changes\","
		       "\"path\":\"/nothere\"}}");
	assert_invalid("{\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/changes\","
		       "\"path\":\"created\"}}");
	assert_invalid("{\"#ids\":{\"resultOf\":\"t1\",\"name\":\"Email/get\","
		       "\"path\":\"/list/*/nothere\"}}");
	/* not a ResultReference */
	assert_invalid("{\"#ids\":[\"t0\"]}");
	assert_invalid("{\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/changes\"}}");
	assert_invalid("{\"#ids\":{\"resultOf\":1,\"name\":\"Foo/changes\",\"path\":\"/created\"}}");
}

static void test_plain_and_reference(void **state)
{
	json_object *args = json_tokener_parse(
		"{\"ids\":[],\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/changes\","
		"\"path\":\"/created\"}}");
	json_object *ok = json_tokener_parse("{\"#ids\":{},\"other\":1}");

	(void)state;
	assert_string_equal(jmap_resultref_conflict(args), "ids");
	assert_null(jmap_resultref_conflict(ok));
	assert_invalid("{\"ids\":[],\"#ids\":{\"resultOf\":\"t0\",\"name\":\"Foo/changes\","
		       "\"path\":\"/created\"}}");
	json_object_put(args);
	json_object_put(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_created),
		cmocka_unit_test(test_query_ids),
		cmocka_unit_test(test_star_thread_ids),
		cmocka_unit_test(test_star_flattens_email_ids),
		cmocka_unit_test(test_first_response_with_call_id),
		cmocka_unit_test(test_no_references),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plain_and_reference),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
