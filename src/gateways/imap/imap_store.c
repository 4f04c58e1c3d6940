/* STORE and UID STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3): FLAGS, +FLAGS,
 * -FLAGS and their .SILENT forms become Email/set keyword updates (whole
 * "keywords" or "keywords/<k>" patch paths), a batch at a time. With
 * UNCHANGEDSINCE the messages' current MODSEQs are read first and the
 * newer ones are left alone and listed in [MODIFIED]. Then the view is
 * synced with the stored messages kept silent, and each of them is
 * answered with one FETCH (FLAGS unless .SILENT; UID and MODSEQ as
 * CONDSTORE and QRESYNC want). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

/* Flags in one STORE. */
#define STORE_MAX_FLAGS 100

enum store_op { STORE_REPLACE, STORE_ADD, STORE_REMOVE };

struct store_req {
	enum store_op op;
	bool silent;
	bool unchangedsince_set;
	uint64_t unchangedsince;
	char *keywords[STORE_MAX_FLAGS];
	size_t keyword_count;
	size_t *indexes;	/* the messages to change */
	size_t count;
	struct imap_numlist modified;	/* failed UNCHANGEDSINCE (numbers as addressed) */
	struct imap_numlist stored;	/* UIDs changed, ascending */
};

static void store_req_free(struct store_req *req)
{
	for (size_t i = 0; i < req->keyword_count; i++)
		free(req->keywords[i]);
	free(req->indexes);
	imap_numlist_free(&req->modified);
	imap_numlist_free(&req->stored);
}

/* ---- arguments ---- */

static int store_op_parse(const char *name, struct store_req *req)
{
	size_t len = strlen(name);

	req->op = name[0] == '+' ? STORE_ADD : name[0] == '-' ? STORE_REMOVE : STORE_REPLACE;
	if (req->op != STORE_REPLACE) {
		name++;
		len--;
	}
	req->silent = len == 12 && strcasecmp(name + 5, ".SILENT") == 0;
	if (!(len == 5 || req->silent) || strncasecmp(name, "FLAGS", 5) != 0)
		return -1;
	return 0;
}

static int store_flag_add(struct store_req *req, const struct imap_arg *arg)
{
	char *keyword;

	if (arg->type != IMAP_ARG_ATOM)
		return -1;
	/* \Recent is the server's to set */
	if (strcasecmp(arg->str, "\\Recent") == 0)
		return 0;
	if ((keyword = imap_flag_to_keyword(arg->str)) == NULL)
		return -1;
	for (size_t i = 0; i < req->keyword_count; i++) {
		if (strcmp(req->keywords[i], keyword) == 0) {
			free(keyword);
			return 0;
		}
	}
	if (req->keyword_count == STORE_MAX_FLAGS) {
		free(keyword);
		return -1;
	}
	req->keywords[req->keyword_count++] = keyword;
	return 0;
}

/* (UNCHANGEDSINCE n) */
static int store_modifiers_parse(const struct imap_arg *list, struct store_req *req)
{
	const char *value;
	char *end;

	if (list->count != 2 || !imap_arg_atom_is(&list->list[0], "UNCHANGEDSINCE") ||
	    list->list[1].type != IMAP_ARG_ATOM)
		return -1;
	value = list->list[1].str;
	if (*value < '0' || *value > '9' || strlen(value) > 19)
		return -1;
	req->unchangedsince = strtoull(value, &end, 10);
	if (*end != '\0' || req->unchangedsince > INT64_MAX)
		return -1;
	req->unchangedsince_set = true;
	return 0;
}

