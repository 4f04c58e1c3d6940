/* Unit tests for the IMAP views of a message (mail_imap.h): ENVELOPE,
 * BODY and BODYSTRUCTURE as exact structures, BODY[section] bytes,
 * BINARY, and every corpus message (and prefixes of it) read through
 * all of them, sizes agreeing with the section bytes. */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "mail/mail_imap.h"

/* ---- helpers ---- */

static char *corpus_path(const char *name)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	char *dir = xasprintf("%.*s/../corpus", slash != NULL ? (int)(slash - file) : 1, slash != NULL ? file : ".");
	DIR *d = opendir(dir);
	char *path;

	if (d == NULL) {
		free(dir);
		dir = xstrdup("../tests/corpus");
	} else {
		closedir(d);
	}
	path = name != NULL ? xasprintf("%s/%s", dir, name) : xstrdup(dir);
	free(dir);
	return path;
}

static char *corpus_read(const char *name, size_t *len_r)
{
	char *path = corpus_path(name);
	FILE *fp = fopen(path, "rb");
	char *data;
	long len;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	data = xmalloc((size_t)len + 1);
	assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
	data[len] = '\0';
	fclose(fp);
	free(path);
	*len_r = (size_t)len;
	return data;
}

static struct mail_message *parse(const char *raw)
{
	return mail_message_parse(raw, strlen(raw), NULL);
}

static struct mail_message *corpus_parse(const char *name)
{
	size_t len;
	char *raw = corpus_read(name, &len);
	struct mail_message *msg = mail_message_parse(raw, len, NULL);

	free(raw);
	return msg;
}

/* Compares obj (put here) with expected JSON text. */
static void assert_json(json_object *obj, const char *expected)
{
	const char *got = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (strcmp(got, expected) != 0)
		fail_msg("got      %s\nexpected %s", got, expected);
	json_object_put(obj);
}

static void assert_section(struct mail_message *msg, const char *section, const char *expected)
{
	char *data;
	size_t len;

	if (mail_imap_section(msg, section, &data, &len) != 1)
		fail_msg("section \"%s\" not found", section);
	if (len != strlen(expected) || memcmp(data, expected, len) != 0)
		fail_msg("section \"%s\": got \"%.*s\"", section, (int)len, data);
	free(data);
}

static void assert_section_ret(struct mail_message *msg, const char *section, int expected)
{
	char *data = (char *)"x";
	size_t len = 1;

	assert_int_equal(mail_imap_section(msg, section, &data, &len), expected);
	assert_null(data);
	assert_int_equal(len, 0);
}

static void assert_binary(struct mail_message *msg, const char *part, const char *expected)
{
	char *data;
	size_t len;
	bool unknown;

	assert_int_equal(mail_imap_binary(msg, part, &data, &len, &unknown), 1);
	assert_false(unknown);
	if (len != strlen(expected) || memcmp(data, expected, len) != 0)
		fail_msg("binary \"%s\": got \"%.*s\"", part, (int)len, data);
	free(data);
}

/* ---- ENVELOPE ---- */

static const char plain_msg[] =
	"Received: from mx.example.org\r\n"
	" by mail.example.com; Fri, 20 Nov 2026 09:00:01 +0100\r\n"
	"From: Alice Example <alice@example.com>\r\n"
	"To: bob@example.org\r\n"
	"subject: Hello\r\n"
	"\tagain  \r\n"
	"Date: Fri, 20 Nov 2026 09:00:00 +0100\r\n"
	"Message-ID: <m1@example.com>\r\n"
	"X-Empty:\r\n"
	"\r\n"
	"Hi Bob,\r\n"
	"See you.\r\n";

static void test_envelope_plain(void **state)
{
	struct mail_message *msg = parse(plain_msg);

	assert_json(mail_imap_envelope(msg),
		    "[\"Fri, 20 Nov 2026 09:00:00 +0100\",\"Hello\\tagain\","
		    "[[\"Alice Example\",null,\"alice\",\"example.com\"]],"
		    "[[\"Alice Example\",null,\"alice\",\"example.com\"]],"
		    "[[\"Alice Example\",null,\"alice\",\"example.com\"]],"
		    "[[null,null,\"bob\",\"example.org\"]],null,null,null,\"<m1@example.com>\"]");
	mail_message_free(&msg);
}

