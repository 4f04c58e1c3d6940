/* Header field values in the parsed forms of RFC 8621 §4.1.2: Raw,
 * Text, MessageIds, Date and URLs here; Addresses and GroupedAddresses
 * in mail_header_addr.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

#define FORM(f) (1u << (f))
#define FORMS_ADDR (FORM(MAIL_FORM_RAW) | FORM(MAIL_FORM_ADDRESSES) | FORM(MAIL_FORM_GROUPED_ADDRESSES))
#define FORMS_TEXT (FORM(MAIL_FORM_RAW) | FORM(MAIL_FORM_TEXT))
#define FORMS_IDS (FORM(MAIL_FORM_RAW) | FORM(MAIL_FORM_MESSAGE_IDS))
#define FORMS_DATE (FORM(MAIL_FORM_RAW) | FORM(MAIL_FORM_DATE))
#define FORMS_URLS (FORM(MAIL_FORM_RAW) | FORM(MAIL_FORM_URLS))

static const struct {
	const char *name;
	enum mail_header_form form;
} header_form_names[] = {
	{ "asRaw", MAIL_FORM_RAW },
	{ "asText", MAIL_FORM_TEXT },
	{ "asAddresses", MAIL_FORM_ADDRESSES },
	{ "asGroupedAddresses", MAIL_FORM_GROUPED_ADDRESSES },
	{ "asMessageIds", MAIL_FORM_MESSAGE_IDS },
	{ "asDate", MAIL_FORM_DATE },
	{ "asURLs", MAIL_FORM_URLS },
};

/* The fields RFC 5322 and RFC 2369 define (and Resent-Reply-To, which
 * §4.1.2.3 lists), with the forms §4.1.2 allows for each. Any other
 * field may be read in any form. */
static const struct {
	const char *name;
	unsigned forms;
} header_known_fields[] = {
	{ "bcc", FORMS_ADDR }, { "cc", FORMS_ADDR }, { "comments", FORMS_TEXT },
	{ "date", FORMS_DATE }, { "from", FORMS_ADDR }, { "in-reply-to", FORMS_IDS },
	{ "keywords", FORMS_TEXT }, { "list-archive", FORMS_URLS }, { "list-help", FORMS_URLS },
	{ "list-owner", FORMS_URLS }, { "list-post", FORMS_URLS }, { "list-subscribe", FORMS_URLS },
	{ "list-unsubscribe", FORMS_URLS }, { "message-id", FORMS_IDS }, { "received", FORM(MAIL_FORM_RAW) },
	{ "references", FORMS_IDS }, { "reply-to", FORMS_ADDR }, { "resent-bcc", FORMS_ADDR },
	{ "resent-cc", FORMS_ADDR }, { "resent-date", FORMS_DATE }, { "resent-from", FORMS_ADDR },
	{ "resent-message-id", FORMS_IDS }, { "resent-reply-to", FORMS_ADDR },
	{ "resent-sender", FORMS_ADDR }, { "resent-to", FORMS_ADDR },
	{ "return-path", FORM(MAIL_FORM_RAW) }, { "sender", FORMS_ADDR }, { "subject", FORMS_TEXT },
	{ "to", FORMS_ADDR },
};

int mail_header_form_parse_name(const char *name, enum mail_header_form *form_r)
{
	for (size_t i = 0; i < sizeof(header_form_names) / sizeof(header_form_names[0]); i++) {
		if (strcmp(name, header_form_names[i].name) == 0) {
			*form_r = header_form_names[i].form;
			return 0;
		}
	}
	return -1;
}

bool mail_header_form_allowed(const char *field_name, enum mail_header_form form)
{
	for (size_t i = 0; i < sizeof(header_known_fields) / sizeof(header_known_fields[0]); i++) {
		if (g_ascii_strcasecmp(field_name, header_known_fields[i].name) == 0)
			return (header_known_fields[i].forms & FORM(form)) != 0;
	}
	return true;
}

/* Skips comments and folding white space; false if a comment is not
 * closed. */
static bool header_skip_cfws(const char **p)
{
	const char *s = *p;

	for (;;) {
		unsigned depth = 0;

		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s != '(')
			break;
		do {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')')
				depth--;
			else if (*s == '\0')
				return false;
			s++;
		} while (depth > 0);
	}
	*p = s;
	return true;
}

/* valid without control characters other than tab. */
static void header_drop_controls(const struct strbuf *valid, struct strbuf *out)
{
	size_t start = 0;

	if (valid->len == 0) {
		strbuf_puts(out, "");
		return;
	}
	for (size_t i = 0; i < valid->len; i++) {
		unsigned char c = (unsigned char)valid->s[i];

		if (c != 0x7F && (c >= 0x20 || c == '\t'))
			continue;
		strbuf_append(out, valid->s + start, i - start);
		start = i + 1;
	}
	strbuf_append(out, valid->s + start, valid->len - start);
}

char *mail_header_text(const char *raw_value)
{
	struct strbuf unfolded = { 0 }, valid = { 0 }, out = { 0 };
	char *decoded, *nfc, *text;

	for (const char *p = raw_value; *p != '\0'; p++) {
		if (*p != '\r' && *p != '\n')
			strbuf_putc(&unfolded, *p);
	}
	strbuf_puts(&unfolded, "");
	if (strstr(unfolded.s, "=?") != NULL) {
		decoded = g_mime_utils_header_decode_text(mail_parser_options(), unfolded.s);
		mail_utf8_append_valid(&valid, decoded, strlen(decoded), false);
		g_free(decoded);
	} else {
		mail_utf8_append_valid(&valid, unfolded.s, unfolded.len, false);
	}
	strbuf_free(&unfolded);
	header_drop_controls(&valid, &out);
	strbuf_free(&valid);
	text = g_strstrip(strbuf_steal(&out));
	if (!mail_utf8_has_8bit(text))
		return text;
	nfc = g_utf8_normalize(text, -1, G_NORMALIZE_NFC);
	if (nfc == NULL)
		return text;
	free(text);
	text = xstrdup(nfc);
	g_free(nfc);
	return text;
}

