/* The principal reports: expand-property (RFC 3253 §3.8),
 * principal-property-search and principal-search-property-set (RFC
 * 3744 §9.4, §9.5). The user is the one principal a user can see. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"
#include "jmap/collation.h"

/* expand-property nests at most this deep. */
#define DAV_EXPAND_MAX_DEPTH 3

static void dav_expand_response(struct dav_ctx *ctx, const struct dav_res *res,
				xmlNode *request, int depth, struct strbuf *b);

/* ns:name of a DAV:property element (namespace defaults to DAV:). */
static void dav_expand_name(xmlNode *p, char **ns_r, char **name_r)
{
	*name_r = dav_xml_attr(p, "name");
	*ns_r = dav_xml_attr(p, "namespace");
	if (*ns_r == NULL)
		*ns_r = xstrdup(DAV_NS);
}

/* Each href of value, expanded into the resource it names. */
static void dav_expand_hrefs(struct dav_ctx *ctx, const char *value, xmlNode *p, int depth,
			     struct strbuf *b)
{
	static const char open[] = "<D:href>", close[] = "</D:href>";
	const char *s = value, *end;

	while ((s = strstr(s, open)) != NULL && (end = strstr(s, close)) != NULL) {
		char *href = xstrndup(s + strlen(open), (size_t)(end - s - strlen(open)));
		struct dav_target t;
		struct dav_res r = { 0 };

		if (dav_target_from_href(ctx, href, &t) == 0 &&
		    dav_resource_load_at(ctx, &t, false, &r) > 0)
			dav_expand_response(ctx, &r, p, depth + 1, b);
		else
			dav_ms_status(b, href, 404, NULL, NULL);
		dav_res_clear(&r);
		dav_target_clear(&t);
		free(href);
		s = end + strlen(close);
	}
}

static void dav_expand_one(struct dav_ctx *ctx, const struct dav_res *res, xmlNode *p,
			   int depth, struct strbuf *found, struct strbuf *missing)
{
	const struct dav_live_prop *live;
	struct strbuf value = { 0 };
	char *ns, *name;

	dav_expand_name(p, &ns, &name);
	live = name != NULL ? dav_prop_find(res, ns, name) : NULL;
	if (live == NULL || live->get(ctx, res, &value) <= 0) {
		if (name != NULL)
			dav_xml_empty(missing, ns, name);
	} else {
		dav_xml_open(found, ns, name);
		if (dav_xml_first(p) != NULL && depth < DAV_EXPAND_MAX_DEPTH)
			dav_expand_hrefs(ctx, value.s != NULL ? value.s : "", p, depth, found);
		else
			strbuf_append(found, value.s != NULL ? value.s : "", value.len);
		dav_xml_close(found, ns, name);
	}
	strbuf_free(&value);
	free(ns);
	free(name);
}

static void dav_expand_response(struct dav_ctx *ctx, const struct dav_res *res,
				xmlNode *request, int depth, struct strbuf *b)
{
	struct strbuf found = { 0 }, missing = { 0 };

	for (xmlNode *p = dav_xml_first(request); p != NULL; p = dav_xml_next(p)) {
		if (dav_xml_is(p, DAV_NS, "property"))
			dav_expand_one(ctx, res, p, depth, &found, &missing);
	}
	strbuf_puts(b, "<D:response>");
	dav_xml_href(b, res->href);
	strbuf_puts(b, "<D:propstat><D:prop>");
	strbuf_append(b, found.s != NULL ? found.s : "", found.len);
	strbuf_puts(b, "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>");
	if (missing.len > 0) {
		strbuf_puts(b, "<D:propstat><D:prop>");
		strbuf_append(b, missing.s, missing.len);
		strbuf_puts(b, "</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>");
	}
	strbuf_puts(b, "</D:response>\n");
	strbuf_free(&found);
	strbuf_free(&missing);
}

void dav_report_expand_property(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	struct strbuf b = { 0 };

	dav_ms_begin(&b);
	dav_expand_response(ctx, res, root, 0, &b);
	dav_ms_end(&b);
	dav_respond_multistatus(ctx, &b);
}

/* The text of a property of res, tags stripped, for matching. */
static char *dav_search_value(struct dav_ctx *ctx, const struct dav_res *res, xmlNode *prop)
{
	const struct dav_live_prop *live = dav_prop_find(res, dav_xml_ns(prop),
							 dav_xml_name(prop));
	struct strbuf value = { 0 }, text = { 0 };
	bool in_tag = false;

	if (live == NULL || live->get(ctx, res, &value) <= 0) {
		strbuf_free(&value);
		return NULL;
	}
	for (size_t i = 0; i < value.len; i++) {
		if (value.s[i] == '<')
			in_tag = true;
		else if (value.s[i] == '>')
			in_tag = false;
		else if (!in_tag)
			strbuf_putc(&text, value.s[i]);
		if (value.s[i] == '>')
			strbuf_putc(&text, ' ');
	}
	strbuf_free(&value);
	return strbuf_steal(&text);
}

static bool dav_search_matches(struct dav_ctx *ctx, const struct dav_res *res, xmlNode *ps)
{
	xmlNode *props = dav_xml_child(ps, DAV_NS, "prop");
	xmlNode *match = dav_xml_child(ps, DAV_NS, "match");
	char *needle = match != NULL ? dav_xml_text(match) : xstrdup("");
	bool found = false;

	for (xmlNode *p = dav_xml_first(props); p != NULL && !found; p = dav_xml_next(p)) {
		char *value = dav_search_value(ctx, res, p);

		found = value != NULL && jmap_collation_contains(value, needle);
		free(value);
	}
	free(needle);
	return found;
}

void dav_report_principal_search(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	char *test = dav_xml_attr(root, "test");
	bool anyof = test != NULL && strcmp(test, "anyof") == 0, result = !anyof;
	struct dav_res principal = { .kind = DAV_KIND_PRINCIPAL };
	struct strbuf b = { 0 };

	free(test);
	principal.href = dav_href_principal(ctx);
	for (xmlNode *ps = dav_xml_first(root); ps != NULL; ps = dav_xml_next(ps)) {
		bool r;

		if (!dav_xml_is(ps, DAV_NS, "property-search"))
			continue;
		r = dav_search_matches(ctx, &principal, ps);
		result = anyof ? result || r : result && r;
	}
	dav_ms_begin(&b);
	if (result)
		dav_propfind_response(ctx, &principal, dav_xml_child(root, DAV_NS, "prop"), false,
				      NULL, &b);
	dav_ms_end(&b);
	dav_respond_multistatus(ctx, &b);
	dav_res_clear(&principal);
}

void dav_report_search_set(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<D:principal-search-property-set xmlns:D=\"DAV:\" xmlns:C=\""
		    DAV_NS_CALDAV "\">"
		    "<D:principal-search-property><D:prop><D:displayname/></D:prop>"
		    "<D:description xml:lang=\"en\">Name</D:description>"
		    "</D:principal-search-property>"
		    "<D:principal-search-property><D:prop><C:calendar-user-address-set/>"
		    "</D:prop><D:description xml:lang=\"en\">Address</D:description>"
		    "</D:principal-search-property></D:principal-search-property-set>\n");
	dav_set_body(ctx, &b, "application/xml; charset=utf-8");
	dav_respond(ctx, 200);
}