static void test_envelope_missing(void **state)
{
	struct mail_message *msg = parse("Subject:\r\nIn-Reply-To: <x@y>\r\n\r\nbody\r\n");

	assert_json(mail_imap_envelope(msg), "[null,\"\",null,null,null,null,null,null,\"<x@y>\",null]");
	mail_message_free(&msg);
	msg = parse("");
	assert_json(mail_imap_envelope(msg), "[null,null,null,null,null,null,null,null,null,null]");
	mail_message_free(&msg);
	/* Present but empty Sender and Reply-To are From's. */
	msg = parse("From: a@b.example (Real Name)\r\nSender: \r\nReply-To: ,\r\nTo: ,\r\n\r\n");
	assert_json(mail_imap_envelope(msg),
		    "[null,null,[[\"Real Name\",null,\"a\",\"b.example\"]],[[\"Real Name\",null,\"a\",\"b.example\"]],"
		    "[[\"Real Name\",null,\"a\",\"b.example\"]],null,null,null,null,null]");
	mail_message_free(&msg);
}

static void test_envelope_addresses(void **state)
{
	struct mail_message *msg = parse(
		"From: =?utf-8?q?J=C3=B6rg?= M\xc3\xbcller <joerg@example.com>\r\n"
		"Sender: \"Team, \\\"Sales\\\"\" <sales@example.com>\r\n"
		"Reply-To: <@route1,@route2:user@example.net>\r\n"
		"To: group: g1@d1.example, (c) g2@d2.example (Two);, undisclosed-recipients:;\r\n"
		"Cc: \"quoted local\"@example.com, nodomain, <>, John Q. Public <jqp@[192.0.2.1]>\r\n"
		"Bcc: a@b.example, ;junk, c@d.example\r\n"
		"\r\n");

	assert_json(mail_imap_envelope(msg),
		    "[null,null,"
		    "[[\"=?utf-8?q?J=C3=B6rg?= M\xc3\xbcller\",null,\"joerg\",\"example.com\"]],"
		    "[[\"Team, \\\"Sales\\\"\",null,\"sales\",\"example.com\"]],"
		    "[[null,\"@route1,@route2\",\"user\",\"example.net\"]],"
		    "[[null,null,\"group\",null],[null,null,\"g1\",\"d1.example\"],[\"Two\",null,\"g2\",\"d2.example\"],"
		    "[null,null,null,null],[null,null,\"undisclosed-recipients\",null],[null,null,null,null]],"
		    "[[null,null,\"quoted local\",\"example.com\"],[null,null,\"nodomain\",\"MISSING_DOMAIN\"],"
		    "[null,null,\"MISSING_MAILBOX\",\"MISSING_DOMAIN\"],[\"John Q. Public\",null,\"jqp\",\"[192.0.2.1]\"]],"
		    "[[null,null,\"a\",\"b.example\"],[null,null,\"junk\",\"MISSING_DOMAIN\"],[null,null,\"c\",\"d.example\"]],"
		    "null,null]");
	mail_message_free(&msg);
	/* Words not joined by dots end a local part or a domain. */
	msg = parse("To: John Smith, x@example.com junk (c) here, a . \"b\" @ c . example\r\n\r\n");
	assert_json(mail_imap_envelope(msg),
		    "[null,null,null,null,null,[[null,null,\"John\",\"MISSING_DOMAIN\"],[\"c\",null,\"x\",\"example.com\"],"
		    "[null,null,\"a.b\",\"c.example\"]],null,null,null,null]");
	mail_message_free(&msg);
}

/* An address list keeps at most 10,000 structures, and a group that
 * fits is always closed. */
