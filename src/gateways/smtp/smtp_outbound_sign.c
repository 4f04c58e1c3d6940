/* DKIM for outgoing mail: the signing domain is the From header's when
 * it is local (DMARC alignment), else the envelope sender's; every key
 * of that domain signs (RSA-SHA256 and Ed25519-SHA256). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "directory/directory_dkim.h"
#include "gateways/smtp/smtp_outbound_private.h"

/* The longest From field looked at. */
#define SMTP_SIGN_FROM_MAX 4096

/* The value of the first From field of the header, unfolded; caller
 * frees. NULL if there is none. */
static char *smtp_sign_from_value(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;

	while (p < end && *p != '\r' && *p != '\n') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol != NULL ? eol + 1 : end;

		if ((size_t)(end - p) > 5 && strncasecmp(p, "From:", 5) == 0) {
			struct strbuf value = { 0 };

			strbuf_append(&value, p + 5, (size_t)(next - p - 5));
			while (next < end && (*next == ' ' || *next == '\t') &&
			       value.len < SMTP_SIGN_FROM_MAX) {
				const char *e = memchr(next, '\n', (size_t)(end - next));
				const char *n2 = e != NULL ? e + 1 : end;

				strbuf_append(&value, next, (size_t)(n2 - next));
				next = n2;
			}
			return strbuf_steal(&value);
		}
		p = next;
	}
	return NULL;
}

/* The domain after the last '@' of text, lowercase; caller frees. */
static char *smtp_sign_domain(const char *text)
{
	const char *at = text != NULL ? strrchr(text, '@') : NULL;
	size_t len;
	char *domain;

	if (at == NULL)
		return NULL;
	len = strspn(at + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (len == 0)
		return NULL;
	domain = xstrndup(at + 1, len);
	for (char *p = domain; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return domain;
}

/* The keys of domain: 1 with keys, 0 when it is not local or has none. */
static int smtp_sign_keys(struct directory *dir, const char *domain,
			  struct directory_dkim_key **keys_r, size_t *count_r)
{
	if (domain == NULL || directory_dkim_keys(dir, domain, keys_r, count_r) <= 0)
		return 0;
	if (*count_r == 0) {
		directory_dkim_keys_free(keys_r, *count_r);
		return 0;
	}
	return 1;
}

static char *smtp_sign_with(const char *domain, const struct directory_dkim_key *keys,
			    size_t count, const char *msg, size_t len, time_t now)
{
	struct strbuf out = { 0 };

	for (size_t i = 0; i < count; i++) {
		const char *error;
		char *field = dkim_sign(domain, keys[i].selector, keys[i].algorithm,
					keys[i].private_pem, msg, len, now, &error);

		if (field == NULL) {
			log_error("queue.dkim", "domain=%s selector=%s error=%s", log_q(domain),
				  log_q(keys[i].selector), log_q(error));
			continue;
		}
		strbuf_puts(&out, field);
		free(field);
	}
	return out.len > 0 ? strbuf_steal(&out) : NULL;
}

char *smtp_outbound_sign(struct directory *dir, const char *mail_from, const char *msg,
			 size_t len, time_t now)
{
	char *from = smtp_sign_from_value(msg, len);
	char *domain = smtp_sign_domain(from);
	struct directory_dkim_key *keys = NULL;
	size_t count = 0;
	char *fields = NULL;

	if (!smtp_sign_keys(dir, domain, &keys, &count)) {
		free(domain);
		domain = smtp_sign_domain(mail_from);
		if (!smtp_sign_keys(dir, domain, &keys, &count))
			keys = NULL;
	}
	if (keys != NULL) {
		fields = smtp_sign_with(domain, keys, count, msg, len, now);
		directory_dkim_keys_free(&keys, count);
	}
	free(domain);
	free(from);
	return fields;
}
