/* Properties of the principal and of discovery (RFC 5397, RFC 3744,
 * RFC 4791 §6.2, RFC 6352 §7.1), and the report and privilege sets every
 * resource shows. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

static void dav_prop_write_href(struct strbuf *out, char *href)
{
	dav_xml_href(out, href);
	free(href);
}

int dav_prop_current_user_principal(struct dav_ctx *ctx, const struct dav_res *res,
				    struct strbuf *out)
{
	dav_prop_write_href(out, dav_href_principal(ctx));
	return 1;
}

int dav_prop_principal_url(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	dav_prop_write_href(out, dav_href_principal(ctx));
	return 1;
}

int dav_prop_owner(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	dav_prop_write_href(out, dav_href_principal(ctx));
	return 1;
}

int dav_prop_calendar_home(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	dav_prop_write_href(out, dav_href_home(ctx, &dav_family_cal));
	return 1;
}

int dav_prop_card_home(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	dav_prop_write_href(out, dav_href_home(ctx, &dav_family_card));
	return 1;
}

int dav_prop_principal_collection_set(struct dav_ctx *ctx, const struct dav_res *res,
				      struct strbuf *out)
{
	dav_xml_href(out, DAV_ROOT_PATH "principal/");
	return 1;
}

int dav_prop_user_type(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	strbuf_puts(out, "INDIVIDUAL");
	return 1;
}

/* The account's addresses, as its identities name them. */
int dav_prop_user_address_set(struct dav_ctx *ctx, const struct dav_res *res,
			      struct strbuf *out)
{
	json_object *args = json_object_new_object(), *resp, *list, *seen;
	const char *error;
	size_t n;

	if ((resp = dav_jmap_call(ctx, "Identity/get", args, &error)) == NULL)
		return 0;
	list = json_object_object_get(resp, "list");
	n = list != NULL ? json_object_array_length(list) : 0;
	seen = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		const char *email = dav_json_str(json_object_array_get_idx(list, i), "email");
		char *href;

		if (*email == '\0' || json_object_object_get_ex(seen, email, NULL))
			continue;
		json_object_object_add(seen, email, NULL);
		href = xasprintf("mailto:%s", email);
		dav_xml_href(out, href);
		free(href);
	}
	json_object_put(seen);
	json_object_put(resp);
	dav_prop_write_href(out, dav_href_principal(ctx));
	return 1;
}

static void dav_privilege(struct strbuf *out, const char *ns, const char *name)
{
	strbuf_puts(out, "<D:privilege>");
	dav_xml_empty(out, ns, name);
	strbuf_puts(out, "</D:privilege>");
}

/* Everything is the user's own: every privilege but changing ACLs on
 * what the user may write; only reading above the account. */
int dav_prop_privileges(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	static const char *const write_privs[] = {
		"write", "write-properties", "write-content", "bind", "unbind", "unlock", NULL,
	};
	bool writable = res->kind == DAV_KIND_HOME || res->kind == DAV_KIND_COLLECTION ||
		res->kind == DAV_KIND_OBJECT;

	dav_privilege(out, DAV_NS, "read");
	dav_privilege(out, DAV_NS, "read-current-user-privilege-set");
	if (res->kind == DAV_KIND_COLLECTION && res->fam == &dav_family_cal)
		dav_privilege(out, DAV_NS_CALDAV, "read-free-busy");
	for (size_t i = 0; writable && write_privs[i] != NULL; i++)
		dav_privilege(out, DAV_NS, write_privs[i]);
	return 1;
}

static void dav_report(struct strbuf *out, const char *ns, const char *name)
{
	strbuf_puts(out, "<D:supported-report><D:report>");
	dav_xml_empty(out, ns, name);
	strbuf_puts(out, "</D:report></D:supported-report>");
}

int dav_prop_supported_reports(struct dav_ctx *ctx, const struct dav_res *res,
			       struct strbuf *out)
{
	dav_report(out, DAV_NS, "expand-property");
	dav_report(out, DAV_NS, "principal-property-search");
	dav_report(out, DAV_NS, "principal-search-property-set");
	if (res->kind != DAV_KIND_COLLECTION && res->kind != DAV_KIND_OBJECT)
		return 1;
	if (res->fam == &dav_family_card) {
		dav_report(out, DAV_NS_CARDDAV, "addressbook-query");
		dav_report(out, DAV_NS_CARDDAV, "addressbook-multiget");
	} else {
		dav_report(out, DAV_NS_CALDAV, "calendar-query");
		dav_report(out, DAV_NS_CALDAV, "calendar-multiget");
		dav_report(out, DAV_NS_CALDAV, "free-busy-query");
	}
	if (res->kind == DAV_KIND_COLLECTION)
		dav_report(out, DAV_NS, "sync-collection");
	return 1;
}
