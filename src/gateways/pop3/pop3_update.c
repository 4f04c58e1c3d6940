/* The UPDATE state (RFC 1939 §6): what DELE marked leaves the Inbox at
 * QUIT, and only then. A message only in the Inbox is destroyed; one
 * also in other mailboxes is taken out of the Inbox alone. Messages
 * RETR sent are marked $seen, as Dovecot does. */
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/pop3/pop3_private.h"

/* True when every failure in a /set response's not<verb> map is
 * notFound (gone already: nothing left to do). */
static bool update_set_ok(json_object *res, const char *key)
{
	json_object *failed = json_object_object_get(res, key);

	if (!json_object_is_type(failed, json_type_object))
		return true;
	json_object_object_foreach(failed, id, error) {
		const char *type = json_object_get_string(json_object_object_get(error, "type"));

		if (type == NULL || strcmp(type, "notFound") != 0) {
			log_error("pop3.update", "email=%s error=%s", log_q(id), log_q(type));
			return false;
		}
	}
	return true;
}

/* Sorts the chunk's emails into destroy and update by their mailboxes
 * now; those no longer in the Inbox are left alone. */
static void update_sort(json_object *list, const char *inbox_id, json_object *destroy,
			json_object *update)
{
	char *path = NULL;

	for (size_t i = 0; i < pop3_json_length(list); i++) {
		json_object *email = pop3_json_at(list, i);
		json_object *mailboxes = json_object_object_get(email, "mailboxIds");
		const char *id = json_object_get_string(json_object_object_get(email, "id"));
		json_object *patch;

		if (id == NULL || !json_object_is_type(mailboxes, json_type_object) ||
		    json_object_object_get(mailboxes, inbox_id) == NULL)
			continue;
		if (json_object_object_length(mailboxes) == 1) {
			json_object_array_add(destroy, json_object_new_string(id));
			continue;
		}
		if (path == NULL)
			path = xasprintf("mailboxIds/%s", inbox_id);
		patch = json_object_new_object();
		json_object_object_add(patch, path, NULL);
		json_object_object_add(update, id, patch);
	}
	free(path);
}

/* Removes one chunk of deleted emails (ids, taken) from the Inbox. */
static int update_delete_chunk(const struct pop3_account *acct, const char *inbox_id,
			       json_object *ids)
{
	json_object *args = json_object_new_object();
	json_object *props = json_object_new_array();
	json_object *res, *destroy, *update;
	bool ok;

	json_object_array_add(props, json_object_new_string("mailboxIds"));
	json_object_object_add(args, "ids", ids);
	json_object_object_add(args, "properties", props);
	if ((res = pop3_jmap_call(acct, "Email/get", args)) == NULL)
		return -1;
	destroy = json_object_new_array();
	update = json_object_new_object();
	update_sort(json_object_object_get(res, "list"), inbox_id, destroy, update);
	json_object_put(res);
	if (json_object_array_length(destroy) == 0 && json_object_object_length(update) == 0) {
		json_object_put(destroy);
		json_object_put(update);
		return 0;
	}
	args = json_object_new_object();
	json_object_object_add(args, "destroy", destroy);
	json_object_object_add(args, "update", update);
	if ((res = pop3_jmap_call(acct, "Email/set", args)) == NULL)
		return -1;
	ok = update_set_ok(res, "notDestroyed") && update_set_ok(res, "notUpdated");
	json_object_put(res);
	return ok ? 0 : -1;
}

/* Marks one chunk of retrieved emails (ids, taken) $seen. */
static int update_seen_chunk(const struct pop3_account *acct, const char *inbox_id,
			     json_object *ids)
{
	json_object *update = json_object_new_object();
	json_object *args = json_object_new_object();
	json_object *res;
	bool ok;

	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		json_object *patch = json_object_new_object();

		json_object_object_add(patch, "keywords/$seen", json_object_new_boolean(true));
		json_object_object_add(update, json_object_get_string(
			json_object_array_get_idx(ids, i)), patch);
	}
	json_object_put(ids);
	json_object_object_add(args, "update", update);
	if ((res = pop3_jmap_call(acct, "Email/set", args)) == NULL)
		return -1;
	ok = update_set_ok(res, "notUpdated");
	json_object_put(res);
	return ok ? 0 : -1;
}

typedef int update_chunk_fn(const struct pop3_account *acct, const char *inbox_id,
			    json_object *ids);

/* Runs fn over the ids of the messages deleted (or, with deleted
 * false, retrieved and not deleted), chunk by chunk. */
static int update_each_chunk(const struct pop3_account *acct, const struct pop3_maildrop *md,
			     size_t chunk, bool deleted, update_chunk_fn *fn)
{
	json_object *ids = NULL;
	int ret = 0;

	for (size_t i = 0; i < md->count; i++) {
		const struct pop3_message *msg = &md->msgs[i];

		if (deleted ? !msg->deleted : msg->deleted || !msg->retrieved)
			continue;
		if (ids == NULL)
			ids = json_object_new_array();
		json_object_array_add(ids, json_object_new_string(msg->email_id));
		if (json_object_array_length(ids) == chunk) {
			ret |= fn(acct, md->inbox_id, ids);
			ids = NULL;
		}
	}
	if (ids != NULL)
		ret |= fn(acct, md->inbox_id, ids);
	return ret < 0 ? -1 : 0;
}

int pop3_maildrop_update(const struct pop3_account *acct, const struct pop3_batch *batch,
			 const struct pop3_maildrop *md)
{
	size_t chunk = batch->get < batch->set ? batch->get : batch->set;

	/* a failed $seen is logged, but the messages are all still there */
	update_each_chunk(acct, md, batch->set, false, update_seen_chunk);
	return update_each_chunk(acct, md, chunk, true, update_delete_chunk);
}
