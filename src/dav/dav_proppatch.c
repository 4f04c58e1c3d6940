/* PROPPATCH (RFC 4918 §9.2) of address books and calendars, and the
 * property setting that extended MKCOL (RFC 5689) and MKCALENDAR (RFC
 * 4791 §5.3.1) share with it. Live properties map to members of the
 * collection (name, description, color, sortOrder); dead ones are kept
 * in its davProperties. All the instructions apply, or none. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

/* How one live property is written: the collection member it maps to. */
struct dav_writable {
	const char *ns;
	const char *name;
	const struct dav_family *fam;	/* NULL: both */
	const char *member;
	bool number;
};

static const struct dav_writable dav_writables[] = {
	{ DAV_NS, "displayname", NULL, "name", false },
	{ DAV_NS_CALDAV, "calendar-description", &dav_family_cal, "description", false },
	{ DAV_NS_CARDDAV, "addressbook-description", &dav_family_card, "description", false },
	{ DAV_NS_APPLE, "calendar-color", &dav_family_cal, "color", false },
	{ DAV_NS_APPLE, "calendar-order", &dav_family_cal, "sortOrder", true },
};

struct dav_apply {
	struct dav_ctx *ctx;
	const struct dav_family *fam;
	json_object *dead;		/* davProperties being built */
	json_object *patch;
	json_object *results;
	bool creating;
	bool dead_changed;
	bool failed;
};

static void dav_apply_result(struct dav_apply *a, xmlNode *prop, unsigned int status,
			     const char *pre_ns, const char *pre)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ns", json_object_new_string(dav_xml_ns(prop)));
	json_object_object_add(r, "name", json_object_new_string(dav_xml_name(prop)));
	json_object_object_add(r, "status", json_object_new_int((int)status));
	if (pre != NULL) {
		json_object_object_add(r, "preNs", json_object_new_string(pre_ns));
		json_object_object_add(r, "pre", json_object_new_string(pre));
	}
	json_object_array_add(a->results, r);
	if (status >= 300)
		a->failed = true;
}

static const struct dav_writable *dav_writable_find(const struct dav_family *fam, xmlNode *prop)
{
	for (size_t i = 0; i < sizeof(dav_writables) / sizeof(dav_writables[0]); i++) {
		const struct dav_writable *w = &dav_writables[i];

		if (dav_xml_is(prop, w->ns, w->name) && (w->fam == NULL || w->fam == fam))
			return w;
	}
	return NULL;
}

static void dav_apply_writable(struct dav_apply *a, const struct dav_writable *w, xmlNode *prop,
			       bool set)
{
	char *text = set ? dav_xml_text(prop) : NULL;
	json_object *value = NULL;

	if (w->number && set) {
		char *end;
		long long n = strtoll(text, &end, 10);

		if (*text == '\0' || *end != '\0' || n < 0 || n > UINT32_MAX) {
			free(text);
			dav_apply_result(a, prop, 409, NULL, NULL);
			return;
		}
		value = json_object_new_int64(n);
	} else if (set) {
		value = json_object_new_string(text);
	} else if (strcmp(w->member, "name") == 0) {
		value = json_object_new_string(a->fam->default_name);
	} else if (w->number) {
		value = json_object_new_int(0);
	}
	free(text);
	json_object_object_add(a->patch, w->member, value);
	dav_apply_result(a, prop, 200, NULL, NULL);
}

/* resourcetype on creation: a collection, maybe of our family's kind. */
static void dav_apply_resourcetype(struct dav_apply *a, xmlNode *prop)
{
	bool ok = true;

	for (xmlNode *t = dav_xml_first(prop); t != NULL; t = dav_xml_next(t)) {
		if (!dav_xml_is(t, DAV_NS, "collection") &&
		    !dav_xml_is(t, a->fam->ns, a->fam->coll_element))
			ok = false;
	}
	dav_apply_result(a, prop, ok ? 200 : 403, DAV_NS, ok ? NULL : "valid-resourcetype");
}

