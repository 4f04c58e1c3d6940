/* Email and Thread (RFC 8621 §3, §4) through jmap_invoke() over a real
 * store: import, get in every form, body values, set, parse, copy,
 * threads, quota and part blob downloads. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "jmap/email_private.h"
#include "jmap/jmap.h"
#include "mail/mail.h"
#include "store/store.h"

#include "jmap_fixture.h"

static const char msg_mixed[] =
	"Received: from mx.example.net by mail.example.org; Tue, 1 Oct 2024 10:00:00 +0000\r\n"
	"From: =?UTF-8?Q?Ren=C3=A9_Dupont?= <rene@example.com>\r\n"
	"To: Bob <bob@example.org>, Friends: jane@example.com, joe@example.com;\r\n"
	"Cc: carol@example.org\r\n"
	"Subject: =?UTF-8?B?Q2Fmw6kgbWVldGluZw==?=\r\n"
	"Date: Tue, 1 Oct 2024 09:59:00 +0200\r\n"
	"Message-ID: <mixed1@example.com>\r\n"
	"List-Post: <mailto:list@example.com>\r\n"
	"X-Multi: one\r\n"
	"X-Multi: =?UTF-8?Q?tw=C3=B6?=\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
	"\r\n"
	"--outer\r\n"
	"Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
	"\r\n"
	"--alt\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Hello plain world, this is the text body.\r\n"
	"--alt\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<html><body><p>Hello <b>html</b> world</p></body></html>\r\n"
	"--alt--\r\n"
	"--outer\r\n"
	"Content-Type: application/pdf; name=\"report.pdf\"\r\n"
	"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"
	"--outer\r\n"
	"Content-Type: message/rfc822\r\n"
	"Content-Disposition: attachment\r\n"
	"\r\n"
	"From: inner@example.com\r\n"
	"Subject: Inner message\r\n"
	"Message-ID: <inner@example.com>\r\n"
	"\r\n"
	"Inner body.\r\n"
	"--outer--\r\n";

static const char pdf_bytes[] = "%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n";

static const char msg_lunch[] =
	"Received: by mail.example.org; Wed, 2 Oct 2024 08:00:00 +0000\r\n"
	"From: Ann <ann@example.com>\r\n"
	"To: Bob <bob@example.org>\r\n"
	"Subject: Lunch\r\n"
	"Date: Wed, 2 Oct 2024 08:00:00 +0000\r\n"
	"Message-ID: <lunch@example.com>\r\n"
	"\r\n"
	"Lunch at noon?\r\n";

static const char msg_lunch_reply[] =
	"Received: by mail.example.org; Wed, 2 Oct 2024 09:00:00 +0000\r\n"
	"From: Bob <bob@example.org>\r\n"
	"To: Ann <ann@example.com>\r\n"
	"Subject: Re: Lunch\r\n"
	"Date: Wed, 2 Oct 2024 09:00:00 +0000\r\n"
	"Message-ID: <lunch-re@example.org>\r\n"
	"In-Reply-To: <lunch@example.com>\r\n"
	"References: <lunch@example.com>\r\n"
	"\r\n"
	"Yes.\r\n";

/* ---- helpers ---- */

/* Runs one call whose arguments are args_text with every "%ACCT%"
 * replaced by the account id. Returns the first response's arguments
 * (new ref) and its name in name_r; the extra responses in extra_r. */
static json_object *call_ex(struct jmap_fixture *f, const char *method, const char *args_text,
			    char *name_r, json_object **extra_r)
{
	char text[16384], *out = text;
	json_object *args, *responses, *first, *result;

	for (const char *p = args_text; *p != '\0';) {
		if (strncmp(p, "%ACCT%", 6) == 0) {
			out += sprintf(out, "%s", f->account);
			p += 6;
		} else {
			*out++ = *p++;
		}
	}
	*out = '\0';
	args = json_tokener_parse(text);
	assert_non_null(args);
	responses = jmap_fixture_invoke_all(f, method, args);
	first = json_object_array_get_idx(responses, 0);
	strcpy(name_r, json_object_get_string(json_object_array_get_idx(first, 0)));
	result = json_object_get(json_object_array_get_idx(first, 1));
	if (extra_r != NULL)
		*extra_r = json_object_get(responses);
	json_object_put(responses);
	json_object_put(args);
	return result;
}

static json_object *call_ok(struct jmap_fixture *f, const char *method, const char *args_text)
{
	char name[64];
	json_object *r = call_ex(f, method, args_text, name, NULL);

	if (strcmp(name, method) != 0)
		fail_msg("%s: %s", method, json_object_to_json_string(r));
	return r;
}

static const char *call_error(struct jmap_fixture *f, const char *method, const char *args_text)
{
	static char type[64];
	char name[64];
	json_object *r = call_ex(f, method, args_text, name, NULL);

	assert_string_equal(name, "error");
	snprintf(type, sizeof(type), "%s", json_object_get_string(json_object_object_get(r, "type")));
	json_object_put(r);
	return type;
}

static void upload(struct jmap_fixture *f, const void *data, size_t len, char blob_id[80])
{
	int status;
	json_object *problem, *resp;
	struct jmap_upload *up = jmap_upload_begin(f->srv, &f->user, f->account, "message/rfc822",
						   len, &status, &problem);

	assert_non_null(up);
	assert_int_equal(jmap_upload_write(up, data, len), 0);
	resp = jmap_upload_finish(&up, &status);
	assert_int_equal(status, 201);
	snprintf(blob_id, 80, "%s", jstr(resp, "blobId"));
	json_object_put(resp);
}

