/* Resources: what a target names, loaded from the core, and the members
 * a collection-like resource lists at Depth 1. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

void dav_res_clear(struct dav_res *res)
{
	free(res->href);
	json_object_put(res->coll);
	json_object_put(res->member);
	memset(res, 0, sizeof(*res));
}

void dav_res_list_free(struct dav_res **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		dav_res_clear(&(*list)[i]);
	free(*list);
	*list = NULL;
}

bool dav_res_is_collection(const struct dav_res *res)
{
	return res->kind != DAV_KIND_OBJECT;
}

char *dav_res_etag(const struct dav_res *res)
{
	return xasprintf("\"%s\"", dav_json_str(res->member, "davEtag"));
}

void dav_res_member(struct dav_ctx *ctx, struct dav_res *res, const struct dav_family *fam,
		    json_object *coll, json_object *member)
{
	memset(res, 0, sizeof(*res));
	res->kind = DAV_KIND_OBJECT;
	res->fam = fam;
	res->coll = json_object_get(coll);
	res->member = json_object_get(member);
	res->href = dav_href_member(ctx, fam, dav_json_str(coll, "davName"),
				    dav_json_str(member, "davName"));
}

int dav_resource_load_at(struct dav_ctx *ctx, const struct dav_target *t, bool with_data,
			 struct dav_res *res_r)
{
	int ret;

	memset(res_r, 0, sizeof(*res_r));
	res_r->kind = t->kind;
	res_r->fam = t->fam;
	res_r->href = dav_href_target(ctx, t);
	if (t->kind != DAV_KIND_COLLECTION && t->kind != DAV_KIND_OBJECT)
		return 1;
	ret = dav_jmap_collection(ctx, t->fam, t->collection, &res_r->coll);
	if (ret <= 0 || t->kind == DAV_KIND_COLLECTION)
		return ret;
	return dav_member_find(ctx, t->fam, res_r->coll, t->member, with_data, &res_r->member);
}

int dav_resource_load(struct dav_ctx *ctx, bool with_data, struct dav_res *res_r)
{
	return dav_resource_load_at(ctx, &ctx->target, with_data, res_r);
}

static struct dav_res *dav_res_append(struct dav_res **list, size_t *count)
{
	*list = xrealloc(*list, (*count + 1) * sizeof(**list));
	memset(&(*list)[*count], 0, sizeof(**list));
	return &(*list)[(*count)++];
}

static void dav_children_fixed(struct dav_ctx *ctx, const struct dav_res *res,
			       struct dav_res **list, size_t *count)
{
	const struct dav_family *fams[] = { NULL, &dav_family_cal, &dav_family_card };
	struct dav_res *c;

	if (res->kind == DAV_KIND_ROOT) {
		for (size_t i = 0; i < 3; i++) {
			c = dav_res_append(list, count);
			c->kind = DAV_KIND_TOP;
			c->fam = fams[i];
			c->href = xasprintf("%s%s/", DAV_ROOT_PATH, fams[i] != NULL ?
					    fams[i]->segment : "principal");
		}
		return;
	}
	if (res->kind != DAV_KIND_TOP)
		return;
	c = dav_res_append(list, count);
	c->fam = res->fam;
	c->kind = res->fam != NULL ? DAV_KIND_HOME : DAV_KIND_PRINCIPAL;
	c->href = res->fam != NULL ? dav_href_home(ctx, res->fam) : dav_href_principal(ctx);
}

static int dav_children_collections(struct dav_ctx *ctx, const struct dav_res *res,
				    struct dav_res **list, size_t *count)
{
	json_object *colls = dav_jmap_collections(ctx, res->fam, NULL);
	size_t n;

	if (colls == NULL)
		return -1;
	n = json_object_array_length(colls);
	for (size_t i = 0; i < n; i++) {
		json_object *coll = json_object_array_get_idx(colls, i);
		struct dav_res *c = dav_res_append(list, count);

		c->kind = DAV_KIND_COLLECTION;
		c->fam = res->fam;
		c->coll = json_object_get(coll);
		c->href = dav_href_collection(ctx, res->fam, dav_json_str(coll, "davName"));
	}
	json_object_put(colls);
	return 0;
}

static int dav_children_members(struct dav_ctx *ctx, const struct dav_res *res,
				bool with_data, struct dav_res **list, size_t *count)
{
	json_object *members = dav_members_list(ctx, res->fam, res->coll, with_data);
	size_t n;

	if (members == NULL)
		return -1;
	n = json_object_array_length(members);
	for (size_t i = 0; i < n; i++)
		dav_res_member(ctx, dav_res_append(list, count), res->fam, res->coll,
			       json_object_array_get_idx(members, i));
	json_object_put(members);
	return 0;
}

int dav_resource_children(struct dav_ctx *ctx, const struct dav_res *res, bool with_data,
			  struct dav_res **children_r, size_t *count_r)
{
	int ret = 0;

	*children_r = NULL;
	*count_r = 0;
	if (res->kind == DAV_KIND_HOME)
		ret = dav_children_collections(ctx, res, children_r, count_r);
	else if (res->kind == DAV_KIND_COLLECTION)
		ret = dav_children_members(ctx, res, with_data, children_r, count_r);
	else
		dav_children_fixed(ctx, res, children_r, count_r);
	if (ret < 0)
		dav_res_list_free(children_r, *count_r);
	return ret;
}
