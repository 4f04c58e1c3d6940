/* The command table and the checks it drives (EHLO first, arguments
 * wanted or not), and the commands about the session itself: EHLO and
 * HELO (RFC 5321 §4.1.1.1), NOOP, RSET, QUIT, VRFY, EXPN, HELP and
 * STARTTLS (RFC 3207). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_session.h"

#define SMTP_CMD_NEED_HELO	(1u << 0)	/* after EHLO/HELO only */
#define SMTP_CMD_NEED_ARGS	(1u << 1)	/* arguments required */
#define SMTP_CMD_NO_ARGS	(1u << 2)	/* arguments refused */

/* RFC 1035's longest name; a longer EHLO argument is refused. */
#define SMTP_MAX_HELO 255

struct smtp_command {
	const char *name;
	unsigned flags;
	const char *syntax;	/* the 501 text for bad arguments */
	smtp_command_fn *fn;
};

static smtp_command_fn smtp_cmd_ehlo, smtp_cmd_helo, smtp_cmd_noop, smtp_cmd_rset,
	smtp_cmd_quit, smtp_cmd_vrfy, smtp_cmd_expn, smtp_cmd_help, smtp_cmd_starttls;

static const struct smtp_command smtp_commands[] = {
	{ "EHLO", SMTP_CMD_NEED_ARGS, "Syntax: EHLO hostname", smtp_cmd_ehlo },
	{ "HELO", SMTP_CMD_NEED_ARGS, "Syntax: HELO hostname", smtp_cmd_helo },
	{ "MAIL", SMTP_CMD_NEED_HELO | SMTP_CMD_NEED_ARGS, "Syntax: MAIL FROM:<address>",
	  smtp_cmd_mail },
	{ "RCPT", SMTP_CMD_NEED_HELO | SMTP_CMD_NEED_ARGS, "Syntax: RCPT TO:<address>",
	  smtp_cmd_rcpt },
	{ "DATA", SMTP_CMD_NEED_HELO | SMTP_CMD_NO_ARGS, "Syntax: DATA", smtp_cmd_data },
	{ "BDAT", SMTP_CMD_NEED_HELO | SMTP_CMD_NEED_ARGS, "Syntax: BDAT size [LAST]",
	  smtp_cmd_bdat },
	{ "AUTH", SMTP_CMD_NEED_HELO | SMTP_CMD_NEED_ARGS,
	  "Syntax: AUTH mechanism [initial-response]", smtp_cmd_auth },
	{ "STARTTLS", SMTP_CMD_NO_ARGS, "Syntax: STARTTLS", smtp_cmd_starttls },
	{ "RSET", SMTP_CMD_NO_ARGS, "Syntax: RSET", smtp_cmd_rset },
	{ "NOOP", 0, NULL, smtp_cmd_noop },
	{ "QUIT", SMTP_CMD_NO_ARGS, "Syntax: QUIT", smtp_cmd_quit },
	{ "VRFY", SMTP_CMD_NEED_ARGS, "Syntax: VRFY address", smtp_cmd_vrfy },
	{ "EXPN", 0, NULL, smtp_cmd_expn },
	{ "HELP", 0, NULL, smtp_cmd_help },
};

#define SMTP_COMMAND_COUNT (sizeof(smtp_commands) / sizeof(smtp_commands[0]))

static const struct smtp_command *smtp_command_find(const char *verb)
{
	for (size_t i = 0; i < SMTP_COMMAND_COUNT; i++) {
		if (strcmp(smtp_commands[i].name, verb) == 0)
			return &smtp_commands[i];
	}
	return NULL;
}

/* The table's checks; answers and returns false when one fails. */
static bool smtp_command_check(struct smtp_session *s, const struct smtp_command *cmd,
			       const char *args)
{
	bool helo_cmd = cmd->fn == smtp_cmd_ehlo || cmd->fn == smtp_cmd_helo;

	if (((cmd->flags & SMTP_CMD_NEED_ARGS) && args[0] == '\0') ||
	    ((cmd->flags & SMTP_CMD_NO_ARGS) && args[0] != '\0')) {
		/* RFC 2034 §3: no enhanced code in answers to EHLO/HELO */
		smtp_reply_bad(s, 501, helo_cmd ? NULL : "5.5.4", cmd->syntax);
		return false;
	}
	if ((cmd->flags & SMTP_CMD_NEED_HELO) && s->state == SMTP_STATE_FRESH) {
		smtp_reply(s, 503, "5.5.1", "Send EHLO first");
		return false;
	}
	return true;
}

