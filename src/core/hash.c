/* SHA-256 and HMAC-SHA256 over OpenSSL's EVP interface. */
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/hash.h"
#include "core/log.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

/* OpenSSL fails here only on allocation failure or a broken library:
 * neither leaves anything sensible to do. */
static void hash_fail(const char *what)
{
	log_error("core.hash", "error=%s", log_q(what));
	abort();
}

struct sha256_ctx *sha256_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct sha256_ctx *ctx;

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		hash_fail("EVP_DigestInit_ex failed");
	ctx = OPENSSL_malloc(sizeof(*ctx));
	if (ctx == NULL)
		hash_fail("out of memory");
	ctx->md = md;
	return ctx;
}

void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(ctx->md, data, len) != 1)
		hash_fail("EVP_DigestUpdate failed");
}

void sha256_final(struct sha256_ctx **ctxp, uint8_t digest_r[SHA256_LEN])
{
	struct sha256_ctx *ctx = *ctxp;
	unsigned int len = SHA256_LEN;

	*ctxp = NULL;
	if (EVP_DigestFinal_ex(ctx->md, digest_r, &len) != 1)
		hash_fail("EVP_DigestFinal_ex failed");
	EVP_MD_CTX_free(ctx->md);
	OPENSSL_free(ctx);
}

void sha256(const void *data, size_t len, uint8_t digest_r[SHA256_LEN])
{
	unsigned int out_len = SHA256_LEN;

	if (EVP_Digest(len > 0 ? data : "", len, digest_r, &out_len, EVP_sha256(), NULL) != 1)
		hash_fail("EVP_Digest failed");
}

void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t mac_r[SHA256_LEN])
{
	static const unsigned char empty[1];
	unsigned int out_len = SHA256_LEN;

	if (key_len > INT32_MAX)
		hash_fail("HMAC key too long");
	if (HMAC(EVP_sha256(), key_len > 0 ? key : empty, (int)key_len,
		 len > 0 ? data : empty, len, mac_r, &out_len) == NULL)
		hash_fail("HMAC failed");
}

void hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int mem_equal_ct(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0 ? 1 : 0;
}
