/* LOCK and UNLOCK in the file tree, over the layer's lock table. A LOCK
 * on an unmapped name makes an empty file there (RFC 4918 §7.3). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_file.h"

void dav_file_lock(struct dav_ctx *ctx, struct dav_file_res *res)
{
	bool exists = dav_file_res_exists(res);
	struct dav_res tmp;

	if (!exists && res->parent_id == NULL) {
		dav_respond_text(ctx, 409, "the folder does not exist");
		return;
	}
	if (!exists && ctx->req->body_len > 0 &&
	    (dav_file_conditions(ctx, res, DAV_COND_WRITE | DAV_COND_MEMBERSHIP) < 0 ||
	     dav_file_create_empty(ctx, res) == 0))
		return;
	tmp = (struct dav_res){
		.kind = dav_file_res_is_folder(res) ? DAV_KIND_COLLECTION : DAV_KIND_OBJECT,
		.href = res->href,
		.member = res->node,
	};
	dav_lock_run(ctx, &tmp, exists);
}

void dav_file_unlock(struct dav_ctx *ctx, struct dav_file_res *res)
{
	const char *header = dav_header(ctx, "Lock-Token");
	size_t len = header != NULL ? strlen(header) : 0;
	char *token;

	if (len < 3 || header[0] != '<' || header[len - 1] != '>') {
		dav_respond_text(ctx, 400, "UNLOCK needs a Lock-Token header");
		return;
	}
	token = xstrndup(header + 1, len - 2);
	if (dav_locks_release(ctx->srv->locks, res->href, token) > 0)
		dav_respond(ctx, 204);
	else
		dav_respond_error(ctx, 409, DAV_NS, "lock-token-matches-request-uri");
	free(token);
}
