#ifndef TERN_HASH_H
#define TERN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

struct sha256_ctx;

/* Incremental SHA-256. sha256_new() never fails (aborts on OOM);
 * sha256_final() writes the digest and frees the context. */
struct sha256_ctx *sha256_new(void);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256_ctx **ctx, uint8_t digest_r[SHA256_LEN]);

void sha256(const void *data, size_t len, uint8_t digest_r[SHA256_LEN]);
/* HMAC-SHA256 of data under key. */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t mac_r[SHA256_LEN]);
/* Lowercase hex of len bytes into out (2*len+1 bytes incl. NUL). */
void hex_encode(const uint8_t *data, size_t len, char *out);

/* Constant-time comparison; returns 1 if equal. */
int mem_equal_ct(const void *a, const void *b, size_t len);

#endif