/* supported-calendar-component-set on creation: kept in davProperties. */
static void dav_apply_components(struct dav_apply *a, xmlNode *prop)
{
	static const char *const known[] = { "VEVENT", "VTODO", "VJOURNAL", NULL };
	json_object *list = json_object_new_array();
	bool ok = true;

	for (xmlNode *c = dav_xml_first(prop); c != NULL && ok; c = dav_xml_next(c)) {
		char *name = dav_xml_attr(c, "name");
		bool found = false;

		for (size_t i = 0; name != NULL && known[i] != NULL; i++)
			found = found || strcmp(known[i], name) == 0;
		ok = dav_xml_is(c, DAV_NS_CALDAV, "comp") && found;
		if (ok)
			json_object_array_add(list, json_object_new_string(name));
		free(name);
	}
	if (ok && json_object_array_length(list) > 0) {
		json_object_object_add(a->dead, "components", list);
		a->dead_changed = true;
		dav_apply_result(a, prop, 200, NULL, NULL);
		return;
	}
	json_object_put(list);
	dav_apply_result(a, prop, 403, DAV_NS_CALDAV, "supported-calendar-component");
}

static void dav_apply_dead(struct dav_apply *a, xmlNode *prop, bool set)
{
	char *key = dav_clark_name(dav_xml_ns(prop), dav_xml_name(prop));
	char *value;

	if (!set) {
		json_object_object_del(a->dead, key);
		a->dead_changed = true;
		dav_apply_result(a, prop, 200, NULL, NULL);
	} else if (!json_object_object_get_ex(a->dead, key, NULL) &&
		   json_object_object_length(a->dead) >= DAV_DEAD_PROPS_MAX) {
		dav_apply_result(a, prop, 507, NULL, NULL);
	} else if (strlen(value = dav_xml_dump(prop)) > DAV_DEAD_VALUE_MAX) {
		free(value);
		dav_apply_result(a, prop, 507, NULL, NULL);
	} else {
		json_object_object_add(a->dead, key, json_object_new_string(value));
		free(value);
		a->dead_changed = true;
		dav_apply_result(a, prop, 200, NULL, NULL);
	}
	free(key);
}

static void dav_apply_one(struct dav_apply *a, xmlNode *prop, bool set)
{
	const struct dav_writable *w = dav_writable_find(a->fam, prop);

	if (w != NULL)
		dav_apply_writable(a, w, prop, set);
	else if (a->creating && set && dav_xml_is(prop, DAV_NS, "resourcetype"))
		dav_apply_resourcetype(a, prop);
	else if (a->creating && set && a->fam == &dav_family_cal &&
		 dav_xml_is(prop, DAV_NS_CALDAV, "supported-calendar-component-set"))
		dav_apply_components(a, prop);
	else if (dav_prop_is_live(dav_xml_ns(prop), dav_xml_name(prop)))
		dav_apply_result(a, prop, 403, DAV_NS, "cannot-modify-protected-property");
	else
		dav_apply_dead(a, prop, set);
}

bool dav_props_apply(struct dav_ctx *ctx, const struct dav_family *fam, xmlNode *update,
		     json_object *old, json_object *patch, json_object *results, bool creating)
{
	struct dav_apply a = {
		.ctx = ctx, .fam = fam, .patch = patch, .results = results, .creating = creating,
	};

	a.dead = old != NULL && json_object_is_type(old, json_type_object) ?
		json_tokener_parse(json_object_to_json_string(old)) : json_object_new_object();
	for (xmlNode *op = dav_xml_first(update); op != NULL; op = dav_xml_next(op)) {
		bool set = dav_xml_is(op, DAV_NS, "set");

		if (!set && !dav_xml_is(op, DAV_NS, "remove"))
			continue;
		for (xmlNode *p = dav_xml_first(dav_xml_child(op, DAV_NS, "prop")); p != NULL;
		     p = dav_xml_next(p))
			dav_apply_one(&a, p, set);
	}
	if (a.dead_changed)
		json_object_object_add(patch, "davProperties", json_object_get(a.dead));
	json_object_put(a.dead);
	return !a.failed;
}

