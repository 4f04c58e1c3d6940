/* The part tree IMAP numbers: the model's tree of the message, and for
 * each encapsulated message the same kind of tree over GMime's parse of
 * it, with the byte ranges RFC 9051 §6.4.5 names (header, text, MIME
 * header, content). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

json_object *imap_json_string(const char *s, size_t len)
{
	return s != NULL ? json_object_new_string_len(s, (int)len) : NULL;
}

/* The end of the header block at start: after the blank line, or end. */
static size_t tree_header_end(const char *raw, size_t start, size_t end)
{
	if (start < end && raw[start] == '\n')
		return start + 1;
	if (start + 1 < end && raw[start] == '\r' && raw[start + 1] == '\n')
		return start + 2;
	return mail_range_header_end(raw, start, end);
}

void imap_msg_init(struct imap_msg *m, const struct mail_message *msg)
{
	memset(m, 0, sizeof(*m));
	m->top = msg;
	m->body = msg->root;
	m->end = msg->len;
	m->header_end = tree_header_end(msg->raw, 0, msg->len);
}

bool imap_part_is_message(const struct mail_part *part)
{
	return part->kind == MAIL_PART_MESSAGE &&
	       (strcmp(part->type, "message/rfc822") == 0 || strcmp(part->type, "message/global") == 0);
}

bool imap_part_is_multipart(const struct mail_part *part)
{
	return part->kind == MAIL_PART_MULTIPART && part->child_count > 0;
}

bool imap_msg_open(const struct imap_msg *outer, const struct mail_part *part, unsigned depth,
		   struct imap_msg *inner_r)
{
	unsigned base = outer->depth + depth + 1;
	GMimeMessage *gm;
	size_t start, end;

	if (!imap_part_is_message(part) || base >= outer->top->limits.max_depth)
		return false;
	gm = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part->object));
	if (gm == NULL || g_mime_message_get_mime_part(gm) == NULL)
		return false;
	imap_part_range(outer, part, NULL, 0, &start, &end);
	memset(inner_r, 0, sizeof(*inner_r));
	/* The tree code reads offsets in raw and stops at parsed_len. */
	inner_r->view.raw = outer->top->raw;
	inner_r->view.len = end;
	inner_r->view.parsed_len = end;
	inner_r->view.gm = gm;
	inner_r->view.limits = outer->top->limits;
	inner_r->view.limits.max_depth -= base;
	mail_tree_build(&inner_r->view);
	inner_r->nested = true;
	if (inner_r->view.root == NULL) {
		imap_msg_deinit(inner_r);
		return false;
	}
	inner_r->top = outer->top;
	inner_r->body = inner_r->view.root;
	inner_r->start = start;
	inner_r->end = end;
	inner_r->header_end = tree_header_end(outer->top->raw, start, end);
	inner_r->depth = base;
	return true;
}

void imap_msg_deinit(struct imap_msg *m)
{
	if (!m->nested)
		return;
	mail_tree_free(m->view.root);
	free(m->view.leaves);
	m->nested = false;
}

static size_t tree_clamp(size_t offset, size_t lo, size_t hi)
{
	return offset < lo ? lo : offset > hi ? hi : offset;
}

/* Where the header block of part (which has fields) starts. */
static size_t tree_first_field(const struct imap_msg *m, const struct mail_part *part)
{
	gint64 first = -1;

	for (size_t i = 0; i < part->header_count; i++) {
		gint64 off = g_mime_header_get_offset(part->headers[i]);

		if (off >= 0 && (first < 0 || off < first))
			first = off;
	}
	return first < 0 ? m->start : tree_clamp((size_t)first, m->start, m->end);
}

static size_t tree_last_field(const struct imap_msg *m, const struct mail_part *part)
{
	gint64 last = -1;

	for (size_t i = 0; i < part->header_count; i++) {
		gint64 off = g_mime_header_get_offset(part->headers[i]);

		if (off > last)
			last = off;
	}
	return last < 0 ? m->start : tree_clamp((size_t)last, m->start, m->end);
}

void imap_part_range(const struct imap_msg *m, const struct mail_part *part, const char *const *bounds,
		     size_t bound_count, size_t *start_r, size_t *end_r)
{
	/* Parts lie in what GMime parsed; the text of the message may not. */
	size_t limit = m->end < m->top->parsed_len ? m->end : m->top->parsed_len;
	size_t start = part->start, end = part->end;

	if (part == m->body) {
		start = m->header_end;
		end = m->end;
	} else if (part->kind == MAIL_PART_MULTIPART) {
		/* The model keeps no range for a multipart: it runs from
		 * its header to the next delimiter of a multipart above. */
		if (part->header_count == 0) {
			*start_r = *end_r = m->start;
			return;
		}
		start = mail_range_header_end(m->top->raw, tree_last_field(m, part), limit);
		end = mail_range_content_end(m->top->raw, start, limit, bounds, bound_count, NULL);
	} else if (part->kind == MAIL_PART_LEAF && bound_count > 0) {
		/* GMime drops two octets before a delimiter when the message
		 * starts with CRLF, whatever the line end there: end where
		 * the delimiter line starts, as for the other parts. */
		end = mail_range_content_end(m->top->raw, start, limit, bounds, bound_count, NULL);
	}
	*start_r = tree_clamp(start, m->start, m->end);
	*end_r = tree_clamp(end, *start_r, m->end);
}

