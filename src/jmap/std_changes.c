/* Foo/changes (RFC 8620 §5.2) over the store's change records. */
#include <stdlib.h>

#include "jmap/std_private.h"

static const char *const changes_known_args[] = {
	"accountId", "sinceState", "maxChanges", NULL,
};

struct changes_lists {
	json_object *created, *updated, *destroyed;
};

/* A change seen from since: created then destroyed is nothing at all;
 * created (then updated) is created; (updated then) destroyed is
 * destroyed. */
static void changes_sort(const struct jmap_type *type, const struct store_change *list,
			 size_t count, struct changes_lists *out)
{
	for (size_t i = 0; i < count; i++) {
		char id[24];

		if (list[i].created && list[i].destroyed)
			continue;
		jmap_id_format(type->id_prefix, list[i].id, id);
		json_object_array_add(list[i].created ? out->created :
				      list[i].destroyed ? out->destroyed : out->updated,
				      json_object_new_string(id));
	}
}

/* The since state must be one this type has had and whose changes are
 * still all recorded. */
static int changes_since(struct jmap_call *call, const char *since_state, uint64_t *since_r)
{
	enum store_type store_type = call->def->type->store_type;

	if (jmap_state_parse(since_state, since_r) < 0 ||
	    *since_r < store_tombstone_floor(call->acct) ||
	    *since_r > store_type_state(call->acct, store_type))
		return jmap_call_error(call, "cannotCalculateChanges", NULL);
	return 0;
}

static json_object *changes_response(struct jmap_call *call, const char *old_state,
				     uint64_t new_state, bool more, struct changes_lists *lists)
{
	json_object *resp = jmap_std_response(call);
	char state[24];

	jmap_state_format(new_state, state);
	json_object_object_add(resp, "oldState", json_object_new_string(old_state));
	json_object_object_add(resp, "newState", json_object_new_string(state));
	json_object_object_add(resp, "hasMoreChanges", json_object_new_boolean(more));
	json_object_object_add(resp, "created", lists->created);
	json_object_object_add(resp, "updated", lists->updated);
	json_object_object_add(resp, "destroyed", lists->destroyed);
	if ((call->def->type->flags & JMAP_TYPE_UPDATED_PROPERTIES) != 0)
		json_object_object_add(resp, "updatedProperties", NULL);
	return resp;
}

/* The server's own cap is maxObjectsInGet, so that the ids can go
 * straight to a /get by result reference; in-process callers have none
 * (their /get has no cap either). */
static int changes_max(struct jmap_call *call, size_t *max_r)
{
	int64_t max, cap = call->req->in_process ? INT64_MAX :
			   call->req->srv->limits.max_objects_in_get;

	if (jmap_arg_uint_or_null(call, "maxChanges", &max) < 0)
		return -1;
	if (max == 0)
		return jmap_call_error(call, "invalidArguments", "maxChanges must be positive");
	*max_r = max > 0 && max < cap ? (size_t)max : cap == INT64_MAX ? 0 : (size_t)cap;
	return 0;
}

int jmap_std_changes(struct jmap_call *call)
{
	const struct jmap_type *type = call->def->type;
	struct changes_lists lists;
	struct store_change *list;
	json_object *since_arg;
	uint64_t since, new_state;
	size_t max = 0, count;
	const char *error;
	bool more;

	if (jmap_args_check(call, changes_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "sinceState", json_type_string, &since_arg) < 0 ||
	    changes_max(call, &max) < 0)
		return -1;
	if (since_arg == NULL)
		return jmap_call_error(call, "invalidArguments", "sinceState is required");
	if (changes_since(call, json_object_get_string(since_arg), &since) < 0)
		return -1;
	if (store_changes(call->acct, type->store_type, since, max, &list, &count, &more,
			  &error) < 0)
		return jmap_call_error(call, "serverFail", "changes: %s", error);
	lists.created = json_object_new_array();
	lists.updated = json_object_new_array();
	lists.destroyed = json_object_new_array();
	changes_sort(type, list, count, &lists);
	new_state = more && count > 0 ? list[count - 1].modseq :
		    store_type_state(call->acct, type->store_type);
	free(list);
	call->response = changes_response(call, json_object_get_string(since_arg), new_state,
					  more, &lists);
	if (type->changes_extra != NULL)
		return type->changes_extra(call, since, new_state, call->response);
	return 0;
}
