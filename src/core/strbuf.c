/* Growable NUL-terminated strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define STRBUF_MIN_CAP 64

/* libconfig exports a strbuf_append() of its own and calls it through
 * the PLT. Were ours visible in the executable's dynamic symbol table,
 * libconfig's parser would call it with its own struct and crash;
 * hidden, each library keeps its own. */
#define STRBUF_API __attribute__((visibility("hidden")))

/* Makes room for extra more bytes plus the terminating NUL. */
static void strbuf_reserve(struct strbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need < b->len)
		abort();
	if (need <= b->cap)
		return;
	cap = b->cap < STRBUF_MIN_CAP ? STRBUF_MIN_CAP : b->cap;
	while (cap < need)
		cap = cap * 2 > cap ? cap * 2 : need;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

STRBUF_API void strbuf_append(struct strbuf *b, const void *data, size_t len)
{
	strbuf_reserve(b, len);
	if (len > 0)
		memcpy(b->s + b->len, data, len);
	b->len += len;
	b->s[b->len] = '\0';
}

STRBUF_API void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_append(b, s, strlen(s));
}

STRBUF_API void strbuf_putc(struct strbuf *b, char c)
{
	strbuf_append(b, &c, 1);
}

STRBUF_API void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

STRBUF_API void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list copy;
	int n;

	/* Most strings fit the stack buffer: format once, copy once. */
	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof(small)) {
		strbuf_append(b, small, (size_t)n);
		return;
	}
	strbuf_reserve(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

STRBUF_API void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

STRBUF_API char *strbuf_steal(struct strbuf *b)
{
	char *s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->len = 0;
	b->cap = 0;
	return s;
}

STRBUF_API void strbuf_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
}
