/* DELETE (RFC 4918 §9.6) of an object, or of a collection with all it
 * holds. */
#include <string.h>

#include "dav/dav_private.h"

static void dav_delete_run(struct dav_ctx *ctx, struct dav_res *res)
{
	bool coll = res->kind == DAV_KIND_COLLECTION;
	const char *type = coll ? res->fam->coll_type : res->fam->member_type;
	const char *id = dav_json_str(coll ? res->coll : res->member, "id");
	json_object *args = NULL, *error = NULL;
	const char *problem;
	int ret;

	if (coll) {
		args = json_object_new_object();
		json_object_object_add(args, res->fam->destroy_arg, json_object_new_boolean(1));
	}
	ret = dav_jmap_destroy(ctx, type, id, args, &error, &problem);
	json_object_put(args);
	if (ret < 0) {
		dav_respond_internal(ctx, problem);
	} else if (ret == 0) {
		dav_respond_set_error(ctx, res->fam, error);
	} else {
		dav_locks_drop(ctx->srv->locks, res->href);
		dav_respond(ctx, 204);
	}
	json_object_put(error);
}

void dav_method_delete(struct dav_ctx *ctx)
{
	enum dav_depth depth;
	struct dav_res res;
	int ret;

	if (ctx->target.kind != DAV_KIND_OBJECT && ctx->target.kind != DAV_KIND_COLLECTION) {
		dav_respond_not_allowed(ctx, "this resource cannot be deleted");
		return;
	}
	if (dav_depth(ctx, DAV_DEPTH_INFINITY, &depth) < 0)
		return;
	if (ctx->target.kind == DAV_KIND_COLLECTION && depth != DAV_DEPTH_INFINITY) {
		dav_respond_text(ctx, 400, "a collection is deleted with Depth infinity");
		return;
	}
	ret = dav_resource_load(ctx, false, &res);
	if (ret == 0)
		dav_respond_text(ctx, 404, "no such resource");
	else if (ret > 0 && dav_check_conditions(ctx, &res, true, DAV_COND_WRITE |
						  DAV_COND_MEMBERSHIP | DAV_COND_TREE) == 0)
		dav_delete_run(ctx, &res);
	dav_res_clear(&res);
}
