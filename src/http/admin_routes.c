/* The admin REST API under /api: the transport half. admin_api_handle()
 * does the rest (and checks the admin role again). */
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/uri.h"
#include "http/http_private.h"

void http_admin_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	const char *rest = req->path + strlen("/api");
	json_object *query, *resp = NULL;
	char *path;
	int status;

	if (req->body_overflow) {
		http_respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE,
				   "the request body is larger than the server accepts");
		return;
	}
	if ((query = http_query_parse(req->query)) == NULL) {
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, "malformed query string");
		return;
	}
	if ((path = uri_decode(rest, strlen(rest), false)) == NULL) {
		json_object_put(query);
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, "bad percent-encoding in the URL");
		return;
	}
	status = admin_api_handle(srv->admin, &req->user, req->method, path, query,
				  req->body.s != NULL ? req->body.s : "", req->body.len, &resp);
	free(path);
	json_object_put(query);
	if (resp == NULL || status < 100 || status > 599) {
		json_object_put(resp);
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
		return;
	}
	http_respond_json(req, (unsigned int)status, resp, HTTP_CONTENT_TYPE_JSON);
}
