/* A message as DKIM sees it: header fields, each with its continuation
 * lines, and the body after the first empty line. Line ends are made
 * CRLF first, so that signing and verifying see the bytes that travel
 * in SMTP. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "mailauth/dkim_private.h"

/* msg with every LF not preceded by CR turned into CRLF. */
static char *dkim_message_crlf(const char *msg, size_t len, size_t *len_r)
{
	size_t extra = 0, o = 0;
	char *out;

	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			extra++;
	}
	out = xmalloc(len + extra + 1);
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = msg[i];
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* The length of the line at p (up to and including its CRLF, or to the
 * end of the buffer). */
static size_t dkim_line_len(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	return lf != NULL ? (size_t)(lf - p) + 1 : (size_t)(end - p);
}

static size_t dkim_field_name_len(const char *text, size_t len)
{
	const char *colon = memchr(text, ':', len);
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	return n;
}

static void dkim_message_add_field(struct dkim_message *m, const char *start, const char *end)
{
	struct dkim_field *f;

	if (m->field_count == DKIM_FIELDS_MAX)
		return;
	f = &m->fields[m->field_count++];
	f->text = start;
	f->len = (size_t)(end - start);
	f->name_len = dkim_field_name_len(start, f->len);
}

void dkim_message_parse(const char *msg, size_t len, struct dkim_message *m_r)
{
	const char *p, *end, *field = NULL;
	size_t line;

	memset(m_r, 0, sizeof(*m_r));
	m_r->buf = dkim_message_crlf(msg, len, &m_r->len);
	m_r->fields = xcalloc(DKIM_FIELDS_MAX, sizeof(*m_r->fields));
	p = m_r->buf;
	end = m_r->buf + m_r->len;
	m_r->body = end;
	for (; p < end; p += line) {
		line = dkim_line_len(p, end);
		if (line == 2 && p[0] == '\r') {
			m_r->body = p + 2;
			break;
		}
		if (field != NULL && (p[0] == ' ' || p[0] == '\t'))
			continue;
		if (field != NULL)
			dkim_message_add_field(m_r, field, p);
		field = p;
	}
	if (field != NULL)
		dkim_message_add_field(m_r, field, p);
	m_r->body_len = (size_t)(end - m_r->body);
}

void dkim_message_clear(struct dkim_message *m)
{
	free(m->buf);
	free(m->fields);
	memset(m, 0, sizeof(*m));
}

bool dkim_field_is(const struct dkim_field *field, const char *name, size_t name_len)
{
	return field->name_len == name_len && strncasecmp(field->text, name, name_len) == 0;
}
