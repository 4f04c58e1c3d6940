/* The account's mailboxes under their IMAP names: JMAP's tree flattened
 * into "Parent/Child" paths with "/" as the delimiter, the Inbox always
 * "INBOX" (any case in commands), and the special-use attributes of
 * JMAP roles (RFC 6154, RFC 8457). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_mutf7.h"
#include "gateways/imap/imap_session.h"

static const struct {
	const char *role;
	const char *attribute;
} imap_roles[] = {
	{ "all", "\\All" }, { "archive", "\\Archive" }, { "drafts", "\\Drafts" },
	{ "flagged", "\\Flagged" }, { "important", "\\Important" }, { "junk", "\\Junk" },
	{ "sent", "\\Sent" }, { "trash", "\\Trash" }, { "memos", "\\Memos" },
	{ "scheduled", "\\Scheduled" }, { "snoozed", "\\Snoozed" },
};
#define IMAP_ROLE_COUNT (sizeof(imap_roles) / sizeof(imap_roles[0]))

const char *imap_role_attribute(const char *role)
{
	for (size_t i = 0; role != NULL && i < IMAP_ROLE_COUNT; i++) {
		if (strcmp(role, imap_roles[i].role) == 0)
			return imap_roles[i].attribute;
	}
	return NULL;
}

const char *imap_attribute_role(const char *attribute)
{
	for (size_t i = 0; i < IMAP_ROLE_COUNT; i++) {
		if (strcasecmp(attribute, imap_roles[i].attribute) == 0)
			return imap_roles[i].role;
	}
	return NULL;
}

bool imap_mailbox_is_inbox(const struct imap_mailbox *mb)
{
	return mb->role != NULL && strcmp(mb->role, "inbox") == 0;
}

void imap_mailbox_name_normalize(char *name)
{
	if (strncasecmp(name, "INBOX", 5) == 0 && (name[5] == '\0' || name[5] == '/'))
		memcpy(name, "INBOX", 5);
}

static char *imap_json_strdup(json_object *obj, const char *key)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(value));
}

static void imap_mailbox_fill(struct imap_mailbox *mb, json_object *obj)
{
	json_object *value;

	mb->id = imap_json_strdup(obj, "id");
	mb->leaf = imap_json_strdup(obj, "name");
	mb->role = imap_json_strdup(obj, "role");
	mb->parent_id = imap_json_strdup(obj, "parentId");
	mb->subscribed = json_object_object_get_ex(obj, "isSubscribed", &value) &&
		json_object_get_boolean(value);
	if (mb->id == NULL)
		mb->id = xstrdup("");
	if (mb->leaf == NULL)
		mb->leaf = xstrdup("");
}

static int imap_mailbox_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct imap_mailbox *)a)->id, ((const struct imap_mailbox *)b)->id);
}

/* While the list is sorted by id. */
static struct imap_mailbox *imap_mailbox_by_id(const struct imap_mailboxes *list, const char *id)
{
	struct imap_mailbox key = { .id = (char *)id };

	return id == NULL ? NULL : bsearch(&key, list->items, list->count, sizeof(key),
					   imap_mailbox_id_cmp);
}

/* The full name of item i: its ancestors' names and its own. */
static char *imap_mailbox_path(const struct imap_mailboxes *list, size_t i)
{
	const struct imap_mailbox **chain = xmalloc(list->count * sizeof(*chain));
	struct strbuf path = { 0 };
	size_t depth = 0;

	for (const struct imap_mailbox *mb = &list->items[i]; mb != NULL && depth < list->count;
	     mb = imap_mailbox_by_id(list, mb->parent_id))
		chain[depth++] = mb;
	while (depth-- > 0) {
		strbuf_puts(&path, imap_mailbox_is_inbox(chain[depth]) ? "INBOX" :
			    chain[depth]->leaf);
		if (depth > 0)
			strbuf_putc(&path, '/');
	}
	free(chain);
	return strbuf_steal(&path);
}

