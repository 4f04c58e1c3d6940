/* Foo/get (RFC 8620 §5.1). */
#include <string.h>

#include "jmap/std_private.h"

static const char *const get_known_args[] = { "accountId", "ids", "properties", NULL };

/* properties: the asked names (each known), deduplicated, with "id";
 * null means every property but those fetched only by name. */
static int get_properties(struct jmap_call *call, json_object *arg, json_object **props_r)
{
	const struct jmap_type *type = call->def->type;
	json_object *props = json_object_new_array();
	json_object *seen = json_object_new_object();
	size_t n = arg != NULL ? json_object_array_length(arg) : 0;
	int ret = 0;

	json_object_array_add(props, json_object_new_string("id"));
	json_object_object_add(seen, "id", NULL);
	for (size_t i = 0; arg == NULL && type->props[i].name != NULL; i++) {
		if ((type->props[i].flags & JMAP_PROP_NOT_DEFAULT) == 0 &&
		    strcmp(type->props[i].name, "id") != 0)
			json_object_array_add(props, json_object_new_string(type->props[i].name));
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		json_object *item = json_object_array_get_idx(arg, i);
		const char *name = json_object_get_string(item);

		if (!json_object_is_type(item, json_type_string) || jmap_prop_find(type, name) == NULL)
			ret = jmap_call_error(call, "invalidArguments", "Unknown property: %s",
					      name != NULL ? name : "(not a string)");
		else if (!json_object_object_get_ex(seen, name, NULL)) {
			json_object_object_add(seen, name, NULL);
			json_object_array_add(props, json_object_new_string(name));
		}
	}
	json_object_put(seen);
	if (ret < 0)
		json_object_put(props);
	else
		*props_r = props;
	return ret;
}

/* ids: each a string; "#creation" references resolved (unknown ones go
 * to notFound as given); duplicates dropped. maxObjectsInGet binds
 * HTTP clients; in-process callers (the DAV face listing a collection)
 * read as many as they ask for. */
static int get_ids(struct jmap_call *call, json_object *arg, struct jmap_get *get)
{
	size_t n = json_object_array_length(arg);
	json_object *seen;

	if (!call->req->in_process && (int64_t)n > call->req->srv->limits.max_objects_in_get)
		return jmap_call_error(call, "requestTooLarge", "More ids than maxObjectsInGet");
	seen = json_object_new_object();
	get->ids = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(arg, i);
		const char *given = json_object_get_string(item), *id;

		if (!json_object_is_type(item, json_type_string)) {
			json_object_put(seen);
			return jmap_call_error(call, "invalidArguments", "ids must be Strings");
		}
		id = jmap_id_resolve(call, given);
		if (json_object_object_get_ex(seen, id != NULL ? id : given, NULL))
			continue;
		json_object_object_add(seen, id != NULL ? id : given, NULL);
		json_object_array_add(id != NULL ? get->ids : get->not_found,
				      json_object_new_string(id != NULL ? id : given));
	}
	json_object_put(seen);
	return 0;
}

/* Keeps only the asked properties of each object, in the asked order. */
static void get_trim(json_object *list, json_object *props)
{
	size_t n = json_object_array_length(list), np = json_object_array_length(props);

	for (size_t i = 0; i < n; i++) {
		json_object *obj = json_object_array_get_idx(list, i);
		json_object *trimmed = json_object_new_object();

		for (size_t k = 0; k < np; k++) {
			const char *name = json_object_get_string(json_object_array_get_idx(props, k));
			json_object *value;

			if (json_object_object_get_ex(obj, name, &value))
				json_object_object_add(trimmed, name, json_object_get(value));
		}
		json_object_array_put_idx(list, i, trimmed);
	}
}

static json_object *get_response(struct jmap_call *call, struct jmap_get *get)
{
	json_object *resp = jmap_std_response(call);
	char state[24];

	jmap_std_state(call, state);
	json_object_object_add(resp, "state", json_object_new_string(state));
	json_object_object_add(resp, "list", json_object_get(get->list));
	json_object_object_add(resp, "notFound", json_object_get(get->not_found));
	return resp;
}

static int get_run(struct jmap_call *call, struct jmap_get *get)
{
	const struct jmap_type *type = call->def->type;
	json_object *ids_arg, *props_arg;

	if (jmap_args_check(call, get_known_args, type->get_args) < 0 ||
	    jmap_arg_get(call, "ids", json_type_array, &ids_arg) < 0 ||
	    jmap_arg_get(call, "properties", json_type_array, &props_arg) < 0 ||
	    get_properties(call, props_arg, &get->properties) < 0)
		return -1;
	if (ids_arg != NULL && get_ids(call, ids_arg, get) < 0)
		return -1;
	if (type->get(call, get) < 0)
		return -1;
	if (ids_arg == NULL && !call->req->in_process &&
	    (int64_t)json_object_array_length(get->list) > call->req->srv->limits.max_objects_in_get)
		return jmap_call_error(call, "requestTooLarge",
				       "More objects than maxObjectsInGet: ask for ids");
	get_trim(get->list, get->properties);
	call->response = get_response(call, get);
	return 0;
}

int jmap_std_get(struct jmap_call *call)
{
	struct jmap_get get = {
		.list = json_object_new_array(),
		.not_found = json_object_new_array(),
	};
	int ret = get_run(call, &get);

	json_object_put(get.ids);
	json_object_put(get.properties);
	json_object_put(get.list);
	json_object_put(get.not_found);
	return ret;
}
