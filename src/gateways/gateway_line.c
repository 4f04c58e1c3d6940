/* The bounded line reader the line-based gateways share. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "gateways/gateway_line.h"

/* Printable ASCII, UTF-8 bytes and TAB; any other control byte (NUL,
 * a CR inside the line) makes the line invalid. */
static bool line_bytes_ok(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static enum gateway_line_result line_take(struct evbuffer *in, size_t len, size_t eol_len,
				       char **line_r)
{
	char *line = xmalloc(len + 1);

	evbuffer_remove(in, line, len);
	evbuffer_drain(in, eol_len);
	line[len] = '\0';
	if (!line_bytes_ok(line, len)) {
		free(line);
		return GATEWAY_LINE_INVALID;
	}
	*line_r = line;
	return GATEWAY_LINE_OK;
}

enum gateway_line_result gateway_line_read(struct evbuffer *in, size_t max, bool *skipping,
				     char **line_r)
{
	for (;;) {
		size_t eol_len = 0;
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
		size_t buffered = evbuffer_get_length(in);

		if (*skipping) {
			evbuffer_drain(in, eol.pos < 0 ? buffered : (size_t)eol.pos + eol_len);
			if (eol.pos < 0)
				return GATEWAY_LINE_NONE;
			*skipping = false;
			continue;
		}
		if (eol.pos < 0) {
			/* max bytes and the CR of a CRLF still fit */
			if (buffered <= max + 1)
				return GATEWAY_LINE_NONE;
			evbuffer_drain(in, buffered);
			*skipping = true;
			return GATEWAY_LINE_TOO_LONG;
		}
		if ((size_t)eol.pos > max) {
			evbuffer_drain(in, (size_t)eol.pos + eol_len);
			return GATEWAY_LINE_TOO_LONG;
		}
		return line_take(in, (size_t)eol.pos, eol_len, line_r);
	}
}
