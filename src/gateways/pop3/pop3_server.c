/* The POP3 protocol for the network layer: its settings, a session per
 * connection, and the input loop that runs pipelined commands one at a
 * time, in order (RFC 2449 PIPELINING). */
#include <stdarg.h>
#include <stdio.h>

#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/pop3/pop3.h"
#include "gateways/pop3/pop3_private.h"

#define POP3_DEFAULT_TIMEOUT 600
#define POP3_DEFAULT_MAX_LINE 4096
#define POP3_DEFAULT_MAX_BAD 20
/* Below this no AUTH PLAIN response of a normal account fits. */
#define POP3_MIN_MAX_LINE 512
/* Pipelined input kept while a command waits for its output to drain;
 * a client sending more than this without reading is dropped. */
#define POP3_MAX_PENDING_INPUT (1024 * 1024)

static const char *const pop3_state_names[] = {
	[POP3_STATE_AUTHORIZATION] = "authorization",
	[POP3_STATE_TRANSACTION] = "transaction",
	[POP3_STATE_UPDATE] = "update",
};

void pop3_session_set_state(struct pop3_session *s, enum pop3_state state)
{
	log_debug("pop3.state", "ip=%s from=%s to=%s", log_q(net_conn_peer_ip(s->conn)),
		  pop3_state_names[s->state], pop3_state_names[state]);
	s->state = state;
}

static void pop3_reply(struct pop3_session *s, const char *status, const char *fmt,
		       va_list ap)
{
	struct evbuffer *out = net_conn_output(s->conn);

	evbuffer_add_printf(out, "%s ", status);
	evbuffer_add_vprintf(out, fmt, ap);
	evbuffer_add(out, "\r\n", 2);
}

void pop3_reply_ok(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3_reply(s, "+OK", fmt, ap);
	va_end(ap);
}

void pop3_reply_err(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3_reply(s, "-ERR", fmt, ap);
	va_end(ap);
}

void pop3_session_close(struct pop3_session *s)
{
	s->closing = true;
	net_conn_close(s->conn);
}

void pop3_reply_bad(struct pop3_session *s, const char *text)
{
	if (++s->bad_count < s->srv->max_bad) {
		pop3_reply_err(s, "%s", text);
		return;
	}
	log_info("pop3.bad_commands", "ip=%s count=%u", log_q(net_conn_peer_ip(s->conn)),
		 s->bad_count);
	pop3_reply_err(s, "Too many bad commands, closing the connection.");
	pop3_session_close(s);
}

/* One line of input: a command, or the answer AUTH PLAIN waits for. */
static void pop3_session_line(struct pop3_session *s, const char *line)
{
	if (s->sasl_pending)
		pop3_auth_sasl_response(s, line);
	else
		pop3_command_dispatch(s, line);
}

static bool pop3_session_busy(struct pop3_session *s)
{
	return s->closing || s->retr != NULL || net_conn_output_full(s->conn);
}

void pop3_session_run(struct pop3_session *s)
{
	struct evbuffer *in = net_conn_input(s->conn);

	while (!pop3_session_busy(s)) {
		char *line = NULL;

		switch (gateway_line_read(in, s->srv->max_line, &s->skipping, &line)) {
		case GATEWAY_LINE_NONE:
			return;
		case GATEWAY_LINE_TOO_LONG:
			s->sasl_pending = false;
			pop3_reply_bad(s, "Line too long.");
			break;
		case GATEWAY_LINE_INVALID:
			s->sasl_pending = false;
			pop3_reply_bad(s, "Invalid characters in the command line.");
			break;
		case GATEWAY_LINE_OK:
			pop3_session_line(s, line);
			free(line);
			break;
		}
	}
	if (!s->closing && evbuffer_get_length(in) > POP3_MAX_PENDING_INPUT) {
		log_info("pop3.input_overflow", "ip=%s", log_q(net_conn_peer_ip(s->conn)));
		pop3_session_close(s);
	}
}

/* ---- the network layer's callbacks ---- */

