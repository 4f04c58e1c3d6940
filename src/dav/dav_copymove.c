/* COPY and MOVE (RFC 4918 §9.8, §9.9) of calendar and address objects
 * between collections of the same family (RFC 4791 §5.3.2 and RFC 6352
 * §6.3.2 preconditions apply at the destination), and MOVE of a whole
 * collection to a new name in its home. A MOVE of an object is one
 * update of its collection and name: the object keeps its id. */
#include <stdlib.h>
#include <string.h>

#include "dav/dav_private.h"

struct dav_copymove {
	struct dav_ctx *ctx;
	bool move;
	bool overwrite;
	struct dav_target dest_target;
	struct dav_res src;
	struct dav_res dest;
	bool dest_existed;
};

/* The Overwrite header: 0, or -1 after answering 400. */
static int dav_overwrite(struct dav_ctx *ctx, bool *overwrite_r)
{
	const char *v = dav_header(ctx, "Overwrite");

	*overwrite_r = v == NULL || strcmp(v, "T") == 0 || strcmp(v, "t") == 0;
	if (v != NULL && !*overwrite_r && strcmp(v, "F") != 0 && strcmp(v, "f") != 0) {
		dav_respond_text(ctx, 400, "Overwrite must be T or F");
		return -1;
	}
	return 0;
}

/* Removes what the destination holds (Overwrite: T). 0 or -1 after
 * answering. */
static int dav_copymove_clear_dest(struct dav_copymove *cm)
{
	json_object *error = NULL;
	const char *problem;
	int ret;

	ret = dav_jmap_destroy(cm->ctx, cm->dest.fam->member_type,
			       dav_json_str(cm->dest.member, "id"), NULL, &error, &problem);
	if (ret < 0)
		dav_respond_internal(cm->ctx, problem);
	else if (ret == 0)
		dav_respond_set_error(cm->ctx, cm->dest.fam, error);
	json_object_put(error);
	if (ret > 0)
		dav_locks_drop(cm->ctx->srv->locks, cm->dest.href);
	return ret > 0 ? 0 : -1;
}

static void dav_copymove_refused(struct dav_copymove *cm, json_object *error)
{
	if (strcmp(dav_json_str(error, "type"), "alreadyExists") == 0) {
		dav_respond_uid_conflict(cm->ctx, cm->dest.fam, NULL);
		return;
	}
	dav_respond_set_error(cm->ctx, cm->dest.fam, error);
}

static json_object *dav_copymove_value(struct dav_copymove *cm)
{
	json_object *value = json_object_new_object(), *parents = json_object_new_object();

	json_object_object_add(parents, dav_json_str(cm->dest.coll, "id"),
			       json_object_new_boolean(1));
	json_object_object_add(value, cm->dest.fam->parent_prop, parents);
	json_object_object_add(value, "davName",
			       json_object_new_string(cm->dest_target.member));
	if (!cm->move)
		json_object_object_add(value, "davData", json_object_get(
			json_object_object_get(cm->src.member, "davData")));
	return value;
}

static void dav_copymove_store(struct dav_copymove *cm)
{
	struct dav_ctx *ctx = cm->ctx;
	json_object *result = NULL;
	const char *error, *id = dav_json_str(cm->src.member, "id");
	int ret;

	ret = dav_jmap_set_one(ctx, cm->src.fam->member_type, cm->move ? id : NULL,
			       dav_copymove_value(cm), NULL, &result, &error);
	if (ret < 0) {
		dav_respond_internal(ctx, error);
	} else if (ret == 0) {
		dav_copymove_refused(cm, result);
	} else {
		if (cm->move)
			dav_locks_drop(ctx->srv->locks, cm->src.href);
		dav_respond(ctx, cm->dest_existed ? 204 : 201);
	}
	json_object_put(result);
}

