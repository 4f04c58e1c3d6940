/* The POP3 gateway's pure parts: the bounded line reader, the command
 * line splitter, number arguments, and the writer that turns a stored
 * message into a multi-line response (CRLF, byte-stuffing, TOP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateways/pop3/pop3_private.h"

/* ---- lines ---- */

static struct evbuffer *buffer_of(const char *s)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, s, strlen(s));
	return b;
}

static void assert_line(struct evbuffer *in, size_t max, bool *skipping, const char *expected)
{
	char *line = NULL;

	assert_int_equal(gateway_line_read(in, max, skipping, &line), GATEWAY_LINE_OK);
	assert_string_equal(line, expected);
	free(line);
}

static void test_line_crlf_and_lf(void **state)
{
	struct evbuffer *in = buffer_of("STAT\r\nLIST 1\nNOOP\r\nQU");
	bool skipping = false;
	char *line = NULL;

	assert_line(in, 100, &skipping, "STAT");
	assert_line(in, 100, &skipping, "LIST 1");
	assert_line(in, 100, &skipping, "NOOP");
	assert_int_equal(gateway_line_read(in, 100, &skipping, &line), GATEWAY_LINE_NONE);
	assert_int_equal(evbuffer_get_length(in), 2);
	evbuffer_add(in, "IT\r\n", 4);
	assert_line(in, 100, &skipping, "QUIT");
	evbuffer_free(in);
}

/* The same bytes one at a time give the same lines. */
static void test_line_byte_at_a_time(void **state)
{
	const char *text = "USER bob\r\nPASS a b c\r\n\r\nCAPA\n";
	const char *expected[] = { "USER bob", "PASS a b c", "", "CAPA" };
	struct evbuffer *in = evbuffer_new();
	bool skipping = false;
	size_t got = 0;

	for (const char *p = text; *p != '\0'; p++) {
		char *line = NULL;

		evbuffer_add(in, p, 1);
		if (gateway_line_read(in, 100, &skipping, &line) == GATEWAY_LINE_OK) {
			assert_true(got < 4);
			assert_string_equal(line, expected[got++]);
			free(line);
		}
	}
	assert_int_equal(got, 4);
	evbuffer_free(in);
}

static void test_line_too_long(void **state)
{
	struct evbuffer *in = buffer_of("0123456789\r\nNOOP\r\n");
	bool skipping = false;
	char *line = NULL;

	/* a whole line over the bound is dropped, the next one read */
	assert_int_equal(gateway_line_read(in, 9, &skipping, &line), GATEWAY_LINE_TOO_LONG);
	assert_false(skipping);
	assert_line(in, 9, &skipping, "NOOP");
	/* exactly max fits, CR of the CRLF not counted */
	evbuffer_add(in, "012345678\r", 10);
	assert_int_equal(gateway_line_read(in, 9, &skipping, &line), GATEWAY_LINE_NONE);
	evbuffer_add(in, "\n", 1);
	assert_line(in, 9, &skipping, "012345678");
	evbuffer_free(in);
}

static void test_line_too_long_before_its_end(void **state)
{
	struct evbuffer *in = buffer_of("AAAAAAAAAAAAAAAAAAAA");
	bool skipping = false;
	char *line = NULL;

	assert_int_equal(gateway_line_read(in, 9, &skipping, &line), GATEWAY_LINE_TOO_LONG);
	assert_true(skipping);
	assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_add(in, "BBBBBBBBBBBBBBBBBBBBBBBB", 24);
	assert_int_equal(gateway_line_read(in, 9, &skipping, &line), GATEWAY_LINE_NONE);
	assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_add(in, "CC\r\nSTAT\r\n", 10);
	assert_line(in, 9, &skipping, "STAT");
	assert_false(skipping);
	evbuffer_free(in);
}

