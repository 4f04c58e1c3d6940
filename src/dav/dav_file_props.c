/* PROPFIND and PROPPATCH in the file tree: the live properties of files
 * and folders (RFC 4918 §15), and dead properties kept as sent in the
 * node's davProperties, each under its Clark name. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_file.h"

typedef int dav_file_prop_fn(struct dav_ctx *ctx, const struct dav_file_res *res,
			     struct strbuf *out);

struct dav_file_prop {
	const char *name;		/* in DAV: */
	dav_file_prop_fn *get;
};

static int dav_file_prop_resourcetype(struct dav_ctx *ctx, const struct dav_file_res *res,
				      struct strbuf *out)
{
	(void)ctx;
	if (dav_file_res_is_folder(res))
		dav_xml_empty(out, DAV_NS, "collection");
	return 1;
}

static int dav_file_prop_displayname(struct dav_ctx *ctx, const struct dav_file_res *res,
				     struct strbuf *out)
{
	(void)ctx;
	if (res->node == NULL)
		return 0;
	dav_xml_escape(out, dav_json_str(res->node, "name"));
	return 1;
}

static int dav_file_prop_length(struct dav_ctx *ctx, const struct dav_file_res *res,
				struct strbuf *out)
{
	(void)ctx;
	if (dav_file_res_is_folder(res))
		return 0;
	strbuf_printf(out, "%lld", (long long)json_object_get_int64(
		json_object_object_get(res->node, "size")));
	return 1;
}

static int dav_file_prop_type(struct dav_ctx *ctx, const struct dav_file_res *res,
			      struct strbuf *out)
{
	const char *type = dav_json_str(res->node, "type");

	(void)ctx;
	if (dav_file_res_is_folder(res) || *type == '\0')
		return 0;
	dav_xml_escape(out, type);
	return 1;
}

static int dav_file_prop_modified(struct dav_ctx *ctx, const struct dav_file_res *res,
				  struct strbuf *out)
{
	char date[DAV_FILE_DATE_LEN];

	(void)ctx;
	if (res->node == NULL)
		return 0;
	dav_file_http_date(res->node, date);
	strbuf_puts(out, date);
	return 1;
}

static int dav_file_prop_created(struct dav_ctx *ctx, const struct dav_file_res *res,
				 struct strbuf *out)
{
	(void)ctx;
	if (res->node == NULL)
		return 0;
	dav_xml_escape(out, dav_json_str(res->node, "created"));
	return 1;
}

static int dav_file_prop_etag(struct dav_ctx *ctx, const struct dav_file_res *res,
			      struct strbuf *out)
{
	char *etag = dav_file_etag(res->node);

	(void)ctx;
	if (etag == NULL)
		return 0;
	dav_xml_escape(out, etag);
	free(etag);
	return 1;
}

static int dav_file_prop_supportedlock(struct dav_ctx *ctx, const struct dav_file_res *res,
				       struct strbuf *out)
{
	static const char *const scopes[] = { "exclusive", "shared" };

	(void)ctx;
	(void)res;
	for (size_t i = 0; i < 2; i++) {
		strbuf_puts(out, "<D:lockentry><D:lockscope>");
		dav_xml_empty(out, DAV_NS, scopes[i]);
		strbuf_puts(out, "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>");
	}
	return 1;
}

static int dav_file_prop_lockdiscovery(struct dav_ctx *ctx, const struct dav_file_res *res,
				       struct strbuf *out)
{
	dav_lock_discovery(ctx, res->href, out);
	return 1;
}

static const struct dav_file_prop dav_file_props[] = {
	{ "resourcetype", dav_file_prop_resourcetype },
	{ "displayname", dav_file_prop_displayname },
	{ "getcontentlength", dav_file_prop_length },
	{ "getcontenttype", dav_file_prop_type },
	{ "getlastmodified", dav_file_prop_modified },
	{ "creationdate", dav_file_prop_created },
	{ "getetag", dav_file_prop_etag },
	{ "supportedlock", dav_file_prop_supportedlock },
	{ "lockdiscovery", dav_file_prop_lockdiscovery },
};

#define DAV_FILE_PROP_COUNT (sizeof(dav_file_props) / sizeof(dav_file_props[0]))

static const struct dav_file_prop *dav_file_prop_find(const char *ns, const char *name)
{
	if (strcmp(ns, DAV_NS) != 0)
		return NULL;
	for (size_t i = 0; i < DAV_FILE_PROP_COUNT; i++) {
		if (strcmp(dav_file_props[i].name, name) == 0)
			return &dav_file_props[i];
	}
	return NULL;
}

struct dav_file_propstat {
	struct strbuf found;
	struct strbuf missing;
};

static void dav_file_live(struct dav_ctx *ctx, const struct dav_file_res *res,
			  const struct dav_file_prop *p, bool names_only,
			  struct dav_file_propstat *ps)
{
	struct strbuf value = { 0 };

	if (p->get(ctx, res, &value) > 0) {
		if (names_only || value.len == 0) {
			dav_xml_empty(&ps->found, DAV_NS, p->name);
		} else {
			dav_xml_open(&ps->found, DAV_NS, p->name);
			strbuf_append(&ps->found, value.s, value.len);
			dav_xml_close(&ps->found, DAV_NS, p->name);
		}
	} else if (!names_only) {
		dav_xml_empty(&ps->missing, DAV_NS, p->name);
	}
	strbuf_free(&value);
}

