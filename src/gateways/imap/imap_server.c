/* The IMAP gateway as a net_protocol: its settings, and a session's
 * life from the greeting to close(), with the bus subscription that
 * wakes it when the account changes. */
#include <stddef.h>
#include <stdlib.h>

#include "core/bus.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap.h"
#include "gateways/imap/imap_parser.h"
#include "gateways/imap/imap_session.h"
#include "jmap/jmap.h"

#define IMAP_DEFAULT_MAX_LINE (64 * 1024)
#define IMAP_DEFAULT_MAX_LITERAL (64 * 1024)
#define IMAP_DEFAULT_MAX_MESSAGE (50 * 1024 * 1024)
#define IMAP_DEFAULT_TIMEOUT (30 * 60)
#define IMAP_DEFAULT_AUTH_TIMEOUT 60
#define IMAP_DEFAULT_MAX_BAD 20
/* Nested lists in one command: SEARCH criteria are the deepest. */
#define IMAP_MAX_DEPTH 32
/* The store_type bits (core/bus.h events) that change what IMAP shows:
 * Mailbox (0) and Email (1). */
#define IMAP_BUS_TYPES ((1u << 0) | (1u << 1))

/* A positive config value as size_t, def when unset or out of range. */
static size_t imap_config_size(const struct config *cfg, const char *key, size_t def)
{
	int64_t v = config_size(cfg, key, (int64_t)def);

	return v > 0 && (uint64_t)v <= SIZE_MAX / 2 ? (size_t)v : def;
}

static unsigned imap_config_seconds(const struct config *cfg, const char *key, unsigned def)
{
	int64_t v = config_duration(cfg, key, def);

	return v > 0 && v < (int64_t)UINT32_MAX ? (unsigned)v : def;
}

static bool imap_big_literal(const char *name, void *context)
{
	struct imap_session *s = context;
	const struct imap_command *def;

	if (s->state == IMAP_STATE_NOT_AUTH)
		return false;
	def = imap_command_find(name);
	return def != NULL && (def->flags & IMAP_CMD_BIG_LITERAL) != 0;
}

static void *imap_open(struct net_conn *conn, void *context)
{
	struct imap_server *srv = context;
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct imap_parser_limits limits = {
		.max_line = srv->max_line,
		.max_literal = srv->max_literal,
		.max_big_literal = srv->max_message,
		.max_depth = IMAP_MAX_DEPTH,
		.big_literal = imap_big_literal,
		.context = s,
	};
	struct evbuffer *out = net_conn_output(conn);

	s->srv = srv;
	s->conn = conn;
	s->state = IMAP_STATE_NOT_AUTH;
	s->parser = imap_parser_new(&limits);
	net_conn_set_timeout(conn, srv->auth_timeout);
	evbuffer_add_printf(out, "* OK [CAPABILITY ");
	imap_capability_write(s, out);
	evbuffer_add_printf(out, "] Tern IMAP4rev2 ready\r\n");
	return s;
}

static void imap_input(struct net_conn *conn, void *state)
{
	imap_session_process(state);
}

static void imap_drained(struct net_conn *conn, void *state)
{
	struct imap_session *s = state;

	if (s->cmd != NULL && s->cmd->resume != NULL)
		s->cmd->resume(s, s->cmd);
	imap_session_process(s);
}

static void imap_wake(struct net_conn *conn, void *state)
{
	struct imap_session *s = state;

	if (s->cmd != NULL && s->cmd->wake != NULL)
		s->cmd->wake(s, s->cmd);
	imap_session_process(s);
}

static void imap_timeout(struct net_conn *conn, void *state)
{
	struct imap_session *s = state;

	net_conn_printf(conn, "* BYE Disconnected for inactivity\r\n");
	imap_session_set_state(s, IMAP_STATE_LOGOUT);
}

static void imap_close(struct net_conn *conn, void *state)
{
	struct imap_session *s = state;

	bus_unsubscribe(&s->bus);
	net_waker_release(&s->waker);
	imap_cmd_free(&s->cmd);
	imap_view_free(&s->view);
	imap_parser_free(&s->parser);
	if (s->state != IMAP_STATE_NOT_AUTH)
		log_info("imap.logout", "user=%s ip=%s", log_q(s->user.name),
			 log_q(net_conn_peer_ip(conn)));
	free(s);
}

/* On the writer's thread: only a flag and a wake-up (core/bus.h). */
static void imap_bus_event(const struct bus_event *event, void *context)
{
	struct imap_session *s = context;

	if ((event->types & IMAP_BUS_TYPES) == 0)
		return;
	__atomic_store_n(&s->changed, true, __ATOMIC_RELEASE);
	net_waker_wake(s->waker);
}

void imap_session_login(struct imap_session *s, const struct directory_identity *user)
{
	s->user = *user;
	jmap_account_id_format(user->account_id, s->account_id);
	imap_session_set_state(s, IMAP_STATE_AUTH);
	net_conn_set_timeout(s->conn, s->srv->timeout);
	s->waker = net_conn_waker(s->conn);
	s->bus = bus_subscribe(user->account_id, imap_bus_event, s);
}

struct net_protocol *imap_protocol_new(struct jmap_server *jmap, struct directory *dir,
				       const struct config *cfg)
{
	struct imap_server *srv = xcalloc(1, sizeof(*srv));
	int64_t max_bad = config_int(cfg, "imap.max-bad-commands", IMAP_DEFAULT_MAX_BAD);

	srv->jmap = jmap;
	srv->dir = dir;
	srv->max_line = imap_config_size(cfg, "imap.max-line-length", IMAP_DEFAULT_MAX_LINE);
	srv->max_literal = imap_config_size(cfg, "imap.max-literal-size",
					    IMAP_DEFAULT_MAX_LITERAL);
	srv->max_message = imap_config_size(cfg, "imap.max-message-size",
					    IMAP_DEFAULT_MAX_MESSAGE);
	srv->timeout = imap_config_seconds(cfg, "imap.timeout", IMAP_DEFAULT_TIMEOUT);
	srv->auth_timeout = imap_config_seconds(cfg, "imap.auth-timeout",
						IMAP_DEFAULT_AUTH_TIMEOUT);
	srv->max_bad = max_bad > 0 && max_bad < 1000000 ? (unsigned)max_bad : IMAP_DEFAULT_MAX_BAD;
	srv->allow_plaintext = config_bool(cfg, "authentication.allow-plaintext", false);
	srv->proto = (struct net_protocol){
		.name = "imap",
		.context = srv,
		.open = imap_open,
		.input = imap_input,
		.drained = imap_drained,
		.wake = imap_wake,
		.timeout = imap_timeout,
		.close = imap_close,
	};
	return &srv->proto;
}

void imap_protocol_free(struct net_protocol **proto)
{
	struct imap_server *srv;

	if (*proto == NULL)
		return;
	srv = (struct imap_server *)((char *)*proto - offsetof(struct imap_server, proto));
	*proto = NULL;
	free(srv);
}
