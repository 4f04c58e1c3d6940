/* Header fields for Email/set create: "header:Name[:asForm][:all]"
 * properties and the convenience ones, each value turned into a field
 * in the form it was given (RFC 8621 §4.1.2, §4.6). Non-ASCII text is
 * encoded by GMime (RFC 2047); structured values are written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "mail/mail_build_private.h"

/* Folding point for the structured values written here. */
#define HEADER_FOLD_AT 76

static const char *const header_days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const header_months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static bool header_field_name_valid(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 33 || s[i] > 126 || s[i] == ':')
			return false;
	}
	return true;
}

int build_header_prop_parse(const char *property, struct build_header_prop *prop_r)
{
	const char *field = property + 7, *colon;
	const char *suffix;

	memset(prop_r, 0, sizeof(*prop_r));
	if (strncmp(property, "header:", 7) != 0)
		return -1;
	colon = strchr(field, ':');
	if (!header_field_name_valid(field, colon != NULL ? (size_t)(colon - field) : strlen(field)))
		return -1;
	suffix = colon != NULL ? colon + 1 : NULL;
	if (suffix != NULL && strcmp(suffix, "all") == 0) {
		prop_r->all = true;
	} else if (suffix != NULL) {
		char *form = xstrndup(suffix, strcspn(suffix, ":"));
		int ret = mail_header_form_parse_name(form, &prop_r->form);
		const char *rest = suffix + strlen(form);

		free(form);
		if (ret < 0 || (rest[0] != '\0' && strcmp(rest, ":all") != 0))
			return -1;
		prop_r->all = rest[0] != '\0';
	}
	prop_r->field = xstrndup(field, colon != NULL ? (size_t)(colon - field) : strlen(field));
	return 0;
}

int build_field_claim(GHashTable *fields, const char *field)
{
	char *lower = g_ascii_strdown(field, -1);

	if (g_hash_table_contains(fields, lower)) {
		g_free(lower);
		return -1;
	}
	g_hash_table_add(fields, lower);
	return 0;
}

char *build_string(json_object *value)
{
	char *s;

	if (!json_object_is_type(value, json_type_string))
		return NULL;
	s = xstrdup(json_object_get_string(value));
	for (char *p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = ' ';
	}
	return s;
}

void build_date_from_time(time_t t, int offset, char *out, size_t size)
{
	time_t local = t + offset;
	unsigned off = (unsigned)(offset < 0 ? -offset : offset);
	struct tm tm;

	gmtime_r(&local, &tm);
	snprintf(out, size, "%s, %u %s %04u %02u:%02u:%02u %c%02u%02u", header_days[tm.tm_wday % 7],
		 (unsigned)tm.tm_mday % 100u, header_months[tm.tm_mon % 12], (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 offset < 0 ? '-' : '+', off / 3600 % 100u, off / 60 % 60u);
}

int build_date_5322(const char *s, char *out, size_t size)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, offset = 0;
	const char *zone;
	char sign;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	zone = s + 19;
	if (*zone == '.') {
		/* Fractions of a second are dropped. */
		zone++;
		while (*zone >= '0' && *zone <= '9')
			zone++;
	}
	if (*zone == 'Z' && zone[1] == '\0') {
		offset = 0;
	} else if (sscanf(zone, "%c%2d:%2d%n", &sign, &oh, &om, &n) == 3 && n == 6 && zone[6] == '\0' &&
		   (sign == '+' || sign == '-') && oh < 24 && om < 60) {
		offset = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	build_date_from_time(timegm(&tm) - offset, offset, out, size);
	return 0;
}

/* Appends " token" to b, folding first when the line would grow past
 * HEADER_FOLD_AT; *line is the length of the current line. */
static void header_fold_append(struct strbuf *b, const char *token, size_t *line)
{
	size_t len = strlen(token);

	if (*line > 1 && *line + 1 + len > HEADER_FOLD_AT) {
		strbuf_puts(b, "\n");
		*line = 0;
	}
	strbuf_putc(b, ' ');
	strbuf_puts(b, token);
	*line += 1 + len;
}

void build_header_set_raw(GMimeObject *object, const char *name, const char *raw)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(object);
	char *value = g_strconcat(raw, "\n", NULL);

	g_mime_object_append_header(object, name, "", NULL);
	g_mime_header_set_raw_value(g_mime_header_list_get_header_at(list, g_mime_header_list_get_count(list) - 1),
				    value);
	g_free(value);
}

