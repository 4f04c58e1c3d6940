/* GET, HEAD, PUT, MKCOL and DELETE in the file tree. A file's content
 * goes through the core's uploads and downloads, as blobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "dav/dav_file.h"
#include "jmap/jmap.h"

#define DAV_FILE_DEFAULT_TYPE "application/octet-stream"

void dav_file_http_date(json_object *node, char out[DAV_FILE_DATE_LEN])
{
	time_t t = 0;
	struct tm tm;

	(void)time_parse_utc(dav_json_str(node, "updated"), &t);
	gmtime_r(&t, &tm);
	strftime(out, DAV_FILE_DATE_LEN, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The whole blob into b: 0, or -1 after answering. */
static int dav_file_read_blob(struct dav_ctx *ctx, const char *blob_id, struct strbuf *b)
{
	uint64_t size, got = 0;
	int status, fd = jmap_download_open(ctx->srv->jmap, ctx->req->user, ctx->account_id,
					    blob_id, &size, &status);
	char buf[65536];
	ssize_t n;

	if (fd < 0) {
		dav_respond_internal(ctx, "the file's blob cannot be opened");
		return -1;
	}
	while (got < size && (n = read(fd, buf, sizeof(buf))) > 0) {
		strbuf_append(b, buf, (size_t)n);
		got += (uint64_t)n;
	}
	close(fd);
	if (got != size) {
		strbuf_free(b);
		dav_respond_internal(ctx, "the file's blob is short");
		return -1;
	}
	return 0;
}

static void dav_file_get_folder(struct dav_ctx *ctx, struct dav_file_res *res)
{
	json_object *children = dav_file_children(ctx, dav_file_res_folder_id(res));
	struct strbuf b = { 0 };

	if (children == NULL)
		return;
	for (size_t i = 0; i < json_object_array_length(children); i++) {
		char *href = dav_file_child_href(res->href, json_object_array_get_idx(children, i));

		strbuf_printf(&b, "%s\n", href);
		free(href);
	}
	json_object_put(children);
	dav_set_body(ctx, &b, "text/plain; charset=utf-8");
	dav_respond(ctx, 200);
}

void dav_file_get(struct dav_ctx *ctx, struct dav_file_res *res)
{
	struct strbuf b = { 0 };
	const char *type = dav_json_str(res->node, "type");
	char date[DAV_FILE_DATE_LEN];
	char *etag;

	if (!dav_file_res_exists(res)) {
		dav_respond_text(ctx, 404, "no such resource");
		return;
	}
	if (dav_file_conditions(ctx, res, 0) < 0)
		return;
	if (dav_file_res_is_folder(res)) {
		dav_file_get_folder(ctx, res);
		return;
	}
	if (dav_file_read_blob(ctx, dav_json_str(res->node, "blobId"), &b) < 0)
		return;
	etag = dav_file_etag(res->node);
	dav_add_header(ctx, "ETag", etag);
	free(etag);
	dav_file_http_date(res->node, date);
	dav_add_header(ctx, "Last-Modified", date);
	dav_set_body(ctx, &b, *type != '\0' ? type : DAV_FILE_DEFAULT_TYPE);
	dav_respond(ctx, 200);
}

/* Uploads data: a new blob id (caller frees), or NULL after
 * answering. */
static char *dav_file_upload(struct dav_ctx *ctx, const char *type, const char *data,
			     size_t len)
{
	json_object *problem = NULL, *done;
	struct jmap_upload *up;
	char *blob_id = NULL;
	int status;

	up = jmap_upload_begin(ctx->srv->jmap, ctx->req->user, ctx->account_id, type,
			       len, &status, &problem);
	if (up != NULL) {
		if (len > 0)
			(void)jmap_upload_write(up, data, len);
		done = jmap_upload_finish(&up, &status);
		if (status == 201)
			blob_id = xstrdup(dav_json_str(done, "blobId"));
		json_object_put(done);
	}
	json_object_put(problem);
	if (blob_id == NULL && status == 413)
		dav_respond_text(ctx, 413, "the file is too large");
	else if (blob_id == NULL)
		dav_respond_internal(ctx, "the upload failed");
	return blob_id;
}

/* Stores blob_id as the content of res: 1 created, 0 replaced, -1
 * after answering. *result_r gets the node's new server-set values. */
