/* PROPPATCH in the file tree: dead properties of files and folders, all
 * the instructions or none; live properties are protected. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_file.h"

struct dav_file_patch {
	json_object *dead;	/* davProperties being built */
	json_object *results;	/* {ns, name, status[, preNs, pre]} */
	bool failed;
};

static void dav_file_patch_result(struct dav_file_patch *pp, xmlNode *prop,
				  unsigned int status, const char *pre)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ns", json_object_new_string(dav_xml_ns(prop)));
	json_object_object_add(r, "name", json_object_new_string(dav_xml_name(prop)));
	json_object_object_add(r, "status", json_object_new_int((int)status));
	if (pre != NULL) {
		json_object_object_add(r, "preNs", json_object_new_string(DAV_NS));
		json_object_object_add(r, "pre", json_object_new_string(pre));
	}
	json_object_array_add(pp->results, r);
	pp->failed = pp->failed || status >= 300;
}

static void dav_file_patch_one(struct dav_file_patch *pp, xmlNode *prop, bool set)
{
	char *key, *value;

	if (dav_prop_is_live(dav_xml_ns(prop), dav_xml_name(prop)) ||
	    (strcmp(dav_xml_ns(prop), DAV_NS) == 0 &&
	     (strcmp(dav_xml_name(prop), "getcontentlength") == 0 ||
	      strcmp(dav_xml_name(prop), "getlastmodified") == 0 ||
	      strcmp(dav_xml_name(prop), "creationdate") == 0))) {
		dav_file_patch_result(pp, prop, 403, "cannot-modify-protected-property");
		return;
	}
	key = dav_clark_name(dav_xml_ns(prop), dav_xml_name(prop));
	if (!set) {
		json_object_object_del(pp->dead, key);
		dav_file_patch_result(pp, prop, 200, NULL);
	} else if (!json_object_object_get_ex(pp->dead, key, NULL) &&
		   json_object_object_length(pp->dead) >= DAV_DEAD_PROPS_MAX) {
		dav_file_patch_result(pp, prop, 507, NULL);
	} else if (strlen(value = dav_xml_dump(prop)) > DAV_DEAD_VALUE_MAX) {
		free(value);
		dav_file_patch_result(pp, prop, 507, NULL);
	} else {
		json_object_object_add(pp->dead, key, json_object_new_string(value));
		free(value);
		dav_file_patch_result(pp, prop, 200, NULL);
	}
	free(key);
}

static void dav_file_patch_apply(struct dav_file_patch *pp, xmlNode *root)
{
	for (xmlNode *op = dav_xml_first(root); op != NULL; op = dav_xml_next(op)) {
		bool set = dav_xml_is(op, DAV_NS, "set");

		if (!set && !dav_xml_is(op, DAV_NS, "remove"))
			continue;
		for (xmlNode *p = dav_xml_first(dav_xml_child(op, DAV_NS, "prop")); p != NULL;
		     p = dav_xml_next(p))
			dav_file_patch_one(pp, p, set);
	}
}

/* Stores davProperties; on refusal every property fails. */
static void dav_file_patch_store(struct dav_ctx *ctx, struct dav_file_res *res,
				 struct dav_file_patch *pp)
{
	json_object *value = json_object_new_object();
	struct dav_response saved = *ctx->resp;

	json_object_object_add(value, "davProperties", json_object_get(pp->dead));
	if (dav_file_set(ctx, dav_json_str(res->node, "id"), value, NULL) > 0)
		return;
	/* the multistatus says why, not the answer dav_file_set() gave */
	dav_response_clear(ctx->resp);
	*ctx->resp = saved;
	for (size_t i = 0; i < json_object_array_length(pp->results); i++)
		json_object_object_add(json_object_array_get_idx(pp->results, i), "status",
				       json_object_new_int(500));
	pp->failed = true;
}

void dav_file_proppatch(struct dav_ctx *ctx, struct dav_file_res *res)
{
	xmlNode *root = dav_body_root(ctx, DAV_NS, "propertyupdate", false);
	json_object *old = json_object_object_get(res->node, "davProperties");
	struct dav_file_patch pp = { .results = json_object_new_array() };
	struct strbuf b = { 0 };

	if (root == NULL)
		goto out;
	if (!dav_file_res_exists(res)) {
		dav_respond_text(ctx, 404, "no such resource");
		goto out;
	}
	if (res->root || res->top) {
		dav_respond_error(ctx, 403, DAV_NS, "cannot-modify-protected-property");
		goto out;
	}
	if (dav_file_conditions(ctx, res, DAV_COND_WRITE) < 0)
		goto out;
	pp.dead = json_object_is_type(old, json_type_object) ?
		json_tokener_parse(json_object_to_json_string(old)) : json_object_new_object();
	dav_file_patch_apply(&pp, root);
	if (!pp.failed)
		dav_file_patch_store(ctx, res, &pp);
	dav_ms_begin(&b);
	dav_props_results(&b, res->href, pp.results, pp.failed);
	dav_ms_end(&b);
	dav_respond_multistatus(ctx, &b);
out:
	json_object_put(pp.dead);
	json_object_put(pp.results);
}
