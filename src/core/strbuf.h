#ifndef TERN_STRBUF_H
#define TERN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* A growable NUL-terminated byte string. Zero-initialise to start
 * ({0} is an empty buffer); strbuf_free() releases it. */
struct strbuf {
	char *s;
	size_t len;
	size_t cap;
};

void strbuf_append(struct strbuf *b, const void *data, size_t len);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *b);
/* Hands the string to the caller (who frees it) and empties b.
 * Never returns NULL: an empty buffer gives "". */
char *strbuf_steal(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
