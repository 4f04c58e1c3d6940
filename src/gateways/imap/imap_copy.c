/* COPY, UID COPY, MOVE and UID MOVE (RFC 9051 §6.4.7-8, RFC 6851, RFC
 * 4315 COPYUID): a batch at a time, one Email/get of the messages'
 * mailboxes, then Email/set mailboxIds patches (MOVE: add the target and
 * leave the source in one patch); COPY of a message already in the
 * target imports its blob as a new email. The new UIDs come from
 * imapUids. MOVE then reports [COPYUID] untagged and the expunges
 * before its tagged OK. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

struct copy_req {
	bool move;
	char *target;			/* JMAP Mailbox id */
	size_t *indexes;
	size_t count;
	struct imap_numlist src, dst;	/* COPYUID's pairs */
	bool over_quota;
};

/* What one batch does, message by message. */
struct copy_batch {
	json_object *update;		/* Email/set update */
	json_object *import;		/* Email/import emails */
	uint32_t *src_uid;		/* per result, in order */
	char **result;			/* Email id, or "#<key>" for an import */
	size_t count;
};

static void copy_batch_free(struct copy_batch *b)
{
	json_object_put(b->update);
	json_object_put(b->import);
	for (size_t i = 0; i < b->count; i++)
		free(b->result[i]);
	free(b->result);
	free(b->src_uid);
}

/* "mailboxIds/<target>": true, and for MOVE "mailboxIds/<source>": null. */
static json_object *copy_patch(const struct imap_session *s, const struct copy_req *req)
{
	json_object *patch = json_object_new_object();
	char *key = xasprintf("mailboxIds/%s", req->target);

	json_object_object_add(patch, key, json_object_new_boolean(true));
	free(key);
	if (req->move) {
		key = xasprintf("mailboxIds/%s", s->view->mailbox_id);
		json_object_object_add(patch, key, NULL);
		free(key);
	}
	return patch;
}

/* An EmailImport of email's blob into the target, keywords and date kept. */
static json_object *copy_import_item(const struct copy_req *req, json_object *email)
{
	static const char *const kept[] = { "blobId", "keywords", "receivedAt" };
	json_object *item = json_object_new_object(), *mailboxes = json_object_new_object();

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		json_object_object_add(item, kept[i],
				       json_object_get(json_object_object_get(email, kept[i])));
	json_object_object_add(mailboxes, req->target, json_object_new_boolean(true));
	json_object_object_add(item, "mailboxIds", mailboxes);
	return item;
}

static void copy_batch_plan(const struct imap_session *s, const struct copy_req *req,
			    const struct imap_msg *msg, json_object *email, struct copy_batch *b)
{
	const char *id = imap_view_email_id(s->view, msg);
	json_object *mailboxes = json_object_object_get(email, "mailboxIds");
	char *key;

	b->src_uid[b->count] = msg->uid;
	if (req->move || !json_object_object_get_ex(mailboxes, req->target, NULL)) {
		json_object_object_add(b->update, id, copy_patch(s, req));
		b->result[b->count++] = xstrdup(id);
		return;
	}
	/* a second copy in the same mailbox is a new email */
	key = xasprintf("c%zu", b->count);
	json_object_object_add(b->import, key, copy_import_item(req, email));
	b->result[b->count++] = xasprintf("#%s", key);
	free(key);
}

static json_object *copy_source_properties(void)
{
	static const char *const props[] = { "mailboxIds", "blobId", "keywords", "receivedAt" };
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		json_object_array_add(array, json_object_new_string(props[i]));
	return array;
}

/* Reads the batch's messages and plans each one. */
static int copy_batch_read(struct imap_session *s, const struct copy_req *req, const size_t *batch,
			   size_t n, struct copy_batch *b, char **error_type_r)
{
	json_object *map = imap_msgcmd_get(s, imap_msgcmd_ids(s->view, batch, n),
					   copy_source_properties(), error_type_r);

	if (map == NULL)
		return -1;
	b->update = json_object_new_object();
	b->import = json_object_new_object();
	b->src_uid = xmalloc(n * sizeof(*b->src_uid));
	b->result = xcalloc(n, sizeof(*b->result));
	for (size_t i = 0; i < n; i++) {
		const struct imap_msg *msg = &s->view->msgs[batch[i]];
		json_object *email = json_object_object_get(map, imap_view_email_id(s->view, msg));

		/* gone from the mailbox since the client looked */
		if (email != NULL)
			copy_batch_plan(s, req, msg, email, b);
	}
	json_object_put(map);
	return 0;
}

