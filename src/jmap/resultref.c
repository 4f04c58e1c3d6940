/* Result references (RFC 8620 §3.7). */
#include <stdbool.h>
#include <string.h>

#include "jmap/json_pointer.h"
#include "jmap/resultref.h"

/* A resolved value may share subtrees with earlier responses, and a
 * later call may echo it back: bound what one call can pull in, so that
 * chained references cannot make a response grow without limit. */
#define RESULTREF_MAX_NODES 100000

const char *jmap_resultref_conflict(json_object *args)
{
	json_object_object_foreach(args, key, value) {
		(void)value;
		if (key[0] == '#' && json_object_object_get_ex(args, key + 1, NULL))
			return key + 1;
	}
	return NULL;
}

static const char *resultref_string(json_object *ref, const char *name)
{
	json_object *value;

	if (!json_object_object_get_ex(ref, name, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* The arguments of the first response with call id result_of. */
static json_object *resultref_find(json_object *responses, const char *result_of,
				   const char *name, const char **error_r)
{
	size_t n = json_object_array_length(responses);

	for (size_t i = 0; i < n; i++) {
		json_object *resp = json_object_array_get_idx(responses, i);
		const char *id = json_object_get_string(json_object_array_get_idx(resp, 2));

		if (id == NULL || strcmp(id, result_of) != 0)
			continue;
		if (strcmp(json_object_get_string(json_object_array_get_idx(resp, 0)), name) != 0) {
			*error_r = "The response to resultOf has another name";
			return NULL;
		}
		return json_object_array_get_idx(resp, 1);
	}
	*error_r = "No earlier response has the call id in resultOf";
	return NULL;
}

/* Counts nodes of value as a tree (shared subtrees once per use), up to
 * budget; returns false when the budget runs out. */
static bool resultref_count(json_object *value, size_t *budget)
{
	if (*budget == 0)
		return false;
	(*budget)--;
	if (json_object_is_type(value, json_type_array)) {
		size_t n = json_object_array_length(value);

		for (size_t i = 0; i < n; i++) {
			if (!resultref_count(json_object_array_get_idx(value, i), budget))
				return false;
		}
	} else if (json_object_is_type(value, json_type_object)) {
		json_object_object_foreach(value, key, child) {
			(void)key;
			if (!resultref_count(child, budget))
				return false;
		}
	}
	return true;
}

static int resultref_eval(json_object *ref, json_object *responses, size_t *budget,
			  json_object **value_r, const char **error_r)
{
	const char *result_of = resultref_string(ref, "resultOf");
	const char *name = resultref_string(ref, "name");
	const char *path = resultref_string(ref, "path");
	json_object *args;

	if (!json_object_is_type(ref, json_type_object) || result_of == NULL ||
	    name == NULL || path == NULL) {
		*error_r = "A ResultReference needs resultOf, name and path strings";
		return -1;
	}
	if ((args = resultref_find(responses, result_of, name, error_r)) == NULL)
		return -1;
	*value_r = json_pointer_eval(args, path, error_r);
	if (*error_r != NULL)
		return -1;
	if (!resultref_count(*value_r, budget)) {
		json_object_put(*value_r);
		*error_r = "The referenced values are too large";
		return -1;
	}
	return 0;
}

json_object *jmap_resultref_resolve(json_object *args, json_object *method_responses,
				    const char **error_r)
{
	json_object *out = json_object_new_object();
	size_t budget = RESULTREF_MAX_NODES;

	if (jmap_resultref_conflict(args) != NULL) {
		*error_r = "An argument is given both plain and as a reference";
		json_object_put(out);
		return NULL;
	}
	json_object_object_foreach(args, key, value) {
		json_object *resolved;

		if (key[0] != '#') {
			json_object_object_add(out, key, json_object_get(value));
			continue;
		}
		if (resultref_eval(value, method_responses, &budget, &resolved, error_r) < 0) {
			json_object_put(out);
			return NULL;
		}
		json_object_object_add(out, key + 1, resolved);
	}
	return out;
}