/* Uploads and imports raw into mailbox m1 (plus extra JSON members of
 * the EmailImport); returns the created object's member. */
static void import(struct jmap_fixture *f, const char *raw, size_t len, const char *extra,
		   char id_r[32], char thread_r[32])
{
	char blob[80], args[1024];
	json_object *r;

	upload(f, raw, len, blob);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"emails\":{\"k\":{\"blobId\":\"%s\","
		 "\"mailboxIds\":{\"m1\":true}%s}}}", blob, extra != NULL ? extra : "");
	r = call_ok(f, "Email/import", args);
	if (jstr(r, "created/k/id") == NULL)
		fail_msg("import: %s", json_object_to_json_string(r));
	snprintf(id_r, 32, "%s", jstr(r, "created/k/id"));
	if (thread_r != NULL)
		snprintf(thread_r, 32, "%s", jstr(r, "created/k/threadId"));
	assert_string_equal(jstr(r, "created/k/blobId"), blob);
	json_object_put(r);
}

/* Email/get of one id with the extra arguments given. */
static json_object *get_email(struct jmap_fixture *f, const char *id, const char *extra)
{
	char args[2048];
	json_object *r, *obj;

	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"ids\":[\"%s\"]%s}", id,
		 extra != NULL ? extra : "");
	r = call_ok(f, "Email/get", args);
	obj = json_object_get(jpath(r, "list/0"));
	assert_non_null(obj);
	json_object_put(r);
	return obj;
}

static char *download(struct jmap_fixture *f, const char *blob_id, size_t *len_r, int *status_r)
{
	uint64_t size = 0;
	int fd = jmap_download_open(f->srv, &f->user, f->account, blob_id, &size, status_r);
	char *data;
	ssize_t n;

	if (fd < 0)
		return NULL;
	data = calloc(1, (size_t)size + 1);
	n = read(fd, data, (size_t)size);
	close(fd);
	assert_int_equal(n, (ssize_t)size);
	*len_r = (size_t)size;
	return data;
}

static int64_t mailbox_count(struct jmap_fixture *f, const char *mailbox, const char *prop)
{
	char args[256];
	json_object *r;
	int64_t n;

	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"ids\":[\"%s\"]}", mailbox);
	r = call_ok(f, "Mailbox/get", args);
	n = json_object_get_int64(json_object_object_get(jpath(r, "list/0"), prop));
	json_object_put(r);
	return n;
}

/* ---- tests ---- */

static void test_get_defaults(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32], thread[32];
	json_object *e;

	import(f, msg_mixed, sizeof(msg_mixed) - 1, ",\"keywords\":{\"$Seen\":true}", id, thread);
	e = get_email(f, id, NULL);
	assert_string_equal(jstr(e, "id"), id);
	assert_string_equal(jstr(e, "threadId"), thread);
	assert_true(json_object_get_boolean(jpath(e, "mailboxIds/m1")));
	assert_true(json_object_get_boolean(jpath(e, "keywords/$seen")));
	assert_int_equal(json_object_get_int64(jpath(e, "size")), sizeof(msg_mixed) - 1);
	assert_string_equal(jstr(e, "receivedAt"), "2024-10-01T10:00:00Z");
	assert_string_equal(jstr(e, "sentAt"), "2024-10-01T09:59:00+02:00");
	assert_string_equal(jstr(e, "subject"), "Café meeting");
	assert_string_equal(jstr(e, "messageId/0"), "mixed1@example.com");
	assert_null(jpath(e, "inReplyTo"));
	assert_string_equal(jstr(e, "from/0/name"), "René Dupont");
	assert_string_equal(jstr(e, "from/0/email"), "rene@example.com");
	assert_int_equal(json_object_array_length(jpath(e, "to")), 3);
	assert_string_equal(jstr(e, "cc/0/email"), "carol@example.org");
	assert_true(json_object_get_boolean(jpath(e, "hasAttachment")));
	assert_non_null(strstr(jstr(e, "preview"), "Hello plain world"));
	assert_int_equal(json_object_object_length(jpath(e, "bodyValues")), 0);
	assert_string_equal(jstr(e, "textBody/0/type"), "text/plain");
	assert_string_equal(jstr(e, "textBody/0/charset"), "utf-8");
	assert_string_equal(jstr(e, "htmlBody/0/type"), "text/html");
	assert_int_equal(json_object_array_length(jpath(e, "attachments")), 2);
	assert_string_equal(jstr(e, "attachments/0/name"), "report.pdf");
	assert_string_equal(jstr(e, "attachments/0/disposition"), "attachment");
	assert_string_equal(jstr(e, "attachments/1/type"), "message/rfc822");
	/* the default bodyProperties, and no headers or bodyStructure */
	assert_int_equal(json_object_object_length(jpath(e, "textBody/0")), 10);
	assert_non_null(jpath(e, "textBody/0/blobId"));
	assert_null(jpath(e, "headers"));
	assert_null(jpath(e, "bodyStructure"));
	assert_int_equal(json_object_object_length(e), 24);
	json_object_put(e);
}

