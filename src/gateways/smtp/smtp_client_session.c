/* One SMTP session of the outbound queue with one server: greeting,
 * EHLO, STARTTLS, AUTH PLAIN (to the next hop), then the transaction
 * (smtp_client_mail.c) and QUIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_client.h"
#include "gateways/smtp/smtp_client_private.h"

static void smtp_why(struct smtp_reply *why, int code, const char *enhanced, const char *host,
		     const char *what, const char *detail)
{
	why->code = code;
	snprintf(why->enhanced, sizeof(why->enhanced), "%s", enhanced);
	snprintf(why->text, sizeof(why->text), "%.64s: %.64s%s%.120s", host, what,
		 detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* A server's reply that makes us try another: recorded as temporary. */
static void smtp_why_reply(struct smtp_reply *why, const char *host, const char *what,
			   const struct smtp_reply *reply)
{
	char detail[sizeof(reply->text) + 32];

	snprintf(detail, sizeof(detail), "%d %s%s%s", reply->code, reply->enhanced,
		 reply->enhanced[0] != '\0' ? " " : "", reply->text);
	smtp_why(why, 451, "4.4.0", host, what, detail);
}

static bool smtp_keyword(const char *line, const char *keyword)
{
	size_t len = strlen(keyword);

	return strncasecmp(line, keyword, len) == 0 && (line[len] == '\0' || line[len] == ' ');
}

static bool smtp_auth_has_plain(const char *line)
{
	const char *p = line + 4;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, " =");
		len = strcspn(p, " ");
		if (len == 5 && strncasecmp(p, "PLAIN", 5) == 0)
			return true;
		p += len;
	}
	return false;
}

static void smtp_ehlo_parse(struct smtp_client *c, struct smtp_ehlo *ehlo)
{
	size_t n = smtp_client_reply_lines(c);

	memset(ehlo, 0, sizeof(*ehlo));
	ehlo->esmtp = true;
	for (size_t i = 1; i < n; i++) {
		const char *line = smtp_client_reply_line(c, i);

		ehlo->starttls |= smtp_keyword(line, "STARTTLS");
		ehlo->size |= smtp_keyword(line, "SIZE");
		ehlo->eightbit |= smtp_keyword(line, "8BITMIME");
		ehlo->smtputf8 |= smtp_keyword(line, "SMTPUTF8");
		ehlo->dsn |= smtp_keyword(line, "DSN");
		ehlo->chunking |= smtp_keyword(line, "CHUNKING");
		if (strncasecmp(line, "AUTH", 4) == 0 && (line[4] == ' ' || line[4] == '='))
			ehlo->auth_plain |= smtp_auth_has_plain(line);
	}
}

/* EHLO, or HELO when the server does not know EHLO. */
static int smtp_session_hello(struct smtp_session *s, struct smtp_reply *why)
{
	const char *hostname = s->a->ob->set.hostname, *error;
	struct smtp_reply reply = { 0, "", "" };

	if (smtp_client_command(s->c, "EHLO %s", hostname) < 0 ||
	    smtp_client_reply(s->c, &reply, &error) < 0) {
		smtp_why(why, 451, "4.4.2", s->t->host, "lost during EHLO", NULL);
		return -1;
	}
	if (reply.code == 250) {
		smtp_ehlo_parse(s->c, &s->ehlo);
		return 0;
	}
	memset(&s->ehlo, 0, sizeof(s->ehlo));
	if (smtp_client_command(s->c, "HELO %s", hostname) < 0 ||
	    smtp_client_reply(s->c, &reply, &error) < 0 || reply.code != 250) {
		smtp_why_reply(why, s->t->host, "refused HELO", &reply);
		return -1;
	}
	return 0;
}

/* 0 under TLS (or in clear when that is allowed), -1 try another
 * server, -2 try this one again without STARTTLS. */
