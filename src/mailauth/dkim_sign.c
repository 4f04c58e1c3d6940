/* Signing outgoing mail: relaxed/relaxed, the header fields of RFC 6376
 * §5.4.1 that are present (each occurrence, From once more), t= now.
 * The field is folded at 78 columns; b= goes last so that its value
 * can be added after the header data is hashed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/xalloc.h"
#include "mailauth/dkim_private.h"

static const char *const dkim_sign_fields[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "message-id", "in-reply-to",
	"references", "mime-version", "content-type", "content-transfer-encoding",
	"resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc",
	"list-id", "list-help", "list-unsubscribe", "list-subscribe", "list-post",
	"list-owner", "list-archive",
};
#define DKIM_SIGN_FIELD_COUNT (sizeof(dkim_sign_fields) / sizeof(dkim_sign_fields[0]))
/* Occurrences of one field signed at most (beyond: a broken message). */
#define DKIM_SIGN_REPEAT_MAX 4

struct dkim_fold {
	struct strbuf *out;
	size_t col;
};

/* Appends piece, after a space (space) or right after what came, on a
 * new continuation line when it would pass the margin. */
static void dkim_fold_add(struct dkim_fold *f, const char *piece, bool space)
{
	size_t len = strlen(piece);

	if (f->col + (space ? 1 : 0) + len > DKIM_FOLD_COLUMNS) {
		strbuf_puts(f->out, "\r\n\t");
		f->col = 1;
	} else if (space) {
		strbuf_putc(f->out, ' ');
		f->col++;
	}
	strbuf_puts(f->out, piece);
	f->col += len;
}

/* The b= value, cut wherever the line is full (base64 allows FWS). */
static void dkim_fold_b64(struct dkim_fold *f, const char *b64)
{
	size_t left = strlen(b64), n;

	while (left > 0) {
		if (f->col >= DKIM_FOLD_COLUMNS) {
			strbuf_puts(f->out, "\r\n\t");
			f->col = 1;
		}
		n = DKIM_FOLD_COLUMNS - f->col;
		if (n > left)
			n = left;
		strbuf_append(f->out, b64, n);
		f->col += n;
		b64 += n;
		left -= n;
	}
}

/* The h= list: each field of the table as often as it occurs, From
 * once more. Returns the count; 0 when there is no From. */
static size_t dkim_sign_pick(const struct dkim_message *m, const char **names)
{
	size_t count = 0, n;

	for (size_t i = 0; i < DKIM_SIGN_FIELD_COUNT; i++) {
		const char *name = dkim_sign_fields[i];
		n = 0;
		for (size_t j = 0; j < m->field_count; j++)
			n += dkim_field_is(&m->fields[j], name, strlen(name)) ? 1 : 0;
		if (i == 0 && n == 0)
			return 0;
		if (n > DKIM_SIGN_REPEAT_MAX)
			n = DKIM_SIGN_REPEAT_MAX;
		for (size_t k = 0; k < n + (i == 0 ? 1 : 0); k++)
			names[count++] = name;
	}
	return count;
}

/* The field up to "b=", folded. */
static void dkim_sign_head(struct dkim_fold *f, const char *domain, const char *selector,
			   enum dkim_algorithm alg, time_t now, const char *const *names,
			   size_t count, const char *bh)
{
	char piece[DKIM_DOMAIN_MAX + 8];

	strbuf_puts(f->out, "DKIM-Signature:");
	f->col = strlen("DKIM-Signature:");
	dkim_fold_add(f, "v=1;", true);
	snprintf(piece, sizeof(piece), "a=%s;", dkim_algorithm_name(alg));
	dkim_fold_add(f, piece, true);
	dkim_fold_add(f, "c=relaxed/relaxed;", true);
	snprintf(piece, sizeof(piece), "d=%s;", domain);
	dkim_fold_add(f, piece, true);
	snprintf(piece, sizeof(piece), "s=%s;", selector);
	dkim_fold_add(f, piece, true);
	snprintf(piece, sizeof(piece), "t=%lld;", (long long)now);
	dkim_fold_add(f, piece, true);
	for (size_t i = 0; i < count; i++) {
		snprintf(piece, sizeof(piece), "%s%s%s", i == 0 ? "h=" : ":", names[i],
			 i + 1 == count ? ";" : "");
		dkim_fold_add(f, piece, i == 0);
	}
	snprintf(piece, sizeof(piece), "bh=%s;", bh);
	dkim_fold_add(f, piece, true);
	dkim_fold_add(f, "b=", true);
}

