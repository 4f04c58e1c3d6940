/* STATUS (RFC 9051 §6.3.11, with SIZE, DELETED and HIGHESTMODSEQ), and
 * the STATUS responses LIST-STATUS adds to LIST. The numbers are the
 * urn:tern:imap Mailbox properties; DELETED counts through a query. */
#include <stdlib.h>
#include <strings.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

static const struct {
	const char *name;
	const char *property;	/* NULL: not a Mailbox property */
} imap_status_defs[] = {
	[IMAP_STATUS_MESSAGES] = { "MESSAGES", "totalEmails" },
	[IMAP_STATUS_UIDNEXT] = { "UIDNEXT", "imapUidNext" },
	[IMAP_STATUS_UIDVALIDITY] = { "UIDVALIDITY", "imapUidValidity" },
	[IMAP_STATUS_UNSEEN] = { "UNSEEN", "imapUnseen" },
	[IMAP_STATUS_DELETED] = { "DELETED", NULL },
	[IMAP_STATUS_SIZE] = { "SIZE", "imapSize" },
	[IMAP_STATUS_HIGHESTMODSEQ] = { "HIGHESTMODSEQ", "imapHighestModSeq" },
	[IMAP_STATUS_RECENT] = { "RECENT", NULL },
};
#define IMAP_STATUS_DEF_COUNT (sizeof(imap_status_defs) / sizeof(imap_status_defs[0]))
_Static_assert(IMAP_STATUS_DEF_COUNT == IMAP_STATUS_ITEMS_MAX, "one definition per item");

int imap_status_items_parse(const struct imap_arg *arg, struct imap_status_items *items_r)
{
	items_r->count = 0;
	if (arg->type != IMAP_ARG_LIST || arg->count == 0 || arg->count > IMAP_STATUS_DEF_COUNT)
		return -1;
	for (size_t i = 0; i < arg->count; i++) {
		size_t k;

		for (k = 0; k < IMAP_STATUS_DEF_COUNT &&
		     !imap_arg_atom_is(&arg->list[i], imap_status_defs[k].name); k++)
			;
		if (k == IMAP_STATUS_DEF_COUNT)
			return -1;
		items_r->items[items_r->count++] = (enum imap_status_item)k;
	}
	return 0;
}

static bool imap_status_has(const struct imap_status_items *items, enum imap_status_item item)
{
	for (size_t i = 0; i < items->count; i++) {
		if (items->items[i] == item)
			return true;
	}
	return false;
}

json_object *imap_status_load(struct imap_session *s, json_object *ids,
			      const struct imap_status_items *items, char **error_type_r)
{
	json_object *args = json_object_new_object(), *props = json_object_new_array();
	json_object *resp, *list, *map;

	json_object_array_add(props, json_object_new_string("id"));
	for (size_t i = 0; i < items->count; i++) {
		const char *prop = imap_status_defs[items->items[i]].property;

		if (prop != NULL)
			json_object_array_add(props, json_object_new_string(prop));
	}
	json_object_object_add(args, "ids", ids);
	json_object_object_add(args, "properties", props);
	resp = imap_jmap_call(s, "Mailbox/get", args, error_type_r);
	if (resp == NULL)
		return NULL;
	map = json_object_new_object();
	json_object_object_get_ex(resp, "list", &list);
	for (size_t i = 0; i < imap_json_array_len(list); i++) {
		json_object *mb = json_object_array_get_idx(list, i), *id;

		if (json_object_object_get_ex(mb, "id", &id))
			json_object_object_add(map, json_object_get_string(id), json_object_get(mb));
	}
	json_object_put(resp);
	return map;
}

