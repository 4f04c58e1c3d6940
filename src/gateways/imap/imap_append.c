/* APPEND (RFC 9051 §6.3.12), with MULTIAPPEND (RFC 3502), literal8
 * (RFC 3516), the UTF8 (...) form (RFC 6855) and APPENDUID (RFC 4315):
 * every message is checked first, then uploaded as a blob
 * (jmap_upload_*) and all are imported into the mailbox in one
 * Email/import with their keywords and internal dates. OK only once the
 * import answered: the messages are on disk. If one of several fails,
 * the others are destroyed again, so MULTIAPPEND is all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"
#include "jmap/jmap.h"

/* Messages in one MULTIAPPEND, flags on one message. */
#define APPEND_MAX_MESSAGES 100
#define APPEND_MAX_FLAGS 100

struct append_msg {
	json_object *keywords;
	time_t date;		/* 0: now */
	const char *data;	/* borrowed from the command's literal */
	size_t len;
	char *blob_id;
};

struct append_req {
	char *mailbox_id;
	struct append_msg msgs[APPEND_MAX_MESSAGES];
	size_t count;
	const char *no;		/* the NO text when refused */
};

static void append_req_free(struct append_req *req)
{
	for (size_t i = 0; i < req->count; i++) {
		json_object_put(req->msgs[i].keywords);
		free(req->msgs[i].blob_id);
	}
	free(req->mailbox_id);
}

/* ---- arguments ---- */