/* Hashes the header data over the field (ending in "b=") and signs it;
 * the base64 signature, or NULL. */
static char *dkim_sign_headers(const struct dkim_message *m, const char *const *names,
			       size_t count,
			       const struct strbuf *head, EVP_PKEY *pkey,
			       enum dkim_algorithm alg)
{
	struct strbuf data = { 0 }, sig_text = { 0 };
	unsigned char *sig;
	size_t sig_len;
	char *b64 = NULL;

	strbuf_append(&sig_text, head->s, head->len);
	strbuf_puts(&sig_text, "\r\n");
	struct dkim_field sig_field = { .text = sig_text.s, .len = sig_text.len };
	dkim_canon_signed_headers(&data, m, names, count, &sig_field, head->len, head->len, true);
	if (dkim_crypto_sign(pkey, alg, data.s, data.len, &sig, &sig_len) == 0) {
		b64 = base64_encode(sig, sig_len, false);
		free(sig);
	}
	strbuf_free(&data);
	strbuf_free(&sig_text);
	return b64;
}

static char *dkim_sign_message(const struct dkim_message *m, const char *domain,
			       const char *selector, enum dkim_algorithm alg, EVP_PKEY *pkey,
			       time_t now, const char **error_r)
{
	const char *names[DKIM_SIGN_FIELD_COUNT * (DKIM_SIGN_REPEAT_MAX + 1)];
	size_t count = dkim_sign_pick(m, names);
	uint8_t digest[SHA256_LEN];
	uint64_t body_len;
	struct strbuf out = { 0 };
	struct dkim_fold fold = { .out = &out };
	char *bh, *b;

	if (count == 0) {
		*error_r = "the message has no From header field";
		return NULL;
	}
	dkim_canon_body_hash(m->body, m->body_len, true, UINT64_MAX, digest, &body_len);
	bh = base64_encode(digest, sizeof(digest), false);
	dkim_sign_head(&fold, domain, selector, alg, now, names, count, bh);
	free(bh);
	if ((b = dkim_sign_headers(m, names, count, &out, pkey, alg)) == NULL) {
		strbuf_free(&out);
		*error_r = "the signature could not be made";
		return NULL;
	}
	dkim_fold_b64(&fold, b);
	strbuf_puts(&out, "\r\n");
	free(b);
	return strbuf_steal(&out);
}

char *dkim_sign(const char *domain, const char *selector, enum dkim_algorithm alg,
		const char *private_pem, const char *msg, size_t len, time_t now,
		const char **error_r)
{
	struct dkim_message m;
	EVP_PKEY *pkey;
	char *header, *ldomain;

	if (domain == NULL || selector == NULL || !dkim_name_valid(domain, strlen(domain)) ||
	    !dkim_name_valid(selector, strlen(selector))) {
		*error_r = "invalid signing domain or selector";
		return NULL;
	}
	if ((pkey = dkim_key_private_load(private_pem, alg, error_r)) == NULL)
		return NULL;
	ldomain = xstrdup(domain);
	for (char *p = ldomain; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	dkim_message_parse(msg, len, &m);
	header = dkim_sign_message(&m, ldomain, selector, alg, pkey, now, error_r);
	dkim_message_clear(&m);
	EVP_PKEY_free(pkey);
	free(ldomain);
	return header;
}
