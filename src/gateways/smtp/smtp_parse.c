/* Command lines (read by gateway_line_read()) and the small values in
 * them: the verb, SIZE, NOTIFY, xtext and replies. MAIL and RCPT arguments
 * are in smtp_parse_path.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "gateways/smtp/smtp_parse.h"

int smtp_cmdline_split(const char *line, char verb_r[SMTP_VERB_MAX + 1], const char **args_r)
{
	size_t len = strcspn(line, " ");

	if (len == 0 || len > SMTP_VERB_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = line[i];

		verb_r[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	verb_r[len] = '\0';
	*args_r = line[len] == ' ' ? line + len + 1 : line + len;
	return 0;
}

int smtp_parse_size(const char *text, uint64_t *size_r)
{
	uint64_t n = 0;
	size_t len = strlen(text);

	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned)(text[i] - '0');

		if (text[i] < '0' || text[i] > '9')
			return -1;
		n = n > (UINT64_MAX - digit) / 10 ? UINT64_MAX : n * 10 + digit;
	}
	*size_r = n;
	return 0;
}

int smtp_parse_bdat(const char *args, uint64_t *size_r, bool *last_r)
{
	char size[21];
	size_t len = strcspn(args, " ");

	if (len >= sizeof(size))
		return -1;
	memcpy(size, args, len);
	size[len] = '\0';
	if (smtp_parse_size(size, size_r) < 0)
		return -1;
	*last_r = args[len] == ' ';
	return args[len] == '\0' || strcasecmp(args + len + 1, "LAST") == 0 ? 0 : -1;
}

static unsigned smtp_notify_word(const char *word, size_t len)
{
	static const struct {
		const char *name;
		unsigned bit;
	} words[] = {
		{ "NEVER", SMTP_NOTIFY_NEVER },
		{ "SUCCESS", SMTP_NOTIFY_SUCCESS },
		{ "FAILURE", SMTP_NOTIFY_FAILURE },
		{ "DELAY", SMTP_NOTIFY_DELAY },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].name) == len && strncasecmp(words[i].name, word, len) == 0)
			return words[i].bit;
	}
	return 0;
}

unsigned smtp_parse_notify(const char *text)
{
	unsigned bits = 0;

	for (const char *p = text;;) {
		size_t len = strcspn(p, ",");
		unsigned bit = smtp_notify_word(p, len);

		if (bit == 0 || (bits & bit) != 0)
			return 0;
		bits |= bit;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	/* NEVER must be alone */
	return (bits & SMTP_NOTIFY_NEVER) && bits != SMTP_NOTIFY_NEVER ? 0 : bits;
}

static int smtp_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A decoded byte of xtext: printable ASCII, or with utf8 any byte of
 * 0x80 and above (left to the caller to be well-formed). */
static bool smtp_xtext_byte_ok(unsigned char c, bool utf8)
{
	return (c >= 0x20 && c < 0x7f) || (utf8 && c >= 0x80);
}

char *smtp_xtext_decode(const char *text, bool utf8)
{
	size_t len = strlen(text), n = 0;
	char *out = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '+') {
			/* the NUL ends a cut-off "+X" */
			int hi = smtp_hex_digit(text[i + 1]);
			int lo = hi >= 0 ? smtp_hex_digit(text[i + 2]) : -1;

			if (lo < 0)
				goto bad;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '=' || c <= ' ' || (c >= 0x7f && !utf8)) {
			goto bad;
		}
		if (!smtp_xtext_byte_ok(c, utf8))
			goto bad;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

void smtp_reply_set(struct smtp_reply *reply, int code, const char *enhanced,
		    const char *fmt, ...)
{
	va_list ap;

	reply->code = code;
	snprintf(reply->enhanced, sizeof(reply->enhanced), "%s", enhanced);
	va_start(ap, fmt);
	vsnprintf(reply->text, sizeof(reply->text), fmt, ap);
	va_end(ap);
	for (char *p = reply->text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
}
