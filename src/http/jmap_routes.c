/* JMAP over HTTP (RFC 8620 §3.1, §6): the API endpoint, blob upload and
 * download, and the CORS preflight of every JMAP route. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/uri.h"
#include "core/xalloc.h"
#include "http/http_private.h"
#include "jmap/jmap.h"

#define HTTP_MEDIA_TYPE_MAX 255
#define HTTP_DEFAULT_MEDIA_TYPE "application/octet-stream"

static const char http_token_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-";

void http_jmap_preflight(struct http_request *req)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL,
								    MHD_RESPMEM_PERSISTENT);

	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_METHODS,
				req->route->methods);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_HEADERS,
				"Authorization, Content-Type, Accept");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_MAX_AGE, "86400");
	http_respond(req, MHD_HTTP_NO_CONTENT, resp);
}

/* Answers with what the JMAP layer handed back: a result, or a problem
 * when the status is not a success. */
static void http_jmap_respond(struct http_request *req, unsigned int status, json_object *obj)
{
	if (obj == NULL) {
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
		return;
	}
	http_respond_json(req, status, obj, status < 300 ? HTTP_CONTENT_TYPE_JSON :
			  HTTP_CONTENT_TYPE_PROBLEM);
}

void http_jmap_api_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	int status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	json_object *resp;

	/* past the limit the body holds limit + 1 bytes: the JMAP layer
	 * answers that with its maxSizeRequest problem */
	resp = jmap_api_request(srv->jmap, &req->user,
				http_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE),
				req->body.s != NULL ? req->body.s : "", req->body.len, &status);
	http_jmap_respond(req, (unsigned int)status, resp);
}

/* A media type "type/subtype" with optional parameters of printable
 * ASCII: anything else never reaches a header. */
static bool http_media_type_valid(const char *s)
{
	size_t len = strlen(s), n;

	if (len == 0 || len > HTTP_MEDIA_TYPE_MAX)
		return false;
	if ((n = strspn(s, http_token_chars)) == 0 || s[n] != '/')
		return false;
	s += n + 1;
	if ((n = strspn(s, http_token_chars)) == 0)
		return false;
	for (s += n; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

/* Splits "{a}/{b}/..." (after the route prefix) into up to max decoded
 * segments; returns how many, or -1 when a segment does not decode. */
static int http_path_segments(const char *path, char **segs, int max)
{
	int n = 0;

	while (*path != '\0' && n < max) {
		size_t len = n == max - 1 ? strlen(path) : strcspn(path, "/");

		if ((segs[n] = uri_decode(path, len, false)) == NULL) {
			while (n > 0)
				free(segs[--n]);
			return -1;
		}
		n++;
		path += len;
		if (*path == '/')
			path++;
	}
	return n;
}

void http_jmap_upload_begin(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	const char *type = http_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *rest = req->path + strlen(req->route->path);
	size_t len = strcspn(rest, "/");
	uint64_t declared = 0;
	json_object *problem = NULL;
	int status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	char *account;

	if (len == 0 || (rest[len] == '/' && rest[len + 1] != '\0') ||
	    (account = uri_decode(rest, len, false)) == NULL) {
		http_respond_error(req, MHD_HTTP_NOT_FOUND, "no such upload URL");
		return;
	}
	if (type == NULL || !http_media_type_valid(type))
		type = HTTP_DEFAULT_MEDIA_TYPE;
	(void)http_request_content_length(req, &declared);
	req->upload = jmap_upload_begin(srv->jmap, &req->user, account, type, declared,
					&status, &problem);
	free(account);
	if (req->upload == NULL)
		http_jmap_respond(req, (unsigned int)status, problem);
}

void http_jmap_upload_data(struct http_request *req, const char *data, size_t len)
{
	if (req->upload != NULL && !req->upload_failed &&
	    jmap_upload_write(req->upload, data, len) < 0)
		req->upload_failed = true;
}

void http_jmap_upload_finish(struct http_request *req)
{
	int status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	json_object *resp;

	if (req->upload == NULL) {
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "upload lost");
		return;
	}
	resp = jmap_upload_finish(&req->upload, &status);
	http_jmap_respond(req, (unsigned int)status, resp);
}

/* RFC 6266: an ASCII fallback and the exact name in RFC 5987 form. */
static char *http_content_disposition(const char *name)
{
	static const char attr_chars[] = "!#$&+-.^_`|~";
	struct strbuf b = { 0 };

	strbuf_puts(&b, "attachment; filename=\"");
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		/* one '_' per UTF-8 character: continuation bytes add none */
		if (*p >= 0x80 && *p < 0xc0)
			continue;
		strbuf_putc(&b, *p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\' ? '_' : (char)*p);
	}
	strbuf_puts(&b, "\"; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(attr_chars, *p) != NULL)
			strbuf_putc(&b, (char)*p);
		else
			strbuf_printf(&b, "%%%02X", *p);
	}
	return strbuf_steal(&b);
}

static const char *http_download_type(struct http_request *req, json_object **query_r)
{
	json_object *accept;
	const char *type;

	*query_r = http_query_parse(req->query);
	if (*query_r == NULL || !json_object_object_get_ex(*query_r, "accept", &accept))
		return HTTP_DEFAULT_MEDIA_TYPE;
	type = json_object_get_string(accept);
	return http_media_type_valid(type) ? type : HTTP_DEFAULT_MEDIA_TYPE;
}

static void http_download_send(struct http_request *req, int fd, uint64_t size,
			       const char *name)
{
	json_object *query;
	const char *type = http_download_type(req, &query);
	struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
	char *disposition;

	if (resp == NULL) {
		close(fd);
		json_object_put(query);
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot send the blob");
		return;
	}
	disposition = http_content_disposition(name);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"private, immutable, max-age=31536000");
	free(disposition);
	json_object_put(query);
	http_respond(req, MHD_HTTP_OK, resp);
}

static const char *http_download_error(int status)
{
	switch (status) {
	case MHD_HTTP_FORBIDDEN: return "no access to this account";
	case MHD_HTTP_NOT_FOUND: return "no such blob";
	}
	return "cannot read the blob";
}

void http_jmap_download_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	char *segs[3] = { NULL, NULL, NULL };
	int status = MHD_HTTP_NOT_FOUND, n, fd = -1;
	uint64_t size = 0;

	n = http_path_segments(req->path + strlen(req->route->path), segs, 3);
	if (n < 0) {
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, "bad percent-encoding in the URL");
		return;
	}
	if (n < 2 || segs[0][0] == '\0' || segs[1][0] == '\0')
		http_respond_error(req, MHD_HTTP_NOT_FOUND, "no such blob");
	else if ((fd = jmap_download_open(srv->jmap, &req->user, segs[0], segs[1], &size,
					  &status)) < 0)
		http_respond_error(req, (unsigned int)status, http_download_error(status));
	else
		http_download_send(req, fd, size, n == 3 && segs[2][0] != '\0' ? segs[2] : segs[1]);
	for (int i = 0; i < n; i++)
		free(segs[i]);
}
