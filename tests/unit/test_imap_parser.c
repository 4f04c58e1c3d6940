/* Unit tests for the IMAP command parser: arguments of every kind,
 * literals (synchronizing, LITERAL+, literal8), the bounds, recovery
 * after errors, and the same inputs fed one octet at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_parser.h"

static bool test_big(const char *name, void *context)
{
	return strcmp(name, "APPEND") == 0;
}

static struct imap_parser *test_parser(void)
{
	struct imap_parser_limits limits = {
		.max_line = 200, .max_literal = 100, .max_big_literal = 1000,
		.max_depth = 4, .big_literal = test_big,
	};

	return imap_parser_new(&limits);
}

/* What a run of the parser produced, as text: "CMD tag NAME args",
 * "CONT", "ERR tag text [TOOBIG]". */
struct test_out {
	char lines[16][512];
	size_t count;
};

static void test_args_print(char *buf, size_t size, const struct imap_arg *args, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];
		size_t len = strlen(buf);

		if (i > 0)
			snprintf(buf + len, size - len, " ");
		len = strlen(buf);
		switch (a->type) {
		case IMAP_ARG_ATOM:
			snprintf(buf + len, size - len, "%s", a->str);
			break;
		case IMAP_ARG_STRING:
			snprintf(buf + len, size - len, "\"%s\"", a->str);
			break;
		case IMAP_ARG_LITERAL:
			snprintf(buf + len, size - len, "%s{%zu:%.*s}", a->binary ? "~" : "", a->len,
				 (int)a->len, a->str);
			break;
		case IMAP_ARG_LIST:
			snprintf(buf + len, size - len, "(");
			test_args_print(buf, size, a->list, a->count);
			len = strlen(buf);
			snprintf(buf + len, size - len, ")");
			break;
		}
	}
}

static void test_record(struct test_out *out, enum imap_parse_status st, struct imap_cmd *cmd,
			const struct imap_parse_error *err)
{
	char *line = out->lines[out->count++];

	line[0] = '\0';
	if (st == IMAP_PARSE_CONTINUE) {
		snprintf(line, 512, "CONT");
	} else if (st == IMAP_PARSE_ERROR) {
		snprintf(line, 512, "ERR %s %s%s%s", err->tag != NULL ? err->tag : "*", err->text,
			 err->toobig ? " [TOOBIG]" : "", err->big ? " BIG" : "");
	} else {
		snprintf(line, 512, "CMD %s %s%s ", cmd->tag, cmd->uid ? "UID " : "", cmd->name);
		test_args_print(line, 512, cmd->args, cmd->count);
		imap_cmd_free(&cmd);
	}
}

static void test_drain(struct imap_parser *p, struct evbuffer *in, struct test_out *out)
{
	for (;;) {
		struct imap_cmd *cmd;
		struct imap_parse_error err;
		enum imap_parse_status st = imap_parser_run(p, in, &cmd, &err);

		if (st == IMAP_PARSE_MORE)
			return;
		assert_true(out->count < 16);
		test_record(out, st, cmd, &err);
	}
}

/* Feeds input whole, then one octet at a time; both must give the
 * same events, which are returned joined by "|". */
static char *test_parse(const char *input, size_t len)
{
	struct test_out whole = { 0 }, bytes = { 0 };
	struct imap_parser *p = test_parser();
	struct evbuffer *in = evbuffer_new();
	char *joined = xcalloc(1, 16 * 513);

	evbuffer_add(in, input, len);
	test_drain(p, in, &whole);
	assert_int_equal(evbuffer_get_length(in), 0);
	imap_parser_free(&p);
	p = test_parser();
	for (size_t i = 0; i < len; i++) {
		evbuffer_add(in, input + i, 1);
		test_drain(p, in, &bytes);
	}
	assert_int_equal(whole.count, bytes.count);
	for (size_t i = 0; i < whole.count; i++) {
		assert_string_equal(whole.lines[i], bytes.lines[i]);
		if (i > 0)
			strcat(joined, "|");
		strcat(joined, whole.lines[i]);
	}
	imap_parser_free(&p);
	evbuffer_free(in);
	return joined;
}

static void test_expect(const char *input, const char *expected)
{
	char *got = test_parse(input, strlen(input));

	assert_string_equal(got, expected);
	free(got);
}