static void test_envelope_bounds(void **state)
{
	struct strbuf raw = { 0 };
	struct mail_message *msg;
	json_object *env, *to, *last;

	strbuf_puts(&raw, "To: ");
	for (int i = 0; i < 9998; i++)
		strbuf_puts(&raw, "a@b.example, ");
	strbuf_puts(&raw, "g: c@d.example, e@f.example;, h@i.example\r\nCc: ");
	for (int i = 0; i < 12000; i++)
		strbuf_puts(&raw, "x@y.example,");
	strbuf_puts(&raw, "\r\n\r\n");
	msg = mail_message_parse(raw.s, raw.len, NULL);
	env = mail_imap_envelope(msg);
	to = json_object_array_get_idx(env, 5);
	assert_int_equal(json_object_array_length(to), 10000);
	last = json_object_array_get_idx(to, 9999);
	assert_null(json_object_array_get_idx(last, 2));
	assert_null(json_object_array_get_idx(last, 3));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(json_object_array_get_idx(to, 9998), 2)),
			    "g");
	assert_int_equal(json_object_array_length(json_object_array_get_idx(env, 6)), 10000);
	json_object_put(env);
	mail_message_free(&msg);
	strbuf_free(&raw);
}

/* ---- BODYSTRUCTURE ---- */

static void test_bodystructure_plain(void **state)
{
	struct mail_message *msg = parse(plain_msg);

	assert_json(mail_imap_bodystructure(msg, true),
		    "[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",19,2,null,null,null,null]");
	assert_json(mail_imap_bodystructure(msg, false),
		    "[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",19,2]");
	mail_message_free(&msg);
	msg = parse("Content-Type: Text/HTML; Format=flowed\r\nContent-Transfer-Encoding: 8Bit\r\n\r\n<p>\n");
	assert_json(mail_imap_bodystructure(msg, false),
		    "[\"Text\",\"HTML\",[\"Format\",\"flowed\",\"charset\",\"us-ascii\"],null,null,\"8Bit\",4,1]");
	mail_message_free(&msg);
	msg = parse("Content-Type: image/png\r\nContent-Transfer-Encoding: what ever\r\n\r\nxx");
	assert_json(mail_imap_bodystructure(msg, false), "[\"image\",\"png\",null,null,null,\"7BIT\",2]");
	mail_message_free(&msg);
}

static const char alternative_msg[] =
	"From: a@example.com\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Gr=C3=BC=C3=9Fe\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/html; charset=\"utf-8\"\r\n"
	"\r\n"
	"<p>Hi</p>\r\n"
	"--b1--\r\n";

static void test_bodystructure_alternative(void **state)
{
	struct mail_message *msg = parse(alternative_msg);

	assert_json(mail_imap_bodystructure(msg, true),
		    "[[\"text\",\"plain\",[\"charset\",\"utf-8\"],null,null,\"quoted-printable\",17,1,null,null,null,null],"
		    "[\"text\",\"html\",[\"charset\",\"utf-8\"],null,null,\"7BIT\",9,0,null,null,null,null],"
		    "\"alternative\",[\"boundary\",\"b1\"],null,null,null]");
	assert_json(mail_imap_bodystructure(msg, false),
		    "[[\"text\",\"plain\",[\"charset\",\"utf-8\"],null,null,\"quoted-printable\",17,1],"
		    "[\"text\",\"html\",[\"charset\",\"utf-8\"],null,null,\"7BIT\",9,0],\"alternative\"]");
	mail_message_free(&msg);
}

static const char mixed_msg[] =
	"From: a@example.com\r\n"
	"Content-Type: multipart/mixed; boundary=XX\r\n"
	"\r\n"
	"preamble\r\n"
	"--XX\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"Body text\r\n"
	"\r\n"
	"--XX\r\n"
	"Content-Type: application/pdf; name=\"report.pdf\"\r\n"
	"Content-Disposition: attachment;\r\n"
	" filename*0*=utf-8''%E2%82%AC%20rates;\r\n"
	" filename*1=\" for 100%.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"Content-Language: en, de (German)\r\n"
	"Content-Location: http://example.com/r.pdf\r\n"
	"Content-ID: <pdf1@example.com>\r\n"
	"Content-Description: The report\r\n"
	"\r\n"
	"JVBERi0xLjQK\r\n"
	"--XX\r\n"
	"Content-Type: text/csv; title*0=\"a \"; title*1=b; x*=iso-8859-1'de'%E4; y*1=gap\r\n"
	"Content-Disposition: INLINE\r\n"
	"\r\n"
	"1,2\n"
	"--XX--\r\n"
	"epilogue\r\n";

