/* What /query and /queryChanges share: the filter and sort arguments
 * (RFC 8620 §5.5), checked, then the type's query run over them. */
#include <string.h>

#include "jmap/collation.h"
#include "jmap/std_private.h"

/* Request JSON is at most 64 deep; operators nest within that. */
#define QUERY_FILTER_MAX_DEPTH 64

static int query_filter_check(struct jmap_call *call, json_object *filter, unsigned depth);

static int query_operator_check(struct jmap_call *call, json_object *filter, unsigned depth)
{
	json_object *op = json_object_object_get(filter, "operator"), *conditions;
	const char *name = json_object_get_string(op);
	size_t n;

	if (!json_object_is_type(op, json_type_string) ||
	    (strcmp(name, "AND") != 0 && strcmp(name, "OR") != 0 && strcmp(name, "NOT") != 0))
		return jmap_call_error(call, "invalidArguments", "operator must be AND, OR or NOT");
	if (!json_object_object_get_ex(filter, "conditions", &conditions) ||
	    !json_object_is_type(conditions, json_type_array) ||
	    json_object_array_length(conditions) == 0)
		return jmap_call_error(call, "invalidArguments",
				       "A FilterOperator needs a non-empty conditions array");
	if (json_object_object_length(filter) != 2)
		return jmap_call_error(call, "invalidArguments",
				       "A FilterOperator has only operator and conditions");
	n = json_object_array_length(conditions);
	for (size_t i = 0; i < n; i++) {
		if (query_filter_check(call, json_object_array_get_idx(conditions, i), depth + 1) < 0)
			return -1;
	}
	return 0;
}

static int query_filter_check(struct jmap_call *call, json_object *filter, unsigned depth)
{
	const struct jmap_type *type = call->def->type;
	const char *error_type = "invalidArguments";

	if (!json_object_is_type(filter, json_type_object))
		return jmap_call_error(call, "invalidArguments", "A filter must be an object");
	if (depth > QUERY_FILTER_MAX_DEPTH)
		return jmap_call_error(call, "invalidArguments", "The filter is nested too deep");
	if (json_object_object_get_ex(filter, "operator", NULL))
		return query_operator_check(call, filter, depth);
	if (type->filter_check == NULL) {
		if (json_object_object_length(filter) == 0)
			return 0;
		return jmap_call_error(call, "unsupportedFilter", NULL);
	}
	if (type->filter_check(filter, &error_type) < 0)
		return jmap_call_error(call, error_type, "The filter condition is not valid");
	return 0;
}

static bool query_sort_prop_known(const struct jmap_type *type, const char *name)
{
	for (size_t i = 0; type->sort_props != NULL && type->sort_props[i] != NULL; i++) {
		if (strcmp(type->sort_props[i], name) == 0)
			return true;
	}
	return false;
}

static const struct jmap_arg *query_comparator_arg_find(const struct jmap_type *type,
							const char *name)
{
	for (size_t i = 0; type->comparator_args != NULL && type->comparator_args[i].name != NULL;
	     i++) {
		if (strcmp(type->comparator_args[i].name, name) == 0)
			return &type->comparator_args[i];
	}
	return NULL;
}

static int query_comparator_keys_check(struct jmap_call *call, json_object *c)
{
	json_object_object_foreach(c, key, v) {
		const struct jmap_arg *arg;

		if (strcmp(key, "property") == 0 || strcmp(key, "isAscending") == 0 ||
		    strcmp(key, "collation") == 0)
			continue;
		arg = query_comparator_arg_find(call->def->type, key);
		if (arg == NULL)
			return jmap_call_error(call, "invalidArguments",
					       "Unknown Comparator property: %s", key);
		if (!json_object_is_type(v, arg->type))
			return jmap_call_error(call, "invalidArguments", "%s has the wrong type", key);
	}
	return 0;
}

static int query_comparator_check(struct jmap_call *call, json_object *c)
{
	json_object *property = NULL, *ascending = NULL, *collation = NULL;

	if (!json_object_is_type(c, json_type_object) ||
	    !json_object_object_get_ex(c, "property", &property) ||
	    !json_object_is_type(property, json_type_string))
		return jmap_call_error(call, "invalidArguments", "A Comparator needs a property");
	if (query_comparator_keys_check(call, c) < 0)
		return -1;
	if (json_object_object_get_ex(c, "isAscending", &ascending) &&
	    !json_object_is_type(ascending, json_type_boolean))
		return jmap_call_error(call, "invalidArguments", "isAscending must be a Boolean");
	if (json_object_object_get_ex(c, "collation", &collation) &&
	    !json_object_is_type(collation, json_type_string))
		return jmap_call_error(call, "invalidArguments", "collation must be a String");
	if (!query_sort_prop_known(call->def->type, json_object_get_string(property)))
		return jmap_call_error(call, "unsupportedSort", "Cannot sort by %s",
				       json_object_get_string(property));
	if (collation != NULL && !jmap_collation_known(json_object_get_string(collation)))
		return jmap_call_error(call, "unsupportedSort", "Unknown collation");
	return 0;
}

static int query_sort_check(struct jmap_call *call, json_object *sort)
{
	size_t n = json_object_array_length(sort);

	for (size_t i = 0; i < n; i++) {
		if (query_comparator_check(call, json_object_array_get_idx(sort, i)) < 0)
			return -1;
	}
	return 0;
}

int jmap_query_run(struct jmap_call *call, struct jmap_query *q)
{
	json_object *filter = NULL;

	json_object_object_get_ex(call->args, "filter", &filter);
	if (filter != NULL && query_filter_check(call, filter, 0) < 0)
		return -1;
	if (jmap_arg_get(call, "sort", json_type_array, &q->sort) < 0 ||
	    (q->sort != NULL && query_sort_check(call, q->sort) < 0))
		return -1;
	q->filter = filter;
	q->ids = json_object_new_array();
	q->can_calculate_changes = true;
	return call->def->type->query(call, q);
}

void jmap_query_clear(struct jmap_query *q)
{
	json_object_put(q->ids);
	q->ids = NULL;
}

static bool query_prop_immutable(const struct jmap_type *type, const char *name)
{
	const struct jmap_prop *prop = jmap_prop_find(type, name);

	return prop != NULL && (prop->flags & JMAP_PROP_IMMUTABLE) != 0;
}

/* A condition key that is not itself an immutable property (e.g.
 * "inMailbox") may depend on anything: it counts as mutable. */
static bool query_filter_immutable(const struct jmap_type *type, json_object *filter)
{
	json_object *conditions;

	if (filter == NULL)
		return true;
	if (json_object_object_get_ex(filter, "conditions", &conditions) &&
	    json_object_object_get_ex(filter, "operator", NULL)) {
		size_t n = json_object_array_length(conditions);

		for (size_t i = 0; i < n; i++) {
			if (!query_filter_immutable(type, json_object_array_get_idx(conditions, i)))
				return false;
		}
		return true;
	}
	json_object_object_foreach(filter, key, value) {
		(void)value;
		if (!query_prop_immutable(type, key))
			return false;
	}
	return true;
}

bool jmap_query_immutable(const struct jmap_type *type, const struct jmap_query *q)
{
	size_t n = q->sort != NULL ? json_object_array_length(q->sort) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(q->sort, i);

		if (!query_prop_immutable(type, json_object_get_string(json_object_object_get(c,
											    "property"))))
			return false;
	}
	return query_filter_immutable(type, q->filter);
}