/* A structured value: set as written, except Content-* fields, which
 * GMime must parse to know the part's type and disposition. */
static void header_set_value(GMimeObject *object, const char *name, const char *raw)
{
	if (g_ascii_strncasecmp(name, "Content-", 8) == 0)
		g_mime_object_append_header(object, name, raw + strspn(raw, " \t"), "utf-8");
	else
		build_header_set_raw(object, name, raw);
}

/* An id or URL as it goes between angle brackets. */
static bool header_token_valid(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || *s == '<' || *s == '>' || *s == '(' || *s == ')' || *s == 0x7F)
			return false;
	}
	return true;
}

/* MessageIds ("<a> <b>") or URLs ("<a>, <b>") from a String[]. */
static int header_bracketed_list(struct build_ctx *ctx, json_object *value, const char *name, bool urls,
				 struct strbuf *b)
{
	size_t line = strlen(name) + 1, count;

	if (!json_object_is_type(value, json_type_array) || (count = json_object_array_length(value)) == 0) {
		ctx->error = "expected a non-empty array of strings";
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		json_object *item = json_object_array_get_idx(value, i);
		char *token;

		if (!json_object_is_type(item, json_type_string) || !header_token_valid(json_object_get_string(item))) {
			ctx->error = urls ? "invalid URL" : "invalid message id";
			return -1;
		}
		token = xasprintf("<%s>%s", json_object_get_string(item), urls && i + 1 < count ? "," : "");
		header_fold_append(b, token, &line);
		free(token);
	}
	return 0;
}

static InternetAddress *header_mailbox(struct build_ctx *ctx, json_object *addr)
{
	json_object *name = NULL, *email = NULL;
	char *n, *e;
	InternetAddress *ia;

	if (!json_object_is_type(addr, json_type_object) || !json_object_object_get_ex(addr, "email", &email) ||
	    (e = build_string(email)) == NULL) {
		ctx->error = "an EmailAddress needs an email string";
		return NULL;
	}
	g_strstrip(e);
	if (e[0] == '\0' || strpbrk(e, " <>,;()") != NULL) {
		ctx->error = err_fmt("invalid email address: %s", e);
		free(e);
		return NULL;
	}
	json_object_object_get_ex(addr, "name", &name);
	n = build_string(name);
	if (name != NULL && n == NULL) {
		ctx->error = "an EmailAddress name must be a string or null";
		free(e);
		return NULL;
	}
	ia = internet_address_mailbox_new(n != NULL && g_strstrip(n)[0] != '\0' ? n : NULL, e);
	free(n);
	free(e);
	return ia;
}

/* Adds the EmailAddress objects of array to list. */
static int header_mailboxes(struct build_ctx *ctx, json_object *array, InternetAddressList *list)
{
	if (!json_object_is_type(array, json_type_array)) {
		ctx->error = "expected an array of EmailAddress";
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(array); i++) {
		InternetAddress *ia = header_mailbox(ctx, json_object_array_get_idx(array, i));

		if (ia == NULL)
			return -1;
		internet_address_list_add(list, ia);
		g_object_unref(ia);
	}
	return 0;
}

/* Adds the EmailAddressGroup objects of array to list; groups without
 * a name contribute their members directly. */