static void test_header_forms(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32];
	json_object *e;

	import(f, msg_mixed, sizeof(msg_mixed) - 1, NULL, id, NULL);
	e = get_email(f, id, ",\"properties\":[\"header:Subject\",\"header:subject:asText\","
		      "\"header:From:asAddresses\",\"header:To:asGroupedAddresses\","
		      "\"header:Message-ID:asMessageIds\",\"header:Date:asDate\","
		      "\"header:List-Post:asURLs\",\"header:X-Multi:all\","
		      "\"header:x-multi:asText:all\",\"header:X-Missing\",\"header:X-Missing:all\","
		      "\"headers\"]");
	assert_string_equal(jstr(e, "header:Subject"), " =?UTF-8?B?Q2Fmw6kgbWVldGluZw==?=");
	assert_string_equal(jstr(e, "header:subject:asText"), "Café meeting");
	assert_string_equal(jstr(e, "header:From:asAddresses/0/email"), "rene@example.com");
	assert_null(jpath(e, "header:To:asGroupedAddresses/0/name"));
	assert_string_equal(jstr(e, "header:To:asGroupedAddresses/1/name"), "Friends");
	assert_string_equal(jstr(e, "header:To:asGroupedAddresses/1/addresses/1/email"),
			    "joe@example.com");
	assert_string_equal(jstr(e, "header:Message-ID:asMessageIds/0"), "mixed1@example.com");
	assert_string_equal(jstr(e, "header:Date:asDate"), "2024-10-01T09:59:00+02:00");
	assert_string_equal(jstr(e, "header:List-Post:asURLs/0"), "mailto:list@example.com");
	assert_string_equal(jstr(e, "header:X-Multi:all/0"), " one");
	assert_string_equal(jstr(e, "header:x-multi:asText:all/1"), "twö");
	assert_true(json_object_object_get_ex(e, "header:X-Missing", NULL));
	assert_null(jpath(e, "header:X-Missing"));
	assert_int_equal(json_object_array_length(jpath(e, "header:X-Missing:all")), 0);
	assert_string_equal(jstr(e, "headers/0/name"), "Received");
	json_object_put(e);

	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"properties\":[\"header:From:asDate\"]}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"properties\":[\"header:date:asText\"]}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"properties\":[\"header:Subject:asAddresses\"]}"),
			    "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"properties\":[\"header:X:asNothing\"]}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"properties\":[\"header:X:all:asRaw\"]}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"properties\":[\"colour\"]}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"bodyProperties\":[\"colour\"]}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":[],"
				       "\"maxBodyValueBytes\":-1}"), "invalidArguments");
}

static void test_body_structure(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32], expect[160];
	json_object *e;

	import(f, msg_mixed, sizeof(msg_mixed) - 1, NULL, id, NULL);
	e = get_email(f, id, ",\"properties\":[\"bodyStructure\",\"blobId\",\"attachments\"],"
		      "\"bodyProperties\":[\"partId\",\"blobId\",\"type\",\"header:Content-Type\","
		      "\"size\"]");
	assert_string_equal(jstr(e, "bodyStructure/type"), "multipart/mixed");
	assert_null(jpath(e, "bodyStructure/partId"));
	assert_null(jpath(e, "bodyStructure/blobId"));
	assert_string_equal(jstr(e, "bodyStructure/subParts/0/type"), "multipart/alternative");
	assert_string_equal(jstr(e, "bodyStructure/subParts/0/subParts/1/type"), "text/html");
	assert_string_equal(jstr(e, "bodyStructure/subParts/1/header:Content-Type"),
			    " application/pdf; name=\"report.pdf\"");
	snprintf(expect, sizeof(expect), "%s_%s", jstr(e, "blobId"),
		 jstr(e, "attachments/0/partId"));
	assert_string_equal(jstr(e, "attachments/0/blobId"), expect);
	assert_int_equal(json_object_get_int64(jpath(e, "attachments/0/size")),
			 sizeof(pdf_bytes) - 1);
	assert_null(jpath(e, "attachments/0/name"));
	json_object_put(e);
}

static void test_body_values(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32];
	json_object *e, *values;

	import(f, msg_mixed, sizeof(msg_mixed) - 1, NULL, id, NULL);
	e = get_email(f, id, ",\"properties\":[\"bodyValues\",\"textBody\",\"htmlBody\"],"
		      "\"fetchTextBodyValues\":true");
	values = jpath(e, "bodyValues");
	assert_int_equal(json_object_object_length(values), 1);
	assert_string_equal(jstr(jpath(values, jstr(e, "textBody/0/partId")), "value"),
			    "Hello plain world, this is the text body.");
	json_object_put(e);

	e = get_email(f, id, ",\"properties\":[\"bodyValues\",\"htmlBody\"],"
		      "\"fetchHTMLBodyValues\":true,\"maxBodyValueBytes\":20");
	values = jpath(jpath(e, "bodyValues"), jstr(e, "htmlBody/0/partId"));
	/* cut at 20 bytes, then before the open tag */
	assert_string_equal(jstr(values, "value"), "<html><body><p>Hello");
	assert_true(json_object_get_boolean(jpath(values, "isTruncated")));
	assert_false(json_object_get_boolean(jpath(values, "isEncodingProblem")));
	json_object_put(e);

	e = get_email(f, id, ",\"properties\":[\"bodyValues\",\"htmlBody\"],"
		      "\"fetchHTMLBodyValues\":true,\"maxBodyValueBytes\":14");
	values = jpath(jpath(e, "bodyValues"), jstr(e, "htmlBody/0/partId"));
	assert_string_equal(jstr(values, "value"), "<html><body>");
	json_object_put(e);

	e = get_email(f, id, ",\"properties\":[\"bodyValues\"],\"fetchAllBodyValues\":true");
	assert_int_equal(json_object_object_length(jpath(e, "bodyValues")), 2);
	json_object_put(e);
}

