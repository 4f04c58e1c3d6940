/* The API request envelope (RFC 8620 §3): limits, parsing, the Request
 * object's shape and capabilities, then each call in order, with result
 * references resolved and created ids carried through. */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "jmap/call.h"
#include "jmap/capabilities.h"
#include "jmap/inflight.h"
#include "jmap/json_strict.h"
#include "jmap/problem.h"
#include "jmap/resultref.h"

/* Nesting beyond this is refused as not JSON we accept (RFC 8620 §8.4). */
#define REQUEST_MAX_DEPTH 64


static bool request_trailing_space_only(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	}
	return true;
}

/* Strict JSON, valid UTF-8, bounded depth, nothing after the value:
 * json_strict_valid() first, since json-c alone accepts more. */
/* Returns 0 and the value (NULL for a JSON null) or -1 if body is not
 * I-JSON. */
static int request_parse(const char *body, size_t len, json_object **root_r)
{
	struct json_tokener *tok;
	json_object *root;
	size_t end;
	int ret = 0;

	*root_r = NULL;
	if (len > INT_MAX || !json_strict_valid(body, len, REQUEST_MAX_DEPTH))
		return -1;
	tok = json_tokener_new_ex(REQUEST_MAX_DEPTH + 1);
	/* json_strict_valid() has checked the UTF-8 already */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* A bare number may continue: the end of input ends it. */
	if (root == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		root = json_tokener_parse_ex(tok, "", 1);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !request_trailing_space_only(body + end, len - end)) {
		json_object_put(root);
		root = NULL;
		ret = -1;
	}
	json_tokener_free(tok);
	*root_r = root;
	return ret;
}

static bool request_invocation_valid(json_object *inv)
{
	return json_object_is_type(inv, json_type_array) && json_object_array_length(inv) == 3 &&
	       json_object_is_type(json_object_array_get_idx(inv, 0), json_type_string) &&
	       json_object_is_type(json_object_array_get_idx(inv, 1), json_type_object) &&
	       json_object_is_type(json_object_array_get_idx(inv, 2), json_type_string);
}

static bool request_string_array(json_object *array)
{
	size_t n = json_object_array_length(array);

	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(array, i), json_type_string))
			return false;
	}
	return true;
}

/* Why root is not a Request (RFC 8620 §3.3), or NULL. */
static const char *request_shape_problem(json_object *root)
{
	json_object *using, *calls, *created;
	size_t n;

	if (!json_object_is_type(root, json_type_object))
		return "The request is not a JSON object";
	if (!json_object_object_get_ex(root, "using", &using) ||
	    !json_object_is_type(using, json_type_array) || !request_string_array(using))
		return "\"using\" must be an array of strings";
	if (!json_object_object_get_ex(root, "methodCalls", &calls) ||
	    !json_object_is_type(calls, json_type_array))
		return "\"methodCalls\" must be an array";
	n = json_object_array_length(calls);
	for (size_t i = 0; i < n; i++) {
		if (!request_invocation_valid(json_object_array_get_idx(calls, i)))
			return "Each method call must be [name, arguments object, call id]";
	}
	if (json_object_object_get_ex(root, "createdIds", &created)) {
		if (!json_object_is_type(created, json_type_object))
			return "\"createdIds\" must be an object";
		json_object_object_foreach(created, key, value) {
			(void)key;
			if (!json_object_is_type(value, json_type_string))
				return "\"createdIds\" values must be Ids";
		}
	}
	return NULL;
}

static const char *request_unknown_capability(json_object *using)
{
	size_t n = json_object_array_length(using);

	for (size_t i = 0; i < n; i++) {
		const char *cap = json_object_get_string(json_object_array_get_idx(using, i));
		const struct jmap_capability *c = jmap_capability_find(cap);

		/* the vendor capabilities are for jmap_invoke() callers only */
		if (c == NULL || c->in_process_only)
			return cap;
	}
	return NULL;
}

static void request_call_error(struct jmap_request *req, const char *call_id, const char *type,
			       const char *description)
{
	json_object *resp = json_object_new_array_ext(3), *error = json_object_new_object();

	json_object_object_add(error, "type", json_object_new_string(type));
	json_object_object_add(error, "description", json_object_new_string(description));
	json_object_array_add(resp, json_object_new_string("error"));
	json_object_array_add(resp, error);
	json_object_array_add(resp, json_object_new_string(call_id));
	json_object_array_add(req->method_responses, resp);
}

/* RFC 8620 §3.7: references first, then the method. */
static void request_run_call(struct jmap_request *req, json_object *inv)
{
	const char *name = json_object_get_string(json_object_array_get_idx(inv, 0));
	json_object *args = json_object_array_get_idx(inv, 1), *resolved;
	const char *call_id = json_object_get_string(json_object_array_get_idx(inv, 2));
	const char *conflict = jmap_resultref_conflict(args), *error;

	if (conflict != NULL) {
		request_call_error(req, call_id, "invalidArguments",
				   err_fmt("Argument %s is given both plain and as #%s",
					   conflict, conflict));
		return;
	}
	if ((resolved = jmap_resultref_resolve(args, req->method_responses, &error)) == NULL) {
		request_call_error(req, call_id, "invalidResultReference", error);
		return;
	}
	jmap_call_run(req, name, resolved, call_id);
	json_object_put(resolved);
}