static json_object *dav_file_dead(const struct dav_file_res *res)
{
	json_object *props = json_object_object_get(res->node, "davProperties");

	return json_object_is_type(props, json_type_object) ? props : NULL;
}

static void dav_file_named(struct dav_ctx *ctx, const struct dav_file_res *res, xmlNode *prop,
			   struct dav_file_propstat *ps)
{
	const char *ns = dav_xml_ns(prop), *name = dav_xml_name(prop);
	const struct dav_file_prop *p = dav_file_prop_find(ns, name);
	char *key;
	json_object *v;

	if (p != NULL) {
		dav_file_live(ctx, res, p, false, ps);
		return;
	}
	key = dav_clark_name(ns, name);
	if (json_object_object_get_ex(dav_file_dead(res), key, &v) &&
	    json_object_is_type(v, json_type_string))
		strbuf_puts(&ps->found, json_object_get_string(v));
	else
		dav_xml_empty(&ps->missing, ns, name);
	free(key);
}

static void dav_file_dead_all(const struct dav_file_res *res, bool names_only,
			      struct dav_file_propstat *ps)
{
	json_object *props = dav_file_dead(res);

	if (props == NULL)
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

static void dav_file_propstat_end(struct strbuf *b, struct strbuf *props, unsigned int status)
{
	if (props->len == 0)
		return;
	strbuf_puts(b, "<D:propstat><D:prop>");
	strbuf_append(b, props->s, props->len);
	strbuf_puts(b, "</D:prop>");
	dav_xml_text_elem(b, DAV_NS, "status", dav_status_line(status));
	strbuf_puts(b, "</D:propstat>");
}

/* One DAV:response: the properties prop names, or (prop NULL) all of
 * them, or only their names. */
static void dav_file_response(struct dav_ctx *ctx, const struct dav_file_res *res,
			      xmlNode *prop, bool propname, struct strbuf *b)
{
	struct dav_file_propstat ps = { { 0 }, { 0 } };

	if (prop != NULL) {
		for (xmlNode *p = dav_xml_first(prop); p != NULL; p = dav_xml_next(p))
			dav_file_named(ctx, res, p, &ps);
	} else {
		for (size_t i = 0; i < DAV_FILE_PROP_COUNT; i++)
			dav_file_live(ctx, res, &dav_file_props[i], propname, &ps);
		dav_file_dead_all(res, propname, &ps);
		strbuf_reset(&ps.missing);
	}
	strbuf_puts(b, "<D:response>");
	dav_xml_href(b, res->href);
	dav_file_propstat_end(b, &ps.found, 200);
	dav_file_propstat_end(b, &ps.missing, 404);
	strbuf_puts(b, "</D:response>\n");
	strbuf_free(&ps.found);
	strbuf_free(&ps.missing);
}

static void dav_file_response_children(struct dav_ctx *ctx, const struct dav_file_res *res,
				       xmlNode *prop, bool propname, struct strbuf *b)
{
	json_object *children = dav_file_children(ctx, dav_file_res_folder_id(res));

	for (size_t i = 0; children != NULL && i < json_object_array_length(children); i++) {
		json_object *node = json_object_array_get_idx(children, i);
		struct dav_file_res child = {
			.href = dav_file_child_href(res->href, node),
			.node = json_object_get(node),
		};

		dav_file_response(ctx, &child, prop, propname, b);
		dav_file_res_clear(&child);
	}
	json_object_put(children);
}

void dav_file_propfind(struct dav_ctx *ctx, struct dav_file_res *res)
{
	xmlNode *root = dav_body_root(ctx, DAV_NS, "propfind", true), *prop = NULL;
	enum dav_depth depth;
	struct strbuf b = { 0 };
	bool propname = false;

	if (ctx->resp->status != 0 || dav_depth(ctx, DAV_DEPTH_0, &depth) < 0)
		return;
	if (depth == DAV_DEPTH_INFINITY) {
		dav_respond_error(ctx, 403, DAV_NS, "propfind-finite-depth");
		return;
	}
	if (root != NULL) {
		prop = dav_xml_child(root, DAV_NS, "prop");
		propname = dav_xml_child(root, DAV_NS, "propname") != NULL;
		if (prop == NULL && !propname && dav_xml_child(root, DAV_NS, "allprop") == NULL) {
			dav_respond_text(ctx, 400, "propfind needs prop, propname or allprop");
			return;
		}
	}
	if (!dav_file_res_exists(res)) {
		dav_respond_text(ctx, 404, "no such resource");
		return;
	}
	dav_ms_begin(&b);
	dav_file_response(ctx, res, prop, propname, &b);
	if (depth == DAV_DEPTH_1 && dav_file_res_is_folder(res) && !res->top)
		dav_file_response_children(ctx, res, prop, propname, &b);
	dav_ms_end(&b);
	if (ctx->resp->status == 0)
		dav_respond_multistatus(ctx, &b);
	else
		strbuf_free(&b);
}