static void test_set_create_round_trip(void **state)
{
	struct jmap_fixture *f = *state;
	char att[80], args[2048], id[32];
	const char *raw_blob;
	size_t len;
	int status;
	char *raw;
	json_object *r, *e;

	upload(f, "\x01\x02\x03 binary", 10, att);
	snprintf(args, sizeof(args),
		 "{\"accountId\":\"%%ACCT%%\",\"create\":{\"d\":{"
		 "\"mailboxIds\":{\"m2\":true},\"keywords\":{\"$draft\":true},"
		 "\"from\":[{\"name\":\"Zoë Ürban\",\"email\":\"zoe@example.com\"}],"
		 "\"to\":[{\"name\":null,\"email\":\"x@example.org\"}],"
		 "\"subject\":\"Grüße aus Köln\",\"header:X-Tern-Test:asText\":\"yes\","
		 "\"textBody\":[{\"partId\":\"t\",\"type\":\"text/plain\"}],"
		 "\"htmlBody\":[{\"partId\":\"h\",\"type\":\"text/html\"}],"
		 "\"attachments\":[{\"blobId\":\"%s\",\"type\":\"application/octet-stream\","
		 "\"name\":\"dätä.bin\"}],"
		 "\"bodyValues\":{\"t\":{\"value\":\"Plain text ü\"},"
		 "\"h\":{\"value\":\"<p>HTML ü</p>\"}}}}}", att);
	r = call_ok(f, "Email/set", args);
	if (jstr(r, "created/d/id") == NULL)
		fail_msg("create: %s", json_object_to_json_string(r));
	assert_non_null(jstr(r, "created/d/threadId"));
	assert_true(json_object_get_int64(jpath(r, "created/d/size")) > 0);
	raw_blob = jstr(r, "created/d/blobId");
	raw = download(f, raw_blob, &len, &status);
	assert_non_null(raw);
	assert_non_null(strstr(raw, "Message-ID:"));
	assert_non_null(strstr(raw, "Date:"));
	json_object_put(r);

	import(f, raw, len, NULL, id, NULL);
	free(raw);
	e = get_email(f, id, ",\"properties\":[\"subject\",\"from\",\"to\",\"attachments\","
		      "\"bodyValues\",\"textBody\",\"htmlBody\",\"header:X-Tern-Test:asText\"],"
		      "\"fetchAllBodyValues\":true");
	assert_string_equal(jstr(e, "subject"), "Grüße aus Köln");
	assert_string_equal(jstr(e, "from/0/name"), "Zoë Ürban");
	assert_string_equal(jstr(e, "to/0/email"), "x@example.org");
	assert_string_equal(jstr(e, "header:X-Tern-Test:asText"), "yes");
	assert_string_equal(jstr(e, "attachments/0/name"), "dätä.bin");
	assert_int_equal(json_object_get_int64(jpath(e, "attachments/0/size")), 10);
	assert_string_equal(jstr(jpath(jpath(e, "bodyValues"),
					     jstr(e, "textBody/0/partId")), "value"),
			    "Plain text ü");
	assert_string_equal(jstr(jpath(jpath(e, "bodyValues"),
					     jstr(e, "htmlBody/0/partId")), "value"),
			    "<p>HTML ü</p>");
	json_object_put(e);
}

static void test_set_create_errors(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = call_ok(f, "Email/set", "{\"accountId\":\"%ACCT%\",\"create\":{"
		"\"a\":{\"mailboxIds\":{},\"subject\":\"x\"},"
		"\"b\":{\"mailboxIds\":{\"m99\":true},\"subject\":\"x\"},"
		"\"c\":{\"mailboxIds\":{\"m1\":true},\"keywords\":{\"bad word\":true}},"
		"\"d\":{\"mailboxIds\":{\"m1\":true},\"headers\":[]},"
		"\"e\":{\"mailboxIds\":{\"m1\":true},\"attachments\":[{\"blobId\":\"Gnope\","
		"\"type\":\"image/png\"}]},"
		"\"f\":{\"mailboxIds\":{\"m1\":true},\"id\":\"e1\"}}}");

	assert_string_equal(jstr(r, "notCreated/a/type"), "invalidProperties");
	assert_string_equal(jstr(r, "notCreated/a/properties/0"), "mailboxIds");
	assert_string_equal(jstr(r, "notCreated/b/properties/0"), "mailboxIds");
	assert_string_equal(jstr(r, "notCreated/c/properties/0"), "keywords");
	assert_string_equal(jstr(r, "notCreated/d/properties/0"), "headers");
	assert_string_equal(jstr(r, "notCreated/e/type"), "blobNotFound");
	assert_string_equal(jstr(r, "notCreated/e/notFound/0"), "Gnope");
	assert_string_equal(jstr(r, "notCreated/f/type"), "invalidProperties");
	assert_null(jpath(r, "created"));
	json_object_put(r);
}