/* INBOX first, then by name: parents come before their children. */
static int imap_mailbox_cmp(const void *a, const void *b)
{
	const struct imap_mailbox *x = a, *y = b;
	bool xi = imap_mailbox_is_inbox(x), yi = imap_mailbox_is_inbox(y);

	if (xi != yi)
		return xi ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void imap_mailboxes_build(struct imap_mailboxes *list)
{
	qsort(list->items, list->count, sizeof(*list->items), imap_mailbox_id_cmp);
	for (size_t i = 0; i < list->count; i++) {
		struct imap_mailbox *parent = imap_mailbox_by_id(list, list->items[i].parent_id);

		list->items[i].name = imap_mailbox_path(list, i);
		if (parent != NULL)
			parent->has_children = true;
	}
	qsort(list->items, list->count, sizeof(*list->items), imap_mailbox_cmp);
}

int imap_mailboxes_load(struct imap_session *s, struct imap_mailboxes *list_r,
			char **error_type_r)
{
	json_object *args = json_object_new_object(), *props = json_object_new_array();
	json_object *resp, *items;
	static const char *const names[] = { "id", "name", "parentId", "role", "isSubscribed" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_object_array_add(props, json_object_new_string(names[i]));
	json_object_object_add(args, "ids", NULL);
	json_object_object_add(args, "properties", props);
	list_r->items = NULL;
	list_r->count = 0;
	resp = imap_jmap_call(s, "Mailbox/get", args, error_type_r);
	if (resp == NULL)
		return -1;
	json_object_object_get_ex(resp, "list", &items);
	list_r->count = json_object_is_type(items, json_type_array) ?
		json_object_array_length(items) : 0;
	list_r->items = xcalloc(list_r->count + 1, sizeof(*list_r->items));
	for (size_t i = 0; i < list_r->count; i++)
		imap_mailbox_fill(&list_r->items[i], json_object_array_get_idx(items, i));
	json_object_put(resp);
	imap_mailboxes_build(list_r);
	return 0;
}

void imap_mailboxes_free(struct imap_mailboxes *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].id);
		free(list->items[i].name);
		free(list->items[i].leaf);
		free(list->items[i].role);
		free(list->items[i].parent_id);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

const struct imap_mailbox *imap_mailboxes_find(const struct imap_mailboxes *list,
					       const char *name)
{
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i].name != NULL && strcmp(list->items[i].name, name) == 0)
			return &list->items[i];
	}
	return NULL;
}

const struct imap_mailbox *imap_mailboxes_find_id(const struct imap_mailboxes *list,
						  const char *id)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i].id, id) == 0)
			return &list->items[i];
	}
	return NULL;
}

int imap_mailbox_lookup(struct imap_session *s, const char *name, char **mailbox_id_r)
{
	struct imap_mailboxes list;
	const struct imap_mailbox *mb;
	char *norm = xstrdup(name), *error_type;

	imap_mailbox_name_normalize(norm);
	if (imap_mailboxes_load(s, &list, &error_type) < 0) {
		log_warn("imap.mailbox.lookup", "user=%s error=%s", log_q(s->user.name),
			 log_q(error_type));
		free(error_type);
		free(norm);
		return -1;
	}
	mb = imap_mailboxes_find(&list, norm);
	*mailbox_id_r = mb != NULL ? xstrdup(mb->id) : NULL;
	imap_mailboxes_free(&list);
	free(norm);
	return mb != NULL ? 1 : 0;
}

char *imap_mailbox_name_decode(struct imap_session *s, const char *name)
{
	char *utf8;

	if (imap_session_utf8(s))
		utf8 = imap_utf8_valid(name, strlen(name)) ? xstrdup(name) : NULL;
	else
		utf8 = imap_mutf7_decode(name);
	if (utf8 != NULL)
		imap_mailbox_name_normalize(utf8);
	return utf8;
}
