/* Foo/set (RFC 8620 §5.3): every create, then every update, then every
 * destroy, each rejected or done on its own; the whole call in one
 * write transaction (the dispatcher's). */
#include <string.h>

#include "jmap/std_private.h"

static const char *const set_known_args[] = {
	"accountId", "ifInState", "create", "update", "destroy", NULL,
};

struct set_result {
	json_object *created, *updated, *destroyed;
	json_object *not_created, *not_updated, *not_destroyed;
};

struct set_args {
	json_object *create, *update, *destroy;
};

static size_t set_count(json_object *value)
{
	if (value == NULL)
		return 0;
	if (json_object_is_type(value, json_type_array))
		return json_object_array_length(value);
	return (size_t)json_object_object_length(value);
}

/* The whole call's shape, checked before anything changes. */
static int set_args_check(struct jmap_call *call, struct set_args *a)
{
	if (jmap_arg_get(call, "create", json_type_object, &a->create) < 0 ||
	    jmap_arg_get(call, "update", json_type_object, &a->update) < 0 ||
	    jmap_arg_get(call, "destroy", json_type_array, &a->destroy) < 0)
		return -1;
	if ((int64_t)(set_count(a->create) + set_count(a->update) + set_count(a->destroy)) >
	    call->req->srv->limits.max_objects_in_set)
		return jmap_call_error(call, "requestTooLarge", "More objects than maxObjectsInSet");
	if (a->create != NULL) {
		json_object_object_foreach(a->create, cid, obj) {
			if (!jmap_id_valid(cid) || !json_object_is_type(obj, json_type_object))
				return jmap_call_error(call, "invalidArguments",
						       "create needs Id keys and object values");
		}
	}
	if (a->update != NULL) {
		json_object_object_foreach(a->update, id, patch) {
			(void)id;
			if (!json_object_is_type(patch, json_type_object))
				return jmap_call_error(call, "invalidArguments",
						       "update values must be PatchObjects");
		}
	}
	for (size_t i = 0; i < set_count(a->destroy); i++) {
		if (!json_object_is_type(json_object_array_get_idx(a->destroy, i), json_type_string))
			return jmap_call_error(call, "invalidArguments", "destroy must be Ids");
	}
	return 0;
}

/* After a hook failed: its SetError, or -1 if it failed the method. */
static int set_hook_failed(struct jmap_call *call, json_object **error)
{
	if (call->error != NULL) {
		json_object_put(*error);
		return -1;
	}
	if (*error == NULL)
		return jmap_call_error(call, "serverFail", "%s gave no SetError", call->method);
	return 0;
}

static int set_create_one(struct jmap_call *call, struct set_result *res, const char *cid,
			  json_object *obj)
{
	const struct jmap_type *type = call->def->type;
	json_object *error = jmap_set_check_create(type, obj), *created = NULL, *id;

	if (error == NULL && type->create == NULL)
		error = jmap_set_error("forbidden", "Objects of this type cannot be created", NULL);
	if (error == NULL) {
		if (type->create(call, cid, obj, &created, &error) < 0) {
			if (set_hook_failed(call, &error) < 0)
				return -1;
		} else if (json_object_object_get_ex(created, "id", &id)) {
			jmap_created_id_add(call, cid, json_object_get_string(id));
			json_object_object_add(res->created, cid, created);
			return 0;
		} else {
			json_object_put(created);
			return jmap_call_error(call, "serverFail", "%s created no id", call->method);
		}
	}
	json_object_object_add(res->not_created, cid, error);
	return 0;
}

static int set_update_one(struct jmap_call *call, struct set_result *res, const char *key,
			  json_object *patch)
{
	const struct jmap_type *type = call->def->type;
	const char *id = jmap_id_resolve(call, key);
	json_object *error = NULL, *updated = NULL, *clean;

	if (id == NULL)
		error = jmap_set_error("notFound", NULL, NULL);
	else if (type->update == NULL)
		error = jmap_set_error("forbidden", "Objects of this type cannot be changed", NULL);
	else if (jmap_set_check_update(call, id, patch, &clean, &error) < 0) {
		if (error == NULL)
			return -1;
	} else {
		int ret = type->update(call, id, clean, &updated, &error);

		json_object_put(clean);
		if (ret == 0) {
			json_object_object_add(res->updated, id, updated);
			return 0;
		}
		if (set_hook_failed(call, &error) < 0)
			return -1;
	}
	json_object_object_add(res->not_updated, key, error);
	return 0;
}

