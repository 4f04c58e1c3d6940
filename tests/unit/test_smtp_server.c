/* The ESMTP server's pure parts: the bounded line reader, command
 * verbs, MAIL/RCPT paths and parameters, mailbox syntax, xtext, SIZE,
 * NOTIFY, BDAT arguments, and the message reader of DATA (dot-unstuffing
 * and the terminator, fed in every split and a byte at a time) and BDAT
 * (line ends across chunk boundaries, the size bound). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateways/smtp/smtp_parse.h"

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

static void test_line_read(void **state)
{
	struct evbuffer *in = buffer_of("EHLO a\r\nMAIL FROM:<>\nRCPT TO:<b@c>\r\nDA");
	bool skipping = false;
	char *line = NULL;

	assert_line(in, 100, &skipping, "EHLO a");
	assert_line(in, 100, &skipping, "MAIL FROM:<>");
	assert_line(in, 100, &skipping, "RCPT TO:<b@c>");
	assert_int_equal(gateway_line_read(in, 100, &skipping, &line), GATEWAY_LINE_NONE);
	evbuffer_add(in, "TA\r\n", 4);
	assert_line(in, 100, &skipping, "DATA");
	evbuffer_free(in);
}

static void test_line_too_long_and_invalid(void **state)
{
	struct evbuffer *in = buffer_of("0123456789abcdef");
	bool skipping = false;
	char *line = NULL;

	/* too long before its end arrived: dropped up to its end */
	assert_int_equal(gateway_line_read(in, 8, &skipping, &line), GATEWAY_LINE_TOO_LONG);
	assert_true(skipping);
	evbuffer_add(in, "more\r\nNOOP\r\n", 12);
	assert_line(in, 8, &skipping, "NOOP");
	/* too long with its end in the buffer */
	evbuffer_add(in, "0123456789\r\nQUIT\r\n", 18);
	assert_int_equal(gateway_line_read(in, 8, &skipping, &line), GATEWAY_LINE_TOO_LONG);
	assert_false(skipping);
	assert_line(in, 8, &skipping, "QUIT");
	evbuffer_add(in, "NO\001OP\r\nRSET\r\n", 13);
	assert_int_equal(gateway_line_read(in, 8, &skipping, &line), GATEWAY_LINE_INVALID);
	assert_line(in, 8, &skipping, "RSET");
	evbuffer_free(in);
}

static void test_cmdline_split(void **state)
{
	char verb[SMTP_VERB_MAX + 1];
	const char *args;

	assert_int_equal(smtp_cmdline_split("mail FROM:<a@b> SIZE=1", verb, &args), 0);
	assert_string_equal(verb, "MAIL");
	assert_string_equal(args, "FROM:<a@b> SIZE=1");
	assert_int_equal(smtp_cmdline_split("DATA", verb, &args), 0);
	assert_string_equal(verb, "DATA");
	assert_string_equal(args, "");
	assert_int_equal(smtp_cmdline_split("", verb, &args), -1);
	assert_int_equal(smtp_cmdline_split(" NOOP", verb, &args), -1);
	assert_int_equal(smtp_cmdline_split("ABCDEFGHIJK x", verb, &args), -1);
}

/* ---- paths and parameters ---- */

