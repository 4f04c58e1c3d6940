/* GET and HEAD of a calendar or address object: the bytes the client
 * stored, with their ETag (If-None-Match answers 304). Collections have
 * no body to get. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

static void dav_get_object(struct dav_ctx *ctx, struct dav_res *res)
{
	json_object *data = json_object_object_get(res->member, "davData");
	struct strbuf body = { 0 };
	char *etag, *type;

	if (dav_check_conditions(ctx, res, true, 0) < 0)
		return;
	etag = dav_res_etag(res);
	type = xasprintf("%s; charset=utf-8", res->fam->media_type);
	strbuf_append(&body, json_object_get_string(data), (size_t)json_object_get_string_len(data));
	dav_add_header(ctx, "ETag", etag);
	dav_set_body(ctx, &body, type);
	dav_respond(ctx, 200);
	free(etag);
	free(type);
}

void dav_method_get(struct dav_ctx *ctx)
{
	struct dav_res res;
	int ret;

	if (ctx->target.kind != DAV_KIND_OBJECT) {
		dav_respond_not_allowed(ctx, "collections have no content to get; use PROPFIND");
		return;
	}
	ret = dav_resource_load(ctx, true, &res);
	if (ret == 0)
		dav_respond_text(ctx, 404, "no such resource");
	else if (ret > 0)
		dav_get_object(ctx, &res);
	dav_res_clear(&res);
}
