#ifndef TERN_RAND_H
#define TERN_RAND_H

#include <stddef.h>

/* Cryptographically strong random bytes (OpenSSL RAND_bytes); aborts on
 * failure rather than hand back weak randomness. */
void rand_bytes(void *buf, size_t len);

/* A new random token of nbytes of entropy, base64url without padding.
 * Caller frees. */
char *rand_token(size_t nbytes);

#endif