static void test_path_args(void **state)
{
	struct smtp_path_args a;
	struct smtp_reply r;

	assert_int_equal(smtp_path_args_parse("FROM:<a@b.example> size=10 BODY=8BITMIME SMTPUTF8",
					      "FROM:", &a, &r), 0);
	assert_string_equal(a.address, "a@b.example");
	assert_int_equal(a.param_count, 3);
	assert_string_equal(a.params[0].keyword, "SIZE");
	assert_string_equal(a.params[0].value, "10");
	assert_string_equal(a.params[1].value, "8BITMIME");
	assert_string_equal(a.params[2].keyword, "SMTPUTF8");
	assert_null(a.params[2].value);
	smtp_path_args_free(&a);

	assert_int_equal(smtp_path_args_parse("from: <>", "FROM:", &a, &r), 0);
	assert_string_equal(a.address, "");
	smtp_path_args_free(&a);
	assert_int_equal(smtp_path_args_parse("TO:<@r1,@r2:u@d.example>", "TO:", &a, &r), 0);
	assert_string_equal(a.address, "u@d.example");
	smtp_path_args_free(&a);
	assert_int_equal(smtp_path_args_parse("TO:u@d.example NOTIFY=NEVER", "TO:", &a, &r), 0);
	assert_string_equal(a.address, "u@d.example");
	assert_string_equal(a.params[0].keyword, "NOTIFY");
	smtp_path_args_free(&a);
	/* a ">" inside a quoted local part does not end the path */
	assert_int_equal(smtp_path_args_parse("TO:<\"a>b\"@d.example>", "TO:", &a, &r), 0);
	assert_string_equal(a.address, "\"a>b\"@d.example");
	smtp_path_args_free(&a);
}

static void assert_path_fails(const char *text, const char *prefix, int code)
{
	struct smtp_path_args a;
	struct smtp_reply r;

	assert_int_equal(smtp_path_args_parse(text, prefix, &a, &r), -1);
	assert_int_equal(r.code, code);
	assert_null(a.buf);
}

static void test_path_args_bad(void **state)
{
	assert_path_fails("TO:<a@b>", "FROM:", 501);
	assert_path_fails("FROM:<a@b", "FROM:", 501);
	assert_path_fails("FROM:<a@b>x", "FROM:", 501);
	assert_path_fails("FROM:", "FROM:", 501);
	assert_path_fails("FROM:<a@b> SIZE=1 SIZE=2", "FROM:", 501);
	assert_path_fails("FROM:<a@b> SIZE=", "FROM:", 501);
	assert_path_fails("FROM:<a@b> -X=1", "FROM:", 501);
	assert_path_fails("FROM:<a@b> A=1 B=1 C=1 D=1 E=1 F=1 G=1 H=1 I=1", "FROM:", 501);
	assert_path_fails("TO:<@r1u@d>", "TO:", 501);
}

static void assert_address(const char *address, bool is_rcpt, bool utf8, int code,
			   const char *enhanced)
{
	struct smtp_reply r;

	if (code == 0) {
		assert_int_equal(smtp_address_check(address, is_rcpt, utf8, &r), 0);
		return;
	}
	assert_int_equal(smtp_address_check(address, is_rcpt, utf8, &r), -1);
	assert_int_equal(r.code, code);
	assert_string_equal(r.enhanced, enhanced);
}

static void test_address_check(void **state)
{
	char long_local[80], long_label[80];

	assert_address("", false, false, 0, NULL);
	assert_address("", true, false, 553, "5.1.3");
	assert_address("PostMaster", true, false, 0, NULL);
	assert_address("postmaster", false, false, 553, "5.1.7");
	assert_address("a.b+tag@example.org", true, false, 0, NULL);
	assert_address("\"john doe\"@example.org", true, false, 0, NULL);
	assert_address("u@[192.0.2.1]", true, false, 0, NULL);
	assert_address("a..b@example.org", true, false, 553, "5.1.3");
	assert_address(".a@example.org", true, false, 553, "5.1.3");
	assert_address("a.@example.org", true, false, 553, "5.1.3");
	assert_address("a@", true, false, 553, "5.1.3");
	assert_address("@example.org", true, false, 553, "5.1.3");
	assert_address("a@b..c", true, false, 553, "5.1.3");
	assert_address("a@b_c", true, false, 553, "5.1.3");
	assert_address("a b@c", true, false, 553, "5.1.3");
	memset(long_local, 'x', 65);
	strcpy(long_local + 65, "@example.org");
	assert_address(long_local, true, false, 553, "5.1.3");
	strcpy(long_label, "a@");
	memset(long_label + 2, 'y', 64);
	strcpy(long_label + 66, ".org");
	assert_address(long_label, true, false, 553, "5.1.3");
	/* RFC 6531 §3.5 */
	assert_address("j\xc3\xb6rg@example.org", true, false, 553, "5.6.7");
	assert_address("j\xc3\xb6rg@example.org", false, false, 550, "5.6.7");
	assert_address("j\xc3\xb6rg@b\xc3\xbc" "cher.example", true, true, 0, NULL);
	assert_address("j\xc3rg@example.org", true, true, 553, "5.1.3");
}

