/* Mailbox (RFC 8621 §2): the type descriptor and Mailbox/get. */
#include <string.h>

#include "jmap/imap_vendor.h"
#include "jmap/mailbox.h"

static const struct jmap_prop mailbox_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "name", JMAP_KIND_STRING, 0 },
	{ "parentId", JMAP_KIND_ID, JMAP_PROP_NULLABLE },
	{ "role", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	{ "sortOrder", JMAP_KIND_UINT, JMAP_PROP_DEFAULTED },
	{ "totalEmails", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "unreadEmails", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "totalThreads", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "unreadThreads", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "myRights", JMAP_KIND_OBJECT, JMAP_PROP_SERVER_SET },
	{ "isSubscribed", JMAP_KIND_BOOL, JMAP_PROP_DEFAULTED },
	{ NULL, 0, 0 },
};

static const struct jmap_arg mailbox_set_args[] = {
	{ "onDestroyRemoveEmails", json_type_boolean, false },
	{ NULL, 0, false },
};
static const struct jmap_arg mailbox_query_args[] = {
	{ "sortAsTree", json_type_boolean, false },
	{ "filterAsTree", json_type_boolean, false },
	{ NULL, 0, false },
};
static const char *const mailbox_sort_props[] = { "sortOrder", "name", NULL };

/* Roles from the IANA "IMAP Mailbox Name Attributes" registry that name
 * a purpose (not the structural \HasChildren, \Noselect, ...), plus the
 * JMAP-only "inbox". */
static const char *const mailbox_roles[] = {
	"all", "archive", "drafts", "flagged", "important", "inbox", "junk",
	"memos", "scheduled", "sent", "snoozed", "trash", NULL,
};

bool mailbox_role_valid(const char *role)
{
	for (size_t i = 0; mailbox_roles[i] != NULL; i++) {
		if (strcmp(role, mailbox_roles[i]) == 0)
			return true;
	}
	return false;
}

/* The account is the user's own: every right, except that the Inbox
 * stays (IMAP has no account without an INBOX). */
static json_object *mailbox_rights_json(const struct store_mailbox *mb)
{
	static const char *const rights[] = {
		"mayReadItems", "mayAddItems", "mayRemoveItems", "maySetSeen",
		"maySetKeywords", "mayCreateChild", "mayRename", "maySubmit", NULL,
	};
	json_object *obj = json_object_new_object();
	bool is_inbox = mb->role != NULL && strcmp(mb->role, "inbox") == 0;

	for (size_t i = 0; rights[i] != NULL; i++)
		json_object_object_add(obj, rights[i], json_object_new_boolean(1));
	json_object_object_add(obj, "mayDelete", json_object_new_boolean(!is_inbox));
	return obj;
}

json_object *mailbox_to_json(const struct store_mailbox *mb)
{
	json_object *obj = json_object_new_object();
	char id[24];

	jmap_id_format(MAILBOX_ID_PREFIX, mb->id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "name", json_object_new_string(mb->name));
	if (mb->parent_id != 0) {
		jmap_id_format(MAILBOX_ID_PREFIX, mb->parent_id, id);
		json_object_object_add(obj, "parentId", json_object_new_string(id));
	} else {
		json_object_object_add(obj, "parentId", NULL);
	}
	json_object_object_add(obj, "role", mb->role != NULL ? json_object_new_string(mb->role) : NULL);
	json_object_object_add(obj, "sortOrder", json_object_new_int64(mb->sort_order));
	json_object_object_add(obj, "totalEmails", json_object_new_int64(mb->total_emails));
	json_object_object_add(obj, "unreadEmails", json_object_new_int64(mb->unread_emails));
	json_object_object_add(obj, "totalThreads", json_object_new_int64(mb->total_threads));
	json_object_object_add(obj, "unreadThreads", json_object_new_int64(mb->unread_threads));
	json_object_object_add(obj, "myRights", mailbox_rights_json(mb));
	json_object_object_add(obj, "isSubscribed", json_object_new_boolean(mb->is_subscribed));
	return obj;
}

const struct store_mailbox *mailbox_list_find(const struct store_mailbox *list, size_t count,
					      uint64_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (list[i].id == id)
			return &list[i];
	}
	return NULL;
}

static void mailbox_get_one(struct jmap_get *get, const struct store_mailbox *list,
			    size_t count, const char *id)
{
	const struct store_mailbox *mb = NULL;
	uint64_t n;

	if (jmap_id_parse(MAILBOX_ID_PREFIX, id, &n) == 0)
		mb = mailbox_list_find(list, count, n);
	if (mb != NULL)
		json_object_array_add(get->list, mailbox_to_json(mb));
	else
		json_object_array_add(get->not_found, json_object_new_string(id));
}

/* An account has tens to a few thousand mailboxes: one read of them all
 * is cheaper than a lookup per id. */
static int jmap_mailbox_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_mailbox *list;
	size_t count;
	const char *error;
	int ret;

	if (store_mailbox_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (get->ids == NULL) {
		for (size_t i = 0; i < count; i++)
			json_object_array_add(get->list, mailbox_to_json(&list[i]));
	} else {
		size_t n = json_object_array_length(get->ids);

		for (size_t i = 0; i < n; i++) {
			json_object *id = json_object_array_get_idx(get->ids, i);

			mailbox_get_one(get, list, count, json_object_get_string(id));
		}
	}
	ret = mailbox_imap_fill(call, get, list, count);
	store_mailbox_list_free(&list, count);
	return ret;
}

const struct jmap_type jmap_mailbox_type = {
	.name = "Mailbox",
	.capability = JMAP_CAP_MAIL,
	.store_type = STORE_TYPE_MAILBOX,
	.id_prefix = MAILBOX_ID_PREFIX,
	.props = mailbox_props,
	.prop_match = mailbox_imap_prop_match,
	.set_args = mailbox_set_args,
	.query_args = mailbox_query_args,
	.get = jmap_mailbox_get,
	.create = jmap_mailbox_create,
	.update = jmap_mailbox_update,
	.destroy = jmap_mailbox_destroy,
	.filter_check = jmap_mailbox_filter_check,
	.sort_props = mailbox_sort_props,
	.query = jmap_mailbox_query,
	.flags = JMAP_TYPE_UPDATED_PROPERTIES,
};
