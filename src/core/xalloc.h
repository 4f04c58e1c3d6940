#ifndef TERN_XALLOC_H
#define TERN_XALLOC_H

#include <stddef.h>

/* Allocation that never returns NULL: on failure the process logs and
 * aborts, so callers need no out-of-memory branches. Every pointer
 * returned is owned by the caller and released with free(). */

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
