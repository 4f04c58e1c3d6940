/* Unit tests for the mail layer: the corpus in tests/corpus, the model
 * (bodyStructure, textBody/htmlBody/attachments, names, charsets,
 * preview), header forms, summary and search text, building MIME and
 * reading it back, and bounds on hostile input. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <glib.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "mail/mail.h"

/* ---- helpers ---- */

/* tests/corpus, found from this file's path (the build runs beside the
 * source tree). */
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

static char *file_read(const char *path, size_t *len_r)
{
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
	*len_r = (size_t)len;
	return data;
}

static char *corpus_read(const char *name, size_t *len_r)
{
	char *path = corpus_path(name);
	char *data = file_read(path, len_r);

	free(path);
	return data;
}

static struct mail_message *corpus_parse(const char *name)
{
	size_t len;
	char *raw = corpus_read(name, &len);
	struct mail_message *msg = mail_message_parse(raw, len, NULL);

	free(raw);
	return msg;
}

static json_object *get(json_object *obj, const char *key)
{
	json_object *value = NULL;

	assert_true(json_object_object_get_ex(obj, key, &value));
	return value;
}

static const char *get_str(json_object *obj, const char *key)
{
	json_object *value = get(obj, key);

	return value != NULL ? json_object_get_string(value) : NULL;
}

/* The comma-joined strings of a String[]: "1,2,3". */
static char *join_ids(json_object *array)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < json_object_array_length(array); i++)
		strbuf_printf(&b, "%s%s", i > 0 ? "," : "", json_object_get_string(json_object_array_get_idx(array, i)));
	return strbuf_steal(&b);
}

static void assert_ids(json_object *model, const char *key, const char *expected)
{
	char *ids = join_ids(get(model, key));

	assert_string_equal(ids, expected);
	free(ids);
}

/* The EmailBodyPart with partId part_id in the tree at part, or NULL. */
static json_object *find_part(json_object *part, const char *part_id)
{
	json_object *sub = get(part, "subParts");
	const char *id = get_str(part, "partId");

	if (id != NULL && strcmp(id, part_id) == 0)
		return part;
	for (size_t i = 0; sub != NULL && i < json_object_array_length(sub); i++) {
		json_object *found = find_part(json_object_array_get_idx(sub, i), part_id);

		if (found != NULL)
			return found;
	}
	return NULL;
}

static json_object *model_part(json_object *model, const char *part_id)
{
	json_object *part = find_part(get(model, "bodyStructure"), part_id);

	assert_non_null(part);
	return part;
}

static char *part_text(struct mail_message *msg, const char *part_id, bool *problem_r)
{
	char *text;
	bool truncated, problem;

	assert_int_equal(mail_part_text(msg, part_id, 0, &text, &truncated, &problem), 0);
	assert_false(truncated);
	assert_true(g_utf8_validate(text, -1, NULL));
	if (problem_r != NULL)
		*problem_r = problem;
	return text;
}

static void assert_part_text(struct mail_message *msg, const char *part_id, const char *expected, bool problem)
{
	bool got_problem;
	char *text = part_text(msg, part_id, &got_problem);

	assert_string_equal(text, expected);
	assert_int_equal(got_problem, problem);
	free(text);
}

/* ---- the corpus ---- */

/* Walks a bodyStructure checking what every model must satisfy;
 * counts the leaves and checks their partIds run 1, 2, ... */
static void check_part(struct mail_message *msg, json_object *part, unsigned *leaves)
{
	json_object *sub = get(part, "subParts");
	const char *type = get_str(part, "type");
	void *data;
	size_t len;
	char *ctype, *id;

	assert_non_null(type);
	assert_non_null(strchr(type, '/'));
	assert_true(json_object_is_type(get(part, "headers"), json_type_array));
	if (strncmp(type, "multipart/", 10) == 0) {
		assert_null(get(part, "partId"));
		assert_non_null(sub);
		for (size_t i = 0; i < json_object_array_length(sub); i++)
			check_part(msg, json_object_array_get_idx(sub, i), leaves);
		return;
	}
	assert_null(sub);
	id = xasprintf("%u", ++*leaves);
	assert_string_equal(get_str(part, "partId"), id);
	assert_int_equal(mail_part_content(msg, id, &data, &len, &ctype), 0);
	assert_int_equal(len, json_object_get_int64(get(part, "size")));
	assert_string_equal(ctype, type);
	free(data);
	free(ctype);
	free(part_text(msg, id, NULL));
	free(id);
}

static void check_message(struct mail_message *msg)
{
	json_object *model = mail_message_model(msg);
	const char *json = json_object_to_json_string(model);
	struct mail_summary summary;
	struct mail_search_text text;
	unsigned leaves = 0;

	assert_true(g_utf8_validate(json, -1, NULL));
	check_part(msg, get(model, "bodyStructure"), &leaves);
	assert_true(g_utf8_strlen(get_str(model, "preview"), -1) <= 256);
	assert_int_equal(mail_part_text(msg, "0", 0, &(char *){ NULL }, &(bool){ 0 }, &(bool){ 0 }), -1);
	assert_int_equal(mail_part_content(msg, "999999", &(void *){ NULL }, &(size_t){ 0 }, NULL), -1);
	mail_message_summary(msg, &summary);
	assert_non_null(summary.thread_subject);
	assert_non_null(summary.preview);
	mail_summary_clear(&summary);
	mail_message_search_text(msg, &text);
	assert_true(g_utf8_validate(text.body, -1, NULL));
	assert_true(strlen(text.body) <= 1024 * 1024);
	mail_search_text_clear(&text);
	json_object_put(model);
}

static void test_corpus_all(void **state)
{
	char *dir = corpus_path(NULL);
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned count = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name), len;
		char *path, *raw;
		struct mail_message *msg;

		if (n < 5 || strcmp(de->d_name + n - 4, ".eml") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		raw = file_read(path, &len);
		msg = mail_message_parse(raw, len, NULL);
		check_message(msg);
		mail_message_free(&msg);
		assert_null(msg);
		free(raw);
		free(path);
		count++;
	}
	closedir(d);
	free(dir);
	assert_true(count >= 25);
}