static int smtp_session_tls(struct smtp_session *s, bool starttls, struct smtp_reply *why)
{
	const struct smtp_outbound *ob = s->a->ob;
	struct smtp_reply reply = { 0, "", "" };
	const char *error;

	if (s->ehlo.starttls && starttls) {
		if (smtp_client_command(s->c, "STARTTLS") < 0 ||
		    smtp_client_reply(s->c, &reply, &error) < 0 || reply.code != 220) {
			smtp_why(why, 451, "4.7.5", s->t->host, "STARTTLS refused", NULL);
			return ob->set.require_tls ? -1 : -2;
		}
		if (smtp_client_starttls(s->c, ob->tls, s->t->host, ob->set.require_tls,
					 &error) < 0) {
			smtp_why(why, 451, "4.7.5", s->t->host, "TLS failed", error);
			return ob->set.require_tls ? -1 : -2;
		}
		return smtp_session_hello(s, why);
	}
	if (ob->set.require_tls) {
		smtp_why(why, 451, "4.7.5", s->t->host, "TLS is required and not offered", NULL);
		return -1;
	}
	return 0;
}

/* AUTH PLAIN (RFC 4616) to the next hop, only under TLS. */
static int smtp_session_auth(struct smtp_session *s, struct smtp_reply *why)
{
	const struct smtp_outbound_settings *set = &s->a->ob->set;
	size_t ulen, slen;
	struct smtp_reply reply = { 0, "", "" };
	const char *error;
	char *plain, *b64;
	int ret;

	if (!s->t->relay || set->auth_user == NULL)
		return 0;
	if (!smtp_client_is_tls(s->c) || !s->ehlo.auth_plain) {
		smtp_why(why, 451, "4.7.0", s->t->host,
			 "AUTH PLAIN is only used under TLS, when offered", NULL);
		return -1;
	}
	ulen = strlen(set->auth_user);
	slen = strlen(set->auth_secret);
	plain = xcalloc(ulen + slen + 3, 1);
	memcpy(plain + 1, set->auth_user, ulen);
	memcpy(plain + ulen + 2, set->auth_secret, slen);
	b64 = base64_encode(plain, ulen + slen + 2, false);
	ret = smtp_client_command(s->c, "AUTH PLAIN %s", b64);
	free(plain);
	free(b64);
	if (ret < 0 || smtp_client_reply(s->c, &reply, &error) < 0 || reply.code != 235) {
		smtp_why_reply(why, s->t->host, "authentication failed", &reply);
		return -1;
	}
	return 0;
}

/* Greeting to AUTH: 0 ready for MAIL, -1 try another, -2 again in
 * clear. */
static int smtp_session_open(struct smtp_session *s, bool starttls, struct smtp_reply *why)
{
	struct smtp_reply reply = { 0, "", "" };
	const char *error;
	int ret;

	s->c = smtp_client_connect(s->t->ip, s->t->port, s->a->ob->set.timeout, &error);
	if (s->c == NULL) {
		smtp_why(why, 451, "4.4.1", s->t->host, "cannot connect", error);
		return -1;
	}
	if (smtp_client_reply(s->c, &reply, &error) < 0) {
		smtp_why(why, 451, "4.4.2", s->t->host, "no greeting", error);
		return -1;
	}
	if (reply.code != 220) {
		smtp_why_reply(why, s->t->host, "refused service", &reply);
		return -1;
	}
	if (smtp_session_hello(s, why) < 0 || (ret = smtp_session_tls(s, starttls, why)) == -1)
		return -1;
	if (ret == -2)
		return -2;
	return smtp_session_auth(s, why);
}

enum smtp_session_result smtp_client_deliver(struct smtp_attempt *a, const struct smtp_target *t,
					     const size_t *idx, size_t n, bool starttls,
					     struct smtp_reply *why_r)
{
	struct smtp_session s = { .a = a, .t = t, .idx = idx, .n = n };
	struct smtp_reply reply = { 0, "", "" };
	const char *error;
	int ret = smtp_session_open(&s, starttls, why_r);

	if (ret == 0) {
		log_info("queue.session", "entry=%llu host=%s ip=%s port=%d tls=%s chunking=%s"
			 " dsn=%s", (unsigned long long)a->msg->id, log_q(t->host), log_q(t->ip),
			 t->port, smtp_client_is_tls(s.c) ? "yes" : "no",
			 s.ehlo.chunking ? "yes" : "no", s.ehlo.dsn ? "yes" : "no");
		smtp_client_transaction(&s);
		if (smtp_client_command(s.c, "QUIT") == 0)
			(void)smtp_client_reply(s.c, &reply, &error);
	}
	smtp_client_free(&s.c);
	return ret == 0 ? SMTP_SESSION_DONE : ret == -2 ? SMTP_SESSION_PLAIN : SMTP_SESSION_NEXT;
}