/* date-time: "dd-Mon-yyyy hh:mm:ss +zzzz", day possibly space-padded. */
static int append_date_parse(const char *text, time_t *t_r)
{
	char day[12];
	int hh, mm, ss, zone, used = 0;
	const char *p = text[0] == ' ' ? text + 1 : text;
	const char *space = strchr(p, ' ');
	time_t t;

	if (space == NULL || (size_t)(space - p) >= sizeof(day))
		return -1;
	memcpy(day, p, (size_t)(space - p));
	day[space - p] = '\0';
	if (imap_search_date_parse(day, &t) < 0 ||
	    sscanf(space, " %2d:%2d:%2d %5d%n", &hh, &mm, &ss, &zone, &used) != 4 ||
	    space[used] != '\0' || strlen(space) != 15 || (space[10] != '+' && space[10] != '-') ||
	    hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
		return -1;
	zone = zone < 0 ? -zone : zone;
	if (zone % 100 > 59 || zone / 100 > 23)
		return -1;
	t += hh * 3600 + mm * 60 + ss;
	t -= (space[10] == '-' ? -1 : 1) * ((zone / 100) * 3600 + (zone % 100) * 60);
	*t_r = t;
	return 0;
}

static int append_flags_parse(const struct imap_arg *list, struct append_msg *msg)
{
	msg->keywords = json_object_new_object();
	if (list->count > APPEND_MAX_FLAGS)
		return -1;
	for (size_t i = 0; i < list->count; i++) {
		const struct imap_arg *flag = &list->list[i];
		char *keyword;

		if (flag->type != IMAP_ARG_ATOM)
			return -1;
		if (strcasecmp(flag->str, "\\Recent") == 0)
			continue;
		if ((keyword = imap_flag_to_keyword(flag->str)) == NULL)
			return -1;
		json_object_object_add(msg->keywords, keyword, json_object_new_boolean(true));
		free(keyword);
	}
	return 0;
}

/* The message itself: a literal, or UTF8 (literal8) once UTF8=ACCEPT is
 * enabled. Returns the next position, or 0 on bad syntax. */
static size_t append_data_parse(const struct imap_session *s, const struct imap_cmd *cmd,
				size_t pos, struct append_msg *msg)
{
	const struct imap_arg *arg = &cmd->args[pos];

	if (arg->type == IMAP_ARG_ATOM && strcasecmp(arg->str, "UTF8") == 0) {
		if (!s->utf8_accept || pos + 1 >= cmd->count ||
		    cmd->args[pos + 1].type != IMAP_ARG_LIST || cmd->args[pos + 1].count != 1 ||
		    cmd->args[pos + 1].list[0].type != IMAP_ARG_LITERAL)
			return 0;
		arg = &cmd->args[pos + 1].list[0];
		pos++;
	} else if (arg->type != IMAP_ARG_LITERAL) {
		return 0;
	}
	msg->data = arg->str;
	msg->len = arg->len;
	return pos + 1;
}

/* [flags] [date-time] message; returns the next position or 0. */
static size_t append_msg_parse(const struct imap_session *s, const struct imap_cmd *cmd,
			       size_t pos, struct append_msg *msg)
{
	if (pos < cmd->count && cmd->args[pos].type == IMAP_ARG_LIST) {
		if (append_flags_parse(&cmd->args[pos], msg) < 0)
			return 0;
		pos++;
	}
	if (pos < cmd->count && cmd->args[pos].type == IMAP_ARG_STRING) {
		if (append_date_parse(cmd->args[pos].str, &msg->date) < 0)
			return 0;
		pos++;
	}
	return pos < cmd->count ? append_data_parse(s, cmd, pos, msg) : 0;
}

static int append_args_parse(const struct imap_session *s, const struct imap_cmd *cmd,
			     struct append_req *req)
{
	size_t pos = 1;

	if (cmd->count < 2 || imap_arg_astring(&cmd->args[0]) == NULL)
		return -1;
	while (pos < cmd->count) {
		if (req->count == APPEND_MAX_MESSAGES)
			return -1;
		pos = append_msg_parse(s, cmd, pos, &req->msgs[req->count++]);
		if (pos == 0)
			return -1;
	}
	return 0;
}

/* ---- storing ---- */

/* Uploads one message's bytes into msg->blob_id: 0, or -1 with req->no. */
static int append_upload(struct imap_session *s, struct append_req *req, struct append_msg *msg)
{
	struct jmap_upload *up;
	json_object *problem, *resp;
	int status;

	up = jmap_upload_begin(s->srv->jmap, &s->user, s->account_id, "message/rfc822", msg->len,
			       &status, &problem);
	if (up == NULL) {
		json_object_put(problem);
	} else {
		jmap_upload_write(up, msg->data, msg->len);
		resp = jmap_upload_finish(&up, &status);
		if (status == 201)
			msg->blob_id = xstrdup(json_object_get_string(json_object_object_get(resp,
											    "blobId")));
		json_object_put(resp);
	}
	if (msg->blob_id != NULL)
		return 0;
	log_warn("imap.append_upload", "user=%s status=%d", log_q(s->user.name), status);
	req->no = status == 413 ? "[TOOBIG] The message is too large" :
		  status == 400 ? "[LIMIT] Too many uploads at once" : "[SERVERBUG] Internal error";
	return -1;
}

static json_object *append_import_args(const struct append_req *req)
{
	json_object *emails = json_object_new_object(), *args = json_object_new_object();

	for (size_t i = 0; i < req->count; i++) {
		const struct append_msg *msg = &req->msgs[i];
		json_object *item = json_object_new_object(), *mailboxes = json_object_new_object();
		char key[24], date[21];

		json_object_object_add(item, "blobId", json_object_new_string(msg->blob_id));
		json_object_object_add(mailboxes, req->mailbox_id, json_object_new_boolean(true));
		json_object_object_add(item, "mailboxIds", mailboxes);
		if (msg->keywords != NULL)
			json_object_object_add(item, "keywords", json_object_get(msg->keywords));
		/* without a date-time the internal date is now (RFC 9051 §6.3.12),
		 * not JMAP's default of the last Received: field */
		time_format_utc(msg->date != 0 ? msg->date : time(NULL), date);
		json_object_object_add(item, "receivedAt", json_object_new_string(date));
		snprintf(key, sizeof(key), "m%zu", i);
		json_object_object_add(emails, key, item);
	}
	json_object_object_add(args, "emails", emails);
	return args;
}

static const char *append_set_error_text(const char *type)
{
	if (strcmp(type, "overQuota") == 0)
		return "[OVERQUOTA] Quota exceeded";
	if (strcmp(type, "tooLarge") == 0)
		return "[TOOBIG] The message is too large";
	if (strcmp(type, "notFound") == 0)
		return "[TRYCREATE] The mailbox does not exist";
	return "The message was refused";
}

/* Destroys what a partly failed MULTIAPPEND created. */
static void append_undo(struct imap_session *s, json_object *ids)
{
	json_object *args = json_object_new_object();
	char *error_type = NULL;

	json_object_object_add(args, "destroy", json_object_get(ids));
	json_object_put(imap_jmap_call(s, "Email/set", args, &error_type));
	if (error_type != NULL)
		log_warn("imap.append_undo", "error=%s", log_q(error_type));
	free(error_type);
}

/* Email/import of every message: the new ids in order (new array), or
 * NULL with req->no or *error_type_r set. */
static json_object *append_import(struct imap_session *s, struct append_req *req,
				  char **error_type_r)
{
	json_object *resp = imap_jmap_call(s, "Email/import", append_import_args(req), error_type_r);
	json_object *created, *ids;
	const char *error = NULL;

	if (resp == NULL)
		return NULL;
	created = json_object_object_get(resp, "created");
	ids = json_object_new_array();
	for (size_t i = 0; i < req->count; i++) {
		char key[24];
		const char *id;

		snprintf(key, sizeof(key), "m%zu", i);
		id = json_object_get_string(json_object_object_get(json_object_object_get(created, key),
								   "id"));
		if (id != NULL)
			json_object_array_add(ids, json_object_new_string(id));
		else if (error == NULL && (error = imap_jmap_set_error(resp, "created", key)) == NULL)
			error = "serverFail";
	}
	if (error != NULL) {
		log_warn("imap.append_refused", "error=%s", log_q(error));
		req->no = append_set_error_text(error);
		if (json_object_array_length(ids) > 0)
			append_undo(s, ids);
		json_object_put(ids);
		ids = NULL;
	}
	json_object_put(resp);
	return ids;
}

/* ---- the command ---- */

/* OK with [APPENDUID] when the new UIDs can be read (the messages are
 * stored either way). */
static void append_answer(struct imap_session *s, const struct append_req *req, json_object *ids)
{
	json_object *props = json_object_new_array(), *map;
	struct imap_numlist uids = { NULL, 0, 0 };
	uint32_t uid_validity = 0;
	char *error_type = NULL, *set;

	json_object_array_add(props, json_object_new_string("imapUids"));
	map = imap_msgcmd_get(s, json_object_get(ids), props, &error_type);
	for (size_t i = 0; map != NULL && i < json_object_array_length(ids); i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
		uint32_t uid = imap_msgcmd_email_uid(json_object_object_get(map, id), req->mailbox_id);

		if (uid != 0)
			imap_numlist_add(&uids, uid);
	}
	json_object_put(map);
	if (uids.count == req->count && error_type == NULL &&
	    imap_msgcmd_uid_validity(s, req->mailbox_id, &uid_validity, &error_type) == 0) {
		set = imap_numlist_string(&uids);
		imap_cmd_done(s, "OK", "[APPENDUID %u %s] Append completed", uid_validity, set);
		free(set);
	} else {
		imap_cmd_done(s, "OK", "Append completed");
	}
	free(error_type);
	imap_numlist_free(&uids);
}

/* Finds the mailbox: 0, or -1 after answering. */
static int append_mailbox(struct imap_session *s, const struct imap_cmd *cmd,
			  struct append_req *req)
{
	char *name = imap_mailbox_name_decode(s, imap_arg_astring(&cmd->args[0]));
	int ret;

	if (name == NULL) {
		imap_cmd_bad(s, "Invalid mailbox name");
		return -1;
	}
	ret = imap_mailbox_lookup(s, name, &req->mailbox_id);
	free(name);
	if (ret <= 0) {
		imap_cmd_done(s, "NO", ret == 0 ? "[TRYCREATE] The mailbox does not exist" :
			      "[SERVERBUG] Internal error");
		return -1;
	}
	return 0;
}

static void append_store(struct imap_session *s, struct append_req *req)
{
	char *error_type = NULL;
	json_object *ids;

	for (size_t i = 0; i < req->count; i++) {
		if (req->msgs[i].len == 0) {
			imap_cmd_done(s, "NO", "An empty message can't be appended");
			return;
		}
	}
	for (size_t i = 0; i < req->count; i++) {
		if (append_upload(s, req, &req->msgs[i]) < 0) {
			imap_cmd_done(s, "NO", "%s", req->no);
			return;
		}
	}
	if ((ids = append_import(s, req, &error_type)) == NULL) {
		if (req->no != NULL)
			imap_cmd_done(s, "NO", "%s", req->no);
		else
			imap_msgcmd_fail(s, "APPEND", error_type);
		return;
	}
	append_answer(s, req, ids);
	json_object_put(ids);
}

void imap_cmd_append(struct imap_session *s, struct imap_cmd *cmd)
{
	struct append_req req = { 0 };

	if (append_args_parse(s, cmd, &req) < 0)
		imap_cmd_bad(s, "Invalid APPEND arguments");
	else if (append_mailbox(s, cmd, &req) == 0)
		append_store(s, &req);
	append_req_free(&req);
}
