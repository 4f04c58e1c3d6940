/* The RFC5322.From domain that DMARC evaluates (RFC 7489 §6.6.1): one
 * From field holding one address. Bounded: the field's value may not
 * pass MAILAUTH_FROM_MAX bytes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "mailauth/mailauth.h"

#define MAILAUTH_FROM_MAX 16384
#define MAILAUTH_DOMAIN_MAX 253

/* The length of the line at p (up to len), without its CR LF; *next_r
 * is where the next line starts. */
static size_t mailauth_line(const char *p, size_t len, size_t *next_r)
{
	const char *nl = memchr(p, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - p) : len;

	*next_r = nl != NULL ? n + 1 : len;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* True if the line is a "From:" field (WSP allowed before the colon);
 * *value_r points past the colon. */
static bool mailauth_is_from(const char *line, size_t n, size_t *value_r)
{
	size_t i = 4;

	if (n < 5 || strncasecmp(line, "From", 4) != 0)
		return false;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*value_r = i + 1;
	return i < n && line[i] == ':';
}

/* The unfolded value of the only From field; NULL if there are none,
 * several, or it is too long. */
static char *mailauth_from_value(const char *msg, size_t len)
{
	struct strbuf value = { 0 };
	size_t pos = 0, next, n, start, count = 0;
	bool in_from = false;

	while (pos < len && (n = mailauth_line(msg + pos, len - pos, &next)) > 0) {
		const char *line = msg + pos;

		if (line[0] == ' ' || line[0] == '\t') {
			if (in_from)
				strbuf_append(&value, line, n);
		} else if ((in_from = mailauth_is_from(line, n, &start))) {
			count++;
			strbuf_append(&value, line + start, n - start);
		}
		pos += next;
		if (value.len > MAILAUTH_FROM_MAX)
			count = 2;
	}
	if (count != 1) {
		strbuf_free(&value);
		return NULL;
	}
	return strbuf_steal(&value);
}

/* The value with comments removed and quoted strings' contents blanked,
 * so that no '@', ',', '<' inside them is taken for syntax. NULL if a
 * comment or quoted string is not closed. */
static char *mailauth_strip(const char *v)
{
	struct strbuf out = { 0 };
	bool quoted = false;
	int depth = 0;

	strbuf_puts(&out, "");
	for (; *v != '\0'; v++) {
		if (*v == '\\' && (quoted || depth > 0) && v[1] != '\0') {
			v++;
			if (quoted)
				strbuf_putc(&out, 'x');
		} else if (quoted) {
			quoted = *v != '"';
			strbuf_putc(&out, quoted ? 'x' : '"');
		} else if (*v == '(') {
			depth++;
		} else if (depth > 0) {
			if (*v == ')' && --depth == 0)
				strbuf_putc(&out, ' ');
		} else {
			quoted = *v == '"';
			strbuf_putc(&out, *v);
		}
	}
	if (quoted || depth > 0) {
		strbuf_free(&out);
		return NULL;
	}
	return strbuf_steal(&out);
}

/* The domain of one addr-spec (or angle-addr), lowercase, or NULL if
 * the segment holds no address or an unusable domain. */
static char *mailauth_segment_domain(char *seg)
{
	char *lt = strrchr(seg, '<'), *at, *end;
	size_t len;

	if (lt != NULL) {
		seg = lt + 1;
		if ((end = strchr(seg, '>')) != NULL)
			*end = '\0';
		if (strrchr(seg, ':') != NULL)	/* obsolete route */
			seg = strrchr(seg, ':') + 1;
	}
	if ((at = strrchr(seg, '@')) == NULL)
		return NULL;
	at++;
	while (*at == ' ' || *at == '\t')
		at++;
	len = strcspn(at, " \t");
	if (len > 0 && at[len - 1] == '.')
		len--;
	if (len == 0 || len > MAILAUTH_DOMAIN_MAX || at[0] == '.' || strstr(at, "..") != NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)at[i]) && strchr("-._", at[i]) == NULL)
			return NULL;
		at[i] = (char)tolower((unsigned char)at[i]);
	}
	return xstrndup(at, len);
}

/* Splits the stripped value into segments at ',', ':' and ';' outside
 * angle brackets (address separators and group syntax); returns the
 * domain when exactly one segment holds an address. */
static char *mailauth_single_domain(char *s)
{
	char *domain = NULL, *seg = s;
	size_t addresses = 0;
	int angle = 0;

	for (char *p = s;; p++) {
		if (*p == '<' || *p == '>') {
			angle += *p == '<' ? 1 : -1;
		} else if (*p == '\0' || (angle == 0 && strchr(",:;", *p) != NULL)) {
			bool last = *p == '\0';

			*p = '\0';
			if (strchr(seg, '@') != NULL && addresses++ == 0)
				domain = mailauth_segment_domain(seg);
			seg = p + 1;
			if (last)
				break;
		}
	}
	if (addresses != 1) {
		free(domain);
		return NULL;
	}
	return domain;
}

char *mailauth_from_domain(const char *msg, size_t len)
{
	char *value = mailauth_from_value(msg, len), *stripped, *domain;

	if (value == NULL)
		return NULL;
	stripped = mailauth_strip(value);
	free(value);
	if (stripped == NULL)
		return NULL;
	domain = mailauth_single_domain(stripped);
	free(stripped);
	return domain;
}
