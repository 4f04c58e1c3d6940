#ifndef TERN_GATEWAY_LINE_H
#define TERN_GATEWAY_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>

/* The bounded command-line reader of the line-based gateways (POP3,
 * SMTP): lines ended by CRLF or a bare LF, of at most max bytes. */

enum gateway_line_result {
	GATEWAY_LINE_NONE,	/* no whole line yet */
	GATEWAY_LINE_OK,	/* *line_r is a caller-owned NUL-terminated line */
	GATEWAY_LINE_TOO_LONG,	/* a line longer than max was dropped */
	GATEWAY_LINE_INVALID,	/* a line with a NUL or another control byte
				   (a CR inside it) was dropped */
};

/* Takes the next line from in (its end not included). A line longer than max is dropped as it
 * arrives: *skipping (false at the start of a session) remembers that
 * the rest of it is still to be drained by the next calls; the caller
 * answers once, at GATEWAY_LINE_TOO_LONG. */
enum gateway_line_result gateway_line_read(struct evbuffer *in, size_t max, bool *skipping,
					   char **line_r);

#endif
