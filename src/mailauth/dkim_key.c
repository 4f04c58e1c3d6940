/* DKIM keys: new key pairs with the TXT record that publishes them,
 * private keys read back from PEM, public keys read from key records
 * (RFC 6376 §3.6.1, RFC 8463 §4). */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/xalloc.h"
#include "mailauth/dkim_private.h"

#define DKIM_RSA_BITS 2048
#define DKIM_ED25519_LEN 32

static EVP_PKEY *dkim_key_new(enum dkim_algorithm alg)
{
	if (alg == DKIM_ED25519_SHA256)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)DKIM_RSA_BITS);
}

static char *dkim_key_pem(EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem = NULL;
	long len;

	if (bio == NULL)
		return NULL;
	if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (len = BIO_get_mem_data(bio, &data)) > 0)
		pem = xstrndup(data, (size_t)len);
	BIO_free(bio);
	return pem;
}

/* The p= value: SubjectPublicKeyInfo for RSA, the raw key for Ed25519. */
static char *dkim_key_public_b64(EVP_PKEY *pkey, enum dkim_algorithm alg)
{
	unsigned char raw[DKIM_ED25519_LEN], *der = NULL;
	size_t raw_len = sizeof(raw);
	char *b64;
	int len;

	if (alg == DKIM_ED25519_SHA256) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1)
			return NULL;
		return base64_encode(raw, raw_len, false);
	}
	if ((len = i2d_PUBKEY(pkey, &der)) <= 0)
		return NULL;
	b64 = base64_encode(der, (size_t)len, false);
	OPENSSL_free(der);
	return b64;
}

int dkim_key_generate(enum dkim_algorithm alg, char **private_pem_r, char **dns_txt_r,
		      const char **error_r)
{
	EVP_PKEY *pkey = dkim_key_new(alg);
	char *pem = NULL, *pub = NULL;

	if (pkey != NULL) {
		pem = dkim_key_pem(pkey);
		pub = dkim_key_public_b64(pkey, alg);
		EVP_PKEY_free(pkey);
	}
	if (pem == NULL || pub == NULL) {
		free(pem);
		free(pub);
		*error_r = "cannot generate a DKIM key";
		return -1;
	}
	*private_pem_r = pem;
	*dns_txt_r = xasprintf("v=DKIM1; k=%s; p=%s",
			       alg == DKIM_ED25519_SHA256 ? "ed25519" : "rsa", pub);
	free(pub);
	return 0;
}

/* Never asks for a passphrase: our keys have none. */
static int dkim_key_no_passphrase(char *buf, int size, int rwflag, void *context)
{
	return 0;
}

static bool dkim_key_fits(EVP_PKEY *pkey, enum dkim_algorithm alg)
{
	if (alg == DKIM_ED25519_SHA256)
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519;
	return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
		EVP_PKEY_get_bits(pkey) >= DKIM_RSA_MIN_BITS;
}

EVP_PKEY *dkim_key_private_load(const char *pem, enum dkim_algorithm alg, const char **error_r)
{
	BIO *bio = pem != NULL ? BIO_new_mem_buf(pem, -1) : NULL;
	EVP_PKEY *pkey = NULL;

	if (bio != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, dkim_key_no_passphrase, NULL);
		BIO_free(bio);
	}
	if (pkey != NULL && !dkim_key_fits(pkey, alg)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (pkey == NULL)
		*error_r = alg == DKIM_ED25519_SHA256 ? "not an Ed25519 private key" :
			"not an RSA private key of 1024 bits or more";
	return pkey;
}

/* RSA keys come as SubjectPublicKeyInfo; some records hold a bare
 * RSAPublicKey (PKCS#1), which is accepted too. */
static EVP_PKEY *dkim_key_public_rsa(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);

	if (pkey == NULL) {
		p = der;
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
	}
	if (pkey != NULL && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

static EVP_PKEY *dkim_key_public_decode(const struct dkim_tag *p, enum dkim_algorithm alg,
					const char **reason_r)
{
	char *b64 = dkim_tag_compact(p);
	size_t len = 0;
	unsigned char *der = strlen(b64) <= DKIM_PUBKEY_MAX * 4 / 3 + 4 ?
		base64_decode(b64, strlen(b64), &len) : NULL;
	EVP_PKEY *pkey = NULL;

	free(b64);
	if (der != NULL && alg == DKIM_ED25519_SHA256 && len == DKIM_ED25519_LEN)
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, len);
	else if (der != NULL && alg == DKIM_RSA_SHA256)
		pkey = dkim_key_public_rsa(der, len);
	free(der);
	if (pkey == NULL)
		*reason_r = "unusable public key in the key record";
	else if (alg == DKIM_RSA_SHA256 && EVP_PKEY_get_bits(pkey) < DKIM_RSA_MIN_BITS)
		*reason_r = "RSA key shorter than 1024 bits";
	else
		return pkey;
	EVP_PKEY_free(pkey);
	return NULL;
}

/* The tags other than p=: version, hash, key type, service. */
static const char *dkim_key_record_check(const struct dkim_tags *tags, enum dkim_algorithm alg)
{
	const struct dkim_tag *v = dkim_tags_get(tags, "v");
	const struct dkim_tag *h = dkim_tags_get(tags, "h");
	const struct dkim_tag *k = dkim_tags_get(tags, "k");
	const struct dkim_tag *s = dkim_tags_get(tags, "s");
	const char *type = alg == DKIM_ED25519_SHA256 ? "ed25519" : "rsa";

	if (v != NULL && !dkim_tag_equals(v, "DKIM1"))
		return "key record of an unknown version";
	if (h != NULL && !dkim_tag_list_has(h, "sha256", false))
		return "key record does not allow sha256";
	if (k != NULL ? !dkim_tag_equals(k, type) : alg != DKIM_RSA_SHA256)
		return "key type does not match the signature algorithm";
	if (s != NULL && !dkim_tag_list_has(s, "*", false) && !dkim_tag_list_has(s, "email", false))
		return "key not meant for email";
	return NULL;
}

int dkim_key_record_parse(const char *txt, enum dkim_algorithm alg,
			  struct dkim_pubkey *key_r, const char **reason_r)
{
	struct dkim_tags tags;
	const struct dkim_tag *p, *t;

	memset(key_r, 0, sizeof(*key_r));
	if (dkim_tags_parse(txt, txt, strlen(txt), &tags) < 0) {
		*reason_r = "malformed key record";
		return -1;
	}
	if ((*reason_r = dkim_key_record_check(&tags, alg)) != NULL)
		return -1;
	if ((p = dkim_tags_get(&tags, "p")) == NULL) {
		*reason_r = "key record without p=";
		return -1;
	}
	if (p->value_len == 0) {
		*reason_r = "key revoked";
		return -1;
	}
	if ((key_r->pkey = dkim_key_public_decode(p, alg, reason_r)) == NULL)
		return -1;
	t = dkim_tags_get(&tags, "t");
	key_r->strict_identity = t != NULL && dkim_tag_list_has(t, "s", false);
	return 0;
}
