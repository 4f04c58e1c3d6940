/* The command table and the checks it drives (state, number of
 * arguments), and the commands about the session itself: CAPA (RFC
 * 2449), STLS (RFC 2595), NOOP, QUIT. */
#include <strings.h>

#include "core/log.h"
#include "gateways/pop3/pop3_private.h"

#define POP3_IN_AUTHORIZATION	(1u << POP3_STATE_AUTHORIZATION)
#define POP3_IN_TRANSACTION	(1u << POP3_STATE_TRANSACTION)
#define POP3_ANY_STATE		(POP3_IN_AUTHORIZATION | POP3_IN_TRANSACTION)
/* The argument is the rest of the line, spaces included (PASS). */
#define POP3_REST_OF_LINE	(1u << 8)

struct pop3_command {
	const char *name;
	unsigned flags;
	unsigned min_args, max_args;
	pop3_command_fn *fn;
};

static pop3_command_fn pop3_cmd_capa, pop3_cmd_noop, pop3_cmd_quit, pop3_cmd_stls;

static const struct pop3_command pop3_commands[] = {
	{ "CAPA", POP3_ANY_STATE, 0, 0, pop3_cmd_capa },
	{ "QUIT", POP3_ANY_STATE, 0, 0, pop3_cmd_quit },
	{ "USER", POP3_IN_AUTHORIZATION, 1, 1, pop3_cmd_user },
	{ "PASS", POP3_IN_AUTHORIZATION | POP3_REST_OF_LINE, 1, 1, pop3_cmd_pass },
	{ "AUTH", POP3_IN_AUTHORIZATION, 0, 2, pop3_cmd_auth },
	{ "STLS", POP3_IN_AUTHORIZATION, 0, 0, pop3_cmd_stls },
	{ "STAT", POP3_IN_TRANSACTION, 0, 0, pop3_cmd_stat },
	{ "LIST", POP3_IN_TRANSACTION, 0, 1, pop3_cmd_list },
	{ "UIDL", POP3_IN_TRANSACTION, 0, 1, pop3_cmd_uidl },
	{ "RETR", POP3_IN_TRANSACTION, 1, 1, pop3_cmd_retr },
	{ "TOP", POP3_IN_TRANSACTION, 2, 2, pop3_cmd_top },
	{ "DELE", POP3_IN_TRANSACTION, 1, 1, pop3_cmd_dele },
	{ "RSET", POP3_IN_TRANSACTION, 0, 0, pop3_cmd_rset },
	{ "NOOP", POP3_IN_TRANSACTION, 0, 0, pop3_cmd_noop },
};

#define POP3_COMMAND_COUNT (sizeof(pop3_commands) / sizeof(pop3_commands[0]))

static const struct pop3_command *pop3_command_find(const char *name)
{
	for (size_t i = 0; i < POP3_COMMAND_COUNT; i++) {
		if (strcasecmp(pop3_commands[i].name, name) == 0)
			return &pop3_commands[i];
	}
	return NULL;
}

/* The arguments fit the table's count. */
static bool pop3_command_args_ok(const struct pop3_command *cmd,
				 const struct pop3_cmdline *line)
{
	if (cmd->flags & POP3_REST_OF_LINE)
		return line->rest[0] != '\0';
	return !line->too_many && line->argc >= cmd->min_args && line->argc <= cmd->max_args;
}

void pop3_command_dispatch(struct pop3_session *s, const char *text)
{
	struct pop3_cmdline line;
	const struct pop3_command *cmd;

	if (pop3_cmdline_parse(text, &line) < 0 || (cmd = pop3_command_find(line.name)) == NULL) {
		pop3_cmdline_free(&line);
		pop3_reply_bad(s, "Unknown command.");
		return;
	}
	if (!(cmd->flags & (1u << s->state)))
		pop3_reply_err(s, "%s is not allowed %s.", cmd->name,
			       s->state == POP3_STATE_AUTHORIZATION ? "before login" :
			       "after login");
	else if (!pop3_command_args_ok(cmd, &line))
		pop3_reply_bad(s, "Wrong number of arguments.");
	else
		cmd->fn(s, &line);
	pop3_cmdline_free(&line);
}

struct pop3_message *pop3_message_arg(struct pop3_session *s, const char *arg)
{
	struct pop3_maildrop *md = &s->maildrop;
	size_t n;

	if (pop3_parse_msgno(arg, md->count, &n) < 0) {
		pop3_reply_err(s, "There is no message %.40s.", arg);
		return NULL;
	}
	if (md->msgs[n - 1].deleted) {
		pop3_reply_err(s, "Message %zu is deleted.", n);
		return NULL;
	}
	return &md->msgs[n - 1];
}

/* ---- session commands ---- */

static void pop3_cmd_capa(struct pop3_session *s, const struct pop3_cmdline *line)
{
	struct evbuffer *out = net_conn_output(s->conn);

	pop3_reply_ok(s, "Capability list follows");
	evbuffer_add_printf(out, "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n");
	if (pop3_auth_plaintext_ok(s))
		evbuffer_add_printf(out, "USER\r\nSASL PLAIN\r\n");
	if (s->state == POP3_STATE_AUTHORIZATION && !net_conn_is_tls(s->conn) &&
	    net_conn_can_starttls(s->conn))
		evbuffer_add_printf(out, "STLS\r\n");
	evbuffer_add_printf(out, "IMPLEMENTATION Tern\r\n.\r\n");
}

static void pop3_cmd_noop(struct pop3_session *s, const struct pop3_cmdline *line)
{
	pop3_reply_ok(s, "Nothing done.");
}

static void pop3_cmd_stls(struct pop3_session *s, const struct pop3_cmdline *line)
{
	const char *error;

	if (net_conn_is_tls(s->conn) || !net_conn_can_starttls(s->conn)) {
		pop3_reply_err(s, net_conn_is_tls(s->conn) ? "TLS is already active." :
			       "TLS is not available.");
		return;
	}
	pop3_reply_ok(s, "Begin TLS negotiation now.");
	if (net_conn_starttls(s->conn, &error) < 0) {
		log_warn("pop3.starttls", "ip=%s error=%s", log_q(net_conn_peer_ip(s->conn)),
			 log_q(error));
		pop3_session_close(s);
		return;
	}
	/* RFC 2595 §4: nothing sent before the handshake is a command, and
	 * what the client said before is forgotten */
	evbuffer_drain(net_conn_input(s->conn), evbuffer_get_length(net_conn_input(s->conn)));
	free(s->user);
	s->user = NULL;
}

static void pop3_cmd_quit(struct pop3_session *s, const struct pop3_cmdline *line)
{
	struct pop3_maildrop *md = &s->maildrop;

	if (s->state == POP3_STATE_AUTHORIZATION) {
		pop3_reply_ok(s, "Logging out.");
		pop3_session_close(s);
		return;
	}
	pop3_session_set_state(s, POP3_STATE_UPDATE);
	if (pop3_maildrop_update(&s->account, &s->srv->batch, md) < 0) {
		pop3_reply_err(s, "[SYS/TEMP] Some deleted messages were not removed.");
	} else {
		log_info("pop3.logout", "user=%s deleted=%zu left=%zu",
			 log_q(s->account.identity.name), md->deleted_count,
			 md->count - md->deleted_count);
		pop3_reply_ok(s, "Logging out (%zu messages left).",
			      md->count - md->deleted_count);
	}
	pop3_session_close(s);
}