static void test_alternative(void **state)
{
	struct mail_message *msg = corpus_parse("alternative.eml");
	json_object *model = mail_message_model(msg), *from, *structure;

	assert_string_equal(get_str(model, "subject"), "Quartalszahlen f\u00fcr Q3");
	from = json_object_array_get_idx(get(model, "from"), 0);
	assert_string_equal(get_str(from, "name"), "J\u00f6rg M\u00fcller");
	assert_string_equal(get_str(from, "email"), "joerg@example.com");
	assert_string_equal(get_str(json_object_array_get_idx(get(model, "cc"), 0), "name"), "Team, Sales");
	assert_string_equal(get_str(model, "sentAt"), "2026-11-23T08:30:00+01:00");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(model, "messageId"), 0)),
			    "q3.figures@example.com");
	assert_null(get(model, "inReplyTo"));
	assert_null(get(model, "bcc"));
	structure = get(model, "bodyStructure");
	assert_string_equal(get_str(structure, "type"), "multipart/alternative");
	assert_int_equal(json_object_array_length(get(structure, "headers")), 8);
	assert_ids(model, "textBody", "1");
	assert_ids(model, "htmlBody", "2");
	assert_ids(model, "attachments", "");
	assert_false(json_object_get_boolean(get(model, "hasAttachment")));
	assert_string_equal(get_str(model, "preview"), "Hello Bob, the quarterly figures are attached below. Revenue "
			    "grew by 12 % and costs stayed flat. Gr\u00fc\u00dfe, J\u00f6rg");
	assert_string_equal(get_str(model_part(model, "1"), "charset"), "utf-8");
	assert_part_text(msg, "1", "Hello Bob,\n\nthe quarterly figures are attached below. Revenue grew by 12 % "
			 "and costs stayed flat.\n\nGr\u00fc\u00dfe,\nJ\u00f6rg\n", false);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_related_inline_image(void **state)
{
	struct mail_message *msg = corpus_parse("related-inline-image.eml");
	json_object *model = mail_message_model(msg), *image;

	assert_ids(model, "textBody", "1");
	assert_ids(model, "htmlBody", "2");
	assert_ids(model, "attachments", "3");
	assert_false(json_object_get_boolean(get(model, "hasAttachment")));
	image = model_part(model, "3");
	assert_string_equal(get_str(image, "type"), "image/png");
	assert_string_equal(get_str(image, "cid"), "logo.png@example.com");
	assert_string_equal(get_str(image, "disposition"), "inline");
	assert_string_equal(get_str(image, "name"), "logo.png");
	assert_null(get(image, "charset"));
	assert_int_equal(json_object_get_int64(get(image, "size")), 66);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_mixed_attachments(void **state)
{
	struct mail_message *msg = corpus_parse("mixed-attachments.eml");
	json_object *model = mail_message_model(msg), *notes, *lang;
	void *data;
	size_t len;
	char *type;

	assert_ids(model, "textBody", "1");
	assert_ids(model, "attachments", "2,3,4");
	assert_true(json_object_get_boolean(get(model, "hasAttachment")));
	assert_string_equal(get_str(model_part(model, "2"), "name"), "contract.pdf");
	assert_string_equal(get_str(model_part(model, "2"), "disposition"), "attachment");
	assert_int_equal(mail_part_content(msg, "2", &data, &len, &type), 0);
	assert_string_equal(type, "application/pdf");
	assert_true(len > 8 && memcmp(data, "%PDF-1.4", 8) == 0);
	free(data);
	free(type);
	notes = model_part(model, "3");
	lang = get(notes, "language");
	assert_int_equal(json_object_array_length(lang), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(lang, 1)), "de");
	assert_string_equal(get_str(model_part(model, "4"), "location"), "http://example.com/photo.png");
	assert_string_equal(get_str(model, "preview"), "Please find the contract and my notes attached.");
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_nested_rfc822(void **state)
{
	size_t len, inner_len;
	char *raw = corpus_read("nested-rfc822.eml", &len), *type;
	struct mail_message *msg = mail_message_parse(raw, len, NULL), *inner;
	json_object *model = mail_message_model(msg), *inner_model;
	const char *start = strstr(raw, "From: Carol"), *end = strstr(raw, "\r\n--fwd-outer--");
	void *data;

	assert_ids(model, "attachments", "2");
	assert_string_equal(get_str(model_part(model, "2"), "type"), "message/rfc822");
	assert_null(get(model_part(model, "2"), "subParts"));
	/* The attached message is exactly its bytes in the outer one. */
	assert_int_equal(mail_part_content(msg, "2", &data, &inner_len, &type), 0);
	assert_int_equal(inner_len, (size_t)(end - start));
	assert_memory_equal(data, start, inner_len);
	inner = mail_message_parse(data, inner_len, NULL);
	inner_model = mail_message_model(inner);
	assert_string_equal(get_str(inner_model, "subject"), "The original question");
	assert_ids(inner_model, "htmlBody", "2");
	json_object_put(inner_model);
	mail_message_free(&inner);
	free(data);
	free(type);
	json_object_put(model);
	mail_message_free(&msg);
	free(raw);
}

static void test_names(void **state)
{
	struct mail_message *msg = corpus_parse("rfc2231-names.eml");
	json_object *model = mail_message_model(msg);

	assert_string_equal(get_str(model_part(model, "2"), "name"), "\u20ac rates for M\u00fcnchen.csv");
	assert_string_equal(get_str(model_part(model, "3"), "name"), "Gr\u00fc\u00dfe.txt");
	assert_string_equal(get_str(model_part(model, "4"), "name"), "\u65e5\u672c\u8a9e.bin");
	assert_null(get(model_part(model, "4"), "disposition"));
	json_object_put(model);
	mail_message_free(&msg);

	msg = corpus_parse("rfc2047-headers.eml");
	model = mail_message_model(msg);
	assert_string_equal(get_str(model_part(model, "2"), "name"), "R\u00e9sum\u00e9.pdf");
	/* Adjacent encoded words join; one inside a word stays as it is. */
	assert_string_equal(get_str(model, "subject"), "caf\u00e9 cr\u00e8me and not=?UTF-8?Q?encoded?=");
	assert_string_equal(get_str(json_object_array_get_idx(get(model, "from"), 0), "name"), "Andr\u00e9 Pirard");
	assert_string_equal(get_str(json_object_array_get_idx(get(model, "to"), 0), "name"),
			    "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432");
	assert_string_equal(get_str(json_object_array_get_idx(get(model, "to"), 1), "name"), "Zo\u00eb");
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_charsets(void **state)
{
	struct mail_message *msg = corpus_parse("charset-iso-8859-1.eml");

	/* The line break before a delimiter belongs to the delimiter. */
	assert_part_text(msg, "1", "Gr\u00fc\u00dfe aus K\u00f6ln, \u00e0 bient\u00f4t. Prix: 10 \u00a3.", false);
	assert_part_text(msg, "2", "Gr\u00fc\u00dfe aus K\u00f6ln, \u00e0 bient\u00f4t. Prix: 10 \u00a3.", false);
	mail_message_free(&msg);
	msg = corpus_parse("charset-windows-1252.eml");
	assert_part_text(msg, "1", "\u201cSmart quotes\u201d \u2013 and the \u20ac sign \u2026 \u2122\n", false);
	mail_message_free(&msg);
	msg = corpus_parse("charset-iso-2022-jp.eml");
	assert_part_text(msg, "1", "\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\u3002\n"
			 "\u65e5\u672c\u8a9e\u306e\u30c6\u30b9\u30c8\u3067\u3059\u3002\n", false);
	mail_message_free(&msg);
	msg = corpus_parse("charset-koi8-r.eml");
	assert_part_text(msg, "1", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! "
			 "\u042d\u0442\u043e \u0442\u0435\u0441\u0442.\n", false);
	mail_message_free(&msg);
	msg = corpus_parse("malformed-bad-charset.eml");
	assert_part_text(msg, "1", "Plain ASCII text under a charset nobody knows.", true);
	assert_part_text(msg, "2", "Invalid UTF-8: \ufffd( and \ufffd\ufffd and a cut sequence \ufffd\ufffd", true);
	mail_message_free(&msg);
	msg = corpus_parse("malformed-8bit-headers.eml");
	assert_part_text(msg, "1", "Sch\u00f6ne Gr\u00fc\u00dfe.\n", false);
	mail_message_free(&msg);
}

static void test_part_text_truncation(void **state)
{
	const char *raw = "Content-Type: text/plain; charset=utf-8\r\n\r\n\u00e9\u00e9\u00e9\u00e9 line\r\nnext\r\n";
	struct mail_message *msg = mail_message_parse(raw, strlen(raw), NULL);
	char *text;
	bool truncated, problem;

	assert_int_equal(mail_part_text(msg, "1", 3, &text, &truncated, &problem), 0);
	assert_string_equal(text, "\u00e9");
	assert_true(truncated);
	free(text);
	assert_int_equal(mail_part_text(msg, "1", 8, &text, &truncated, &problem), 0);
	assert_string_equal(text, "\u00e9\u00e9\u00e9\u00e9");
	assert_true(truncated);
	free(text);
	assert_int_equal(mail_part_text(msg, "1", 100, &text, &truncated, &problem), 0);
	assert_string_equal(text, "\u00e9\u00e9\u00e9\u00e9 line\nnext\n");
	assert_false(truncated);
	assert_false(problem);
	free(text);
	mail_message_free(&msg);
}

static void test_transfer_encodings(void **state)
{
	static const char raw[] =
		"Content-Type: multipart/mixed; boundary=e\r\n\r\n"
		"--e\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
		"begin 644 hello.txt\r\n5:&5L;&\\@=75E;F-O9&5D('=O<FQD\r\n`\r\nend\r\n"
		"--e\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: BASE64\r\n\r\n"
		"aGVs\r\nbG8=\r\n"
		"--e\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
		"soft=\r\nbreak =3D=C3=A9=\r\n"
		"--e--\r\n";
	struct mail_message *msg = mail_message_parse(raw, sizeof(raw) - 1, NULL);
	json_object *model = mail_message_model(msg);

	assert_part_text(msg, "1", "hello uuencoded world", false);
	assert_int_equal(json_object_get_int64(get(model_part(model, "1"), "size")), 21);
	assert_part_text(msg, "2", "hello", false);
	assert_int_equal(json_object_get_int64(get(model_part(model, "2"), "size")), 5);
	assert_part_text(msg, "3", "softbreak =\u00e9", false);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_malformed(void **state)
{
	struct mail_message *msg = corpus_parse("malformed-missing-boundary-param.eml");
	json_object *model = mail_message_model(msg);
	bool problem;
	char *text;

	/* No boundary: the body is text, not structure. */
	assert_string_equal(get_str(get(model, "bodyStructure"), "type"), "text/plain");
	assert_ids(model, "textBody", "1");
	json_object_put(model);
	mail_message_free(&msg);

	msg = corpus_parse("malformed-missing-close-boundary.eml");
	model = mail_message_model(msg);
	assert_ids(model, "attachments", "2");
	assert_part_text(msg, "2", "Second part, and the message ends without the close delimiter.\n", false);
	json_object_put(model);
	mail_message_free(&msg);

	msg = corpus_parse("malformed-broken-headers.eml");
	model = mail_message_model(msg);
	assert_null(get(model, "sentAt"));
	assert_null(get(model, "messageId"));
	assert_null(get(model, "inReplyTo"));
	assert_string_equal(get_str(model, "subject"), "space before the colon");
	text = part_text(msg, "1", &problem);
	assert_true(problem);	/* unknown transfer encoding */
	assert_string_equal(text, "Body after broken headers.\n");
	free(text);
	json_object_put(model);
	mail_message_free(&msg);

	msg = corpus_parse("malformed-8bit-headers.eml");
	model = mail_message_model(msg);
	assert_string_equal(get_str(model, "subject"), "Gr\ufffd\ufffde in raw Latin-1");
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_empty_and_headers_only(void **state)
{
	static const char *const names[] = { "empty.eml", "no-body.eml", "headers-only.eml" };

	for (size_t i = 0; i < 3; i++) {
		struct mail_message *msg = corpus_parse(names[i]);
		json_object *model = mail_message_model(msg);

		assert_string_equal(get_str(get(model, "bodyStructure"), "type"), "text/plain");
		assert_int_equal(json_object_get_int64(get(get(model, "bodyStructure"), "size")), 0);
		assert_string_equal(get_str(model, "preview"), "");
		if (i == 2)
			assert_string_equal(get_str(model, "subject"), "Only headers, no blank line");
		json_object_put(model);
		mail_message_free(&msg);
	}
}

static void test_nul_bytes(void **state)
{
	struct mail_message *msg = corpus_parse("nul-bytes.eml");
	json_object *model = mail_message_model(msg);
	void *data;
	size_t len;

	/* §4.1.2.1: NUL octets are dropped, what follows them kept. */
	assert_string_equal(get_str(model, "subject"), "NULbytes in a header");
	assert_part_text(msg, "1", "Text with a NUL  in the middle and another here.", false);
	assert_int_equal(mail_part_content(msg, "2", &data, &len, NULL), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(data, "\0\0\0\0binary\0", 11);
	free(data);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_digest_and_html(void **state)
{
	struct mail_message *msg = corpus_parse("digest.eml");
	json_object *model = mail_message_model(msg);
	char *text;

	assert_string_equal(get_str(model_part(model, "1"), "type"), "message/rfc822");
	assert_null(get(model_part(model, "1"), "charset"));
	assert_ids(model, "attachments", "1,2,3");
	assert_ids(model, "textBody", "4");
	json_object_put(model);
	mail_message_free(&msg);

	msg = corpus_parse("html-only.eml");
	model = mail_message_model(msg);
	assert_ids(model, "textBody", "1");
	assert_ids(model, "htmlBody", "1");
	assert_string_equal(get_str(model, "preview"),
			    "Thanks for your order & welcome! Item Price Tea \u2013 green \u20ac4.50 Questions? Write to "
			    "help@example.com! \u263a Unknown &bogus; entity and a lone & ampersand.");
	text = part_text(msg, "1", NULL);
	assert_non_null(strstr(text, "<script"));
	free(text);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_inline_parts(void **state)
{
	struct mail_message *msg = corpus_parse("text-attachment-inline.eml");
	json_object *model = mail_message_model(msg);

	/* §4.1.4: a named text part after the first is an attachment. */
	assert_ids(model, "textBody", "1,2,4");
	assert_ids(model, "htmlBody", "1,2,4");
	assert_ids(model, "attachments", "3");
	json_object_put(model);
	mail_message_free(&msg);
}

/* The example structure of RFC 8621 §4.1.4 (A..K). */
static void test_spec_example_structure(void **state)
{
	static const char raw[] =
		"Content-Type: multipart/mixed; boundary=m1\r\n\r\n"
		"--m1\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nA\r\n"
		"--m1\r\nContent-Type: multipart/mixed; boundary=m2\r\n\r\n"
		"--m2\r\nContent-Type: multipart/alternative; boundary=a1\r\n\r\n"
		"--a1\r\nContent-Type: multipart/mixed; boundary=m3\r\n\r\n"
		"--m3\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nB\r\n"
		"--m3\r\nContent-Type: image/jpeg\r\nContent-Disposition: inline\r\n\r\nC\r\n"
		"--m3\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nD\r\n"
		"--m3--\r\n"
		"--a1\r\nContent-Type: multipart/related; boundary=r1\r\n\r\n"
		"--r1\r\nContent-Type: text/html\r\n\r\nE\r\n"
		"--r1\r\nContent-Type: image/jpeg\r\n\r\nF\r\n"
		"--r1--\r\n"
		"--a1--\r\n"
		"--m2\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment\r\n\r\nG\r\n"
		"--m2\r\nContent-Type: application/x-excel\r\n\r\nH\r\n"
		"--m2\r\nContent-Type: message/rfc822\r\n\r\nSubject: J\r\n\r\nJ\r\n"
		"--m2--\r\n"
		"--m1\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nK\r\n"
		"--m1--\r\n";
	struct mail_message *msg = mail_message_parse(raw, sizeof(raw) - 1, NULL);
	json_object *model = mail_message_model(msg);

	/* Leaves A..K are partIds 1..10 (A=1, B=2, C=3, D=4, E=5, F=6,
	 * G=7, H=8, J=9, K=10). */
	assert_ids(model, "textBody", "1,2,3,4,10");
	assert_ids(model, "htmlBody", "1,5,10");
	assert_ids(model, "attachments", "3,6,7,8,9");
	assert_part_text(msg, "9", "Subject: J\n\nJ", false);
	json_object_put(model);
	mail_message_free(&msg);
}

/* ---- header forms ---- */

static void test_header_form_names(void **state)
{
	enum mail_header_form form;

	assert_int_equal(mail_header_form_parse_name("asRaw", &form), 0);
	assert_int_equal(form, MAIL_FORM_RAW);
	assert_int_equal(mail_header_form_parse_name("asGroupedAddresses", &form), 0);
	assert_int_equal(form, MAIL_FORM_GROUPED_ADDRESSES);
	assert_int_equal(mail_header_form_parse_name("asURLs", &form), 0);
	assert_int_equal(form, MAIL_FORM_URLS);
	assert_int_equal(mail_header_form_parse_name("asurls", &form), -1);
	assert_int_equal(mail_header_form_parse_name("asDate:all", &form), -1);
	assert_int_equal(mail_header_form_parse_name("", &form), -1);

	assert_false(mail_header_form_allowed("From", MAIL_FORM_DATE));
	assert_false(mail_header_form_allowed("from", MAIL_FORM_TEXT));
	assert_true(mail_header_form_allowed("FROM", MAIL_FORM_GROUPED_ADDRESSES));
	assert_true(mail_header_form_allowed("Subject", MAIL_FORM_TEXT));
	assert_false(mail_header_form_allowed("Subject", MAIL_FORM_ADDRESSES));
	assert_false(mail_header_form_allowed("Date", MAIL_FORM_TEXT));
	assert_true(mail_header_form_allowed("Resent-Date", MAIL_FORM_DATE));
	assert_true(mail_header_form_allowed("References", MAIL_FORM_MESSAGE_IDS));
	assert_false(mail_header_form_allowed("Message-ID", MAIL_FORM_ADDRESSES));
	assert_true(mail_header_form_allowed("List-Unsubscribe", MAIL_FORM_URLS));
	assert_false(mail_header_form_allowed("List-Post", MAIL_FORM_TEXT));
	assert_true(mail_header_form_allowed("List-Id", MAIL_FORM_TEXT));
	assert_false(mail_header_form_allowed("Received", MAIL_FORM_TEXT));
	assert_true(mail_header_form_allowed("Received", MAIL_FORM_RAW));
	assert_true(mail_header_form_allowed("Resent-Reply-To", MAIL_FORM_ADDRESSES));
	assert_true(mail_header_form_allowed("X-Anything", MAIL_FORM_DATE));
	assert_true(mail_header_form_allowed("X-Anything", MAIL_FORM_URLS));
}

/* mail_header_value() as JSON text. */
static char *form_json(const char *raw, enum mail_header_form form)
{
	json_object *value = mail_header_value(raw, form);
	char *json = xstrdup(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(value);
	return json;
}

static void assert_form(const char *raw, enum mail_header_form form, const char *expected)
{
	char *json = form_json(raw, form);

	assert_string_equal(json, expected);
	free(json);
}

static void test_header_raw_and_text(void **state)
{
	assert_form(" Hello\r\n world", MAIL_FORM_RAW, "\" Hello\\r\\n world\"");
	assert_form(" Gr\xfc\xdf", MAIL_FORM_RAW, "\" Gr\ufffd\ufffd\"");
	assert_form(" Hello\r\n  world ", MAIL_FORM_TEXT, "\"Hello  world\"");
	assert_form(" =?UTF-8?Q?J=C3=B6rg?= and =?ISO-8859-1?Q?J=F6rg?=", MAIL_FORM_TEXT, "\"J\u00f6rg and J\u00f6rg\"");
	assert_form(" =?utf-8?q?a?= =?utf-8?q?b?=", MAIL_FORM_TEXT, "\"ab\"");
	assert_form(" x=?utf-8?q?a?=", MAIL_FORM_TEXT, "\"x=?utf-8?q?a?=\"");
	/* Control characters encoded in a word are dropped; NFC applies. */
	assert_form(" =?utf-8?q?a=01b?=", MAIL_FORM_TEXT, "\"ab\"");
	assert_form(" e\xcc\x81t\xc3\xa9", MAIL_FORM_TEXT, "\"\u00e9t\u00e9\"");
	assert_form("", MAIL_FORM_TEXT, "\"\"");
}

static void test_header_addresses(void **state)
{
	static const char list[] = " \"  James Smythe\" <james@example.com>, Friends:\r\n  jane@example.com, "
				   "=?UTF-8?Q?John_Sm=C3=AEth?=\r\n  <john@example.com>;";

	assert_form(list, MAIL_FORM_ADDRESSES,
		    "[{\"name\":\"James Smythe\",\"email\":\"james@example.com\"},"
		    "{\"name\":null,\"email\":\"jane@example.com\"},"
		    "{\"name\":\"John Sm\u00eeth\",\"email\":\"john@example.com\"}]");
	assert_form(list, MAIL_FORM_GROUPED_ADDRESSES,
		    "[{\"name\":null,\"addresses\":[{\"name\":\"James Smythe\",\"email\":\"james@example.com\"}]},"
		    "{\"name\":\"Friends\",\"addresses\":[{\"name\":null,\"email\":\"jane@example.com\"},"
		    "{\"name\":\"John Sm\u00eeth\",\"email\":\"john@example.com\"}]}]");
	assert_form(" john@example.com (John Doe)", MAIL_FORM_ADDRESSES,
		    "[{\"name\":\"John Doe\",\"email\":\"john@example.com\"}]");
	assert_form(" undisclosed-recipients:;", MAIL_FORM_ADDRESSES, "[]");
	assert_form(" undisclosed-recipients:;", MAIL_FORM_GROUPED_ADDRESSES,
		    "[{\"name\":\"undisclosed-recipients\",\"addresses\":[]}]");
	assert_form(" a@b, c@d", MAIL_FORM_GROUPED_ADDRESSES,
		    "[{\"name\":null,\"addresses\":[{\"name\":null,\"email\":\"a@b\"},{\"name\":null,\"email\":\"c@d\"}]}]");
	/* Best effort: a half-typed recipient survives. */
	assert_form(" bob", MAIL_FORM_ADDRESSES, "[{\"name\":null,\"email\":\"bob\"}]");
	assert_form("", MAIL_FORM_ADDRESSES, "[]");
}

static void test_header_ids_date_urls(void **state)
{
	assert_form(" <a@b> (comment)\r\n <c@d>", MAIL_FORM_MESSAGE_IDS, "[\"a@b\",\"c@d\"]");
	assert_form("<only@one>", MAIL_FORM_MESSAGE_IDS, "[\"only@one\"]");
	assert_form(" no-brackets@example.com", MAIL_FORM_MESSAGE_IDS, "null");
	assert_form(" <a@b> junk", MAIL_FORM_MESSAGE_IDS, "null");
	assert_form(" <a b@c>", MAIL_FORM_MESSAGE_IDS, "null");
	assert_form(" <>", MAIL_FORM_MESSAGE_IDS, "null");
	assert_form("", MAIL_FORM_MESSAGE_IDS, "null");
	assert_form(" <a@b> (unclosed", MAIL_FORM_MESSAGE_IDS, "null");

	assert_form(" Sat, 21 Nov 2026 14:00:00 +0100", MAIL_FORM_DATE, "\"2026-11-21T14:00:00+01:00\"");
	assert_form(" 21 Nov 2026 14:00 -0530 (EST)", MAIL_FORM_DATE, "\"2026-11-21T14:00:00-05:30\"");
	assert_form(" Sat, 21 Nov 2026 14:00:00 GMT", MAIL_FORM_DATE, "\"2026-11-21T14:00:00+00:00\"");
	assert_form(" not a date", MAIL_FORM_DATE, "null");
	assert_form(" Mon, 32 Foo 2026 99:99:99 +0000", MAIL_FORM_DATE, "null");
	assert_form("", MAIL_FORM_DATE, "null");

	assert_form(" <mailto:a@b?subject=x>,\r\n <https://example.com/ leave> (web)", MAIL_FORM_URLS,
		    "[\"mailto:a@b?subject=x\",\"https://example.com/leave\"]");
	assert_form(" NO (posting not allowed)", MAIL_FORM_URLS, "null");
	assert_form(" <unclosed", MAIL_FORM_URLS, "null");
	assert_form("", MAIL_FORM_URLS, "null");
}

/* ---- summary, threading, search ---- */

static void assert_thread_subject(const char *subject, const char *expected)
{
	struct strbuf raw = { 0 };
	struct mail_message *msg;
	struct mail_summary summary;

	strbuf_printf(&raw, "Subject: %s\r\n\r\nbody\r\n", subject);
	msg = mail_message_parse(raw.s, raw.len, NULL);
	mail_message_summary(msg, &summary);
	assert_string_equal(summary.thread_subject, expected);
	mail_summary_clear(&summary);
	mail_message_free(&msg);
	strbuf_free(&raw);
}

static void test_thread_subject(void **state)
{
	assert_thread_subject("Re: Hello", "hello");
	assert_thread_subject("RE: re: Fwd: FW: Hello", "hello");
	assert_thread_subject("Re [list]: Hello", "hello");
	assert_thread_subject("[list] Re: Hello (fwd)", "hello");
	assert_thread_subject("Hello (fwd) (FWD)  ", "hello");
	assert_thread_subject("[fwd: Re: Hello]", "hello");
	assert_thread_subject("[a][b] [c]", "[c]");
	assert_thread_subject("[only]", "[only]");
	assert_thread_subject("Re:   Spaced\t out", "spaced out");
	assert_thread_subject("=?UTF-8?Q?Re:_Gr=C3=BC=C3=9Fe?=", "gr\u00fc\u00dfe");
	assert_thread_subject("Rely on me", "rely on me");
	assert_thread_subject("", "");
}

static void test_summary(void **state)
{
	struct mail_message *msg = corpus_parse("list-headers.eml");
	struct mail_summary summary;
	json_object *model = mail_message_model(msg);

	mail_message_summary(msg, &summary);
	assert_string_equal(summary.message_id, "reply.3@example.com");
	assert_int_equal(summary.ref_count, 3);
	assert_string_equal(summary.refs[0], "reply.2@example.com");
	assert_string_equal(summary.refs[1], "root@example.com");
	assert_string_equal(summary.refs[2], "reply.1@example.com");
	assert_string_equal(summary.subject, "Re: [dev] Fwd: Re: Release plan (fwd)");
	assert_string_equal(summary.thread_subject, "release plan");
	assert_string_equal(summary.from_sort, "Dev List");
	assert_string_equal(summary.to_sort, "jane@example.com");
	assert_int_equal(summary.sent_at, 1796873399);
	assert_false(summary.has_attachment);
	assert_string_equal(summary.preview, get_str(model, "preview"));
	mail_summary_clear(&summary);
	assert_null(summary.subject);
	assert_string_equal(get_str(model, "sentAt"), "2026-12-09T23:59:59-03:30");
	assert_int_equal(json_object_array_length(get(model, "to")), 3);
	assert_int_equal(json_object_array_length(get(model, "cc")), 0);
	assert_string_equal(get_str(json_object_array_get_idx(get(model, "sender"), 0), "email"),
			    "dev-bounces@lists.example.org");
	json_object_put(model);
	mail_message_free(&msg);

	msg = corpus_parse("malformed-broken-headers.eml");
	mail_message_summary(msg, &summary);
	/* Threading reads ids leniently. */
	assert_string_equal(summary.message_id, "missing-brackets@example.com");
	assert_int_equal(summary.ref_count, 1);
	assert_string_equal(summary.refs[0], "tue.1@example.com");
	assert_int_equal(summary.sent_at, 0);
	mail_summary_clear(&summary);
	mail_message_free(&msg);
}

static void test_search_text(void **state)
{
	struct mail_message *msg = corpus_parse("alternative.eml");
	struct mail_search_text text;

	mail_message_search_text(msg, &text);
	assert_string_equal(text.subject, "Quartalszahlen f\u00fcr Q3");
	assert_string_equal(text.from, "J\u00f6rg M\u00fcller joerg@example.com");
	assert_string_equal(text.cc, "Team, Sales sales@example.com");
	assert_string_equal(text.bcc, "");
	assert_non_null(strstr(text.body, "Revenue grew by 12"));
	assert_null(strstr(text.body, "alert("));
	assert_null(strstr(text.body, "color: #333"));
	assert_null(strstr(text.body, "<p>"));
	assert_non_null(strstr(text.headers, "Subject: Quartalszahlen f\u00fcr Q3\n"));
	mail_search_text_clear(&text);
	mail_message_free(&msg);

	msg = corpus_parse("mixed-attachments.eml");
	mail_message_search_text(msg, &text);
	assert_non_null(strstr(text.attachments, "contract.pdf"));
	assert_non_null(strstr(text.attachments, "Note 2: sign before Friday."));
	mail_search_text_clear(&text);
	mail_message_free(&msg);
}

/* ---- building MIME (Email/set create) ---- */

static void *xmemdup_test(const void *data, size_t len)
{
	void *copy = xmalloc(len > 0 ? len : 1);

	memcpy(copy, data, len);
	return copy;
}

static const char test_pdf[] = "%PDF-1.4 test blob \xe2\x82\xac\n";
static const unsigned char test_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 1, 2, 3 };

static int test_fetch(void *context, const char *blob_id, void **data_r, size_t *len_r)
{
	(void)context;
	if (strcmp(blob_id, "Gpdf") == 0) {
		*len_r = sizeof(test_pdf) - 1;
		*data_r = xmemdup_test(test_pdf, *len_r);
	} else if (strcmp(blob_id, "Gpng") == 0) {
		*len_r = sizeof(test_png);
		*data_r = xmemdup_test(test_png, *len_r);
	} else {
		return -1;
	}
	return 0;
}

/* Builds the Email given as JSON text; returns the raw bytes, or NULL
 * with *bad_property_r set. */
static char *build_json(const char *json, size_t *len_r, const char **bad_property_r)
{
	json_object *email = json_tokener_parse(json);
	struct mail_build_input in = { email, "mx.example.test", 1795266000, test_fetch, NULL };
	const char *bad = NULL, *error = NULL;
	char *raw = NULL;
	int ret;

	assert_non_null(email);
	ret = mail_build(&in, &raw, len_r, &bad, &error);
	if (ret < 0) {
		assert_null(raw);
		assert_non_null(error);
		assert_non_null(bad);
		*bad_property_r = bad != NULL ? strdup(bad) : NULL;
	} else {
		assert_non_null(raw);
		*bad_property_r = NULL;
	}
	json_object_put(email);
	return raw;
}

/* Builds json, checks the result is CRLF-only MIME, and parses it. */
static struct mail_message *build_parse(const char *json, json_object **model_r)
{
	const char *bad;
	size_t len;
	char *raw = build_json(json, &len, &bad);
	struct mail_message *msg;

	if (raw == NULL)
		fail_msg("build failed at %s", bad);
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\n')
			assert_true(i > 0 && raw[i - 1] == '\r');
		assert_true((unsigned char)raw[i] < 0x80);
	}
	msg = mail_message_parse(raw, len, NULL);
	free(raw);
	*model_r = mail_message_model(msg);
	return msg;
}

static void test_build_text(void **state)
{
	json_object *model, *from;
	struct mail_message *msg = build_parse(
		"{\"from\":[{\"name\":\"J\u00f6rg \\\"The\\\" M\u00fcller, Jr.\",\"email\":\"joerg@example.com\"}],"
		"\"to\":[{\"name\":null,\"email\":\"bob@example.org\"},{\"email\":\"carol@example.net\",\"name\":\"Carol\"}],"
		"\"subject\":\"Gr\u00fc\u00dfe aus K\u00f6ln \u2013 a subject long enough that it has to be folded somewhere\","
		"\"sentAt\":\"2026-11-21T14:00:00+01:00\",\"messageId\":[\"built.1@example.com\"],"
		"\"inReplyTo\":[\"parent@example.com\"],\"references\":[\"root@example.com\",\"parent@example.com\"],"
		"\"keywords\":{\"$draft\":true},\"mailboxIds\":{\"m1\":true},"
		"\"bodyValues\":{\"t\":{\"value\":\"Hallo Bob,\\nsch\u00f6ne Gr\u00fc\u00dfe.\\n\",\"isTruncated\":false}},"
		"\"textBody\":[{\"partId\":\"t\",\"type\":\"text/plain\"}]}", &model);

	from = json_object_array_get_idx(get(model, "from"), 0);
	assert_string_equal(get_str(from, "name"), "J\u00f6rg \"The\" M\u00fcller, Jr.");
	assert_string_equal(get_str(from, "email"), "joerg@example.com");
	assert_int_equal(json_object_array_length(get(model, "to")), 2);
	assert_string_equal(get_str(json_object_array_get_idx(get(model, "to"), 1), "name"), "Carol");
	assert_string_equal(get_str(model, "subject"), "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 a subject long enough "
			    "that it has to be folded somewhere");
	assert_string_equal(get_str(model, "sentAt"), "2026-11-21T14:00:00+01:00");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(model, "messageId"), 0)),
			    "built.1@example.com");
	assert_int_equal(json_object_array_length(get(model, "references")), 2);
	assert_string_equal(get_str(get(model, "bodyStructure"), "type"), "text/plain");
	assert_string_equal(get_str(get(model, "bodyStructure"), "charset"), "utf-8");
	assert_part_text(msg, "1", "Hallo Bob,\nsch\u00f6ne Gr\u00fc\u00dfe.\n", false);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_build_alternative_related_mixed(void **state)
{
	json_object *model;
	struct mail_message *msg = build_parse(
		"{\"from\":[{\"email\":\"a@example.com\"}],\"subject\":\"All shapes\","
		"\"bodyValues\":{\"t\":{\"value\":\"plain text\\n\"},\"h\":{\"value\":\"<p>html <img src=\\\"cid:img1@x\\\"></p>\\n\"}},"
		"\"textBody\":[{\"partId\":\"t\"}],\"htmlBody\":[{\"partId\":\"h\",\"type\":\"text/html\"}],"
		"\"attachments\":[{\"blobId\":\"Gpng\",\"type\":\"image/png\",\"cid\":\"img1@x\",\"disposition\":\"inline\"},"
		"{\"blobId\":\"Gpdf\",\"type\":\"application/pdf\",\"name\":\"R\u00e9sum\u00e9 \u2013 2026 with a long name.pdf\","
		"\"disposition\":\"attachment\"}]}", &model);
	json_object *structure = get(model, "bodyStructure");
	void *data;
	size_t len;

	assert_string_equal(get_str(structure, "type"), "multipart/mixed");
	assert_string_equal(get_str(json_object_array_get_idx(get(structure, "subParts"), 0), "type"),
			    "multipart/alternative");
	assert_ids(model, "textBody", "1");
	assert_ids(model, "htmlBody", "2");
	assert_ids(model, "attachments", "3,4");
	assert_string_equal(get_str(model_part(model, "3"), "cid"), "img1@x");
	assert_string_equal(get_str(model_part(model, "4"), "name"), "R\u00e9sum\u00e9 \u2013 2026 with a long name.pdf");
	assert_string_equal(get_str(model_part(model, "4"), "disposition"), "attachment");
	assert_true(json_object_get_boolean(get(model, "hasAttachment")));
	assert_int_equal(mail_part_content(msg, "3", &data, &len, NULL), 0);
	assert_int_equal(len, sizeof(test_png));
	assert_memory_equal(data, test_png, len);
	free(data);
	assert_int_equal(mail_part_content(msg, "4", &data, &len, NULL), 0);
	assert_int_equal(len, sizeof(test_pdf) - 1);
	assert_memory_equal(data, test_pdf, len);
	free(data);
	assert_part_text(msg, "2", "<p>html <img src=\"cid:img1@x\"></p>\n", false);
	/* Generated fields: a Message-ID and the Date of "now". */
	assert_non_null(strstr(json_object_get_string(json_object_array_get_idx(get(model, "messageId"), 0)),
			       "@mx.example.test"));
	assert_string_equal(get_str(model, "sentAt"), "2026-11-21T13:00:00+00:00");
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_build_body_structure(void **state)
{
	json_object *model, *header;
	struct mail_message *msg = build_parse(
		"{\"subject\":\"Structure\",\"header:X-Note:asText\":\"na\u00efve caf\u00e9\","
		"\"header:X-Raw\":\" kept as given\","
		"\"header:List-Post:asURLs\":[\"mailto:list@example.org\"],"
		"\"header:Resent-To:asAddresses:all\":[[{\"email\":\"r1@example.com\"}],[{\"name\":\"R 2\",\"email\":\"r2@example.com\"}]],"
		"\"header:X-When:asDate\":\"2026-01-02T03:04:05Z\","
		"\"header:X-Ids:asMessageIds\":[\"x@y\",\"z@w\"],"
		"\"cc\":null,"
		"\"header:To:asGroupedAddresses\":[{\"name\":\"Team\",\"addresses\":[{\"email\":\"t1@example.com\"}]},"
		"{\"name\":null,\"addresses\":[{\"email\":\"solo@example.com\"}]}],"
		"\"bodyValues\":{\"a\":{\"value\":\"\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\"}},"
		"\"bodyStructure\":{\"type\":\"multipart/mixed\",\"header:X-Part-Note\":\" on the root part\",\"subParts\":["
		"{\"partId\":\"a\",\"type\":\"text/plain\",\"language\":[\"ja\"],\"location\":\"http://example.com/a\"},"
		"{\"blobId\":\"Gpdf\",\"type\":\"application/pdf\",\"name\":\"\u20ac.pdf\",\"disposition\":\"attachment\","
		"\"header:Content-Description\":\"the PDF\"}]}}", &model);
	char *json;

	assert_string_equal(get_str(model_part(model, "1"), "location"), "http://example.com/a");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(model_part(model, "1"), "language"), 0)),
			    "ja");
	assert_part_text(msg, "1", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", false);
	assert_string_equal(get_str(model_part(model, "2"), "name"), "\u20ac.pdf");
	assert_int_equal(json_object_array_length(get(model, "to")), 2);
	assert_null(get(model, "cc"));
	/* The parsed forms read back what was set. */
	json = NULL;
	for (size_t i = 0; i < json_object_array_length(get(model, "headers")); i++) {
		header = json_object_array_get_idx(get(model, "headers"), i);
		if (strcmp(get_str(header, "name"), "X-Note") == 0)
			assert_form(get_str(header, "value"), MAIL_FORM_TEXT, "\"na\u00efve caf\u00e9\"");
		else if (strcmp(get_str(header, "name"), "X-Raw") == 0)
			assert_string_equal(get_str(header, "value"), " kept as given");
		else if (strcmp(get_str(header, "name"), "List-Post") == 0)
			assert_form(get_str(header, "value"), MAIL_FORM_URLS, "[\"mailto:list@example.org\"]");
		else if (strcmp(get_str(header, "name"), "X-When") == 0)
			assert_form(get_str(header, "value"), MAIL_FORM_DATE, "\"2026-01-02T03:04:05+00:00\"");
		else if (strcmp(get_str(header, "name"), "X-Ids") == 0)
			assert_form(get_str(header, "value"), MAIL_FORM_MESSAGE_IDS, "[\"x@y\",\"z@w\"]");
		else if (strcmp(get_str(header, "name"), "Resent-To") == 0)
			json = json == NULL ? xstrdup(get_str(header, "value")) : json;
		else if (strcmp(get_str(header, "name"), "To") == 0)
			assert_form(get_str(header, "value"), MAIL_FORM_GROUPED_ADDRESSES,
				    "[{\"name\":\"Team\",\"addresses\":[{\"name\":null,\"email\":\"t1@example.com\"}]},"
				    "{\"name\":null,\"addresses\":[{\"name\":null,\"email\":\"solo@example.com\"}]}]");
	}
	assert_non_null(json);
	assert_form(json, MAIL_FORM_ADDRESSES, "[{\"name\":null,\"email\":\"r1@example.com\"}]");
	free(json);
	json_object_put(model);
	mail_message_free(&msg);
}

static void test_build_minimal(void **state)
{
	json_object *model;
	struct mail_message *msg = build_parse("{\"sentAt\":null,\"messageId\":null,\"header:X-Null\":null}", &model);

	assert_string_equal(get_str(get(model, "bodyStructure"), "type"), "text/plain");
	assert_non_null(get(model, "messageId"));
	assert_non_null(get(model, "sentAt"));
	json_object_put(model);
	mail_message_free(&msg);

	msg = build_parse("{\"attachments\":[{\"blobId\":\"Gpdf\",\"type\":\"application/pdf\"}]}", &model);
	assert_string_equal(get_str(get(model, "bodyStructure"), "type"), "multipart/mixed");
	assert_ids(model, "attachments", "1");
	json_object_put(model);
	mail_message_free(&msg);
}

static void assert_build_fails(const char *json, const char *property)
{
	const char *bad;
	size_t len;
	char *raw = build_json(json, &len, &bad);

	assert_null(raw);
	assert_string_equal(bad, property);
	free((char *)bad);
}

static void test_build_errors(void **state)
{
	assert_build_fails("{\"from\":\"a@b\"}", "from");
	assert_build_fails("{\"from\":[{\"name\":\"x\"}]}", "from");
	assert_build_fails("{\"to\":[{\"email\":\"a b@c\"}]}", "to");
	assert_build_fails("{\"subject\":7}", "subject");
	assert_build_fails("{\"sentAt\":\"yesterday\"}", "sentAt");
	assert_build_fails("{\"sentAt\":\"2026-13-01T00:00:00Z\"}", "sentAt");
	assert_build_fails("{\"messageId\":[\"a b\"]}", "messageId");
	assert_build_fails("{\"headers\":[]}", "headers");
	assert_build_fails("{\"header:From:asDate\":\"2026-01-01T00:00:00Z\"}", "header:From:asDate");
	assert_build_fails("{\"from\":[{\"email\":\"a@b\"}],\"header:from\":\" a@b\"}", "header:from");
	assert_build_fails("{\"header:Content-Type\":\" text/plain\"}", "header:Content-Type");
	assert_build_fails("{\"header:X-Evil:asRaw\":\" x\\r\\nBcc: victim@example.com\"}", "header:X-Evil:asRaw");
	assert_build_fails("{\"header:X:asNothing\":\"x\"}", "header:X:asNothing");
	assert_build_fails("{\"header:X:asNothing\":null}", "header:X:asNothing");
	assert_build_fails("{\"header:X:all\":\"x\"}", "header:X:all");
	assert_build_fails("{\"id\":\"e1\"}", "id");
	assert_build_fails("{\"bodyStructure\":{\"partId\":\"a\"},\"textBody\":[]}", "bodyStructure");
	assert_build_fails("{\"bodyValues\":[]}", "bodyValues");
	assert_build_fails("{\"textBody\":[{\"partId\":\"a\"},{\"partId\":\"b\"}],"
			   "\"bodyValues\":{\"a\":{\"value\":\"x\"},\"b\":{\"value\":\"y\"}}}", "textBody");
	assert_build_fails("{\"htmlBody\":[{\"partId\":\"a\",\"type\":\"text/plain\"}],"
			   "\"bodyValues\":{\"a\":{\"value\":\"x\"}}}", "htmlBody");
	assert_build_fails("{\"textBody\":[{\"partId\":\"missing\"}]}", "textBody");
	assert_build_fails("{\"textBody\":[{\"partId\":\"a\"}],\"bodyValues\":{\"a\":{\"value\":\"x\","
			   "\"isTruncated\":true}}}", "bodyValues");
	assert_build_fails("{\"textBody\":[{\"partId\":\"a\",\"charset\":\"utf-8\"}],"
			   "\"bodyValues\":{\"a\":{\"value\":\"x\"}}}", "textBody");
	assert_build_fails("{\"attachments\":[{\"blobId\":\"Gnone\"}]}", "attachments");
	assert_build_fails("{\"attachments\":[{\"blobId\":\"Gpdf\",\"partId\":\"a\"}]}", "attachments");
	assert_build_fails("{\"attachments\":[{\"blobId\":\"Gpdf\",\"headers\":[]}]}", "attachments");
	assert_build_fails("{\"attachments\":[{\"blobId\":\"Gpdf\",\"header:Content-Transfer-Encoding\":\" base64\"}]}",
			   "attachments");
	assert_build_fails("{\"attachments\":[{\"blobId\":\"Gpdf\",\"type\":\"no-slash\"}]}", "attachments");
	assert_build_fails("{\"attachments\":[{\"blobId\":\"Gpdf\",\"cid\":\"a b\"}]}", "attachments");
	assert_build_fails("{\"bodyStructure\":{\"type\":\"multipart/mixed\"}}", "bodyStructure");
	assert_build_fails("{\"subject\":\"x\",\"bodyStructure\":{\"partId\":\"a\",\"header:Subject\":\" y\"},"
			   "\"bodyValues\":{\"a\":{\"value\":\"x\"}}}", "bodyStructure");
}

static int test_fetch_count(void *context, const char *blob_id, void **data_r, size_t *len_r)
{
	(*(int *)context)++;
	return test_fetch(NULL, blob_id, data_r, len_r);
}

static void test_build_missing_blobs(void **state)
{
	json_object *create = json_tokener_parse(
		"{\"attachments\":[{\"blobId\":\"Gno1\"},{\"blobId\":\"Gpdf\"},{\"blobId\":\"Gno2\"}]}");
	int calls = 0;
	struct mail_build_input in = { create, "h", 0, test_fetch_count, &calls };
	const char *bad, *error;
	char *raw = NULL;
	size_t len;

	/* Every blob is asked for, so a caller can list all missing ones. */
	assert_int_equal(mail_build(&in, &raw, &len, &bad, &error), -1);
	assert_int_equal(calls, 3);
	assert_string_equal(bad, "attachments");
	assert_non_null(strstr(error, "Gno1"));
	assert_null(raw);
	json_object_put(create);
}

static void test_build_blob_ids(void **state)
{
	json_object *email = json_tokener_parse(
		"{\"bodyStructure\":{\"type\":\"multipart/mixed\",\"subParts\":[{\"blobId\":\"G1\"},"
		"{\"type\":\"multipart/related\",\"subParts\":[{\"blobId\":\"G2\"},{\"blobId\":\"G1\"}]}]},"
		"\"attachments\":[{\"blobId\":\"G3\"},{\"partId\":\"x\"}]}");
	json_object *ids = mail_build_blob_ids(email);
	char *joined = join_ids(ids);

	assert_string_equal(joined, "G1,G2,G3");
	free(joined);
	json_object_put(ids);
	json_object_put(email);
}

/* ---- bounds and robustness ---- */

static double test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses raw and computes everything an import would; fails past
 * max_seconds. Returns the number of leaves. */
static size_t parse_bounded(const char *raw, size_t len, const struct mail_limits *limits, double max_seconds)
{
	double start = test_now();
	struct mail_message *msg = mail_message_parse(raw, len, limits);
	json_object *model = mail_message_model(msg);
	struct mail_summary summary;
	struct mail_search_text text;
	size_t leaves = 0;
	char *id;
	void *data;
	size_t data_len;

	mail_message_summary(msg, &summary);
	mail_message_search_text(msg, &text);
	for (;; leaves++) {
		id = xasprintf("%zu", leaves + 1);
		if (mail_part_content(msg, id, &data, &data_len, NULL) < 0) {
			free(id);
			break;
		}
		free(data);
		free(id);
	}
	mail_search_text_clear(&text);
	mail_summary_clear(&summary);
	json_object_put(model);
	mail_message_free(&msg);
	if (test_now() - start > max_seconds)
		fail_msg("took %.2f s", test_now() - start);
	return leaves;
}

static void test_bounds_many_parts(void **state)
{
	struct strbuf b = { 0 };
	size_t leaves;

	strbuf_puts(&b, "Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
	for (int i = 0; i < 100000; i++)
		strbuf_puts(&b, "--b\r\n\r\nx\r\n");
	strbuf_puts(&b, "--b--\r\n");
	leaves = parse_bounded(b.s, b.len, NULL, 20);
	assert_true(leaves > 0 && leaves <= 1000 + 32);
	strbuf_free(&b);
}

static void test_bounds_deep(void **state)
{
	struct strbuf b = { 0 };
	size_t leaves;

	/* 1,000 nested multiparts. */
	strbuf_puts(&b, "Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (int i = 1; i < 1000; i++)
		strbuf_printf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i - 1, i);
	strbuf_puts(&b, "--b999\r\n\r\nleaf\r\n");
	for (int i = 999; i >= 0; i--)
		strbuf_printf(&b, "--b%d--\r\n", i);
	leaves = parse_bounded(b.s, b.len, NULL, 20);
	assert_int_equal(leaves, 1);
	strbuf_reset(&b);

	/* 100,000 nested multipart headers, then many "--" lines. */
	strbuf_puts(&b, "Content-Type: multipart/mixed; boundary=c0\r\n\r\n");
	for (int i = 1; i < 100000; i++)
		strbuf_printf(&b, "--c%d\r\nContent-Type: multipart/mixed; boundary=c%d\r\n\r\n", i - 1, i);
	for (int i = 0; i < 100000; i++)
		strbuf_puts(&b, "--not-a-boundary\r\n");
	parse_bounded(b.s, b.len, NULL, 20);
	strbuf_reset(&b);

	/* 10,000 nested message/rfc822. */
	for (int i = 0; i < 10000; i++)
		strbuf_puts(&b, "Subject: m\r\nContent-Type: message/rfc822\r\n\r\n");
	strbuf_puts(&b, "Subject: leaf\r\n\r\nleaf\r\n");
	leaves = parse_bounded(b.s, b.len, NULL, 20);
	assert_int_equal(leaves, 1);
	strbuf_free(&b);
}

static void test_bounds_limits(void **state)
{
	struct mail_limits limits = { .max_depth = 3, .max_parts = 5, .max_header_bytes = 64 };
	size_t len;
	char *raw = corpus_read("nesting-100.eml", &len), *text;
	struct mail_message *msg = mail_message_parse(raw, len, &limits);
	json_object *model = mail_message_model(msg);
	json_object *deep = model_part(model, "1");
	bool truncated, problem;

	/* Past max_depth: one opaque leaf holding the rest. */
	assert_string_equal(get_str(deep, "type"), "application/octet-stream");
	assert_int_equal(mail_part_text(msg, "1", 0, &text, &truncated, &problem), 0);
	assert_non_null(strstr(text, "The innermost part."));
	free(text);
	/* max_header_bytes bounds the header list. */
	assert_true(json_object_array_length(get(model, "headers")) < 7);
	json_object_put(model);
	mail_message_free(&msg);
	free(raw);

	raw = corpus_read("parts-3000.eml", &len);
	msg = mail_message_parse(raw, len, &limits);
	model = mail_message_model(msg);
	assert_ids(model, "attachments", "1,2,3,4,5");
	/* The last leaf holds what is left, from part 5 on. */
	assert_int_equal(mail_part_text(msg, "5", 0, &text, &truncated, &problem), 0);
	assert_true(strncmp(text, "Content-Type: text/plain; name=\"part4.txt\"", 41) == 0);
	assert_non_null(strstr(text, "part 2999"));
	assert_null(strstr(text, "--many--"));
	free(text);
	json_object_put(model);
	mail_message_free(&msg);
	free(raw);
}

static void test_long_lines(void **state)
{
	struct mail_message *msg = corpus_parse("long-lines.eml");
	json_object *model = mail_message_model(msg);
	char *text;
	bool truncated, problem;

	assert_true(strlen(get_str(model, "subject")) > 20000);
	assert_int_equal(g_utf8_strlen(get_str(model, "preview"), -1), 256);
	assert_int_equal(mail_part_text(msg, "1", 1000, &text, &truncated, &problem), 0);
	assert_int_equal(strlen(text), 1000);
	assert_true(truncated);
	free(text);
	json_object_put(model);
	mail_message_free(&msg);
}

/* Every prefix of a few messages parses, as if it arrived a byte at a
 * time and was cut anywhere. */
static void test_every_prefix(void **state)
{
	static const char *const names[] = {
		"alternative.eml", "related-inline-image.eml", "nested-rfc822.eml", "rfc2231-names.eml",
		"malformed-broken-headers.eml",
	};

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t len;
		char *raw = corpus_read(names[n], &len);

		for (size_t cut = 0; cut <= len; cut += n == 4 ? 7 : 1) {
			char *copy = xmalloc(cut + 1);
			struct mail_message *msg;

			memcpy(copy, raw, cut);
			msg = mail_message_parse(copy, cut, NULL);
			free(copy);
			check_message(msg);
			mail_message_free(&msg);
		}
		free(raw);
	}
}

/* Random damage (a fixed seed): flipped, deleted and duplicated bytes. */
static void test_mutations(void **state)
{
	static const char *const names[] = { "mixed-attachments.eml", "list-headers.eml", "rfc2047-headers.eml" };
	unsigned seed = 12345;

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t len;
		char *raw = corpus_read(names[n], &len);

		for (int round = 0; round < 300; round++) {
			char *copy = xmalloc(len + 1);
			size_t copy_len = len;
			struct mail_message *msg;

			memcpy(copy, raw, len);
			for (int k = 0; k < 1 + round % 8; k++) {
				size_t at = (size_t)rand_r(&seed) % copy_len;

				if (k % 3 == 0)
					copy[at] = (char)rand_r(&seed);
				else if (k % 3 == 1 && copy_len > 1)
					memmove(copy + at, copy + at + 1, --copy_len - at);
				else
					copy[at] = "\n\r-:;=\"<>\\"[rand_r(&seed) % 10];
			}
			msg = mail_message_parse(copy, copy_len, NULL);
			check_message(msg);
			mail_message_free(&msg);
			free(copy);
		}
		free(raw);
	}
}

struct thread_work {
	const char *raw;
	size_t len;
	int failures;
};

/* No cmocka assertions here: they may only run on the test's thread. */
static void *thread_parse(void *arg)
{
	struct thread_work *work = arg;
	json_object *email = json_tokener_parse("{\"subject\":\"t\u00e9\",\"bodyValues\":{\"a\":{\"value\":\"x\"}},"
						"\"textBody\":[{\"partId\":\"a\"}]}");
	struct mail_build_input in = { email, "host.test", 0, test_fetch, NULL };

	for (int i = 0; i < 40; i++) {
		struct mail_message *msg = mail_message_parse(work->raw, work->len, NULL);
		json_object *model = mail_message_model(msg);
		const char *bad, *error;
		size_t len;
		char *raw = NULL;

		if (mail_build(&in, &raw, &len, &bad, &error) < 0 ||
		    json_object_array_length(json_object_object_get(model, "attachments")) != 3)
			work->failures++;
		free(raw);
		json_object_put(model);
		mail_message_free(&msg);
	}
	json_object_put(email);
	return NULL;
}

/* Messages are parsed and built on several threads at once. */
static void test_threads(void **state)
{
	struct thread_work work[4];
	pthread_t threads[4];
	char *raw = corpus_read("mixed-attachments.eml", &work[0].len);

	for (int i = 0; i < 4; i++) {
		work[i] = (struct thread_work){ raw, work[0].len, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, thread_parse, &work[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(work[i].failures, 0);
	}
	free(raw);
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
		cmocka_unit_test(test_corpus_all),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_related_inline_image),
		cmocka_unit_test(test_mixed_attachments),
		cmocka_unit_test(test_nested_rfc822),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_part_text_truncation),
		cmocka_unit_test(test_transfer_encodings),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty_and_headers_only),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_digest_and_html),
		cmocka_unit_test(test_inline_parts),
		cmocka_unit_test(test_spec_example_structure),
		cmocka_unit_test(test_header_form_names),
		cmocka_unit_test(test_header_raw_and_text),
		cmocka_unit_test(test_header_addresses),
		cmocka_unit_test(test_header_ids_date_urls),
		cmocka_unit_test(test_thread_subject),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_search_text),
		cmocka_unit_test(test_build_text),
		cmocka_unit_test(test_build_alternative_related_mixed),
		cmocka_unit_test(test_build_body_structure),
		cmocka_unit_test(test_build_minimal),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_missing_blobs),
		cmocka_unit_test(test_build_blob_ids),
		cmocka_unit_test(test_bounds_many_parts),
		cmocka_unit_test(test_bounds_deep),
		cmocka_unit_test(test_bounds_limits),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
