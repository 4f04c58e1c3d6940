/* Allocation that aborts instead of returning NULL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"

static void xalloc_fail(size_t size) __attribute__((noreturn));

static void xalloc_fail(size_t size)
{
	log_error("core.oom", "size=%zu", size);
	abort();
}

void *xmalloc(size_t size)
{
	/* malloc(0) may return NULL; callers are promised a pointer. */
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p;

	if (count == 0 || size == 0)
		count = size = 1;
	p = calloc(count, size);
	if (p == NULL)
		xalloc_fail(size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
	size_t n = strnlen(s, len);
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (ret < 0)
		xalloc_fail(strlen(fmt));
	return s;
}
