/* The tags of a DKIM-Signature field (RFC 6376 §3.5), checked and
 * decoded before anything is looked up or hashed. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/xalloc.h"
#include "mailauth/dkim_private.h"

/* Digits in a number tag: at most 18, so that it fits in 63 bits. */
#define DKIM_NUMBER_DIGITS 18

bool dkim_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > DKIM_DOMAIN_MAX || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("-._", s[i]) == NULL)
			return false;
	}
	return true;
}

static char *dkim_lower_dup(const char *s, size_t len)
{
	char *out = xstrndup(s, len);

	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static int dkim_sig_number(const struct dkim_tag *tag, uint64_t *value_r)
{
	uint64_t v = 0;

	if (tag->value_len == 0 || tag->value_len > DKIM_NUMBER_DIGITS)
		return -1;
	for (size_t i = 0; i < tag->value_len; i++) {
		if (!isdigit((unsigned char)tag->value[i]))
			return -1;
		v = v * 10 + (uint64_t)(tag->value[i] - '0');
	}
	*value_r = v;
	return 0;
}

/* Base64 of tag decoded into *data_r (caller-owned): 0, or -1 when it
 * is not base64 or longer than max. */
static int dkim_sig_base64(const struct dkim_tag *tag, size_t max, unsigned char **data_r,
			   size_t *len_r)
{
	char *b64 = dkim_tag_compact(tag);
	size_t b64_len = strlen(b64);

	*data_r = b64_len > 0 && b64_len <= (max + 2) / 3 * 4 ?
		base64_decode(b64, b64_len, len_r) : NULL;
	free(b64);
	if (*data_r == NULL || *len_r == 0 || *len_r > max) {
		free(*data_r);
		*data_r = NULL;
		return -1;
	}
	return 0;
}

static int dkim_sig_canon(const struct dkim_tag *c, struct dkim_sig *sig)
{
	const char *slash;
	size_t head_len;

	sig->relaxed_header = sig->relaxed_body = false;
	if (c == NULL)
		return 0;
	slash = memchr(c->value, '/', c->value_len);
	head_len = slash != NULL ? (size_t)(slash - c->value) : c->value_len;
	if (head_len == 7 && memcmp(c->value, "relaxed", 7) == 0)
		sig->relaxed_header = true;
	else if (head_len != 6 || memcmp(c->value, "simple", 6) != 0)
		return -1;
	if (slash == NULL)
		return 0;
	struct dkim_tag body = { .value = slash + 1, .value_len = c->value_len - head_len - 1 };
	if (dkim_tag_equals(&body, "relaxed"))
		sig->relaxed_body = true;
	else if (!dkim_tag_equals(&body, "simple"))
		return -1;
	return 0;
}

/* h=: names without FWS, each printable without ':'; From among them. */
static int dkim_sig_names(const struct dkim_tag *h, struct dkim_sig *sig, const char **reason_r)
{
	char *p, *colon;
	bool from = false;

	sig->names_buf = dkim_tag_compact(h);
	for (p = sig->names_buf; p != NULL; p = colon != NULL ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		if (colon != NULL)
			*colon = '\0';
		if (*p == '\0' || sig->name_count == DKIM_SIGNED_MAX) {
			*reason_r = "malformed or too long h= tag";
			return -1;
		}
		for (const char *c = p; *c != '\0'; c++) {
			if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
				*reason_r = "malformed h= tag";
				return -1;
			}
		}
		from = from || strcasecmp(p, "from") == 0;
		sig->names[sig->name_count++] = p;
	}
	if (!from) {
		*reason_r = "From is not signed";
		return -1;
	}
	return 0;
}

/* i=: its domain must be d= or below it. */
static int dkim_sig_identity(const struct dkim_tag *i, struct dkim_sig *sig)
{
	const char *at = i != NULL ? memchr(i->value, '@', i->value_len) : NULL;
	size_t len, dlen = strlen(sig->domain);

	if (i == NULL)
		return 0;
	if (at == NULL)
		return -1;
	len = i->value_len - (size_t)(at + 1 - i->value);
	sig->identity_domain = dkim_lower_dup(at + 1, len);
	if (len == dlen)
		return strcmp(sig->identity_domain, sig->domain) == 0 ? 0 : -1;
	if (len < dlen + 1 || sig->identity_domain[len - dlen - 1] != '.')
		return -1;
	return strcmp(sig->identity_domain + len - dlen, sig->domain) == 0 ? 0 : -1;
}

