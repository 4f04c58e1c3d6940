/* Thread (RFC 8621 §3): Thread/get and, through the generic code and
 * the store's change records, Thread/changes. The store assigns threads
 * when emails are created. */
#include <stdlib.h>

#include "jmap/email_private.h"

static const struct jmap_prop thread_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "emailIds", JMAP_KIND_ARRAY, JMAP_PROP_SERVER_SET },
	{ NULL, 0, 0 },
};

/* emailIds come from the store oldest first (receivedAt, then id), the
 * order §3 asks for. Returns 1, 0 (no such thread) or -1. */
static int thread_get_one(struct jmap_call *call, struct jmap_get *get, uint64_t thread_id)
{
	json_object *obj, *emails;
	uint64_t *ids;
	size_t count;
	char id[24];
	int ret = store_thread_get(call->acct, thread_id, &ids, &count);

	if (ret <= 0)
		return ret;
	obj = json_object_new_object();
	emails = json_object_new_array_ext((int)count);
	jmap_id_format(THREAD_ID_PREFIX, thread_id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	for (size_t i = 0; i < count; i++) {
		jmap_id_format(EMAIL_ID_PREFIX, ids[i], id);
		json_object_array_add(emails, json_object_new_string(id));
	}
	json_object_object_add(obj, "emailIds", emails);
	json_object_array_add(get->list, obj);
	free(ids);
	return 1;
}

static int thread_get_ids(struct jmap_call *call, struct jmap_get *get)
{
	size_t n = json_object_array_length(get->ids);

	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(get->ids, i);
		uint64_t thread_id;
		int ret = 0;

		if (jmap_id_parse(THREAD_ID_PREFIX, json_object_get_string(item), &thread_id) == 0 &&
		    (ret = thread_get_one(call, get, thread_id)) < 0)
			return jmap_call_error(call, "serverFail", "thread lookup failed");
		if (ret == 0)
			json_object_array_add(get->not_found, json_object_get(item));
	}
	return 0;
}

/* ids null: every thread, found through one email of each (capped one
 * past maxObjectsInGet; the generic code then answers requestTooLarge). */
static int thread_get_all(struct jmap_call *call, struct jmap_get *get)
{
	struct store_email_query q = {
		.collapse_threads = true,
		.limit = (size_t)call->req->srv->limits.max_objects_in_get + 1,
	};
	struct store_email_result res = { 0 };
	struct store_email *list = NULL;
	const char *error;
	int ret = 0;

	if (store_email_query(call->acct, &q, &res, &error) < 0)
		return jmap_call_error(call, "serverFail", "threads: %s", error);
	if (res.count > 0 &&
	    store_email_get_many(call->acct, res.ids, res.count, 0, &list, &error) < 0)
		ret = jmap_call_error(call, "serverFail", "threads: %s", error);
	for (size_t i = 0; ret == 0 && i < res.count; i++) {
		if (list[i].id != 0 && thread_get_one(call, get, list[i].thread_id) < 0)
			ret = jmap_call_error(call, "serverFail", "thread lookup failed");
	}
	if (list != NULL)
		store_email_list_free(&list, res.count);
	free(res.ids);
	return ret;
}

static int jmap_thread_get(struct jmap_call *call, struct jmap_get *get)
{
	if (get->ids == NULL)
		return thread_get_all(call, get);
	return thread_get_ids(call, get);
}

const struct jmap_type jmap_thread_type = {
	.name = "Thread",
	.capability = JMAP_CAP_MAIL,
	.store_type = STORE_TYPE_THREAD,
	.id_prefix = THREAD_ID_PREFIX,
	.props = thread_props,
	.get = jmap_thread_get,
};