static void test_bodystructure_mixed(void **state)
{
	struct mail_message *msg = parse(mixed_msg);

	assert_json(mail_imap_bodystructure(msg, true),
		    "[[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",11,1,null,null,null,null],"
		    "[\"application\",\"pdf\",[\"name\",\"report.pdf\"],\"<pdf1@example.com>\",\"The report\",\"base64\",12,"
		    "null,[\"attachment\",[\"filename*\",\"utf-8''%E2%82%AC%20rates for 100%25.pdf\"]],[\"en\",\"de\"],"
		    "\"http://example.com/r.pdf\"],"
		    "[\"text\",\"csv\",[\"title\",\"a b\",\"x*\",\"iso-8859-1'de'%E4\",\"y*1\",\"gap\",\"charset\",\"us-ascii\"],"
		    "null,null,\"7BIT\",3,0,null,[\"INLINE\",null],null,null],"
		    "\"mixed\",[\"boundary\",\"XX\"],null,null,null]");
	mail_message_free(&msg);
}

/* nested-rfc822.eml: a message/rfc822 attachment that is multipart. */
static void test_bodystructure_nested(void **state)
{
	struct mail_message *msg = corpus_parse("nested-rfc822.eml");

	assert_json(mail_imap_bodystructure(msg, true),
		    "[[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",32,0,null,null,null,null],"
		    "[\"message\",\"rfc822\",null,null,null,\"7BIT\",462,"
		    "[\"Thu, 19 Nov 2026 11:11:11 -0800\",\"The original question\","
		    "[[\"Carol\",null,\"carol\",\"example.net\"]],[[\"Carol\",null,\"carol\",\"example.net\"]],"
		    "[[\"Carol\",null,\"carol\",\"example.net\"]],[[\"Alice\",null,\"alice\",\"example.com\"]],"
		    "null,null,null,\"<original.q@example.net>\"],"
		    "[[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",33,0,null,null,null,null],"
		    "[\"text\",\"html\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",40,0,null,null,null,null],"
		    "\"alternative\",[\"boundary\",\"inner-alt\"],null,null,null],"
		    "17,null,[\"attachment\",null],null,null],"
		    "\"mixed\",[\"boundary\",\"fwd-outer\"],null,null,null]");
	mail_message_free(&msg);
}

/* A message whose body is a message/rfc822, and digest defaults. */
static void test_bodystructure_message_body(void **state)
{
	struct mail_message *msg = parse("Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nhi\r\n");

	assert_json(mail_imap_bodystructure(msg, false),
		    "[\"message\",\"rfc822\",null,null,null,\"7BIT\",19,"
		    "[null,\"in\",null,null,null,null,null,null,null,null],"
		    "[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",4,1],3]");
	mail_message_free(&msg);
	msg = parse("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\n1\r\n--d--\r\n");
	assert_json(mail_imap_bodystructure(msg, false),
		    "[[\"message\",\"rfc822\",null,null,null,\"7BIT\",17,"
		    "[null,\"one\",null,null,null,null,null,null,null,null],"
		    "[\"text\",\"plain\",[\"charset\",\"us-ascii\"],null,null,\"7BIT\",1,0],2],\"digest\"]");
	mail_message_free(&msg);
	/* An empty message/rfc822 has no message: an opaque leaf. */
	msg = parse("Content-Type: message/rfc822\r\n\r\n");
	assert_json(mail_imap_bodystructure(msg, false),
		    "[\"application\",\"octet-stream\",null,null,null,\"7BIT\",0]");
	mail_message_free(&msg);
}

/* 50 nested messages: IMAP opens them down to the depth bound. */
static void test_bodystructure_deep(void **state)
{
	struct mail_message *msg = corpus_parse("nesting-rfc822-50.eml");
	json_object *bs = mail_imap_bodystructure(msg, true), *at = bs;
	unsigned levels = 0;

	while (strcmp(json_object_get_string(json_object_array_get_idx(at, 0)), "message") == 0) {
		levels++;
		at = json_object_array_get_idx(at, 8);
	}
	assert_int_equal(levels, 31);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(at, 0)), "application");
	json_object_put(bs);
	mail_message_free(&msg);
}