static void dav_results_group(struct strbuf *b, json_object *results, int status, bool failed)
{
	size_t n = json_object_array_length(results);
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(results, i);
		int s = json_object_get_int(json_object_object_get(r, "status"));

		if ((failed && s == 200 ? 424 : s) != status)
			continue;
		if (!any)
			strbuf_puts(b, "<D:propstat><D:prop>");
		any = true;
		dav_xml_empty(b, dav_json_str(r, "ns"), dav_json_str(r, "name"));
	}
	if (!any)
		return;
	strbuf_puts(b, "</D:prop>");
	dav_xml_text_elem(b, DAV_NS, "status", dav_status_line((unsigned int)status));
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(results, i);

		if (json_object_get_int(json_object_object_get(r, "status")) != status ||
		    *dav_json_str(r, "pre") == '\0')
			continue;
		strbuf_puts(b, "<D:error>");
		dav_xml_empty(b, dav_json_str(r, "preNs"), dav_json_str(r, "pre"));
		strbuf_puts(b, "</D:error>");
		break;
	}
	strbuf_puts(b, "</D:propstat>");
}

void dav_props_results(struct strbuf *b, const char *href, json_object *results, bool failed)
{
	static const int statuses[] = { 200, 403, 409, 424, 507, 500 };

	strbuf_puts(b, "<D:response>");
	if (href != NULL)
		dav_xml_href(b, href);
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		dav_results_group(b, results, statuses[i], failed);
	strbuf_puts(b, "</D:response>\n");
}

/* Stores the patch; on refusal every property fails with status. */
static bool dav_proppatch_store(struct dav_ctx *ctx, const struct dav_res *res,
				json_object *patch, json_object *results)
{
	json_object *result = NULL;
	const char *error;
	size_t n = json_object_array_length(results);
	int ret = 1;

	if (json_object_object_length(patch) > 0)
		ret = dav_jmap_set_one(ctx, res->fam->coll_type, dav_json_str(res->coll, "id"),
				       json_object_get(patch), NULL, &result, &error);
	json_object_put(result);
	if (ret > 0)
		return true;
	for (size_t i = 0; i < n; i++)
		json_object_object_add(json_object_array_get_idx(results, i), "status",
				       json_object_new_int(ret == 0 ? 409 : 500));
	return false;
}

static void dav_proppatch_run(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	json_object *patch = json_object_new_object(), *results = json_object_new_array();
	struct strbuf b = { 0 };
	bool ok;

	ok = dav_props_apply(ctx, res->fam, root, json_object_object_get(res->coll, "davProperties"),
			     patch, results, false);
	if (ok)
		ok = dav_proppatch_store(ctx, res, patch, results);
	dav_ms_begin(&b);
	dav_props_results(&b, res->href, results, !ok);
	dav_ms_end(&b);
	dav_respond_multistatus(ctx, &b);
	json_object_put(patch);
	json_object_put(results);
}

/* Resources with nothing to keep properties in refuse each one. */
static void dav_proppatch_refuse(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	json_object *results = json_object_new_array();
	struct dav_apply a = { .ctx = ctx, .results = results };
	struct strbuf b = { 0 };

	for (xmlNode *op = dav_xml_first(root); op != NULL; op = dav_xml_next(op)) {
		for (xmlNode *p = dav_xml_first(dav_xml_child(op, DAV_NS, "prop")); p != NULL;
		     p = dav_xml_next(p))
			dav_apply_result(&a, p, 403, DAV_NS, "cannot-modify-protected-property");
	}
	dav_ms_begin(&b);
	dav_props_results(&b, res->href, results, true);
	dav_ms_end(&b);
	dav_respond_multistatus(ctx, &b);
	json_object_put(results);
}

void dav_method_proppatch(struct dav_ctx *ctx)
{
	xmlNode *root = dav_body_root(ctx, DAV_NS, "propertyupdate", false);
	struct dav_res res;
	int ret;

	if (root == NULL)
		return;
	ret = dav_resource_load(ctx, false, &res);
	if (ret == 0)
		dav_respond_text(ctx, 404, "no such resource");
	else if (ret > 0 && dav_check_conditions(ctx, &res, true, DAV_COND_WRITE) == 0) {
		if (res.kind == DAV_KIND_COLLECTION)
			dav_proppatch_run(ctx, &res, root);
		else
			dav_proppatch_refuse(ctx, &res, root);
	}
	dav_res_clear(&res);
}
