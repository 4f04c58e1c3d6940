/* A stored message as a POP3 multi-line response (RFC 1939 §3): CRLF
 * line ends whatever the blob has (a bare LF counts as a line end),
 * byte-stuffing of lines that start with ".", and TOP's cut after the
 * header and n body lines. Fed in chunks of any size: the state carries
 * across chunk borders (a CR at the end of one, a line start). */
#include <string.h>

#include "gateways/pop3/pop3_private.h"

void pop3_dot_init(struct pop3_dot_writer *w, bool top, uint64_t body_lines)
{
	memset(w, 0, sizeof(*w));
	w->top = top;
	w->body_lines = body_lines;
	w->line_start = true;
	w->line_empty = true;
}

static void dot_content(struct pop3_dot_writer *w, const char *p, size_t n,
			struct evbuffer *out)
{
	if (n == 0)
		return;
	if (w->line_start && p[0] == '.')
		evbuffer_add(out, ".", 1);
	evbuffer_add(out, p, n);
	w->line_start = false;
	w->line_empty = false;
}

/* A line ended: CRLF out, and TOP counts it. */
static void dot_line_end(struct pop3_dot_writer *w, struct evbuffer *out)
{
	evbuffer_add(out, "\r\n", 2);
	if (!w->in_body) {
		if (w->line_empty) {
			w->in_body = true;
			w->done = w->top && w->body_lines == 0;
		}
	} else if (w->top) {
		w->body_lines--;
		w->done = w->body_lines == 0;
	}
	w->line_start = true;
	w->line_empty = true;
}

/* A CR held back from the last chunk: a line end if LF follows, else a
 * byte of the line. Returns the bytes of p it used. */
static size_t dot_pending_cr(struct pop3_dot_writer *w, const char *p, struct evbuffer *out)
{
	w->pending_cr = false;
	if (p[0] == '\n') {
		dot_line_end(w, out);
		return 1;
	}
	dot_content(w, "\r", 1, out);
	return 0;
}

bool pop3_dot_feed(struct pop3_dot_writer *w, const void *data, size_t len,
		   struct evbuffer *out)
{
	const char *p = data;

	while (len > 0 && !w->done) {
		const char *nl;
		size_t seg, content, used;

		if (w->pending_cr) {
			used = dot_pending_cr(w, p, out);
			p += used;
			len -= used;
			continue;
		}
		nl = memchr(p, '\n', len);
		seg = nl != NULL ? (size_t)(nl - p) : len;
		content = seg > 0 && p[seg - 1] == '\r' ? seg - 1 : seg;
		dot_content(w, p, content, out);
		if (nl != NULL) {
			dot_line_end(w, out);
			seg++;
		} else {
			w->pending_cr = content < seg;
		}
		p += seg;
		len -= seg;
	}
	return w->done;
}

void pop3_dot_finish(struct pop3_dot_writer *w, struct evbuffer *out)
{
	if (!w->done && (w->pending_cr || !w->line_start))
		dot_line_end(w, out);
	w->pending_cr = false;
	evbuffer_add(out, ".\r\n", 3);
}
