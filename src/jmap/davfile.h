#ifndef TERN_JMAP_DAVFILE_H
#define TERN_JMAP_DAVFILE_H

#include <json-c/json.h>

#include "jmap/stdmethods.h"
#include "store/store_files.h"

/* DavFile: the plain files and folders of the DAV file tree
 * (/dav/file/{account}/). A vendor type of urn:tern:dav, for in-process
 * callers only (the DAV face): over HTTP it does not exist. Properties:
 * parentId (a folder's id; null = the account's file root), name
 * (unique among its siblings, contacts_dav_name_valid rules), isFolder
 * (set on create), blobId and type (files: the content, an uploaded
 * blob of the account), size, created, updated, davEtag (server-set:
 * the first DAVFILE_ETAG_LEN hex digits of the SHA-256 of a file's
 * content; null for folders) and
 * davProperties (DAV dead properties, any JSON object). /set moves a
 * node by a new parentId or name; destroying a folder destroys what is
 * in it. /query filters on parentId and name. Ids: 'f' + number. */

#define DAVFILE_ID_PREFIX 'f'
/* Hex digits of the content's SHA-256 in davEtag. */
#define DAVFILE_ETAG_LEN 32

extern const struct jmap_type jmap_davfile_type;

/* The DavFile object of a stored node (new reference). */
json_object *davfile_to_json(const struct store_file_node *node);

/* DavFile/set's hooks (davfile_set.c). */
int jmap_davfile_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			json_object **created_r, json_object **error_r);
int jmap_davfile_update(struct jmap_call *call, const char *id, json_object *patch,
			json_object **updated_r, json_object **error_r);
int jmap_davfile_destroy(struct jmap_call *call, const char *id, json_object **error_r);

#endif
