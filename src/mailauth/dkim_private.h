#ifndef TERN_DKIM_PRIVATE_H
#define TERN_DKIM_PRIVATE_H

/* Inside DKIM only (src/mailauth/dkim*.c): the message split into
 * header fields and body, canonicalization (RFC 6376 §3.4), tag lists
 * (§3.2), keys and the signature algorithms. */

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "core/strbuf.h"
#include "mailauth/dkim.h"

/* Header fields looked at; those past the bound are ignored (a
 * signature over one of them then fails). */
#define DKIM_FIELDS_MAX 1000
/* Tags in one signature or key record. */
#define DKIM_TAGS_MAX 32
/* Header field names in one h= tag. */
#define DKIM_SIGNED_MAX 128
#define DKIM_DOMAIN_MAX 253
/* The longest signature we accept (RSA-8192). */
#define DKIM_SIG_MAX 1024
/* The longest p= we accept, decoded. */
#define DKIM_PUBKEY_MAX 2048
#define DKIM_RSA_MIN_BITS 1024
#define DKIM_FOLD_COLUMNS 78

/* ---- the message (dkim_message.c) ---- */

struct dkim_field {
	const char *text;	/* name ":" value, continuation lines, final CRLF */
	size_t len;
	size_t name_len;	/* before the colon, trailing WSP excluded; 0 without colon */
};

struct dkim_message {
	char *buf;		/* the message with every bare LF made CRLF */
	size_t len;
	struct dkim_field *fields;
	size_t field_count;
	const char *body;	/* after the empty line; empty when there is none */
	size_t body_len;
};

/* Splits msg into header fields and body. Never fails: a message with
 * no empty line is all header. Release with dkim_message_clear(). */
void dkim_message_parse(const char *msg, size_t len, struct dkim_message *m_r);
void dkim_message_clear(struct dkim_message *m);
/* true when field is named name (ASCII case-insensitive). */
bool dkim_field_is(const struct dkim_field *field, const char *name, size_t name_len);

/* ---- canonicalization (dkim_canon.c) ---- */

/* Appends the canonical form of one header field (text with its final
 * CRLF) to out: relaxed (§3.4.2) or simple (§3.4.1). */
void dkim_canon_header(struct strbuf *out, const char *text, size_t len, bool relaxed);

/* The signed header data (§3.7): for each name of names in order, the
 * last field of that name not picked yet (none: nothing), then
 * sig_field with its b= value removed (b_start..b_end are offsets in
 * sig_field->text) and no final CRLF. */
void dkim_canon_signed_headers(struct strbuf *out, const struct dkim_message *m,
			       const char *const *names, size_t name_count,
			       const struct dkim_field *sig_field, size_t b_start, size_t b_end,
			       bool relaxed);

/* SHA-256 of the canonical body (relaxed §3.4.4 or simple §3.4.3),
 * of at most limit octets of it (UINT64_MAX: all). *length_r is the
 * length of the whole canonical body. */
void dkim_canon_body_hash(const char *body, size_t len, bool relaxed, uint64_t limit,
			  uint8_t digest_r[SHA256_LEN], uint64_t *length_r);

/* ---- tag lists (dkim_tags.c) ---- */

struct dkim_tag {
	const char *name;
	size_t name_len;
	const char *value;	/* without surrounding FWS; may contain FWS inside */
	size_t value_len;
	/* the whole segment after '=' up to ';' or the end, FWS included */
	size_t raw_start, raw_end;
};

struct dkim_tags {
	struct dkim_tag tags[DKIM_TAGS_MAX];
	size_t count;
};

/* Parses a tag-list (text, len; offsets are relative to base, which is
 * at or before text). 0, or -1 when malformed: no '=', a bad tag name,
 * a control character, a duplicate tag, too many tags. */
int dkim_tags_parse(const char *base, const char *text, size_t len, struct dkim_tags *tags_r);
/* The tag named name, or NULL. */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *tags, const char *name);
/* The value with every FWS character removed (base64, lists);
 * caller-owned. */
char *dkim_tag_compact(const struct dkim_tag *tag);
/* true when value is exactly s. */
bool dkim_tag_equals(const struct dkim_tag *tag, const char *s);
/* true when the colon-separated list value holds item (FWS around the
 * items ignored; ASCII case-insensitive when nocase). */
bool dkim_tag_list_has(const struct dkim_tag *tag, const char *item, bool nocase);

/* ---- a DKIM-Signature field (dkim_sig.c) ---- */

struct dkim_sig {
	enum dkim_algorithm alg;
	bool relaxed_header, relaxed_body;
	char *domain;		/* d=, lowercase */
	char *selector;		/* s= */
	char *identity_domain;	/* the domain of i=, lowercase; NULL without i= */
	char *names_buf;	/* h=, the names NUL-separated */
	const char *names[DKIM_SIGNED_MAX];
	size_t name_count;
	uint8_t bh[SHA256_LEN];
	unsigned char *b;
	size_t b_len;
	uint64_t l;		/* UINT64_MAX without l= */
	bool has_x;
	uint64_t t, x;
	size_t b_start, b_end;	/* the b= value's place in the field's text */
};

/* Reads the tags (already parsed from field) into sig: 0, or -1 with
 * *reason_r when a tag is missing, malformed or unsupported. Release
 * with dkim_sig_clear() either way. */
int dkim_sig_parse(const struct dkim_tags *tags, struct dkim_sig *sig, const char **reason_r);
void dkim_sig_clear(struct dkim_sig *sig);
/* true when s is a syntactically valid domain or selector. */
bool dkim_name_valid(const char *s, size_t len);

/* ---- keys and signatures (dkim_key.c, dkim_crypto.c) ---- */

/* The private key of a PEM for alg: the key, or NULL with *error_r. */
EVP_PKEY *dkim_key_private_load(const char *pem, enum dkim_algorithm alg, const char **error_r);

struct dkim_pubkey {
	EVP_PKEY *pkey;
	bool strict_identity;	/* t=s: i= must be in d= itself */
};

/* Parses a key record (§3.6.1) for a signature made with alg: 0 with
 * *key_r, or -1 with *reason_r (revoked, wrong type, too short, ...).
 * Free the key with EVP_PKEY_free(). */
int dkim_key_record_parse(const char *txt, enum dkim_algorithm alg,
			  struct dkim_pubkey *key_r, const char **reason_r);

/* Signs the header data: RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519
 * over its SHA-256 (RFC 8463). 0 with a caller-owned *sig_r, or -1. */
int dkim_crypto_sign(EVP_PKEY *pkey, enum dkim_algorithm alg, const char *data, size_t len,
		     unsigned char **sig_r, size_t *sig_len_r);
/* true when sig is alg's signature of data under pkey. */
bool dkim_crypto_verify(EVP_PKEY *pkey, enum dkim_algorithm alg, const char *data, size_t len,
			const unsigned char *sig, size_t sig_len);

#endif