static void test_keywords_mailboxes(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32], args[1024];
	json_object *r, *e;

	import(f, msg_lunch, sizeof(msg_lunch) - 1, NULL, id, NULL);
	assert_int_equal(mailbox_count(f, "m1", "unreadEmails"), 1);
	assert_int_equal(mailbox_count(f, "m1", "totalEmails"), 1);

	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"update\":{\"%s\":{"
		 "\"keywords/$Seen\":true,\"keywords/$flagged\":true,\"mailboxIds/m3\":true}}}", id);
	r = call_ok(f, "Email/set", args);
	assert_true(json_object_object_get_ex(jpath(r, "updated"), id, NULL));
	json_object_put(r);
	e = get_email(f, id, ",\"properties\":[\"keywords\",\"mailboxIds\"]");
	assert_int_equal(json_object_object_length(jpath(e, "keywords")), 2);
	assert_true(json_object_get_boolean(jpath(e, "keywords/$seen")));
	assert_int_equal(json_object_object_length(jpath(e, "mailboxIds")), 2);
	json_object_put(e);
	assert_int_equal(mailbox_count(f, "m1", "unreadEmails"), 0);
	assert_int_equal(mailbox_count(f, "m3", "totalEmails"), 1);

	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"update\":{\"%s\":{"
		 "\"keywords/$seen\":null,\"mailboxIds\":{\"m6\":true}}}}", id);
	json_object_put(call_ok(f, "Email/set", args));
	e = get_email(f, id, ",\"properties\":[\"keywords\",\"mailboxIds\"]");
	assert_null(jpath(e, "keywords/$seen"));
	assert_true(json_object_get_boolean(jpath(e, "mailboxIds/m6")));
	assert_int_equal(json_object_object_length(jpath(e, "mailboxIds")), 1);
	json_object_put(e);
	assert_int_equal(mailbox_count(f, "m1", "totalEmails"), 0);
	assert_int_equal(mailbox_count(f, "m6", "unreadEmails"), 1);

	r = call_ok(f, "Email/set", "{\"accountId\":\"%ACCT%\",\"update\":{"
		    "\"e999\":{\"keywords\":{}},\"x\":{\"keywords\":{}}}}");
	assert_string_equal(jstr(r, "notUpdated/e999/type"), "notFound");
	assert_string_equal(jstr(r, "notUpdated/x/type"), "notFound");
	json_object_put(r);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"update\":{\"%s\":"
		 "{\"keywords/a b\":true}}}", id);
	r = call_ok(f, "Email/set", args);
	assert_string_equal(jstr(jpath(jpath(r, "notUpdated"), id), "type"),
			    "invalidProperties");
	json_object_put(r);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"update\":{\"%s\":"
		 "{\"mailboxIds\":{}}}}", id);
	r = call_ok(f, "Email/set", args);
	assert_string_equal(jstr(jpath(jpath(r, "notUpdated"), id), "type"),
			    "invalidProperties");
	json_object_put(r);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"update\":{\"%s\":"
		 "{\"mailboxIds/m99\":true,\"subject\":\"no\"}}}", id);
	r = call_ok(f, "Email/set", args);
	assert_string_equal(jstr(jpath(jpath(r, "notUpdated"), id), "type"),
			    "invalidProperties");
	json_object_put(r);
}

static void test_destroy(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32], thread[32], args[512];
	json_object *r;

	import(f, msg_lunch, sizeof(msg_lunch) - 1, NULL, id, thread);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"destroy\":[\"%s\",\"e999\"]}",
		 id);
	r = call_ok(f, "Email/set", args);
	assert_string_equal(jstr(r, "destroyed/0"), id);
	assert_string_equal(jstr(r, "notDestroyed/e999/type"), "notFound");
	json_object_put(r);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"ids\":[\"%s\"]}", id);
	r = call_ok(f, "Email/get", args);
	assert_string_equal(jstr(r, "notFound/0"), id);
	json_object_put(r);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"ids\":[\"%s\"]}", thread);
	r = call_ok(f, "Thread/get", args);
	assert_string_equal(jstr(r, "notFound/0"), thread);
	json_object_put(r);
	assert_int_equal(mailbox_count(f, "m1", "totalEmails"), 0);
}