static void test_line_invalid_bytes(void **state)
{
	struct evbuffer *in = evbuffer_new();
	bool skipping = false;
	char *line = NULL;

	static const char data[] = "US\0ER x\r\nUSER a\rb\r\nPASS p\xc3\xa4ss\tw\r\n";

	evbuffer_add(in, data, sizeof(data) - 1);
	assert_int_equal(gateway_line_read(in, 100, &skipping, &line), GATEWAY_LINE_INVALID);
	assert_int_equal(gateway_line_read(in, 100, &skipping, &line), GATEWAY_LINE_INVALID);
	assert_line(in, 100, &skipping, "PASS p\xc3\xa4ss\tw");
	evbuffer_free(in);
}

/* ---- command lines ---- */

static void test_cmdline_split(void **state)
{
	struct pop3_cmdline line;

	assert_int_equal(pop3_cmdline_parse("top 1  10", &line), 0);
	assert_string_equal(line.name, "TOP");
	assert_int_equal(line.argc, 2);
	assert_string_equal(line.args[0], "1");
	assert_string_equal(line.args[1], "10");
	assert_string_equal(line.rest, "1  10");
	assert_false(line.too_many);
	pop3_cmdline_free(&line);

	assert_int_equal(pop3_cmdline_parse("PASS  two words ", &line), 0);
	assert_string_equal(line.rest, " two words ");
	assert_int_equal(line.argc, 2);
	pop3_cmdline_free(&line);

	assert_int_equal(pop3_cmdline_parse("Stat", &line), 0);
	assert_string_equal(line.name, "STAT");
	assert_int_equal(line.argc, 0);
	assert_string_equal(line.rest, "");
	pop3_cmdline_free(&line);

	assert_int_equal(pop3_cmdline_parse("LIST 1 2 3 4", &line), 0);
	assert_true(line.too_many);
	assert_int_equal(line.argc, POP3_MAX_ARGS);
	pop3_cmdline_free(&line);
}

static void test_cmdline_refused(void **state)
{
	struct pop3_cmdline line;

	assert_int_equal(pop3_cmdline_parse("", &line), -1);
	pop3_cmdline_free(&line);
	assert_int_equal(pop3_cmdline_parse(" STAT", &line), -1);
	pop3_cmdline_free(&line);
	assert_int_equal(pop3_cmdline_parse("VERYLONGKEYWORD x", &line), -1);
	pop3_cmdline_free(&line);
}

