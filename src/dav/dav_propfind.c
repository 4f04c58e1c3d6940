/* PROPFIND (RFC 4918 §9.1): allprop (with include), propname, or named
 * properties, at Depth 0 or 1; Depth infinity is refused with
 * DAV:propfind-finite-depth. A missing Depth header is taken as 0, as
 * most servers do, so that a careless client is not sent a tree. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

struct dav_propstat {
	struct strbuf found;
	struct strbuf missing;
};

static void dav_propstat_live(struct dav_ctx *ctx, const struct dav_res *res,
			      const struct dav_live_prop *p, struct dav_propstat *ps)
{
	struct strbuf value = { 0 };

	if (p->get(ctx, res, &value) > 0) {
		dav_xml_open(&ps->found, p->ns, p->name);
		if (value.len > 0)
			strbuf_append(&ps->found, value.s, value.len);
		dav_xml_close(&ps->found, p->ns, p->name);
	} else {
		dav_xml_empty(&ps->missing, p->ns, p->name);
	}
	strbuf_free(&value);
}

/* One property by name: live, dead, or missing. */
static void dav_propstat_named(struct dav_ctx *ctx, const struct dav_res *res, const char *ns,
			       const char *name, struct dav_propstat *ps)
{
	const struct dav_live_prop *p = dav_prop_find(res, ns, name);
	const char *dead;

	if (p != NULL) {
		dav_propstat_live(ctx, res, p, ps);
		return;
	}
	if (!dav_prop_is_live(ns, name) && (dead = dav_dead_prop(res, ns, name)) != NULL)
		strbuf_puts(&ps->found, dead);
	else
		dav_xml_empty(&ps->missing, ns, name);
}

static void dav_propstat_dead_all(const struct dav_res *res, bool names_only,
				  struct dav_propstat *ps)
{
	json_object *props = json_object_object_get(res->coll, "davProperties");

	if (res->kind != DAV_KIND_COLLECTION || props == NULL)
		return;
	json_object_object_foreach(props, key, value) {
		const char *close = strchr(key, '}');
		char *ns;

		if (key[0] != '{' || close == NULL || !json_object_is_type(value, json_type_string))
			continue;
		if (!names_only) {
			strbuf_puts(&ps->found, json_object_get_string(value));
			continue;
		}
		ns = xstrndup(key + 1, (size_t)(close - key - 1));
		dav_xml_empty(&ps->found, ns, close + 1);
		free(ns);
	}
}

static bool dav_prop_applies(const struct dav_res *res, const struct dav_live_prop *p)
{
	return (p->kinds & DAV_KIND_BIT(res->kind)) != 0 && (p->fam == NULL || p->fam == res->fam);
}

static void dav_propstat_all(struct dav_ctx *ctx, const struct dav_res *res, bool propname,
			     xmlNode *include, struct dav_propstat *ps)
{
	for (const struct dav_live_prop *p = dav_live_props; p->name != NULL; p++) {
		if (!dav_prop_applies(res, p))
			continue;
		if (propname) {
			dav_xml_empty(&ps->found, p->ns, p->name);
		} else if ((p->flags & DAV_PROP_ALLPROP) != 0) {
			struct strbuf value = { 0 };

			if (p->get(ctx, res, &value) > 0) {
				dav_xml_open(&ps->found, p->ns, p->name);
				strbuf_append(&ps->found, value.s != NULL ? value.s : "", value.len);
				dav_xml_close(&ps->found, p->ns, p->name);
			}
			strbuf_free(&value);
		}
	}
	dav_propstat_dead_all(res, propname, ps);
	for (xmlNode *n = dav_xml_first(include); n != NULL; n = dav_xml_next(n)) {
		const struct dav_live_prop *p = dav_prop_find(res, dav_xml_ns(n), dav_xml_name(n));

		if (p == NULL || (p->flags & DAV_PROP_ALLPROP) == 0)
			dav_propstat_named(ctx, res, dav_xml_ns(n), dav_xml_name(n), ps);
	}
}

static bool dav_prefer_minimal(struct dav_ctx *ctx)
{
	const char *prefer = dav_header(ctx, "Prefer"), *brief = dav_header(ctx, "Brief");

	return (prefer != NULL && strcasestr(prefer, "return=minimal") != NULL) ||
		(brief != NULL && strcasecmp(brief, "t") == 0);
}

