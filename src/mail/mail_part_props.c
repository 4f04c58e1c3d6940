/* The EmailBodyPart properties of one part (RFC 8621 §4.1.4): type,
 * charset, disposition, name, cid, language, location, and the
 * transfer encoding its content is read with. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

GMimeHeader *mail_headers_find_last(GMimeHeader *const *headers, size_t count, const char *name)
{
	for (size_t i = count; i > 0; i--) {
		const char *hname = g_mime_header_get_name(headers[i - 1]);

		if (hname != NULL && g_ascii_strcasecmp(hname, name) == 0)
			return headers[i - 1];
	}
	return NULL;
}

/* s without comments and white space (CFWS), and without one pair of
 * surrounding angle brackets when strip_angles. Caller frees. */
static char *props_strip_cfws(const char *s, bool strip_angles)
{
	struct strbuf b = { 0 };
	unsigned depth = 0;
	char *out;

	for (; *s != '\0'; s++) {
		if (depth > 0 && *s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			strbuf_putc(&b, *s);
	}
	out = strbuf_steal(&b);
	if (strip_angles && out[0] == '<' && out[1] != '\0' && out[strlen(out) - 1] == '>') {
		out[strlen(out) - 1] = '\0';
		memmove(out, out + 1, strlen(out));
	}
	return out;
}

/* The raw value of the last field name of part, CFWS stripped, or NULL
 * if absent or empty. */
static char *props_header_token(const struct mail_message *msg, const struct mail_part *part, const char *name,
				bool strip_angles)
{
	GMimeHeader *h = mail_headers_find_last(part->headers, part->header_count, name);
	char *raw, *value;

	if (h == NULL)
		return NULL;
	raw = mail_header_raw_value(msg, h);
	value = props_strip_cfws(raw, strip_angles);
	free(raw);
	if (value[0] == '\0') {
		free(value);
		return NULL;
	}
	return value;
}

/* A cleaned copy of s, or NULL if s is NULL or blank. */
static char *props_clean(const char *s)
{
	char *clean;

	if (s == NULL)
		return NULL;
	clean = g_strstrip(mail_utf8_clean(s));
	if (clean[0] == '\0') {
		free(clean);
		return NULL;
	}
	return clean;
}

static void props_type(struct mail_part *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part->object);
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *subtype = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
	char *both, *clean;

	if (type == NULL || subtype == NULL || type[0] == '\0' || subtype[0] == '\0') {
		part->type = xstrdup("text/plain");
		return;
	}
	both = xasprintf("%s/%s", type, subtype);
	clean = props_clean(both);
	part->type = mail_ascii_lower(clean != NULL ? clean : "text/plain");
	free(clean);
	free(both);
}

static void props_charset(struct mail_part *part)
{
	const char *charset = g_mime_object_get_content_type_parameter(part->object, "charset");

	/* §4.1.4: the implicit charset of text is us-ascii (RFC 2045). */
	part->charset = props_clean(charset);
	if (part->charset == NULL && strncmp(part->type, "text/", 5) == 0)
		part->charset = xstrdup("us-ascii");
}

static void props_disposition(struct mail_part *part)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(part->object);
	const char *name = NULL;
	char *value;

	if (d != NULL && (value = props_clean(g_mime_content_disposition_get_disposition(d))) != NULL) {
		part->disposition = mail_ascii_lower(value);
		free(value);
	}
	if (d != NULL)
		name = g_mime_content_disposition_get_parameter(d, "filename");
	if (name == NULL || name[0] == '\0')
		name = g_mime_object_get_content_type_parameter(part->object, "name");
	part->name = props_clean(name);
}

/* Content-Language (RFC 3282): a comma-separated list of tags. */
static void props_language(const struct mail_message *msg, struct mail_part *part)
{
	char *list = props_header_token(msg, part, "Content-Language", false);
	size_t count = 0;
	char *tag, *save = NULL;

	if (list == NULL)
		return;
	part->language = xcalloc(strlen(list) / 2 + 2, sizeof(char *));
	for (tag = strtok_r(list, ",", &save); tag != NULL; tag = strtok_r(NULL, ",", &save))
		part->language[count++] = xstrdup(tag);
	free(list);
	if (count == 0) {
		free(part->language);
		part->language = NULL;
	}
}

static void props_encoding(const struct mail_message *msg, struct mail_part *part)
{
	char *cte;

	if (!GMIME_IS_PART(part->object))
		return;
	part->encoding = g_mime_part_get_content_encoding(GMIME_PART(part->object));
	cte = props_header_token(msg, part, "Content-Transfer-Encoding", false);
	part->cte_unknown = cte != NULL && part->encoding == GMIME_CONTENT_ENCODING_DEFAULT;
	free(cte);
}

void mail_part_props_fill(const struct mail_message *msg, struct mail_part *part)
{
	props_type(part);
	props_charset(part);
	props_disposition(part);
	part->cid = props_header_token(msg, part, "Content-ID", true);
	part->location = props_header_token(msg, part, "Content-Location", false);
	props_language(msg, part);
	props_encoding(msg, part);
}

void mail_part_props_free(struct mail_part *part)
{
	free(part->part_id);
	free(part->type);
	free(part->charset);
	free(part->disposition);
	free(part->name);
	free(part->cid);
	free(part->location);
	if (part->language != NULL) {
		for (size_t i = 0; part->language[i] != NULL; i++)
			free(part->language[i]);
		free(part->language);
	}
}
