/* The two signature algorithms: rsa-sha256 signs the header data with
 * RSASSA-PKCS1-v1_5 and SHA-256 (RFC 6376 §3.3.1); ed25519-sha256 signs
 * the SHA-256 digest of the header data with PureEdDSA (RFC 8463 §3). */
#include <stdlib.h>

#include "core/xalloc.h"
#include "mailauth/dkim_private.h"

/* What the algorithm signs, and the digest EVP applies to it. */
static const unsigned char *dkim_crypto_input(enum dkim_algorithm alg, const char *data,
					      size_t len, uint8_t digest[SHA256_LEN],
					      size_t *in_len_r, const EVP_MD **md_r)
{
	if (alg == DKIM_ED25519_SHA256) {
		sha256(data, len, digest);
		*in_len_r = SHA256_LEN;
		*md_r = NULL;
		return digest;
	}
	*in_len_r = len;
	*md_r = EVP_sha256();
	return (const unsigned char *)data;
}

int dkim_crypto_sign(EVP_PKEY *pkey, enum dkim_algorithm alg, const char *data, size_t len,
		     unsigned char **sig_r, size_t *sig_len_r)
{
	uint8_t digest[SHA256_LEN];
	const EVP_MD *md;
	size_t in_len, sig_len = 0;
	const unsigned char *in = dkim_crypto_input(alg, data, len, digest, &in_len, &md);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	int ret = -1;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, md, NULL, pkey) == 1 &&
	    EVP_DigestSign(ctx, NULL, &sig_len, in, in_len) == 1 && sig_len > 0) {
		sig = xmalloc(sig_len);
		if (EVP_DigestSign(ctx, sig, &sig_len, in, in_len) == 1) {
			*sig_r = sig;
			*sig_len_r = sig_len;
			sig = NULL;
			ret = 0;
		}
	}
	free(sig);
	EVP_MD_CTX_free(ctx);
	return ret;
}

bool dkim_crypto_verify(EVP_PKEY *pkey, enum dkim_algorithm alg, const char *data, size_t len,
			const unsigned char *sig, size_t sig_len)
{
	uint8_t digest[SHA256_LEN];
	const EVP_MD *md;
	size_t in_len;
	const unsigned char *in = dkim_crypto_input(alg, data, len, digest, &in_len, &md);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
		EVP_DigestVerify(ctx, sig, sig_len, in, in_len) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}