static void dav_propstat_write(struct strbuf *b, struct strbuf *props, unsigned int status)
{
	strbuf_puts(b, "<D:propstat><D:prop>");
	if (props->len > 0)
		strbuf_append(b, props->s, props->len);
	strbuf_puts(b, "</D:prop>");
	dav_xml_text_elem(b, DAV_NS, "status", dav_status_line(status));
	strbuf_puts(b, "</D:propstat>");
}

void dav_propfind_response(struct dav_ctx *ctx, const struct dav_res *res,
			   xmlNode *prop, bool propname, xmlNode *include, struct strbuf *b)
{
	struct dav_propstat ps = { { 0 }, { 0 } };

	if (prop == NULL) {
		dav_propstat_all(ctx, res, propname, include, &ps);
	} else {
		for (xmlNode *n = dav_xml_first(prop); n != NULL; n = dav_xml_next(n))
			dav_propstat_named(ctx, res, dav_xml_ns(n), dav_xml_name(n), &ps);
	}
	strbuf_puts(b, "<D:response>");
	dav_xml_href(b, res->href);
	if (ps.found.len > 0 || ps.missing.len == 0)
		dav_propstat_write(b, &ps.found, 200);
	if (ps.missing.len > 0 && !dav_prefer_minimal(ctx))
		dav_propstat_write(b, &ps.missing, 404);
	strbuf_puts(b, "</D:response>\n");
	strbuf_free(&ps.found);
	strbuf_free(&ps.missing);
}

/* Whether answering needs the objects' text. */
static bool dav_propfind_needs_data(xmlNode *prop)
{
	if (prop == NULL)
		return true;
	for (xmlNode *n = dav_xml_first(prop); n != NULL; n = dav_xml_next(n)) {
		for (const struct dav_live_prop *p = dav_live_props; p->name != NULL; p++) {
			if ((p->flags & DAV_PROP_DATA) != 0 && dav_xml_is(n, p->ns, p->name))
				return true;
		}
	}
	return false;
}

/* The request body: 0 with what it asks (prop NULL for allprop), or -1
 * after answering 400. */
static int dav_propfind_parse(struct dav_ctx *ctx, xmlNode **prop_r, bool *propname_r,
			      xmlNode **include_r)
{
	xmlNode *root = dav_body_root(ctx, DAV_NS, "propfind", true);

	*prop_r = *include_r = NULL;
	*propname_r = false;
	if (root == NULL)
		return ctx->resp->status != 0 ? -1 : 0;
	if ((*prop_r = dav_xml_child(root, DAV_NS, "prop")) != NULL)
		return 0;
	if (dav_xml_child(root, DAV_NS, "propname") != NULL) {
		*propname_r = true;
		return 0;
	}
	if (dav_xml_child(root, DAV_NS, "allprop") != NULL) {
		*include_r = dav_xml_child(root, DAV_NS, "include");
		return 0;
	}
	dav_respond_text(ctx, 400, "propfind needs prop, propname or allprop");
	return -1;
}

static void dav_propfind_run(struct dav_ctx *ctx, struct dav_res *res, enum dav_depth depth,
			     xmlNode *prop, bool propname, xmlNode *include)
{
	struct strbuf b = { 0 };
	struct dav_res *children = NULL;
	size_t count = 0;

	if (depth == DAV_DEPTH_1 && dav_res_is_collection(res) &&
	    dav_resource_children(ctx, res, !propname && dav_propfind_needs_data(prop),
				  &children, &count) < 0)
		return;
	dav_ms_begin(&b);
	dav_propfind_response(ctx, res, prop, propname, include, &b);
	for (size_t i = 0; i < count; i++)
		dav_propfind_response(ctx, &children[i], prop, propname, include, &b);
	dav_ms_end(&b);
	dav_res_list_free(&children, count);
	dav_respond_multistatus(ctx, &b);
}

void dav_method_propfind(struct dav_ctx *ctx)
{
	enum dav_depth depth;
	xmlNode *prop, *include;
	struct dav_res res;
	bool propname;
	int ret;

	if (dav_depth(ctx, DAV_DEPTH_0, &depth) < 0 ||
	    dav_propfind_parse(ctx, &prop, &propname, &include) < 0)
		return;
	if (depth == DAV_DEPTH_INFINITY) {
		dav_respond_error(ctx, 403, DAV_NS, "propfind-finite-depth");
		return;
	}
	ret = dav_resource_load(ctx, !propname && dav_propfind_needs_data(prop), &res);
	if (ret == 0)
		dav_respond_text(ctx, 404, "no such resource");
	else if (ret > 0)
		dav_propfind_run(ctx, &res, depth, prop, propname, include);
	dav_res_clear(&res);
}
