#ifndef TERN_DKIM_H
#define TERN_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* DKIM (RFC 6376) with RSA-SHA256 and Ed25519-SHA256 (RFC 8463):
 * key generation, signing of outgoing mail, verification of incoming
 * mail. Messages are given whole (header and body), with lines ending
 * in CRLF or a bare LF (taken as CRLF). Thread-safe. */

struct dns;

enum dkim_algorithm {
	DKIM_RSA_SHA256 = 0,
	DKIM_ED25519_SHA256,
};

/* "rsa-sha256" / "ed25519-sha256". */
const char *dkim_algorithm_name(enum dkim_algorithm alg);

/* A new key pair: RSA-2048 or Ed25519. *private_pem_r is the private
 * key as PKCS#8 PEM, *dns_txt_r the text of the selector's TXT record
 * ("v=DKIM1; k=rsa; p=MIIB..." / "v=DKIM1; k=ed25519; p=..."); both
 * caller-owned. */
int dkim_key_generate(enum dkim_algorithm alg, char **private_pem_r, char **dns_txt_r,
		      const char **error_r);

/* Signs msg for domain/selector with private_pem (as made by
 * dkim_key_generate). Canonicalization relaxed/relaxed; the header
 * fields signed are those of RFC 6376 §5.4.1's list that are present
 * (From, Reply-To, Subject, Date, To, Cc, Message-ID, In-Reply-To,
 * References, MIME-Version, Content-Type, Content-Transfer-Encoding,
 * ...), From signed once more than it occurs so that none can be
 * added; t= now. Returns the whole DKIM-Signature header field to put
 * before the message ("DKIM-Signature: v=1; a=...\r\n", folded at 78
 * columns, ending CRLF), caller-owned; NULL with *error_r (bad key). */
char *dkim_sign(const char *domain, const char *selector, enum dkim_algorithm alg,
		const char *private_pem, const char *msg, size_t len, time_t now,
		const char **error_r);

enum dkim_result {
	DKIM_NONE = 0,		/* no signature */
	DKIM_PASS,
	DKIM_FAIL,		/* signature or body hash does not verify */
	DKIM_NEUTRAL,		/* malformed or unsupported signature */
	DKIM_POLICY,		/* valid but not acceptable (expired, l= ...) */
	DKIM_TEMPERROR,		/* key lookup failed for now */
	DKIM_PERMERROR,		/* key missing or unusable */
};

struct dkim_verdict {
	enum dkim_result result;
	char *domain;		/* d=, lowercase (NULL if unparsable) */
	char *selector;		/* s= */
	char *algorithm;	/* a= as written */
	char *header_b;		/* the first 8 characters of b= (RFC 6008) */
	char *reason;		/* why not pass, for the header comment; may be NULL */
};

/* Verifies up to 5 DKIM-Signature fields of msg (others are ignored),
 * fetching keys through dns (selector._domainkey.domain TXT). Fills a
 * caller-owned array (free with dkim_verdicts_free); *count_r is 0
 * when the message has no signature. Never fails. */
void dkim_verify(struct dns *dns, const char *msg, size_t len, time_t now,
		 struct dkim_verdict **verdicts_r, size_t *count_r);
void dkim_verdicts_free(struct dkim_verdict **verdicts, size_t count);

const char *dkim_result_name(enum dkim_result result);

#endif
