/* An SMTP session: the input loop that takes pipelined commands (RFC
 * 2920) and message bytes in order, the replies, the state changes and
 * the transaction's envelope. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_session.h"

/* Pipelined input kept while the output is full; a client sending more
 * than this without reading its replies is dropped. */
#define SMTP_MAX_PENDING_INPUT (1024 * 1024)

static const char *const smtp_state_names[] = {
	[SMTP_STATE_FRESH] = "fresh",
	[SMTP_STATE_READY] = "ready",
	[SMTP_STATE_MAIL] = "mail",
	[SMTP_STATE_RCPT] = "rcpt",
	[SMTP_STATE_DATA] = "data",
	[SMTP_STATE_CHUNKING] = "chunking",
};

const char *smtp_state_name(enum smtp_state state)
{
	return smtp_state_names[state];
}

void smtp_session_set_state(struct smtp_session *s, enum smtp_state state)
{
	log_debug("smtp.state", "session=%s from=%s to=%s", s->id, smtp_state_names[s->state],
		  smtp_state_names[state]);
	s->state = state;
}

void smtp_session_set_input(struct smtp_session *s, enum smtp_input input)
{
	s->input = input;
	smtp_session_update_timeout(s);
}

void smtp_session_update_timeout(struct smtp_session *s)
{
	bool data = s->input == SMTP_INPUT_DATA || s->input == SMTP_INPUT_CHUNK;

	net_conn_set_timeout(s->conn, data ? s->srv->data_timeout : s->srv->timeout);
}

/* ---- replies ---- */

void smtp_reply_write(struct smtp_session *s, const struct smtp_reply *reply)
{
	struct evbuffer *out = net_conn_output(s->conn);
	struct smtp_reply clean;

	/* replies from delivery may quote what the client sent: one line */
	smtp_reply_set(&clean, reply->code, reply->enhanced, "%s", reply->text);
	evbuffer_add_printf(out, "%03d ", clean.code);
	if (clean.enhanced[0] != '\0')
		evbuffer_add_printf(out, "%s ", clean.enhanced);
	evbuffer_add_printf(out, "%s\r\n", clean.text);
}

