/* The inbound checks of one message and the Authentication-Results
 * header field (RFC 8601; header.b of RFC 6008) that reports them. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "mailauth/mailauth.h"

/* A reason comment is cut here: the header is for people, not logs. */
#define MAILAUTH_COMMENT_MAX 128

/* A pvalue (RFC 8601 §2.2): a token when it is one, else quoted. */
static void mailauth_put_value(struct strbuf *b, const char *value)
{
	bool token = value[0] != '\0';

	for (const char *p = value; *p != '\0' && token; p++) {
		unsigned char c = (unsigned char)*p;

		token = c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
	}
	if (token) {
		strbuf_puts(b, value);
		return;
	}
	strbuf_putc(b, '"');
	for (const char *p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			strbuf_putc(b, '\\');
		strbuf_putc(b, c >= ' ' && c < 0x7f ? (char)c : '?');
	}
	strbuf_putc(b, '"');
}

static void mailauth_put_comment(struct strbuf *b, const char *text)
{
	size_t n = 0;

	strbuf_puts(b, " (");
	for (const char *p = text; *p != '\0' && n < MAILAUTH_COMMENT_MAX; p++, n++) {
		unsigned char c = (unsigned char)*p;

		if (c == '(' || c == ')' || c == '\\')
			strbuf_putc(b, '\\');
		strbuf_putc(b, c >= ' ' && c < 0x7f ? (char)c : '?');
	}
	strbuf_putc(b, ')');
}

static void mailauth_put_property(struct strbuf *b, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	strbuf_printf(b, " %s=", name);
	mailauth_put_value(b, value);
}

static void mailauth_put_dkim(struct strbuf *b, const struct dkim_verdict *v)
{
	strbuf_printf(b, ";\r\n\tdkim=%s", dkim_result_name(v->result));
	if (v->reason != NULL && v->reason[0] != '\0')
		mailauth_put_comment(b, v->reason);
	mailauth_put_property(b, "header.d", v->domain);
	mailauth_put_property(b, "header.s", v->selector);
	mailauth_put_property(b, "header.b", v->header_b);
}

static char *mailauth_header_build(const char *authserv_id, const struct mailauth_inbound *r)
{
	static const char *const policies[] = {
		[DMARC_POLICY_NONE] = "none", [DMARC_POLICY_QUARANTINE] = "quarantine",
		[DMARC_POLICY_REJECT] = "reject",
	};
	struct strbuf b = { 0 };

	strbuf_puts(&b, "Authentication-Results: ");
	mailauth_put_value(&b, authserv_id);
	strbuf_printf(&b, ";\r\n\tspf=%s", spf_result_name(r->spf.result));
	mailauth_put_property(&b, r->spf.property, r->spf.domain);
	if (r->dkim_count == 0)
		strbuf_puts(&b, ";\r\n\tdkim=none");
	for (size_t i = 0; i < r->dkim_count; i++)
		mailauth_put_dkim(&b, &r->dkim[i]);
	strbuf_printf(&b, ";\r\n\tdmarc=%s", dmarc_result_name(r->dmarc.result));
	if (r->dmarc.result == DMARC_FAIL)
		strbuf_printf(&b, " (p=%s)", policies[r->dmarc.policy]);
	mailauth_put_property(&b, "header.from", r->dmarc.from_domain);
	strbuf_puts(&b, "\r\n");
	return strbuf_steal(&b);
}

void mailauth_check_inbound(struct dns *dns, const char *authserv_id, const char *client_ip,
			    const char *helo, const char *mail_from, const char *msg, size_t len,
			    time_t now, struct mailauth_inbound *result_r)
{
	char *from;

	memset(result_r, 0, sizeof(*result_r));
	spf_check(dns, client_ip, helo, mail_from, &result_r->spf);
	dkim_verify(dns, msg, len, now, &result_r->dkim, &result_r->dkim_count);
	from = mailauth_from_domain(msg, len);
	dmarc_check(dns, from, &result_r->spf, result_r->dkim, result_r->dkim_count,
		    &result_r->dmarc);
	free(from);
	result_r->header = mailauth_header_build(authserv_id, result_r);
	log_debug("mailauth.inbound", "ip=%s spf=%s dkim=%zu dmarc=%s",
		  log_q(client_ip != NULL ? client_ip : ""), spf_result_name(result_r->spf.result),
		  result_r->dkim_count, dmarc_result_name(result_r->dmarc.result));
}

void mailauth_inbound_clear(struct mailauth_inbound *result)
{
	spf_outcome_clear(&result->spf);
	dkim_verdicts_free(&result->dkim, result->dkim_count);
	result->dkim_count = 0;
	dmarc_outcome_clear(&result->dmarc);
	free(result->header);
	result->header = NULL;
}
