/* err_fmt(): formatted error strings without ownership questions. */
#include <stdarg.h>
#include <stdio.h>

#include "core/error.h"

static _Thread_local char err_ring[ERR_FMT_RING][ERR_FMT_MAX];
static _Thread_local unsigned int err_ring_next;

const char *err_fmt(const char *fmt, ...)
{
	char *buf = err_ring[err_ring_next];
	va_list ap;

	err_ring_next = (err_ring_next + 1) % ERR_FMT_RING;
	va_start(ap, fmt);
	vsnprintf(buf, ERR_FMT_MAX, fmt, ap);
	va_end(ap);
	return buf;
}
