/* IDLE (RFC 2177, RFC 9051 §6.3.13): the client waits, and hears of
 * every change to the selected mailbox as the bus reports it, until it
 * says DONE. */
#include <strings.h>

#include "gateways/imap/imap_session.h"

static void imap_idle_line(struct imap_session *s, struct imap_cmd *cmd, const char *line,
			   size_t len)
{
	if (strcasecmp(line, "DONE") == 0)
		imap_cmd_done(s, "OK", "IDLE terminated");
	else
		imap_cmd_bad(s, "IDLE ends with DONE");
}

static void imap_idle_wake(struct imap_session *s, struct imap_cmd *cmd)
{
	if (s->state == IMAP_STATE_SELECTED && imap_view_sync(s, IMAP_SYNC_EXPUNGE, NULL) < 0)
		imap_session_bye(s, "The selected mailbox was deleted");
}

void imap_cmd_idle(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(s, "IDLE takes no arguments");
		return;
	}
	net_conn_printf(s->conn, "+ idling\r\n");
	cmd->line = imap_idle_line;
	cmd->wake = imap_idle_wake;
	/* what changed before the IDLE began */
	imap_idle_wake(s, cmd);
}