/* The Email/set of the batch; a result whose update failed is dropped. */
static int copy_batch_update(struct imap_session *s, struct copy_req *req, struct copy_batch *b,
			     bool *failed_r, char **error_type_r)
{
	json_object *args, *resp;
	const char *error;

	if (json_object_object_length(b->update) == 0)
		return 0;
	args = json_object_new_object();
	json_object_object_add(args, "update", json_object_get(b->update));
	if ((resp = imap_jmap_call(s, "Email/set", args, error_type_r)) == NULL)
		return -1;
	for (size_t i = 0; i < b->count; i++) {
		if (b->result[i] == NULL || b->result[i][0] == '#' ||
		    (error = imap_jmap_set_error(resp, "updated", b->result[i])) == NULL)
			continue;
		log_warn("imap.copy_failed", "email=%s error=%s", log_q(b->result[i]), log_q(error));
		req->over_quota |= strcmp(error, "overQuota") == 0;
		*failed_r = true;
		free(b->result[i]);
		b->result[i] = NULL;
	}
	json_object_put(resp);
	return 0;
}

/* The Email/import of the batch: "#key" results become the new ids. */
static int copy_batch_import(struct imap_session *s, struct copy_req *req, struct copy_batch *b,
			     bool *failed_r, char **error_type_r)
{
	json_object *args, *resp, *created;
	const char *error, *id;

	if (json_object_object_length(b->import) == 0)
		return 0;
	args = json_object_new_object();
	json_object_object_add(args, "emails", json_object_get(b->import));
	if ((resp = imap_jmap_call(s, "Email/import", args, error_type_r)) == NULL)
		return -1;
	created = json_object_object_get(resp, "created");
	for (size_t i = 0; i < b->count; i++) {
		const char *key = b->result[i] != NULL && b->result[i][0] == '#' ? b->result[i] + 1 : NULL;

		if (key == NULL)
			continue;
		id = json_object_get_string(json_object_object_get(
			json_object_object_get(created, key), "id"));
		error = id == NULL ? imap_jmap_set_error(resp, "created", key) : NULL;
		if (id == NULL) {
			log_warn("imap.copy_failed", "error=%s", log_q(error != NULL ? error : "?"));
			req->over_quota |= error != NULL && strcmp(error, "overQuota") == 0;
			*failed_r = true;
		}
		free(b->result[i]);
		b->result[i] = id != NULL ? xstrdup(id) : NULL;
	}
	json_object_put(resp);
	return 0;
}

/* COPYUID pairs: the target UIDs of the batch's results. */
static int copy_batch_uids(struct imap_session *s, struct copy_req *req, struct copy_batch *b,
			   char **error_type_r)
{
	json_object *ids = json_object_new_array(), *props = json_object_new_array(), *map;

	for (size_t i = 0; i < b->count; i++) {
		if (b->result[i] != NULL)
			json_object_array_add(ids, json_object_new_string(b->result[i]));
	}
	if (json_object_array_length(ids) == 0) {
		json_object_put(ids);
		json_object_put(props);
		return 0;
	}
	json_object_array_add(props, json_object_new_string("imapUids"));
	if ((map = imap_msgcmd_get(s, ids, props, error_type_r)) == NULL)
		return -1;
	for (size_t i = 0; i < b->count; i++) {
		uint32_t uid = b->result[i] != NULL ?
			       imap_msgcmd_email_uid(json_object_object_get(map, b->result[i]),
						     req->target) : 0;

		if (uid != 0) {
			imap_numlist_add(&req->src, b->src_uid[i]);
			imap_numlist_add(&req->dst, uid);
		}
	}
	json_object_put(map);
	return 0;
}

