/* /set's checks of create objects and PatchObjects against the type's
 * property table (RFC 8620 §5.3), before the type sees them. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "jmap/json_pointer.h"
#include "jmap/patch.h"
#include "jmap/std_private.h"

#define SET_PROP_NAME_MAX 256

static json_object *set_invalid_properties(json_object *bad, const char *description)
{
	json_object *error = jmap_set_error("invalidProperties", description, NULL);

	json_object_object_add(error, "properties", bad);
	return error;
}

static void set_bad_add(json_object **bad, const char *name)
{
	size_t n;

	if (*bad == NULL)
		*bad = json_object_new_array();
	n = json_object_array_length(*bad);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(*bad, i)), name) == 0)
			return;
	}
	json_object_array_add(*bad, json_object_new_string(name));
}

json_object *jmap_set_check_create(const struct jmap_type *type, json_object *obj)
{
	json_object *bad = NULL;

	json_object_object_foreach(obj, key, value) {
		const struct jmap_prop *prop = jmap_prop_find(type, key);

		if (prop == NULL || (prop->flags & JMAP_PROP_SERVER_SET) != 0 ||
		    !jmap_prop_value_valid(prop, value))
			set_bad_add(&bad, key);
	}
	return bad != NULL ? set_invalid_properties(bad, "Unknown, server-set or invalid "
						    "properties") : NULL;
}

/* A key is a JSON Pointer without its leading "/": no empty key, no bad
 * escape, and no other key may be a prefix of it. */
static bool set_patch_key_valid(json_object *patch, const char *key)
{
	const char *p = key;
	char *prefix;
	bool ok = *key != '\0';

	while (ok) {
		const char *slash = strchr(p, '/');
		size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		char *token = json_pointer_unescape(p, len);

		ok = token != NULL;
		free(token);
		if (slash == NULL || !ok)
			break;
		prefix = xstrndup(key, (size_t)(slash - key));
		ok = !json_object_object_get_ex(patch, prefix, NULL);
		free(prefix);
		p = slash + 1;
	}
	return ok;
}

struct set_patch_scan {
	json_object *bad;		/* invalid properties */
	json_object *fixed;		/* whole server-set/immutable props given */
	const char *bad_path;		/* first invalid patch key */
};

static void set_patch_scan_key(const struct jmap_type *type, json_object *patch,
			       const char *key, json_object *value, struct set_patch_scan *scan)
{
	char name[SET_PROP_NAME_MAX];
	const struct jmap_prop *prop;
	bool whole = strchr(key, '/') == NULL;

	if (!set_patch_key_valid(patch, key)) {
		if (scan->bad_path == NULL)
			scan->bad_path = key;
		return;
	}
	jmap_patch_key_property(key, name, sizeof(name));
	prop = jmap_prop_find(type, name);
	if (prop == NULL) {
		set_bad_add(&scan->bad, name);
	} else if ((prop->flags & (JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE)) != 0) {
		if (!whole)
			set_bad_add(&scan->bad, name);
		else
			json_object_object_add(scan->fixed, key, json_object_get(value));
	} else if (whole ? !jmap_prop_value_valid(prop, value) :
		   prop->kind != JMAP_KIND_OBJECT && prop->kind != JMAP_KIND_ANY) {
		set_bad_add(&scan->bad, name);
	}
}

/* The current values of the fixed properties of id, through the type's
 * /get. Returns 1 and the object, 0 if id does not exist, -1 on error. */
static int set_current(struct jmap_call *call, const char *id, json_object *fixed,
		       json_object **obj_r)
{
	struct jmap_get get = {
		.ids = json_object_new_array(),
		.properties = json_object_new_array(),
		.list = json_object_new_array(),
		.not_found = json_object_new_array(),
	};
	int ret;

	json_object_array_add(get.ids, json_object_new_string(id));
	json_object_array_add(get.properties, json_object_new_string("id"));
	json_object_object_foreach(fixed, key, value) {
		(void)value;
		json_object_array_add(get.properties, json_object_new_string(key));
	}
	ret = call->def->type->get(call, &get) < 0 ? -1 : json_object_array_length(get.list) > 0;
	if (ret > 0)
		*obj_r = json_object_get(json_object_array_get_idx(get.list, 0));
	json_object_put(get.ids);
	json_object_put(get.properties);
	json_object_put(get.list);
	json_object_put(get.not_found);
	return ret;
}

/* Server-set and immutable properties may be given with their current
 * value (clients may send back whole objects); others make them bad. */
static int set_check_fixed(struct jmap_call *call, const char *id, struct set_patch_scan *scan,
			   json_object **error_r)
{
	json_object *current = NULL;
	int ret;

	if (json_object_object_length(scan->fixed) == 0)
		return 0;
	if (call->def->type->get == NULL)
		ret = 0;
	else if ((ret = set_current(call, id, scan->fixed, &current)) < 0)
		return -1;
	if (ret == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	json_object_object_foreach(scan->fixed, key, value) {
		json_object *now = NULL;

		json_object_object_get_ex(current, key, &now);
		if (!json_object_equal(now, value))
			set_bad_add(&scan->bad, key);
	}
	json_object_put(current);
	return 0;
}

static json_object *set_patch_without(json_object *patch, json_object *fixed)
{
	json_object *out = json_object_new_object();

	json_object_object_foreach(patch, key, value) {
		if (!json_object_object_get_ex(fixed, key, NULL))
			json_object_object_add(out, key, json_object_get(value));
	}
	return out;
}

static int set_patch_verdict(struct jmap_call *call, const char *id, json_object *patch,
			     struct set_patch_scan *scan, json_object **patch_r,
			     json_object **error_r)
{
	if (scan->bad_path != NULL) {
		*error_r = jmap_set_error("invalidPatch",
					  err_fmt("Invalid patch path: %s", scan->bad_path), NULL);
		return -1;
	}
	if (scan->bad == NULL && set_check_fixed(call, id, scan, error_r) < 0)
		return -1;
	if (scan->bad != NULL) {
		*error_r = set_invalid_properties(scan->bad, "Unknown, server-set, immutable or "
						  "invalid properties");
		scan->bad = NULL;
		return -1;
	}
	*patch_r = set_patch_without(patch, scan->fixed);
	return 0;
}

int jmap_set_check_update(struct jmap_call *call, const char *id, json_object *patch,
			  json_object **patch_r, json_object **error_r)
{
	struct set_patch_scan scan = { NULL, json_object_new_object(), NULL };
	int ret;

	*error_r = NULL;
	json_object_object_foreach(patch, key, value)
		set_patch_scan_key(call->def->type, patch, key, value, &scan);
	ret = set_patch_verdict(call, id, patch, &scan, patch_r, error_r);
	json_object_put(scan.bad);
	json_object_put(scan.fixed);
	return ret;
}
