/* PUT of a vCard or iCalendar resource (RFC 4918 §9.7, RFC 4791 §5.3.2,
 * RFC 6352 §6.3.2): checked, then stored as sent through the core's
 * davData (201 or 204, with the ETag of exactly those bytes). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

struct dav_put {
	struct dav_ctx *ctx;
	const struct dav_family *fam;
	struct dav_res res;
	char *uid;
};

static void dav_put_answer(struct dav_put *put, unsigned int status, const char *etag)
{
	char *quoted = xasprintf("\"%s\"", etag);

	dav_add_header(put->ctx, "ETag", quoted);
	free(quoted);
	dav_respond(put->ctx, status);
}

/* The body alone: media type, size, UID. 0, or -1 after answering. */
static int dav_put_check_body(struct dav_put *put)
{
	struct dav_ctx *ctx = put->ctx;
	const struct dav_family *fam = put->fam;

	if (!dav_media_type_ok(fam, dav_header(ctx, "Content-Type"))) {
		dav_respond_error(ctx, 403, fam->ns, fam == &dav_family_cal ?
				  "supported-calendar-data" : "supported-address-data");
		return -1;
	}
	if (ctx->req->body_len > DAV_MAX_RESOURCE_SIZE) {
		dav_respond_error(ctx, 403, fam->ns, "max-resource-size");
		return -1;
	}
	if (ctx->req->body == NULL ||
	    (put->uid = dav_data_uid(ctx->req->body, ctx->req->body_len)) == NULL) {
		dav_respond_error(ctx, 403, fam->ns, fam->valid_data);
		return -1;
	}
	return 0;
}

static int dav_put_check_component(struct dav_put *put)
{
	const char *comp;

	if (put->fam != &dav_family_cal)
		return 0;
	comp = dav_data_component(put->ctx->req->body, put->ctx->req->body_len);
	if (comp == NULL) {
		dav_respond_error(put->ctx, 403, DAV_NS_CALDAV, "valid-calendar-data");
		return -1;
	}
	if (!dav_coll_takes_component(put->res.coll, comp)) {
		dav_respond_error(put->ctx, 403, DAV_NS_CALDAV, "supported-calendar-component");
		return -1;
	}
	return 0;
}

static json_object *dav_put_data(struct dav_ctx *ctx)
{
	return json_object_new_string_len(ctx->req->body, (int)ctx->req->body_len);
}

static void dav_put_update(struct dav_put *put)
{
	struct dav_ctx *ctx = put->ctx;
	json_object *value = json_object_new_object(), *result;
	const char *error, *etag;
	int ret;

	if (strcmp(dav_json_str(put->res.member, "uid"), put->uid) != 0) {
		json_object_put(value);
		dav_respond_uid_conflict(ctx, put->fam, put->res.href);
		return;
	}
	json_object_object_add(value, "davData", dav_put_data(ctx));
	ret = dav_jmap_set_one(ctx, put->fam->member_type, dav_json_str(put->res.member, "id"),
			       value, NULL, &result, &error);
	if (ret < 0) {
		dav_respond_internal(ctx, error);
		return;
	}
	if (ret == 0) {
		dav_respond_set_error(ctx, put->fam, result);
	} else {
		etag = dav_json_str(result, "davEtag");
		dav_put_answer(put, 204, *etag != '\0' ? etag :
			       dav_json_str(put->res.member, "davEtag"));
	}
	json_object_put(result);
}

