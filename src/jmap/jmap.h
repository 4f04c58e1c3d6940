#ifndef TERN_JMAP_H
#define TERN_JMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "directory/directory.h"

/* The JMAP core (RFC 8620) and its object types: the one place that owns
 * mail objects. Faces (HTTP, DAV, gateways) call in here; this layer
 * never knows them.
 *
 * json_object values passed in are borrowed; values returned are new
 * references the caller puts (json_object_put). */

struct config;
struct jmap_server;
struct jmap_upload;

/* Reads the jmap.* limits from cfg. */
struct jmap_server *jmap_server_new(struct store *store, struct directory *dir,
				    const struct config *cfg);
void jmap_server_free(struct jmap_server **srv);
/* server.hostname as configured ("localhost" by default); owned by srv. */
const char *jmap_server_hostname(const struct jmap_server *srv);

/* Creates what a new account starts with (the six role mailboxes, the
 * default address book). Safe to call again: it does nothing if the
 * account was provisioned. */
int jmap_account_provision(struct jmap_server *srv, uint32_t account_id, const char **error_r);

/* Deletes, in every account, uploads older than jmap.upload-ttl that
 * nothing refers to and change records older than jmap.changes-ttl.
 * Runs outside any transaction; ternd calls it periodically. Returns 0,
 * or -1 if some account could not be cleaned (the others still are). */
int jmap_maintenance_run(struct jmap_server *srv, time_t now);

/* The session resource (RFC 8620 §2) for user; base_url is the
 * scheme://host[:port] the client used (no trailing slash). */
json_object *jmap_session_resource(struct jmap_server *srv, const struct directory_identity *user,
				   const char *base_url);

/* Processes an API request body (RFC 8620 §3.3). content_type is the
 * request's Content-Type (NULL if it had none, which is let through);
 * any media type other than application/json is notJSON (§3.6.1).
 * Always returns a JSON object and sets *http_status_r: 200 with a
 * Response object, or 400 (413 for size) with a problem details object
 * (RFC 7807) whose "type" is urn:ietf:params:jmap:error:notJSON,
 * notRequest, unknownCapability or limit. */
json_object *jmap_api_request(struct jmap_server *srv, const struct directory_identity *user,
			      const char *content_type, const char *body, size_t body_len,
			      int *http_status_r);

/* Runs one method call in-process for the gateways: method is e.g.
 * "Mailbox/get", args its arguments. The caller is granted every
 * capability, the vendor ones (urn:tern:*) included. Returns a new array
 * of the method responses, each [name, arguments, callId] as in a
 * Response's methodResponses (an error is ["error", {...}, id]). */
json_object *jmap_invoke(struct jmap_server *srv, const struct directory_identity *user,
			 const char *method, json_object *args);

/* ---- binary data (RFC 8620 §6) ---- */

/* Starts an upload into account_id. Returns NULL and an HTTP status
 * with a problem details object in *problem_r when refused (403 no
 * access to that account, 404 unknown account, 413 too large, 400 limit
 * maxConcurrentUpload, 500 store failure). The upload holds a store
 * handle of this thread: every call for one upload must come from the
 * thread that began it. */
struct jmap_upload *jmap_upload_begin(struct jmap_server *srv, const struct directory_identity *user,
				      const char *account_id, const char *content_type,
				      uint64_t declared_size, int *http_status_r,
				      json_object **problem_r);
/* Returns 0, or -1 when the upload grew past maxSizeUpload (the caller
 * then answers 413 from jmap_upload_finish). */
int jmap_upload_write(struct jmap_upload *up, const void *data, size_t len);
/* Finishes (or, after an error, abandons) the upload and frees it.
 * Returns the response object (201 {accountId, blobId, type, size}) or a
 * problem details object, with the status in *http_status_r. */
json_object *jmap_upload_finish(struct jmap_upload **up, int *http_status_r);
void jmap_upload_abort(struct jmap_upload **up);

/* Opens blob_id of account_id for download. Returns an fd the caller
 * closes and the blob's size, or -1 with *http_status_r (403, 404, or
 * 500 on a store failure). */
int jmap_download_open(struct jmap_server *srv, const struct directory_identity *user,
		       const char *account_id, const char *blob_id, uint64_t *size_r,
		       int *http_status_r);

/* The messages of Emails email_ids[0..count) of account_id as stored
 * (each Email's blobId, opened as jmap_download_open() would), for the
 * IMAP gateway's BODY[] and RFC822, which need nothing else of them:
 * one store transaction for all, no Email/get. fds_r[i] is an fd the
 * caller closes and sizes_r[i] its size, or fds_r[i] is -1 when that
 * Email does not exist. Returns 0, or -1 with *http_status_r (403, 404,
 * 500) and no fd left open. */
int jmap_email_blobs_open(struct jmap_server *srv, const struct directory_identity *user,
			  const char *account_id, const char *const *email_ids, size_t count,
			  int *fds_r, uint64_t *sizes_r, int *http_status_r);

/* Account id strings as JMAP shows them ("a" + principal id). */
void jmap_account_id_format(uint32_t account_id, char out[16]);
int jmap_account_id_parse(const char *s, uint32_t *account_id_r);

#endif