void mail_strings_free(char **strings, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(strings[i]);
	free(strings);
}

/* One msg-id at *p ('<' id '>'), without the brackets; NULL if there
 * is none there. Moves *p past what it read. */
static char *header_msgid(const char **p)
{
	const char *start = *p + 1, *s = start;

	while (*s != '\0' && *s != '>' && *s != '<' && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
		s++;
	if (*s != '>' || s == start) {
		*p = s;
		return NULL;
	}
	*p = s + 1;
	return xstrndup(start, (size_t)(s - start));
}

char **mail_header_msgids(const char *raw_value, bool strict, size_t *count_r)
{
	size_t count = 0, cap = 4;
	char **ids = xcalloc(cap, sizeof(char *));
	const char *p = raw_value;

	for (;;) {
		char *id;

		if (!header_skip_cfws(&p) && strict)
			break;
		if (*p == '\0')
			break;
		if (*p != '<' && (strict || (p = strchr(p, '<')) == NULL))
			break;
		if ((id = header_msgid(&p)) == NULL) {
			if (strict)
				break;
			continue;
		}
		if (count == cap)
			ids = xrealloc(ids, (cap *= 2) * sizeof(char *));
		ids[count++] = id;
	}
	if (count == 0 || (strict && *p != '\0')) {
		mail_strings_free(ids, count);
		*count_r = 0;
		return NULL;
	}
	*count_r = count;
	return ids;
}

int mail_header_date(const char *raw_value, time_t *t_r, int *offset_r)
{
	GDateTime *dt = g_mime_utils_header_decode_date(raw_value);
	int year;

	if (dt == NULL)
		return -1;
	year = g_date_time_get_year(dt);
	if (year < 1 || year > 9999) {
		g_date_time_unref(dt);
		return -1;
	}
	*t_r = (time_t)g_date_time_to_unix(dt);
	*offset_r = (int)(g_date_time_get_utc_offset(dt) / G_TIME_SPAN_SECOND);
	g_date_time_unref(dt);
	return 0;
}

void mail_date_format(time_t t, int offset, char out[MAIL_DATE_MAX])
{
	time_t local = t + offset;
	struct tm tm;
	unsigned off = (unsigned)(offset < 0 ? -offset : offset);

	gmtime_r(&local, &tm);
	/* The modulos tell the compiler each field's width. */
	snprintf(out, MAIL_DATE_MAX, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u, offset < 0 ? '-' : '+', off / 3600 % 100u, off / 60 % 60u);
}

static json_object *header_date_value(const char *raw)
{
	char out[MAIL_DATE_MAX];
	time_t t;
	int offset;

	if (mail_header_date(raw, &t, &offset) < 0)
		return NULL;
	mail_date_format(t, offset, out);
	return json_object_new_string(out);
}

static json_object *header_ids_value(const char *raw)
{
	size_t count;
	char **ids = mail_header_msgids(raw, true, &count);
	json_object *array;

	if (ids == NULL)
		return NULL;
	array = json_object_new_array_ext((int)count);
	for (size_t i = 0; i < count; i++)
		json_object_array_add(array, json_object_new_string(ids[i]));
	mail_strings_free(ids, count);
	return array;
}

/* RFC 2369: a list of <url>, with comments and white space; white space
 * inside the brackets is not part of the URL. */
static json_object *header_urls_value(const char *raw)
{
	json_object *array = json_object_new_array();
	const char *p = raw;

	while (header_skip_cfws(&p) && *p != '\0') {
		const char *close;
		struct strbuf url = { 0 };

		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '<' || (close = strchr(p, '>')) == NULL)
			break;
		for (const char *s = p + 1; s < close; s++) {
			if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
				strbuf_putc(&url, *s);
		}
		if (url.len > 0)
			json_object_array_add(array, json_object_new_string(url.s));
		strbuf_free(&url);
		p = close + 1;
	}
	if (*p != '\0' || json_object_array_length(array) == 0) {
		json_object_put(array);
		return NULL;
	}
	return array;
}

json_object *mail_header_value(const char *raw_value, enum mail_header_form form)
{
	struct strbuf valid = { 0 };
	json_object *value = NULL;
	char *text;

	mail_utf8_append_valid(&valid, raw_value, strlen(raw_value), false);
	strbuf_puts(&valid, "");
	switch (form) {
	case MAIL_FORM_RAW:
		value = json_object_new_string(valid.s);
		break;
	case MAIL_FORM_TEXT:
		text = mail_header_text(valid.s);
		value = json_object_new_string(text);
		free(text);
		break;
	case MAIL_FORM_ADDRESSES:
	case MAIL_FORM_GROUPED_ADDRESSES:
		value = mail_header_addresses(valid.s, form == MAIL_FORM_GROUPED_ADDRESSES);
		break;
	case MAIL_FORM_MESSAGE_IDS:
		value = header_ids_value(valid.s);
		break;
	case MAIL_FORM_DATE:
		value = header_date_value(valid.s);
		break;
	case MAIL_FORM_URLS:
		value = header_urls_value(valid.s);
		break;
	}
	strbuf_free(&valid);
	return value;
}
