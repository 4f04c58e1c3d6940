/* Commands that change mailboxes: CREATE (missing parents included, and
 * USE for a special-use role, RFC 6154), DELETE, RENAME, SUBSCRIBE and
 * UNSUBSCRIBE; each one Mailbox/set call per mailbox touched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* Messages moved per call when INBOX is renamed. */
#define IMAP_RENAME_BATCH 250

/* A name a mailbox may get: components between "/" not empty. */
static bool imap_mailbox_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && name[0] != '/' && name[len - 1] != '/' && strstr(name, "//") == NULL;
}

/* The client's name argument, decoded; NULL after answering NO. */
static char *imap_mailbox_arg(struct imap_session *s, const struct imap_arg *arg)
{
	const char *text = imap_arg_astring(arg);
	char *name = text != NULL && strlen(text) == arg->len ? imap_mailbox_name_decode(s, text) :
		NULL;

	if (name == NULL)
		imap_cmd_done(s, "NO", "[CANNOT] Invalid mailbox name");
	return name;
}

/* The SetError of id lists prop among its invalid properties. */
static bool imap_set_error_names(json_object *resp, const char *verb, const char *id,
				 const char *prop)
{
	json_object *not = NULL, *error = NULL, *props = NULL;
	char key[24];

	snprintf(key, sizeof(key), "not%c%s", verb[0] - 'a' + 'A', verb + 1);
	json_object_object_get_ex(resp, key, &not);
	json_object_object_get_ex(not, id, &error);
	json_object_object_get_ex(error, "properties", &props);
	for (size_t i = 0; json_object_is_type(props, json_type_array) &&
	     i < json_object_array_length(props); i++) {
		const char *p = json_object_get_string(json_object_array_get_idx(props, i));

		if (p != NULL && strcmp(p, prop) == 0)
			return true;
	}
	return false;
}

/* Text for the NO answering a failed Mailbox/set. */
static const char *imap_mailbox_set_problem(json_object *resp, const char *verb, const char *id)
{
	const char *type = imap_jmap_set_error(resp, verb, id);

	if (type == NULL)
		return NULL;
	if (strcmp(type, "mailboxHasChild") == 0)
		return "[HASCHILDREN] The mailbox has children";
	if (strcmp(type, "invalidProperties") == 0 && imap_set_error_names(resp, verb, id, "role"))
		return "[USEATTR] Another mailbox has this special use";
	if (strcmp(type, "invalidProperties") == 0)
		return "[CANNOT] The mailbox cannot have this name or place";
	if (strcmp(type, "notFound") == 0)
		return "[NONEXISTENT] No such mailbox";
	return "[SERVERBUG] The change failed";
}

/* One Mailbox/set of verb ("create", "update", "destroy") with value.
 * Returns NULL, or the text of a NO; *created_id_r for a create. */
static const char *imap_mailbox_set(struct imap_session *s, const char *verb, const char *id,
				    json_object *value, bool remove_emails, char **created_id_r)
{
	json_object *args = json_object_new_object(), *what, *resp, *created, *obj, *new_id;
	const char *done = strcmp(verb, "create") == 0 ? "created" :
		strcmp(verb, "update") == 0 ? "updated" : "destroyed";
	const char *problem;
	char *error_type;

	if (value == NULL) {
		what = json_object_new_array();
		json_object_array_add(what, json_object_new_string(id));
	} else {
		what = json_object_new_object();
		json_object_object_add(what, id, value);
	}
	json_object_object_add(args, verb, what);
	if (remove_emails)
		json_object_object_add(args, "onDestroyRemoveEmails", json_object_new_boolean(1));
	if ((resp = imap_jmap_call(s, "Mailbox/set", args, &error_type)) == NULL) {
		log_warn("imap.mailbox.set", "user=%s error=%s", log_q(s->user.name),
			 log_q(error_type));
		free(error_type);
		return "[SERVERBUG] The change failed";
	}
	problem = imap_mailbox_set_problem(resp, done, id);
	if (problem == NULL && created_id_r != NULL &&
	    json_object_object_get_ex(resp, "created", &created) &&
	    json_object_object_get_ex(created, id, &obj) &&
	    json_object_object_get_ex(obj, "id", &new_id))
		*created_id_r = xstrdup(json_object_get_string(new_id));
	json_object_put(resp);
	return problem;
}

