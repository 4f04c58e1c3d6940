/* The outbound transaction: MAIL FROM with the parameters the server
 * announced (SIZE, BODY, SMTPUTF8, RET, ENVID), RCPT TO (NOTIFY, ORCPT
 * when it has DSN), then DATA with dot-stuffing or BDAT (CHUNKING). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_client_private.h"

static bool smtp_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return false;
	}
	return true;
}

/* A value as xtext (RFC 3461 §4): the envelope keeps them decoded. */
static void smtp_xtext_add(struct strbuf *buf, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p >= 33 && *p <= 126 && *p != '=' && *p != '+')
			strbuf_putc(buf, (char)*p);
		else
			strbuf_printf(buf, "+%02X", *p);
	}
}

static const char *smtp_param(json_object *params, const char *name)
{
	json_object_object_foreach(params, key, value) {
		if (strcasecmp(key, name) == 0 && json_object_is_type(value, json_type_string))
			return json_object_get_string(value);
	}
	return NULL;
}

static void smtp_mail_params(struct smtp_session *s, struct strbuf *buf, size_t len,
			     bool utf8, bool eight)
{
	json_object *params = s->a->msg->parameters;
	const char *ret = params != NULL ? smtp_param(params, "RET") : NULL;
	const char *envid = params != NULL ? smtp_param(params, "ENVID") : NULL;

	if (s->ehlo.size)
		strbuf_printf(buf, " SIZE=%zu", len);
	if (eight && s->ehlo.eightbit)
		strbuf_puts(buf, " BODY=8BITMIME");
	if (utf8)
		strbuf_puts(buf, " SMTPUTF8");
	if (!s->ehlo.dsn)
		return;
	if (ret != NULL && (strcasecmp(ret, "FULL") == 0 || strcasecmp(ret, "HDRS") == 0))
		strbuf_printf(buf, " RET=%s", ret);
	if (envid != NULL && envid[0] != '\0' && strlen(envid) <= 100) {
		strbuf_puts(buf, " ENVID=");
		smtp_xtext_add(buf, envid);
	}
}

static bool smtp_notify_valid(const char *v)
{
	char *copy = xstrdup(v), *save = NULL;
	bool valid = v[0] != '\0';

	for (char *tok = strtok_r(copy, ",", &save); tok != NULL && valid;
	     tok = strtok_r(NULL, ",", &save))
		valid = strcasecmp(tok, "NEVER") == 0 || strcasecmp(tok, "SUCCESS") == 0 ||
			strcasecmp(tok, "FAILURE") == 0 || strcasecmp(tok, "DELAY") == 0;
	free(copy);
	return valid;
}

static void smtp_rcpt_params(struct smtp_session *s, struct strbuf *buf, json_object *params)
{
	const char *notify = params != NULL ? smtp_param(params, "NOTIFY") : NULL;
	const char *orcpt = params != NULL ? smtp_param(params, "ORCPT") : NULL;

	if (!s->ehlo.dsn)
		return;
	if (notify != NULL && smtp_notify_valid(notify))
		strbuf_printf(buf, " NOTIFY=%s", notify);
	if (orcpt != NULL && strchr(orcpt, ';') != NULL && strlen(orcpt) <= 500) {
		strbuf_puts(buf, " ORCPT=");
		smtp_xtext_add(buf, orcpt);
	}
}

/* Recipients idx[from..] of the session without an outcome get reply. */
static void smtp_rest_get(struct smtp_session *s, const size_t *list, size_t count,
			  const struct smtp_reply *reply)
{
	for (size_t i = 0; i < count; i++)
		smtp_attempt_outcome(s->a, list[i], reply, s->t->host);
}

static void smtp_lost(struct smtp_session *s, const size_t *list, size_t count,
		      const char *error)
{
	struct smtp_reply reply = { 451, "4.4.2", "" };

	snprintf(reply.text, sizeof(reply.text), "%s: connection lost: %s", s->t->host, error);
	smtp_rest_get(s, list, count, &reply);
}

/* Sends one command and reads its reply: 0, or -1 (lost, *error_r). */
static int smtp_exchange(struct smtp_session *s, const char *line, struct smtp_reply *reply,
			 const char **error_r)
{
	if (smtp_client_command(s->c, "%s", line) < 0) {
		*error_r = "cannot send the command";
		return -1;
	}
	return smtp_client_reply(s->c, reply, error_r);
}