static json_object *request_response(struct jmap_request *req, bool created_given)
{
	json_object *resp = json_object_new_object();
	char state[JMAP_SESSION_STATE_LEN + 1];

	jmap_session_state(req->srv, req->user, state);
	json_object_object_add(resp, "methodResponses", json_object_get(req->method_responses));
	if (created_given)
		json_object_object_add(resp, "createdIds", json_object_get(req->created_ids));
	json_object_object_add(resp, "sessionState", json_object_new_string(state));
	return resp;
}

static json_object *request_run(struct jmap_server *srv, const struct directory_identity *user,
				json_object *root)
{
	json_object *calls = json_object_object_get(root, "methodCalls");
	json_object *created = NULL;
	bool created_given = json_object_object_get_ex(root, "createdIds", &created);
	struct jmap_request req = {
		.srv = srv,
		.user = user,
		.using = json_object_object_get(root, "using"),
		.created_ids = created_given ? json_object_get(created) : json_object_new_object(),
		.method_responses = json_object_new_array(),
	};
	size_t n = json_object_array_length(calls);
	json_object *resp;

	for (size_t i = 0; i < n; i++)
		request_run_call(&req, json_object_array_get_idx(calls, i));
	resp = request_response(&req, created_given);
	json_object_put(req.created_ids);
	json_object_put(req.method_responses);
	return resp;
}

static json_object *request_process(struct jmap_server *srv, const struct directory_identity *user,
				    const char *body, size_t body_len, int *http_status_r)
{
	json_object *root, *resp;
	const char *problem, *cap;

	*http_status_r = 400;
	if (request_parse(body, body_len, &root) < 0)
		return jmap_problem(JMAP_PROBLEM_NOT_JSON, 400, NULL,
				    "The request did not parse as I-JSON");
	if ((problem = request_shape_problem(root)) != NULL)
		resp = jmap_problem(JMAP_PROBLEM_NOT_REQUEST, 400, NULL, problem);
	else if ((cap = request_unknown_capability(json_object_object_get(root, "using"))) != NULL)
		resp = jmap_problem(JMAP_PROBLEM_UNKNOWN_CAPABILITY, 400, NULL,
				    err_fmt("The request used capability '%.200s', which is not "
					    "supported by this server", cap));
	else if ((int64_t)json_object_array_length(json_object_object_get(root, "methodCalls")) >
		 srv->limits.max_calls_in_request)
		resp = jmap_problem(JMAP_PROBLEM_LIMIT, 400, "maxCallsInRequest",
				    "The request has more method calls than the server accepts");
	else {
		resp = request_run(srv, user, root);
		*http_status_r = 200;
	}
	json_object_put(root);
	return resp;
}

/* "application/json", any case, with or without parameters. */
static bool request_content_type_json(const char *content_type)
{
	static const char json[] = "application/json";
	size_t len = sizeof(json) - 1;

	if (content_type == NULL)
		return true;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	if (strncasecmp(content_type, json, len) != 0)
		return false;
	content_type += len;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}

json_object *jmap_api_request(struct jmap_server *srv, const struct directory_identity *user,
			      const char *content_type, const char *body, size_t body_len,
			      int *http_status_r)
{
	json_object *resp;

	if (!request_content_type_json(content_type)) {
		*http_status_r = 400;
		return jmap_problem(JMAP_PROBLEM_NOT_JSON, 400, NULL,
				    "The request's content type is not application/json");
	}
	if (body_len > (uint64_t)srv->limits.max_size_request) {
		*http_status_r = 413;
		return jmap_problem(JMAP_PROBLEM_LIMIT, 413, "maxSizeRequest",
				    "The request is larger than the server accepts");
	}
	if (!jmap_inflight_acquire(srv, user->principal_id, JMAP_INFLIGHT_REQUEST,
				   srv->limits.max_concurrent_requests)) {
		*http_status_r = 400;
		return jmap_problem(JMAP_PROBLEM_LIMIT, 400, "maxConcurrentRequests",
				    "Too many requests of this user are in progress");
	}
	resp = request_process(srv, user, body, body_len, http_status_r);
	jmap_inflight_release(srv, user->principal_id, JMAP_INFLIGHT_REQUEST);
	return resp;
}

json_object *jmap_invoke(struct jmap_server *srv, const struct directory_identity *user,
			 const char *method, json_object *args)
{
	struct jmap_request req = {
		.srv = srv,
		.user = user,
		.in_process = true,
		.created_ids = json_object_new_object(),
		.method_responses = json_object_new_array(),
	};
	json_object *empty = NULL;

	if (args == NULL)
		args = empty = json_object_new_object();
	if (json_object_is_type(args, json_type_object))
		jmap_call_run(&req, method, args, "0");
	else
		request_call_error(&req, "0", "invalidArguments", "The arguments must be an object");
	json_object_put(empty);
	json_object_put(req.created_ids);
	return req.method_responses;
}