static void test_simple(void **state)
{
	test_expect("a1 NOOP\r\n", "CMD a1 NOOP ");
	test_expect("a1 noop\r\nA2 capability\n", "CMD a1 NOOP |CMD A2 CAPABILITY ");
	test_expect("\r\n\r\nx LOGOUT\r\n", "CMD x LOGOUT ");
	test_expect("t LOGIN bob \"p a\\\"s\\\\s\"\r\n", "CMD t LOGIN bob \"p a\"s\\s\"");
	test_expect("t uid fetch 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>)\r\n",
		    "CMD t UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.10>)");
	test_expect("t STORE 1 +FLAGS (\\Seen $Label)\r\n", "CMD t STORE 1 +FLAGS (\\Seen $Label)");
	test_expect("t LIST \"\" %\r\n", "CMD t LIST \"\" %");
	test_expect("t SEARCH (OR (SEEN) (NOT DRAFT)) NIL\r\n",
		    "CMD t SEARCH (OR (SEEN) (NOT DRAFT)) NIL");
	test_expect("t SELECT \"Entw&APw-rfe\" ()\r\n", "CMD t SELECT \"Entw&APw-rfe\" ()");
	test_expect("t LOGIN a  b \r\n", "CMD t LOGIN a b");
}

static void test_literals(void **state)
{
	test_expect("a LOGIN {3}\r\nbob {4}\r\npass\r\n",
		    "CONT|CONT|CMD a LOGIN {3:bob} {4:pass}");
	test_expect("a LOGIN {3+}\r\nbob {4+}\r\npass\r\n", "CMD a LOGIN {3:bob} {4:pass}");
	test_expect("a APPEND box (\\Seen) ~{5}\r\nab\r\nc\r\n",
		    "CONT|CMD a APPEND box (\\Seen) ~{5:ab\r\nc}");
	test_expect("a LOGIN {0}\r\n {0+}\r\n\r\n", "CONT|CMD a LOGIN {0:} {0:}");
	test_expect("a X ({2+}\r\n()) y\r\n", "CMD a X ({2:()}) y");
}

static void test_errors(void **state)
{
	test_expect("a LOGIN \"bob\r\nb NOOP\r\n", "ERR a Bad quoted string|CMD b NOOP ");
	test_expect("a X (b\r\n", "ERR a Missing )");
	test_expect("a X b)\r\n", "ERR a Unexpected )");
	test_expect("a X \"x\"y\r\n", "ERR a Missing space between arguments");
	test_expect("a X \"\\n\"\r\n", "ERR a Bad quoted string");
	test_expect("a X ((((()))))\r\n", "ERR a Lists nested too deeply");
	test_expect("a X (((())))\r\n", "CMD a X (((())))");
	test_expect("a X BODY[TEXT\r\n", "ERR a Missing ]");
	test_expect("a X {3}x\r\n", "ERR a Bad literal");
	test_expect("a\r\nb NOOP\r\n", "ERR * Invalid tag|CMD b NOOP ");
	test_expect("a+ NOOP\r\n", "ERR * Invalid tag");
	test_expect("a 9X\r\n", "ERR a Invalid command name");
	test_expect("a UID\r\n", "ERR a Missing command name after UID");
	test_expect("a X \x01\r\n", "ERR a Control character in atom");
	test_expect("a X b\rc\r\n", "ERR a Control character in atom");
}

static void test_nul(void **state)
{
	static const char input[] = "a X b\0c\r\nb NOOP\r\n";
	char *got = test_parse(input, sizeof(input) - 1);

	assert_string_equal(got, "ERR a NUL in command line|CMD b NOOP ");
	free(got);
}