static void *pop3_open(struct net_conn *conn, void *context)
{
	struct pop3_session *s = xcalloc(1, sizeof(*s));

	s->srv = context;
	s->conn = conn;
	s->state = POP3_STATE_AUTHORIZATION;
	net_conn_set_timeout(conn, s->srv->timeout);
	pop3_reply_ok(s, "Tern POP3 ready.");
	return s;
}

static void pop3_input(struct net_conn *conn, void *state)
{
	pop3_session_run(state);
}

static void pop3_drained(struct net_conn *conn, void *state)
{
	struct pop3_session *s = state;

	if (s->closing)
		return;
	/* a slow reader of a long message is not idle */
	net_conn_set_timeout(conn, s->srv->timeout);
	if (s->retr != NULL && !pop3_retr_resume(s))
		return;
	pop3_session_run(s);
}

static void pop3_timeout(struct net_conn *conn, void *state)
{
	struct pop3_session *s = state;

	log_info("pop3.timeout", "ip=%s user=%s", log_q(net_conn_peer_ip(conn)),
		 log_q(s->state == POP3_STATE_AUTHORIZATION ? "" : s->account.identity.name));
	if (s->retr == NULL)
		pop3_reply_err(s, "Disconnected for inactivity.");
	s->closing = true;
}

static void pop3_close(struct net_conn *conn, void *state)
{
	struct pop3_session *s = state;

	pop3_retr_free(&s->retr);
	pop3_maildrop_free(&s->maildrop);
	free(s->user);
	free(s);
}

/* ---- the protocol ---- */

static int64_t pop3_config_int(const struct config *cfg, const char *path, int64_t def,
			       int64_t min, int64_t max)
{
	int64_t v = config_int(cfg, path, def);

	return v < min ? min : v > max ? max : v;
}

/* The core's limit on objects per call, read as the core reads it: 500
 * when unset, zero or negative. */
static size_t pop3_batch_size(const struct config *cfg, const char *path)
{
	int64_t v = config_int(cfg, path, 500);

	return v <= 0 ? 500 : v > 100000 ? 100000 : (size_t)v;
}

static void pop3_server_configure(struct pop3_server *srv, const struct config *cfg)
{
	int64_t timeout = config_duration(cfg, "pop3.timeout", POP3_DEFAULT_TIMEOUT);
	int64_t max_line = config_size(cfg, "pop3.max-line-length", POP3_DEFAULT_MAX_LINE);

	srv->timeout = timeout < 1 ? 1 : timeout > UINT32_MAX ? UINT32_MAX : (unsigned)timeout;
	srv->max_line = max_line < POP3_MIN_MAX_LINE ? POP3_MIN_MAX_LINE :
			max_line > 1024 * 1024 ? 1024 * 1024 : (size_t)max_line;
	srv->max_bad = (unsigned)pop3_config_int(cfg, "pop3.max-bad-commands",
						 POP3_DEFAULT_MAX_BAD, 1, 100000);
	srv->allow_plaintext = config_bool(cfg, "authentication.allow-plaintext", false);
	srv->batch.get = pop3_batch_size(cfg, "jmap.max-objects-in-get");
	srv->batch.set = pop3_batch_size(cfg, "jmap.max-objects-in-set");
}

struct net_protocol *pop3_protocol_new(struct jmap_server *jmap, struct directory *dir,
				       const struct config *cfg)
{
	struct pop3_server *srv = xcalloc(1, sizeof(*srv));

	srv->jmap = jmap;
	srv->dir = dir;
	pop3_server_configure(srv, cfg);
	srv->proto.name = "pop3";
	srv->proto.context = srv;
	srv->proto.open = pop3_open;
	srv->proto.input = pop3_input;
	srv->proto.drained = pop3_drained;
	srv->proto.timeout = pop3_timeout;
	srv->proto.close = pop3_close;
	return &srv->proto;
}

void pop3_protocol_free(struct net_protocol **proto)
{
	if (*proto == NULL)
		return;
	free((*proto)->context);
	*proto = NULL;
}
