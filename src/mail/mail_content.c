/* Part content: the transfer encoding removed (RFC 2045 §6; an unknown
 * encoding reads as none), and the text of text parts as UTF-8. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

#define CONTENT_CHUNK 4096
/* Encoded text parts up to this size keep their decoded bytes. */
#define CONTENT_KEEP_MAX (2 * 1024 * 1024)

static bool content_is_encoded(const struct mail_part *part)
{
	return part->kind == MAIL_PART_LEAF &&
	       (part->encoding == GMIME_CONTENT_ENCODING_BASE64 ||
		part->encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
		part->encoding == GMIME_CONTENT_ENCODING_UUENCODE);
}

/* uuencoded data starts after its "begin" line, which GMime's decoder
 * expects to have been skipped. Sets *pos there; false if there is no
 * such line (the data is then read as it is). */
static bool content_uu_begin(const struct mail_part *part, const char *data, size_t len, size_t *pos)
{
	size_t at = 0;

	*pos = 0;
	if (part->encoding != GMIME_CONTENT_ENCODING_UUENCODE)
		return true;
	while (at < len) {
		const char *nl = memchr(data + at, '\n', len - at);

		if (len - at >= 6 && memcmp(data + at, "begin ", 6) == 0) {
			*pos = nl != NULL ? (size_t)(nl - data) + 1 : len;
			return true;
		}
		if (nl == NULL)
			break;
		at = (size_t)(nl - data) + 1;
	}
	return false;
}

/* Decodes part chunk by chunk, handing each piece to sink, until sink
 * returns false. Returns whether all of the content was decoded. */
static bool content_each(const struct mail_message *msg, const struct mail_part *part,
			 bool (*sink)(void *context, const char *data, size_t len), void *context)
{
	const char *data = msg->raw + part->start;
	size_t len = part->end - part->start, pos = 0;
	GMimeEncoding state;
	char *out;
	bool more = true;

	if (!content_is_encoded(part) || !content_uu_begin(part, data, len, &pos)) {
		sink(context, data, len);
		return true;
	}
	g_mime_encoding_init_decode(&state, part->encoding);
	if (part->encoding == GMIME_CONTENT_ENCODING_UUENCODE)
		state.state |= GMIME_UUDECODE_STATE_BEGIN;
	out = xmalloc(g_mime_encoding_outlen(&state, CONTENT_CHUNK) + 16);
	while (more && pos < len) {
		size_t n = len - pos < CONTENT_CHUNK ? len - pos : CONTENT_CHUNK, outlen;

		if (pos + n == len)
			outlen = g_mime_encoding_flush(&state, data + pos, n, out);
		else
			outlen = g_mime_encoding_step(&state, data + pos, n, out);
		pos += n;
		more = sink(context, out, outlen);
	}
	free(out);
	return pos == len;
}

struct content_collect {
	struct strbuf *out;
	size_t max;
	size_t total;
};

static bool content_collect(void *context, const char *data, size_t len)
{
	struct content_collect *c = context;

	if (c->out != NULL)
		strbuf_append(c->out, data, len);
	c->total += len;
	return c->max == 0 || c->total < c->max;
}

bool mail_content_decode(const struct mail_message *msg, const struct mail_part *part, size_t max,
			 struct strbuf *out)
{
	struct content_collect c = { out, max, 0 };

	if (part->decoded != NULL) {
		strbuf_append(out, part->decoded, max > 0 && max < part->size ? max : part->size);
		return max == 0 || part->size <= max;
	}
	if (!content_is_encoded(part) && max > 0 && part->end - part->start > max) {
		strbuf_append(out, msg->raw + part->start, max);
		return false;
	}
	return content_each(msg, part, content_collect, &c);
}

void mail_content_prepare(const struct mail_message *msg, struct mail_part *part)
{
	struct strbuf b = { 0 };
	struct content_collect c = { NULL, 0, 0 };

	if (!content_is_encoded(part)) {
		part->size = part->end - part->start;
	} else if (strncmp(part->type, "text/", 5) == 0 && part->end - part->start <= CONTENT_KEEP_MAX) {
		c.out = &b;
		content_each(msg, part, content_collect, &c);
		part->size = b.len;
		part->decoded = strbuf_steal(&b);
	} else {
		content_each(msg, part, content_collect, &c);
		part->size = c.total;
	}
}

/* CRLF to LF, in place. */
static void content_crlf_to_lf(struct strbuf *b)
{
	char *src = b->s != NULL ? memchr(b->s, '\r', b->len) : NULL, *dst = src, *end;

	if (src == NULL)
		return;
	end = b->s + b->len;
	while (src < end) {
		char *cr = memchr(src, '\r', (size_t)(end - src));
		size_t run = (size_t)((cr != NULL ? cr : end) - src);

		memmove(dst, src, run);
		dst += run;
		src += run;
		if (cr == NULL)
			break;
		if (cr + 1 == end || cr[1] != '\n')
			*dst++ = '\r';
		src++;
	}
	b->len = (size_t)(dst - b->s);
	b->s[b->len] = '\0';
}

char *mail_content_text(const struct mail_message *msg, const struct mail_part *part, size_t max,
			bool *truncated_r, bool *problem_r)
{
	/* Enough input for max bytes of output from any charset. */
	size_t need = max > 0 ? max * 4 + 16 : 0;
	struct strbuf bytes = { 0 }, text = { 0 };
	bool cut;

	cut = !mail_content_decode(msg, part, need, &bytes);
	*problem_r = mail_charset_to_utf8(part->charset, bytes.s != NULL ? bytes.s : "", bytes.len, cut,
					  &text) ||
		     part->cte_unknown;
	strbuf_free(&bytes);
	content_crlf_to_lf(&text);
	*truncated_r = cut;
	if (max > 0 && text.len > max) {
		text.len = mail_utf8_cut(text.s, text.len, max);
		text.s[text.len] = '\0';
		*truncated_r = true;
	}
	return strbuf_steal(&text);
}

int mail_part_content(const struct mail_message *msg, const char *part_id, void **data_r,
		      size_t *len_r, char **content_type_r)
{
	const struct mail_part *part = mail_part_find(msg, part_id);
	struct strbuf b = { 0 };

	if (part == NULL)
		return -1;
	mail_content_decode(msg, part, 0, &b);
	*len_r = b.len;
	*data_r = strbuf_steal(&b);
	if (content_type_r != NULL)
		*content_type_r = xstrdup(part->type);
	return 0;
}

int mail_part_text(const struct mail_message *msg, const char *part_id, size_t max_bytes,
		   char **text_r, bool *truncated_r, bool *encoding_problem_r)
{
	const struct mail_part *part = mail_part_find(msg, part_id);

	if (part == NULL)
		return -1;
	*text_r = mail_content_text(msg, part, max_bytes, truncated_r, encoding_problem_r);
	return 0;
}
