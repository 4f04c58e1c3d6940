/* Per-request helpers: headers, body buffering, URL decoding, the query
 * string, and the one place responses are queued. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/uri.h"
#include "core/xalloc.h"
#include "http/http_private.h"

#define HTTP_HOST_MAX 255

static const struct http_error_kind {
	unsigned int status;
	const char *code;
	const char *title;
} http_error_kinds[] = {
	{ MHD_HTTP_BAD_REQUEST, "invalidRequest", "Bad Request" },
	{ MHD_HTTP_UNAUTHORIZED, "unauthorized", "Unauthorized" },
	{ MHD_HTTP_FORBIDDEN, "forbidden", "Forbidden" },
	{ MHD_HTTP_NOT_FOUND, "notFound", "Not Found" },
	{ MHD_HTTP_METHOD_NOT_ALLOWED, "methodNotAllowed", "Method Not Allowed" },
	{ MHD_HTTP_CONTENT_TOO_LARGE, "tooLarge", "Content Too Large" },
	{ MHD_HTTP_UPGRADE_REQUIRED, "upgradeRequired", "Upgrade Required" },
	{ MHD_HTTP_TOO_MANY_REQUESTS, "tooManyRequests", "Too Many Requests" },
	{ MHD_HTTP_INTERNAL_SERVER_ERROR, "internalError", "Internal Server Error" },
};

static const struct http_error_kind *http_error_kind_find(unsigned int status)
{
	for (size_t i = 0; i < sizeof(http_error_kinds) / sizeof(http_error_kinds[0]); i++) {
		if (http_error_kinds[i].status == status)
			return &http_error_kinds[i];
	}
	return &http_error_kinds[sizeof(http_error_kinds) / sizeof(http_error_kinds[0]) - 1];
}

const char *http_request_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int http_request_content_length(struct http_request *req, uint64_t *len_r)
{
	const char *value = http_request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t len = 0;

	if (value == NULL || *value == '\0')
		return 0;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || len > (UINT64_MAX - 9) / 10)
			return 0;
		len = len * 10 + (uint64_t)(*p - '0');
	}
	*len_r = len;
	return 1;
}

void http_request_body_append(struct http_request *req, const char *data, size_t len)
{
	size_t room = req->body_limit + 1 - req->body.len;

	if (len > room) {
		len = room;
		req->body_overflow = true;
	}
	if (req->body.len + len > req->body_limit)
		req->body_overflow = true;
	if (len > 0)
		strbuf_append(&req->body, data, len);
}

static int http_query_add(json_object *obj, const char *param, size_t len)
{
	const char *eq = memchr(param, '=', len);
	size_t key_len = eq != NULL ? (size_t)(eq - param) : len;
	char *key, *value;

	if (key_len == 0)
		return -1;
	key = uri_decode(param, key_len, true);
	value = eq != NULL ? uri_decode(eq + 1, len - key_len - 1, true) : xstrdup("");
	if (key == NULL || value == NULL) {
		free(key);
		free(value);
		return -1;
	}
	json_object_object_add(obj, key, json_object_new_string(value));
	free(key);
	free(value);
	return 0;
}

json_object *http_query_parse(const char *query)
{
	json_object *obj = json_object_new_object();
	unsigned int count = 0;

	while (query != NULL && *query != '\0') {
		size_t len = strcspn(query, "&");

		if (len > 0 && (++count > HTTP_QUERY_MAX_PARAMS ||
				http_query_add(obj, query, len) < 0)) {
			json_object_put(obj);
			return NULL;
		}
		query += len;
		if (*query == '&')
			query++;
	}
	return obj;
}

static bool http_host_valid(const char *host)
{
	size_t len = strlen(host);

	if (len == 0 || len > HTTP_HOST_MAX)
		return false;
	return strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-._:[]") == len;
}

char *http_request_base_url(struct http_request *req)
{
	const char *host = http_request_header(req, MHD_HTTP_HEADER_HOST);

	if (host == NULL || !http_host_valid(host))
		host = req->daemon->authority;
	return xasprintf("%s://%s", req->daemon->tls ? "https" : "http", host);
}

static void http_response_common_headers(struct http_request *req, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, http_server_name);
	if (req->route == NULL || (req->route->flags & HTTP_ROUTE_CORS) != 0)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
}

void http_respond(struct http_request *req, unsigned int status, struct MHD_Response *resp)
{
	if (req->responded) {
		MHD_destroy_response(resp);
		return;
	}
	req->responded = true;
	req->status = status;
	http_response_common_headers(req, resp);
	req->pending = resp;
}

void http_request_flush(struct http_request *req)
{
	if (req->pending == NULL)
		return;
	if (MHD_queue_response(req->conn, req->status, req->pending) != MHD_YES) {
		req->failed = true;
		log_warn("http.respond", "path=%s status=%u error=%s", log_q(req->path),
			 req->status, log_q("libmicrohttpd refused the response"));
	}
	MHD_destroy_response(req->pending);
	req->pending = NULL;
}

bool http_request_body_small(struct http_request *req)
{
	uint64_t len;

	if (http_request_content_length(req, &len) == 1)
		return len <= HTTP_DISCARD_MAX;
	return http_request_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING) == NULL;
}

/* Takes obj. */
static struct MHD_Response *http_json_response(json_object *obj, const char *content_type)
{
	size_t len;
	const char *text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);

	json_object_put(obj);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, no-store");
	return resp;
}

void http_respond_json(struct http_request *req, unsigned int status, json_object *obj,
		       const char *content_type)
{
	http_respond(req, status, http_json_response(obj, content_type));
}

json_object *http_problem_new(unsigned int status, const char *type, const char *detail)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "type", json_object_new_string(type));
	json_object_object_add(obj, "status", json_object_new_int((int)status));
	if (strcmp(type, "about:blank") == 0) {
		json_object_object_add(obj, "title",
			json_object_new_string(http_error_kind_find(status)->title));
	}
	json_object_object_add(obj, "detail", json_object_new_string(detail));
	return obj;
}

static json_object *http_error_body(struct http_request *req, unsigned int status,
				    const char *details, const char **content_type_r)
{
	json_object *obj;

	if (req->route == NULL || (req->route->flags & HTTP_ROUTE_API_ERRORS) == 0) {
		*content_type_r = HTTP_CONTENT_TYPE_PROBLEM;
		return http_problem_new(status, "about:blank", details);
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "error",
			       json_object_new_string(http_error_kind_find(status)->code));
	json_object_object_add(obj, "details", json_object_new_string(details));
	*content_type_r = HTTP_CONTENT_TYPE_JSON;
	return obj;
}

struct MHD_Response *http_error_response(struct http_request *req, unsigned int status,
					 const char *details)
{
	const char *content_type;
	json_object *obj = http_error_body(req, status, details, &content_type);

	return http_json_response(obj, content_type);
}

void http_respond_error(struct http_request *req, unsigned int status, const char *details)
{
	if (status >= 500)
		log_warn("http.error", "method=%s path=%s status=%u details=%s",
			 log_q(req->method), log_q(req->path), status, log_q(details));
	http_respond(req, status, http_error_response(req, status, details));
}

void http_respond_method_not_allowed(struct http_request *req)
{
	struct MHD_Response *resp = http_error_response(req, MHD_HTTP_METHOD_NOT_ALLOWED,
		"this resource does not support that method");

	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, req->route->methods);
	http_respond(req, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
}
