/* vCard values (escaping, splitting) and content lines written back. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/vcard.h"

/* RFC 6350 §3.2: lines SHOULD NOT be longer than 75 octets. */
#define VCARD_FOLD_WIDTH 75

char *vcard_text_unescape(const char *value, size_t len)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < len; i++) {
		char c = value[i];

		if (c == '\\' && i + 1 < len) {
			c = value[++i];
			if (c == 'n' || c == 'N')
				c = '\n';
		}
		strbuf_putc(&b, c);
	}
	return strbuf_steal(&b);
}

static void vcard_split(const char *value, char sep, bool unescape, char ***parts_r,
			size_t *count_r)
{
	char **parts = NULL;
	size_t count = 0, len = strlen(value), start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i + 1 < len && value[i] == '\\') {
			i++;
			continue;
		}
		if (i < len && value[i] != sep)
			continue;
		parts = xrealloc(parts, (count + 1) * sizeof(char *));
		parts[count++] = unescape ? vcard_text_unescape(value + start, i - start) :
			xstrndup(value + start, i - start);
		start = i + 1;
	}
	*parts_r = parts;
	*count_r = count;
}

void vcard_value_split(const char *value, char sep, char ***parts_r, size_t *count_r)
{
	vcard_split(value, sep, true, parts_r, count_r);
}

void vcard_value_split_raw(const char *value, char sep, char ***parts_r, size_t *count_r)
{
	vcard_split(value, sep, false, parts_r, count_r);
}

void vcard_strings_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

void vcard_escape_text(struct strbuf *b, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			strbuf_puts(b, "\\\\");
			break;
		case '\n':
			strbuf_puts(b, "\\n");
			break;
		case '\r':
			break;
		case ',':
			strbuf_puts(b, "\\,");
			break;
		case ';':
			strbuf_puts(b, "\\;");
			break;
		default:
			strbuf_putc(b, *p);
		}
	}
}

void vcard_line_begin(struct strbuf *line, const char *group, const char *name)
{
	strbuf_reset(line);
	if (group != NULL) {
		strbuf_puts(line, group);
		strbuf_putc(line, '.');
	}
	strbuf_puts(line, name);
}

static bool vcard_param_needs_quotes(const char *value)
{
	return *value == '\0' || strpbrk(value, ";:, \t^\"\n") != NULL;
}

static void vcard_param_value(struct strbuf *line, const char *value)
{
	bool quote = vcard_param_needs_quotes(value);

	if (quote)
		strbuf_putc(line, '"');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '^')
			strbuf_puts(line, "^^");
		else if (*p == '\n')
			strbuf_puts(line, "^n");
		else if (*p == '"')
			strbuf_puts(line, "^'");
		else if (*p != '\r')
			strbuf_putc(line, *p);
	}
	if (quote)
		strbuf_putc(line, '"');
}

void vcard_line_param(struct strbuf *line, const char *name, const char *value)
{
	strbuf_putc(line, ';');
	strbuf_puts(line, name);
	strbuf_putc(line, '=');
	vcard_param_value(line, value);
}

void vcard_line_param_list(struct strbuf *line, const char *name, char *const *values,
			   size_t count)
{
	strbuf_putc(line, ';');
	strbuf_puts(line, name);
	strbuf_putc(line, '=');
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			strbuf_putc(line, ',');
		vcard_param_value(line, values[i]);
	}
}

/* The longest cut of at most max bytes from s that does not split a
 * UTF-8 sequence (at least one byte, so that output always advances). */
static size_t vcard_fold_cut(const char *s, size_t len, size_t max)
{
	size_t cut = len < max ? len : max;

	while (cut > 1 && cut < len && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

void vcard_fold(struct strbuf *out, const char *line, size_t len)
{
	size_t pos = 0, width = VCARD_FOLD_WIDTH;

	do {
		size_t cut = vcard_fold_cut(line + pos, len - pos, width);

		if (pos > 0)
			strbuf_append(out, "\r\n ", 3);
		strbuf_append(out, line + pos, cut);
		pos += cut;
		width = VCARD_FOLD_WIDTH - 1;
	} while (pos < len);
	strbuf_append(out, "\r\n", 2);
}

void vcard_prop_write(struct strbuf *out, const struct vcard_prop *prop)
{
	struct strbuf line = { 0 };

	vcard_line_begin(&line, prop->group, prop->name);
	for (size_t i = 0; i < prop->param_count; i++)
		vcard_line_param_list(&line, prop->params[i].name, prop->params[i].values,
				      prop->params[i].value_count);
	strbuf_putc(&line, ':');
	strbuf_puts(&line, prop->value);
	vcard_fold(out, line.s, line.len);
	strbuf_free(&line);
}

char *vcard_serialize(const struct vcard *card, size_t *len_r)
{
	struct strbuf out = { 0 };

	strbuf_puts(&out, "BEGIN:VCARD\r\n");
	for (size_t i = 0; i < card->prop_count; i++)
		vcard_prop_write(&out, &card->props[i]);
	strbuf_puts(&out, "END:VCARD\r\n");
	*len_r = out.len;
	return strbuf_steal(&out);
}
