/* The objects of a collection: listing them (a /query page, then a /get
 * of that page), reading some by id, and finding one by its resource
 * name or its UID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

/* Ids per /get when the ids do not come from a /query page: below the
 * default maxObjectsInGet. */
#define DAV_GET_PAGE 100

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

/* Reads ids (a page of at most maxObjectsInGet) and appends what is
 * found to out. 0, or -1 with *error_r. */
static int dav_members_get_page(struct dav_ctx *ctx, const struct dav_family *fam,
				json_object *ids, bool with_data, json_object *out,
				const char **error_r)
{
	json_object *args = json_object_new_object(), *resp, *list, *props;
	char method[64];
	size_t n;

	props = dav_member_props(with_data);
	json_object_array_add(props, json_object_new_string(fam->parent_prop));
	json_object_object_add(args, "ids", json_object_get(ids));
	json_object_object_add(args, "properties", props);
	snprintf(method, sizeof(method), "%s/get", fam->member_type);
	if ((resp = dav_jmap_call(ctx, method, args, error_r)) == NULL)
		return -1;
	list = json_object_object_get(resp, "list");
	n = list != NULL ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(list, i)));
	json_object_put(resp);
	return 0;
}

json_object *dav_members_get(struct dav_ctx *ctx, const struct dav_family *fam,
			     json_object *ids, bool with_data)
{
	json_object *out = json_object_new_array();
	size_t n = json_object_array_length(ids);
	const char *error;

	for (size_t start = 0; start < n; start += DAV_GET_PAGE) {
		json_object *page = json_object_new_array();

		for (size_t i = start; i < n && i < start + DAV_GET_PAGE; i++)
			json_object_array_add(page,
				json_object_get(json_object_array_get_idx(ids, i)));
		if (dav_members_get_page(ctx, fam, page, with_data, out, &error) < 0) {
			json_object_put(page);
			json_object_put(out);
			dav_respond_internal(ctx, error);
			return NULL;
		}
		json_object_put(page);
	}
	return out;
}

/* One /query page from position: the ids (new reference) and the
 * total. NULL with *error_r on failure. */
static json_object *dav_members_query(struct dav_ctx *ctx, const struct dav_family *fam,
				      json_object *filter, int64_t position, int64_t *total_r,
				      const char **error_r)
{
	json_object *args = json_object_new_object(), *resp, *ids;
	char method[64];

	json_object_object_add(args, "filter", json_object_get(filter));
	json_object_object_add(args, "position", json_object_new_int64(position));
	json_object_object_add(args, "calculateTotal", json_object_new_boolean(1));
	snprintf(method, sizeof(method), "%s/query", fam->member_type);
	if ((resp = dav_jmap_call(ctx, method, args, error_r)) == NULL)
		return NULL;
	ids = json_object_get(json_object_object_get(resp, "ids"));
	*total_r = json_object_get_int64(json_object_object_get(resp, "total"));
	json_object_put(resp);
	return ids;
}

static void dav_members_note(struct dav_ctx *ctx, const struct dav_family *fam,
			     json_object *coll, json_object *list)
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++)
		dav_names_note(ctx->srv->names, ctx->account_id, fam, dav_json_str(coll, "id"),
			       json_object_array_get_idx(list, i));
}

/* Every member matching filter, a page at a time. */
static json_object *dav_members_matching(struct dav_ctx *ctx, const struct dav_family *fam,
					 json_object *filter, bool with_data,
					 const char **error_r)
{
	json_object *out = json_object_new_array(), *ids;
	int64_t position = 0, total = 0;
	size_t n;

	do {
		if ((ids = dav_members_query(ctx, fam, filter, position, &total, error_r)) == NULL)
			goto fail;
		n = json_object_array_length(ids);
		if (n > 0 && dav_members_get_page(ctx, fam, ids, with_data, out, error_r) < 0) {
			json_object_put(ids);
			goto fail;
		}
		json_object_put(ids);
		position += (int64_t)n;
	} while (n > 0 && position < total);
	return out;
fail:
	json_object_put(out);
	return NULL;
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
	if (out == NULL) {
		dav_respond_internal(ctx, error);
		return NULL;
	}
	dav_members_note(ctx, fam, coll, out);
	return out;
}

json_object *dav_members_list(struct dav_ctx *ctx, const struct dav_family *fam,
			      json_object *coll, bool with_data)
{
	return dav_members_filtered(ctx, fam, coll, NULL, with_data);
}

