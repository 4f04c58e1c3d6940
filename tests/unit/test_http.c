/* Unit tests for the HTTP face's parsers of untrusted input: percent
 * decoding, query strings and Basic credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/base64.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "core/uri.h"
#include "http/http_private.h"

static void assert_decodes(const char *in, bool plus_space, const char *want)
{
	char *out = uri_decode(in, strlen(in), plus_space);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_url_decode(void **state)
{
	static const char *const bad[] = { "%", "%4", "a%zz", "%g0", "%00", "x%0", "%%41" };

	assert_decodes("", false, "");
	assert_decodes("plain", false, "plain");
	assert_decodes("a%2Fb%2fc", false, "a/b/c");
	assert_decodes("r%C3%A9sum%C3%A9", false, "r\xc3\xa9sum\xc3\xa9");
	assert_decodes("a+b", false, "a+b");
	assert_decodes("a+b%2B", true, "a b+");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(uri_decode(bad[i], strlen(bad[i]), false));
	/* only len bytes are read */
	{
		char *out = uri_decode("abc%41", 3, false);

		assert_string_equal(out, "abc");
		free(out);
	}
}

static void test_query_parse(void **state)
{
	json_object *q = http_query_parse("types=individual%2Cdomain&x&&y=a+b&types2=");
	json_object *v;
	struct strbuf many = { 0 };

	assert_non_null(q);
	assert_true(json_object_object_get_ex(q, "types", &v));
	assert_string_equal(json_object_get_string(v), "individual,domain");
	assert_true(json_object_object_get_ex(q, "x", &v));
	assert_string_equal(json_object_get_string(v), "");
	assert_true(json_object_object_get_ex(q, "y", &v));
	assert_string_equal(json_object_get_string(v), "a b");
	json_object_put(q);

	q = http_query_parse(NULL);
	assert_int_equal(json_object_object_length(q), 0);
	json_object_put(q);

	assert_null(http_query_parse("a=%zz"));
	assert_null(http_query_parse("=value"));
	for (int i = 0; i <= HTTP_QUERY_MAX_PARAMS; i++)
		strbuf_printf(&many, "k%d=v&", i);
	assert_null(http_query_parse(many.s));
	strbuf_free(&many);
}

/* "Basic " + base64 of raw (len bytes). */
static char *basic_header(const char *raw, size_t len)
{
	char *b64 = base64_encode(raw, len, false);
	char *header = xasprintf("Basic %s", b64);

	free(b64);
	return header;
}

static int parse_basic(const char *header, const char **user_r, const char **password_r,
		       char **buf_r)
{
	size_t len;

	return http_auth_parse_basic(header, buf_r, &len, user_r, password_r);
}

static void test_auth_parse_basic(void **state)
{
	const char *user, *password;
	char *buf, *header;

	header = basic_header("alice:p:w", 9);
	assert_int_equal(parse_basic(header, &user, &password, &buf), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(password, "p:w");
	free(buf);
	free(header);

	assert_int_equal(parse_basic("basic\t YWxpY2U6  ", &user, &password, &buf), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(password, "");
	free(buf);

	assert_int_equal(parse_basic(NULL, &user, &password, &buf), -1);
	assert_int_equal(parse_basic("Basic", &user, &password, &buf), -1);
	assert_int_equal(parse_basic("Basic ", &user, &password, &buf), -1);
	assert_int_equal(parse_basic("Basicx YWxpY2U6cHc=", &user, &password, &buf), -1);
	assert_int_equal(parse_basic("Bearer YWxpY2U6cHc=", &user, &password, &buf), -1);
	assert_int_equal(parse_basic("Basic !!!!", &user, &password, &buf), -1);

	header = basic_header("nocolon", 7);
	assert_int_equal(parse_basic(header, &user, &password, &buf), -1);
	free(header);
	header = basic_header(":pw", 3);
	assert_int_equal(parse_basic(header, &user, &password, &buf), -1);
	free(header);
	header = basic_header("al\0ce:pw", 8);
	assert_int_equal(parse_basic(header, &user, &password, &buf), -1);
	free(header);
	{
		char big[2000];

		memset(big, 'a', sizeof(big));
		big[10] = ':';
		header = basic_header(big, sizeof(big));
		assert_int_equal(parse_basic(header, &user, &password, &buf), -1);
		free(header);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_query_parse),
		cmocka_unit_test(test_auth_parse_basic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
