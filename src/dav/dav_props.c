/* The live properties (RFC 4918 §15, RFC 3744, RFC 5397, RFC 4331,
 * RFC 4791 §5.2 and §6.2, RFC 6352 §6 and §7.1, RFC 6578): one table of
 * where each applies and how it is read; the generic getters; dead
 * properties kept in a collection's davProperties. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_cal.h"
#include "directory/directory.h"

#define K(kind) DAV_KIND_BIT(DAV_KIND_##kind)
#define ALL DAV_KINDS_ALL
#define COLL K(COLLECTION)
#define OBJ K(OBJECT)
#define PR DAV_PROP_PROTECTED
#define AP DAV_PROP_ALLPROP

static int dav_prop_resourcetype(struct dav_ctx *ctx, const struct dav_res *res,
				 struct strbuf *out)
{
	if (res->kind == DAV_KIND_OBJECT)
		return 1;
	dav_xml_empty(out, DAV_NS, "collection");
	if (res->kind == DAV_KIND_PRINCIPAL)
		dav_xml_empty(out, DAV_NS, "principal");
	if (res->kind == DAV_KIND_COLLECTION)
		dav_xml_empty(out, res->fam->ns, res->fam->coll_element);
	return 1;
}

static int dav_prop_displayname(struct dav_ctx *ctx, const struct dav_res *res,
				struct strbuf *out)
{
	if (res->kind == DAV_KIND_PRINCIPAL) {
		dav_xml_escape(out, ctx->req->user->name);
		return 1;
	}
	if (res->kind != DAV_KIND_COLLECTION)
		return 0;
	dav_xml_escape(out, dav_json_str(res->coll, "name"));
	return 1;
}

static int dav_prop_getetag(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	char *etag = dav_res_etag(res);

	dav_xml_escape(out, etag);
	free(etag);
	return 1;
}

static int dav_prop_getcontenttype(struct dav_ctx *ctx, const struct dav_res *res,
				   struct strbuf *out)
{
	strbuf_printf(out, "%s; charset=utf-8", res->fam->media_type);
	return 1;
}

static int dav_prop_getcontentlength(struct dav_ctx *ctx, const struct dav_res *res,
				     struct strbuf *out)
{
	json_object *data = json_object_object_get(res->member, "davData");

	if (data == NULL)
		return 0;
	strbuf_printf(out, "%d", json_object_get_string_len(data));
	return 1;
}

static int dav_prop_supportedlock(struct dav_ctx *ctx, const struct dav_res *res,
				  struct strbuf *out)
{
	static const char *const scopes[] = { "exclusive", "shared" };

	for (size_t i = 0; i < 2; i++) {
		strbuf_puts(out, "<D:lockentry><D:lockscope>");
		dav_xml_empty(out, DAV_NS, scopes[i]);
		strbuf_puts(out, "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>");
	}
	return 1;
}

static int dav_prop_lockdiscovery(struct dav_ctx *ctx, const struct dav_res *res,
				  struct strbuf *out)
{
	dav_lock_discovery(ctx, res->href, out);
	return 1;
}

static int dav_prop_object_data(struct dav_ctx *ctx, const struct dav_res *res,
				struct strbuf *out)
{
	json_object *data = json_object_object_get(res->member, "davData");

	if (data == NULL)
		return 0;
	dav_xml_escape_len(out, json_object_get_string(data),
			   (size_t)json_object_get_string_len(data));
	return 1;
}

const struct dav_live_prop dav_live_props[] = {
	{ DAV_NS, "resourcetype", ALL, NULL, AP | PR, dav_prop_resourcetype },
	{ DAV_NS, "displayname", ALL, NULL, AP, dav_prop_displayname },
	{ DAV_NS, "getetag", OBJ, NULL, AP | PR, dav_prop_getetag },
	{ DAV_NS, "getcontenttype", OBJ, NULL, AP | PR, dav_prop_getcontenttype },
	{ DAV_NS, "getcontentlength", OBJ, NULL, AP | PR | DAV_PROP_DATA,
	  dav_prop_getcontentlength },
	{ DAV_NS, "supportedlock", ALL, NULL, AP | PR, dav_prop_supportedlock },
	{ DAV_NS, "lockdiscovery", ALL, NULL, AP | PR, dav_prop_lockdiscovery },
	{ DAV_NS, "current-user-principal", ALL, NULL, PR, dav_prop_current_user_principal },
	{ DAV_NS, "principal-URL", K(PRINCIPAL), NULL, PR, dav_prop_principal_url },
	{ DAV_NS, "owner", K(HOME) | COLL | OBJ, NULL, PR, dav_prop_owner },
	{ DAV_NS, "principal-collection-set", ALL, NULL, PR,
	  dav_prop_principal_collection_set },
	{ DAV_NS, "current-user-privilege-set", ALL, NULL, PR, dav_prop_privileges },
	{ DAV_NS, "supported-report-set", ALL, NULL, PR, dav_prop_supported_reports },
	{ DAV_NS, "sync-token", COLL, NULL, PR, dav_prop_sync_token },
	{ DAV_NS, "quota-used-bytes", K(HOME) | COLL, NULL, PR, dav_prop_quota_used },
	{ DAV_NS, "quota-available-bytes", K(HOME) | COLL, NULL, PR, dav_prop_quota_available },
	{ DAV_NS_CS, "getctag", COLL, NULL, PR, dav_prop_ctag },
	{ DAV_NS_CALDAV, "calendar-home-set", K(PRINCIPAL), NULL, PR, dav_prop_calendar_home },
	{ DAV_NS_CALDAV, "calendar-user-address-set", K(PRINCIPAL), NULL, PR,
	  dav_prop_user_address_set },
	{ DAV_NS_CALDAV, "calendar-user-type", K(PRINCIPAL), NULL, PR, dav_prop_user_type },
	{ DAV_NS_CALDAV, "calendar-description", COLL, &dav_family_cal, 0,
	  dav_prop_coll_description },
	{ DAV_NS_CALDAV, "supported-calendar-component-set", COLL, &dav_family_cal, PR,
	  dav_prop_comp_set },
	{ DAV_NS_CALDAV, "supported-calendar-data", COLL, &dav_family_cal, PR,
	  dav_prop_supported_data },
	{ DAV_NS_CALDAV, "max-resource-size", COLL, &dav_family_cal, PR,
	  dav_prop_max_resource_size },
	{ DAV_NS_CALDAV, "supported-collation-set", COLL, &dav_family_cal, PR,
	  dav_prop_supported_collations },
	{ DAV_NS_CALDAV, "calendar-data", OBJ, &dav_family_cal, PR | DAV_PROP_DATA,
	  dav_prop_calendar_data },
	{ DAV_NS_APPLE, "calendar-color", COLL, &dav_family_cal, 0, dav_prop_calendar_color },
	{ DAV_NS_APPLE, "calendar-order", COLL, &dav_family_cal, 0, dav_prop_calendar_order },
	{ DAV_NS_CARDDAV, "addressbook-home-set", K(PRINCIPAL), NULL, PR, dav_prop_card_home },
	{ DAV_NS_CARDDAV, "addressbook-description", COLL, &dav_family_card, 0,
	  dav_prop_coll_description },
	{ DAV_NS_CARDDAV, "supported-address-data", COLL, &dav_family_card, PR,
	  dav_prop_supported_data },
	{ DAV_NS_CARDDAV, "max-resource-size", COLL, &dav_family_card, PR,
	  dav_prop_max_resource_size },
	{ DAV_NS_CARDDAV, "supported-collation-set", COLL, &dav_family_card, PR,
	  dav_prop_supported_collations },
	{ DAV_NS_CARDDAV, "address-data", OBJ, &dav_family_card, PR | DAV_PROP_DATA,
	  dav_prop_object_data },
	{ NULL, NULL, 0, NULL, 0, NULL },
};

const struct dav_live_prop *dav_prop_find(const struct dav_res *res, const char *ns,
					  const char *name)
{
	for (const struct dav_live_prop *p = dav_live_props; p->name != NULL; p++) {
		if (strcmp(p->name, name) == 0 && strcmp(p->ns, ns) == 0 &&
		    (p->kinds & DAV_KIND_BIT(res->kind)) != 0 &&
		    (p->fam == NULL || p->fam == res->fam))
			return p;
	}
	return NULL;
}

bool dav_prop_is_live(const char *ns, const char *name)
{
	for (const struct dav_live_prop *p = dav_live_props; p->name != NULL; p++) {
		if (strcmp(p->name, name) == 0 && strcmp(p->ns, ns) == 0)
			return true;
	}
	return false;
}

char *dav_clark_name(const char *ns, const char *name)
{
	return xasprintf("{%s}%s", ns, name);
}

const char *dav_dead_prop(const struct dav_res *res, const char *ns, const char *name)
{
	json_object *props = json_object_object_get(res->coll, "davProperties"), *v;
	char *key;
	bool found;

	if (res->kind != DAV_KIND_COLLECTION || props == NULL)
		return NULL;
	key = dav_clark_name(ns, name);
	found = json_object_object_get_ex(props, key, &v);
	free(key);
	return found && json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
		NULL;
}