static int smtp_send_mail(struct smtp_session *s, size_t len, bool utf8, bool eight)
{
	struct strbuf buf = { 0 };
	struct smtp_reply reply;
	const char *error;
	int ret;

	strbuf_printf(&buf, "MAIL FROM:<%s>", s->a->msg->mail_from);
	smtp_mail_params(s, &buf, len, utf8, eight);
	ret = smtp_exchange(s, buf.s, &reply, &error);
	strbuf_free(&buf);
	if (ret < 0)
		smtp_lost(s, s->idx, s->n, error);
	else if (reply.code != 250) {
		smtp_rest_get(s, s->idx, s->n, &reply);
		ret = -1;
	}
	return ret;
}

/* RCPT TO for each recipient: the accepted ones in accepted[], their
 * count returned; -1 when the connection was lost. */
static ssize_t smtp_send_rcpts(struct smtp_session *s, size_t *accepted)
{
	size_t count = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct jmap_outbound_rcpt *r = &s->a->msg->rcpts[s->idx[i]];
		struct strbuf buf = { 0 };
		struct smtp_reply reply;
		const char *error;
		int ret;

		strbuf_printf(&buf, "RCPT TO:<%s>", r->address);
		smtp_rcpt_params(s, &buf, r->parameters);
		ret = smtp_exchange(s, buf.s, &reply, &error);
		strbuf_free(&buf);
		if (ret < 0) {
			smtp_lost(s, accepted, count, error);
			smtp_lost(s, s->idx + i, s->n - i, error);
			return -1;
		}
		if (reply.code == 250 || reply.code == 251)
			accepted[count++] = s->idx[i];
		else
			smtp_attempt_outcome(s->a, s->idx[i], &reply, s->t->host);
	}
	return (ssize_t)count;
}

/* The message with a '.' doubled at each line start, then ".". */
static int smtp_send_dotted(struct smtp_client *c, const char *msg, size_t len,
			    const char **error_r)
{
	size_t start = 0;

	if (len > 0 && msg[0] == '.' && smtp_client_send(c, ".", 1, error_r) < 0)
		return -1;
	for (size_t i = 0; i + 2 < len; i++) {
		if (msg[i] != '\r' || msg[i + 1] != '\n' || msg[i + 2] != '.')
			continue;
		if (smtp_client_send(c, msg + start, i + 2 - start, error_r) < 0 ||
		    smtp_client_send(c, ".", 1, error_r) < 0)
			return -1;
		start = i + 2;
	}
	if (smtp_client_send(c, msg + start, len - start, error_r) < 0)
		return -1;
	return smtp_client_send(c, ".\r\n", 3, error_r);
}

/* DATA (or one BDAT LAST): the final reply in *reply; -1 when lost. */
static int smtp_send_data(struct smtp_session *s, const char *msg, size_t len,
			  struct smtp_reply *reply, const char **error_r)
{
	if (s->ehlo.chunking) {
		if (smtp_client_command(s->c, "BDAT %zu LAST", len) < 0 ||
		    smtp_client_send(s->c, msg, len, error_r) < 0)
			return -1;
		return smtp_client_reply(s->c, reply, error_r);
	}
	if (smtp_exchange(s, "DATA", reply, error_r) < 0)
		return -1;
	if (reply->code != 354)
		return 0;
	if (smtp_send_dotted(s->c, msg, len, error_r) < 0)
		return -1;
	return smtp_client_reply(s->c, reply, error_r);
}

void smtp_client_transaction(struct smtp_session *s)
{
	size_t len, *accepted = xcalloc(s->n + 1, sizeof(*accepted));
	const char *msg = smtp_attempt_message(s->a, &len), *error = "";
	bool utf8 = !smtp_ascii(s->a->msg->mail_from, strlen(s->a->msg->mail_from));
	struct smtp_reply reply;
	ssize_t count;

	for (size_t i = 0; i < s->n; i++) {
		const char *address = s->a->msg->rcpts[s->idx[i]].address;

		utf8 |= !smtp_ascii(address, strlen(address));
	}
	if (utf8 && !s->ehlo.smtputf8) {
		struct smtp_reply no = { 553, "5.6.7", "" };

		snprintf(no.text, sizeof(no.text), "%s does not support SMTPUTF8", s->t->host);
		smtp_rest_get(s, s->idx, s->n, &no);
	} else if (smtp_send_mail(s, len, utf8, !smtp_ascii(msg, len)) == 0 &&
		   (count = smtp_send_rcpts(s, accepted)) > 0) {
		if (smtp_send_data(s, msg, len, &reply, &error) < 0)
			smtp_lost(s, accepted, (size_t)count, error);
		else
			smtp_rest_get(s, accepted, (size_t)count, &reply);
	}
	free(accepted);
}
