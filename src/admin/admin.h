#ifndef TERN_ADMIN_H
#define TERN_ADMIN_H

#include <stddef.h>

#include <json-c/json.h>

#include "directory/directory.h"
#include "jmap/jmap.h"

/* The REST admin API under /api. It knows nothing of HTTP transport:
 * the HTTP face authenticates the caller (admin role checked here),
 * reads the body and hands over method, path and query. */

struct admin_api;

struct admin_api *admin_api_new(struct directory *dir, struct jmap_server *jmap);
void admin_api_free(struct admin_api **api);

/* The MTA-STS policy text (RFC 8461 §3.2) the HTTP face serves. The
 * _mta-sts record of GET /dns/records carries an id derived from it, so
 * the id changes whenever the policy does. Called once, before the API
 * takes requests; policy is not kept. */
void admin_api_set_mta_sts_policy(struct admin_api *api, const char *policy);

/* path is what follows "/api" ("/principal/alice"); query is an object
 * of the query-string parameters (strings; may be NULL). Returns the
 * HTTP status and, in *response_r, the body to send (new reference):
 * {"data": ...} on success, {"error": "...", "details": "..."} on
 * failure. */
int admin_api_handle(struct admin_api *api, const struct directory_identity *caller,
		     const char *method, const char *path, json_object *query,
		     const char *body, size_t body_len, json_object **response_r);

#endif
