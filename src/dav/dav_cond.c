/* Request conditions: Depth, If-Match and If-None-Match (RFC 9110
 * §13.1), the If header (RFC 4918 §10.4), and the locks a write must
 * hold the tokens of (RFC 4918 §7). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"
#include "directory/directory.h"

int dav_depth(struct dav_ctx *ctx, enum dav_depth def, enum dav_depth *depth_r)
{
	const char *v = dav_header(ctx, "Depth");

	*depth_r = def;
	if (v == NULL)
		return 0;
	if (strcmp(v, "0") == 0)
		*depth_r = DAV_DEPTH_0;
	else if (strcmp(v, "1") == 0)
		*depth_r = DAV_DEPTH_1;
	else if (strcasecmp(v, "infinity") == 0)
		*depth_r = DAV_DEPTH_INFINITY;
	else {
		dav_respond_text(ctx, 400, "Depth must be 0, 1 or infinity");
		return -1;
	}
	return 0;
}

char *dav_href_parent(const char *href)
{
	size_t len = strlen(href);

	if (len > 1 && href[len - 1] == '/')
		len--;
	while (len > 0 && href[len - 1] != '/')
		len--;
	return xstrndup(href, len > 0 ? len : 1);
}

/* Whether a comma-separated list of entity tags names etag ("*" names
 * any); weak tags count as their strong form when weak is set. */
static bool dav_etag_listed(const char *list, const char *etag, bool weak)
{
	const char *p = list;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, " \t,");
		if (weak && strncmp(p, "W/", 2) == 0)
			p += 2;
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 1 && *p == '*')
			return true;
		if (etag != NULL && len == strlen(etag) && strncmp(p, etag, len) == 0)
			return true;
		p += len;
		p += strcspn(p, ",");
	}
	return false;
}

static int dav_check_match_headers(struct dav_ctx *ctx, const char *etag, bool exists)
{
	const char *match = dav_header(ctx, "If-Match");
	const char *none = dav_header(ctx, "If-None-Match");
	bool get = strcmp(ctx->req->method, "GET") == 0 || strcmp(ctx->req->method, "HEAD") == 0;

	if (match != NULL && (!exists || !dav_etag_listed(match, etag, false))) {
		dav_respond_text(ctx, 412, "If-Match does not hold");
		return -1;
	}
	if (none != NULL && exists && dav_etag_listed(none, etag, true)) {
		if (get)
			dav_respond(ctx, 304);
		else
			dav_respond_text(ctx, 412, "If-None-Match does not hold");
		return -1;
	}
	return 0;
}

int dav_if_read(struct dav_ctx *ctx, struct dav_if *h_r)
{
	const char *v = dav_header(ctx, "If");

	memset(h_r, 0, sizeof(*h_r));
	if (v == NULL)
		return 0;
	if (dav_if_parse(v, h_r) < 0) {
		dav_respond_text(ctx, 400, "the If header is malformed");
		return -1;
	}
	return 1;
}

static bool dav_href_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '/')
		la--;
	if (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

static bool dav_lock_token_covers(struct dav_ctx *ctx, const char *href, const char *token)
{
	struct dav_lock_info *locks;
	size_t count;
	bool found = false;

	dav_locks_covering(ctx->srv->locks, href, false, &locks, &count);
	for (size_t i = 0; i < count && !found; i++)
		found = strcmp(locks[i].token, token) == 0;
	dav_lock_list_free(&locks, count);
	return found;
}

static bool dav_if_list_true(struct dav_ctx *ctx, const struct dav_if_list *l,
			     const struct dav_res *res, const char *etag)
{
	const char *href = l->tag != NULL ? dav_if_tag_path(l->tag) : res->href;
	bool same = dav_href_same(href, res->href);

	for (size_t i = 0; i < l->count; i++) {
		const struct dav_if_cond *c = &l->conds[i];
		bool v;

		if (c->is_etag)
			v = same && etag != NULL && strcmp(c->value, etag) == 0;
		else
			v = dav_lock_token_covers(ctx, href, c->value);
		if (v == c->negate)
			return false;
	}
	return true;
}

static int dav_check_if(struct dav_ctx *ctx, const struct dav_if *h, const struct dav_res *res,
			const char *etag)
{
	for (size_t i = 0; i < h->count; i++) {
		if (dav_if_list_true(ctx, &h->lists[i], res, etag))
			return 0;
	}
	dav_respond_text(ctx, 412, "the If header does not hold");
	return -1;
}

/* Every lock of list must be submitted. */
static int dav_check_lock_list(struct dav_ctx *ctx, struct dav_lock_info *list, size_t count,
			       const struct dav_if *h)
{
	for (size_t i = 0; i < count; i++) {
		struct strbuf b = { 0 };

		if (dav_if_names_token(h, list[i].token) &&
		    list[i].account_id == ctx->req->user->account_id)
			continue;
		dav_xml_href(&b, list[i].root);
		dav_respond_error_with(ctx, 423, DAV_NS, "lock-token-submitted", b.s);
		strbuf_free(&b);
		return -1;
	}
	return 0;
}

static int dav_check_locks(struct dav_ctx *ctx, const struct dav_res *res, unsigned int flags,
			   const struct dav_if *h)
{
	struct dav_lock_info *list;
	size_t count;
	int ret;

	dav_locks_covering(ctx->srv->locks, res->href, (flags & DAV_COND_TREE) != 0, &list,
			   &count);
	ret = dav_check_lock_list(ctx, list, count, h);
	dav_lock_list_free(&list, count);
	if (ret == 0 && (flags & DAV_COND_MEMBERSHIP) != 0) {
		char *parent = dav_href_parent(res->href);

		dav_locks_covering(ctx->srv->locks, parent, false, &list, &count);
		ret = dav_check_lock_list(ctx, list, count, h);
		dav_lock_list_free(&list, count);
		free(parent);
	}
	return ret;
}

int dav_check_conditions(struct dav_ctx *ctx, const struct dav_res *res, bool exists,
			 unsigned int flags)
{
	char *etag = exists && res->kind == DAV_KIND_OBJECT ? dav_res_etag(res) : NULL;
	struct dav_if h;
	int ret = dav_if_read(ctx, &h);

	if (ret >= 0)
		ret = dav_check_match_headers(ctx, etag, exists);
	if (ret >= 0 && h.count > 0)
		ret = dav_check_if(ctx, &h, res, etag);
	if (ret >= 0 && (flags & DAV_COND_WRITE) != 0)
		ret = dav_check_locks(ctx, res, flags, &h);
	dav_if_free(&h);
	free(etag);
	return ret < 0 ? -1 : 0;
}