/* ---- sections ---- */

static void test_section_header_text(void **state)
{
	struct mail_message *msg = parse(plain_msg);
	const char *body = strstr(plain_msg, "\r\n\r\n") + 4;
	char *header = xstrndup(plain_msg, (size_t)(body - plain_msg));

	assert_section(msg, "", plain_msg);
	assert_section(msg, "HEADER", header);
	assert_section(msg, "header", header);
	assert_section(msg, "1.MIME", header);
	assert_section(msg, "TEXT", body);
	assert_section(msg, "1", body);
	assert_section_ret(msg, "2", 0);
	assert_section_ret(msg, "1.1", 0);
	assert_section_ret(msg, "1.HEADER", 0);
	assert_section_ret(msg, "1.TEXT", 0);
	free(header);
	mail_message_free(&msg);
}

static void test_section_fields(void **state)
{
	struct mail_message *msg = parse(plain_msg);

	assert_section(msg, "HEADER.FIELDS (SUBJECT to)", "To: bob@example.org\r\nsubject: Hello\r\n\tagain  \r\n\r\n");
	assert_section(msg, "header.fields (Received)",
		       "Received: from mx.example.org\r\n by mail.example.com; Fri, 20 Nov 2026 09:00:01 +0100\r\n\r\n");
	assert_section(msg, "HEADER.FIELDS.NOT (RECEIVED Subject X-EMPTY Date message-id)",
		       "From: Alice Example <alice@example.com>\r\nTo: bob@example.org\r\n\r\n");
	assert_section(msg, "HEADER.FIELDS (\"X-Empty\" {4}\r\nDATE)",
		       "Date: Fri, 20 Nov 2026 09:00:00 +0100\r\nX-Empty:\r\n\r\n");
	assert_section(msg, "HEADER.FIELDS (NONE)", "\r\n");
	mail_message_free(&msg);
	/* Bare LF as stored, and a header without its blank line. */
	msg = parse("Subject: a\n b\nTo: x\n\nbody\n");
	assert_section(msg, "HEADER.FIELDS (SUBJECT)", "Subject: a\n b\n\n");
	mail_message_free(&msg);
	msg = parse("Subject: s\r\nTo: t");
	assert_section(msg, "HEADER.FIELDS (TO)", "To: t\r\n");
	assert_section(msg, "HEADER", "Subject: s\r\nTo: t");
	assert_section(msg, "TEXT", "");
	mail_message_free(&msg);
}

static void test_section_malformed(void **state)
{
	static const char *const bad[] = {
		"0", "1.", ".1", "01", "1.0", "1..2", "MIME", "HEADER.FIELDS", "HEADER.FIELDS ()",
		"HEADER.FIELDS (A", "HEADER.FIELDS (A) x", "HEADERX", "1.2.FOO", "TEXT ", "4294967296",
		"1.MIME.1", "HEADER.FIELDS (\"A)", "HEADER.FIELDS ({9}\r\nA)", "x", "1 ",
	};
	struct mail_message *msg = parse(alternative_msg);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *data = NULL;
		size_t len = 0;

		if (mail_imap_section(msg, bad[i], &data, &len) != -1)
			fail_msg("section \"%s\" accepted", bad[i]);
		assert_null(data);
	}
	assert_section_ret(msg, "4294967295", 0);
	mail_message_free(&msg);
}

