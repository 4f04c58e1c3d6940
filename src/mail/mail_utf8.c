/* UTF-8 validation and the small string helpers the mail layer shares. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

static const char mail_replacement[] = "\xEF\xBF\xBD";

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0. *incomplete_r is set
 * when s[0..len) is a valid start of a sequence cut by len. */
static size_t utf8_sequence_len(const unsigned char *s, size_t len, bool *incomplete_r)
{
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;

	*incomplete_r = false;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (size_t i = 1; i < need; i++) {
		if (i >= len) {
			*incomplete_r = true;
			return 0;
		}
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return need;
}

/* The end of the run of ASCII octets other than NUL from i on, eight
 * octets at a time while it can. */
static size_t utf8_ascii_run(const unsigned char *s, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;

	while (len - i >= 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0)
			break;
		i += 8;
	}
	while (i < len && s[i] > 0 && s[i] < 0x80)
		i++;
	return i;
}

bool mail_utf8_append_valid(struct strbuf *out, const char *data, size_t len, bool cut)
{
	const unsigned char *s = (const unsigned char *)data;
	bool replaced = false, incomplete;
	size_t i = 0;

	while (i < len) {
		size_t run = i, n;

		run = utf8_ascii_run(s, run, len);
		strbuf_append(out, s + i, run - i);
		if ((i = run) >= len)
			break;
		if (s[i] == 0) {
			i++;
			continue;
		}
		n = utf8_sequence_len(s + i, len - i, &incomplete);
		if (n > 0) {
			strbuf_append(out, s + i, n);
			i += n;
			continue;
		}
		if (incomplete && cut)
			break;
		strbuf_puts(out, mail_replacement);
		replaced = true;
		i++;
	}
	return replaced;
}

size_t mail_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len <= max)
		return len;
	i = max;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

void mail_utf8_put(struct strbuf *out, uint32_t c)
{
	char buf[4];

	if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		strbuf_puts(out, mail_replacement);
	} else if (c < 0x80) {
		strbuf_putc(out, (char)c);
	} else if (c < 0x800) {
		buf[0] = (char)(0xC0 | (c >> 6));
		buf[1] = (char)(0x80 | (c & 0x3F));
		strbuf_append(out, buf, 2);
	} else if (c < 0x10000) {
		buf[0] = (char)(0xE0 | (c >> 12));
		buf[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (c & 0x3F));
		strbuf_append(out, buf, 3);
	} else {
		buf[0] = (char)(0xF0 | (c >> 18));
		buf[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		buf[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		buf[3] = (char)(0x80 | (c & 0x3F));
		strbuf_append(out, buf, 4);
	}
}

/* The length of the white space (ASCII, or U+00A0) at s, or 0. */
static size_t utf8_space_len(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f' || *s == '\v')
		return 1;
	if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
		return 2;
	return 0;
}

/* Each run of characters between spaces is appended at once. */
char *mail_utf8_collapse(const char *s, size_t max_chars)
{
	struct strbuf b = { 0 };
	size_t chars = 0, n;
	const char *run;
	bool space = false;

	while (*s != '\0' && chars < max_chars) {
		if ((n = utf8_space_len(s)) > 0) {
			space = b.len > 0;
			s += n;
			continue;
		}
		if (space) {
			strbuf_putc(&b, ' ');
			space = false;
			if (++chars == max_chars)
				break;
		}
		for (run = s; *s != '\0' && chars < max_chars && utf8_space_len(s) == 0; chars++) {
			s++;
			while (((unsigned char)*s & 0xC0) == 0x80)
				s++;
		}
		strbuf_append(&b, run, (size_t)(s - run));
	}
	return strbuf_steal(&b);
}

char *mail_utf8_clean(const char *s)
{
	struct strbuf valid = { 0 }, b = { 0 };

	mail_utf8_append_valid(&valid, s, strlen(s), false);
	for (size_t i = 0; i < valid.len; i++) {
		unsigned char c = (unsigned char)valid.s[i];

		if (c == '\t' || c == '\r' || c == '\n')
			strbuf_putc(&b, ' ');
		else if (c >= 0x20 && c != 0x7F)
			strbuf_putc(&b, (char)c);
	}
	strbuf_free(&valid);
	return strbuf_steal(&b);
}

bool mail_utf8_has_8bit(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return true;
	}
	return false;
}

char *mail_ascii_lower(const char *s)
{
	char *lower = xstrdup(s);

	for (char *p = lower; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
	}
	return lower;
}