static void test_over_quota(void **state)
{
	struct jmap_fixture *f = *state;
	struct store_principal *p = NULL;
	char blob[80], args[512], id[32];
	const char *error;
	json_object *r;

	import(f, msg_lunch, sizeof(msg_lunch) - 1, NULL, id, NULL);
	assert_int_equal(store_principal_get_by_id(f->store, f->user.principal_id, &p), 1);
	p->quota = sizeof(msg_lunch) + 100;
	assert_int_equal(store_principal_update(f->store, p, &error), 0);
	store_principal_free(&p);
	upload(f, msg_mixed, sizeof(msg_mixed) - 1, blob);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"emails\":{"
		 "\"k\":{\"blobId\":\"%s\",\"mailboxIds\":{\"m1\":true}},"
		 "\"s\":{\"blobId\":\"%s\",\"mailboxIds\":{\"m1\":true}},"
		 "\"n\":{\"blobId\":\"Gmissing\",\"mailboxIds\":{\"m1\":true}},"
		 "\"m\":{\"blobId\":\"%s\",\"mailboxIds\":{\"x\":true}}}}", blob, "Gzz", blob);
	r = call_ok(f, "Email/import", args);
	assert_string_equal(jstr(r, "notCreated/k/type"), "overQuota");
	assert_string_equal(jstr(r, "notCreated/n/type"), "invalidProperties");
	assert_string_equal(jstr(r, "notCreated/n/properties/0"), "blobId");
	assert_string_equal(jstr(r, "notCreated/m/properties/0"), "mailboxIds");
	assert_null(jpath(r, "created"));
	json_object_put(r);
	r = call_ok(f, "Email/set", "{\"accountId\":\"%ACCT%\",\"create\":{\"d\":{"
		    "\"mailboxIds\":{\"m1\":true},\"subject\":\"x\",\"textBody\":[{\"partId\":\"t\","
		    "\"type\":\"text/plain\"}],\"bodyValues\":{\"t\":{\"value\":\"" 
		    "0123456789012345678901234567890123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789012345678901234567890123456789"
		    "\"}}}}}");
	assert_string_equal(jstr(r, "notCreated/d/type"), "overQuota");
	json_object_put(r);
}

static void test_import_state(void **state)
{
	struct jmap_fixture *f = *state;
	char blob[80], args[512], id[32];
	json_object *r;
	const char *type;

	upload(f, msg_lunch, sizeof(msg_lunch) - 1, blob);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"ifInState\":\"999\","
		 "\"emails\":{\"k\":{\"blobId\":\"%s\",\"mailboxIds\":{\"m1\":true}}}}", blob);
	type = call_error(f, "Email/import", args);
	assert_string_equal(type, "stateMismatch");
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"emails\":{\"k\":{\"blobId\":"
		 "\"%s\",\"mailboxIds\":{\"m1\":true},\"receivedAt\":\"2020-01-02T03:04:05Z\","
		 "\"keywords\":{\"$Flagged\":true,\"$flagged\":true}}}}", blob);
	r = call_ok(f, "Email/import", args);
	snprintf(id, sizeof(id), "%s", jstr(r, "created/k/id"));
	assert_non_null(jstr(r, "oldState"));
	assert_string_not_equal(jstr(r, "oldState"), jstr(r, "newState"));
	json_object_put(r);
	r = get_email(f, id, ",\"properties\":[\"receivedAt\",\"keywords\"]");
	assert_string_equal(jstr(r, "receivedAt"), "2020-01-02T03:04:05Z");
	assert_int_equal(json_object_object_length(jpath(r, "keywords")), 1);
	json_object_put(r);
	r = call_ok(f, "Email/changes", "{\"accountId\":\"%ACCT%\",\"sinceState\":\"0\"}");
	assert_string_equal(jstr(r, "created/0"), id);
	json_object_put(r);
}

static void test_parse(void **state)
{
	struct jmap_fixture *f = *state;
	char blob[80], args[1024], part[160];
	json_object *r, *e;

	upload(f, msg_mixed, sizeof(msg_mixed) - 1, blob);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"blobIds\":[\"%s\",\"Gnone\"],"
		 "\"fetchTextBodyValues\":true}", blob);
	r = call_ok(f, "Email/parse", args);
	e = jpath(jpath(r, "parsed"), blob);
	assert_non_null(e);
	assert_string_equal(jstr(e, "subject"), "Café meeting");
	assert_null(jpath(e, "id"));
	assert_int_equal(json_object_object_length(jpath(e, "bodyValues")), 1);
	assert_string_equal(jstr(r, "notFound/0"), "Gnone");
	assert_null(jpath(r, "notParsable"));
	/* the attached message, by its part blob id */
	snprintf(part, sizeof(part), "%s", jstr(e, "attachments/1/blobId"));
	json_object_put(r);

	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"blobIds\":[\"%s\"],"
		 "\"properties\":[\"id\",\"threadId\",\"subject\",\"from\",\"size\",\"blobId\","
		 "\"keywords\",\"receivedAt\",\"mailboxIds\",\"textBody\"]}", part);
	r = call_ok(f, "Email/parse", args);
	e = jpath(jpath(r, "parsed"), part);
	assert_non_null(e);
	assert_string_equal(jstr(e, "subject"), "Inner message");
	assert_string_equal(jstr(e, "from/0/email"), "inner@example.com");
	assert_string_equal(jstr(e, "blobId"), part);
	assert_null(jpath(e, "threadId"));
	assert_null(jpath(e, "keywords"));
	assert_true(strncmp(jstr(e, "textBody/0/blobId"), part, strlen(part)) == 0);
	json_object_put(r);

	assert_string_equal(call_error(f, "Email/parse", "{\"accountId\":\"%ACCT%\","
				       "\"blobIds\":[],\"properties\":[\"header:Date:asURLs\"]}"),
			    "invalidArguments");
	assert_string_equal(call_error(f, "Email/parse", "{\"accountId\":\"%ACCT%\"}"),
			    "invalidArguments");
}

