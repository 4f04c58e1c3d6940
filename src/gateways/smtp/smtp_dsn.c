/* Delivery status notifications (RFC 3464): a multipart/report with a
 * human-readable part, the message/delivery-status part (one block per
 * recipient that failed in this attempt) and the original message, or
 * only its header when the sender asked RET=HDRS (RFC 3461 §4.3).
 * ENVID and ORCPT are kept decoded in the envelope and shown as they are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/rand.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_outbound_private.h"

/* RFC 5322 date-time in UTC, independent of the locale. */
static void smtp_dsn_date(struct strbuf *out, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	strbuf_printf(out, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		      months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *smtp_dsn_param(json_object *params, const char *name)
{
	if (params == NULL)
		return NULL;
	json_object_object_foreach(params, key, value) {
		if (strcasecmp(key, name) == 0 && json_object_is_type(value, json_type_string))
			return json_object_get_string(value);
	}
	return NULL;
}

/* Whether recipient i asked for a failure report: NOTIFY absent or
 * naming FAILURE (RFC 3461 §4.1). */
static bool smtp_dsn_wanted(const struct jmap_outbound_rcpt *r)
{
	const char *notify = smtp_dsn_param(r->parameters, "NOTIFY");

	return notify == NULL || strcasestr(notify, "FAILURE") != NULL;
}

/* An envelope value (kept decoded) as a field value: control
 * characters dropped. */
static void smtp_dsn_value(struct strbuf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 32 && *s != 127)
			strbuf_putc(out, *s);
	}
}

/* The status code (RFC 3463) of a recorded reply "550 5.1.1 text". */
static void smtp_dsn_status(struct strbuf *out, const char *reply)
{
	size_t len = reply != NULL && strlen(reply) > 4 ? strspn(reply + 4, "0123456789.") : 0;

	if (len >= 5 && len <= 11 && (reply[4] == '4' || reply[4] == '5') && reply[5] == '.')
		strbuf_printf(out, "Status: %.*s\r\n", (int)len, reply + 4);
	else
		strbuf_puts(out, "Status: 5.0.0\r\n");
}

static void smtp_dsn_header(struct strbuf *out, const struct smtp_attempt *a,
			    const char *boundary)
{
	const char *host = a->ob->set.hostname;
	char *id = rand_token(12);

	strbuf_printf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", host);
	strbuf_printf(out, "To: <%s>\r\n", a->msg->mail_from);
	strbuf_puts(out, "Subject: Undelivered Mail Returned to Sender\r\nDate: ");
	smtp_dsn_date(out, a->now);
	strbuf_printf(out, "\r\nMessage-ID: <%s@%s>\r\n", id, host);
	strbuf_puts(out, "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n");
	strbuf_printf(out, "Content-Type: multipart/report; report-type=delivery-status;\r\n"
		      "\tboundary=\"%s\"\r\n\r\n", boundary);
	strbuf_puts(out, "This is a MIME-encapsulated message.\r\n\r\n");
	free(id);
}

static void smtp_dsn_human(struct strbuf *out, const struct smtp_attempt *a,
			   const char *boundary)
{
	strbuf_printf(out, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary);
	strbuf_printf(out, "This is the mail system at %s.\r\n\r\n", a->ob->set.hostname);
	strbuf_puts(out, "Your message could not be delivered to one or more recipients.\r\n\r\n");
	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		if (a->failed_now[i] && smtp_dsn_wanted(&a->msg->rcpts[i]))
			strbuf_printf(out, "<%s>: %s\r\n", a->msg->rcpts[i].address,
				      a->msg->rcpts[i].reply);
	}
	strbuf_puts(out, "\r\n");
}

static void smtp_dsn_rcpt(struct strbuf *out, const struct smtp_attempt *a, size_t i)
{
	const struct jmap_outbound_rcpt *r = &a->msg->rcpts[i];
	const char *orcpt = smtp_dsn_param(r->parameters, "ORCPT");

	strbuf_printf(out, "\r\nFinal-Recipient: rfc822; %s\r\n", r->address);
	if (orcpt != NULL && strchr(orcpt, ';') != NULL) {
		strbuf_puts(out, "Original-Recipient: ");
		smtp_dsn_value(out, orcpt);
		strbuf_puts(out, "\r\n");
	}
	strbuf_puts(out, "Action: failed\r\n");
	smtp_dsn_status(out, r->reply);
	if (a->remote_mta[i] != NULL)
		strbuf_printf(out, "Remote-MTA: dns; %s\r\n", a->remote_mta[i]);
	strbuf_printf(out, "Diagnostic-Code: smtp; %s\r\nLast-Attempt-Date: ", r->reply);
	smtp_dsn_date(out, a->now);
	strbuf_puts(out, "\r\n");
}

static void smtp_dsn_report(struct strbuf *out, const struct smtp_attempt *a,
			    const char *boundary)
{
	const char *envid = smtp_dsn_param(a->msg->parameters, "ENVID");

	strbuf_printf(out, "--%s\r\nContent-Type: message/delivery-status\r\n\r\n", boundary);
	strbuf_printf(out, "Reporting-MTA: dns; %s\r\n", a->ob->set.hostname);
	if (envid != NULL) {
		strbuf_puts(out, "Original-Envelope-Id: ");
		smtp_dsn_value(out, envid);
		strbuf_puts(out, "\r\n");
	}
	strbuf_puts(out, "Arrival-Date: ");
	smtp_dsn_date(out, a->msg->created_at);
	strbuf_puts(out, "\r\n");
	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		if (a->failed_now[i] && smtp_dsn_wanted(&a->msg->rcpts[i]))
			smtp_dsn_rcpt(out, a, i);
	}
	strbuf_puts(out, "\r\n");
}

/* The original, whole or its header only. */
static void smtp_dsn_original(struct strbuf *out, const struct smtp_attempt *a,
			      const char *boundary)
{
	const char *ret = smtp_dsn_param(a->msg->parameters, "RET");
	bool headers = ret != NULL && strcasecmp(ret, "HDRS") == 0;
	const char *end = headers ? strstr(a->data, "\r\n\r\n") : NULL;
	size_t len = end != NULL ? (size_t)(end - a->data) + 2 : a->len;

	strbuf_printf(out, "--%s\r\nContent-Type: %s\r\n", boundary,
		      headers ? "text/rfc822-headers" : "message/rfc822");
	strbuf_puts(out, "Content-Transfer-Encoding: 8bit\r\n\r\n");
	strbuf_append(out, a->data, len);
	if (len < 2 || a->data[len - 2] != '\r' || a->data[len - 1] != '\n')
		strbuf_puts(out, "\r\n");
	strbuf_printf(out, "\r\n--%s--\r\n", boundary);
}

static bool smtp_dsn_needed(const struct smtp_attempt *a)
{
	if (a->msg->mail_from[0] == '\0' || a->data == NULL)
		return false;
	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		if (a->failed_now[i] && smtp_dsn_wanted(&a->msg->rcpts[i]))
			return true;
	}
	return false;
}

char *smtp_dsn_build(const struct smtp_attempt *a, size_t *len_r)
{
	struct strbuf out = { 0 };
	char *token, *boundary;

	if (!smtp_dsn_needed(a))
		return NULL;
	token = rand_token(18);
	boundary = xasprintf("=_tern-dsn-%s", token);
	free(token);
	smtp_dsn_header(&out, a, boundary);
	smtp_dsn_human(&out, a, boundary);
	smtp_dsn_report(&out, a, boundary);
	smtp_dsn_original(&out, a, boundary);
	free(boundary);
	*len_r = out.len;
	return strbuf_steal(&out);
}