/* ---- small values ---- */

static void assert_xtext(const char *in, bool utf8, const char *out)
{
	char *got = smtp_xtext_decode(in, utf8);

	if (out == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, out);
	free(got);
}

static void test_xtext(void **state)
{
	assert_xtext("a+2Bb", false, "a+b");
	assert_xtext("+3D+20x", false, "= x");
	assert_xtext("", false, "");
	assert_xtext("+2b", false, NULL);
	assert_xtext("+2", false, NULL);
	assert_xtext("+", false, NULL);
	assert_xtext("a=b", false, NULL);
	assert_xtext("a b", false, NULL);
	assert_xtext("+00", false, NULL);
	assert_xtext("+0A", false, NULL);
	assert_xtext("+C3+B6", false, NULL);
	assert_xtext("+C3+B6", true, "\xc3\xb6");
}

static void test_size_notify_bdat(void **state)
{
	uint64_t n;
	bool last;

	assert_int_equal(smtp_parse_size("0", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(smtp_parse_size("52428800", &n), 0);
	assert_int_equal(n, 52428800);
	assert_int_equal(smtp_parse_size("99999999999999999999", &n), 0);
	assert_true(n == UINT64_MAX);
	assert_int_equal(smtp_parse_size("123456789012345678901", &n), -1);
	assert_int_equal(smtp_parse_size("", &n), -1);
	assert_int_equal(smtp_parse_size("-1", &n), -1);
	assert_int_equal(smtp_parse_size("12a", &n), -1);

	assert_int_equal(smtp_parse_notify("NEVER"), SMTP_NOTIFY_NEVER);
	assert_int_equal(smtp_parse_notify("success,Failure"),
			 SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE);
	assert_int_equal(smtp_parse_notify("DELAY"), SMTP_NOTIFY_DELAY);
	assert_int_equal(smtp_parse_notify("NEVER,SUCCESS"), 0);
	assert_int_equal(smtp_parse_notify("DELAY,DELAY"), 0);
	assert_int_equal(smtp_parse_notify("SUCCESS,"), 0);
	assert_int_equal(smtp_parse_notify("NOPE"), 0);

	assert_int_equal(smtp_parse_bdat("100", &n, &last), 0);
	assert_true(n == 100 && !last);
	assert_int_equal(smtp_parse_bdat("0 last", &n, &last), 0);
	assert_true(n == 0 && last);
	assert_int_equal(smtp_parse_bdat("100 LASTX", &n, &last), -1);
	assert_int_equal(smtp_parse_bdat("100  LAST", &n, &last), -1);
	assert_int_equal(smtp_parse_bdat("x", &n, &last), -1);
	assert_int_equal(smtp_parse_bdat("100 ", &n, &last), -1);
}

static void test_reply_set(void **state)
{
	struct smtp_reply r;

	smtp_reply_set(&r, 550, "5.1.1", "No such user <%s>", "a\r\nb");
	assert_int_equal(r.code, 550);
	assert_string_equal(r.enhanced, "5.1.1");
	assert_string_equal(r.text, "No such user <a  b>");
}

/* ---- the message reader ---- */

struct data_case {
	const char *input;
	const char *message;	/* what is kept */
	size_t used;		/* bytes taken, terminator included */
};

/* Feeds input cut at split (and then a byte at a time when split is
 * 0) and checks the message and the bytes taken. */
static void check_data(const struct data_case *c, size_t split)
{
	struct smtp_data_reader r;
	size_t len = strlen(c->input), used = 0;
	bool end = false;

	smtp_data_init(&r, true, 1024);
	if (split == 0) {
		for (size_t i = 0; i < len && !end; i++)
			used += smtp_data_feed(&r, c->input + i, 1, &end);
	} else {
		used = smtp_data_feed(&r, c->input, split, &end);
		if (!end)
			used += smtp_data_feed(&r, c->input + split, len - split, &end);
	}
	assert_true(end);
	assert_int_equal(used, c->used);
	assert_int_equal(r.msg.len, strlen(c->message));
	assert_memory_equal(r.msg.len > 0 ? r.msg.s : "", c->message, r.msg.len);
	assert_int_equal(r.size, strlen(c->message));
	smtp_data_free(&r);
}

static void test_data_dots(void **state)
{
	static const struct data_case cases[] = {
		{ ".\r\n", "", 3 },
		{ "a\r\n.\r\nQUIT\r\n", "a\r\n", 6 },
		{ "..a\r\n.\r\n", ".a\r\n", 8 },
		{ "...\r\n..\r\n.\r\n", "..\r\n.\r\n", 12 },
		{ "x.\r\n.x\r\n.\r\n", "x.\r\nx\r\n", 11 },
		/* bare LF and CR become CRLF, and never end the message */
		{ "a\nb\rc\r\n.\r\n", "a\r\nb\r\nc\r\n", 10 },
		{ "a\n.\nb\r\n.\r\n", "a\r\n\r\nb\r\n", 10 },
		{ "a\n.\r\nb\r\n.\r\n", "a\r\n\r\nb\r\n", 11 },
		{ "a\r\n.\nb\r\n.\r\n", "a\r\n\r\nb\r\n", 11 },
		{ "a\r\n.\rb\r\n.\r\n", "a\r\n\r\nb\r\n", 11 },
		{ "\r\r\n.\r\n", "\r\n\r\n", 6 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t split = 0; split < strlen(cases[i].input); split++)
			check_data(&cases[i], split);
	}
}

static void test_data_too_big(void **state)
{
	struct smtp_data_reader r;
	const char *text = "0123456789\r\n0123456789\r\n.\r\n";
	bool end;

	smtp_data_init(&r, true, 20);
	assert_int_equal(smtp_data_feed(&r, text, strlen(text), &end), strlen(text));
	assert_true(end);
	assert_true(r.too_big);
	assert_int_equal(r.size, 24);
	assert_null(r.msg.s);
	smtp_data_free(&r);
}

/* BDAT: chunks are counted exactly, line ends fixed across them. */
static void test_data_chunks(void **state)
{
	static const char *const chunks[] = { "a\r", "\nb\n", ".c\r", "" };
	struct smtp_data_reader r;
	bool end;

	smtp_data_init(&r, false, 1024);
	for (size_t i = 0; i < 4; i++) {
		size_t len = strlen(chunks[i]);

		assert_int_equal(smtp_data_feed(&r, chunks[i], len, &end), len);
		assert_false(end);
	}
	smtp_data_finish(&r);
	assert_int_equal(r.msg.len, 10);
	assert_memory_equal(r.msg.s, "a\r\nb\r\n.c\r\n", 10);
	smtp_data_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_read),
		cmocka_unit_test(test_line_too_long_and_invalid),
		cmocka_unit_test(test_cmdline_split),
		cmocka_unit_test(test_path_args),
		cmocka_unit_test(test_path_args_bad),
		cmocka_unit_test(test_address_check),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_size_notify_bdat),
		cmocka_unit_test(test_reply_set),
		cmocka_unit_test(test_data_dots),
		cmocka_unit_test(test_data_too_big),
		cmocka_unit_test(test_data_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