/* The number of \Deleted messages in mailbox_id. */
static int imap_status_deleted(struct imap_session *s, const char *mailbox_id, int64_t *n_r,
			       char **error_type_r)
{
	json_object *args = json_object_new_object(), *filter = json_object_new_object();
	json_object *resp, *total;

	json_object_object_add(filter, "inMailbox", json_object_new_string(mailbox_id));
	json_object_object_add(filter, "hasKeyword", json_object_new_string("$deleted"));
	json_object_object_add(args, "filter", filter);
	json_object_object_add(args, "calculateTotal", json_object_new_boolean(1));
	json_object_object_add(args, "limit", json_object_new_int(1));
	resp = imap_jmap_call(s, "Email/query", args, error_type_r);
	if (resp == NULL)
		return -1;
	*n_r = json_object_object_get_ex(resp, "total", &total) ? json_object_get_int64(total) : 0;
	json_object_put(resp);
	return 0;
}

static int64_t imap_status_number(json_object *mb, const char *property)
{
	json_object *value;

	return json_object_object_get_ex(mb, property, &value) ? json_object_get_int64(value) : 0;
}

int imap_status_write(struct imap_session *s, const struct imap_mailbox *mb, json_object *loaded,
		      const struct imap_status_items *items, char **error_type_r)
{
	struct evbuffer *out = net_conn_output(s->conn);
	json_object *obj = NULL;
	int64_t deleted = 0;

	*error_type_r = NULL;
	json_object_object_get_ex(loaded, mb->id, &obj);
	if (obj == NULL)
		return 0;
	if (imap_status_has(items, IMAP_STATUS_DELETED) &&
	    imap_status_deleted(s, mb->id, &deleted, error_type_r) < 0)
		return -1;
	evbuffer_add_printf(out, "* STATUS ");
	imap_write_mailbox_name(s, out, mb->name);
	evbuffer_add_printf(out, " (");
	for (size_t i = 0; i < items->count; i++) {
		enum imap_status_item item = items->items[i];
		const char *prop = imap_status_defs[item].property;
		int64_t n = prop != NULL ? imap_status_number(obj, prop) :
			item == IMAP_STATUS_DELETED ? deleted : 0;

		evbuffer_add_printf(out, "%s%s %lld", i > 0 ? " " : "", imap_status_defs[item].name,
				    (long long)n);
	}
	evbuffer_add_printf(out, ")\r\n");
	return 0;
}

/* RFC 7162 §3.1: STATUS HIGHESTMODSEQ switches CONDSTORE on. */
void imap_status_condstore(struct imap_session *s, const struct imap_status_items *items)
{
	if (imap_status_has(items, IMAP_STATUS_HIGHESTMODSEQ))
		imap_session_condstore(s);
}

void imap_cmd_status(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_status_items items;
	struct imap_mailboxes list;
	const struct imap_mailbox *mb;
	json_object *loaded, *ids;
	char *name, *error_type = NULL;

	if (cmd->count != 2 || imap_arg_astring(&cmd->args[0]) == NULL ||
	    imap_status_items_parse(&cmd->args[1], &items) < 0) {
		imap_cmd_bad(s, "STATUS needs a mailbox and a list of status items");
		return;
	}
	if ((name = imap_mailbox_name_decode(s, cmd->args[0].str)) == NULL) {
		imap_cmd_done(s, "NO", "[CANNOT] Invalid mailbox name");
		return;
	}
	if (imap_mailboxes_load(s, &list, &error_type) < 0) {
		free(name);
		imap_cmd_fail(s, "STATUS", error_type);
		return;
	}
	mb = imap_mailboxes_find(&list, name);
	free(name);
	if (mb == NULL) {
		imap_mailboxes_free(&list);
		imap_cmd_done(s, "NO", "[NONEXISTENT] No such mailbox");
		return;
	}
	imap_status_condstore(s, &items);
	ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_string(mb->id));
	loaded = imap_status_load(s, ids, &items, &error_type);
	if (loaded == NULL || imap_status_write(s, mb, loaded, &items, &error_type) < 0)
		imap_cmd_fail(s, "STATUS", error_type);
	else
		imap_cmd_done(s, "OK", "STATUS completed");
	json_object_put(loaded);
	imap_mailboxes_free(&list);
}
