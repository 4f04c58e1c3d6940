/* BODY[section] (RFC 9051 §6.4.5.1): the section text parsed, its part
 * numbers followed, and the bytes cut from the raw message as stored
 * (line ends included); HEADER.FIELDS and HEADER.FIELDS.NOT keep the
 * chosen fields with their folding, then the blank line. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

/* Field names in one HEADER.FIELDS list. */
#define SECTION_MAX_NAMES 1000

enum section_text {
	SECTION_NONE,
	SECTION_HEADER,
	SECTION_FIELDS,
	SECTION_FIELDS_NOT,
	SECTION_TEXT,
	SECTION_MIME,
};

struct section {
	uint32_t numbers[IMAP_SECTION_MAX_PARTS];
	size_t count;
	enum section_text text;
	char **names;
	size_t name_count;
};

static bool section_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int imap_section_parse_numbers(const char **s, uint32_t numbers[IMAP_SECTION_MAX_PARTS], size_t *count_r)
{
	const char *p = *s;
	size_t count = 0;

	while (*p >= '1' && *p <= '9') {
		uint64_t n = 0;

		for (; section_is_digit(*p); p++) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > UINT32_MAX)
				return -1;
		}
		if (count == IMAP_SECTION_MAX_PARTS)
			return -1;
		numbers[count++] = (uint32_t)n;
		if (*p != '.' || !section_is_digit(p[1]))
			break;
		if (p[1] == '0')
			return -1;
		p++;
	}
	*s = p;
	*count_r = count;
	return 0;
}

static bool section_keyword(const char **p, const char *keyword)
{
	size_t len = strlen(keyword);

	if (g_ascii_strncasecmp(*p, keyword, len) != 0)
		return false;
	*p += len;
	return true;
}

/* A literal "{n}" or "{n+}", CRLF, then n bytes, at *p. */
static char *section_read_literal(const char **p)
{
	const char *s = *p + 1;
	char *end;
	unsigned long n;

	if (!section_is_digit(*s))
		return NULL;
	n = strtoul(s, &end, 10);
	if (*end == '+')
		end++;
	if (strncmp(end, "}\r\n", 3) != 0 || strnlen(end + 3, n) < n)
		return NULL;
	*p = end + 3 + n;
	return xstrndup(end + 3, n);
}

/* One header-fld-name: an atom, a quoted string or a literal. Returns
 * it (caller frees) and advances *p, or NULL when malformed. */
static char *section_read_name(const char **p)
{
	const char *s = *p, *start = s;
	struct strbuf b = { 0 };

	if (*s == '{')
		return section_read_literal(p);
	if (*s == '"') {
		for (s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			strbuf_putc(&b, *s);
		}
		if (*s != '"') {
			strbuf_free(&b);
			return NULL;
		}
		*p = s + 1;
		return strbuf_steal(&b);
	}
	while (*s != '\0' && *s != '(' && *s != ')' && *s != '"' && (unsigned char)*s > 0x20 && *s != 0x7f)
		s++;
	if (s == start)
		return NULL;
	*p = s;
	return xstrndup(start, (size_t)(s - start));
}

/* " (NAME NAME ...)" to the end of the section. */
static int section_parse_names(const char *p, struct section *sec)
{
	while (*p == ' ')
		p++;
	if (*p++ != '(')
		return -1;
	for (;;) {
		char *name;

		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (sec->name_count == SECTION_MAX_NAMES || (name = section_read_name(&p)) == NULL)
			return -1;
		if (sec->name_count % 16 == 0)
			sec->names = xrealloc(sec->names, (sec->name_count + 16) * sizeof(char *));
		sec->names[sec->name_count++] = name;
	}
	for (p++; *p == ' '; p++)
		;
	return sec->name_count > 0 && *p == '\0' ? 0 : -1;
}

/* The text after the part numbers: HEADER, HEADER.FIELDS[.NOT] (list),
 * TEXT, or (after numbers only) MIME. */
static int section_parse_text(const char *p, struct section *sec)
{
	if (section_keyword(&p, "HEADER.FIELDS.NOT")) {
		sec->text = SECTION_FIELDS_NOT;
		return section_parse_names(p, sec);
	}
	if (section_keyword(&p, "HEADER.FIELDS")) {
		sec->text = SECTION_FIELDS;
		return section_parse_names(p, sec);
	}
	if (section_keyword(&p, "HEADER"))
		sec->text = SECTION_HEADER;
	else if (section_keyword(&p, "TEXT"))
		sec->text = SECTION_TEXT;
	else if (sec->count > 0 && section_keyword(&p, "MIME"))
		sec->text = SECTION_MIME;
	else
		return -1;
	return *p == '\0' ? 0 : -1;
}