static void test_section_parts(void **state)
{
	struct mail_message *msg = corpus_parse("nested-rfc822.eml");

	assert_section(msg, "1", "See the forwarded message below.");
	assert_section(msg, "1.MIME", "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	assert_section(msg, "2.MIME", "Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n");
	assert_section(msg, "2.HEADER",
		       "From: Carol <carol@example.net>\r\nTo: Alice <alice@example.com>\r\n"
		       "Subject: The original question\r\nDate: Thu, 19 Nov 2026 11:11:11 -0800\r\n"
		       "Message-ID: <original.q@example.net>\r\nMIME-Version: 1.0\r\n"
		       "Content-Type: multipart/alternative; boundary=\"inner-alt\"\r\n\r\n");
	assert_section(msg, "2.HEADER.FIELDS (subject)", "Subject: The original question\r\n\r\n");
	assert_section(msg, "2.1", "What time does the meeting start?");
	assert_section(msg, "2.2", "<p>What time does the meeting start?</p>");
	assert_section(msg, "2.2.MIME", "Content-Type: text/html; charset=us-ascii\r\n\r\n");
	assert_section(msg, "2.TEXT",
		       "--inner-alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
		       "What time does the meeting start?\r\n--inner-alt\r\n"
		       "Content-Type: text/html; charset=us-ascii\r\n\r\n"
		       "<p>What time does the meeting start?</p>\r\n--inner-alt--\r\n");
	assert_section_ret(msg, "3", 0);
	assert_section_ret(msg, "2.3", 0);
	assert_section_ret(msg, "2.1.1", 0);
	assert_section_ret(msg, "1.HEADER", 0);
	mail_message_free(&msg);
}

static void test_section_multipart_part(void **state)
{
	struct mail_message *msg = parse("Content-Type: multipart/mixed; boundary=o\r\n\r\n"
					 "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
					 "--i\r\n\r\na\r\n--i--\r\nignored\r\n--o\r\n\r\nb\r\n--o--\r\n");

	assert_section(msg, "1", "--i\r\n\r\na\r\n--i--\r\nignored");
	assert_section(msg, "1.MIME", "Content-Type: multipart/alternative; boundary=i\r\n\r\n");
	assert_section(msg, "1.1", "a");
	assert_section(msg, "1.1.MIME", "\r\n");
	assert_section(msg, "2", "b");
	assert_section_ret(msg, "1.2", 0);
	assert_section_ret(msg, "1.TEXT", 0);
	mail_message_free(&msg);
	msg = parse("Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nhi\r\n");
	assert_section(msg, "1", "Subject: in\r\n\r\nhi\r\n");
	assert_section(msg, "1.HEADER", "Subject: in\r\n\r\n");
	assert_section(msg, "1.TEXT", "hi\r\n");
	assert_section(msg, "1.1", "hi\r\n");
	assert_section(msg, "1.1.MIME", "Subject: in\r\n\r\n");
	assert_section_ret(msg, "1.2", 0);
	mail_message_free(&msg);
}

/* ---- BINARY ---- */

static void test_binary(void **state)
{
	struct mail_message *msg = parse(mixed_msg);
	char *data = (char *)"x";
	size_t len = 1;
	bool unknown = true;

	assert_binary(msg, "2", "%PDF-1.4\n");
	assert_binary(msg, "3", "1,2");
	assert_int_equal(mail_imap_binary(msg, "", &data, &len, &unknown), 0);
	assert_null(data);
	assert_false(unknown);
	assert_int_equal(mail_imap_binary(msg, "4", &data, &len, &unknown), 0);
	assert_int_equal(mail_imap_binary(msg, "1.", &data, &len, &unknown), -1);
	assert_int_equal(mail_imap_binary(msg, "TEXT", &data, &len, &unknown), -1);
	mail_message_free(&msg);

	msg = parse(alternative_msg);
	assert_binary(msg, "1", "Gr\xc3\xbc\xc3\x9f" "e\r\n");
	mail_message_free(&msg);

	msg = parse("Content-Type: text/plain\nContent-Transfer-Encoding: x-foo\n\nabc\n");
	assert_int_equal(mail_imap_binary(msg, "1", &data, &len, &unknown), 1);
	assert_true(unknown);
	assert_null(data);
	mail_message_free(&msg);
	msg = parse("Content-Type: application/x-y\nContent-Transfer-Encoding: x-uuencode\n\n");
	assert_int_equal(mail_imap_binary(msg, "", &data, &len, &unknown), 1);
	assert_true(unknown);
	mail_message_free(&msg);

	/* Text goes out with CRLF line ends, whatever was stored. */
	msg = parse("Content-Type: text/plain\n\na\nb\r\nc\n");
	assert_binary(msg, "1", "a\r\nb\r\nc\r\n");
	assert_section(msg, "1", "a\nb\r\nc\n");
	mail_message_free(&msg);
	msg = parse("Content-Transfer-Encoding: BASE64\n\nSGVs\nbG8=\n");
	assert_binary(msg, "", "Hello");
	assert_binary(msg, "1", "Hello");
	mail_message_free(&msg);
	msg = corpus_parse("nested-rfc822.eml");
	assert_int_equal(mail_imap_binary(msg, "2", &data, &len, &unknown), 0);
	assert_binary(msg, "2.1", "What time does the meeting start?");
	mail_message_free(&msg);
}

/* ---- the corpus, and prefixes of it ---- */

static bool is_string(json_object *obj, const char *s)
{
	return json_object_is_type(obj, json_type_string) && strcasecmp(json_object_get_string(obj), s) == 0;
}

static size_t section_len(struct mail_message *msg, const char *section)
{
	char *data;
	size_t len;

	if (mail_imap_section(msg, section, &data, &len) != 1)
		fail_msg("section \"%s\" not found", section);
	free(data);
	return len;
}

static void check_body(struct mail_message *msg, json_object *body, const char *prefix, unsigned levels);

/* A part of the structure: its bytes, MIME header, BINARY, and parts,
 * down to levels more encapsulated messages. */
static void check_part(struct mail_message *msg, json_object *part, const char *num, unsigned levels)
{
	json_object *first = json_object_array_get_idx(part, 0);
	char *sub = xasprintf("%s.MIME", num), *data;
	size_t len, size = section_len(msg, num);
	bool unknown;

	section_len(msg, sub);
	free(sub);
	if (json_object_is_type(first, json_type_array)) {
		for (size_t i = 0; json_object_is_type(json_object_array_get_idx(part, i), json_type_array); i++) {
			sub = xasprintf("%s.%zu", num, i + 1);
			check_part(msg, json_object_array_get_idx(part, i), sub, levels);
			free(sub);
		}
		assert_int_equal(mail_imap_binary(msg, num, &data, &len, &unknown), 0);
		return;
	}
	assert_int_equal(size, json_object_get_int64(json_object_array_get_idx(part, 6)));
	if (is_string(first, "message") && json_object_is_type(json_object_array_get_idx(part, 7), json_type_array)) {
		sub = xasprintf("%s.", num);
		if (levels > 0)
			check_body(msg, json_object_array_get_idx(part, 8), sub, levels - 1);
		free(sub);
		assert_int_equal(mail_imap_binary(msg, num, &data, &len, &unknown), 0);
		return;
	}
	assert_int_equal(mail_imap_binary(msg, num, &data, &len, &unknown), 1);
	/* Decoding never grows content; CRLF for LF at most doubles it. */
	assert_true(unknown ? data == NULL : len <= 2 * size);
	free(data);
}

/* The body of a message whose parts are numbered from prefix. */
static void check_body(struct mail_message *msg, json_object *body, const char *prefix, unsigned levels)
{
	char *num, *header, *text;

	if (prefix[0] != '\0') {
		header = xasprintf("%sHEADER", prefix);
		text = xasprintf("%sTEXT", prefix);
		num = xstrndup(prefix, strlen(prefix) - 1);
		assert_int_equal(section_len(msg, header) + section_len(msg, text), section_len(msg, num));
		free(header);
		free(text);
		free(num);
	}
	if (!json_object_is_type(json_object_array_get_idx(body, 0), json_type_array)) {
		num = xasprintf("%s1", prefix);
		check_part(msg, body, num, levels);
		free(num);
		return;
	}
	for (size_t i = 0; json_object_is_type(json_object_array_get_idx(body, i), json_type_array); i++) {
		num = xasprintf("%s%zu", prefix, i + 1);
		check_part(msg, json_object_array_get_idx(body, i), num, levels);
		free(num);
	}
}

static void check_message(const char *raw, size_t len, unsigned levels)
{
	struct mail_message *msg = mail_message_parse(raw, len, NULL);
	json_object *env = mail_imap_envelope(msg), *bs = mail_imap_bodystructure(msg, true);
	json_object *body = mail_imap_bodystructure(msg, false);
	char *data;
	size_t got;

	assert_int_equal(json_object_array_length(env), 10);
	assert_true(json_object_is_type(bs, json_type_array));
	assert_true(json_object_is_type(body, json_type_array));
	assert_int_equal(section_len(msg, ""), len);
	assert_int_equal(section_len(msg, "HEADER") + section_len(msg, "TEXT"), len);
	assert_int_equal(mail_imap_section(msg, "HEADER.FIELDS (FROM SUBJECT)", &data, &got), 1);
	free(data);
	assert_int_equal(mail_imap_section(msg, "HEADER.FIELDS.NOT (FROM SUBJECT)", &data, &got), 1);
	free(data);
	check_body(msg, bs, "", levels);
	json_object_put(env);
	json_object_put(bs);
	json_object_put(body);
	mail_message_free(&msg);
}

static void test_corpus(void **state)
{
	char *dir = corpus_path(NULL);
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned count = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name), len;
		char *raw;

		if (n < 5 || strcmp(de->d_name + n - 4, ".eml") != 0)
			continue;
		raw = corpus_read(de->d_name, &len);
		check_message(raw, len, UINT_MAX);
		free(raw);
		count++;
	}
	closedir(d);
	free(dir);
	assert_true(count >= 25);
}

