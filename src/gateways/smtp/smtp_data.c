/* The message reader of DATA and BDAT: line ends made CRLF, and for
 * DATA the dot-stuffing undone and the terminating line found (RFC
 * 5321 §4.5.2), one state machine that may stop after any byte. */
#include <string.h>

#include "gateways/smtp/smtp_parse.h"

enum smtp_data_state {
	SMTP_DATA_LINE_START,	/* the next byte begins a line */
	SMTP_DATA_DOT,		/* the line began with "." */
	SMTP_DATA_DOT_CR,	/* the line began with ".", CR */
	SMTP_DATA_TEXT,		/* inside a line */
	SMTP_DATA_CR,		/* a CR ended the text so far; is LF next? */
};

void smtp_data_init(struct smtp_data_reader *r, bool dots, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->state = SMTP_DATA_LINE_START;
	r->dots = dots;
	r->max = max;
}

void smtp_data_free(struct smtp_data_reader *r)
{
	strbuf_free(&r->msg);
}

/* Keeps bytes while the message fits max; past it only counts them, and
 * lets the buffer go at once. */
static void smtp_data_emit(struct smtp_data_reader *r, const char *data, size_t len)
{
	r->size += len;
	if (r->too_big)
		return;
	if (r->msg.len + len > r->max) {
		r->too_big = true;
		strbuf_free(&r->msg);
		return;
	}
	strbuf_append(&r->msg, data, len);
}

static void smtp_data_line_end(struct smtp_data_reader *r, bool bare)
{
	smtp_data_emit(r, "\r\n", 2);
	r->line_bare = bare;
	r->state = SMTP_DATA_LINE_START;
}

/* Inside a line: the bytes up to the next CR or LF go out in one piece.
 * Returns how many bytes of data were taken. */
static size_t smtp_data_text(struct smtp_data_reader *r, const char *data, size_t len)
{
	size_t n = 0;

	while (n < len && data[n] != '\r' && data[n] != '\n')
		n++;
	smtp_data_emit(r, data, n);
	if (n == len)
		return n;
	if (data[n] == '\r')
		r->state = SMTP_DATA_CR;
	else
		smtp_data_line_end(r, true);
	return n + 1;
}

/* One step: takes 0 or more bytes of data (0 only when the state
 * changed), sets *end_r at the terminator. */
static size_t smtp_data_step(struct smtp_data_reader *r, const char *data, size_t len,
			     bool *end_r)
{
	char c = data[0];

	switch ((enum smtp_data_state)r->state) {
	case SMTP_DATA_LINE_START:
		r->state = r->dots && c == '.' ? SMTP_DATA_DOT : SMTP_DATA_TEXT;
		return r->state == SMTP_DATA_DOT ? 1 : 0;
	case SMTP_DATA_DOT:
		/* a leading dot is dropped, unless the line may be "." */
		r->state = c == '\r' ? SMTP_DATA_DOT_CR : SMTP_DATA_TEXT;
		return c == '\r' ? 1 : 0;
	case SMTP_DATA_DOT_CR:
		if (c == '\n' && !r->line_bare) {
			*end_r = true;
			return 1;
		}
		r->state = SMTP_DATA_CR;
		return 0;
	case SMTP_DATA_TEXT:
		return smtp_data_text(r, data, len);
	case SMTP_DATA_CR:
		smtp_data_line_end(r, c != '\n');
		return c == '\n' ? 1 : 0;
	}
	return len;
}

size_t smtp_data_feed(struct smtp_data_reader *r, const char *data, size_t len, bool *end_r)
{
	size_t used = 0;

	*end_r = false;
	while (used < len && !*end_r)
		used += smtp_data_step(r, data + used, len - used, end_r);
	return used;
}

void smtp_data_finish(struct smtp_data_reader *r)
{
	if (r->state == SMTP_DATA_CR)
		smtp_data_line_end(r, true);
}
