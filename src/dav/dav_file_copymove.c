/* COPY and MOVE in the file tree (RFC 4918 §9.8, §9.9): a file or a
 * folder (COPY: with its members at Depth infinity, alone at Depth 0),
 * Overwrite honoured: 201 for a new name, 204 over an old one, 412 when
 * Overwrite: F forbids it, 409 when the destination's folder is
 * missing. A MOVE keeps the node (its id) and changes its place. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_file.h"

struct dav_file_cm {
	struct dav_file_res *src;
	struct dav_file_res dest;
	bool move;
	bool overwrite;
	bool infinite;
	bool dest_existed;
};

/* The Overwrite header: 0, or -1 after answering 400. */
static int dav_file_overwrite(struct dav_ctx *ctx, bool *overwrite_r)
{
	const char *v = dav_header(ctx, "Overwrite");

	*overwrite_r = v == NULL || strcmp(v, "T") == 0 || strcmp(v, "t") == 0;
	if (v != NULL && !*overwrite_r && strcmp(v, "F") != 0 && strcmp(v, "f") != 0) {
		dav_respond_text(ctx, 400, "Overwrite must be T or F");
		return -1;
	}
	return 0;
}

static bool dav_file_href_under(const char *href, const char *folder)
{
	size_t len = strlen(folder);

	return len > 0 && folder[len - 1] == '/' && strncmp(href, folder, len) == 0;
}

/* Everything that makes the request impossible: 0, or -1 after
 * answering. */
static int dav_file_cm_check(struct dav_ctx *ctx, struct dav_file_cm *cm)
{
	struct dav_file_res *src = cm->src, *dest = &cm->dest;

	if (!dav_file_res_exists(src)) {
		dav_respond_text(ctx, 404, "no such resource");
		return -1;
	}
	if (src->root || dest->root || dest->top) {
		dav_respond_text(ctx, 403, "the root folder cannot be copied, moved or replaced");
		return -1;
	}
	if (strcmp(src->href, dest->href) == 0 || dav_file_href_under(dest->href, src->href)) {
		dav_respond_text(ctx, 403, "the destination is the source or under it");
		return -1;
	}
	if (dest->parent_id == NULL) {
		dav_respond_text(ctx, 409, "the destination's folder does not exist");
		return -1;
	}
	if (cm->dest_existed && !cm->overwrite) {
		dav_respond_text(ctx, 412, "the destination exists");
		return -1;
	}
	if (dav_file_conditions(ctx, src, cm->move ? DAV_COND_WRITE | DAV_COND_MEMBERSHIP |
				DAV_COND_TREE : 0) < 0 ||
	    dav_file_conditions(ctx, dest, DAV_COND_WRITE | (cm->dest_existed ?
				DAV_COND_TREE : DAV_COND_MEMBERSHIP)) < 0)
		return -1;
	return 0;
}

static json_object *dav_file_copy_value(json_object *node, const char *parent_id,
					const char *name)
{
	static const char *const keep[] = { "isFolder", "blobId", "type", "davProperties" };
	json_object *value = json_object_new_object(), *v;

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (json_object_object_get_ex(node, keep[i], &v))
			json_object_object_add(value, keep[i], json_object_get(v));
	}
	json_object_object_add(value, "name", json_object_new_string(name));
	json_object_object_add(value, "parentId", *parent_id != '\0' ?
			       json_object_new_string(parent_id) : NULL);
	return value;
}

/* Copies node (and, when infinite, what is in it) as name into
 * parent_id. 1, or 0 after answering. */
static int dav_file_copy_tree(struct dav_ctx *ctx, json_object *node, const char *parent_id,
			      const char *name, bool infinite)
{
	json_object *made = NULL, *children;
	const char *id;
	int ret = 1;

	if (dav_file_set(ctx, NULL, dav_file_copy_value(node, parent_id, name), &made) == 0)
		return 0;
	id = dav_json_str(made, "id");
	if (infinite && json_object_get_boolean(json_object_object_get(node, "isFolder"))) {
		children = dav_file_children(ctx, dav_json_str(node, "id"));
		ret = children != NULL;
		for (size_t i = 0; ret > 0 && i < json_object_array_length(children); i++) {
			json_object *child = json_object_array_get_idx(children, i);

			ret = dav_file_copy_tree(ctx, child, id, dav_json_str(child, "name"), true);
		}
		json_object_put(children);
	}
	json_object_put(made);
	return ret;
}

static int dav_file_cm_run(struct dav_ctx *ctx, struct dav_file_cm *cm)
{
	json_object *value;

	if (cm->dest_existed &&
	    dav_file_set(ctx, dav_json_str(cm->dest.node, "id"), NULL, NULL) == 0)
		return 0;
	if (cm->dest_existed)
		dav_locks_drop(ctx->srv->locks, cm->dest.href);
	if (!cm->move)
		return dav_file_copy_tree(ctx, cm->src->node, cm->dest.parent_id, cm->dest.name,
					  cm->infinite);
	value = json_object_new_object();
	json_object_object_add(value, "name", json_object_new_string(cm->dest.name));
	json_object_object_add(value, "parentId", *cm->dest.parent_id != '\0' ?
			       json_object_new_string(cm->dest.parent_id) : NULL);
	if (dav_file_set(ctx, dav_json_str(cm->src->node, "id"), value, NULL) == 0)
		return 0;
	dav_locks_drop(ctx->srv->locks, cm->src->href);
	return 1;
}

static void dav_file_copymove(struct dav_ctx *ctx, struct dav_file_res *src, bool move)
{
	struct dav_file_cm cm = { .src = src, .move = move };
	enum dav_depth depth;

	if (dav_depth(ctx, DAV_DEPTH_INFINITY, &depth) < 0 ||
	    dav_file_overwrite(ctx, &cm.overwrite) < 0)
		return;
	if (depth == DAV_DEPTH_1 || (move && depth != DAV_DEPTH_INFINITY &&
				     dav_file_res_is_folder(src))) {
		dav_respond_text(ctx, 400, "Depth must be 0 or infinity (infinity for a folder MOVE)");
		return;
	}
	cm.infinite = depth == DAV_DEPTH_INFINITY;
	if (dav_file_destination(ctx, &cm.dest) < 0)
		return;
	cm.dest_existed = cm.dest.node != NULL;
	if (dav_file_cm_check(ctx, &cm) == 0 && dav_file_cm_run(ctx, &cm) > 0)
		dav_respond(ctx, cm.dest_existed ? 204 : 201);
	dav_file_res_clear(&cm.dest);
}

void dav_file_copy(struct dav_ctx *ctx, struct dav_file_res *res)
{
	dav_file_copymove(ctx, res, false);
}

void dav_file_move(struct dav_ctx *ctx, struct dav_file_res *res)
{
	dav_file_copymove(ctx, res, true);
}