static void test_threads(void **state)
{
	struct jmap_fixture *f = *state;
	char a[32], ta[32], b[32], tb[32], c[32], tc[32], args[512];
	json_object *r;

	/* the reply arrives first: the thread still sorts by receivedAt */
	import(f, msg_lunch_reply, sizeof(msg_lunch_reply) - 1, NULL, b, tb);
	import(f, msg_lunch, sizeof(msg_lunch) - 1, NULL, a, ta);
	import(f, msg_mixed, sizeof(msg_mixed) - 1, NULL, c, tc);
	assert_string_equal(ta, tb);
	assert_string_not_equal(ta, tc);
	snprintf(args, sizeof(args), "{\"accountId\":\"%%ACCT%%\",\"ids\":[\"%s\",\"%s\",\"t999\","
		 "\"x\"]}", ta, tc);
	r = call_ok(f, "Thread/get", args);
	assert_string_equal(jstr(r, "list/0/id"), ta);
	assert_int_equal(json_object_array_length(jpath(r, "list/0/emailIds")), 2);
	assert_string_equal(jstr(r, "list/0/emailIds/0"), a);
	assert_string_equal(jstr(r, "list/0/emailIds/1"), b);
	assert_string_equal(jstr(r, "list/1/emailIds/0"), c);
	assert_int_equal(json_object_array_length(jpath(r, "notFound")), 2);
	json_object_put(r);
	r = call_ok(f, "Thread/get", "{\"accountId\":\"%ACCT%\",\"ids\":null}");
	assert_int_equal(json_object_array_length(jpath(r, "list")), 2);
	json_object_put(r);
	r = call_ok(f, "Thread/changes", "{\"accountId\":\"%ACCT%\",\"sinceState\":\"0\"}");
	assert_int_equal(json_object_array_length(jpath(r, "created")), 2);
	json_object_put(r);
	r = call_ok(f, "Email/get", "{\"accountId\":\"%ACCT%\",\"ids\":null,"
		    "\"properties\":[\"threadId\"]}");
	assert_int_equal(json_object_array_length(jpath(r, "list")), 3);
	json_object_put(r);
}

static void test_copy_errors(void **state)
{
	struct jmap_fixture *f = *state;

	assert_string_equal(call_error(f, "Email/copy", "{\"accountId\":\"%ACCT%\","
				       "\"fromAccountId\":\"%ACCT%\",\"create\":{}}"),
			    "invalidArguments");
	assert_string_equal(call_error(f, "Email/copy", "{\"accountId\":\"%ACCT%\","
				       "\"fromAccountId\":\"a999\",\"create\":{}}"),
			    "fromAccountNotFound");
	assert_string_equal(call_error(f, "Email/copy", "{\"accountId\":\"%ACCT%\","
				       "\"fromAccountId\":\"zz\",\"create\":{}}"),
			    "fromAccountNotFound");
	assert_string_equal(call_error(f, "Email/copy", "{\"accountId\":\"%ACCT%\","
				       "\"create\":{}}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/copy", "{\"accountId\":\"%ACCT%\","
				       "\"fromAccountId\":\"a999\"}"), "invalidArguments");
	assert_string_equal(call_error(f, "Email/copy", "{\"accountId\":\"%ACCT%\","
				       "\"fromAccountId\":\"a999\",\"create\":{},\"bogus\":1}"),
			    "invalidArguments");
}

static void test_part_download(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32], blob[160];
	size_t len;
	int status;
	char *data;
	json_object *e;

	import(f, msg_mixed, sizeof(msg_mixed) - 1, NULL, id, NULL);
	e = get_email(f, id, ",\"properties\":[\"attachments\",\"blobId\"]");
	data = download(f, jstr(e, "attachments/0/blobId"), &len, &status);
	assert_int_equal(status, 200);
	assert_int_equal(len, sizeof(pdf_bytes) - 1);
	assert_memory_equal(data, pdf_bytes, len);
	free(data);
	data = download(f, jstr(e, "attachments/1/blobId"), &len, &status);
	assert_non_null(strstr(data, "Subject: Inner message"));
	free(data);
	snprintf(blob, sizeof(blob), "%s_1", jstr(e, "attachments/1/blobId"));
	data = download(f, blob, &len, &status);
	assert_int_equal(status, 200);
	assert_true(strncmp(data, "Inner body.", 11) == 0);
	free(data);
	snprintf(blob, sizeof(blob), "%s_99", jstr(e, "blobId"));
	assert_null(download(f, blob, &len, &status));
	assert_int_equal(status, 404);
	snprintf(blob, sizeof(blob), "%s_1/../x", jstr(e, "blobId"));
	assert_null(download(f, blob, &len, &status));
	assert_int_equal(status, 404);
	assert_null(download(f, "Gabc_1", &len, &status));
	assert_int_equal(status, 404);
	json_object_put(e);
}

/* Creation ids across calls of one request: a mailbox created, then an
 * email moved into it by a patch path, then an email created in it. */