/* The create was refused for a UID already in the collection. */
static void dav_put_uid_taken(struct dav_put *put, const char *existing_id)
{
	struct dav_ctx *ctx = put->ctx;
	json_object *ids = json_object_new_array(), *list;
	json_object *other;
	char *href;

	json_object_array_add(ids, json_object_new_string(existing_id));
	list = dav_members_get(ctx, put->fam, ids, false);
	json_object_put(ids);
	if (list == NULL)
		return;
	other = json_object_array_length(list) > 0 ? json_object_array_get_idx(list, 0) : NULL;
	if (other == NULL) {
		dav_respond_internal(ctx, "the UID is taken by an object that cannot be read");
	} else if (strcmp(dav_json_str(other, "davName"), ctx->target.member) != 0) {
		href = dav_href_member(ctx, put->fam, dav_json_str(put->res.coll, "davName"),
				       dav_json_str(other, "davName"));
		dav_respond_uid_conflict(ctx, put->fam, href);
		free(href);
	} else if (dav_header(ctx, "If-None-Match") != NULL) {
		dav_respond_text(ctx, 412, "the resource exists");
	} else {
		/* this very resource, made meanwhile */
		put->res.member = json_object_get(other);
		dav_put_update(put);
	}
	json_object_put(list);
}

static void dav_put_create_refused(struct dav_put *put, json_object *error)
{
	const char *type = dav_json_str(error, "type");
	json_object *props = json_object_object_get(error, "properties");
	const char *first = props != NULL && json_object_array_length(props) > 0 ?
		json_object_get_string(json_object_array_get_idx(props, 0)) : "";

	if (strcmp(type, "alreadyExists") == 0)
		dav_put_uid_taken(put, dav_json_str(error, "existingId"));
	else if (strcmp(first, "davName") == 0 && dav_header(put->ctx, "If-None-Match") != NULL)
		dav_respond_text(put->ctx, 412, "the resource exists");
	else if (strcmp(first, "davName") == 0)
		/* the name is taken by a resource of another UID */
		dav_respond_uid_conflict(put->ctx, put->fam, put->res.href);
	else
		dav_respond_set_error(put->ctx, put->fam, error);
}

static void dav_put_create(struct dav_put *put)
{
	struct dav_ctx *ctx = put->ctx;
	json_object *value = json_object_new_object(), *parents = json_object_new_object();
	json_object *result;
	const char *error;
	int ret;

	json_object_object_add(parents, dav_json_str(put->res.coll, "id"),
			       json_object_new_boolean(1));
	json_object_object_add(value, put->fam->parent_prop, parents);
	json_object_object_add(value, "davName", json_object_new_string(ctx->target.member));
	json_object_object_add(value, "davData", dav_put_data(ctx));
	ret = dav_jmap_set_one(ctx, put->fam->member_type, NULL, value, NULL, &result, &error);
	if (ret < 0) {
		dav_respond_internal(ctx, error);
		return;
	}
	if (ret == 0) {
		dav_put_create_refused(put, result);
	} else {
		dav_put_answer(put, 201, dav_json_str(result, "davEtag"));
	}
	json_object_put(result);
}

static void dav_put_run(struct dav_put *put)
{
	struct dav_ctx *ctx = put->ctx;
	int ret;

	if (dav_put_check_body(put) < 0)
		return;
	ret = dav_jmap_collection(ctx, put->fam, ctx->target.collection, &put->res.coll);
	if (ret == 0)
		dav_respond_text(ctx, 409, "the collection does not exist");
	if (ret <= 0 || dav_put_check_component(put) < 0)
		return;
	ret = dav_member_find(ctx, put->fam, put->res.coll, ctx->target.member, false,
			      &put->res.member);
	if (ret < 0)
		return;
	if (dav_check_conditions(ctx, &put->res, ret > 0,
				 DAV_COND_WRITE | (ret > 0 ? 0 : DAV_COND_MEMBERSHIP)) < 0)
		return;
	if (ret > 0)
		dav_put_update(put);
	else
		dav_put_create(put);
}

void dav_method_put(struct dav_ctx *ctx)
{
	struct dav_put put = { .ctx = ctx, .fam = ctx->target.fam };

	if (ctx->target.kind != DAV_KIND_OBJECT) {
		dav_respond_not_allowed(ctx, "only calendar and address objects can be PUT");
		return;
	}
	put.res.kind = DAV_KIND_OBJECT;
	put.res.fam = put.fam;
	put.res.href = dav_href_target(ctx, &ctx->target);
	dav_put_run(&put);
	dav_res_clear(&put.res);
	free(put.uid);
}
