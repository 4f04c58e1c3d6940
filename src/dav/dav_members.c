/* The objects of a collection: listing them (one /get, or one /query
 * then one /get of its ids: in-process calls have no maxObjectsInGet
 * cap), reading
 * some by id, and finding one by its resource name (the core's davName
 * filter, a single lookup). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

/* Properties read for every member; with_data adds davData. */
static json_object *dav_member_props(bool with_data)
{
	json_object *props = json_object_new_array();

	json_object_array_add(props, json_object_new_string("id"));
	json_object_array_add(props, json_object_new_string("davName"));
	json_object_array_add(props, json_object_new_string("davEtag"));
	json_object_array_add(props, json_object_new_string("uid"));
	if (with_data)
		json_object_array_add(props, json_object_new_string("davData"));
	return props;
}

static json_object *dav_members_filter(const struct dav_family *fam, json_object *coll)
{
	json_object *filter = json_object_new_object();
	json_object *id = json_object_new_string(dav_json_str(coll, "id"));

	if (fam->in_filter_list) {
		json_object *list = json_object_new_array();

		json_object_array_add(list, id);
		json_object_object_add(filter, fam->in_filter, list);
	} else {
		json_object_object_add(filter, fam->in_filter, id);
	}
	return filter;
}

const char *dav_member_coll_id(const struct dav_family *fam, json_object *member)
{
	json_object *parents = json_object_object_get(member, fam->parent_prop);

	if (parents != NULL && json_object_is_type(parents, json_type_object)) {
		json_object_object_foreach(parents, key, value) {
			(void)value;
			return key;
		}
	}
	return "";
}

bool dav_member_in(const struct dav_family *fam, json_object *member, json_object *coll)
{
	json_object *parents = json_object_object_get(member, fam->parent_prop);

	return parents != NULL && json_object_object_get_ex(parents, dav_json_str(coll, "id"),
							    NULL);
}

json_object *dav_members_get_error(struct dav_ctx *ctx, const struct dav_family *fam,
				   json_object *ids, bool with_data, const char **error_r)
{
	json_object *args, *resp, *list, *props, *out = json_object_new_array();
	char method[64];
	size_t n;

	if (json_object_array_length(ids) == 0)
		return out;
	args = json_object_new_object();
	props = dav_member_props(with_data);
	json_object_array_add(props, json_object_new_string(fam->parent_prop));
	json_object_object_add(args, "ids", json_object_get(ids));
	json_object_object_add(args, "properties", props);
	snprintf(method, sizeof(method), "%s/get", fam->member_type);
	if ((resp = dav_jmap_call(ctx, method, args, error_r)) == NULL) {
		json_object_put(out);
		return NULL;
	}
	list = json_object_object_get(resp, "list");
	n = list != NULL ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(list, i)));
	json_object_put(resp);
	return out;
}

json_object *dav_members_get(struct dav_ctx *ctx, const struct dav_family *fam,
			     json_object *ids, bool with_data)
{
	const char *error;
	json_object *out = dav_members_get_error(ctx, fam, ids, with_data, &error);

	if (out == NULL)
		dav_respond_internal(ctx, error);
	return out;
}

/* Every id matching filter, in one /query (new reference), or NULL
 * with *error_r. */
static json_object *dav_members_query(struct dav_ctx *ctx, const struct dav_family *fam,
				      json_object *filter, const char **error_r)
{
	json_object *args = json_object_new_object(), *resp, *ids;
	char method[64];

	json_object_object_add(args, "filter", json_object_get(filter));
	snprintf(method, sizeof(method), "%s/query", fam->member_type);
	if ((resp = dav_jmap_call(ctx, method, args, error_r)) == NULL)
		return NULL;
	ids = json_object_get(json_object_object_get(resp, "ids"));
	json_object_put(resp);
	if (ids == NULL)
		*error_r = "the query gave no ids";
	return ids;
}

/* Every member matching filter. */
static json_object *dav_members_matching(struct dav_ctx *ctx, const struct dav_family *fam,
					 json_object *filter, bool with_data,
					 const char **error_r)
{
	json_object *ids = dav_members_query(ctx, fam, filter, error_r), *out;

	if (ids == NULL)
		return NULL;
	out = dav_members_get_error(ctx, fam, ids, with_data, error_r);
	json_object_put(ids);
	return out;
}

json_object *dav_members_filtered(struct dav_ctx *ctx, const struct dav_family *fam,
				  json_object *coll, json_object *conditions, bool with_data)
{
	json_object *filter = dav_members_filter(fam, coll), *out;
	const char *error = NULL;

	if (conditions != NULL) {
		json_object_object_foreach(conditions, key, value)
			json_object_object_add(filter, key, json_object_get(value));
	}
	out = dav_members_matching(ctx, fam, filter, with_data, &error);
	json_object_put(filter);
	if (out == NULL)
		dav_respond_internal(ctx, error);
	return out;
}

/* One /get of every member of the family, kept to coll: one pass over
 * the store's rows, where a /query and a /get of its ids read each row
 * twice, the second time one by one. */
json_object *dav_members_list(struct dav_ctx *ctx, const struct dav_family *fam,
			      json_object *coll, bool with_data)
{
	json_object *args = json_object_new_object(), *resp, *list, *props, *out;
	const char *error;
	char method[64];
	size_t n;

	props = dav_member_props(with_data);
	json_object_array_add(props, json_object_new_string(fam->parent_prop));
	json_object_object_add(args, "properties", props);
	snprintf(method, sizeof(method), "%s/get", fam->member_type);
	if ((resp = dav_jmap_call(ctx, method, args, &error)) == NULL) {
		dav_respond_internal(ctx, error);
		return NULL;
	}
	out = json_object_new_array();
	list = json_object_object_get(resp, "list");
	n = list != NULL ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(list, i);

		if (dav_member_in(fam, m, coll))
			json_object_array_add(out, json_object_get(m));
	}
	json_object_put(resp);
	return out;
}

int dav_member_find(struct dav_ctx *ctx, const struct dav_family *fam, json_object *coll,
		    const char *name, bool with_data, json_object **member_r)
{
	json_object *cond = json_object_new_object(), *list;
	size_t n;

	*member_r = NULL;
	json_object_object_add(cond, "davName", json_object_new_string(name));
	list = dav_members_filtered(ctx, fam, coll, cond, with_data);
	json_object_put(cond);
	if (list == NULL)
		return -1;
	n = json_object_array_length(list);
	for (size_t i = 0; i < n && *member_r == NULL; i++) {
		json_object *m = json_object_array_get_idx(list, i);

		if (dav_member_in(fam, m, coll) && strcmp(dav_json_str(m, "davName"), name) == 0)
			*member_r = json_object_get(m);
	}
	json_object_put(list);
	return *member_r != NULL ? 1 : 0;
}
