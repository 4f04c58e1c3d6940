/* Text in a MIME charset to UTF-8. Unlabelled and us-ascii text that is
 * not valid UTF-8 is read as windows-1252, as is iso-8859-1 (its
 * superset in practice); unknown charsets get the same heuristic and
 * are reported as an encoding problem (RFC 8621 §4.1.4 isEncodingProblem). */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "mail/mail_private.h"

/* windows-1252 0x80..0x9F; the five unassigned bytes map to C1 as in
 * iso-8859-1. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void charset_cp1252(const char *data, size_t len, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)data;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == 0)
			continue;
		if (s[i] < 0x80)
			strbuf_putc(out, (char)s[i]);
		else if (s[i] < 0xA0)
			mail_utf8_put(out, cp1252_high[s[i] - 0x80]);
		else
			mail_utf8_put(out, s[i]);
	}
}

static bool charset_is(const char *charset, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		if (strcasecmp(charset, names[i]) == 0)
			return true;
	}
	return false;
}

static const char *const charset_utf8_names[] = { "utf-8", "utf8", NULL };
static const char *const charset_ascii_names[] = { "us-ascii", "ascii", "ansi_x3.4-1968", "", NULL };
static const char *const charset_cp1252_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "windows-1252", "cp1252", NULL
};

/* UTF-8 if it is, else windows-1252. Returns whether it was not UTF-8. */
static bool charset_guess(const char *data, size_t len, bool cut, struct strbuf *out)
{
	size_t mark = out->len;

	if (!mail_utf8_append_valid(out, data, len, cut))
		return false;
	out->len = mark;
	out->s[mark] = '\0';
	charset_cp1252(data, len, out);
	return true;
}

/* Converts with iconv; returns whether anything was malformed. */
static bool charset_iconv(iconv_t cd, const char *data, size_t len, bool cut, struct strbuf *out)
{
	char obuf[4096], *in = (char *)data, *o;
	size_t inleft = len, oleft;
	bool problem = false;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		size_t r;

		o = obuf;
		oleft = sizeof(obuf);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		problem |= mail_utf8_append_valid(out, obuf, (size_t)(o - obuf), false);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno == EINVAL) {
			/* A character cut by the end of the data. */
			if (!cut)
				mail_utf8_put(out, 0xFFFD);
			problem |= !cut;
			break;
		}
		mail_utf8_put(out, 0xFFFD);
		problem = true;
		in++;
		inleft--;
	}
	o = obuf;
	oleft = sizeof(obuf);
	iconv(cd, NULL, NULL, &o, &oleft);
	mail_utf8_append_valid(out, obuf, (size_t)(o - obuf), false);
	return problem;
}

bool mail_charset_to_utf8(const char *charset, const char *data, size_t len, bool cut,
			  struct strbuf *out)
{
	iconv_t cd;
	bool problem;

	if (charset == NULL || charset_is(charset, charset_ascii_names))
		return charset_guess(data, len, cut, out);
	if (charset_is(charset, charset_utf8_names))
		return mail_utf8_append_valid(out, data, len, cut);
	if (charset_is(charset, charset_cp1252_names)) {
		charset_cp1252(data, len, out);
		return false;
	}
	cd = g_mime_iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1) {
		charset_guess(data, len, cut, out);
		return true;
	}
	problem = charset_iconv(cd, data, len, cut, out);
	g_mime_iconv_close(cd);
	return problem;
}