static int store_args_parse(const struct imap_cmd *cmd, struct store_req *req)
{
	size_t pos = 1;
	const struct imap_arg *flags;

	if (cmd->count < 3 || cmd->args[0].type != IMAP_ARG_ATOM)
		return -1;
	if (cmd->args[1].type == IMAP_ARG_LIST) {
		if (store_modifiers_parse(&cmd->args[1], req) < 0)
			return -1;
		pos = 2;
	}
	if (pos + 1 >= cmd->count || cmd->args[pos].type != IMAP_ARG_ATOM ||
	    store_op_parse(cmd->args[pos].str, req) < 0)
		return -1;
	flags = &cmd->args[pos + 1];
	if (flags->type == IMAP_ARG_LIST) {
		/* imapflow puts (UNCHANGEDSINCE n) after the flag list; the
		 * order is unambiguous there, so take it as Dovecot would not
		 * but a client needs */
		if (pos == 1 && pos + 3 == cmd->count &&
		    cmd->args[pos + 2].type == IMAP_ARG_LIST) {
			if (store_modifiers_parse(&cmd->args[pos + 2], req) < 0)
				return -1;
		} else if (pos + 2 != cmd->count) {
			return -1;
		}
		for (size_t i = 0; i < flags->count; i++) {
			if (store_flag_add(req, &flags->list[i]) < 0)
				return -1;
		}
		return 0;
	}
	for (size_t i = pos + 1; i < cmd->count; i++) {
		if (store_flag_add(req, &cmd->args[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- the change ---- */

/* "keywords/<k>" with k as a JSON Pointer token (RFC 6901). */
static char *store_keyword_path(const char *keyword)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, "keywords/");
	for (const char *c = keyword; *c != '\0'; c++) {
		if (*c == '~')
			strbuf_puts(&b, "~0");
		else if (*c == '/')
			strbuf_puts(&b, "~1");
		else
			strbuf_putc(&b, *c);
	}
	return strbuf_steal(&b);
}

static json_object *store_patch(const struct store_req *req)
{
	json_object *patch = json_object_new_object(), *all;

	if (req->op == STORE_REPLACE) {
		all = json_object_new_object();
		for (size_t i = 0; i < req->keyword_count; i++)
			json_object_object_add(all, req->keywords[i], json_object_new_boolean(true));
		json_object_object_add(patch, "keywords", all);
		return patch;
	}
	for (size_t i = 0; i < req->keyword_count; i++) {
		char *path = store_keyword_path(req->keywords[i]);

		json_object_object_add(patch, path, req->op == STORE_ADD ?
				       json_object_new_boolean(true) : NULL);
		free(path);
	}
	return patch;
}

/* UNCHANGEDSINCE: keeps the messages whose MODSEQ is not newer, lists
 * the others in req->modified. */
static int store_check_modseq(struct imap_session *s, bool uid, struct store_req *req,
			      char **error_type_r)
{
	const struct imap_view *view = s->view;
	size_t kept = 0;

	for (size_t start = 0; start < req->count; start += IMAP_JMAP_BATCH) {
		size_t n = req->count - start < IMAP_JMAP_BATCH ? req->count - start : IMAP_JMAP_BATCH;
		json_object *props = json_object_new_array(), *map;

		json_object_array_add(props, json_object_new_string("imapModSeq"));
		map = imap_msgcmd_get(s, imap_msgcmd_ids(view, req->indexes + start, n), props,
				      error_type_r);
		if (map == NULL)
			return -1;
		for (size_t i = start; i < start + n; i++) {
			size_t index = req->indexes[i];
			json_object *email = json_object_object_get(map,
				imap_view_email_id(view, &view->msgs[index]));
			int64_t modseq = json_object_get_int64(json_object_object_get(email, "imapModSeq"));

			if (email == NULL)
				continue;
			if ((uint64_t)modseq > req->unchangedsince)
				imap_numlist_add(&req->modified, uid ? view->msgs[index].uid :
						 (uint32_t)(index + 1));
			else
				req->indexes[kept++] = index;
		}
		json_object_put(map);
	}
	req->count = kept;
	return 0;
}

static int store_apply_batch(struct imap_session *s, struct store_req *req, const size_t *batch,
			     size_t n, json_object *patch, char **error_type_r)
{
	json_object *update = json_object_new_object(), *args = json_object_new_object(), *resp;

	for (size_t i = 0; i < n; i++)
		json_object_object_add(update, imap_view_email_id(s->view, &s->view->msgs[batch[i]]),
				       json_object_get(patch));
	json_object_object_add(args, "update", update);
	if ((resp = imap_jmap_call(s, "Email/set", args, error_type_r)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct imap_msg *msg = &s->view->msgs[batch[i]];

		if (imap_jmap_set_error(resp, "updated", imap_view_email_id(s->view, msg)) == NULL)
			imap_numlist_add(&req->stored, msg->uid);
	}
	json_object_put(resp);
	return 0;
}

static int store_apply(struct imap_session *s, struct store_req *req, char **error_type_r)
{
	json_object *patch = store_patch(req);
	int ret = 0;

	for (size_t start = 0; start < req->count && ret == 0; start += IMAP_JMAP_BATCH) {
		size_t n = req->count - start < IMAP_JMAP_BATCH ? req->count - start : IMAP_JMAP_BATCH;

		ret = store_apply_batch(s, req, req->indexes + start, n, patch, error_type_r);
	}
	json_object_put(patch);
	return ret;
}

/* ---- the answer ---- */

static void store_write_fetch(struct imap_session *s, bool uid, const struct store_req *req,
			      size_t index)
{
	struct evbuffer *out = net_conn_output(s->conn);
	const struct imap_msg *msg = &s->view->msgs[index];
	const char *sep = "";

	evbuffer_add_printf(out, "* %zu FETCH (", index + 1);
	if (uid || s->qresync) {
		evbuffer_add_printf(out, "UID %u", msg->uid);
		sep = " ";
	}
	if (!req->silent) {
		evbuffer_add_printf(out, "%sFLAGS ", sep);
		imap_write_flags(out, s->view, msg);
		sep = " ";
	}
	if (s->condstore)
		evbuffer_add_printf(out, "%sMODSEQ (%llu)", sep, (unsigned long long)msg->modseq);
	evbuffer_add(out, ")\r\n", 3);
}

static void store_answer(struct imap_session *s, bool uid, struct store_req *req)
{
	struct imap_seqset silent;
	char *modified;
	int ret;

	imap_numlist_seqset(&req->stored, &silent);
	ret = imap_view_sync(s, 0, &silent);
	imap_seqset_free(&silent);
	if (ret < 0) {
		imap_cmd_done(s, "NO", "The mailbox was deleted");
		return;
	}
	/* RFC 7162 §3.1.3: MODSEQ goes out even with .SILENT */
	for (size_t i = 0; i < req->stored.count && (!req->silent || s->condstore); i++) {
		ssize_t index = imap_view_find_uid(s->view, req->stored.nums[i]);

		if (index >= 0)
			store_write_fetch(s, uid, req, (size_t)index);
	}
	if (req->modified.count == 0) {
		imap_cmd_done(s, "OK", "Store completed");
		return;
	}
	modified = imap_numlist_string(&req->modified);
	imap_cmd_done(s, "OK", "[MODIFIED %s] Conditional STORE failed", modified);
	free(modified);
}

void imap_cmd_store(struct imap_session *s, struct imap_cmd *cmd)
{
	struct store_req req = { 0 };
	char *error_type = NULL;
	bool uid = cmd->uid;

	if (store_args_parse(cmd, &req) < 0) {
		imap_cmd_bad(s, "Invalid STORE arguments");
	} else if (imap_view_lookup(s->view, cmd->args[0].str, uid, &req.indexes, &req.count) < 0) {
		imap_cmd_bad(s, "Invalid message set");
	} else if (s->view->readonly) {
		imap_cmd_done(s, "NO", "The mailbox is read-only");
	} else {
		if (req.unchangedsince_set)
			imap_msgcmd_condstore_enable(s);
		if ((req.unchangedsince_set && store_check_modseq(s, uid, &req, &error_type) < 0) ||
		    store_apply(s, &req, &error_type) < 0)
			imap_msgcmd_fail(s, "STORE", error_type);
		else
			store_answer(s, uid, &req);
	}
	store_req_free(&req);
}
