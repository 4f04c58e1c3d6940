/* Calls into the JMAP core (jmap_invoke) for the user's own account,
 * and the collections of each family. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "dav/dav_private.h"
#include "jmap/jmap.h"

const char *dav_json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

json_object *dav_jmap_call(struct dav_ctx *ctx, const char *method, json_object *args,
			   const char **error_r)
{
	json_object *resps, *first, *out = NULL;
	const char *name;

	json_object_object_add(args, "accountId", json_object_new_string(ctx->account_id));
	resps = jmap_invoke(ctx->srv->jmap, ctx->req->user, method, args);
	json_object_put(args);
	first = resps != NULL ? json_object_array_get_idx(resps, 0) : NULL;
	name = first != NULL ? json_object_get_string(json_object_array_get_idx(first, 0)) : NULL;
	if (name != NULL && strcmp(name, method) == 0) {
		out = json_object_get(json_object_array_get_idx(first, 1));
	} else {
		const char *type = first != NULL ?
			dav_json_str(json_object_array_get_idx(first, 1), "type") : "";

		*error_r = err_fmt("%s: %s", method, *type != '\0' ? type : "no response");
	}
	json_object_put(resps);
	return out;
}

static json_object *dav_strings(const char *const *list)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; list[i] != NULL; i++)
		json_object_array_add(arr, json_object_new_string(list[i]));
	return arr;
}

json_object *dav_jmap_collections(struct dav_ctx *ctx, const struct dav_family *fam,
				  char **state_r)
{
	json_object *args = json_object_new_object(), *resp, *list;
	const char *error;
	char method[64];

	json_object_object_add(args, "properties", dav_strings(fam->coll_props));
	snprintf(method, sizeof(method), "%s/get", fam->coll_type);
	if ((resp = dav_jmap_call(ctx, method, args, &error)) == NULL) {
		dav_respond_internal(ctx, error);
		return NULL;
	}
	list = json_object_get(json_object_object_get(resp, "list"));
	if (state_r != NULL)
		*state_r = xstrdup(dav_json_str(resp, "state"));
	json_object_put(resp);
	return list;
}

int dav_jmap_collection(struct dav_ctx *ctx, const struct dav_family *fam, const char *name,
			json_object **coll_r)
{
	json_object *list = dav_jmap_collections(ctx, fam, NULL);
	size_t n;

	*coll_r = NULL;
	if (list == NULL)
		return -1;
	n = json_object_array_length(list);
	for (size_t i = 0; i < n && *coll_r == NULL; i++) {
		json_object *c = json_object_array_get_idx(list, i);

		if (strcmp(dav_json_str(c, "davName"), name) == 0)
			*coll_r = json_object_get(c);
	}
	json_object_put(list);
	return *coll_r != NULL ? 1 : 0;
}

char *dav_jmap_state(struct dav_ctx *ctx, const char *type)
{
	json_object *args = json_object_new_object(), *resp;
	const char *error;
	char method[64];
	char *state;

	json_object_object_add(args, "ids", json_object_new_array());
	snprintf(method, sizeof(method), "%s/get", type);
	if ((resp = dav_jmap_call(ctx, method, args, &error)) == NULL)
		return NULL;
	state = xstrdup(dav_json_str(resp, "state"));
	json_object_put(resp);
	return state;
}

static void dav_args_merge(json_object *args, json_object *extra)
{
	if (extra == NULL)
		return;
	json_object_object_foreach(extra, key, value)
		json_object_object_add(args, key, json_object_get(value));
}

/* From a /set response, what became of key in ok_member or bad_member. */
static int dav_set_outcome(json_object *resp, const char *ok_member, const char *bad_member,
			   const char *key, json_object **result_r)
{
	json_object *map, *v;

	if (json_object_object_get_ex(resp, ok_member, &map) && map != NULL &&
	    json_object_object_get_ex(map, key, &v)) {
		*result_r = v != NULL ? json_object_get(v) : json_object_new_object();
		return 1;
	}
	if (json_object_object_get_ex(resp, bad_member, &map) && map != NULL &&
	    json_object_object_get_ex(map, key, &v) && v != NULL) {
		*result_r = json_object_get(v);
		return 0;
	}
	*result_r = NULL;
	return -1;
}

int dav_jmap_set_one(struct dav_ctx *ctx, const char *type, const char *id,
		     json_object *value, json_object *extra_args, json_object **result_r,
		     const char **error_r)
{
	json_object *args = json_object_new_object(), *map = json_object_new_object(), *resp;
	char method[64];
	int ret;

	json_object_object_add(map, id != NULL ? id : "c", value);
	json_object_object_add(args, id != NULL ? "update" : "create", map);
	dav_args_merge(args, extra_args);
	snprintf(method, sizeof(method), "%s/set", type);
	if ((resp = dav_jmap_call(ctx, method, args, error_r)) == NULL)
		return -1;
	ret = id != NULL ? dav_set_outcome(resp, "updated", "notUpdated", id, result_r) :
		dav_set_outcome(resp, "created", "notCreated", "c", result_r);
	json_object_put(resp);
	if (ret < 0)
		*error_r = err_fmt("%s: no outcome for the object", method);
	return ret;
}

int dav_jmap_destroy(struct dav_ctx *ctx, const char *type, const char *id,
		     json_object *extra_args, json_object **result_r, const char **error_r)
{
	json_object *args = json_object_new_object(), *ids = json_object_new_array(), *resp, *v;
	char method[64];
	int ret = -1;

	json_object_array_add(ids, json_object_new_string(id));
	json_object_object_add(args, "destroy", ids);
	dav_args_merge(args, extra_args);
	snprintf(method, sizeof(method), "%s/set", type);
	if ((resp = dav_jmap_call(ctx, method, args, error_r)) == NULL)
		return -1;
	*result_r = NULL;
	v = json_object_object_get(resp, "destroyed");
	if (v != NULL && json_object_array_length(v) == 1) {
		ret = 1;
	} else if (dav_set_outcome(resp, "", "notDestroyed", id, result_r) == 0) {
		ret = 0;
	} else {
		*error_r = err_fmt("%s: no outcome for the object", method);
	}
	json_object_put(resp);
	return ret;
}