static void test_bounds(void **state)
{
	char line[400], *got;

	/* a line past 200 octets, whole or still arriving */
	memset(line, 'x', sizeof(line));
	memcpy(line, "t1 X ", 5);
	memcpy(line + 300, "\r\nt2 NOOP\r\n", 12);
	got = test_parse(line, strlen(line));
	assert_string_equal(got, "ERR t1 Command line too long [TOOBIG]|CMD t2 NOOP ");
	free(got);
	/* a synchronizing literal too big: refused before the client sends it */
	test_expect("a X {101}\r\nb NOOP\r\n", "ERR a Literal too big [TOOBIG]|CMD b NOOP ");
	/* a non-synchronizing one: its octets are skipped */
	test_expect("a X {5+}\r\n12345 {101+}\r\n", "ERR a Literal too big [TOOBIG]");
	memset(line, 'y', sizeof(line));
	memcpy(line, "a X {150+}\r\n", 12);
	memcpy(line + 162, " z\r\nb NOOP\r\n", 13);
	got = test_parse(line, strlen(line));
	assert_string_equal(got, "ERR a Literal too big [TOOBIG]|CMD b NOOP ");
	free(got);
	/* APPEND may carry big literals, up to their own bound */
	memcpy(line, "a APPEND x {150+}\r\n", 19);
	memset(line + 19, 'm', 150);
	strcpy(line + 169, "\r\n");
	got = test_parse(line, strlen(line));
	assert_int_equal(strlen(got), 20 + 150 + 1);
	assert_memory_equal(got, "CMD a APPEND x {150:mmm", 23);
	assert_string_equal(got + 169, "m}");
	free(got);
	test_expect("a APPEND x {1001}\r\n", "ERR a Literal too big [TOOBIG] BIG");
	/* literals of one command count together */
	test_expect("a X {60+}\r\n" "123456789012345678901234567890123456789012345678901234567890"
		    " {41}\r\n", "ERR a Literal too big [TOOBIG]");
	test_expect("a X {99999999999999999999999}\r\n", "ERR a Literal too big [TOOBIG]");
}

/* After a line too long, a literal its end announced is skipped too. */
static void test_skip_literal_after_long_line(void **state)
{
	char line[400];
	char *got;

	memset(line, 'x', sizeof(line));
	memcpy(line, "t1 X ", 5);
	memcpy(line + 250, "{4+}\r\nabcd\r\nt2 NOOP\r\n", 22);
	got = test_parse(line, strlen(line));
	assert_string_equal(got, "ERR t1 Command line too long [TOOBIG]|CMD t2 NOOP ");
	free(got);
}

static void test_read_line(void **state)
{
	struct evbuffer *in = evbuffer_new();
	char *line;
	size_t len;

	evbuffer_add(in, "DON", 3);
	assert_int_equal(imap_parser_read_line(in, 10, &line, &len), IMAP_LINE_MORE);
	evbuffer_add(in, "E\r\nnext", 7);
	assert_int_equal(imap_parser_read_line(in, 10, &line, &len), IMAP_LINE_OK);
	assert_string_equal(line, "DONE");
	assert_int_equal(len, 4);
	free(line);
	assert_int_equal(evbuffer_get_length(in), 4);
	evbuffer_add(in, "12345678901", 11);
	assert_int_equal(imap_parser_read_line(in, 10, &line, &len), IMAP_LINE_TOOBIG);
	evbuffer_free(in);
}

/* One past the last argument there is an end marker, not nothing. */
static void test_end_marker(void **state)
{
	struct imap_parser *p = test_parser();
	struct evbuffer *in = evbuffer_new();
	struct imap_parse_error err;
	struct imap_cmd *cmd;

	evbuffer_add(in, "a FETCH\r\nb X (a)\r\n", 19);
	assert_int_equal(imap_parser_run(p, in, &cmd, &err), IMAP_PARSE_COMMAND);
	assert_int_equal(cmd->count, 0);
	assert_non_null(cmd->args);
	assert_null(imap_arg_astring(&cmd->args[0]));
	assert_false(imap_arg_atom_is(&cmd->args[0], "NIL"));
	imap_cmd_free(&cmd);
	assert_int_equal(imap_parser_run(p, in, &cmd, &err), IMAP_PARSE_COMMAND);
	assert_int_equal(cmd->args[0].count, 1);
	assert_null(imap_arg_astring(&cmd->args[0].list[1]));
	assert_null(imap_arg_astring(&cmd->args[1]));
	imap_cmd_free(&cmd);
	imap_parser_free(&p);
	evbuffer_free(in);
}

static void test_arg_helpers(void **state)
{
	struct imap_arg atom = { .type = IMAP_ARG_ATOM, .str = "nil", .len = 3 };
	struct imap_arg str = { .type = IMAP_ARG_STRING, .str = "NIL", .len = 3 };
	struct imap_arg list = { .type = IMAP_ARG_LIST };

	assert_true(imap_arg_is_nil(&atom));
	assert_false(imap_arg_is_nil(&str));
	assert_true(imap_arg_atom_is(&atom, "NIL"));
	assert_string_equal(imap_arg_astring(&str), "NIL");
	assert_null(imap_arg_astring(&list));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_skip_literal_after_long_line),
		cmocka_unit_test(test_read_line),
		cmocka_unit_test(test_end_marker),
		cmocka_unit_test(test_arg_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
