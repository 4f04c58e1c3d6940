/* MKCOL (RFC 4918 §9.3), extended MKCOL (RFC 5689) and MKCALENDAR (RFC
 * 4791 §5.3.1): a new address book or calendar in the user's home, with
 * the properties the body sets. A home holds collections of one kind
 * only, so a plain MKCOL there makes one of that kind. */
#include <string.h>

#include "dav/dav_private.h"

/* The body's set instructions: 1 with *root_r, 0 for no body, -1 after
 * answering. */
static int dav_mkcol_body(struct dav_ctx *ctx, bool calendar, xmlNode **root_r)
{
	const char *error;
	xmlNode *root;
	int ret;

	*root_r = NULL;
	ret = dav_xml_parse(ctx->req->body, ctx->req->body_len, &ctx->doc, &error);
	if (ret < 0) {
		dav_respond_text(ctx, 400, error);
		return -1;
	}
	if (ret == 0)
		return 0;
	root = xmlDocGetRootElement(ctx->doc);
	if (calendar ? !dav_xml_is(root, DAV_NS_CALDAV, "mkcalendar") :
	    !dav_xml_is(root, DAV_NS, "mkcol")) {
		dav_respond_text(ctx, 415, "this request body is not understood");
		return -1;
	}
	*root_r = root;
	return 1;
}

/* 0 if the target may be made, else -1 after answering. */
static int dav_mkcol_check(struct dav_ctx *ctx, bool calendar)
{
	const struct dav_target *t = &ctx->target;
	json_object *coll = NULL;
	int ret;

	if (t->kind != DAV_KIND_COLLECTION) {
		if (t->kind == DAV_KIND_OBJECT)
			dav_respond_text(ctx, 403, "collections are made in a home only");
		else
			dav_respond_not_allowed(ctx, "this collection exists");
		return -1;
	}
	if (calendar && t->fam != &dav_family_cal) {
		dav_respond_error(ctx, 403, DAV_NS_CALDAV, "calendar-collection-location-ok");
		return -1;
	}
	ret = dav_jmap_collection(ctx, t->fam, t->collection, &coll);
	json_object_put(coll);
	if (ret > 0)
		dav_respond_not_allowed(ctx, "this collection exists");
	return ret == 0 ? 0 : -1;
}

static void dav_mkcol_failed(struct dav_ctx *ctx, bool calendar, json_object *results)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
	strbuf_puts(&b, calendar ? "<C:mkcalendar-response" : "<D:mkcol-response");
	strbuf_puts(&b, " xmlns:D=\"DAV:\" xmlns:C=\"" DAV_NS_CALDAV "\" xmlns:CR=\""
		    DAV_NS_CARDDAV "\" xmlns:CS=\"" DAV_NS_CS "\" xmlns:A=\"" DAV_NS_APPLE "\">");
	dav_props_results(&b, NULL, results, true);
	strbuf_puts(&b, calendar ? "</C:mkcalendar-response>\n" : "</D:mkcol-response>\n");
	dav_set_body(ctx, &b, "application/xml; charset=utf-8");
	dav_respond(ctx, 403);
}

static void dav_mkcol_create(struct dav_ctx *ctx, json_object *value)
{
	const struct dav_family *fam = ctx->target.fam;
	json_object *result = NULL;
	const char *error;
	int ret;

	if (!json_object_object_get_ex(value, "name", NULL))
		json_object_object_add(value, "name", json_object_new_string(
			ctx->target.collection));
	json_object_object_add(value, "davName", json_object_new_string(ctx->target.collection));
	ret = dav_jmap_set_one(ctx, fam->coll_type, NULL, json_object_get(value), NULL, &result,
			       &error);
	if (ret < 0)
		dav_respond_internal(ctx, error);
	else if (ret == 0 && strcmp(dav_json_str(result, "type"), "invalidProperties") == 0)
		dav_respond_text(ctx, 403, dav_json_str(result, "description"));
	else if (ret == 0)
		dav_respond_set_error(ctx, fam, result);
	else
		dav_respond(ctx, 201);
	json_object_put(result);
}

void dav_method_mkcol(struct dav_ctx *ctx)
{
	bool calendar = strcmp(ctx->req->method, "MKCALENDAR") == 0;
	json_object *value, *results;
	xmlNode *root;
	struct dav_res res = { .kind = DAV_KIND_COLLECTION };
	int ret;

	if ((ret = dav_mkcol_body(ctx, calendar, &root)) < 0 || dav_mkcol_check(ctx, calendar) < 0)
		return;
	res.fam = ctx->target.fam;
	res.href = dav_href_target(ctx, &ctx->target);
	value = json_object_new_object();
	results = json_object_new_array();
	if (dav_check_conditions(ctx, &res, false, DAV_COND_WRITE | DAV_COND_MEMBERSHIP) == 0) {
		if (root != NULL && !dav_props_apply(ctx, res.fam, root, NULL, value, results, true))
			dav_mkcol_failed(ctx, calendar, results);
		else
			dav_mkcol_create(ctx, value);
	}
	json_object_put(value);
	json_object_put(results);
	dav_res_clear(&res);
}
