/* Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII
 * stands for itself ("&" as "&-"), anything else is UTF-16 in a base64
 * run "&...-" whose alphabet has "," for "/". */
#include <stdint.h>
#include <string.h>

#include "core/strbuf.h"
#include "gateways/imap/imap_mutf7.h"

static const char imap_mb64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* The next code point of a UTF-8 string (strict: no overlong forms, no
 * surrogates, nothing past U+10FFFF). Returns 0 or -1. */
static int imap_utf8_next(const unsigned char **pos, const unsigned char *end, uint32_t *cp_r)
{
	const unsigned char *p = *pos;
	uint32_t cp, min;
	int more;

	if (p[0] < 0x80) {
		cp = p[0], more = 0, min = 0;
	} else if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f, more = 1, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f, more = 2, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07, more = 3, min = 0x10000;
	} else {
		return -1;
	}
	if (end - p <= more)
		return -1;
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*cp_r = cp;
	*pos = p + 1 + more;
	return 0;
}

bool imap_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t cp;

	while (p < end) {
		if (imap_utf8_next(&p, end, &cp) < 0 || cp == 0)
			return false;
	}
	return true;
}

static void imap_utf8_put(struct strbuf *b, uint32_t cp)
{
	if (cp < 0x80) {
		strbuf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		strbuf_putc(b, (char)(0xc0 | (cp >> 6)));
		strbuf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_putc(b, (char)(0xe0 | (cp >> 12)));
		strbuf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_putc(b, (char)(0xf0 | (cp >> 18)));
		strbuf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

struct imap_b64 {
	struct strbuf *out;
	uint32_t bits;
	int nbits;
	bool open;
};

static void imap_b64_unit(struct imap_b64 *e, uint16_t unit)
{
	if (!e->open) {
		strbuf_putc(e->out, '&');
		e->open = true;
	}
	e->bits = (e->bits << 16) | unit;
	e->nbits += 16;
	while (e->nbits >= 6) {
		e->nbits -= 6;
		strbuf_putc(e->out, imap_mb64[(e->bits >> e->nbits) & 63]);
	}
	e->bits &= (1u << e->nbits) - 1;
}

static void imap_b64_close(struct imap_b64 *e)
{
	if (!e->open)
		return;
	if (e->nbits > 0)
		strbuf_putc(e->out, imap_mb64[(e->bits << (6 - e->nbits)) & 63]);
	strbuf_putc(e->out, '-');
	e->bits = 0;
	e->nbits = 0;
	e->open = false;
}

char *imap_mutf7_encode(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8, *end = p + strlen(utf8);
	struct strbuf out = { 0 };
	struct imap_b64 e = { .out = &out };
	uint32_t cp;

	strbuf_puts(&out, "");
	while (p < end) {
		if (imap_utf8_next(&p, end, &cp) < 0) {
			strbuf_free(&out);
			return NULL;
		}
		if (cp >= 0x20 && cp <= 0x7e) {
			imap_b64_close(&e);
			strbuf_putc(&out, (char)cp);
			if (cp == '&')
				strbuf_putc(&out, '-');
		} else if (cp >= 0x10000) {
			imap_b64_unit(&e, (uint16_t)(0xd800 + ((cp - 0x10000) >> 10)));
			imap_b64_unit(&e, (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
		} else {
			imap_b64_unit(&e, (uint16_t)cp);
		}
	}
	imap_b64_close(&e);
	return strbuf_steal(&out);
}

struct imap_b64_dec {
	struct strbuf *out;
	uint16_t high;		/* a high surrogate waiting for its pair */
	bool any;
};

static int imap_b64_dec_unit(struct imap_b64_dec *d, uint16_t unit)
{
	uint32_t cp = unit;

	d->any = true;
	if (d->high != 0) {
		if (unit < 0xdc00 || unit > 0xdfff)
			return -1;
		cp = 0x10000 + (((uint32_t)d->high - 0xd800) << 10) + (unit - 0xdc00);
		d->high = 0;
	} else if (unit >= 0xd800 && unit <= 0xdbff) {
		d->high = unit;
		return 0;
	} else if (unit >= 0xdc00 && unit <= 0xdfff) {
		return -1;
	}
	if ((cp >= 0x20 && cp <= 0x7e) || cp == 0)
		return -1;
	imap_utf8_put(d->out, cp);
	return 0;
}

/* One "&...-" run, *pos just after the "&". */
static int imap_mutf7_run(const char **pos, struct strbuf *out)
{
	struct imap_b64_dec d = { .out = out };
	const char *p = *pos;
	uint32_t bits = 0;
	int nbits = 0;

	for (; *p != '-'; p++) {
		const char *at = *p != '\0' ? strchr(imap_mb64, *p) : NULL;

		if (at == NULL)
			return -1;
		bits = (bits << 6) | (uint32_t)(at - imap_mb64);
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			if (imap_b64_dec_unit(&d, (uint16_t)(bits >> nbits)) < 0)
				return -1;
			bits &= (1u << nbits) - 1;
		}
	}
	if (!d.any || d.high != 0 || nbits >= 6 || bits != 0)
		return -1;
	*pos = p + 1;
	return 0;
}

char *imap_mutf7_decode(const char *mutf7)
{
	struct strbuf out = { 0 };
	const char *p = mutf7;
	bool bad = false;

	strbuf_puts(&out, "");
	while (*p != '\0' && !bad) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c > 0x7e) {
			bad = true;
		} else if (c != '&') {
			strbuf_putc(&out, (char)c);
			p++;
		} else if (p[1] == '-') {
			strbuf_putc(&out, '&');
			p += 2;
		} else {
			p++;
			bad = imap_mutf7_run(&p, &out) < 0;
		}
	}
	if (bad) {
		strbuf_free(&out);
		return NULL;
	}
	return strbuf_steal(&out);
}