static int section_parse(const char *s, struct section *sec)
{
	if (imap_section_parse_numbers(&s, sec->numbers, &sec->count) < 0)
		return -1;
	if (*s == '\0')
		return 0;
	if (sec->count > 0 && *s++ != '.')
		return -1;
	return section_parse_text(s, sec);
}

static void section_free(struct section *sec)
{
	for (size_t i = 0; i < sec->name_count; i++)
		free(sec->names[i]);
	free(sec->names);
}

/* ---- HEADER.FIELDS ---- */

/* Where the blank line ending the header block [start, end) starts;
 * end if the block has none. */
static size_t section_blank_line(const char *raw, size_t start, size_t end)
{
	size_t line;

	if (end <= start || raw[end - 1] != '\n')
		return end;
	line = end - 1;
	if (line > start && raw[line - 1] == '\r')
		line--;
	return line == start || raw[line - 1] == '\n' ? line : end;
}

/* The length of the name of the field at s (the first line is
 * [s, line_end)), or 0 when the line has no colon. */
static size_t section_field_name(const char *s, size_t line_len)
{
	const char *colon = memchr(s, ':', line_len);
	size_t len;

	if (colon == NULL)
		return 0;
	len = (size_t)(colon - s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

static bool section_name_listed(const struct section *sec, const char *name, size_t len)
{
	for (size_t i = 0; len > 0 && i < sec->name_count; i++) {
		if (strlen(sec->names[i]) == len && g_ascii_strncasecmp(sec->names[i], name, len) == 0)
			return true;
	}
	return false;
}

static size_t section_next_line(const char *raw, size_t pos, size_t end)
{
	const char *nl = memchr(raw + pos, '\n', end - pos);

	return nl != NULL ? (size_t)(nl - raw) + 1 : end;
}

static void section_fields(const struct imap_msg *m, const struct section *sec, struct strbuf *out)
{
	const char *raw = m->top->raw;
	size_t blank = section_blank_line(raw, m->start, m->header_end), pos = m->start;

	while (pos < blank) {
		size_t field = pos, name_len;

		pos = section_next_line(raw, pos, blank);
		name_len = section_field_name(raw + field, pos - field);
		while (pos < blank && (raw[pos] == ' ' || raw[pos] == '\t'))
			pos = section_next_line(raw, pos, blank);
		if (section_name_listed(sec, raw + field, name_len) != (sec->text == SECTION_FIELDS))
			continue;
		strbuf_append(out, raw + field, pos - field);
		/* A last field without its line break still ends a line. */
		if (raw[pos - 1] != '\n')
			strbuf_puts(out, "\r\n");
	}
	strbuf_append(out, raw + blank, m->header_end - blank);
}

/* ---- extraction ---- */

static bool section_extract(struct imap_cursor *c, const struct section *sec, struct strbuf *out)
{
	struct imap_msg *m = imap_cursor_msg(c);
	size_t start = m->start, end = m->end;

	if (sec->text == SECTION_NONE && c->part != NULL) {
		imap_part_range(m, c->part, c->bounds, c->bound_count, &start, &end);
	} else if (sec->text == SECTION_MIME) {
		imap_part_mime_range(m, c->part, c->bounds, c->bound_count, &start, &end);
	} else if (sec->text != SECTION_NONE) {
		/* HEADER and TEXT name a message: the top or an encapsulated one. */
		if (c->part != NULL && !imap_cursor_enter(c))
			return false;
		m = imap_cursor_msg(c);
		if (sec->text == SECTION_FIELDS || sec->text == SECTION_FIELDS_NOT) {
			section_fields(m, sec, out);
			return true;
		}
		start = sec->text == SECTION_HEADER ? m->start : m->header_end;
		end = sec->text == SECTION_HEADER ? m->header_end : m->end;
	}
	strbuf_append(out, m->top->raw + start, end - start);
	return true;
}

int mail_imap_section(const struct mail_message *msg, const char *section, char **data_r, size_t *len_r)
{
	struct section sec = { 0 };
	struct imap_cursor c;
	struct strbuf out = { 0 };
	bool found;

	*data_r = NULL;
	*len_r = 0;
	if (section_parse(section, &sec) < 0) {
		section_free(&sec);
		return -1;
	}
	found = imap_cursor_walk(&c, msg, sec.numbers, sec.count) && section_extract(&c, &sec, &out);
	imap_cursor_free(&c);
	section_free(&sec);
	if (!found) {
		strbuf_free(&out);
		return 0;
	}
	*len_r = out.len;
	*data_r = strbuf_steal(&out);
	return 1;
}
