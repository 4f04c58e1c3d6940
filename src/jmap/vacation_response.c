/* VacationResponse (RFC 8621 §8): one object per account, id
 * "singleton", with /get and /set only (the spec defines no /changes). */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/objects.h"
#include "jmap/patch.h"

#define VACATION_ID "singleton"
#define VACATION_MAX_SUBJECT 1024
#define VACATION_MAX_BODY (256 * 1024)

static const struct jmap_prop vacation_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "isEnabled", JMAP_KIND_BOOL, 0 },
	{ "fromDate", JMAP_KIND_DATE, JMAP_PROP_NULLABLE },
	{ "toDate", JMAP_KIND_DATE, JMAP_PROP_NULLABLE },
	{ "subject", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	{ "textBody", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	{ "htmlBody", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	{ NULL, 0, 0 },
};

static void vacation_add_date(json_object *obj, const char *name, bool has, int64_t t)
{
	char date[21];

	if (!has) {
		json_object_object_add(obj, name, NULL);
		return;
	}
	time_format_utc((time_t)t, date);
	json_object_object_add(obj, name, json_object_new_string(date));
}

static void vacation_add_text(json_object *obj, const char *name, const char *text)
{
	json_object_object_add(obj, name, text != NULL ? json_object_new_string(text) : NULL);
}

static json_object *vacation_to_json(const struct store_vacation *v)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "id", json_object_new_string(VACATION_ID));
	json_object_object_add(obj, "isEnabled", json_object_new_boolean(v->is_enabled));
	vacation_add_date(obj, "fromDate", v->has_from_date, v->from_date);
	vacation_add_date(obj, "toDate", v->has_to_date, v->to_date);
	vacation_add_text(obj, "subject", v->subject);
	vacation_add_text(obj, "textBody", v->text_body);
	vacation_add_text(obj, "htmlBody", v->html_body);
	return obj;
}

static int vacation_load(struct jmap_call *call, struct store_vacation *v)
{
	if (store_vacation_get(call->acct, v) < 0)
		return jmap_call_error(call, "serverFail", "cannot read the vacation response");
	return 0;
}

static int jmap_vacation_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_vacation v;
	size_t n = get->ids != NULL ? json_object_array_length(get->ids) : 0;

	if (vacation_load(call, &v) < 0)
		return -1;
	if (get->ids == NULL)
		json_object_array_add(get->list, vacation_to_json(&v));
	for (size_t i = 0; i < n; i++) {
		json_object *id = json_object_array_get_idx(get->ids, i);

		if (strcmp(json_object_get_string(id), VACATION_ID) == 0)
			json_object_array_add(get->list, vacation_to_json(&v));
		else
			json_object_array_add(get->not_found, json_object_get(id));
	}
	store_vacation_clear(&v);
	return 0;
}

static json_object *vacation_singleton_error(void)
{
	return jmap_set_error("singleton", "There is one VacationResponse, \"singleton\"", NULL);
}

static int jmap_vacation_create(struct jmap_call *call, const char *creation_id, json_object *obj,
				json_object **created_r, json_object **error_r)
{
	(void)call;
	(void)creation_id;
	(void)obj;
	(void)created_r;
	*error_r = vacation_singleton_error();
	return -1;
}

static int jmap_vacation_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	(void)call;
	*error_r = strcmp(id, VACATION_ID) == 0 ? vacation_singleton_error() :
		   jmap_set_error("notFound", NULL, NULL);
	return -1;
}

static json_object *vacation_prop_error(const char *prop)
{
	return jmap_prop_error(prop, "Not a valid value");
}

static int vacation_parse_date(json_object *obj, const char *name, bool *has, int64_t *t,
			       json_object **error_r)
{
	json_object *value = json_object_object_get(obj, name);
	time_t parsed;

	*has = value != NULL;
	if (value == NULL)
		return 0;
	if (!json_object_is_type(value, json_type_string) ||
	    time_parse_utc(json_object_get_string(value), &parsed) < 0) {
		*error_r = vacation_prop_error(name);
		return -1;
	}
	*t = (int64_t)parsed;
	return 0;
}