static const char *imap_mailbox_create_one(struct imap_session *s, const char *leaf,
					   const char *parent_id, const char *role, char **id_r)
{
	json_object *obj = json_object_new_object();

	*id_r = NULL;
	json_object_object_add(obj, "name", json_object_new_string(leaf));
	json_object_object_add(obj, "parentId",
			       parent_id != NULL ? json_object_new_string(parent_id) : NULL);
	if (role != NULL)
		json_object_object_add(obj, "role", json_object_new_string(role));
	return imap_mailbox_set(s, "create", "c", obj, false, id_r);
}

/* The mailbox at the first len octets of name, created when missing
 * (with its parents). *id_r: its id, NULL for the root (len 0). */
static const char *imap_mailbox_ensure(struct imap_session *s, const struct imap_mailboxes *list,
				const char *name, size_t len, const char *role, char **id_r)
{
	char *path = xstrndup(name, len), *parent_id = NULL, *slash;
	const struct imap_mailbox *mb;
	const char *problem = NULL;

	*id_r = NULL;
	if (len == 0 || (mb = imap_mailboxes_find(list, path)) != NULL) {
		*id_r = len > 0 ? xstrdup(mb->id) : NULL;
		free(path);
		return NULL;
	}
	slash = strrchr(path, '/');
	if (slash != NULL)
		problem = imap_mailbox_ensure(s, list, path, (size_t)(slash - path), NULL, &parent_id);
	if (problem == NULL)
		problem = imap_mailbox_create_one(s, slash != NULL ? slash + 1 : path, parent_id,
						  role, id_r);
	free(parent_id);
	free(path);
	return problem;
}

/* CREATE's "(USE (\Drafts))": 0 with the JMAP role (or NULL), -1 on
 * bad syntax, -2 for an attribute without a role. */
static int imap_create_use(const struct imap_arg *opts, const char **role_r)
{
	const struct imap_arg *use;

	*role_r = NULL;
	if (opts->type != IMAP_ARG_LIST || (opts->count != 0 && opts->count != 2))
		return -1;
	if (opts->count == 0)
		return 0;
	use = &opts->list[1];
	if (!imap_arg_atom_is(&opts->list[0], "USE") || use->type != IMAP_ARG_LIST ||
	    use->count > 1 || (use->count == 1 && use->list[0].type != IMAP_ARG_ATOM))
		return -1;
	if (use->count == 1 && (*role_r = imap_attribute_role(use->list[0].str)) == NULL)
		return -2;
	return 0;
}

static void imap_create_run(struct imap_session *s, const char *name, const char *role)
{
	struct imap_mailboxes list;
	const char *problem;
	char *error_type, *id = NULL;

	if (imap_mailboxes_load(s, &list, &error_type) < 0) {
		imap_cmd_fail(s, "CREATE", error_type);
		return;
	}
	if (imap_mailboxes_find(&list, name) != NULL)
		problem = "[ALREADYEXISTS] Mailbox exists";
	else
		problem = imap_mailbox_ensure(s, &list, name, strlen(name), role, &id);
	if (problem != NULL)
		imap_cmd_done(s, "NO", "%s", problem);
	else
		imap_cmd_done(s, "OK", "CREATE completed");
	free(id);
	imap_mailboxes_free(&list);
}

void imap_cmd_create(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *role = NULL;
	int use = 0;
	char *name;
	size_t len;

	if (cmd->count == 2)
		use = imap_create_use(&cmd->args[1], &role);
	if (cmd->count < 1 || cmd->count > 2 || use == -1) {
		imap_cmd_bad(s, "CREATE needs a mailbox name and maybe (USE (attribute))");
		return;
	}
	if (use == -2) {
		imap_cmd_done(s, "NO", "[USEATTR] Unsupported special-use attribute");
		return;
	}
	if ((name = imap_mailbox_arg(s, &cmd->args[0])) == NULL)
		return;
	/* "a/b/" asks for a name that will have children: the same here */
	len = strlen(name);
	if (len > 1 && name[len - 1] == '/')
		name[len - 1] = '\0';
	if (strcmp(name, "INBOX") == 0)
		imap_cmd_done(s, "NO", "[ALREADYEXISTS] INBOX always exists");
	else if (!imap_mailbox_name_valid(name))
		imap_cmd_done(s, "NO", "[CANNOT] Invalid mailbox name");
	else
		imap_create_run(s, name, role);
	free(name);
}

/* Loads the mailboxes and finds the one named by args[0]; NULL after
 * answering NO. */
