#ifndef TERN_URI_H
#define TERN_URI_H

#include <stdbool.h>
#include <stddef.h>

/* Percent-decodes s[0..len) (RFC 3986 §2.1) into a new string the
 * caller frees (plus_space: '+' is a space, as in query strings). NULL
 * on a bad escape or an encoded NUL, which no path or name may hold. */
char *uri_decode(const char *s, size_t len, bool plus_space);

#endif
