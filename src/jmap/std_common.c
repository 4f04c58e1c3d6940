/* What the standard methods share: argument checks, property lookups,
 * filter evaluation, responses and states. */
#include <string.h>

#include "core/timeutil.h"
#include "jmap/std_private.h"

/* I-JSON (RFC 7493 §2.2): integers beyond ±(2^53-1) are not portable. */
#define JMAP_INT_MAX ((1LL << 53) - 1)

static bool std_name_in(const char *name, const char *const *list)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		if (strcmp(name, list[i]) == 0)
			return true;
	}
	return false;
}

static const struct jmap_arg *std_arg_find(const char *name, const struct jmap_arg *list)
{
	for (size_t i = 0; list != NULL && list[i].name != NULL; i++) {
		if (strcmp(name, list[i].name) == 0)
			return &list[i];
	}
	return NULL;
}

int jmap_args_check(struct jmap_call *call, const char *const *known,
		    const struct jmap_arg *extra)
{
	json_object_object_foreach(call->args, key, value) {
		const struct jmap_arg *arg;

		if (std_name_in(key, known))
			continue;
		if ((arg = std_arg_find(key, extra)) == NULL)
			return jmap_call_error(call, "invalidArguments", "Unknown argument: %s", key);
		if (!(value == NULL && arg->nullable) && !json_object_is_type(value, arg->type))
			return jmap_call_error(call, "invalidArguments", "%s has the wrong type", key);
	}
	return 0;
}

int jmap_arg_get(struct jmap_call *call, const char *name, enum json_type type,
		 json_object **value_r)
{
	json_object *value = NULL;

	json_object_object_get_ex(call->args, name, &value);
	*value_r = value;
	if (value != NULL && !json_object_is_type(value, type)) {
		*value_r = NULL;
		return jmap_call_error(call, "invalidArguments", "%s has the wrong type", name);
	}
	return 0;
}

int jmap_arg_int(struct jmap_call *call, const char *name, int64_t def, int64_t *value_r)
{
	json_object *value;

	if (jmap_arg_get(call, name, json_type_int, &value) < 0)
		return -1;
	*value_r = value != NULL ? json_object_get_int64(value) : def;
	if (*value_r > JMAP_INT_MAX || *value_r < -JMAP_INT_MAX)
		return jmap_call_error(call, "invalidArguments", "%s is out of range", name);
	return 0;
}

int jmap_arg_uint_or_null(struct jmap_call *call, const char *name, int64_t *value_r)
{
	json_object *value;

	if (jmap_arg_get(call, name, json_type_int, &value) < 0)
		return -1;
	if (value == NULL) {
		*value_r = -1;
		return 0;
	}
	*value_r = json_object_get_int64(value);
	if (*value_r < 0 || *value_r > JMAP_INT_MAX)
		return jmap_call_error(call, "invalidArguments", "%s must be an UnsignedInt", name);
	return 0;
}

int jmap_arg_bool(struct jmap_call *call, const char *name, bool def, bool *value_r)
{
	json_object *value;

	if (jmap_arg_get(call, name, json_type_boolean, &value) < 0)
		return -1;
	*value_r = value != NULL ? json_object_get_boolean(value) : def;
	return 0;
}

json_object *jmap_std_response(const struct jmap_call *call)
{
	json_object *resp = json_object_new_object();
	char account_id[16];

	jmap_account_id_format(call->account_id, account_id);
	json_object_object_add(resp, "accountId", json_object_new_string(account_id));
	return resp;
}

void jmap_std_state(const struct jmap_call *call, char out[24])
{
	jmap_state_format(store_type_state(call->acct, call->def->type->store_type), out);
}

const struct jmap_prop *jmap_prop_find(const struct jmap_type *type, const char *name)
{
	for (const struct jmap_prop *p = type->props; p->name != NULL; p++) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return type->prop_match != NULL ? type->prop_match(name) : NULL;
}

bool jmap_get_wants(const struct jmap_get *get, const char *name)
{
	size_t n = json_object_array_length(get->properties);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(get->properties, i)),
			   name) == 0)
			return true;
	}
	return false;
}

static bool std_id_or_reference(const char *s)
{
	return jmap_id_valid(s[0] == '#' ? s + 1 : s);
}

bool jmap_prop_value_valid(const struct jmap_prop *prop, json_object *value)
{
	time_t t;

	if (value == NULL)
		return (prop->flags & (JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED)) != 0;
	switch (prop->kind) {
	case JMAP_KIND_ID:
		return json_object_is_type(value, json_type_string) &&
		       std_id_or_reference(json_object_get_string(value));
	case JMAP_KIND_STRING:
		return json_object_is_type(value, json_type_string);
	case JMAP_KIND_UINT:
		return json_object_is_type(value, json_type_int) &&
		       json_object_get_int64(value) >= 0 && json_object_get_int64(value) <= JMAP_INT_MAX;
	case JMAP_KIND_INT:
		return json_object_is_type(value, json_type_int) &&
		       json_object_get_int64(value) >= -JMAP_INT_MAX &&
		       json_object_get_int64(value) <= JMAP_INT_MAX;
	case JMAP_KIND_BOOL:
		return json_object_is_type(value, json_type_boolean);
	case JMAP_KIND_DATE:
		return json_object_is_type(value, json_type_string) &&
		       time_parse_utc(json_object_get_string(value), &t) == 0;
	case JMAP_KIND_OBJECT:
		return json_object_is_type(value, json_type_object);
	case JMAP_KIND_ARRAY:
		return json_object_is_type(value, json_type_array);
	case JMAP_KIND_ANY:
		return true;
	}
	return false;
}

bool jmap_filter_eval(json_object *filter, bool (*match)(json_object *condition, void *obj),
		      void *obj)
{
	json_object *op, *conditions;
	const char *name;
	size_t n;

	if (!json_object_object_get_ex(filter, "operator", &op))
		return match(filter, obj);
	name = json_object_get_string(op);
	json_object_object_get_ex(filter, "conditions", &conditions);
	n = json_object_array_length(conditions);
	for (size_t i = 0; i < n; i++) {
		bool m = jmap_filter_eval(json_object_array_get_idx(conditions, i), match, obj);

		if (strcmp(name, "AND") == 0 && !m)
			return false;
		if (strcmp(name, "OR") == 0 && m)
			return true;
		if (strcmp(name, "NOT") == 0 && m)
			return false;
	}
	return strcmp(name, "OR") != 0;
}
