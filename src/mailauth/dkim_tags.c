/* Tag=value lists (RFC 6376 §3.2), the syntax of DKIM-Signature fields
 * and of key records. Tag names are case-sensitive. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "mailauth/dkim_private.h"

static bool dkim_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool dkim_tag_name_valid(const char *name, size_t len)
{
	if (len == 0 || !isalpha((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	}
	return true;
}

static bool dkim_tag_value_valid(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && !dkim_fws((char)c)) || c == 0x7f)
			return false;
	}
	return true;
}

/* Parses the segment [s, e) into tag. 0, or -1 when malformed. */
static int dkim_tag_parse_one(const char *base, const char *s, const char *e,
			      struct dkim_tag *tag)
{
	const char *p = s, *name, *eq;

	while (p < e && dkim_fws(*p))
		p++;
	name = p;
	while (p < e && *p != '=' && !dkim_fws(*p))
		p++;
	tag->name = name;
	tag->name_len = (size_t)(p - name);
	while (p < e && dkim_fws(*p))
		p++;
	if (p == e || *p != '=' || !dkim_tag_name_valid(name, tag->name_len))
		return -1;
	eq = p;
	tag->raw_start = (size_t)(eq + 1 - base);
	tag->raw_end = (size_t)(e - base);
	for (p = eq + 1; p < e && dkim_fws(*p); p++)
		;
	while (e > p && dkim_fws(e[-1]))
		e--;
	tag->value = p;
	tag->value_len = (size_t)(e - p);
	return dkim_tag_value_valid(p, tag->value_len) ? 0 : -1;
}

static bool dkim_tags_has_name(const struct dkim_tags *tags, const struct dkim_tag *tag)
{
	for (size_t i = 0; i < tags->count; i++) {
		if (tags->tags[i].name_len == tag->name_len &&
		    memcmp(tags->tags[i].name, tag->name, tag->name_len) == 0)
			return true;
	}
	return false;
}

static bool dkim_blank(const char *s, const char *e)
{
	for (; s < e; s++) {
		if (!dkim_fws(*s))
			return false;
	}
	return true;
}

int dkim_tags_parse(const char *base, const char *text, size_t len, struct dkim_tags *tags_r)
{
	const char *p = text, *end = text + len, *semi;
	struct dkim_tag tag;

	tags_r->count = 0;
	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		if (!dkim_blank(p, semi)) {
			if (tags_r->count == DKIM_TAGS_MAX ||
			    dkim_tag_parse_one(base, p, semi, &tag) < 0 ||
			    dkim_tags_has_name(tags_r, &tag))
				return -1;
			tags_r->tags[tags_r->count++] = tag;
		}
		p = semi + 1;
	}
	return 0;
}

const struct dkim_tag *dkim_tags_get(const struct dkim_tags *tags, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < tags->count; i++) {
		if (tags->tags[i].name_len == len && memcmp(tags->tags[i].name, name, len) == 0)
			return &tags->tags[i];
	}
	return NULL;
}

char *dkim_tag_compact(const struct dkim_tag *tag)
{
	char *out = xmalloc(tag->value_len + 1);
	size_t o = 0;

	for (size_t i = 0; i < tag->value_len; i++) {
		if (!dkim_fws(tag->value[i]))
			out[o++] = tag->value[i];
	}
	out[o] = '\0';
	return out;
}

bool dkim_tag_equals(const struct dkim_tag *tag, const char *s)
{
	return tag->value_len == strlen(s) && memcmp(tag->value, s, tag->value_len) == 0;
}

bool dkim_tag_list_has(const struct dkim_tag *tag, const char *item, bool nocase)
{
	const char *p = tag->value, *end = tag->value + tag->value_len, *colon, *s, *e;
	size_t len = strlen(item);

	for (;;) {
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL)
			colon = end;
		for (s = p; s < colon && dkim_fws(*s); s++)
			;
		for (e = colon; e > s && dkim_fws(e[-1]); e--)
			;
		if ((size_t)(e - s) == len &&
		    (nocase ? strncasecmp(s, item, len) : memcmp(s, item, len)) == 0)
			return true;
		if (colon == end)
			return false;
		p = colon + 1;
	}
}
