/* The WebSocket opening handshake (RFC 6455 §4.2) for JMAP (RFC 8887
 * §3): checks the client's request, answers 101 with the "jmap"
 * subprotocol, and hands the upgraded socket to the push loop. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "core/base64.h"
#include "core/log.h"
#include "http/http_private.h"
#include "http/push_ws.h"

#define PUSH_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define PUSH_WS_KEY_LEN 16
#define PUSH_WS_KEY_B64_MAX 64
#define PUSH_WS_SUBPROTOCOL "jmap"

/* Whether a comma-separated header value has token (any case). */
static bool push_ws_header_has(const char *value, const char *token)
{
	size_t len = strlen(token);

	while (value != NULL && *value != '\0') {
		size_t n;

		value += strspn(value, " \t,");
		n = strcspn(value, ",");
		while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
			n--;
		if (n == len && strncasecmp(value, token, len) == 0)
			return true;
		value += strcspn(value, ",");
	}
	return false;
}

static bool push_ws_key_valid(const char *key)
{
	size_t len;
	void *raw;

	if (key == NULL || strlen(key) > PUSH_WS_KEY_B64_MAX ||
	    (raw = base64_decode(key, strlen(key), &len)) == NULL)
		return false;
	free(raw);
	return len == PUSH_WS_KEY_LEN;
}

/* §4.2.2: base64 of SHA-1 of the key and the GUID. Caller frees. */
static char *push_ws_accept_value(const char *key)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char input[PUSH_WS_KEY_B64_MAX + sizeof(PUSH_WS_GUID)];
	size_t len = strlen(key);

	memcpy(input, key, len);
	memcpy(input + len, PUSH_WS_GUID, sizeof(PUSH_WS_GUID));
	if (EVP_Digest(input, strlen(input), digest, &digest_len, EVP_sha1(), NULL) != 1)
		return NULL;
	return base64_encode(digest, digest_len, false);
}

/* Returns NULL when the request is a WebSocket handshake we take, or
 * why not (*status_r: 400, or 426 for another version). */
static const char *push_ws_handshake_problem(struct http_request *req, unsigned int *status_r)
{
	const char *version = http_request_header(req, "Sec-WebSocket-Version");

	*status_r = MHD_HTTP_BAD_REQUEST;
	if (!push_ws_header_has(http_request_header(req, MHD_HTTP_HEADER_UPGRADE), "websocket") ||
	    !push_ws_header_has(http_request_header(req, MHD_HTTP_HEADER_CONNECTION), "upgrade"))
		return "this resource is a WebSocket: ask for an upgrade to websocket";
	if (version == NULL || strcmp(version, "13") != 0) {
		*status_r = MHD_HTTP_UPGRADE_REQUIRED;
		return "only WebSocket version 13 is supported";
	}
	if (!push_ws_key_valid(http_request_header(req, "Sec-WebSocket-Key")))
		return "Sec-WebSocket-Key is not 16 octets in base64";
	if (!push_ws_header_has(http_request_header(req, "Sec-WebSocket-Protocol"),
				PUSH_WS_SUBPROTOCOL))
		return "the \"jmap\" subprotocol is required (RFC 8887)";
	return NULL;
}

/* Called by MHD once the 101 is sent; req_cls is still the request. */
static void push_ws_upgraded(void *cls, struct MHD_Connection *connection, void *req_cls,
			     const char *extra_in, size_t extra_in_size, MHD_socket sock,
			     struct MHD_UpgradeResponseHandle *urh)
{
	struct push_ws *ws = cls;
	struct http_request *req = req_cls;

	(void)connection;
	push_ws_adopt(ws, &req->user, sock, urh, extra_in, extra_in_size);
}

static void push_ws_refuse_handshake(struct http_request *req, unsigned int status,
				     const char *why)
{
	struct MHD_Response *resp = http_error_response(req, status, why);

	if (status == MHD_HTTP_UPGRADE_REQUIRED)
		MHD_add_response_header(resp, "Sec-WebSocket-Version", "13");
	http_respond(req, status, resp);
}

void http_push_websocket_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	struct MHD_Response *resp;
	unsigned int status;
	const char *why = push_ws_handshake_problem(req, &status);
	char *accept;

	if (why != NULL) {
		push_ws_refuse_handshake(req, status, why);
		return;
	}
	if (!push_hub_has_room(srv->push_hub, req->user.account_id)) {
		http_push_refuse(req, "too many push connections");
		return;
	}
	accept = push_ws_accept_value(http_request_header(req, "Sec-WebSocket-Key"));
	resp = accept == NULL ? NULL : MHD_create_response_for_upgrade(push_ws_upgraded,
								       srv->push_ws);
	if (resp == NULL) {
		free(accept);
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot upgrade");
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "Upgrade");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	MHD_add_response_header(resp, "Sec-WebSocket-Protocol", PUSH_WS_SUBPROTOCOL);
	free(accept);
	log_debug("push.websocket.upgrade", "account=%u ip=%s", req->user.account_id, req->ip);
	http_respond(req, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
}
