#ifndef TERN_HTTP_PUSH_PRIVATE_H
#define TERN_HTTP_PUSH_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

/* Push connections of the HTTP face (EventSource, WebSocket) and the
 * hub they share: it hears the event bus, keeps every push client by
 * account, bounds their number and wakes them when something changed or
 * a deadline of theirs passed. One lock guards the hub and the fields
 * marked below; a client's own state is its owner's business. */

struct push_hub;

struct push_client {
	/* set before attaching, never changed after */
	uint32_t account_id;
	/* Called with the hub locked when the client has new pending
	 * changes, when its deadline passed, when its user is refused a
	 * new client (to see whether it is still there), and once when the
	 * hub stops. It runs on the caller's thread: quick, and it must not
	 * call the hub. */
	void (*wake)(struct push_client *client);

	/* under the hub lock */
	uint64_t types;		/* the types followed (bus bits) */
	uint64_t pending;	/* changed types not yet taken */
	int64_t deadline_ms;	/* monotonic; 0 when none */
	struct push_client *prev, *next;
};

/* max_total and max_per_user bound the clients attached at once. The
 * hub starts its timer thread and subscribes to every account. */
struct push_hub *push_hub_new(unsigned int max_total, unsigned int max_per_user);
/* Refuses new clients from now on and wakes every client once, so that
 * each can end; push_hub_stopping() then says true. */
void push_hub_stop(struct push_hub *hub);
/* Every client must have been detached. */
void push_hub_free(struct push_hub **hub);

/* Whether a client of account_id would be attached now (a hint: attach
 * decides). */
bool push_hub_has_room(struct push_hub *hub, uint32_t account_id);
/* Returns 0, or -1 with a reason when the limits are reached or the
 * hub stops. */
int push_hub_attach(struct push_hub *hub, struct push_client *client, const char **error_r);
/* After this returns, wake() is not running for client and will not
 * run again. */
void push_hub_detach(struct push_hub *hub, struct push_client *client);

void push_hub_lock(struct push_hub *hub);
void push_hub_unlock(struct push_hub *hub);
/* The calls below need the hub locked. */
bool push_hub_stopping(const struct push_hub *hub);
/* The pending changes of the followed types, cleared. */
uint64_t push_hub_take(struct push_client *client);
void push_hub_set_types(struct push_client *client, uint64_t types);
/* Wakes the client at deadline_ms (monotonic), to within a tenth of a
 * second; 0 cancels. */
void push_hub_set_deadline(struct push_hub *hub, struct push_client *client,
			   int64_t deadline_ms);

/* ---- the WebSocket loop (push_ws_loop.c) ---- */

struct push_ws;
struct push_ws_conn;
struct http_server;

/* Starts the loop thread and its request workers. max_message bounds
 * one client message (jmap.max-size-request). */
int push_ws_start(struct http_server *srv, size_t max_message, struct push_ws **ws_r,
		  const char **error_r);
/* Closes every WebSocket (1001 going away) and stops the threads; a
 * socket upgraded after this is refused. */
void push_ws_stop(struct push_ws *ws);
/* Once the daemons are stopped (no upgrade can come any more). */
void push_ws_free(struct push_ws **ws);

#endif
