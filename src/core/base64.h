#ifndef TERN_BASE64_H
#define TERN_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Standard (RFC 4648 §4) or URL-safe without padding (§5). The result is
 * NUL-terminated and owned by the caller. */
char *base64_encode(const void *data, size_t len, bool url_safe);
/* Decodes standard base64 (padding optional, no whitespace). Returns a
 * caller-owned, NUL-terminated buffer and its length, or NULL on bad
 * input. */
void *base64_decode(const char *s, size_t slen, size_t *len_r);

#endif
