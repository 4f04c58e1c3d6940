/* The ESMTP protocol for the network layer: its settings (smtp.*), a
 * session per connection with its greeting, and the network callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_server.h"
#include "gateways/smtp/smtp_session.h"

#define SMTP_DEFAULT_TIMEOUT 300
#define SMTP_DEFAULT_DATA_TIMEOUT 600
#define SMTP_DEFAULT_MAX_LINE 4096
#define SMTP_DEFAULT_MAX_MESSAGE (50 * 1024 * 1024)
#define SMTP_DEFAULT_MAX_RCPTS 100
#define SMTP_DEFAULT_MAX_BAD 20
/* RFC 5321 §4.5.3.1.4: a command line of 512 octets must fit; AUTH with
 * an initial response wants more (RFC 4954 §4), hence the floor. */
#define SMTP_MIN_MAX_LINE 1024
#define SMTP_MAX_MAX_LINE (1024 * 1024)
/* The message is held in memory: its bound must stay one. */
#define SMTP_MAX_MAX_MESSAGE ((int64_t)4 * 1024 * 1024 * 1024)

/* ---- the network layer's callbacks ---- */

static void *smtp_open(struct net_conn *conn, void *context)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));
	char *token = rand_token(9);

	s->srv = context;
	s->conn = conn;
	snprintf(s->id, sizeof(s->id), "%s", token);
	free(token);
	s->state = SMTP_STATE_FRESH;
	s->input = SMTP_INPUT_COMMAND;
	s->submission = net_conn_listener_bool(conn, "submission", false);
	smtp_session_update_timeout(s);
	log_info("smtp.connect", "session=%s ip=%s listener=%s submission=%s tls=%s", s->id,
		 log_q(net_conn_peer_ip(conn)), log_q(net_conn_listener(conn)),
		 s->submission ? "yes" : "no", net_conn_is_tls(conn) ? "yes" : "no");
	/* RFC 5321 §4.2: the greeting has no enhanced status code */
	smtp_reply(s, 220, NULL, "%s ESMTP Tern", s->srv->hostname);
	return s;
}

static void smtp_input(struct net_conn *conn, void *state)
{
	smtp_session_run(state);
}

static void smtp_drained(struct net_conn *conn, void *state)
{
	struct smtp_session *s = state;

	if (s->closing)
		return;
	smtp_session_update_timeout(s);
	smtp_session_run(s);
}

static void smtp_timeout(struct net_conn *conn, void *state)
{
	struct smtp_session *s = state;

	log_info("smtp.timeout", "session=%s ip=%s state=%s", s->id,
		 log_q(net_conn_peer_ip(conn)), smtp_state_name(s->state));
	smtp_reply(s, 421, "4.4.2", "%s Timeout exceeded, closing the connection",
		   s->srv->hostname);
	s->closing = true;
}

static void smtp_close(struct net_conn *conn, void *state)
{
	struct smtp_session *s = state;

	log_info("smtp.disconnect", "session=%s ip=%s messages=%u", s->id,
		 log_q(net_conn_peer_ip(conn)), s->transactions);
	smtp_session_forget(s);
	free(s);
}

/* ---- the protocol ---- */

static int64_t smtp_clamp(int64_t v, int64_t min, int64_t max)
{
	return v < min ? min : v > max ? max : v;
}

static void smtp_server_configure(struct smtp_server *srv, const struct config *cfg)
{
	srv->hostname = xstrdup(config_string(cfg, "server.hostname", "localhost"));
	srv->timeout = (unsigned)smtp_clamp(config_duration(cfg, "smtp.timeout",
							    SMTP_DEFAULT_TIMEOUT), 1, 86400);
	srv->data_timeout = (unsigned)smtp_clamp(config_duration(cfg, "smtp.data-timeout",
								 SMTP_DEFAULT_DATA_TIMEOUT),
						 1, 86400);
	srv->max_line = (size_t)smtp_clamp(config_size(cfg, "smtp.max-line-length",
						       SMTP_DEFAULT_MAX_LINE),
					   SMTP_MIN_MAX_LINE, SMTP_MAX_MAX_LINE);
	srv->max_message = (size_t)smtp_clamp(config_size(cfg, "smtp.max-message-size",
							  SMTP_DEFAULT_MAX_MESSAGE),
					      1024, SMTP_MAX_MAX_MESSAGE);
	srv->max_rcpts = (unsigned)smtp_clamp(config_int(cfg, "smtp.max-recipients",
							 SMTP_DEFAULT_MAX_RCPTS), 1, 100000);
	srv->max_bad = (unsigned)smtp_clamp(config_int(cfg, "smtp.max-bad-commands",
						       SMTP_DEFAULT_MAX_BAD), 1, 100000);
	srv->allow_plaintext = config_bool(cfg, "authentication.allow-plaintext", false);
}

struct net_protocol *smtp_protocol_new(struct directory *dir, struct smtp_deliver *deliver,
				       const struct config *cfg)
{
	struct smtp_server *srv = xcalloc(1, sizeof(*srv));

	srv->dir = dir;
	srv->deliver = deliver;
	smtp_server_configure(srv, cfg);
	srv->proto.name = "smtp";
	srv->proto.context = srv;
	srv->proto.open = smtp_open;
	srv->proto.input = smtp_input;
	srv->proto.drained = smtp_drained;
	srv->proto.timeout = smtp_timeout;
	srv->proto.close = smtp_close;
	return &srv->proto;
}

void smtp_protocol_free(struct net_protocol **proto)
{
	struct smtp_server *srv;

	if (*proto == NULL)
		return;
	srv = (*proto)->context;
	free(srv->hostname);
	free(srv);
	*proto = NULL;
}
