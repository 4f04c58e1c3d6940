/* Reading commands and running them: the input loop, the checks the
 * command table drives (state, UID) before any handler runs, the end of
 * a command with its pending mailbox updates, and the session's state
 * changes. */
#include <stdarg.h>
#include <stdlib.h>

#include "core/log.h"
#include "gateways/imap/imap_parser.h"
#include "gateways/imap/imap_session.h"

static const char *const imap_state_names[] = {
	[IMAP_STATE_NOT_AUTH] = "not-authenticated",
	[IMAP_STATE_AUTH] = "authenticated",
	[IMAP_STATE_SELECTED] = "selected",
	[IMAP_STATE_LOGOUT] = "logout",
};

void imap_session_set_state(struct imap_session *s, enum imap_state state)
{
	if (s->state == state)
		return;
	log_debug("imap.state", "ip=%s user=%s from=%s to=%s", log_q(net_conn_peer_ip(s->conn)),
		  log_q(s->user.name), imap_state_names[s->state], imap_state_names[state]);
	s->state = state;
}

void imap_session_unselect(struct imap_session *s)
{
	imap_view_free(&s->view);
	if (s->state == IMAP_STATE_SELECTED)
		imap_session_set_state(s, IMAP_STATE_AUTH);
}

void imap_session_bye(struct imap_session *s, const char *text)
{
	net_conn_printf(s->conn, "* BYE %s\r\n", text);
	imap_session_set_state(s, IMAP_STATE_LOGOUT);
	net_conn_close(s->conn);
}

void imap_write_untagged(struct imap_session *s, const char *fmt, ...)
{
	struct evbuffer *out = net_conn_output(s->conn);
	va_list ap;

	evbuffer_add(out, "* ", 2);
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

/* The pending updates of the selected mailbox, before a tagged reply. */
static void imap_cmd_sync(struct imap_session *s, const struct imap_cmd *cmd)
{
	unsigned flags = IMAP_SYNC_EXPUNGE;

	if (s->state != IMAP_STATE_SELECTED || s->view == NULL || cmd->def == NULL)
		return;
	if ((cmd->def->flags & IMAP_CMD_NO_EXPUNGE) != 0 && !cmd->uid)
		flags = 0;
	if (imap_view_sync(s, flags, NULL) < 0)
		imap_session_bye(s, "The selected mailbox was deleted");
}

static void imap_cmd_vdone(struct imap_session *s, const char *status, const char *fmt,
			   va_list ap)
{
	struct imap_cmd *cmd = s->cmd;
	struct evbuffer *out = net_conn_output(s->conn);

	if (cmd == NULL)
		return;
	imap_cmd_sync(s, cmd);
	evbuffer_add_printf(out, "%s %s ", cmd->tag, status);
	evbuffer_add_vprintf(out, fmt, ap);
	evbuffer_add(out, "\r\n", 2);
	s->cmd = NULL;
	imap_cmd_free(&cmd);
}

void imap_cmd_done(struct imap_session *s, const char *status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imap_cmd_vdone(s, status, fmt, ap);
	va_end(ap);
}

/* Counts a syntax error; past imap.max-bad-commands the session ends. */
static void imap_session_count_bad(struct imap_session *s)
{
	if (++s->bad_count >= s->srv->max_bad && s->state != IMAP_STATE_LOGOUT)
		imap_session_bye(s, "Too many invalid commands");
}

void imap_cmd_bad(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imap_cmd_vdone(s, "BAD", fmt, ap);
	va_end(ap);
	imap_session_count_bad(s);
}

static void imap_session_parse_error(struct imap_session *s, const struct imap_parse_error *e)
{
	const char *tag = e->tag != NULL ? e->tag : "*";

	if (e->toobig)
		net_conn_printf(s->conn, "%s %s [TOOBIG] %s\r\n", tag, e->big ? "NO" : "BAD", e->text);
	else
		net_conn_printf(s->conn, "%s BAD %s\r\n", tag, e->text);
	imap_session_count_bad(s);
}

/* Why cmd may not run now, or NULL. */
static const char *imap_cmd_refusal(const struct imap_session *s, const struct imap_cmd *cmd)
{
	unsigned flags = cmd->def->flags;

	if (cmd->uid && (flags & IMAP_CMD_UID) == 0)
		return "This command does not take UID";
	switch (s->state) {
	case IMAP_STATE_NOT_AUTH:
		return (flags & IMAP_CMD_NOT_AUTH) != 0 ? NULL : "Log in first";
	case IMAP_STATE_AUTH:
		if ((flags & IMAP_CMD_SELECTED) != 0)
			return "Select a mailbox first";
		return (flags & IMAP_CMD_AUTH) != 0 ? NULL : "Already logged in";
	case IMAP_STATE_SELECTED:
		return (flags & (IMAP_CMD_AUTH | IMAP_CMD_SELECTED)) != 0 ? NULL : "Already logged in";
	case IMAP_STATE_LOGOUT:
		break;
	}
	return "Logging out";
}

static void imap_session_dispatch(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *refusal;

	s->cmd = cmd;
	cmd->def = imap_command_find(cmd->name);
	if (cmd->def == NULL) {
		imap_cmd_bad(s, "Unknown command");
		return;
	}
	if ((refusal = imap_cmd_refusal(s, cmd)) != NULL) {
		imap_cmd_bad(s, "%s", refusal);
		return;
	}
	cmd->def->fn(s, cmd);
}

/* A line for the running command (AUTHENTICATE, IDLE). */
static bool imap_session_cmd_line(struct imap_session *s)
{
	char *line;
	size_t len;

	switch (imap_parser_read_line(net_conn_input(s->conn), s->srv->max_line, &line, &len)) {
	case IMAP_LINE_MORE:
		return false;
	case IMAP_LINE_TOOBIG:
		imap_session_bye(s, "[TOOBIG] Line too long");
		return false;
	case IMAP_LINE_OK:
		break;
	}
	s->cmd->line(s, s->cmd, line, len);
	free(line);
	return true;
}

static bool imap_session_step(struct imap_session *s)
{
	struct imap_parse_error error;
	struct imap_cmd *cmd;

	if (s->state == IMAP_STATE_LOGOUT)
		return false;
	if (s->cmd != NULL)
		return s->cmd->line != NULL && imap_session_cmd_line(s);
	/* pipelined commands wait while the client does not read */
	if (net_conn_output_full(s->conn))
		return false;
	switch (imap_parser_run(s->parser, net_conn_input(s->conn), &cmd, &error)) {
	case IMAP_PARSE_MORE:
		return false;
	case IMAP_PARSE_CONTINUE:
		net_conn_write(s->conn, "+ OK\r\n", 6);
		break;
	case IMAP_PARSE_ERROR:
		imap_session_parse_error(s, &error);
		break;
	case IMAP_PARSE_COMMAND:
		imap_session_dispatch(s, cmd);
		break;
	}
	return true;
}

void imap_session_process(struct imap_session *s)
{
	while (imap_session_step(s))
		;
}
