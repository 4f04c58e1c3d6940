/* QUOTA (RFC 9208): the account's one storage quota, from JMAP
 * Quota/get, as the root "" in units of 1024 octets. Quotas are the
 * administrator's: SETQUOTA is refused. */
#include <stdlib.h>
#include <string.h>

#include "gateways/imap/imap_session.h"

/* The account's octets quota: 1 with used/limit, 0 if none, -1. */
static int imap_quota_get(struct imap_session *s, uint64_t *used_r, uint64_t *limit_r,
			  char **error_type_r)
{
	json_object *args = json_object_new_object(), *resp, *list = NULL, *value;
	int ret = 0;

	json_object_object_add(args, "ids", NULL);
	if ((resp = imap_jmap_call(s, "Quota/get", args, error_type_r)) == NULL)
		return -1;
	json_object_object_get_ex(resp, "list", &list);
	for (size_t i = 0; i < imap_json_array_len(list) && ret == 0; i++) {
		json_object *q = json_object_array_get_idx(list, i);

		if (!json_object_object_get_ex(q, "resourceType", &value) ||
		    strcmp(json_object_get_string(value), "octets") != 0)
			continue;
		json_object_object_get_ex(q, "used", &value);
		*used_r = (uint64_t)json_object_get_int64(value);
		json_object_object_get_ex(q, "hardLimit", &value);
		*limit_r = (uint64_t)json_object_get_int64(value);
		ret = 1;
	}
	json_object_put(resp);
	return ret;
}

static void imap_quota_write(struct imap_session *s, uint64_t used, uint64_t limit)
{
	imap_write_untagged(s, "QUOTA \"\" (STORAGE %llu %llu)",
			    (unsigned long long)((used + 1023) / 1024),
			    (unsigned long long)(limit / 1024));
}

void imap_cmd_getquota(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *root = cmd->count == 1 ? imap_arg_astring(&cmd->args[0]) : NULL;
	uint64_t used = 0, limit = 0;
	char *error_type;
	int ret;

	if (root == NULL) {
		imap_cmd_bad(s, "GETQUOTA needs a quota root");
		return;
	}
	if (root[0] != '\0') {
		imap_cmd_done(s, "NO", "[NONEXISTENT] No such quota root");
		return;
	}
	if ((ret = imap_quota_get(s, &used, &limit, &error_type)) < 0) {
		imap_cmd_fail(s, "GETQUOTA", error_type);
		return;
	}
	if (ret == 0) {
		imap_cmd_done(s, "NO", "[NONEXISTENT] No quota is set");
		return;
	}
	imap_quota_write(s, used, limit);
	imap_cmd_done(s, "OK", "GETQUOTA completed");
}

void imap_cmd_getquotaroot(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *name = cmd->count == 1 ? imap_arg_astring(&cmd->args[0]) : NULL;
	struct evbuffer *out = net_conn_output(s->conn);
	uint64_t used = 0, limit = 0;
	char *utf8, *id = NULL, *error_type;
	int ret;

	if (name == NULL) {
		imap_cmd_bad(s, "GETQUOTAROOT needs a mailbox name");
		return;
	}
	utf8 = imap_mailbox_name_decode(s, name);
	ret = utf8 != NULL ? imap_mailbox_lookup(s, utf8, &id) : 0;
	free(id);
	if (ret <= 0) {
		free(utf8);
		imap_cmd_done(s, "NO", ret < 0 ? "[SERVERBUG] Lookup failed" :
			      "[NONEXISTENT] No such mailbox");
		return;
	}
	if ((ret = imap_quota_get(s, &used, &limit, &error_type)) < 0) {
		free(utf8);
		imap_cmd_fail(s, "GETQUOTAROOT", error_type);
		return;
	}
	evbuffer_add_printf(out, "* QUOTAROOT ");
	imap_write_mailbox_name(s, out, utf8);
	evbuffer_add_printf(out, "%s\r\n", ret > 0 ? " \"\"" : "");
	if (ret > 0)
		imap_quota_write(s, used, limit);
	free(utf8);
	imap_cmd_done(s, "OK", "GETQUOTAROOT completed");
}

void imap_cmd_setquota(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 2 || imap_arg_astring(&cmd->args[0]) == NULL ||
	    cmd->args[1].type != IMAP_ARG_LIST) {
		imap_cmd_bad(s, "SETQUOTA needs a quota root and a list of limits");
		return;
	}
	imap_cmd_done(s, "NO", "[NOPERM] Quotas are set by the administrator");
}
