/* The admin API's dispatcher: one static route table; the admin role,
 * the route, the method and the body are checked before any handler
 * runs. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_private.h"
#include "core/uri.h"
#include "core/xalloc.h"

#define ADMIN_JSON_DEPTH 16
/* a {name} segment: at most 255 bytes, each possibly percent-encoded */
#define ADMIN_SEGMENT_MAX (3 * 255)
#define ADMIN_PATH_MAX 2048

enum admin_route_flags {
	ADMIN_ROUTE_BODY = 1 << 0,	/* takes a JSON body */
};

struct admin_route {
	const char *method;
	const char *pattern;	/* "{name}" matches one path segment */
	admin_handler_t *handler;
	unsigned flags;
};

static const struct admin_route admin_routes[] = {
	{ "POST", "/principal", admin_principal_create, ADMIN_ROUTE_BODY },
	{ "GET", "/principal", admin_principal_list, 0 },
	{ "GET", "/principal/{name}", admin_principal_get, 0 },
	{ "PATCH", "/principal/{name}", admin_principal_patch, ADMIN_ROUTE_BODY },
	{ "DELETE", "/principal/{name}", admin_principal_delete, 0 },
	{ "GET", "/dns/records/{name}", admin_dns_records, 0 },
	{ "GET", "/queue/messages", admin_queue_list, 0 },
	{ "PATCH", "/queue/messages/{name}", admin_queue_retry, 0 },
	{ "DELETE", "/queue/messages/{name}", admin_queue_cancel, 0 },
};

struct admin_api *admin_api_new(struct directory *dir, struct jmap_server *jmap)
{
	struct admin_api *api = xcalloc(1, sizeof(*api));

	api->dir = dir;
	api->jmap = jmap;
	return api;
}

void admin_api_free(struct admin_api **api)
{
	free(*api);
	*api = NULL;
}

/* Matches path (without a trailing '/') against pattern; a "{name}"
 * segment is returned raw in *segment_r / *segment_len_r. */
static bool admin_route_match(const char *pattern, const char *path, size_t path_len,
			      const char **segment_r, size_t *segment_len_r)
{
	const char *brace = strstr(pattern, "{name}");

	if (brace == NULL)
		return strlen(pattern) == path_len && memcmp(pattern, path, path_len) == 0;
	size_t prefix = (size_t)(brace - pattern);
	if (path_len <= prefix || memcmp(pattern, path, prefix) != 0)
		return false;
	const char *segment = path + prefix;
	size_t len = path_len - prefix;
	if (memchr(segment, '/', len) != NULL)
		return false;
	*segment_r = segment;
	*segment_len_r = len;
	return true;
}

static int admin_body_parse(const char *body, size_t len, json_object **obj_r,
			    const char **error_r)
{
	if (body == NULL || len == 0 || len > INT_MAX) {
		*error_r = "the request needs a JSON body";
		return -1;
	}
	struct json_tokener *tok = json_tokener_new_ex(ADMIN_JSON_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
	bool ok = json_tokener_get_error(tok) == json_tokener_success;
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; ok && end < len; end++) {
		if (strchr(" \t\r\n", body[end]) == NULL || body[end] == '\0')
			ok = false;
	}
	if (!ok) {
		json_object_put(obj);
		*error_r = "the body is not valid JSON";
		return -1;
	}
	*obj_r = obj;
	return 0;
}

/* Finds the route of method and path: 0 and *route_r, or 404 / 405. */
static int admin_route_find(const char *method, const char *path, size_t path_len,
			    const struct admin_route **route_r, const char **segment_r,
			    size_t *segment_len_r)
{
	int status = 404;

	for (size_t i = 0; i < sizeof(admin_routes) / sizeof(admin_routes[0]); i++) {
		if (!admin_route_match(admin_routes[i].pattern, path, path_len, segment_r,
				       segment_len_r))
			continue;
		if (strcmp(admin_routes[i].method, method) == 0) {
			*route_r = &admin_routes[i];
			return 0;
		}
		status = 405;
	}
	return status;
}

/* Fills req from the route: the decoded name and the parsed body. */
static int admin_request_prepare(struct admin_request *req, const struct admin_route *route,
				 const char *segment, size_t segment_len, const char *body,
				 size_t body_len, json_object **response_r)
{
	const char *error;

	if (segment != NULL) {
		if (segment_len > ADMIN_SEGMENT_MAX)
			return admin_error(404, "notFound", "no such principal", response_r);
		req->name = uri_decode(segment, segment_len, false);
		if (req->name == NULL)
			return admin_error(400, "invalidRequest", "malformed percent-encoding in the path",
					   response_r);
	}
	if ((route->flags & ADMIN_ROUTE_BODY) != 0 &&
	    admin_body_parse(body, body_len, &req->body, &error) < 0)
		return admin_error(400, "invalidRequest", error, response_r);
	return 0;
}

int admin_api_handle(struct admin_api *api, const struct directory_identity *caller,
		     const char *method, const char *path, json_object *query,
		     const char *body, size_t body_len, json_object **response_r)
{
	struct admin_request req = { .api = api, .caller = caller, .method = method, .query = query };
	const struct admin_route *route = NULL;
	const char *segment = NULL;
	size_t segment_len = 0;

	if (caller == NULL || !caller->is_admin)
		return admin_error(403, "forbidden", "the administrator role is required", response_r);
	size_t path_len = path != NULL ? strcspn(path, "?") : 0;
	if (path_len > 1 && path[path_len - 1] == '/')
		path_len--;
	int status = path_len > ADMIN_PATH_MAX || method == NULL ? 404 :
		admin_route_find(method, path, path_len, &route, &segment, &segment_len);
	if (status == 404)
		return admin_error(404, "notFound", "no such resource", response_r);
	if (status == 405)
		return admin_error(405, "methodNotAllowed", "method not allowed on this resource",
				   response_r);
	status = admin_request_prepare(&req, route, segment, segment_len, body, body_len,
				       response_r);
	if (status == 0)
		status = route->handler(&req, response_r);
	free(req.name);
	json_object_put(req.body);
	return status;
}