static int copy_run(struct imap_session *s, struct copy_req *req, bool *failed_r,
		    char **error_type_r)
{
	for (size_t start = 0; start < req->count; start += IMAP_JMAP_BATCH) {
		size_t n = req->count - start < IMAP_JMAP_BATCH ? req->count - start : IMAP_JMAP_BATCH;
		struct copy_batch b = { 0 };
		int ret;

		ret = copy_batch_read(s, req, req->indexes + start, n, &b, error_type_r);
		if (ret == 0)
			ret = copy_batch_update(s, req, &b, failed_r, error_type_r);
		if (ret == 0)
			ret = copy_batch_import(s, req, &b, failed_r, error_type_r);
		if (ret == 0)
			ret = copy_batch_uids(s, req, &b, error_type_r);
		copy_batch_free(&b);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static void copy_answer(struct imap_session *s, struct copy_req *req, bool failed)
{
	const char *done = req->move ? "Move completed" : "Copy completed";
	uint32_t uid_validity = 0;
	char *error_type = NULL, *src, *dst;

	if (failed) {
		imap_cmd_done(s, "NO", req->over_quota ? "[OVERQUOTA] Quota exceeded" :
			      "[SERVERBUG] Some messages could not be copied");
		return;
	}
	if (req->src.count == 0) {
		imap_cmd_done(s, "OK", "%s", done);
		return;
	}
	if (imap_msgcmd_uid_validity(s, req->target, &uid_validity, &error_type) < 0) {
		imap_msgcmd_fail(s, req->move ? "MOVE" : "COPY", error_type);
		return;
	}
	src = imap_numlist_string(&req->src);
	dst = imap_numlist_string(&req->dst);
	if (!req->move) {
		imap_cmd_done(s, "OK", "[COPYUID %u %s %s] %s", uid_validity, src, dst, done);
	} else {
		imap_write_untagged(s, "OK [COPYUID %u %s %s] Moved", uid_validity, src, dst);
		if (imap_view_sync(s, IMAP_SYNC_EXPUNGE, NULL) < 0)
			imap_cmd_done(s, "NO", "The mailbox was deleted");
		else
			imap_cmd_done(s, "OK", "%s", done);
	}
	free(src);
	free(dst);
}

/* Checks the arguments and finds the target: 0, or -1 after answering. */
static int copy_prepare(struct imap_session *s, struct imap_cmd *cmd, struct copy_req *req)
{
	const char *name = cmd->count == 2 ? imap_arg_astring(&cmd->args[1]) : NULL;
	char *decoded;
	int ret;

	if (name == NULL || cmd->args[0].type != IMAP_ARG_ATOM) {
		imap_cmd_bad(s, "Invalid arguments");
		return -1;
	}
	if ((decoded = imap_mailbox_name_decode(s, name)) == NULL) {
		imap_cmd_bad(s, "Invalid mailbox name");
		return -1;
	}
	ret = imap_mailbox_lookup(s, decoded, &req->target);
	free(decoded);
	if (ret <= 0) {
		imap_cmd_done(s, "NO", ret == 0 ? "[TRYCREATE] The mailbox does not exist" :
			      "[SERVERBUG] Internal error");
		return -1;
	}
	if (imap_view_lookup(s->view, cmd->args[0].str, cmd->uid, &req->indexes, &req->count) < 0) {
		imap_cmd_bad(s, "Invalid message set");
		return -1;
	}
	if (req->move && s->view->readonly) {
		imap_cmd_done(s, "NO", "The mailbox is read-only");
		return -1;
	}
	if (req->move && strcmp(req->target, s->view->mailbox_id) == 0) {
		imap_cmd_done(s, "NO", "[CANNOT] Source and destination are the same mailbox");
		return -1;
	}
	return 0;
}

static void copy_command(struct imap_session *s, struct imap_cmd *cmd, bool move)
{
	struct copy_req req = { .move = move };
	char *error_type = NULL;
	bool failed = false;

	if (copy_prepare(s, cmd, &req) == 0) {
		if (copy_run(s, &req, &failed, &error_type) < 0)
			imap_msgcmd_fail(s, move ? "MOVE" : "COPY", error_type);
		else
			copy_answer(s, &req, failed);
	}
	free(req.target);
	free(req.indexes);
	imap_numlist_free(&req.src);
	imap_numlist_free(&req.dst);
}

void imap_cmd_copy(struct imap_session *s, struct imap_cmd *cmd)
{
	copy_command(s, cmd, false);
}

void imap_cmd_move(struct imap_session *s, struct imap_cmd *cmd)
{
	copy_command(s, cmd, true);
}
