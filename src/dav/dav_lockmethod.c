/* LOCK and UNLOCK (RFC 4918 §9.10, §9.11): taking, refreshing and
 * releasing write locks. A lock on an unmapped URL in a collection
 * reserves the name until a PUT fills it (RFC 4918 §7.3). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"
#include "directory/directory.h"

/* The first timeout of the Timeout header that we understand; 0 for
 * "as long as allowed". */
static int64_t dav_lock_timeout(struct dav_ctx *ctx)
{
	const char *p = dav_header(ctx, "Timeout");

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		if (strncasecmp(p, "Second-", 7) == 0) {
			char *end;
			long long n = strtoll(p + 7, &end, 10);

			if (end != p + 7 && n > 0)
				return n;
		}
		if (strncasecmp(p, "Infinite", 8) == 0)
			return 0;
		p += strcspn(p, ",");
	}
	return 0;
}

static void dav_lock_answer(struct dav_ctx *ctx, const struct dav_lock_info *info,
			    unsigned int status, bool with_token)
{
	struct strbuf b = { 0 };

	if (with_token) {
		char *header = xasprintf("<%s>", info->token);

		dav_add_header(ctx, "Lock-Token", header);
		free(header);
	}
	strbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>");
	dav_lock_write_active(&b, info);
	strbuf_puts(&b, "</D:lockdiscovery></D:prop>\n");
	dav_set_body(ctx, &b, "application/xml; charset=utf-8");
	dav_respond(ctx, status);
}

static void dav_lock_refresh(struct dav_ctx *ctx, const struct dav_res *res)
{
	struct dav_lock_info info;
	struct dav_if h;
	bool done = false;

	if (dav_if_read(ctx, &h) < 0)
		return;
	for (size_t i = 0; i < h.count && !done; i++) {
		for (size_t k = 0; k < h.lists[i].count && !done; k++) {
			const struct dav_if_cond *c = &h.lists[i].conds[k];

			done = !c->is_etag && !c->negate &&
				dav_locks_refresh(ctx->srv->locks, res->href, c->value,
						  dav_lock_timeout(ctx), &info) > 0;
		}
	}
	dav_if_free(&h);
	if (!done) {
		dav_respond_error(ctx, 412, DAV_NS, "lock-token-matches-request-uri");
		return;
	}
	dav_lock_answer(ctx, &info, 200, false);
	dav_lock_info_clear(&info);
}

static void dav_lock_conflict(struct dav_ctx *ctx, const struct dav_res *res)
{
	struct dav_lock_info *list;
	struct strbuf b = { 0 };
	size_t count;

	dav_locks_covering(ctx->srv->locks, res->href, true, &list, &count);
	for (size_t i = 0; i < count; i++)
		dav_xml_href(&b, list[i].root);
	dav_lock_list_free(&list, count);
	dav_respond_error_with(ctx, 423, DAV_NS, "no-conflicting-lock", b.s);
	strbuf_free(&b);
}

static void dav_lock_new(struct dav_ctx *ctx, const struct dav_res *res, xmlNode *info,
			 bool infinite, bool exists)
{
	xmlNode *scope = dav_xml_child(info, DAV_NS, "lockscope");
	xmlNode *type = dav_xml_child(info, DAV_NS, "locktype");
	xmlNode *owner = dav_xml_child(info, DAV_NS, "owner");
	bool exclusive = dav_xml_child(scope, DAV_NS, "exclusive") != NULL;
	struct dav_lock_info lock;
	char *owner_xml;
	int ret;

	if (scope == NULL || type == NULL || dav_xml_child(type, DAV_NS, "write") == NULL ||
	    (!exclusive && dav_xml_child(scope, DAV_NS, "shared") == NULL)) {
		dav_respond_text(ctx, 400, "lockinfo needs a write locktype and a lockscope");
		return;
	}
	owner_xml = owner != NULL ? dav_xml_dump(owner) : NULL;
	ret = dav_locks_take(ctx->srv->locks, res->href, ctx->req->user->account_id, exclusive,
			     infinite, dav_lock_timeout(ctx), owner_xml, &lock);
	free(owner_xml);
	if (ret == 0) {
		dav_lock_conflict(ctx, res);
		return;
	}
	if (ret < 0) {
		dav_respond_text(ctx, 503, "too many locks are held");
		return;
	}
	dav_lock_answer(ctx, &lock, exists ? 200 : 201, true);
	dav_lock_info_clear(&lock);
}

void dav_lock_run(struct dav_ctx *ctx, struct dav_res *res, bool exists)
{
	xmlNode *info = dav_body_root(ctx, DAV_NS, "lockinfo", true);
	enum dav_depth depth;

	if (ctx->resp->status != 0 || dav_depth(ctx, DAV_DEPTH_INFINITY, &depth) < 0)
		return;
	if (info == NULL) {
		dav_lock_refresh(ctx, res);
		return;
	}
	if (depth == DAV_DEPTH_1) {
		dav_respond_text(ctx, 400, "a lock has Depth 0 or infinity");
		return;
	}
	if (dav_check_conditions(ctx, res, exists, 0) == 0)
		dav_lock_new(ctx, res, info, depth == DAV_DEPTH_INFINITY, exists);
}

void dav_method_lock(struct dav_ctx *ctx)
{
	struct dav_res res;
	int ret = dav_resource_load(ctx, false, &res);

	if (ret == 0 && (ctx->target.kind != DAV_KIND_OBJECT || res.coll == NULL))
		dav_respond_text(ctx, 409, "the collection does not exist");
	else if (ret >= 0)
		dav_lock_run(ctx, &res, ret > 0);
	dav_res_clear(&res);
}

void dav_method_unlock(struct dav_ctx *ctx)
{
	const char *header = dav_header(ctx, "Lock-Token");
	size_t len = header != NULL ? strlen(header) : 0;
	char *href, *token;

	if (len < 3 || header[0] != '<' || header[len - 1] != '>') {
		dav_respond_text(ctx, 400, "UNLOCK needs a Lock-Token header");
		return;
	}
	token = xstrndup(header + 1, len - 2);
	href = dav_href_target(ctx, &ctx->target);
	if (dav_locks_release(ctx->srv->locks, href, token) > 0)
		dav_respond(ctx, 204);
	else
		dav_respond_error(ctx, 409, DAV_NS, "lock-token-matches-request-uri");
	free(href);
	free(token);
}
