/* BINARY[part] (RFC 3516, RFC 9051 §6.4.5): the content of a leaf with
 * base64 or quoted-printable undone, 7bit, 8bit and binary content as
 * it is, text line ends sent as CRLF (the RFC's MUST). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

/* Whether IMAP shows part as a leaf: no multipart, and no message it
 * opens into parts of its own. */
static bool binary_is_leaf(const struct imap_msg *m, const struct mail_part *part, unsigned depth)
{
	struct imap_msg inner;

	if (imap_part_is_multipart(part))
		return false;
	if (!imap_msg_open(m, part, depth, &inner))
		return true;
	imap_msg_deinit(&inner);
	return false;
}

static bool binary_is_known(const struct mail_part *part)
{
	if (part->kind != MAIL_PART_LEAF)
		return true;
	return !part->cte_unknown && part->encoding != GMIME_CONTENT_ENCODING_UUENCODE;
}

/* Bare LF to CRLF. */
static void binary_crlf(struct strbuf *b)
{
	struct strbuf out = { 0 };

	for (size_t i = 0; i < b->len; i++) {
		if (b->s[i] == '\n' && (i == 0 || b->s[i - 1] != '\r'))
			strbuf_putc(&out, '\r');
		strbuf_putc(&out, b->s[i]);
	}
	strbuf_free(b);
	*b = out;
}

static void binary_decode(const struct imap_cursor *c, const struct mail_part *part, struct strbuf *out)
{
	const struct imap_msg *m = imap_cursor_msg(c);
	struct mail_part view = { .kind = MAIL_PART_LEAF };

	/* The range IMAP numbers (the body of a message is its text), not
	 * the model's. */
	imap_part_range(m, part, c->bounds, c->bound_count, &view.start, &view.end);
	if (part->kind == MAIL_PART_LEAF)
		view.encoding = part->encoding;
	mail_content_decode(m->top, &view, 0, out);
	if (strncmp(part->type, "text/", 5) == 0 && out->s != NULL && memchr(out->s, '\n', out->len) != NULL)
		binary_crlf(out);
}

int mail_imap_binary(const struct mail_message *msg, const char *part, char **data_r, size_t *len_r,
		     bool *unknown_cte_r)
{
	uint32_t numbers[IMAP_SECTION_MAX_PARTS];
	struct imap_cursor c;
	struct strbuf out = { 0 };
	const struct mail_part *leaf;
	size_t count;
	int ret = 0;

	*data_r = NULL;
	*len_r = 0;
	*unknown_cte_r = false;
	if (imap_section_parse_numbers(&part, numbers, &count) < 0 || *part != '\0')
		return -1;
	if (imap_cursor_walk(&c, msg, numbers, count)) {
		leaf = c.part != NULL ? c.part : imap_cursor_msg(&c)->body;
		if (binary_is_leaf(imap_cursor_msg(&c), leaf, c.depth)) {
			ret = 1;
			if (!binary_is_known(leaf))
				*unknown_cte_r = true;
			else
				binary_decode(&c, leaf, &out);
		}
	}
	imap_cursor_free(&c);
	if (ret == 1 && !*unknown_cte_r) {
		*len_r = out.len;
		*data_r = strbuf_steal(&out);
	}
	return ret;
}
