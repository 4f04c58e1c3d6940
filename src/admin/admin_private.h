#ifndef TERN_ADMIN_PRIVATE_H
#define TERN_ADMIN_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "admin/admin.h"
#include "directory/directory.h"
#include "jmap/jmap.h"

/* Inside the admin API only: the request a handler sees, the handlers,
 * and the JSON shapes of docs/http-api.md. */

/* Bounds on what one request may carry. */
#define ADMIN_LIST_MAX 1000
#define ADMIN_STRING_MAX 1024
#define ADMIN_PATCH_ACTIONS_MAX 1000

/* hex digits of the MTA-STS policy id */
#define ADMIN_MTA_STS_ID_LEN 20

struct admin_api {
	struct directory *dir;
	struct jmap_server *jmap;
	/* from admin_api_set_mta_sts_policy(); "" until it is called */
	char mta_sts_id[ADMIN_MTA_STS_ID_LEN + 1];
};

struct admin_request {
	struct admin_api *api;
	const struct directory_identity *caller;
	const char *method;
	char *name;		/* the decoded {name} of the path, or NULL */
	json_object *query;	/* borrowed; may be NULL */
	json_object *body;	/* parsed body of routes that take one */
};

/* A handler returns the HTTP status and sets *response_r. */
typedef int admin_handler_t(struct admin_request *req, json_object **response_r);

admin_handler_t admin_principal_create;
admin_handler_t admin_principal_list;
admin_handler_t admin_principal_get;
admin_handler_t admin_principal_patch;
admin_handler_t admin_principal_delete;
admin_handler_t admin_dns_records;
admin_handler_t admin_queue_list;
admin_handler_t admin_queue_retry;
admin_handler_t admin_queue_cancel;

/* ---- admin_json.c ---- */

/* Sets *response_r to {"error": code, "details": details} and returns
 * status. */
int admin_error(int status, const char *code, const char *details, json_object **response_r);
/* Sets *response_r to {"data": data} (data owned by it) and returns
 * status. */
int admin_data(int status, json_object *data, json_object **response_r);
/* The error answer for a failed directory call: its HTTP-like status
 * mapped to the API's codes; conflict_code names a 409. */
int admin_directory_error(int status, const char *error, const char *conflict_code,
			  json_object **response_r);

/* The principal as the API shows it (never its secrets). */
json_object *admin_json_principal(const struct store_principal *p);
/* A new principal from a POST body; *p_r freed with
 * store_principal_free(). */
int admin_json_principal_parse(json_object *obj, struct store_principal **p_r,
			       const char **error_r);

/* Sets one field of p by its API name ("description", "quota", ...)
 * from v (v NULL is JSON null). */
int admin_json_principal_set(struct store_principal *p, const char *field, json_object *v,
			     const char **error_r);
/* One string of a JSON value: bounded, without embedded NUL. */
const char *admin_json_string(json_object *v);
/* A string or an array of strings (as_list_only: arrays only) into a
 * new list; *list_r is freed with admin_list_free(). */
int admin_json_string_list(json_object *v, bool as_list_only, char ***list_r,
			   size_t *count_r, const char **error_r);
void admin_list_free(char ***list, size_t *count);
/* Adds s unless the list has it already. */
void admin_list_add(char ***list, size_t *count, const char *s);
/* Removes every item equal to s; returns how many. */
size_t admin_list_remove(char **list, size_t *count, const char *s);

/* ---- admin_patch.c ---- */

/* Applies a PATCH body (an array of actions) to p. */
int admin_patch_apply(json_object *actions, struct store_principal *p, const char **error_r);

#endif
