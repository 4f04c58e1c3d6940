/* Command lines (read by gateway_line_read()): split into keyword and
 * arguments, and the numeric arguments parsed.
 * Knows nothing of the session, so that the unit tests drive it. */
#include <string.h>

#include "core/xalloc.h"
#include "gateways/pop3/pop3_private.h"

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