void smtp_command_dispatch(struct smtp_session *s, const char *line)
{
	char verb[SMTP_VERB_MAX + 1];
	const struct smtp_command *cmd;
	const char *args;

	if (smtp_cmdline_split(line, verb, &args) < 0 || (cmd = smtp_command_find(verb)) == NULL) {
		smtp_reply_bad(s, 500, "5.5.2", "Command not recognized");
		return;
	}
	if (smtp_command_check(s, cmd, args))
		cmd->fn(s, args);
}

/* ---- EHLO and HELO ---- */

/* The client's name: one word, not too long (RFC 5321 §4.1.1.1 asks
 * for a domain or an address literal; what clients send is kept as
 * given, for Received). */
static bool smtp_helo_take(struct smtp_session *s, const char *args, bool esmtp)
{
	size_t len = strcspn(args, " \t");

	if (len == 0 || len > SMTP_MAX_HELO) {
		smtp_reply_bad(s, 501, NULL, esmtp ? "Syntax: EHLO hostname" :
			       "Syntax: HELO hostname");
		return false;
	}
	/* RFC 5321 §4.1.4: EHLO also resets the transaction */
	smtp_session_reset(s);
	free(s->helo);
	s->helo = xstrndup(args, len);
	s->esmtp = esmtp;
	if (s->state == SMTP_STATE_FRESH)
		smtp_session_set_state(s, SMTP_STATE_READY);
	return true;
}

static void smtp_cmd_ehlo(struct smtp_session *s, const char *args)
{
	struct evbuffer *out = net_conn_output(s->conn);

	if (!smtp_helo_take(s, args, true))
		return;
	evbuffer_add_printf(out, "250-%s Hello %s\r\n", s->srv->hostname, s->helo);
	evbuffer_add_printf(out, "250-PIPELINING\r\n250-SIZE %zu\r\n", s->srv->max_message);
	evbuffer_add_printf(out, "250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n");
	evbuffer_add_printf(out, "250-CHUNKING\r\n250-DSN\r\n");
	if (net_conn_can_starttls(s->conn))
		evbuffer_add_printf(out, "250-STARTTLS\r\n");
	if (smtp_auth_allowed(s))
		evbuffer_add_printf(out, "250-AUTH PLAIN LOGIN\r\n");
	evbuffer_add_printf(out, "250 HELP\r\n");
}

static void smtp_cmd_helo(struct smtp_session *s, const char *args)
{
	if (smtp_helo_take(s, args, false))
		smtp_reply(s, 250, NULL, "%s", s->srv->hostname);
}

/* ---- the other session commands ---- */

static void smtp_cmd_noop(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 250, "2.0.0", "OK");
}

static void smtp_cmd_rset(struct smtp_session *s, const char *args)
{
	smtp_session_reset(s);
	smtp_reply(s, 250, "2.0.0", "OK");
}

static void smtp_cmd_quit(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 221, "2.0.0", "%s Bye", s->srv->hostname);
	smtp_session_close(s);
}

/* VRFY would tell a harvester which addresses exist (RFC 5321 §7.3). */
static void smtp_cmd_vrfy(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery");
}

static void smtp_cmd_expn(struct smtp_session *s, const char *args)
{
	smtp_reply(s, 502, "5.5.1", "EXPN is not available");
}

static void smtp_cmd_help(struct smtp_session *s, const char *args)
{
	struct evbuffer *out = net_conn_output(s->conn);

	evbuffer_add_printf(out, "214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET\r\n");
	evbuffer_add_printf(out, "214-2.0.0 NOOP QUIT HELP VRFY AUTH STARTTLS\r\n");
	evbuffer_add_printf(out, "214 2.0.0 See RFC 5321\r\n");
}

static void smtp_cmd_starttls(struct smtp_session *s, const char *args)
{
	const char *error;

	if (net_conn_is_tls(s->conn)) {
		smtp_reply(s, 503, "5.5.1", "TLS is already active");
		return;
	}
	if (!net_conn_can_starttls(s->conn)) {
		smtp_reply(s, 502, "5.5.1", "STARTTLS is not available");
		return;
	}
	smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
	if (net_conn_starttls(s->conn, &error) < 0) {
		log_warn("smtp.starttls", "session=%s ip=%s error=%s", s->id,
			 log_q(net_conn_peer_ip(s->conn)), log_q(error));
		smtp_session_close(s);
		return;
	}
	/* RFC 3207 §4.2: what the client said before counts for nothing,
	 * and the input it sent with STARTTLS is gone */
	smtp_session_forget(s);
}
