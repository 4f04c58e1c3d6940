/* calendar-multiget (RFC 4791 §7.9) and addressbook-multiget (RFC 6352
 * §8.7): the objects at the hrefs given. A few names of a collection
 * are looked up one by one (the core's davName lookup); for more, the
 * collection's names are listed once and the objects read by id in one
 * /get. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

/* Up to this many hrefs in one collection are single lookups. */
#define DAV_MG_LOOKUPS 8

struct dav_mg_item {
	char *href;			/* as the client sent it, trimmed */
	unsigned int status;		/* 0 while it may be found */
	struct dav_target t;
	json_object *coll;		/* borrowed from the collections */
	json_object *member;		/* when found */
};

struct dav_multiget {
	struct dav_ctx *ctx;
	const struct dav_family *fam;
	bool with_data;
	json_object *colls;		/* davName -> collection */
	json_object *wanted;		/* davName -> number of items in it */
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
	json_object *n;

	it->status = dav_target_from_href(mg->ctx, it->href, &it->t);
	if (it->status == 0 && (it->t.kind != DAV_KIND_OBJECT || it->t.fam != mg->fam ||
				!json_object_object_get_ex(mg->colls, it->t.collection, &it->coll)))
		it->status = 404;
	if (it->status != 0)
		return;
	n = json_object_object_get(mg->wanted, it->t.collection);
	json_object_object_add(mg->wanted, it->t.collection,
			       json_object_new_int64(json_object_get_int64(n) + 1));
}

/* name -> id of every member of coll (new object), or NULL after
 * answering. */
static json_object *dav_mg_names(struct dav_multiget *mg, json_object *coll)
{
	json_object *list = dav_members_list(mg->ctx, mg->fam, coll, false), *by_name;
	size_t n;

	if (list == NULL)
		return NULL;
	by_name = json_object_new_object();
	n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(list, i);

		json_object_object_add(by_name, dav_json_str(m, "davName"),
				       json_object_get(json_object_object_get(m, "id")));
	}
	json_object_put(list);
	return by_name;
}

/* The items of collection name, found through a listing of its names
 * and one /get of the ids they have. */
static int dav_mg_by_listing(struct dav_multiget *mg, const char *name)
{
	json_object *coll = json_object_object_get(mg->colls, name), *by_name, *by_id, *ids, *list;
	size_t n;

	if ((by_name = dav_mg_names(mg, coll)) == NULL)
		return -1;
	ids = json_object_new_array();
	for (size_t i = 0; i < mg->count; i++) {
		json_object *id;

		if (mg->items[i].status == 0 && strcmp(mg->items[i].t.collection, name) == 0 &&
		    json_object_object_get_ex(by_name, mg->items[i].t.member, &id))
			json_object_array_add(ids, json_object_get(id));
	}
	list = dav_members_get(mg->ctx, mg->fam, ids, mg->with_data);
	json_object_put(ids);
	if (list == NULL) {
		json_object_put(by_name);
		return -1;
	}
	by_id = json_object_new_object();
	n = json_object_array_length(list);
	for (size_t k = 0; k < n; k++) {
		json_object *m = json_object_array_get_idx(list, k);

		json_object_object_add(by_id, dav_json_str(m, "id"), json_object_get(m));
	}
	json_object_put(list);
	for (size_t i = 0; i < mg->count; i++) {
		struct dav_mg_item *it = &mg->items[i];
		json_object *id, *m;

		if (it->status == 0 && strcmp(it->t.collection, name) == 0 &&
		    json_object_object_get_ex(by_name, it->t.member, &id) &&
		    json_object_object_get_ex(by_id, json_object_get_string(id), &m) &&
		    dav_member_in(mg->fam, m, it->coll) &&
		    strcmp(dav_json_str(m, "davName"), it->t.member) == 0)
			it->member = json_object_get(m);
	}
	json_object_put(by_name);
	json_object_put(by_id);
	return 0;
}

/* Finds the member of every item that may exist. */
static int dav_mg_find(struct dav_multiget *mg)
{
	json_object_object_foreach(mg->wanted, name, count) {
		if (json_object_get_int64(count) > DAV_MG_LOOKUPS) {
			if (dav_mg_by_listing(mg, name) < 0)
				return -1;
			continue;
		}
		for (size_t i = 0; i < mg->count; i++) {
			struct dav_mg_item *it = &mg->items[i];

			if (it->status == 0 && strcmp(it->t.collection, name) == 0 &&
			    dav_member_find(mg->ctx, mg->fam, it->coll, it->t.member, mg->with_data,
					    &it->member) < 0)
				return -1;
		}
	}
	return 0;
}

static void dav_mg_write(struct dav_multiget *mg, const struct dav_report_props *p)
{
	struct strbuf b = { 0 };

	dav_ms_begin(&b);
	for (size_t i = 0; i < mg->count; i++) {
		struct dav_mg_item *it = &mg->items[i];
		struct dav_res r;

		if (it->status == 0 && it->member != NULL) {
			dav_res_member(mg->ctx, &r, mg->fam, it->coll, it->member);
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
	if (dav_mg_collections(mg) < 0)
		return;
	for (size_t i = 0; i < mg->count; i++)
		dav_mg_resolve(mg, &mg->items[i]);
	if (dav_mg_find(mg) < 0)
		return;
	dav_mg_write(mg, p);
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
	mg.with_data = dav_report_needs_data(&p);
	mg.colls = json_object_new_object();
	mg.wanted = json_object_new_object();
	dav_mg_run(&mg, &p);
	for (size_t i = 0; i < mg.count; i++) {
		free(mg.items[i].href);
		json_object_put(mg.items[i].member);
		dav_target_clear(&mg.items[i].t);
	}
	free(mg.items);
	json_object_put(mg.colls);
	json_object_put(mg.wanted);
}