/* The one member of list (taken) that is in coll and called name. */
static int dav_members_pick(const struct dav_family *fam, json_object *coll,
			    json_object *list, const char *name, json_object **member_r)
{
	size_t n = json_object_array_length(list);

	*member_r = NULL;
	for (size_t i = 0; i < n && *member_r == NULL; i++) {
		json_object *m = json_object_array_get_idx(list, i);

		if (dav_member_in(fam, m, coll) &&
		    (name == NULL || strcmp(dav_json_str(m, "davName"), name) == 0))
			*member_r = json_object_get(m);
	}
	json_object_put(list);
	return *member_r != NULL ? 1 : 0;
}

/* The member of coll with this UID: 1, 0 or -1 after answering. */
static int dav_member_find_uid(struct dav_ctx *ctx, const struct dav_family *fam,
			       json_object *coll, const char *uid, bool with_data,
			       json_object **member_r)
{
	json_object *filter = dav_members_filter(fam, coll), *list;
	const char *error = NULL;

	*member_r = NULL;
	json_object_object_add(filter, "uid", json_object_new_string(uid));
	list = dav_members_matching(ctx, fam, filter, with_data, &error);
	json_object_put(filter);
	if (list == NULL) {
		dav_respond_internal(ctx, error);
		return -1;
	}
	dav_members_note(ctx, fam, coll, list);
	return dav_members_pick(fam, coll, list, NULL, member_r);
}

/* Reads id and keeps it if it is in coll and called name. */
static int dav_member_by_id(struct dav_ctx *ctx, const struct dav_family *fam,
			    json_object *coll, const char *id, const char *name, bool with_data,
			    json_object **member_r)
{
	json_object *ids = json_object_new_array(), *list;

	*member_r = NULL;
	json_object_array_add(ids, json_object_new_string(id));
	list = dav_members_get(ctx, fam, ids, with_data);
	json_object_put(ids);
	if (list == NULL)
		return -1;
	return dav_members_pick(fam, coll, list, name, member_r);
}

/* By the id the name was last seen with. */
static int dav_member_find_known(struct dav_ctx *ctx, const struct dav_family *fam,
				 json_object *coll, const char *name, bool with_data,
				 json_object **member_r)
{
	char *id = dav_names_id(ctx->srv->names, ctx->account_id, fam, dav_json_str(coll, "id"),
				name);
	int ret;

	*member_r = NULL;
	if (id == NULL)
		return 0;
	ret = dav_member_by_id(ctx, fam, coll, id, name, with_data, member_r);
	free(id);
	return ret;
}

/* By the UID the name was likely made of ("<uid>.vcf"). */
static int dav_member_find_by_stem(struct dav_ctx *ctx, const struct dav_family *fam,
				   json_object *coll, const char *name, bool with_data,
				   json_object **member_r)
{
	size_t len = strlen(name), ext = strlen(fam->extension);
	char *uid;
	int ret;

	*member_r = NULL;
	if (len <= ext || strcmp(name + len - ext, fam->extension) != 0)
		return 0;
	uid = xstrndup(name, len - ext);
	ret = dav_member_find_uid(ctx, fam, coll, uid, with_data, member_r);
	if (ret == 0 && fam == &dav_family_card) {
		char *urn = xasprintf("urn:uuid:%s", uid);

		ret = dav_member_find_uid(ctx, fam, coll, urn, with_data, member_r);
		free(urn);
	}
	free(uid);
	if (ret > 0 && strcmp(dav_json_str(*member_r, "davName"), name) != 0) {
		json_object_put(*member_r);
		*member_r = NULL;
		ret = 0;
	}
	return ret;
}

int dav_member_find_hint(struct dav_ctx *ctx, const struct dav_family *fam, json_object *coll,
			 const char *name, bool with_data, json_object **member_r)
{
	int ret = dav_member_find_known(ctx, fam, coll, name, with_data, member_r);

	return ret != 0 ? ret : dav_member_find_by_stem(ctx, fam, coll, name, with_data, member_r);
}

int dav_member_find(struct dav_ctx *ctx, const struct dav_family *fam, json_object *coll,
		    const char *name, bool with_data, json_object **member_r)
{
	json_object *list;
	int ret;

	if ((ret = dav_member_find_hint(ctx, fam, coll, name, with_data, member_r)) != 0)
		return ret;
	if ((list = dav_members_list(ctx, fam, coll, false)) == NULL)
		return -1;
	if (dav_members_pick(fam, coll, list, name, member_r) == 0 || !with_data)
		return *member_r != NULL ? 1 : 0;
	/* read again, with the text this time */
	list = *member_r;
	ret = dav_member_by_id(ctx, fam, coll, dav_json_str(list, "id"), name, true, member_r);
	json_object_put(list);
	return ret;
}
