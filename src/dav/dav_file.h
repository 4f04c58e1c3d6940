#ifndef TERN_DAV_FILE_H
#define TERN_DAV_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "dav/dav_private.h"

/* Plain WebDAV file collections (/dav/file/{account}/...): folders and
 * files of any depth over the urn:tern:dav DavFile type. The tree keeps
 * its own paths and properties; locks, conditions and XML are the
 * layer's. Nothing here leaves the dav_file*.c files but
 * dav_file_handles() and dav_file_handle(). */

#define DAV_FILE_SEGMENT "file"
#define DAV_FILE_TOP DAV_ROOT_PATH DAV_FILE_SEGMENT "/"
/* Folders nest at most this deep under the account's root. */
#define DAV_FILE_MAX_DEPTH 32

/* Whether path (as sent) is under /dav/file. */
bool dav_file_handles(const char *path);
/* Answers a request under /dav/file. */
void dav_file_handle(struct dav_ctx *ctx);

/* What a request path names. */
struct dav_file_res {
	char *href;		/* canonical: percent-encoded, a folder ends in "/" */
	bool top;		/* /dav/file/ itself */
	bool root;		/* the account's root folder */
	json_object *node;	/* the DavFile; NULL for top, root or none */
	/* the parent folder's id ("" for the root) when it exists, else
	 * NULL (then node is NULL too) */
	char *parent_id;
	char *name;		/* the last segment, decoded (NULL for top, root) */
};

void dav_file_res_clear(struct dav_file_res *res);
bool dav_file_res_exists(const struct dav_file_res *res);
bool dav_file_res_is_folder(const struct dav_file_res *res);
/* The DavFile id of a folder resource ("" for the root). */
const char *dav_file_res_folder_id(const struct dav_file_res *res);

/* Resolves a path (request or Destination): 1 found, 0 not (res still
 * names it), -1 after answering. */
int dav_file_resolve(struct dav_ctx *ctx, const char *path, struct dav_file_res *res_r);
/* The Destination header resolved: as dav_file_resolve(); a destination
 * outside the file tree is answered 502. */
int dav_file_destination(struct dav_ctx *ctx, struct dav_file_res *res_r);
/* The href of child node of the folder at href (caller frees). */
char *dav_file_child_href(const char *folder_href, json_object *node);
/* The nodes in folder id ("" the root), a new array. NULL after
 * answering 500. */
json_object *dav_file_children(struct dav_ctx *ctx, const char *folder_id);

/* Checks the request's conditions on res (flags as
 * dav_check_conditions()). 0, or -1 after answering. */
int dav_file_conditions(struct dav_ctx *ctx, const struct dav_file_res *res, unsigned int flags);
/* One DavFile/set: create (id NULL), update, or destroy (value NULL).
 * 1 done (the created object, with its id, in *result_r when asked), 0
 * after answering (409 for a name conflict, 507 over quota, 500). */
int dav_file_set(struct dav_ctx *ctx, const char *id, json_object *value,
		 json_object **result_r);
/* The quoted ETag of a file node (caller frees), NULL for a folder. */
char *dav_file_etag(json_object *node);

/* An HTTP-date of the node's "updated". */
#define DAV_FILE_DATE_LEN 32
void dav_file_http_date(json_object *node, char out[DAV_FILE_DATE_LEN]);
/* 405 with the Allow header. */
void dav_file_not_allowed(struct dav_ctx *ctx);

/* Methods. */
void dav_file_options(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_propfind(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_proppatch(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_mkcol(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_get(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_put(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_delete(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_copy(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_move(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_lock(struct dav_ctx *ctx, struct dav_file_res *res);
void dav_file_unlock(struct dav_ctx *ctx, struct dav_file_res *res);

/* Creates an empty file where res names none (LOCK on an unmapped URL,
 * RFC 4918 §7.3). 1, or 0 after answering. */
int dav_file_create_empty(struct dav_ctx *ctx, struct dav_file_res *res);

#endif
