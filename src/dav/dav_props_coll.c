/* Properties of address books and calendars: change tags and sync
 * tokens from the core's state strings, quota (RFC 4331), descriptions,
 * colours and order, and what data and components they take. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

static const char *const dav_default_components[] = { "VEVENT", "VTODO", "VJOURNAL", NULL };

/* The state string of the family's collections (which = 0) or members
 * (1), read once per request. NULL if it cannot be read. */
static const char *dav_state(struct dav_ctx *ctx, const struct dav_family *fam, int which)
{
	int f = fam == &dav_family_cal ? 1 : 0;

	if (ctx->states[f][which] == NULL)
		ctx->states[f][which] = dav_jmap_state(ctx, which == 0 ? fam->coll_type :
						       fam->member_type);
	return ctx->states[f][which];
}

void dav_states_clear(struct dav_ctx *ctx)
{
	for (size_t f = 0; f < 2; f++) {
		for (size_t w = 0; w < 2; w++) {
			free(ctx->states[f][w]);
			ctx->states[f][w] = NULL;
		}
	}
}

int dav_prop_ctag(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	const char *colls = dav_state(ctx, res->fam, 0), *members = dav_state(ctx, res->fam, 1);

	if (colls == NULL || members == NULL)
		return 0;
	strbuf_printf(out, "\"%s-%s\"", colls, members);
	return 1;
}

int dav_prop_sync_token(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	const char *members = dav_state(ctx, res->fam, 1);
	char *token;

	if (members == NULL)
		return 0;
	token = dav_sync_token(dav_json_str(res->coll, "id"), members);
	dav_xml_escape(out, token);
	free(token);
	return 1;
}

/* The account's Quota object (borrowed), NULL when it has no quota. */
static json_object *dav_quota(struct dav_ctx *ctx)
{
	json_object *args, *resp, *list;
	const char *error;

	if (ctx->quota_read)
		return ctx->quota;
	ctx->quota_read = true;
	args = json_object_new_object();
	if ((resp = dav_jmap_call(ctx, "Quota/get", args, &error)) == NULL)
		return NULL;
	list = json_object_object_get(resp, "list");
	if (list != NULL && json_object_array_length(list) > 0)
		ctx->quota = json_object_get(json_object_array_get_idx(list, 0));
	json_object_put(resp);
	return ctx->quota;
}

int dav_prop_quota_used(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	json_object *q = dav_quota(ctx);

	if (q == NULL)
		return 0;
	strbuf_printf(out, "%lld", (long long)json_object_get_int64(
		json_object_object_get(q, "used")));
	return 1;
}

int dav_prop_quota_available(struct dav_ctx *ctx, const struct dav_res *res,
			     struct strbuf *out)
{
	json_object *q = dav_quota(ctx);
	int64_t used, limit;

	if (q == NULL)
		return 0;
	used = json_object_get_int64(json_object_object_get(q, "used"));
	limit = json_object_get_int64(json_object_object_get(q, "hardLimit"));
	strbuf_printf(out, "%lld", (long long)(limit > used ? limit - used : 0));
	return 1;
}

static int dav_prop_coll_string(const struct dav_res *res, const char *member,
				struct strbuf *out)
{
	json_object *v = json_object_object_get(res->coll, member);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return 0;
	dav_xml_escape(out, json_object_get_string(v));
	return 1;
}

int dav_prop_coll_description(struct dav_ctx *ctx, const struct dav_res *res,
			      struct strbuf *out)
{
	return dav_prop_coll_string(res, "description", out);
}

int dav_prop_calendar_color(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	return dav_prop_coll_string(res, "color", out);
}

int dav_prop_calendar_order(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	strbuf_printf(out, "%lld", (long long)json_object_get_int64(
		json_object_object_get(res->coll, "sortOrder")));
	return 1;
}

bool dav_coll_takes_component(json_object *coll, const char *component)
{
	json_object *props = json_object_object_get(coll, "davProperties");
	json_object *list = props != NULL ? json_object_object_get(props, "components") : NULL;
	size_t n = list != NULL && json_object_is_type(list, json_type_array) ?
		json_object_array_length(list) : 0;

	if (n == 0) {
		for (size_t i = 0; dav_default_components[i] != NULL; i++) {
			if (strcmp(dav_default_components[i], component) == 0)
				return true;
		}
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
			   component) == 0)
			return true;
	}
	return false;
}

int dav_prop_comp_set(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	for (size_t i = 0; dav_default_components[i] != NULL; i++) {
		if (!dav_coll_takes_component(res->coll, dav_default_components[i]))
			continue;
		strbuf_puts(out, "<C:comp name=\"");
		dav_xml_escape_attr(out, dav_default_components[i]);
		strbuf_puts(out, "\"/>");
	}
	return 1;
}

int dav_prop_supported_data(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	if (res->fam == &dav_family_cal) {
		strbuf_puts(out, "<C:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>");
		return 1;
	}
	strbuf_puts(out, "<CR:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>"
		    "<CR:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>");
	return 1;
}

int dav_prop_max_resource_size(struct dav_ctx *ctx, const struct dav_res *res,
			       struct strbuf *out)
{
	strbuf_printf(out, "%d", DAV_MAX_RESOURCE_SIZE);
	return 1;
}

int dav_prop_supported_collations(struct dav_ctx *ctx, const struct dav_res *res,
				  struct strbuf *out)
{
	const char *prefix = res->fam == &dav_family_cal ? "C" : "CR";

	for (size_t i = 0; dav_collations[i] != NULL; i++)
		strbuf_printf(out, "<%s:supported-collation>%s</%s:supported-collation>", prefix,
			      dav_collations[i], prefix);
	return 1;
}