void smtp_reply(struct smtp_session *s, int code, const char *enhanced, const char *fmt, ...)
{
	struct smtp_reply reply;
	char text[sizeof(reply.text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	smtp_reply_set(&reply, code, enhanced != NULL ? enhanced : "", "%s", text);
	smtp_reply_write(s, &reply);
}

void smtp_reply_close(struct smtp_session *s, const char *enhanced, const char *text)
{
	smtp_reply(s, 421, enhanced, "%s %s", s->srv->hostname, text);
	smtp_session_close(s);
}

void smtp_reply_bad(struct smtp_session *s, int code, const char *enhanced, const char *text)
{
	if (++s->bad_count < s->srv->max_bad) {
		smtp_reply(s, code, enhanced, "%s", text);
		return;
	}
	log_info("smtp.bad_commands", "session=%s ip=%s count=%u", s->id,
		 log_q(net_conn_peer_ip(s->conn)), s->bad_count);
	smtp_reply_close(s, "4.7.0", "Too many errors, closing the connection");
}

/* ---- the transaction ---- */

static void smtp_rcpts_free(struct smtp_session *s)
{
	for (size_t i = 0; i < s->env.rcpt_count; i++) {
		struct smtp_rcpt *r = &s->env.rcpts[i];

		free(r->address);
		free(r->orcpt);
		free(r->account_ids);
	}
	free(s->env.rcpts);
	s->rcpt_cap = 0;
}

void smtp_session_reset(struct smtp_session *s)
{
	smtp_rcpts_free(s);
	free(s->mail_from);
	free(s->ret);
	free(s->envid);
	s->mail_from = s->ret = s->envid = NULL;
	smtp_data_free(&s->data);
	memset(&s->data, 0, sizeof(s->data));
	memset(&s->env, 0, sizeof(s->env));
	s->chunk_left = 0;
	s->chunk_last = s->chunk_discard = false;
	if (s->state != SMTP_STATE_FRESH && s->state != SMTP_STATE_READY)
		smtp_session_set_state(s, SMTP_STATE_READY);
}

void smtp_session_forget(struct smtp_session *s)
{
	smtp_session_reset(s);
	free(s->helo);
	free(s->sasl_user);
	s->helo = s->sasl_user = NULL;
	s->esmtp = s->authenticated = false;
	memset(&s->user, 0, sizeof(s->user));
	s->input = SMTP_INPUT_COMMAND;
	if (s->state != SMTP_STATE_FRESH)
		smtp_session_set_state(s, SMTP_STATE_FRESH);
}

struct smtp_envelope *smtp_session_envelope(struct smtp_session *s)
{
	struct smtp_envelope *env = &s->env;

	env->client_ip = net_conn_peer_ip(s->conn);
	env->helo = s->helo != NULL ? s->helo : "";
	env->esmtp = s->esmtp;
	env->tls = net_conn_is_tls(s->conn);
	env->submission = s->submission;
	env->user = s->authenticated ? &s->user : NULL;
	env->mail_from = s->mail_from;
	env->ret = s->ret;
	env->envid = s->envid;
	env->session_id = s->id;
	return env;
}

/* ---- work on a worker ---- */

static void smtp_session_work(void *arg)
{
	struct smtp_session *s = arg;

	s->job.work(s);
}

static void smtp_session_done(struct net_conn *conn, void *arg, bool gone)
{
	struct smtp_session *s = arg;
	smtp_done_fn *done = s->job.done;

	s->job.work = NULL;
	s->job.done = NULL;
	done(s, gone);
	if (!gone)
		smtp_session_run(s);
}

void smtp_session_offload(struct smtp_session *s, smtp_work_fn *work, smtp_done_fn *done)
{
	smtp_session_envelope(s);
	s->job.work = work;
	s->job.done = done;
	net_conn_offload(s->conn, smtp_session_work, smtp_session_done, s);
}

void smtp_session_close(struct smtp_session *s)
{
	s->closing = true;
	net_conn_close(s->conn);
}

/* ---- the input loop ---- */

/* Trailing blanks are dropped: some clients end "RSET " or "DATA\t". */
static void smtp_line_trim(char *line)
{
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
}

static void smtp_session_line(struct smtp_session *s, enum gateway_line_result result,
			      char *line)
{
	bool sasl = s->input == SMTP_INPUT_SASL;

	if (result == GATEWAY_LINE_OK)
		smtp_line_trim(line);

	if (result != GATEWAY_LINE_OK && sasl)
		smtp_session_set_input(s, SMTP_INPUT_COMMAND);
	if (result == GATEWAY_LINE_TOO_LONG)
		smtp_reply_bad(s, 500, sasl ? "5.5.6" : "5.5.2",
			       sasl ? "Authentication exchange line is too long" : "Line too long");
	else if (result == GATEWAY_LINE_INVALID)
		smtp_reply_bad(s, 500, "5.5.2", "Invalid characters in the command line");
	else if (sasl)
		smtp_auth_sasl_line(s, line);
	else
		smtp_command_dispatch(s, line);
}

void smtp_session_run(struct smtp_session *s)
{
	struct evbuffer *in = net_conn_input(s->conn);

	while (!s->closing && !net_conn_is_offloaded(s->conn) && !net_conn_output_full(s->conn) &&
	       evbuffer_get_length(in) > 0) {
		enum gateway_line_result result;
		char *line = NULL;

		if (s->input == SMTP_INPUT_DATA || s->input == SMTP_INPUT_CHUNK) {
			smtp_data_input(s);
			continue;
		}
		result = gateway_line_read(in, s->srv->max_line, &s->skipping, &line);
		if (result == GATEWAY_LINE_NONE)
			break;
		smtp_session_line(s, result, line);
		free(line);
	}
	if (!s->closing && evbuffer_get_length(in) > SMTP_MAX_PENDING_INPUT) {
		log_info("smtp.input_overflow", "session=%s ip=%s", s->id,
			 log_q(net_conn_peer_ip(s->conn)));
		smtp_session_close(s);
	}
}