static const struct imap_mailbox *imap_mailbox_target(struct imap_session *s,
						      struct imap_cmd *cmd,
						      struct imap_mailboxes *list)
{
	const struct imap_mailbox *mb;
	char *name = imap_mailbox_arg(s, &cmd->args[0]), *error_type;

	list->items = NULL;
	list->count = 0;
	if (name == NULL)
		return NULL;
	if (imap_mailboxes_load(s, list, &error_type) < 0) {
		free(name);
		imap_cmd_fail(s, cmd->name, error_type);
		return NULL;
	}
	mb = imap_mailboxes_find(list, name);
	free(name);
	if (mb == NULL)
		imap_cmd_done(s, "NO", "[NONEXISTENT] No such mailbox");
	return mb;
}

void imap_cmd_delete(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_mailboxes list;
	const struct imap_mailbox *mb;
	const char *problem;

	if (cmd->count != 1 || imap_arg_astring(&cmd->args[0]) == NULL) {
		imap_cmd_bad(s, "DELETE needs a mailbox name");
		return;
	}
	if ((mb = imap_mailbox_target(s, cmd, &list)) == NULL) {
		imap_mailboxes_free(&list);
		return;
	}
	if (imap_mailbox_is_inbox(mb))
		problem = "[CANNOT] INBOX cannot be deleted";
	else if (mb->has_children)
		problem = "[HASCHILDREN] The mailbox has children";
	else
		problem = imap_mailbox_set(s, "destroy", mb->id, NULL, true, NULL);
	if (problem == NULL && s->view != NULL && strcmp(s->view->mailbox_id, mb->id) == 0) {
		imap_session_unselect(s);
		imap_write_untagged(s, "OK [CLOSED] The selected mailbox was deleted");
	}
	if (problem != NULL)
		imap_cmd_done(s, "NO", "%s", problem);
	else
		imap_cmd_done(s, "OK", "DELETE completed");
	imap_mailboxes_free(&list);
}

static void imap_subscription(struct imap_session *s, struct imap_cmd *cmd, bool on)
{
	struct imap_mailboxes list;
	const struct imap_mailbox *mb;
	const char *problem;
	json_object *patch;

	if (cmd->count != 1 || imap_arg_astring(&cmd->args[0]) == NULL) {
		imap_cmd_bad(s, "%s needs a mailbox name", cmd->name);
		return;
	}
	if ((mb = imap_mailbox_target(s, cmd, &list)) != NULL) {
		patch = json_object_new_object();
		json_object_object_add(patch, "isSubscribed", json_object_new_boolean(on));
		problem = imap_mailbox_set(s, "update", mb->id, patch, false, NULL);
		if (problem != NULL)
			imap_cmd_done(s, "NO", "%s", problem);
		else
			imap_cmd_done(s, "OK", "%s completed", cmd->name);
	}
	imap_mailboxes_free(&list);
}

void imap_cmd_subscribe(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_subscription(s, cmd, true);
}

void imap_cmd_unsubscribe(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_subscription(s, cmd, false);
}

static const char *imap_rename_check(const struct imap_mailboxes *list,
				     const struct imap_mailbox *mb, const char *new_name)
{
	size_t len = strlen(mb->name);

	if (!imap_mailbox_name_valid(new_name))
		return "[CANNOT] Invalid mailbox name";
	if (imap_mailboxes_find(list, new_name) != NULL)
		return "[ALREADYEXISTS] The new name exists";
	if (!imap_mailbox_is_inbox(mb) && strncmp(new_name, mb->name, len) == 0 &&
	    new_name[len] == '/')
		return "[CANNOT] A mailbox cannot move into itself";
	return NULL;
}

static const char *imap_rename_move(struct imap_session *s, const struct imap_mailboxes *list,
				    const struct imap_mailbox *mb, const char *new_name)
{
	const char *slash = strrchr(new_name, '/');
	char *parent_id = NULL;
	const char *problem = imap_mailbox_ensure(s, list, new_name,
						  slash != NULL ? (size_t)(slash - new_name) : 0,
						  NULL, &parent_id);
	json_object *patch;

	if (problem != NULL)
		return problem;
	patch = json_object_new_object();
	json_object_object_add(patch, "name",
			       json_object_new_string(slash != NULL ? slash + 1 : new_name));
	json_object_object_add(patch, "parentId",
			       parent_id != NULL ? json_object_new_string(parent_id) : NULL);
	free(parent_id);
	problem = imap_mailbox_set(s, "update", mb->id, patch, false, NULL);
	if (problem == NULL && s->view != NULL && strcmp(s->view->mailbox_id, mb->id) == 0) {
		free(s->view->name);
		s->view->name = xstrdup(new_name);
	}
	return problem;
}

