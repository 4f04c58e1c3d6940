/* calendar-multiget (RFC 4791 §7.9) and addressbook-multiget (RFC 6352
 * §8.7): the objects at the hrefs given. Names become ids (listing each
 * collection at most once when a name is not known yet), and the objects
 * are read in pages of ids. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

struct dav_mg_item {
	char *href;			/* as the client sent it, trimmed */
	unsigned int status;		/* 0 while it may be found */
	struct dav_target t;
	json_object *coll;		/* borrowed from the collections */
	char *id;
};

struct dav_multiget {
	struct dav_ctx *ctx;
	const struct dav_family *fam;
	json_object *colls;		/* davName -> collection */
	json_object *listed;		/* davName -> null, for each listed */
	struct dav_mg_item *items;
	size_t count;
};

static int dav_mg_collections(struct dav_multiget *mg)
{
	json_object *list = dav_jmap_collections(mg->ctx, mg->fam, NULL);
	size_t n;

	if (list == NULL)
		return -1;
	n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);

		json_object_object_add(mg->colls, dav_json_str(c, "davName"), json_object_get(c));
	}
	json_object_put(list);
	return 0;
}

static void dav_mg_resolve(struct dav_multiget *mg, struct dav_mg_item *it)
{
	struct dav_ctx *ctx = mg->ctx;

	it->status = dav_target_from_href(ctx, it->href, &it->t);
	if (it->status == 0 && (it->t.kind != DAV_KIND_OBJECT || it->t.fam != mg->fam ||
				!json_object_object_get_ex(mg->colls, it->t.collection, &it->coll)))
		it->status = 404;
	if (it->status == 0)
		it->id = dav_names_id(ctx->srv->names, ctx->account_id, mg->fam,
				      dav_json_str(it->coll, "id"), it->t.member);
}

/* Lists the collections of items whose names are unknown, once each. */
static int dav_mg_list_unknown(struct dav_multiget *mg)
{
	struct dav_ctx *ctx = mg->ctx;

	for (size_t i = 0; i < mg->count; i++) {
		struct dav_mg_item *it = &mg->items[i];
		json_object *list;

		if (it->status != 0 || it->id != NULL)
			continue;
		if (!json_object_object_get_ex(mg->listed, it->t.collection, NULL)) {
			if ((list = dav_members_list(ctx, mg->fam, it->coll, false)) == NULL)
				return -1;
			json_object_put(list);
			json_object_object_add(mg->listed, it->t.collection, NULL);
		}
		it->id = dav_names_id(ctx->srv->names, ctx->account_id, mg->fam,
				      dav_json_str(it->coll, "id"), it->t.member);
		if (it->id == NULL)
			it->status = 404;
	}
	return 0;
}

/* The objects of every found item: id -> object. NULL after answering. */
static json_object *dav_mg_read(struct dav_multiget *mg, bool with_data)
{
	json_object *ids = json_object_new_array(), *list, *by_id;
	size_t n;

	for (size_t i = 0; i < mg->count; i++) {
		if (mg->items[i].status == 0)
			json_object_array_add(ids, json_object_new_string(mg->items[i].id));
	}
	list = dav_members_get(mg->ctx, mg->fam, ids, with_data);
	json_object_put(ids);
	if (list == NULL)
		return NULL;
	by_id = json_object_new_object();
	n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(list, i);

		json_object_object_add(by_id, dav_json_str(m, "id"), json_object_get(m));
	}
	json_object_put(list);
	return by_id;
}

static void dav_mg_write(struct dav_multiget *mg, const struct dav_report_props *p,
			 json_object *by_id)
{
	struct strbuf b = { 0 };

	dav_ms_begin(&b);
	for (size_t i = 0; i < mg->count; i++) {
		struct dav_mg_item *it = &mg->items[i];
		json_object *m = NULL;
		struct dav_res r;

		if (it->status == 0 && json_object_object_get_ex(by_id, it->id, &m) &&
		    dav_member_in(mg->fam, m, it->coll) &&
		    strcmp(dav_json_str(m, "davName"), it->t.member) == 0) {
			dav_res_member(mg->ctx, &r, mg->fam, it->coll, m);
			dav_report_response(mg->ctx, p, &r, &b);
			dav_res_clear(&r);
		} else {
			dav_ms_status(&b, it->href, it->status == 403 ? 403 : 404, NULL, NULL);
		}
	}
	dav_ms_end(&b);
	dav_respond_multistatus(mg->ctx, &b);
}

static void dav_mg_run(struct dav_multiget *mg, const struct dav_report_props *p)
{
	json_object *by_id;

	if (dav_mg_collections(mg) < 0)
		return;
	for (size_t i = 0; i < mg->count; i++)
		dav_mg_resolve(mg, &mg->items[i]);
	if (dav_mg_list_unknown(mg) < 0 ||
	    (by_id = dav_mg_read(mg, dav_report_needs_data(p))) == NULL)
		return;
	dav_mg_write(mg, p, by_id);
	json_object_put(by_id);
}

/* The text of an href element without surrounding white space. */
static char *dav_mg_href_text(const xmlNode *n)
{
	char *text = dav_xml_text(n), *start = text;
	size_t len;

	start += strspn(start, " \t\r\n");
	len = strlen(start);
	while (len > 0 && strchr(" \t\r\n", start[len - 1]) != NULL)
		len--;
	start = xstrndup(start, len);
	free(text);
	return start;
}

void dav_report_multiget(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	struct dav_multiget mg = { .ctx = ctx, .fam = res->fam };
	struct dav_report_props p;

	dav_report_props_read(root, &p);
	for (xmlNode *n = dav_xml_first(root); n != NULL; n = dav_xml_next(n)) {
		if (!dav_xml_is(n, DAV_NS, "href"))
			continue;
		mg.items = xrealloc(mg.items, (mg.count + 1) * sizeof(*mg.items));
		memset(&mg.items[mg.count], 0, sizeof(*mg.items));
		mg.items[mg.count++].href = dav_mg_href_text(n);
	}
	mg.colls = json_object_new_object();
	mg.listed = json_object_new_object();
	dav_mg_run(&mg, &p);
	for (size_t i = 0; i < mg.count; i++) {
		free(mg.items[i].href);
		free(mg.items[i].id);
		dav_target_clear(&mg.items[i].t);
	}
	free(mg.items);
	json_object_put(mg.colls);
	json_object_put(mg.listed);
}
