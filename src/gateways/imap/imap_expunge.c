/* EXPUNGE, UID EXPUNGE (RFC 4315) and the expunge CLOSE does: the
 * mailbox's messages with $deleted, as the store has them now (one
 * Email/query), optionally only those of a UID set; each is destroyed
 * when this mailbox is its only one, else taken out of it
 * ("mailboxIds/<id>": null). The EXPUNGE or VANISHED responses come from
 * the view sync that follows. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

/* The \Deleted emails of the selected mailbox (restricted to uids). */
static json_object *expunge_find(struct imap_session *s, const struct imap_seqset *uids,
				 char **error_type_r)
{
	json_object *filter = json_object_new_object(), *ids, *kept;
	struct imap_id_index index;

	json_object_object_add(filter, "inMailbox", json_object_new_string(s->view->mailbox_id));
	json_object_object_add(filter, "hasKeyword", json_object_new_string("$deleted"));
	if ((ids = imap_msgcmd_query(s, filter, error_type_r)) == NULL || uids == NULL)
		return ids;
	/* a UID set names what the client knows: messages in the view */
	kept = json_object_new_array();
	imap_id_index_init(&index, s->view);
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		json_object *id = json_object_array_get_idx(ids, i);
		ssize_t idx = imap_id_index_find(&index, json_object_get_string(id));

		if (idx >= 0 && imap_seqset_contains(uids, s->view->msgs[idx].uid))
			json_object_array_add(kept, json_object_get(id));
	}
	imap_id_index_free(&index);
	json_object_put(ids);
	return kept;
}

/* The Email/set arguments for the emails of map: destroyed when this
 * is their only mailbox, else taken out of it. */
static json_object *expunge_plan(const struct imap_session *s, json_object *map)
{
	json_object *destroy = json_object_new_array(), *update = json_object_new_object(), *args;
	char *path = xasprintf("mailboxIds/%s", s->view->mailbox_id);

	json_object_object_foreach(map, id, email) {
		json_object *mailboxes = json_object_object_get(email, "mailboxIds"), *patch;

		if (!json_object_is_type(mailboxes, json_type_object) ||
		    json_object_object_length(mailboxes) <= 1) {
			json_object_array_add(destroy, json_object_new_string(id));
			continue;
		}
		patch = json_object_new_object();
		json_object_object_add(patch, path, NULL);
		json_object_object_add(update, id, patch);
	}
	free(path);
	args = json_object_new_object();
	json_object_object_add(args, "destroy", destroy);
	json_object_object_add(args, "update", update);
	return args;
}

/* Expunges ids[start..start+n). */
static int expunge_batch(struct imap_session *s, json_object *ids, size_t start, size_t n,
			 char **error_type_r)
{
	json_object *batch = json_object_new_array(), *props = json_object_new_array(), *map, *resp;

	for (size_t i = start; i < start + n; i++)
		json_object_array_add(batch, json_object_get(json_object_array_get_idx(ids, i)));
	json_object_array_add(props, json_object_new_string("mailboxIds"));
	if ((map = imap_msgcmd_get(s, batch, props, error_type_r)) == NULL)
		return -1;
	resp = imap_jmap_call(s, "Email/set", expunge_plan(s, map), error_type_r);
	json_object_put(map);
	if (resp == NULL)
		return -1;
	json_object_put(resp);
	return 0;
}

int imap_expunge_deleted(struct imap_session *s, const struct imap_seqset *uids, bool silent,
			 const char **error_r)
{
	char *error_type = NULL;
	json_object *ids = expunge_find(s, uids, &error_type);
	size_t count = ids != NULL ? json_object_array_length(ids) : 0;
	int ret = ids != NULL ? 0 : -1;

	for (size_t start = 0; start < count && ret == 0; start += IMAP_JMAP_BATCH) {
		size_t n = count - start < IMAP_JMAP_BATCH ? count - start : IMAP_JMAP_BATCH;

		ret = expunge_batch(s, ids, start, n, &error_type);
	}
	json_object_put(ids);
	if (ret < 0) {
		log_warn("imap.expunge_failed", "error=%s", log_q(error_type != NULL ? error_type : "?"));
		*error_r = error_type != NULL && strcmp(error_type, "serverUnavailable") == 0 ?
			   "[UNAVAILABLE] The account is busy, try again" : "[SERVERBUG] Internal error";
		free(error_type);
		return -1;
	}
	if (!silent && imap_view_sync(s, IMAP_SYNC_EXPUNGE, NULL) < 0) {
		*error_r = "The mailbox was deleted";
		return -1;
	}
	return 0;
}

void imap_cmd_expunge(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_seqset uids;
	const char *error;
	int ret;

	if (cmd->uid ? cmd->count != 1 || cmd->args[0].type != IMAP_ARG_ATOM : cmd->count != 0) {
		imap_cmd_bad(s, "Invalid arguments");
		return;
	}
	if (cmd->uid && imap_view_parse_uids(s->view, cmd->args[0].str,
					     s->view->count > 0 ?
					     s->view->msgs[s->view->count - 1].uid : 0, &uids) < 0) {
		imap_cmd_bad(s, "Invalid UID set");
		return;
	}
	error = "The mailbox is read-only";
	ret = s->view->readonly ? -1 : imap_expunge_deleted(s, cmd->uid ? &uids : NULL, false, &error);
	if (cmd->uid)
		imap_seqset_free(&uids);
	if (ret < 0)
		imap_cmd_done(s, "NO", "%s", error);
	else
		imap_cmd_done(s, "OK", "Expunge completed");
}
