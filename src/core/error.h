#ifndef TERN_ERROR_H
#define TERN_ERROR_H

/* Error strings handed back through `const char **error_r`.
 *
 * An error_r string is either a string literal or one made by err_fmt().
 * err_fmt() writes into a small per-thread ring of buffers, so the
 * returned string stays valid until the same thread has made
 * ERR_FMT_RING more err_fmt() calls. Copy it if it must live longer. */

#define ERR_FMT_RING 8
#define ERR_FMT_MAX 512

const char *err_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
