#ifndef TERN_JMAP_PUSH_H
#define TERN_JMAP_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "directory/directory.h"

/* Push (RFC 8620 §7, RFC 8887): the JMAP side of it. The faces hold the
 * connections and hear the event bus (core/bus.h); this layer names the
 * types, reads their states and speaks the WebSocket messages.
 *
 * A set of types is a bit mask as on the bus: bit (1 << store_type).
 * The types that can be pushed are those of jmap_types with a /get,
 * which is what gives a type a state; a new type is pushed by being in
 * that table. */

struct jmap_server;

#define JMAP_CAP_WEBSOCKET "urn:ietf:params:jmap:websocket"
/* The WebSocket endpoint's path on the server's base URL. */
#define JMAP_WEBSOCKET_PATH "/jmap/ws"

/* The length of a push state string with its NUL. */
#define JMAP_PUSH_STATE_SIZE 24

/* Every type that can be pushed. */
uint64_t jmap_push_types_all(void);
/* The bit of the type called name, 0 if none can be pushed. */
uint64_t jmap_push_type_bit(const char *name);
/* EventSource "types" (RFC 8620 §7.3): "*" or a comma-separated list of
 * type names. Names this server does not push are skipped, since a
 * client may know types the server does not. Returns 0 and the mask, or
 * -1 when the list is empty or has an empty name. */
int jmap_push_types_parse(const char *list, uint64_t *types_r);

/* The StateChange object (RFC 8620 §7.1) for account_id: the current
 * state of each type in types whose state is past since (0 for every
 * type that ever changed). All states come from one snapshot, and
 * push_state_r gets the account's push state at that snapshot: the
 * string a client hands back (EventSource Last-Event-ID, WebSocket
 * pushState) to learn what it missed. with_push_state adds it to the
 * object as "pushState" (RFC 8887 §4.3.5.1). Returns a new object, or
 * NULL when no type qualifies or the store failed (logged); push_state_r
 * is filled in both cases unless the store failed ("" then). */
json_object *jmap_push_state_change(struct jmap_server *srv, uint32_t account_id,
				    uint64_t types, uint64_t since, bool with_push_state,
				    char push_state_r[JMAP_PUSH_STATE_SIZE]);
/* A push state string back to the modseq it stands for: 0 and
 * *since_r, or -1 when it is not one of ours. */
int jmap_push_state_parse(const char *s, uint64_t *since_r);

/* ---- JMAP over WebSocket (RFC 8887) ---- */

enum jmap_ws_push_action {
	JMAP_WS_PUSH_NONE,
	JMAP_WS_PUSH_ENABLE,
	JMAP_WS_PUSH_DISABLE,
};

/* What a message asks of the connection's push. */
struct jmap_ws_push {
	enum jmap_ws_push_action action;
	/* ENABLE: the types to push (dataTypes; null is every type) */
	uint64_t types;
	/* ENABLE: the client gave a pushState; since is its modseq (0 when
	 * the string was not one of ours: every type is then pushed) */
	bool catch_up;
	uint64_t since;
};

/* Handles one text message of a JMAP WebSocket (RFC 8887 §4.3): a
 * Request runs through jmap_api_request() and is answered by a
 * Response; WebSocketPushEnable and WebSocketPushDisable fill *push_r
 * and need no answer; anything else is answered by a RequestError.
 * Responses and errors carry the request's "id" as "requestId". text
 * need not be NUL-terminated. Returns the object to send (new
 * reference) or NULL when there is none. */
json_object *jmap_ws_message(struct jmap_server *srv, const struct directory_identity *user,
			     const char *text, size_t len, struct jmap_ws_push *push_r);

#endif