/* Up to a batch of the Email ids in mailbox_id; NULL on error. */
static json_object *imap_rename_inbox_ids(struct imap_session *s, const char *mailbox_id)
{
	json_object *args = json_object_new_object(), *filter = json_object_new_object();
	json_object *resp, *ids = NULL;
	char *error_type;

	json_object_object_add(filter, "inMailbox", json_object_new_string(mailbox_id));
	json_object_object_add(args, "filter", filter);
	json_object_object_add(args, "limit", json_object_new_int(IMAP_RENAME_BATCH));
	if ((resp = imap_jmap_call(s, "Email/query", args, &error_type)) == NULL) {
		log_warn("imap.rename.inbox", "user=%s error=%s", log_q(s->user.name),
			 log_q(error_type));
		free(error_type);
		return NULL;
	}
	if (json_object_object_get_ex(resp, "ids", &ids) &&
	    json_object_is_type(ids, json_type_array))
		json_object_get(ids);
	else
		ids = NULL;
	json_object_put(resp);
	return ids;
}

/* Moves ids from from_id to to_id. Returns 0 or -1. */
static int imap_rename_inbox_move(struct imap_session *s, json_object *ids, const char *from_id,
				  const char *to_id)
{
	json_object *args = json_object_new_object(), *update = json_object_new_object(), *resp;
	json_object *not_updated = NULL;
	char *from = xasprintf("mailboxIds/%s", from_id), *to = xasprintf("mailboxIds/%s", to_id);
	char *error_type;
	int ret = 0;

	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		json_object *patch = json_object_new_object();

		json_object_object_add(patch, from, NULL);
		json_object_object_add(patch, to, json_object_new_boolean(1));
		json_object_object_add(update, json_object_get_string(json_object_array_get_idx(ids, i)),
				       patch);
	}
	json_object_object_add(args, "update", update);
	resp = imap_jmap_call(s, "Email/set", args, &error_type);
	json_object_object_get_ex(resp, "notUpdated", &not_updated);
	if (resp == NULL || (json_object_is_type(not_updated, json_type_object) &&
			     json_object_object_length(not_updated) > 0))
		ret = -1;
	free(error_type);
	json_object_put(resp);
	free(from);
	free(to);
	return ret;
}

/* RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox
 * and leaves INBOX, and its children, where they are. */
static const char *imap_rename_inbox(struct imap_session *s, const struct imap_mailboxes *list,
				     const struct imap_mailbox *inbox, const char *new_name)
{
	char *new_id = NULL;
	const char *problem = imap_mailbox_ensure(s, list, new_name, strlen(new_name), NULL,
						  &new_id);
	/* every batch moves what it found, so the Inbox empties */
	while (problem == NULL) {
		json_object *ids = imap_rename_inbox_ids(s, inbox->id);
		size_t n = ids != NULL ? json_object_array_length(ids) : 0;

		if (ids == NULL || (n > 0 && imap_rename_inbox_move(s, ids, inbox->id, new_id) < 0))
			problem = "[SERVERBUG] Moving the INBOX messages failed";
		json_object_put(ids);
		if (n == 0)
			break;
	}
	free(new_id);
	return problem;
}

void imap_cmd_rename(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_mailboxes list;
	const struct imap_mailbox *mb;
	const char *problem;
	char *new_name;

	if (cmd->count != 2 || imap_arg_astring(&cmd->args[0]) == NULL ||
	    imap_arg_astring(&cmd->args[1]) == NULL) {
		imap_cmd_bad(s, "RENAME needs two mailbox names");
		return;
	}
	if ((mb = imap_mailbox_target(s, cmd, &list)) != NULL &&
	    (new_name = imap_mailbox_arg(s, &cmd->args[1])) != NULL) {
		problem = imap_rename_check(&list, mb, new_name);
		if (problem == NULL)
			problem = imap_mailbox_is_inbox(mb) ?
				imap_rename_inbox(s, &list, mb, new_name) :
				imap_rename_move(s, &list, mb, new_name);
		if (problem != NULL)
			imap_cmd_done(s, "NO", "%s", problem);
		else
			imap_cmd_done(s, "OK", "RENAME completed");
		free(new_name);
	}
	imap_mailboxes_free(&list);
}
