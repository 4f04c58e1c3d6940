/* The route table and the MHD callbacks that drive a request through it:
 * route, method, credentials, size, body, answer. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "dav/dav.h"
#include "http/http_private.h"
#include "jmap/jmap.h"

#define HTTP_JMAP_METHODS_GET "GET, HEAD, OPTIONS"
#define HTTP_JMAP_METHODS_POST "POST, OPTIONS"
#define HTTP_PUSH_METHODS "GET, OPTIONS"
#define HTTP_WELLKNOWN_METHODS "GET, HEAD"

static const struct http_route http_routes[] = {
	{ "/.well-known/jmap", false, HTTP_JMAP_METHODS_GET, HTTP_AUTH_USER, HTTP_ROUTE_CORS,
	  HTTP_BODY_NONE, NULL, NULL, http_wellknown_jmap_finish },
	{ "/jmap", false, HTTP_JMAP_METHODS_POST, HTTP_AUTH_USER,
	  HTTP_ROUTE_CORS | HTTP_ROUTE_OFFLOAD, HTTP_BODY_JMAP, NULL, NULL, http_jmap_api_finish },
	{ "/jmap/", false, HTTP_JMAP_METHODS_POST, HTTP_AUTH_USER,
	  HTTP_ROUTE_CORS | HTTP_ROUTE_OFFLOAD, HTTP_BODY_JMAP, NULL, NULL, http_jmap_api_finish },
	{ "/jmap/upload/", true, HTTP_JMAP_METHODS_POST, HTTP_AUTH_USER, HTTP_ROUTE_CORS,
	  HTTP_BODY_STREAM, http_jmap_upload_begin, http_jmap_upload_data,
	  http_jmap_upload_finish },
	{ "/jmap/download/", true, HTTP_JMAP_METHODS_GET, HTTP_AUTH_USER, HTTP_ROUTE_CORS,
	  HTTP_BODY_NONE, NULL, NULL, http_jmap_download_finish },
	{ "/jmap/eventsource/", false, HTTP_PUSH_METHODS, HTTP_AUTH_USER, HTTP_ROUTE_CORS,
	  HTTP_BODY_NONE, NULL, NULL, http_push_eventsource_finish },
	{ "/jmap/ws", false, HTTP_PUSH_METHODS, HTTP_AUTH_USER, HTTP_ROUTE_CORS,
	  HTTP_BODY_NONE, NULL, NULL, http_push_websocket_finish },
	/* RFC 6764: any method is redirected; under /dav the DAV layer
	 * checks methods per resource itself */
	{ "/.well-known/caldav", false, NULL, HTTP_AUTH_NONE, 0,
	  HTTP_BODY_NONE, NULL, NULL, http_wellknown_dav_finish },
	{ "/.well-known/carddav", false, NULL, HTTP_AUTH_NONE, 0,
	  HTTP_BODY_NONE, NULL, NULL, http_wellknown_dav_finish },
	/* mail clients and MTAs ask these before they have credentials */
	{ "/.well-known/mta-sts.txt", false, HTTP_WELLKNOWN_METHODS, HTTP_AUTH_NONE, 0,
	  HTTP_BODY_NONE, NULL, NULL, http_wellknown_mta_sts_finish },
	{ "/mail/config-v1.1.xml", false, HTTP_WELLKNOWN_METHODS, HTTP_AUTH_NONE, 0,
	  HTTP_BODY_NONE, NULL, NULL, http_autoconfig_finish },
	{ "/.well-known/autoconfig/mail/config-v1.1.xml", false, HTTP_WELLKNOWN_METHODS,
	  HTTP_AUTH_NONE, 0, HTTP_BODY_NONE, NULL, NULL, http_autoconfig_finish },
	{ "/autodiscover/autodiscover.xml", false, "POST", HTTP_AUTH_NONE, 0,
	  HTTP_BODY_SMALL, NULL, NULL, http_autodiscover_finish },
	{ "/Autodiscover/Autodiscover.xml", false, "POST", HTTP_AUTH_NONE, 0,
	  HTTP_BODY_SMALL, NULL, NULL, http_autodiscover_finish },
	{ "/dav", false, NULL, HTTP_AUTH_USER, 0, HTTP_BODY_DAV, NULL, NULL, http_dav_finish },
	{ "/dav/", true, NULL, HTTP_AUTH_USER, 0, HTTP_BODY_DAV, NULL, NULL, http_dav_finish },
	/* the admin API checks methods per resource itself */
	{ "/api", false, NULL, HTTP_AUTH_ADMIN, HTTP_ROUTE_API_ERRORS,
	  HTTP_BODY_ADMIN, NULL, NULL, http_admin_finish },
	{ "/api/", true, NULL, HTTP_AUTH_ADMIN, HTTP_ROUTE_API_ERRORS,
	  HTTP_BODY_ADMIN, NULL, NULL, http_admin_finish },
};

static const struct http_route *http_route_find(const char *path)
{
	for (size_t i = 0; i < sizeof(http_routes) / sizeof(http_routes[0]); i++) {
		const struct http_route *r = &http_routes[i];

		if (r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 :
		    strcmp(path, r->path) == 0)
			return r;
	}
	return NULL;
}

static bool http_route_allows(const struct http_route *route, const char *method)
{
	const char *p = route->methods;
	size_t len = strlen(method);

	if (p == NULL)
		return true;
	while (*p != '\0') {
		size_t tok = strcspn(p, ",");

		if (tok == len && strncmp(p, method, len) == 0)
			return true;
		p += tok;
		p += strspn(p, ", ");
	}
	return false;
}

static void http_client_ip(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;

	strcpy(out, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  out, INET6_ADDRSTRLEN);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		/* an IPv4 client seen through a dual-stack socket is that IPv4 */
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], out, INET6_ADDRSTRLEN);
		else
			inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
	}
}