static void test_numbers(void **state)
{
	size_t n;
	uint64_t lines;

	assert_int_equal(pop3_parse_msgno("1", 3, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pop3_parse_msgno("3", 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pop3_parse_msgno("4", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("0", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("-1", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("+1", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("1x", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("99999999999999999999999999", 3, &n), -1);
	assert_int_equal(pop3_parse_msgno("1", 0, &n), -1);
	assert_int_equal(pop3_parse_lines("0", &lines), 0);
	assert_int_equal(lines, 0);
	assert_int_equal(pop3_parse_lines("99999999999999999999999999", &lines), 0);
	assert_true(lines == UINT64_MAX);
	assert_int_equal(pop3_parse_lines("-1", &lines), -1);
}

/* ---- the dot writer ---- */

/* What the writer makes of message, fed in chunks of chunk bytes. */
static char *dot_write(const char *message, size_t len, size_t chunk, bool top,
		       uint64_t lines)
{
	struct pop3_dot_writer w;
	struct evbuffer *out = evbuffer_new();
	size_t out_len;
	char *text;

	pop3_dot_init(&w, top, lines);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (pop3_dot_feed(&w, message + off, n, out))
			break;
	}
	pop3_dot_finish(&w, out);
	out_len = evbuffer_get_length(out);
	text = malloc(out_len + 1);
	evbuffer_remove(out, text, out_len);
	text[out_len] = '\0';
	evbuffer_free(out);
	return text;
}

/* Every chunk size from 1 to the whole gives expected. */
static void assert_dot(const char *message, bool top, uint64_t lines, const char *expected)
{
	size_t len = strlen(message);

	for (size_t chunk = 1; chunk <= (len > 0 ? len : 1); chunk++) {
		char *got = dot_write(message, len, chunk, top, lines);

		if (strcmp(got, expected) != 0)
			fail_msg("chunk %zu: got \"%s\"", chunk, got);
		free(got);
	}
}

static void test_dot_crlf(void **state)
{
	assert_dot("A: b\r\n\r\nbody\r\n", false, 0, "A: b\r\n\r\nbody\r\n.\r\n");
	assert_dot("A: b\n\nbody\nmore\n", false, 0, "A: b\r\n\r\nbody\r\nmore\r\n.\r\n");
	/* the last line ended for the terminator */
	assert_dot("A: b\r\n\r\nno end", false, 0, "A: b\r\n\r\nno end\r\n.\r\n");
	assert_dot("", false, 0, ".\r\n");
	/* a bare CR inside a line stays; one at the very end ends the line */
	assert_dot("a\rb\r\nc\r", false, 0, "a\rb\r\nc\r\n.\r\n");
}

static void test_dot_stuffing(void **state)
{
	assert_dot("S: x\r\n\r\n.\r\n..two\r\n. x\r\nmid.dle\r\n.", false, 0,
		   "S: x\r\n\r\n..\r\n...two\r\n.. x\r\nmid.dle\r\n..\r\n.\r\n");
	assert_dot(".start\n", false, 0, "..start\r\n.\r\n");
}

static void test_dot_top(void **state)
{
	const char *msg = "From: a\r\nTo: b\r\n\r\nl1\r\n.l2\r\nl3\r\n";

	assert_dot(msg, true, 0, "From: a\r\nTo: b\r\n\r\n.\r\n");
	assert_dot(msg, true, 1, "From: a\r\nTo: b\r\n\r\nl1\r\n.\r\n");
	assert_dot(msg, true, 2, "From: a\r\nTo: b\r\n\r\nl1\r\n..l2\r\n.\r\n");
	assert_dot(msg, true, 3, "From: a\r\nTo: b\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	assert_dot(msg, true, 100, "From: a\r\nTo: b\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	assert_dot(msg, true, UINT64_MAX, "From: a\r\nTo: b\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	/* bare LF counts lines the same way */
	assert_dot("H: 1\n\nx\ny\n", true, 1, "H: 1\r\n\r\nx\r\n.\r\n");
	/* no body: the whole message */
	assert_dot("H: 1\r\nH: 2\r\n", true, 0, "H: 1\r\nH: 2\r\n.\r\n");
	/* an empty line in the body counts as a line */
	assert_dot("H: 1\r\n\r\n\r\nx\r\n", true, 1, "H: 1\r\n\r\n\r\n.\r\n");
	/* the last body line without its end */
	assert_dot("H: 1\r\n\r\nx", true, 5, "H: 1\r\n\r\nx\r\n.\r\n");
}

/* A TOP stops asking for input once its lines are out. */
static void test_dot_top_stops(void **state)
{
	struct pop3_dot_writer w;
	struct evbuffer *out = evbuffer_new();

	pop3_dot_init(&w, true, 1);
	assert_false(pop3_dot_feed(&w, "H: 1\r\n\r\n", 8, out));
	assert_true(pop3_dot_feed(&w, "a\r\nb\r\n", 6, out));
	pop3_dot_finish(&w, out);
	assert_int_equal(evbuffer_get_length(out), strlen("H: 1\r\n\r\na\r\n.\r\n"));
	evbuffer_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_crlf_and_lf),
		cmocka_unit_test(test_line_byte_at_a_time),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_line_too_long_before_its_end),
		cmocka_unit_test(test_line_invalid_bytes),
		cmocka_unit_test(test_cmdline_split),
		cmocka_unit_test(test_cmdline_refused),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_dot_crlf),
		cmocka_unit_test(test_dot_stuffing),
		cmocka_unit_test(test_dot_top),
		cmocka_unit_test(test_dot_top_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