static int dkim_sig_algorithm(const struct dkim_tag *a, struct dkim_sig *sig)
{
	if (dkim_tag_equals(a, "rsa-sha256"))
		sig->alg = DKIM_RSA_SHA256;
	else if (dkim_tag_equals(a, "ed25519-sha256"))
		sig->alg = DKIM_ED25519_SHA256;
	else
		return -1;
	return 0;
}

/* The required tags (v, a, b, bh, d, h, s) and the domain names. */
static int dkim_sig_required(const struct dkim_tags *tags, struct dkim_sig *sig,
			     const char **reason_r)
{
	const struct dkim_tag *v = dkim_tags_get(tags, "v"), *a = dkim_tags_get(tags, "a");
	const struct dkim_tag *b = dkim_tags_get(tags, "b"), *bh = dkim_tags_get(tags, "bh");
	const struct dkim_tag *d = dkim_tags_get(tags, "d"), *s = dkim_tags_get(tags, "s");
	const struct dkim_tag *h = dkim_tags_get(tags, "h");
	unsigned char *hash = NULL;
	size_t hash_len = 0;

	if (v == NULL || a == NULL || b == NULL || bh == NULL || d == NULL || s == NULL ||
	    h == NULL) {
		*reason_r = "a required tag is missing";
		return -1;
	}
	*reason_r = !dkim_tag_equals(v, "1") ? "unknown signature version" :
		dkim_sig_algorithm(a, sig) < 0 ? "unsupported algorithm" :
		!dkim_name_valid(d->value, d->value_len) ? "malformed d= tag" :
		!dkim_name_valid(s->value, s->value_len) ? "malformed s= tag" :
		dkim_sig_base64(b, DKIM_SIG_MAX, &sig->b, &sig->b_len) < 0 ? "malformed b= tag" :
		dkim_sig_base64(bh, SHA256_LEN, &hash, &hash_len) < 0 || hash_len != SHA256_LEN ?
		"malformed bh= tag" : NULL;
	if (hash != NULL && hash_len == SHA256_LEN)
		memcpy(sig->bh, hash, SHA256_LEN);
	free(hash);
	if (*reason_r != NULL)
		return -1;
	sig->domain = dkim_lower_dup(d->value, d->value_len);
	sig->selector = xstrndup(s->value, s->value_len);
	sig->b_start = b->raw_start;
	sig->b_end = b->raw_end;
	return dkim_sig_names(h, sig, reason_r);
}

/* The optional tags: c, i, l, q, t, x. */
static const char *dkim_sig_optional(const struct dkim_tags *tags, struct dkim_sig *sig)
{
	const struct dkim_tag *l = dkim_tags_get(tags, "l"), *q = dkim_tags_get(tags, "q");
	const struct dkim_tag *t = dkim_tags_get(tags, "t"), *x = dkim_tags_get(tags, "x");

	if (dkim_sig_canon(dkim_tags_get(tags, "c"), sig) < 0)
		return "unsupported canonicalization";
	if (dkim_sig_identity(dkim_tags_get(tags, "i"), sig) < 0)
		return "i= is not within d=";
	if (l != NULL && dkim_sig_number(l, &sig->l) < 0)
		return "malformed l= tag";
	if (q != NULL && !dkim_tag_list_has(q, "dns/txt", true))
		return "unsupported query method";
	if (t != NULL && dkim_sig_number(t, &sig->t) < 0)
		return "malformed t= tag";
	sig->has_x = x != NULL;
	if (x != NULL && dkim_sig_number(x, &sig->x) < 0)
		return "malformed x= tag";
	if (t != NULL && x != NULL && sig->x < sig->t)
		return "x= is before t=";
	return NULL;
}

int dkim_sig_parse(const struct dkim_tags *tags, struct dkim_sig *sig, const char **reason_r)
{
	memset(sig, 0, sizeof(*sig));
	sig->l = UINT64_MAX;
	if (dkim_sig_required(tags, sig, reason_r) < 0)
		return -1;
	*reason_r = dkim_sig_optional(tags, sig);
	return *reason_r == NULL ? 0 : -1;
}

void dkim_sig_clear(struct dkim_sig *sig)
{
	free(sig->domain);
	free(sig->selector);
	free(sig->identity_domain);
	free(sig->names_buf);
	free(sig->b);
	memset(sig, 0, sizeof(*sig));
}
