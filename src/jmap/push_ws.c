/* The messages of JMAP over WebSocket (RFC 8887 §4.3): Request and
 * Response, RequestError, WebSocketPushEnable and WebSocketPushDisable.
 * The face owns the socket and the frames; this is what the text of one
 * message means. */
#include <limits.h>
#include <string.h>

#include "jmap/jmap.h"
#include "jmap/json_strict.h"
#include "jmap/problem.h"
#include "jmap/push.h"

/* As for API requests over HTTP. */
#define PUSH_WS_MAX_DEPTH 64

static json_object *push_ws_parse(const char *text, size_t len)
{
	struct json_tokener *tok;
	json_object *root;

	if (len > INT_MAX || !json_strict_valid(text, len, PUSH_WS_MAX_DEPTH))
		return NULL;
	tok = json_tokener_new_ex(PUSH_WS_MAX_DEPTH + 1);
	/* json_strict_valid() has checked the UTF-8 already */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		root = json_tokener_parse_ex(tok, "", 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

/* Turns a problem details object into a RequestError (§4.3.4). */
static json_object *push_ws_request_error(json_object *problem, const char *request_id)
{
	json_object_object_add(problem, "@type", json_object_new_string("RequestError"));
	if (request_id != NULL)
		json_object_object_add(problem, "requestId", json_object_new_string(request_id));
	return problem;
}

static json_object *push_ws_not_request(const char *request_id, const char *detail)
{
	return push_ws_request_error(jmap_problem(JMAP_PROBLEM_NOT_REQUEST, 400, NULL, detail),
				     request_id);
}

/* The envelope checks the Request itself; members it does not know
 * ("@type", "id") are passed over there. */
static json_object *push_ws_request(struct jmap_server *srv,
				    const struct directory_identity *user, const char *text,
				    size_t len, const char *request_id)
{
	int status = 500;
	json_object *resp = jmap_api_request(srv, user, NULL, text, len, &status);

	if (status != 200)
		return push_ws_request_error(resp, request_id);
	json_object_object_add(resp, "@type", json_object_new_string("Response"));
	if (request_id != NULL)
		json_object_object_add(resp, "requestId", json_object_new_string(request_id));
	return resp;
}

static int push_ws_data_types(json_object *value, uint64_t *types_r)
{
	size_t n;

	if (value == NULL || json_object_is_type(value, json_type_null)) {
		*types_r = jmap_push_types_all();
		return 0;
	}
	if (!json_object_is_type(value, json_type_array))
		return -1;
	*types_r = 0;
	n = json_object_array_length(value);
	for (size_t i = 0; i < n; i++) {
		json_object *name = json_object_array_get_idx(value, i);

		if (!json_object_is_type(name, json_type_string))
			return -1;
		*types_r |= jmap_push_type_bit(json_object_get_string(name));
	}
	return 0;
}

/* §4.3.5.2: an unknown pushState means the client missed it all. */
static json_object *push_ws_enable(json_object *root, const char *request_id,
				   struct jmap_ws_push *push_r)
{
	json_object *types = NULL, *state = NULL;
	uint64_t mask;

	json_object_object_get_ex(root, "dataTypes", &types);
	if (push_ws_data_types(types, &mask) < 0)
		return push_ws_not_request(request_id, "dataTypes must be null or an array of "
					   "type names");
	if (json_object_object_get_ex(root, "pushState", &state) &&
	    !json_object_is_type(state, json_type_string))
		return push_ws_not_request(request_id, "pushState must be a String");
	push_r->action = JMAP_WS_PUSH_ENABLE;
	push_r->types = mask;
	push_r->catch_up = state != NULL;
	push_r->since = 0;
	if (state != NULL && jmap_push_state_parse(json_object_get_string(state), &push_r->since) < 0)
		push_r->since = 0;
	return NULL;
}

static json_object *push_ws_dispatch(struct jmap_server *srv,
				     const struct directory_identity *user, json_object *root,
				     const char *text, size_t len, struct jmap_ws_push *push_r)
{
	json_object *type, *id;
	const char *request_id = NULL, *name;

	if (!json_object_is_type(root, json_type_object))
		return push_ws_not_request(NULL, "The message is not a JSON object");
	if (json_object_object_get_ex(root, "id", &id)) {
		if (!json_object_is_type(id, json_type_string))
			return push_ws_not_request(NULL, "\"id\" must be a String");
		request_id = json_object_get_string(id);
	}
	if (!json_object_object_get_ex(root, "@type", &type) ||
	    !json_object_is_type(type, json_type_string))
		return push_ws_not_request(request_id, "\"@type\" must be a String");
	name = json_object_get_string(type);
	if (strcmp(name, "Request") == 0)
		return push_ws_request(srv, user, text, len, request_id);
	if (strcmp(name, "WebSocketPushEnable") == 0)
		return push_ws_enable(root, request_id, push_r);
	if (strcmp(name, "WebSocketPushDisable") == 0) {
		push_r->action = JMAP_WS_PUSH_DISABLE;
		return NULL;
	}
	return push_ws_not_request(request_id, "Unknown \"@type\"");
}

json_object *jmap_ws_message(struct jmap_server *srv, const struct directory_identity *user,
			     const char *text, size_t len, struct jmap_ws_push *push_r)
{
	json_object *root, *reply;

	memset(push_r, 0, sizeof(*push_r));
	if ((root = push_ws_parse(text, len)) == NULL)
		return push_ws_request_error(jmap_problem(JMAP_PROBLEM_NOT_JSON, 400, NULL,
			"The message did not parse as I-JSON"), NULL);
	reply = push_ws_dispatch(srv, user, root, text, len, push_r);
	json_object_put(root);
	return reply;
}