static int dav_file_store(struct dav_ctx *ctx, struct dav_file_res *res, const char *blob_id,
			  const char *type, json_object **result_r)
{
	json_object *value = json_object_new_object();

	json_object_object_add(value, "blobId", json_object_new_string(blob_id));
	json_object_object_add(value, "type", json_object_new_string(type));
	if (res->node != NULL)
		return dav_file_set(ctx, dav_json_str(res->node, "id"), value, result_r) > 0 ?
			0 : -1;
	json_object_object_add(value, "name", json_object_new_string(res->name));
	json_object_object_add(value, "parentId", *res->parent_id != '\0' ?
			       json_object_new_string(res->parent_id) : NULL);
	return dav_file_set(ctx, NULL, value, result_r) > 0 ? 1 : -1;
}

/* Whether res may take content: 0, or -1 after answering. */
static int dav_file_put_check(struct dav_ctx *ctx, struct dav_file_res *res)
{
	if (res->root || dav_file_res_is_folder(res)) {
		dav_file_not_allowed(ctx);
		return -1;
	}
	if (res->parent_id == NULL) {
		dav_respond_text(ctx, 409, "the folder does not exist");
		return -1;
	}
	return dav_file_conditions(ctx, res, DAV_COND_WRITE |
				   (res->node == NULL ? DAV_COND_MEMBERSHIP : 0));
}

void dav_file_put(struct dav_ctx *ctx, struct dav_file_res *res)
{
	const char *type = dav_header(ctx, "Content-Type");
	json_object *result = NULL;
	char *blob_id, *etag;
	int ret;

	if (dav_file_put_check(ctx, res) < 0)
		return;
	if (type == NULL || *type == '\0')
		type = DAV_FILE_DEFAULT_TYPE;
	if ((blob_id = dav_file_upload(ctx, type, ctx->req->body, ctx->req->body_len)) == NULL)
		return;
	ret = dav_file_store(ctx, res, blob_id, type, &result);
	if (ret >= 0) {
		if ((etag = dav_file_etag(result)) != NULL)
			dav_add_header(ctx, "ETag", etag);
		free(etag);
		dav_respond(ctx, ret > 0 ? 201 : 204);
	}
	json_object_put(result);
	free(blob_id);
}

int dav_file_create_empty(struct dav_ctx *ctx, struct dav_file_res *res)
{
	char *blob_id;
	int ret;

	if (res->parent_id == NULL) {
		dav_respond_text(ctx, 409, "the folder does not exist");
		return 0;
	}
	if ((blob_id = dav_file_upload(ctx, DAV_FILE_DEFAULT_TYPE, "", 0)) == NULL)
		return 0;
	ret = dav_file_store(ctx, res, blob_id, DAV_FILE_DEFAULT_TYPE, NULL);
	free(blob_id);
	return ret > 0;
}

void dav_file_mkcol(struct dav_ctx *ctx, struct dav_file_res *res)
{
	json_object *value;

	if (dav_file_res_exists(res)) {
		dav_file_not_allowed(ctx);
		return;
	}
	if (res->parent_id == NULL) {
		dav_respond_text(ctx, 409, "the parent folder does not exist");
		return;
	}
	if (ctx->req->body_len > 0) {
		dav_respond_text(ctx, 415, "MKCOL takes no body here");
		return;
	}
	if (dav_file_conditions(ctx, res, DAV_COND_WRITE | DAV_COND_MEMBERSHIP) < 0)
		return;
	value = json_object_new_object();
	json_object_object_add(value, "name", json_object_new_string(res->name));
	json_object_object_add(value, "isFolder", json_object_new_boolean(1));
	json_object_object_add(value, "parentId", *res->parent_id != '\0' ?
			       json_object_new_string(res->parent_id) : NULL);
	if (dav_file_set(ctx, NULL, value, NULL) > 0)
		dav_respond(ctx, 201);
}

void dav_file_delete(struct dav_ctx *ctx, struct dav_file_res *res)
{
	if (!dav_file_res_exists(res)) {
		dav_respond_text(ctx, 404, "no such resource");
		return;
	}
	if (res->root) {
		dav_respond_text(ctx, 403, "the root folder stays");
		return;
	}
	if (dav_file_conditions(ctx, res, DAV_COND_WRITE | DAV_COND_MEMBERSHIP |
				DAV_COND_TREE) < 0)
		return;
	if (dav_file_set(ctx, dav_json_str(res->node, "id"), NULL, NULL) > 0) {
		dav_locks_drop(ctx->srv->locks, res->href);
		dav_respond(ctx, 204);
	}
}