/* Every prefix of each corpus message (every few bytes of the large
 * ones), as if it were cut anywhere; every part is read down to a few
 * encapsulated messages (the deep ones cost a walk per part). */
static void test_corpus_prefixes(void **state)
{
	char *dir = corpus_path(NULL);
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name), len, step;
		char *raw;

		if (n < 5 || strcmp(de->d_name + n - 4, ".eml") != 0)
			continue;
		raw = corpus_read(de->d_name, &len);
		step = len <= 4096 ? 1 : len <= 8192 ? 3 : 32749;

		for (size_t cut = 0; cut < len; cut += step) {
			char *copy = xmalloc(cut + 1);

			memcpy(copy, raw, cut);
			check_message(copy, cut, 3);
			free(copy);
		}
		free(raw);
	}
	closedir(d);
	free(dir);
}

/* Random damage (a fixed seed): bytes replaced by random ones or by
 * MIME syntax, and bytes deleted. */
static void test_mutations(void **state)
{
	static const char *const names[] = {
		"nested-rfc822.eml", "mixed-attachments.eml", "list-headers.eml", "digest.eml", "rfc2231-names.eml",
	};
	unsigned seed = 4242;

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t len;
		char *raw = corpus_read(names[n], &len);

		for (int round = 0; round < 300; round++) {
			char *copy = xmalloc(len + 1);
			size_t copy_len = len;

			memcpy(copy, raw, len);
			for (int k = 0; k < 1 + round % 8; k++) {
				size_t at = (size_t)rand_r(&seed) % copy_len;

				if (k % 3 == 0)
					copy[at] = (char)rand_r(&seed);
				else if (k % 3 == 1 && copy_len > 1)
					memmove(copy + at, copy + at + 1, --copy_len - at);
				else
					copy[at] = "\n\r-:;=\"<>\\(*'%"[rand_r(&seed) % 14];
			}
			check_message(copy, copy_len, 3);
			free(copy);
		}
		free(raw);
	}
}

static int group_setup(void **state)
{
	mail_init();
	return 0;
}

static int group_teardown(void **state)
{
	mail_deinit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_plain),
		cmocka_unit_test(test_envelope_missing),
		cmocka_unit_test(test_envelope_addresses),
		cmocka_unit_test(test_envelope_bounds),
		cmocka_unit_test(test_bodystructure_plain),
		cmocka_unit_test(test_bodystructure_alternative),
		cmocka_unit_test(test_bodystructure_mixed),
		cmocka_unit_test(test_bodystructure_nested),
		cmocka_unit_test(test_bodystructure_message_body),
		cmocka_unit_test(test_bodystructure_deep),
		cmocka_unit_test(test_section_header_text),
		cmocka_unit_test(test_section_fields),
		cmocka_unit_test(test_section_malformed),
		cmocka_unit_test(test_section_parts),
		cmocka_unit_test(test_section_multipart_part),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_prefixes),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
