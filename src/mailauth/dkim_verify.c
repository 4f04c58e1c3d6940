/* Verifying incoming mail (RFC 6376 §6): each of the first few
 * DKIM-Signature fields is parsed, its key fetched from
 * selector._domainkey.domain, then the body hash and the signature over
 * the header data are checked. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "dns/dns.h"
#include "mailauth/dkim_private.h"

/* Signatures verified per message; the others are ignored. */
#define DKIM_VERIFY_MAX 5
#define DKIM_ALGORITHM_MAX 32
#define DKIM_HEADER_B_LEN 8

static void dkim_verdict_set(struct dkim_verdict *v, enum dkim_result result,
			     const char *reason)
{
	v->result = result;
	free(v->reason);
	v->reason = reason != NULL ? xstrdup(reason) : NULL;
}

static bool dkim_token_valid(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("-+/=", s[i]) == NULL)
			return false;
	}
	return true;
}

/* What identifies the signature in the verdict, as far as it is
 * readable (the results header quotes these). */
static void dkim_verdict_names(struct dkim_verdict *v, const struct dkim_tags *tags)
{
	const struct dkim_tag *d = dkim_tags_get(tags, "d"), *s = dkim_tags_get(tags, "s");
	const struct dkim_tag *a = dkim_tags_get(tags, "a"), *b = dkim_tags_get(tags, "b");

	if (d != NULL && dkim_name_valid(d->value, d->value_len)) {
		v->domain = xstrndup(d->value, d->value_len);
		for (char *p = v->domain; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (s != NULL && dkim_name_valid(s->value, s->value_len))
		v->selector = xstrndup(s->value, s->value_len);
	if (a != NULL && dkim_token_valid(a->value, a->value_len, DKIM_ALGORITHM_MAX))
		v->algorithm = xstrndup(a->value, a->value_len);
	if (b != NULL) {
		char *b64 = dkim_tag_compact(b);
		size_t len = strlen(b64) < DKIM_HEADER_B_LEN ? strlen(b64) : DKIM_HEADER_B_LEN;
		if (dkim_token_valid(b64, len, DKIM_HEADER_B_LEN))
			v->header_b = xstrndup(b64, len);
		free(b64);
	}
}

/* The first usable key of the TXT records: 0, or -1 with *reason_r
 * naming why the first one is not. */
static int dkim_verify_key_pick(const struct dns_answer *answer, enum dkim_algorithm alg,
				struct dkim_pubkey *key_r, const char **reason_r)
{
	const char *reason = NULL, *first = NULL;

	for (size_t i = 0; i < answer->count; i++) {
		if (answer->records[i].type != DNS_TXT)
			continue;
		if (dkim_key_record_parse(answer->records[i].text, alg, key_r, &reason) == 0)
			return 0;
		if (first == NULL)
			first = reason;
	}
	*reason_r = first != NULL ? first : "no key record";
	return -1;
}

/* Fetches the signature's key: 0 with *key_r, or -1 with the verdict
 * set (temperror or permerror). */
static int dkim_verify_key(struct dns *dns, const struct dkim_sig *sig, struct dkim_pubkey *key_r,
			   struct dkim_verdict *v)
{
	char *name = xasprintf("%s._domainkey.%s", sig->selector, sig->domain);
	struct dns_answer answer = { 0 };
	const char *reason = NULL;
	enum dns_status status = DNS_PERMFAIL;
	bool asked = dns != NULL && strlen(name) <= DKIM_DOMAIN_MAX;
	int ret = -1;

	if (asked)
		status = dns_lookup(dns, name, DNS_TXT, &answer);
	if (dns == NULL || status == DNS_TEMPFAIL)
		dkim_verdict_set(v, DKIM_TEMPERROR, "key lookup failed");
	else if (status != DNS_OK)
		dkim_verdict_set(v, DKIM_PERMERROR, "no key record");
	else if ((ret = dkim_verify_key_pick(&answer, sig->alg, key_r, &reason)) < 0)
		dkim_verdict_set(v, DKIM_PERMERROR, reason);
	if (asked)
		dns_answer_clear(&answer);
	free(name);
	return ret;
}

/* The body hash, then the signature over the header data. */
static void dkim_verify_hashes(const struct dkim_message *m, const struct dkim_field *f,
			       const struct dkim_sig *sig, EVP_PKEY *pkey, struct dkim_verdict *v)
{
	uint8_t digest[SHA256_LEN];
	uint64_t body_len;
	struct strbuf data = { 0 };
	bool ok;

	dkim_canon_body_hash(m->body, m->body_len, sig->relaxed_body, sig->l, digest, &body_len);
	if (sig->l != UINT64_MAX && sig->l > body_len) {
		dkim_verdict_set(v, DKIM_FAIL, "l= is longer than the body");
		return;
	}
	if (memcmp(digest, sig->bh, SHA256_LEN) != 0) {
		dkim_verdict_set(v, DKIM_FAIL, "body hash did not verify");
		return;
	}
	dkim_canon_signed_headers(&data, m, sig->names, sig->name_count, f, sig->b_start,
				  sig->b_end, sig->relaxed_header);
	ok = dkim_crypto_verify(pkey, sig->alg, data.s, data.len, sig->b, sig->b_len);
	strbuf_free(&data);
	if (!ok)
		dkim_verdict_set(v, DKIM_FAIL, "signature did not verify");
	else if (sig->l != UINT64_MAX && sig->l < body_len)
		dkim_verdict_set(v, DKIM_POLICY, "l= leaves part of the body unsigned");
	else
		dkim_verdict_set(v, DKIM_PASS, NULL);
}

static void dkim_verify_sig(struct dns *dns, const struct dkim_message *m,
			    const struct dkim_field *f, const struct dkim_sig *sig, time_t now,
			    struct dkim_verdict *v)
{
	struct dkim_pubkey key;

	if (sig->has_x && now >= 0 && (uint64_t)now > sig->x) {
		dkim_verdict_set(v, DKIM_POLICY, "signature expired");
		return;
	}
	if (dkim_verify_key(dns, sig, &key, v) < 0)
		return;
	if (key.strict_identity && sig->identity_domain != NULL &&
	    strcmp(sig->identity_domain, sig->domain) != 0)
		dkim_verdict_set(v, DKIM_PERMERROR, "the key forbids i= below d= (t=s)");
	else
		dkim_verify_hashes(m, f, sig, key.pkey, v);
	EVP_PKEY_free(key.pkey);
}

static void dkim_verify_one(struct dns *dns, const struct dkim_message *m,
			    const struct dkim_field *f, time_t now, struct dkim_verdict *v)
{
	const char *colon = memchr(f->text, ':', f->len), *end = f->text + f->len;
	struct dkim_tags tags;
	struct dkim_sig sig;
	const char *reason;

	if (f->len >= 2 && end[-2] == '\r' && end[-1] == '\n')
		end -= 2;
	if (colon == NULL ||
	    dkim_tags_parse(f->text, colon + 1, (size_t)(end - colon - 1), &tags) < 0) {
		dkim_verdict_set(v, DKIM_NEUTRAL, "malformed signature");
		return;
	}
	dkim_verdict_names(v, &tags);
	if (dkim_sig_parse(&tags, &sig, &reason) < 0)
		dkim_verdict_set(v, DKIM_NEUTRAL, reason);
	else
		dkim_verify_sig(dns, m, f, &sig, now, v);
	dkim_sig_clear(&sig);
}

void dkim_verify(struct dns *dns, const char *msg, size_t len, time_t now,
		 struct dkim_verdict **verdicts_r, size_t *count_r)
{
	static const char name[] = "dkim-signature";
	struct dkim_verdict *verdicts = xcalloc(DKIM_VERIFY_MAX, sizeof(*verdicts));
	struct dkim_message m;
	size_t count = 0;

	dkim_message_parse(msg, len, &m);
	for (size_t i = 0; i < m.field_count && count < DKIM_VERIFY_MAX; i++) {
		if (!dkim_field_is(&m.fields[i], name, sizeof(name) - 1))
			continue;
		dkim_verify_one(dns, &m, &m.fields[i], now, &verdicts[count]);
		log_debug("dkim.verify", "domain=%s selector=%s result=%s reason=%s",
			  log_q(verdicts[count].domain != NULL ? verdicts[count].domain : ""),
			  log_q(verdicts[count].selector != NULL ? verdicts[count].selector : ""),
			  dkim_result_name(verdicts[count].result),
			  log_q(verdicts[count].reason != NULL ? verdicts[count].reason : ""));
		count++;
	}
	dkim_message_clear(&m);
	if (count == 0) {
		free(verdicts);
		verdicts = NULL;
	}
	*verdicts_r = verdicts;
	*count_r = count;
}

void dkim_verdicts_free(struct dkim_verdict **verdicts, size_t count)
{
	if (*verdicts == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		free((*verdicts)[i].domain);
		free((*verdicts)[i].selector);
		free((*verdicts)[i].algorithm);
		free((*verdicts)[i].header_b);
		free((*verdicts)[i].reason);
	}
	free(*verdicts);
	*verdicts = NULL;
}