static int vacation_parse_text(json_object *obj, const char *name, size_t max, char **out,
			       json_object **error_r)
{
	json_object *value = json_object_object_get(obj, name);

	if (value == NULL)
		return 0;
	if (!json_object_is_type(value, json_type_string) ||
	    (size_t)json_object_get_string_len(value) > max ||
	    strlen(json_object_get_string(value)) != (size_t)json_object_get_string_len(value)) {
		*error_r = vacation_prop_error(name);
		return -1;
	}
	*out = xstrdup(json_object_get_string(value));
	return 0;
}

/* The whole object after the patch, into *v (every field). */
static int vacation_parse(json_object *obj, struct store_vacation *v, json_object **error_r)
{
	json_object *enabled = json_object_object_get(obj, "isEnabled");

	if (!json_object_is_type(enabled, json_type_boolean)) {
		*error_r = vacation_prop_error("isEnabled");
		return -1;
	}
	v->is_enabled = json_object_get_boolean(enabled);
	if (vacation_parse_date(obj, "fromDate", &v->has_from_date, &v->from_date, error_r) < 0 ||
	    vacation_parse_date(obj, "toDate", &v->has_to_date, &v->to_date, error_r) < 0 ||
	    vacation_parse_text(obj, "subject", VACATION_MAX_SUBJECT, &v->subject, error_r) < 0 ||
	    vacation_parse_text(obj, "textBody", VACATION_MAX_BODY, &v->text_body, error_r) < 0 ||
	    vacation_parse_text(obj, "htmlBody", VACATION_MAX_BODY, &v->html_body, error_r) < 0)
		return -1;
	return 0;
}

static int vacation_update_apply(struct jmap_call *call, json_object *obj, json_object *patch,
				 json_object **error_r)
{
	struct store_vacation v = { 0 };
	const char *bad_path, *error;
	int ret = -1;

	if (jmap_patch_apply(obj, patch, &bad_path) < 0) {
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
	} else if (vacation_parse(obj, &v, error_r) == 0) {
		if (store_vacation_set(call->acct, &v, &error) < 0) {
			*error_r = NULL;
			jmap_call_error(call, "serverFail", "vacation set: %s", error);
		} else {
			call->changed_types |= 1ULL << STORE_TYPE_VACATION_RESPONSE;
			ret = 0;
		}
	}
	store_vacation_clear(&v);
	return ret;
}

static int jmap_vacation_update(struct jmap_call *call, const char *id, json_object *patch,
				json_object **updated_r, json_object **error_r)
{
	struct store_vacation v;
	json_object *obj;
	int ret;

	*updated_r = NULL;
	if (strcmp(id, VACATION_ID) != 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (vacation_load(call, &v) < 0) {
		*error_r = NULL;
		return -1;
	}
	obj = vacation_to_json(&v);
	store_vacation_clear(&v);
	ret = vacation_update_apply(call, obj, patch, error_r);
	json_object_put(obj);
	return ret;
}

/* The methods run on this type; the registered one has only them, so
 * that no /changes (which would name the object by number) appears. */
static const struct jmap_type vacation_methods_type = {
	.name = "VacationResponse",
	.capability = JMAP_CAP_VACATION,
	.store_type = STORE_TYPE_VACATION_RESPONSE,
	.props = vacation_props,
	.get = jmap_vacation_get,
	.create = jmap_vacation_create,
	.update = jmap_vacation_update,
	.destroy = jmap_vacation_destroy,
};

static const struct jmap_method vacation_methods[] = {
	{ "VacationResponse/get", JMAP_CAP_VACATION, jmap_std_get, &vacation_methods_type,
	  JMAP_METHOD_ACCOUNT, NULL },
	{ "VacationResponse/set", JMAP_CAP_VACATION, jmap_std_set, &vacation_methods_type,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

const struct jmap_type jmap_vacation_response_type = {
	.name = "VacationResponse",
	.capability = JMAP_CAP_VACATION,
	.store_type = STORE_TYPE_VACATION_RESPONSE,
	.props = vacation_props,
	.methods = vacation_methods,
};
