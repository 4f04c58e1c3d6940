/* REPORT (RFC 3253 §3.6): the reports each resource supports, and what
 * they share: the properties asked for, and the responses they write. */
#include <stdlib.h>
#include <string.h>

#include "dav/dav_private.h"

struct dav_report_def {
	const char *ns;
	const char *name;
	const struct dav_family *fam;	/* NULL: any resource */
	bool collection_only;
	void (*fn)(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
};

static const struct dav_report_def dav_reports[] = {
	{ DAV_NS_CALDAV, "calendar-query", &dav_family_cal, false, dav_report_calendar_query },
	{ DAV_NS_CALDAV, "calendar-multiget", &dav_family_cal, false, dav_report_multiget },
	{ DAV_NS_CALDAV, "free-busy-query", &dav_family_cal, false, dav_report_free_busy },
	{ DAV_NS_CARDDAV, "addressbook-query", &dav_family_card, false,
	  dav_report_addressbook_query },
	{ DAV_NS_CARDDAV, "addressbook-multiget", &dav_family_card, false, dav_report_multiget },
	{ DAV_NS, "sync-collection", NULL, true, dav_report_sync },
	{ DAV_NS, "expand-property", NULL, false, dav_report_expand_property },
	{ DAV_NS, "principal-property-search", NULL, false, dav_report_principal_search },
	{ DAV_NS, "principal-search-property-set", NULL, false, dav_report_search_set },
};

void dav_report_props_read(xmlNode *root, struct dav_report_props *p_r)
{
	p_r->prop = dav_xml_child(root, DAV_NS, "prop");
	p_r->propname = dav_xml_child(root, DAV_NS, "propname") != NULL;
	p_r->allprop = p_r->prop == NULL && !p_r->propname;
}

bool dav_report_needs_data(const struct dav_report_props *p)
{
	if (p->propname)
		return false;
	if (p->allprop)
		return true;
	for (xmlNode *n = dav_xml_first(p->prop); n != NULL; n = dav_xml_next(n)) {
		for (const struct dav_live_prop *l = dav_live_props; l->name != NULL; l++) {
			if ((l->flags & DAV_PROP_DATA) != 0 && dav_xml_is(n, l->ns, l->name))
				return true;
		}
	}
	return false;
}

size_t dav_report_limit(xmlNode *root, const char *ns)
{
	xmlNode *n = dav_xml_child(dav_xml_child(root, ns, "limit"), ns, "nresults");
	char *text;
	long long v;

	if (n == NULL)
		return 0;
	text = dav_xml_text(n);
	v = strtoll(text, NULL, 10);
	free(text);
	return v > 0 ? (size_t)v : 0;
}

void dav_report_response(struct dav_ctx *ctx, const struct dav_report_props *p,
			 const struct dav_res *res, struct strbuf *b)
{
	ctx->data_request = dav_xml_child(p->prop, DAV_NS_CALDAV, "calendar-data");
	dav_propfind_response(ctx, res, p->prop, p->propname, NULL, b);
	ctx->data_request = NULL;
}

static const struct dav_report_def *dav_report_find(xmlNode *root)
{
	for (size_t i = 0; i < sizeof(dav_reports) / sizeof(dav_reports[0]); i++) {
		if (dav_xml_is(root, dav_reports[i].ns, dav_reports[i].name))
			return &dav_reports[i];
	}
	return NULL;
}

void dav_method_report(struct dav_ctx *ctx)
{
	const char *error;
	const struct dav_report_def *def;
	struct dav_res res;
	xmlNode *root;
	int ret = dav_xml_parse(ctx->req->body, ctx->req->body_len, &ctx->doc, &error);

	if (ret <= 0) {
		dav_respond_text(ctx, 400, ret < 0 ? error : "REPORT needs a body");
		return;
	}
	root = xmlDocGetRootElement(ctx->doc);
	def = dav_report_find(root);
	ret = dav_resource_load(ctx, false, &res);
	if (ret == 0)
		dav_respond_text(ctx, 404, "no such resource");
	else if (ret > 0 && (def == NULL || (def->fam != NULL && def->fam != res.fam) ||
			     (def->collection_only && res.kind != DAV_KIND_COLLECTION)))
		dav_respond_error(ctx, 403, DAV_NS, "supported-report");
	else if (ret > 0)
		def->fn(ctx, &res, root);
	dav_res_clear(&res);
}

json_object *dav_report_candidates(struct dav_ctx *ctx, struct dav_res *res)
{
	json_object *ids, *list;

	if (res->kind == DAV_KIND_COLLECTION)
		return dav_members_list(ctx, res->fam, res->coll, true);
	ids = json_object_new_array();
	json_object_array_add(ids, json_object_get(json_object_object_get(res->member, "id")));
	list = dav_members_get(ctx, res->fam, ids, true);
	json_object_put(ids);
	return list;
}

void dav_report_matches(struct dav_ctx *ctx, struct dav_res *res,
			const struct dav_report_props *p, json_object *matches, size_t limit)
{
	size_t n = json_object_array_length(matches);
	struct strbuf b = { 0 };

	dav_ms_begin(&b);
	for (size_t i = 0; i < n && (limit == 0 || i < limit); i++) {
		struct dav_res r;

		dav_res_member(ctx, &r, res->fam, res->coll, json_object_array_get_idx(matches, i));
		dav_report_response(ctx, p, &r, &b);
		dav_res_clear(&r);
	}
	if (limit > 0 && n > limit)
		dav_ms_status(&b, res->href, 507, DAV_NS, "number-of-matches-within-limits");
	dav_ms_end(&b);
	dav_respond_multistatus(ctx, &b);
}