static void test_creation_references(void **state)
{
	struct jmap_fixture *f = *state;
	char id[32], body[2048];
	int status;
	json_object *r, *resp;

	import(f, msg_lunch, sizeof(msg_lunch) - 1, NULL, id, NULL);
	snprintf(body, sizeof(body), "{\"using\":[\"urn:ietf:params:jmap:core\","
		 "\"urn:ietf:params:jmap:mail\"],\"methodCalls\":["
		 "[\"Mailbox/set\",{\"accountId\":\"%s\",\"create\":{\"new\":{\"name\":\"New\"}}},\"0\"],"
		 "[\"Email/set\",{\"accountId\":\"%s\",\"update\":{\"%s\":"
		 "{\"mailboxIds/#new\":true,\"mailboxIds/m1\":null}},"
		 "\"create\":{\"c\":{\"mailboxIds\":{\"#new\":true},\"subject\":\"In new\"}}},\"1\"],"
		 "[\"Email/get\",{\"accountId\":\"%s\",\"ids\":[\"%s\",\"#c\"],"
		 "\"properties\":[\"mailboxIds\",\"subject\"]},\"2\"]]}",
		 f->account, f->account, id, f->account, id);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &status);
	assert_int_equal(status, 200);
	resp = jpath(r, "methodResponses");
	assert_string_equal(jstr(resp, "1/0"), "Email/set");
	assert_true(json_object_object_get_ex(jpath(resp, "1/1/updated"), id, NULL));
	assert_non_null(jstr(resp, "1/1/created/c/id"));
	assert_int_equal(json_object_array_length(jpath(resp, "2/1/list")), 2);
	assert_int_equal(json_object_object_length(jpath(resp, "2/1/list/0/mailboxIds")), 1);
	assert_null(jpath(resp, "2/1/list/0/mailboxIds/m1"));
	assert_string_equal(jstr(resp, "2/1/list/1/subject"), "In new");
	json_object_put(r);
	assert_int_equal(mailbox_count(f, "m1", "totalEmails"), 0);
}

/* The stored model puts headers and body parts last, so that the light
 * members parse alone; strings that look like the cut do not fool it. */
static void test_model_light(void **state)
{
	json_object *model = json_tokener_parse(
		"{\"headers\":[{\"name\":\"X\",\"value\":\"v\"}],\"bodyStructure\":{\"type\":"
		"\"text/plain\"},\"subject\":\"a,\\\"headers\\\":[\\\\\",\"from\":[{\"name\":"
		"\"}\",\"email\":\"a@b\"}],\"textBody\":[\"1\"]}");
	json_object *light, *full;
	char *text;

	(void)state;
	assert_non_null(model);
	text = email_model_text(model);
	assert_true(strstr(text, "\"headers\":[{") > strstr(text, "\"textBody\""));
	light = email_model_parse(text, EMAIL_MODEL_LIGHT);
	assert_non_null(light);
	assert_null(json_object_object_get(light, "headers"));
	assert_null(json_object_object_get(light, "bodyStructure"));
	assert_string_equal(jstr(light, "subject"), "a,\"headers\":[\\");
	assert_string_equal(jstr(light, "from/0/email"), "a@b");
	full = email_model_parse(text, EMAIL_MODEL_FULL);
	assert_true(json_object_equal(full, model));
	assert_null(email_model_parse(text, EMAIL_MODEL_NONE));
	assert_null(email_model_parse("{\"subject\":", EMAIL_MODEL_FULL));
	json_object_put(light);
	json_object_put(full);
	json_object_put(model);
	free(text);
}

/* tests/corpus, found from this file's path (the build runs beside the
 * source tree). */
static DIR *corpus_open(char *dir, size_t size)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	DIR *d;

	snprintf(dir, size, "%.*s/../corpus", slash != NULL ? (int)(slash - file) : 1,
		 slash != NULL ? file : ".");
	if ((d = opendir(dir)) == NULL) {
		snprintf(dir, size, "../tests/corpus");
		d = opendir(dir);
	}
	return d;
}

static char *file_read(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long len;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	data = malloc((size_t)len + 1);
	assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*len_r = (size_t)len;
	return data;
}

/* Every corpus message imports and reads back in every form. */
static void test_corpus(void **state)
{
	struct jmap_fixture *f = *state;
	char dir[512], path[1024], id[32];
	struct dirent *de;
	size_t len, count = 0;
	json_object *e;
	DIR *d = corpus_open(dir, sizeof(dir));
	char *raw;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".eml") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		raw = file_read(path, &len);
		import(f, raw, len, NULL, id, NULL);
		free(raw);
		e = get_email(f, id, ",\"properties\":[\"id\",\"subject\",\"from\",\"headers\","
			      "\"bodyStructure\",\"textBody\",\"htmlBody\",\"attachments\","
			      "\"bodyValues\",\"preview\",\"header:Subject:asText:all\"],"
			      "\"fetchAllBodyValues\":true,\"maxBodyValueBytes\":100");
		assert_string_equal(jstr(e, "id"), id);
		assert_true(strlen(jstr(e, "preview")) <= 256 * 4);
		json_object_put(e);
		count++;
	}
	closedir(d);
	assert_true(count > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test(test_get_defaults),
		jmap_fixture_test(test_header_forms),
		jmap_fixture_test(test_body_structure),
		jmap_fixture_test(test_body_values),
		jmap_fixture_test(test_set_create_round_trip),
		jmap_fixture_test(test_set_create_errors),
		jmap_fixture_test(test_keywords_mailboxes),
		jmap_fixture_test(test_destroy),
		jmap_fixture_test(test_over_quota),
		jmap_fixture_test(test_import_state),
		jmap_fixture_test(test_parse),
		jmap_fixture_test(test_threads),
		jmap_fixture_test(test_copy_errors),
		jmap_fixture_test(test_part_download),
		jmap_fixture_test(test_creation_references),
		jmap_fixture_test(test_corpus),
		cmocka_unit_test(test_model_light),
	};
	int ret;

	mail_init();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	mail_deinit();
	return ret;
}