/* Splits the request target into path and query; an absolute-form
 * target ("http://host/path") keeps only its path. */
static void http_request_target_split(struct http_request *req, const char *uri)
{
	const char *query;

	if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
		const char *slash = strchr(strstr(uri, "//") + 2, '/');

		uri = slash != NULL ? slash : "/";
	}
	query = strchr(uri, '?');
	if (query == NULL) {
		req->path = xstrdup(uri);
		return;
	}
	req->path = xstrndup(uri, (size_t)(query - uri));
	req->query = xstrdup(query + 1);
}

void *http_router_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_daemon *d = cls;
	struct http_request *req = xcalloc(1, sizeof(*req));

	req->daemon = d;
	req->conn = conn;
	req->start_ms = time_mono_ms();
	http_request_target_split(req, uri != NULL ? uri : "");
	http_client_ip(conn, req->ip);
	atomic_fetch_add(&d->srv->active_requests, 1);
	return req;
}

static void http_respond_too_large(struct http_request *req)
{
	char detail[128];
	json_object *problem;

	if (req->route->body != HTTP_BODY_JMAP) {
		http_respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE,
				   "the request body is larger than the server accepts");
		return;
	}
	snprintf(detail, sizeof(detail), "the request is larger than maxSizeRequest (%zu octets)",
		 req->body_limit);
	problem = http_problem_new(MHD_HTTP_CONTENT_TOO_LARGE,
		"urn:ietf:params:jmap:error:limit", detail);
	json_object_object_add(problem, "limit", json_object_new_string("maxSizeRequest"));
	http_respond_json(req, MHD_HTTP_CONTENT_TOO_LARGE, problem, HTTP_CONTENT_TYPE_PROBLEM);
}

/* Buffered bodies have a bound; a declared length past it is answered
 * before a byte of the body is read. */
static int http_router_body_check(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	uint64_t declared;

	switch (req->route->body) {
	case HTTP_BODY_NONE:
	case HTTP_BODY_STREAM:
		return 0;
	case HTTP_BODY_JMAP:
		req->body_limit = srv->jmap_max_body;
		break;
	case HTTP_BODY_ADMIN:
		req->body_limit = srv->admin_max_body;
		break;
	case HTTP_BODY_DAV:
		req->body_limit = dav_server_max_body(srv->dav);
		break;
	case HTTP_BODY_SMALL:
		req->body_limit = HTTP_SMALL_BODY_MAX;
		break;
	}
	if (http_request_content_length(req, &declared) == 1 && declared > req->body_limit) {
		http_respond_too_large(req);
		return -1;
	}
	return 0;
}

static void http_router_dispatch(struct http_request *req)
{
	const struct http_route *route = http_route_find(req->path);

	if (route == NULL) {
		http_respond_error(req, MHD_HTTP_NOT_FOUND, "no such resource");
		return;
	}
	req->route = route;
	if (!http_route_allows(route, req->method)) {
		http_respond_method_not_allowed(req);
		return;
	}
	if ((route->flags & HTTP_ROUTE_CORS) != 0 && strcmp(req->method, "OPTIONS") == 0) {
		http_jmap_preflight(req);
		return;
	}
	if (route->auth != HTTP_AUTH_NONE && http_auth_check(req, route->auth) < 0)
		return;
	if (http_router_body_check(req) < 0)
		return;
	if (route->begin != NULL)
		route->begin(req);
}

static void http_router_body(struct http_request *req, const char *data, size_t len)
{
	switch (req->route->body) {
	case HTTP_BODY_NONE:
		break;
	case HTTP_BODY_JMAP:
	case HTTP_BODY_ADMIN:
	case HTTP_BODY_DAV:
	case HTTP_BODY_SMALL:
		http_request_body_append(req, data, len);
		break;
	case HTTP_BODY_STREAM:
		req->route->data(req, data, len);
		break;
	}
}

enum MHD_Result http_router_access(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_data_size,
				   void **req_cls)
{
	struct http_request *req = *req_cls;

	if (req == NULL)
		return MHD_NO;
	if (!req->started) {
		req->started = true;
		req->conn = conn;
		req->method = xstrdup(method);
		http_router_dispatch(req);
		if (req->responded && !http_request_body_small(req))
			http_request_flush(req);
		return req->failed ? MHD_NO : MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!req->responded)
			http_router_body(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* an offloaded request comes back here answered */
	if (!req->responded && !req->offloaded) {
		if (http_offload_submit(req))
			return MHD_YES;
		req->route->finish(req);
	}
	http_request_flush(req);
	return req->failed ? MHD_NO : MHD_YES;
}

static const char *http_termination_name(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK: return "ok";
	case MHD_REQUEST_TERMINATED_WITH_ERROR: return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED: return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN: return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR: return "read-error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT: return "client-abort";
	}
	return "unknown";
}

void http_router_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct http_daemon *d = cls;
	struct http_request *req = *req_cls;

	if (req == NULL)
		return;
	*req_cls = NULL;
	log_debug("http.request", "ip=%s method=%s path=%s status=%u ms=%lld end=%s",
		  req->ip, log_q(req->method != NULL ? req->method : "-"), log_q(req->path),
		  req->status, (long long)(time_mono_ms() - req->start_ms),
		  http_termination_name(toe));
	if (req->upload != NULL)
		jmap_upload_abort(&req->upload);
	if (req->pending != NULL)
		MHD_destroy_response(req->pending);
	strbuf_free(&req->body);
	free(req->method);
	free(req->path);
	free(req->query);
	free(req);
	atomic_fetch_sub(&d->srv->active_requests, 1);
}