static int set_destroy_one(struct jmap_call *call, struct set_result *res, const char *key)
{
	const struct jmap_type *type = call->def->type;
	const char *id = jmap_id_resolve(call, key);
	json_object *error = NULL;

	if (id == NULL)
		error = jmap_set_error("notFound", NULL, NULL);
	else if (type->destroy == NULL)
		error = jmap_set_error("forbidden", "Objects of this type cannot be destroyed", NULL);
	else if (type->destroy(call, id, &error) == 0) {
		json_object_array_add(res->destroyed, json_object_new_string(id));
		return 0;
	} else if (set_hook_failed(call, &error) < 0) {
		return -1;
	}
	json_object_object_add(res->not_destroyed, key, error);
	return 0;
}

static int set_apply(struct jmap_call *call, const struct set_args *a, struct set_result *res)
{
	if (a->create != NULL) {
		json_object_object_foreach(a->create, cid, obj) {
			if (set_create_one(call, res, cid, obj) < 0)
				return -1;
		}
	}
	if (a->update != NULL) {
		json_object_object_foreach(a->update, id, patch) {
			if (set_update_one(call, res, id, patch) < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < set_count(a->destroy); i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(a->destroy, i));

		if (set_destroy_one(call, res, id) < 0)
			return -1;
	}
	return 0;
}

/* RFC 8620 §5.3: each map or list is null when empty. */
static void set_response_add(json_object *resp, const char *name, json_object *value)
{
	json_object_object_add(resp, name, set_count(value) > 0 ? json_object_get(value) : NULL);
}

static json_object *set_response(struct jmap_call *call, const char *old_state,
				 struct set_result *res)
{
	json_object *resp = jmap_std_response(call);
	char new_state[24];

	jmap_std_state(call, new_state);
	json_object_object_add(resp, "oldState", json_object_new_string(old_state));
	json_object_object_add(resp, "newState", json_object_new_string(new_state));
	set_response_add(resp, "created", res->created);
	set_response_add(resp, "updated", res->updated);
	set_response_add(resp, "destroyed", res->destroyed);
	set_response_add(resp, "notCreated", res->not_created);
	set_response_add(resp, "notUpdated", res->not_updated);
	set_response_add(resp, "notDestroyed", res->not_destroyed);
	return resp;
}

static int set_run(struct jmap_call *call, struct set_result *res)
{
	const struct jmap_type *type = call->def->type;
	struct set_args a;
	json_object *if_in_state;
	char old_state[24];

	if (jmap_args_check(call, set_known_args, type->set_args) < 0 ||
	    jmap_arg_get(call, "ifInState", json_type_string, &if_in_state) < 0 ||
	    set_args_check(call, &a) < 0)
		return -1;
	jmap_std_state(call, old_state);
	if (if_in_state != NULL && strcmp(json_object_get_string(if_in_state), old_state) != 0)
		return jmap_call_error(call, "stateMismatch", NULL);
	if (set_apply(call, &a, res) < 0)
		return -1;
	if (set_count(res->created) + set_count(res->updated) + set_count(res->destroyed) > 0)
		call->changed_types |= 1ULL << type->store_type;
	call->response = set_response(call, old_state, res);
	return 0;
}

int jmap_std_set(struct jmap_call *call)
{
	struct set_result res = {
		json_object_new_object(), json_object_new_object(), json_object_new_array(),
		json_object_new_object(), json_object_new_object(), json_object_new_object(),
	};
	int ret = set_run(call, &res);

	json_object_put(res.created);
	json_object_put(res.updated);
	json_object_put(res.destroyed);
	json_object_put(res.not_created);
	json_object_put(res.not_updated);
	json_object_put(res.not_destroyed);
	return ret;
}
