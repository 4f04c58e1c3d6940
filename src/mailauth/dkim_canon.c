/* Canonicalization, RFC 6376 §3.4: what the hashes are computed over,
 * the same code for signing and verifying. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mailauth/dkim_private.h"

static bool dkim_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Appends the relaxed form of a field's value: line breaks removed,
 * each WSP run one SP, no WSP at either end. */
static void dkim_canon_relaxed_value(struct strbuf *out, const char *v, size_t len)
{
	bool space = false, started = false;

	for (size_t i = 0; i < len; i++) {
		char c = v[i];

		if (c == '\r' && i + 1 < len && v[i + 1] == '\n') {
			i++;
			continue;
		}
		if (dkim_wsp(c)) {
			space = started;
			continue;
		}
		if (space)
			strbuf_putc(out, ' ');
		strbuf_putc(out, c);
		space = false;
		started = true;
	}
}

void dkim_canon_header(struct strbuf *out, const char *text, size_t len, bool relaxed)
{
	const char *colon = memchr(text, ':', len);
	size_t name_len;

	if (!relaxed || colon == NULL) {
		strbuf_append(out, text, len);
		return;
	}
	name_len = (size_t)(colon - text);
	while (name_len > 0 && dkim_wsp(text[name_len - 1]))
		name_len--;
	for (size_t i = 0; i < name_len; i++)
		strbuf_putc(out, (char)tolower((unsigned char)text[i]));
	strbuf_putc(out, ':');
	dkim_canon_relaxed_value(out, colon + 1, len - (size_t)(colon + 1 - text));
	strbuf_puts(out, "\r\n");
}

/* The index of the last field named name above *below (exclusive),
 * moving *below there; SIZE_MAX when there is none. */
static size_t dkim_pick_field(const struct dkim_message *m, const char *name, size_t *below)
{
	size_t name_len = strlen(name);

	for (size_t i = *below; i > 0; i--) {
		if (dkim_field_is(&m->fields[i - 1], name, name_len)) {
			*below = i - 1;
			return i - 1;
		}
	}
	*below = 0;
	return SIZE_MAX;
}

void dkim_canon_signed_headers(struct strbuf *out, const struct dkim_message *m,
			       const char *const *names, size_t name_count,
			       const struct dkim_field *sig_field, size_t b_start, size_t b_end,
			       bool relaxed)
{
	size_t below[DKIM_SIGNED_MAX];
	struct strbuf sig = { 0 };
	size_t at;

	for (size_t i = 0; i < name_count && i < DKIM_SIGNED_MAX; i++) {
		below[i] = m->field_count;
		/* a name seen before continues above its last pick */
		for (size_t j = 0; j < i; j++) {
			if (strcasecmp(names[j], names[i]) == 0)
				below[i] = below[j];
		}
		at = dkim_pick_field(m, names[i], &below[i]);
		if (at != SIZE_MAX)
			dkim_canon_header(out, m->fields[at].text, m->fields[at].len, relaxed);
	}
	strbuf_append(&sig, sig_field->text, b_start);
	strbuf_append(&sig, sig_field->text + b_end, sig_field->len - b_end);
	if (sig.len < 2 || memcmp(sig.s + sig.len - 2, "\r\n", 2) != 0)
		strbuf_puts(&sig, "\r\n");
	size_t before = out->len;
	dkim_canon_header(out, sig.s, sig.len, relaxed);
	/* the signature field is hashed without its final CRLF */
	if (out->len >= before + 2)
		out->len -= 2;
	out->s[out->len] = '\0';
	strbuf_free(&sig);
}

/* ---- the body ---- */

/* Canonical output is gathered before hashing: relaxed bodies come in
 * many small pieces. */
#define DKIM_BODY_BUF 8192

struct dkim_body {
	struct sha256_ctx *sha;
	uint64_t length;	/* canonical octets so far */
	uint64_t limit;
	size_t empty_lines;	/* held back: dropped if nothing follows */
	size_t buf_len;
	char buf[DKIM_BODY_BUF];
};

static void dkim_body_flush(struct dkim_body *b)
{
	sha256_update(b->sha, b->buf, b->buf_len);
	b->buf_len = 0;
}

static void dkim_body_emit(struct dkim_body *b, const char *data, size_t len)
{
	uint64_t room = b->length < b->limit ? b->limit - b->length : 0;
	size_t take = len < room ? len : (size_t)room;

	b->length += len;
	if (take > DKIM_BODY_BUF - b->buf_len) {
		dkim_body_flush(b);
		if (take >= DKIM_BODY_BUF) {
			sha256_update(b->sha, data, take);
			return;
		}
	}
	memcpy(b->buf + b->buf_len, data, take);
	b->buf_len += take;
}

static void dkim_body_flush_empty(struct dkim_body *b)
{
	for (; b->empty_lines > 0; b->empty_lines--)
		dkim_body_emit(b, "\r\n", 2);
}

/* One line (without its CRLF) in relaxed form: each WSP run one SP,
 * none at the end. */
static void dkim_body_line_relaxed(struct dkim_body *b, const char *line, size_t len)
{
	size_t i = 0, run;
	bool space = false, any = false;

	while (i < len) {
		if (dkim_wsp(line[i])) {
			space = true;
			i++;
			continue;
		}
		for (run = i; run < len && !dkim_wsp(line[run]); run++)
			;
		if (!any)
			dkim_body_flush_empty(b);
		if (space)
			dkim_body_emit(b, " ", 1);
		dkim_body_emit(b, line + i, run - i);
		space = false;
		any = true;
		i = run;
	}
	if (any)
		dkim_body_emit(b, "\r\n", 2);
	else
		b->empty_lines++;
}

static void dkim_body_line_simple(struct dkim_body *b, const char *line, size_t len)
{
	if (len == 0) {
		b->empty_lines++;
		return;
	}
	dkim_body_flush_empty(b);
	dkim_body_emit(b, line, len);
	dkim_body_emit(b, "\r\n", 2);
}

void dkim_canon_body_hash(const char *body, size_t len, bool relaxed, uint64_t limit,
			  uint8_t digest_r[SHA256_LEN], uint64_t *length_r)
{
	struct dkim_body b = { .sha = sha256_new(), .limit = limit };
	const char *p = body, *end = body + len, *lf;
	size_t line;

	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		line = lf != NULL ? (size_t)(lf - p) : (size_t)(end - p);
		if (lf != NULL && line > 0 && p[line - 1] == '\r')
			line--;
		if (relaxed)
			dkim_body_line_relaxed(&b, p, line);
		else
			dkim_body_line_simple(&b, p, line);
		p = lf != NULL ? lf + 1 : end;
	}
	/* simple: an empty body is one CRLF; relaxed: nothing */
	if (!relaxed && b.length == 0)
		dkim_body_emit(&b, "\r\n", 2);
	dkim_body_flush(&b);
	sha256_final(&b.sha, digest_r);
	*length_r = b.length;
}
