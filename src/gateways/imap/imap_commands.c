/* The command table: every IMAP command, the states it may run in and
 * what else the dispatcher must know of it, and its handler. */
#include <strings.h>

#include "gateways/imap/imap_session.h"

#define ANY (IMAP_CMD_NOT_AUTH | IMAP_CMD_AUTH)
#define AUTH IMAP_CMD_AUTH
#define SEL IMAP_CMD_SELECTED
#define UID IMAP_CMD_UID
#define NOEXP IMAP_CMD_NO_EXPUNGE

static const struct imap_command imap_commands[] = {
	/* any state */
	{ "CAPABILITY", ANY, imap_cmd_capability },
	{ "NOOP", ANY, imap_cmd_noop },
	{ "LOGOUT", ANY, imap_cmd_logout },
	{ "ID", ANY, imap_cmd_id },
	/* before login */
	{ "STARTTLS", IMAP_CMD_NOT_AUTH, imap_cmd_starttls },
	{ "LOGIN", IMAP_CMD_NOT_AUTH, imap_cmd_login },
	{ "AUTHENTICATE", IMAP_CMD_NOT_AUTH, imap_cmd_authenticate },
	/* after login */
	{ "ENABLE", AUTH, imap_cmd_enable },
	{ "SELECT", AUTH, imap_cmd_select },
	{ "EXAMINE", AUTH, imap_cmd_examine },
	{ "CREATE", AUTH, imap_cmd_create },
	{ "DELETE", AUTH, imap_cmd_delete },
	{ "RENAME", AUTH, imap_cmd_rename },
	{ "SUBSCRIBE", AUTH, imap_cmd_subscribe },
	{ "UNSUBSCRIBE", AUTH, imap_cmd_unsubscribe },
	{ "LIST", AUTH, imap_cmd_list },
	{ "LSUB", AUTH, imap_cmd_lsub },
	{ "STATUS", AUTH, imap_cmd_status },
	{ "NAMESPACE", AUTH, imap_cmd_namespace },
	{ "APPEND", AUTH | IMAP_CMD_BIG_LITERAL, imap_cmd_append },
	{ "IDLE", AUTH, imap_cmd_idle },
	{ "COMPRESS", AUTH, imap_cmd_compress },
	{ "GETQUOTA", AUTH, imap_cmd_getquota },
	{ "GETQUOTAROOT", AUTH, imap_cmd_getquotaroot },
	{ "SETQUOTA", AUTH, imap_cmd_setquota },
	/* with a mailbox selected */
	{ "CHECK", SEL, imap_cmd_check },
	{ "CLOSE", SEL, imap_cmd_close },
	{ "UNSELECT", SEL, imap_cmd_unselect },
	{ "EXPUNGE", SEL | UID, imap_cmd_expunge },
	{ "FETCH", SEL | UID | NOEXP, imap_cmd_fetch },
	{ "STORE", SEL | UID | NOEXP, imap_cmd_store },
	{ "SEARCH", SEL | UID | NOEXP, imap_cmd_search },
	{ "SORT", SEL | UID | NOEXP, imap_cmd_sort },
	{ "THREAD", SEL | UID | NOEXP, imap_cmd_thread },
	{ "COPY", SEL | UID, imap_cmd_copy },
	{ "MOVE", SEL | UID, imap_cmd_move },
};

const struct imap_command *imap_command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(imap_commands) / sizeof(imap_commands[0]); i++) {
		if (strcasecmp(imap_commands[i].name, name) == 0)
			return &imap_commands[i];
	}
	return NULL;
}