static void dav_copymove_objects(struct dav_copymove *cm)
{
	struct dav_ctx *ctx = cm->ctx;
	int ret;

	ret = dav_resource_load_at(ctx, &cm->dest_target, false, &cm->dest);
	if (ret < 0)
		return;
	if (cm->dest.coll == NULL) {
		dav_respond_text(ctx, 409, "the destination collection does not exist");
		return;
	}
	cm->dest_existed = ret > 0;
	if (cm->dest_existed && !cm->overwrite) {
		dav_respond_text(ctx, 412, "the destination exists");
		return;
	}
	if (dav_check_conditions(ctx, &cm->src, true, cm->move ?
				 DAV_COND_WRITE | DAV_COND_MEMBERSHIP : 0) < 0 ||
	    dav_check_conditions(ctx, &cm->dest, cm->dest_existed, DAV_COND_WRITE |
				 (cm->dest_existed ? 0 : DAV_COND_MEMBERSHIP)) < 0)
		return;
	if (cm->dest_existed && dav_copymove_clear_dest(cm) < 0)
		return;
	dav_copymove_store(cm);
}

/* MOVE of a collection: a new name in the same home. */
static void dav_copymove_collection(struct dav_copymove *cm)
{
	struct dav_ctx *ctx = cm->ctx;
	json_object *value, *result = NULL, *other = NULL;
	const char *error;
	int ret;

	if (!cm->move || cm->dest_target.kind != DAV_KIND_COLLECTION) {
		dav_respond_text(ctx, 403, "a collection can only be moved to a new name");
		return;
	}
	ret = dav_jmap_collection(ctx, cm->src.fam, cm->dest_target.collection, &other);
	json_object_put(other);
	if (ret != 0) {
		if (ret > 0)
			dav_respond_text(ctx, 412, "the destination exists");
		return;
	}
	if (dav_check_conditions(ctx, &cm->src, true, DAV_COND_WRITE | DAV_COND_MEMBERSHIP |
				 DAV_COND_TREE) < 0)
		return;
	value = json_object_new_object();
	json_object_object_add(value, "davName",
			       json_object_new_string(cm->dest_target.collection));
	ret = dav_jmap_set_one(ctx, cm->src.fam->coll_type, dav_json_str(cm->src.coll, "id"),
			       value, NULL, &result, &error);
	if (ret < 0)
		dav_respond_internal(ctx, error);
	else if (ret == 0)
		dav_respond_text(ctx, 403, dav_json_str(result, "description"));
	else {
		dav_locks_drop(ctx->srv->locks, cm->src.href);
		dav_respond(ctx, 201);
	}
	json_object_put(result);
}

static void dav_copymove_run(struct dav_copymove *cm)
{
	struct dav_ctx *ctx = cm->ctx;
	char *dest_href;
	int ret;

	if (dav_overwrite(ctx, &cm->overwrite) < 0 ||
	    dav_target_destination(ctx, &cm->dest_target) < 0)
		return;
	if (cm->dest_target.fam != ctx->target.fam) {
		dav_respond_error(ctx, 403, ctx->target.fam->ns, ctx->target.fam ==
				  &dav_family_cal ? "calendar-collection-location-ok" :
				  "addressbook-collection-location-ok");
		return;
	}
	ret = dav_resource_load(ctx, !cm->move, &cm->src);
	if (ret == 0)
		dav_respond_text(ctx, 404, "no such resource");
	if (ret <= 0)
		return;
	dest_href = dav_href_target(ctx, &cm->dest_target);
	ret = strcmp(cm->src.href, dest_href);
	free(dest_href);
	if (ret == 0)
		dav_respond_text(ctx, 403, "source and destination are the same");
	else if (ctx->target.kind == DAV_KIND_COLLECTION)
		dav_copymove_collection(cm);
	else if (cm->dest_target.kind != DAV_KIND_OBJECT)
		dav_respond_text(ctx, 409, "objects go into a collection");
	else
		dav_copymove_objects(cm);
}

static void dav_copymove(struct dav_ctx *ctx, bool move)
{
	struct dav_copymove cm = { .ctx = ctx, .move = move };

	if (ctx->target.kind != DAV_KIND_OBJECT && ctx->target.kind != DAV_KIND_COLLECTION) {
		dav_respond_text(ctx, 403, "this resource cannot be copied or moved");
		return;
	}
	dav_copymove_run(&cm);
	dav_target_clear(&cm.dest_target);
	dav_res_clear(&cm.src);
	dav_res_clear(&cm.dest);
}

void dav_method_copy(struct dav_ctx *ctx)
{
	dav_copymove(ctx, false);
}

void dav_method_move(struct dav_ctx *ctx)
{
	dav_copymove(ctx, true);
}
