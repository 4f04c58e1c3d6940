/* Trace header fields (RFC 5321 §4.4): Received, Return-Path,
 * Delivered-To; and the removal of Authentication-Results fields that
 * claim to be ours (RFC 8601 §5) from mail that comes in. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/xalloc.h"
#include "gateways/smtp/smtp_deliver_private.h"

/* Longest piece of client-given text copied into a field. */
#define TRACE_MAX_TOKEN 255
#define TRACE_MAX_ADDRESS 512

/* Appends s, at most max bytes of it, with control characters (and,
 * when strict, anything but visible ASCII outside comment delimiters)
 * replaced by '_', so that no client text can end or bend the field. */
static void trace_put_clean(struct strbuf *out, const char *s, size_t max, bool strict)
{
	for (size_t i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		bool bad = c < 0x21 || c == 0x7f ||
			   (strict && (c >= 0x80 || c == '(' || c == ')' || c == '\\' || c == ';'));

		strbuf_putc(out, bad ? '_' : (char)c);
	}
}

/* RFC 5322 date-time in UTC, independent of the locale. */
static void trace_put_date(struct strbuf *out, time_t now)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&now, &tm);
	strbuf_printf(out, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		      months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "with" protocol names of RFC 3848 and RFC 6531 §3.7.3. */
static const char *trace_protocol(const struct smtp_envelope *env)
{
	static const char *const names[2][4] = {
		{ "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA" },
		{ "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA" },
	};

	if (!env->esmtp)
		return "SMTP";
	return names[env->smtputf8 ? 1 : 0][(env->tls ? 1 : 0) + (env->user != NULL ? 2 : 0)];
}

void deliver_trace_received(const struct smtp_deliver *d, const struct smtp_envelope *env,
			    const char *rcpt, time_t now, struct strbuf *out)
{
	const char *ip = env->client_ip != NULL ? env->client_ip : "unknown";

	strbuf_puts(out, "Received: from ");
	trace_put_clean(out, env->helo != NULL && env->helo[0] != '\0' ? env->helo : "unknown",
			TRACE_MAX_TOKEN, true);
	strbuf_puts(out, strchr(ip, ':') != NULL ? " ([IPv6:" : " ([");
	trace_put_clean(out, ip, TRACE_MAX_TOKEN, true);
	strbuf_puts(out, "])\r\n\tby ");
	trace_put_clean(out, d->hostname, TRACE_MAX_TOKEN, true);
	strbuf_printf(out, " with %s", trace_protocol(env));
	if (env->session_id != NULL) {
		strbuf_puts(out, " id ");
		trace_put_clean(out, env->session_id, TRACE_MAX_TOKEN, true);
	}
	if (rcpt != NULL) {
		strbuf_puts(out, "\r\n\tfor <");
		trace_put_clean(out, rcpt, TRACE_MAX_ADDRESS, false);
		strbuf_putc(out, '>');
	}
	strbuf_puts(out, ";\r\n\t");
	trace_put_date(out, now);
	strbuf_puts(out, "\r\n");
}

void deliver_trace_delivery(const char *mail_from, const char *rcpt, struct strbuf *out)
{
	strbuf_puts(out, "Return-Path: <");
	trace_put_clean(out, mail_from, TRACE_MAX_ADDRESS, false);
	strbuf_puts(out, ">\r\nDelivered-To: ");
	trace_put_clean(out, rcpt, TRACE_MAX_ADDRESS, false);
	strbuf_puts(out, "\r\n");
}

/* ---- Authentication-Results fields that claim to be ours ---- */

/* The end of the header field starting at p (past its last line). */
static const char *trace_field_end(const char *p, const char *end)
{
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return end;
		p = nl + 1;
		if (p == end || (*p != ' ' && *p != '\t'))
			return p;
	}
}

/* Past folding white space and (nested) comments. */
static const char *trace_skip_cfws(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (*p == '\\' && depth > 0 && p + 1 < end)
			p++;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			break;
	}
	return p;
}

/* Whether the field [p, end) is an Authentication-Results field whose
 * authserv-id is authserv_id. */
static bool trace_field_is_ours(const char *p, const char *end, const char *authserv_id)
{
	static const char name[] = "Authentication-Results";
	size_t name_len = sizeof(name) - 1, id_len = strlen(authserv_id);
	const char *id;
	bool quoted;

	if ((size_t)(end - p) <= name_len || strncasecmp(p, name, name_len) != 0)
		return false;
	p += name_len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p != ':')
		return false;
	id = trace_skip_cfws(p + 1, end);
	/* the authserv-id is a token or a quoted-string (RFC 8601 §2.2) */
	quoted = id < end && *id == '"';
	id += quoted ? 1 : 0;
	if ((size_t)(end - id) < id_len || strncasecmp(id, authserv_id, id_len) != 0)
		return false;
	p = id + id_len;
	if (quoted)
		return p < end && *p == '"';
	return p == end || *p == ';' || *p == ' ' || *p == '\t' || *p == '(' || *p == '\r' ||
	       *p == '\n';
}

static void trace_span_add(struct deliver_span **spans, size_t *count, size_t *cap,
			   const char *data, size_t len)
{
	if (len == 0)
		return;
	if (*count == *cap) {
		*cap = *cap == 0 ? 4 : *cap * 2;
		*spans = xrealloc(*spans, *cap * sizeof(**spans));
	}
	(*spans)[*count].data = data;
	(*spans)[(*count)++].len = len;
}

size_t deliver_trace_keep(const char *msg, size_t len, const char *authserv_id,
			  struct deliver_span **spans_r)
{
	const char *end = msg + len, *p = msg, *kept = msg;
	size_t count = 0, cap = 0;

	*spans_r = NULL;
	while (p < end && *p != '\r' && *p != '\n') {
		const char *next = trace_field_end(p, end);

		if (trace_field_is_ours(p, next, authserv_id)) {
			trace_span_add(spans_r, &count, &cap, kept, (size_t)(p - kept));
			kept = next;
		}
		p = next;
	}
	trace_span_add(spans_r, &count, &cap, kept, (size_t)(end - kept));
	return count;
}