void imap_part_mime_range(const struct imap_msg *m, const struct mail_part *part, const char *const *bounds,
			  size_t bound_count, size_t *start_r, size_t *end_r)
{
	const char *raw = m->top->raw;
	size_t content, blank;

	if (part == m->body) {
		*start_r = m->start;
		*end_r = m->header_end;
		return;
	}
	imap_part_range(m, part, bounds, bound_count, &content, end_r);
	*end_r = content;
	if (part->header_count > 0) {
		*start_r = tree_clamp(tree_first_field(m, part), m->start, content);
		return;
	}
	/* No fields: only the blank line before the content, if any. */
	*start_r = content;
	if (content <= m->start || raw[content - 1] != '\n')
		return;
	blank = content - 1;
	if (blank > m->start && raw[blank - 1] == '\r')
		blank--;
	if (blank == m->start || raw[blank - 1] == '\n')
		*start_r = blank;
}

static bool tree_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

char *imap_part_field(const struct mail_part *part, const char *name)
{
	GMimeHeader *h = mail_headers_find_last(part->headers, part->header_count, name);
	const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;
	struct strbuf b = { 0 };
	size_t len;

	if (h == NULL)
		return NULL;
	if (raw == NULL)
		return xstrdup("");
	for (; *raw != '\0'; raw++) {
		/* Unfolding removes the line breaks, not the white space. */
		if (*raw == '\n' || (*raw == '\r' && raw[1] == '\n'))
			continue;
		if (b.len > 0 || !tree_is_wsp(*raw))
			strbuf_putc(&b, *raw);
	}
	len = b.len;
	while (len > 0 && tree_is_wsp(b.s[len - 1]))
		len--;
	if (b.s != NULL)
		b.s[len] = '\0';
	b.len = len;
	return strbuf_steal(&b);
}

/* ---- following section part numbers ---- */

struct imap_msg *imap_cursor_msg(const struct imap_cursor *c)
{
	return &c->msgs[c->msg_count - 1];
}

bool imap_cursor_enter(struct imap_cursor *c)
{
	struct imap_msg *m = imap_cursor_msg(c);

	if (c->part == NULL || !imap_msg_open(m, c->part, c->depth, &c->msgs[c->msg_count]))
		return false;
	c->msg_count++;
	c->part = NULL;
	c->depth = 0;
	c->bound_count = 0;
	return true;
}

/* Moves to part n (from 1) of the current part or message. */
static bool cursor_step(struct imap_cursor *c, uint32_t n)
{
	const struct mail_part *part = c->part;

	if (part != NULL && !imap_part_is_multipart(part)) {
		/* Only an encapsulated message has numbered parts. */
		if (!imap_cursor_enter(c))
			return false;
		part = NULL;
	}
	if (part == NULL) {
		part = imap_cursor_msg(c)->body;
		c->depth = 0;
		if (!imap_part_is_multipart(part)) {
			/* A message that is not multipart has part 1, its body. */
			c->part = part;
			return n == 1;
		}
	}
	if (n > part->child_count)
		return false;
	c->bounds[c->bound_count++] = g_mime_object_get_content_type_parameter(part->object, "boundary");
	c->part = part->children[n - 1];
	c->depth++;
	return true;
}

bool imap_cursor_walk(struct imap_cursor *c, const struct mail_message *msg, const uint32_t *numbers,
		      size_t count)
{
	memset(c, 0, sizeof(*c));
	/* Each number enters at most one message and one multipart. */
	c->msgs = xcalloc(count + 2, sizeof(*c->msgs));
	c->bounds = xcalloc(count + 1, sizeof(*c->bounds));
	imap_msg_init(&c->msgs[0], msg);
	c->msg_count = 1;
	for (size_t i = 0; i < count; i++) {
		if (!cursor_step(c, numbers[i]))
			return false;
	}
	return true;
}

void imap_cursor_free(struct imap_cursor *c)
{
	for (size_t i = 0; i < c->msg_count; i++)
		imap_msg_deinit(&c->msgs[i]);
	free(c->msgs);
	free(c->bounds);
	memset(c, 0, sizeof(*c));
}
