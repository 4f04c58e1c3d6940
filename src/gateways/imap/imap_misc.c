/* The small commands: NOOP, CHECK, ENABLE, ID, NAMESPACE and
 * COMPRESS. NOOP and CHECK do nothing themselves: the end of every
 * command reports what changed in the selected mailbox. */
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "gateways/imap/imap_session.h"

/* RFC 2971 §3.3: at most 30 field-value pairs. */
#define IMAP_ID_MAX_PAIRS 30

void imap_cmd_noop(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 0)
		imap_cmd_bad(s, "NOOP takes no arguments");
	else
		imap_cmd_done(s, "OK", "NOOP completed");
}

void imap_cmd_check(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 0)
		imap_cmd_bad(s, "CHECK takes no arguments");
	else
		imap_cmd_done(s, "OK", "CHECK completed");
}

void imap_cmd_namespace(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(s, "NAMESPACE takes no arguments");
		return;
	}
	imap_write_untagged(s, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_cmd_done(s, "OK", "NAMESPACE completed");
}

void imap_session_condstore(struct imap_session *s)
{
	if (s->condstore)
		return;
	s->condstore = true;
	if (s->view != NULL)
		imap_write_untagged(s, "OK [HIGHESTMODSEQ %llu] CONDSTORE on",
				    (unsigned long long)s->view->highest_modseq);
}

/* Switches one extension on; false when unknown or already on. */
static bool imap_enable_one(struct imap_session *s, const char *name)
{
	bool *flag = NULL;

	if (strcasecmp(name, "CONDSTORE") == 0)
		flag = &s->condstore;
	else if (strcasecmp(name, "QRESYNC") == 0)
		flag = &s->qresync;
	else if (strcasecmp(name, "UTF8=ACCEPT") == 0)
		flag = &s->utf8_accept;
	else if (strcasecmp(name, "IMAP4rev2") == 0)
		flag = &s->rev2;
	if (flag == NULL || *flag)
		return false;
	if (flag == &s->condstore || flag == &s->qresync)
		imap_session_condstore(s);
	*flag = true;
	return true;
}

void imap_cmd_enable(struct imap_session *s, struct imap_cmd *cmd)
{
	struct evbuffer *out = net_conn_output(s->conn);

	if (cmd->count == 0) {
		imap_cmd_bad(s, "ENABLE needs capability names");
		return;
	}
	for (size_t i = 0; i < cmd->count; i++) {
		if (cmd->args[i].type != IMAP_ARG_ATOM) {
			imap_cmd_bad(s, "ENABLE takes capability names");
			return;
		}
	}
	evbuffer_add_printf(out, "* ENABLED");
	for (size_t i = 0; i < cmd->count; i++) {
		if (imap_enable_one(s, cmd->args[i].str))
			evbuffer_add_printf(out, " %s", cmd->args[i].str);
	}
	evbuffer_add_printf(out, "\r\n");
	imap_cmd_done(s, "OK", "ENABLE completed");
}

static bool imap_id_valid(const struct imap_arg *arg)
{
	if (imap_arg_is_nil(arg))
		return true;
	if (arg->type != IMAP_ARG_LIST || arg->count % 2 != 0 ||
	    arg->count > 2 * IMAP_ID_MAX_PAIRS)
		return false;
	for (size_t i = 0; i < arg->count; i++) {
		const struct imap_arg *item = &arg->list[i];

		if (item->type == IMAP_ARG_LIST ||
		    (item->type == IMAP_ARG_ATOM && !imap_arg_is_nil(item)))
			return false;
	}
	return true;
}

/* The client's name and version, for the log. */
static void imap_id_log(struct imap_session *s, const struct imap_arg *arg)
{
	const char *name = NULL, *version = NULL;

	for (size_t i = 0; arg->type == IMAP_ARG_LIST && i + 1 < arg->count; i += 2) {
		const char *key = imap_arg_astring(&arg->list[i]);
		const char *value = imap_arg_is_nil(&arg->list[i + 1]) ? NULL :
			imap_arg_astring(&arg->list[i + 1]);

		if (key != NULL && strcasecmp(key, "name") == 0)
			name = value;
		else if (key != NULL && strcasecmp(key, "version") == 0)
			version = value;
	}
	log_debug("imap.id", "ip=%s name=%s version=%s", log_q(net_conn_peer_ip(s->conn)),
		  log_q(name != NULL ? name : ""), log_q(version != NULL ? version : ""));
}

void imap_cmd_id(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 1 || !imap_id_valid(&cmd->args[0])) {
		imap_cmd_bad(s, "ID takes NIL or a list of field and value pairs");
		return;
	}
	imap_id_log(s, &cmd->args[0]);
	imap_write_untagged(s, "ID (\"name\" \"Tern\")");
	imap_cmd_done(s, "OK", "ID completed");
}

void imap_cmd_compress(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *error;

	if (cmd->count != 1 || !imap_arg_atom_is(&cmd->args[0], "DEFLATE")) {
		imap_cmd_bad(s, "COMPRESS supports DEFLATE only");
		return;
	}
	if (net_conn_is_compressed(s->conn)) {
		imap_cmd_done(s, "NO", "[COMPRESSIONACTIVE] DEFLATE is already on");
		return;
	}
	imap_cmd_done(s, "OK", "DEFLATE active");
	if (net_conn_compress(s->conn, &error) < 0) {
		log_warn("imap.compress", "ip=%s error=%s", log_q(net_conn_peer_ip(s->conn)),
			 log_q(error));
		imap_session_set_state(s, IMAP_STATE_LOGOUT);
		net_conn_close(s->conn);
	}
}