static int header_groups(struct build_ctx *ctx, json_object *array, InternetAddressList *list)
{
	if (!json_object_is_type(array, json_type_array)) {
		ctx->error = "expected an array of EmailAddressGroup";
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(array); i++) {
		json_object *group = json_object_array_get_idx(array, i), *name = NULL, *members = NULL;
		char *n;
		InternetAddress *ia;
		int ret;

		json_object_object_get_ex(group, "name", &name);
		json_object_object_get_ex(group, "addresses", &members);
		n = build_string(name);
		if (n == NULL || g_strstrip(n)[0] == '\0') {
			free(n);
			if (header_mailboxes(ctx, members, list) < 0)
				return -1;
			continue;
		}
		ia = internet_address_group_new(n);
		free(n);
		ret = header_mailboxes(ctx, members, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
		internet_address_list_add(list, ia);
		g_object_unref(ia);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int header_add_list(struct build_ctx *ctx, GMimeObject *object, const char *name, json_object *value,
			   bool grouped)
{
	InternetAddressList *list = internet_address_list_new();
	GString *encoded = g_string_new(" ");
	int ret = grouped ? header_groups(ctx, value, list) : header_mailboxes(ctx, value, list);

	if (ret == 0) {
		internet_address_list_encode(list, ctx->format, encoded);
		while (encoded->len > 0 && encoded->str[encoded->len - 1] == '\n')
			g_string_truncate(encoded, encoded->len - 1);
		header_set_value(object, name, encoded->str);
	}
	g_string_free(encoded, TRUE);
	g_object_unref(list);
	return ret;
}

int build_header_add_addresses(struct build_ctx *ctx, GMimeObject *object, const char *name,
			       json_object *value)
{
	return header_add_list(ctx, object, name, value, false);
}

/* A Raw value may fold (a line break followed by white space) but
 * never start a new field. */
static bool header_raw_valid(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r' && s[1] != '\n')
			return false;
		if (*s == '\n' && s[1] != ' ' && s[1] != '\t')
			return false;
	}
	return true;
}

static int header_add_string(struct build_ctx *ctx, GMimeObject *object, const char *name,
			     enum mail_header_form form, json_object *value)
{
	const char *s = json_object_get_string(value);
	char date[64], *text;

	if (!json_object_is_type(value, json_type_string)) {
		ctx->error = "expected a string";
		return -1;
	}
	if (form == MAIL_FORM_RAW) {
		if (!header_raw_valid(s)) {
			ctx->error = "a raw header value may only fold lines";
			return -1;
		}
		header_set_value(object, name, s);
	} else if (form == MAIL_FORM_DATE) {
		if (build_date_5322(s, date + 1, sizeof(date) - 1) < 0) {
			ctx->error = "invalid date";
			return -1;
		}
		date[0] = ' ';
		header_set_value(object, name, date);
	} else {
		text = build_string(value);
		g_mime_object_append_header(object, name, text, "utf-8");
		free(text);
	}
	return 0;
}

/* One field: value in form. */
static int header_add_one(struct build_ctx *ctx, GMimeObject *object, const char *name,
			  enum mail_header_form form, json_object *value)
{
	struct strbuf b = { 0 };
	int ret;

	switch (form) {
	case MAIL_FORM_RAW:
	case MAIL_FORM_TEXT:
	case MAIL_FORM_DATE:
		return header_add_string(ctx, object, name, form, value);
	case MAIL_FORM_ADDRESSES:
	case MAIL_FORM_GROUPED_ADDRESSES:
		return header_add_list(ctx, object, name, value, form == MAIL_FORM_GROUPED_ADDRESSES);
	case MAIL_FORM_MESSAGE_IDS:
	case MAIL_FORM_URLS:
		ret = header_bracketed_list(ctx, value, name, form == MAIL_FORM_URLS, &b);
		if (ret == 0)
			header_set_value(object, name, b.s);
		strbuf_free(&b);
		return ret;
	}
	return -1;
}

int build_header_add(struct build_ctx *ctx, GMimeObject *object, const struct build_header_prop *prop,
		     json_object *value)
{
	if (value == NULL)
		return 0;
	if (!prop->all)
		return header_add_one(ctx, object, prop->field, prop->form, value);
	if (!json_object_is_type(value, json_type_array)) {
		ctx->error = "a header property with :all takes an array";
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(value); i++) {
		json_object *item = json_object_array_get_idx(value, i);

		if (item == NULL || header_add_one(ctx, object, prop->field, prop->form, item) < 0) {
			if (item == NULL)
				ctx->error = "null in a header array";
			return -1;
		}
	}
	return 0;
}
