/* Command lines: taken from the input buffer within a length bound,
 * split into keyword and arguments, and the numeric arguments parsed.
 * Knows nothing of the session, so that the unit tests drive it. */
#include <string.h>

#include "core/xalloc.h"
#include "gateways/pop3/pop3_private.h"

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

static enum pop3_line_result line_take(struct evbuffer *in, size_t len, size_t eol_len,
				       char **line_r)
{
	char *line = xmalloc(len + 1);

	evbuffer_remove(in, line, len);
	evbuffer_drain(in, eol_len);
	line[len] = '\0';
	if (!line_bytes_ok(line, len)) {
		free(line);
		return POP3_LINE_INVALID;
	}
	*line_r = line;
	return POP3_LINE_OK;
}

enum pop3_line_result pop3_line_read(struct evbuffer *in, size_t max, bool *skipping,
				     char **line_r)
{
	for (;;) {
		size_t eol_len = 0;
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
		size_t buffered = evbuffer_get_length(in);

		if (*skipping) {
			evbuffer_drain(in, eol.pos < 0 ? buffered : (size_t)eol.pos + eol_len);
			if (eol.pos < 0)
				return POP3_LINE_NONE;
			*skipping = false;
			continue;
		}
		if (eol.pos < 0) {
			/* max bytes and the CR of a CRLF still fit */
			if (buffered <= max + 1)
				return POP3_LINE_NONE;
			evbuffer_drain(in, buffered);
			*skipping = true;
			return POP3_LINE_TOO_LONG;
		}
		if ((size_t)eol.pos > max) {
			evbuffer_drain(in, (size_t)eol.pos + eol_len);
			return POP3_LINE_TOO_LONG;
		}
		return line_take(in, (size_t)eol.pos, eol_len, line_r);
	}
}

static void cmdline_split(struct pop3_cmdline *out, char *words)
{
	char *p = words;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return;
		if (out->argc == POP3_MAX_ARGS) {
			out->too_many = true;
			return;
		}
		out->args[out->argc++] = p;
		p += strcspn(p, " ");
		if (*p == '\0')
			return;
		*p++ = '\0';
	}
}

int pop3_cmdline_parse(const char *line, struct pop3_cmdline *out)
{
	size_t name_len = strcspn(line, " ");
	const char *rest = line[name_len] == ' ' ? line + name_len + 1 : line + name_len;
	size_t rest_len = strlen(rest);

	memset(out, 0, sizeof(*out));
	if (name_len == 0 || name_len > POP3_MAX_NAME)
		return -1;
	for (size_t i = 0; i < name_len; i++) {
		char c = line[i];

		out->name[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	out->buf = xmalloc(2 * (rest_len + 1));
	out->rest = out->buf;
	memcpy(out->rest, rest, rest_len + 1);
	memcpy(out->buf + rest_len + 1, rest, rest_len + 1);
	cmdline_split(out, out->buf + rest_len + 1);
	return 0;
}

void pop3_cmdline_free(struct pop3_cmdline *line)
{
	free(line->buf);
	memset(line, 0, sizeof(*line));
}

/* Decimal digits only (no sign, no space), saturating at UINT64_MAX. */
static int parse_decimal(const char *s, uint64_t *n_r)
{
	uint64_t n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		unsigned digit = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9')
			return -1;
		n = n > (UINT64_MAX - digit) / 10 ? UINT64_MAX : n * 10 + digit;
	}
	*n_r = n;
	return 0;
}

int pop3_parse_msgno(const char *s, size_t max, size_t *msgno_r)
{
	uint64_t n;

	if (parse_decimal(s, &n) < 0 || n == 0 || n > max)
		return -1;
	*msgno_r = (size_t)n;
	return 0;
}

int pop3_parse_lines(const char *s, uint64_t *lines_r)
{
	return parse_decimal(s, lines_r);
}
