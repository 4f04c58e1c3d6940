/* DavFile/set: creating files and folders, moving and rewriting them,
 * and destroying them (a folder with everything in it). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "jmap/contacts.h"
#include "jmap/davfile.h"
#include "jmap/patch.h"

/* Media types and dead properties are small: past these, refused. */
#define DAVFILE_TYPE_MAX 255
#define DAVFILE_DEAD_PROPS_MAX (1024 * 1024)
/* A folder's ancestors, walked to refuse a move into itself. */
#define DAVFILE_MAX_DEPTH 64

static int davfile_fail(struct jmap_call *call, const char *error, json_object **error_r)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s", error);
}

/* A string member (absent: 0 and NULL; null: 0 and NULL). -1 when of
 * another type or holding a NUL. */
static int davfile_string(json_object *obj, const char *key, const char **value_r)
{
	json_object *v;

	*value_r = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return -1;
	*value_r = json_object_get_string(v);
	return 0;
}

/* The parent folder: 0 for the root. */
static int davfile_parse_parent(struct jmap_call *call, json_object *obj,
				struct store_file_node *node, json_object **error_r)
{
	struct store_file_node parent;
	const char *id;
	uint64_t n;
	int ret;

	node->parent_id = 0;
	if (davfile_string(obj, "parentId", &id) < 0 || (id != NULL &&
	    ((id = jmap_id_resolve(call, id)) == NULL ||
	     jmap_id_parse(DAVFILE_ID_PREFIX, id, &n) < 0))) {
		*error_r = jmap_prop_error("parentId", "No such folder");
		return -1;
	}
	if (id == NULL)
		return 0;
	if ((ret = store_file_node_get(call->acct, n, &parent)) < 0)
		return davfile_fail(call, "file parent read failed", error_r);
	if (ret == 0 || !parent.is_folder) {
		if (ret > 0)
			store_file_node_clear(&parent);
		*error_r = jmap_prop_error("parentId", "No such folder");
		return -1;
	}
	store_file_node_clear(&parent);
	node->parent_id = n;
	return 0;
}

static int davfile_parse_blob(struct jmap_call *call, json_object *obj,
			      struct store_file_node *node, json_object **error_r)
{
	const char *blob_id;

	if (davfile_string(obj, "blobId", &blob_id) < 0 ||
	    (blob_id != NULL && (blob_id = jmap_id_resolve(call, blob_id)) == NULL) ||
	    (node->is_folder && blob_id != NULL) || (!node->is_folder && blob_id == NULL)) {
		*error_r = jmap_prop_error("blobId", "A file needs a blob, a folder has none");
		return -1;
	}
	if (blob_id == NULL)
		return 0;
	if (strlen(blob_id) != STORE_BLOB_ID_LEN ||
	    store_blob_stat(call->acct, blob_id, &node->size) <= 0) {
		*error_r = jmap_set_error("blobNotFound", NULL, NULL);
		return -1;
	}
	free(node->blob_id);
	node->blob_id = xstrdup(blob_id);
	return 0;
}

static int davfile_parse_strings(json_object *obj, struct store_file_node *node,
				 json_object **error_r)
{
	const char *name, *type;
	json_object *v;

	if (davfile_string(obj, "name", &name) < 0 || name == NULL ||
	    !contacts_dav_name_valid(name)) {
		*error_r = jmap_prop_error("name", "Not a valid file name");
		return -1;
	}
	if (davfile_string(obj, "type", &type) < 0 ||
	    (type != NULL && strlen(type) > DAVFILE_TYPE_MAX)) {
		*error_r = jmap_prop_error("type", "Not a valid media type");
		return -1;
	}
	node->name = xstrdup(name);
	node->type = type != NULL ? xstrdup(type) : NULL;
	if (json_object_object_get_ex(obj, "davProperties", &v) && v != NULL) {
		const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);

		if (strlen(text) > DAVFILE_DEAD_PROPS_MAX) {
			*error_r = jmap_prop_error("davProperties", "Too large");
			return -1;
		}
		node->dead_props = xstrdup(text);
	}
	return 0;
}

/* Fills node from obj (a create object, or a whole patched object). */
static int davfile_parse(struct jmap_call *call, json_object *obj, struct store_file_node *node,
			 json_object **error_r)
{
	json_object *v;

	if (json_object_object_get_ex(obj, "isFolder", &v) && v != NULL)
		node->is_folder = json_object_get_boolean(v);
	if (davfile_parse_strings(obj, node, error_r) < 0 ||
	    davfile_parse_parent(call, obj, node, error_r) < 0 ||
	    davfile_parse_blob(call, obj, node, error_r) < 0)
		return -1;
	return 0;
}

/* A name already taken among the siblings, or a store failure. */
static int davfile_store_error(struct jmap_call *call, const char *error, json_object **error_r)
{
	if (store_last_error() == STORE_ERR_EXISTS) {
		*error_r = jmap_prop_error("name", "The folder has a node of this name");
		return -1;
	}
	return davfile_fail(call, error, error_r);
}

static json_object *davfile_created_json(const struct store_file_node *node, json_object *sent)
{
	json_object *obj = davfile_to_json(node);

	json_object_object_foreach(sent, key, value) {
		(void)value;
		json_object_object_del(obj, key);
	}
	return obj;
}

int jmap_davfile_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			json_object **created_r, json_object **error_r)
{
	struct store_file_node node = { 0 };
	const char *error;
	int ret = -1;

	(void)creation_id;
	if (davfile_parse(call, obj, &node, error_r) == 0) {
		node.created_at = node.updated_at = (int64_t)time(NULL);
		if (store_file_node_create(call->acct, &node, &error) < 0) {
			davfile_store_error(call, error, error_r);
		} else {
			*created_r = davfile_created_json(&node, obj);
			ret = 0;
		}
	}
	store_file_node_clear(&node);
	return ret;
}

static int davfile_find(struct jmap_call *call, const char *id, struct store_file_node *node_r,
			json_object **error_r)
{
	uint64_t n;
	int ret;

	if (jmap_id_parse(DAVFILE_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_file_node_get(call->acct, n, node_r)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (ret < 0)
		return davfile_fail(call, "file read failed", error_r);
	return 0;
}

/* A folder may not move under itself. */
static int davfile_check_cycle(struct jmap_call *call, uint64_t id, uint64_t parent_id,
			       json_object **error_r)
{
	for (unsigned depth = 0; parent_id != 0; depth++) {
		struct store_file_node up;
		int ret;

		if (parent_id == id || depth > DAVFILE_MAX_DEPTH) {
			*error_r = jmap_prop_error("parentId", "A folder cannot go under itself");
			return -1;
		}
		if ((ret = store_file_node_get(call->acct, parent_id, &up)) <= 0)
			return davfile_fail(call, "file ancestor read failed", error_r);
		parent_id = up.parent_id;
		store_file_node_clear(&up);
	}
	return 0;
}

/* What changed other than as asked: the server-set properties. */
static json_object *davfile_updated_json(const struct store_file_node *node)
{
	static const char *const keep[] = { "size", "updated", "davEtag" };
	json_object *obj = davfile_to_json(node), *out = json_object_new_object();

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		json_object_object_add(out, keep[i], json_object_get(json_object_object_get(obj,
											keep[i])));
	json_object_put(obj);
	return out;
}

static int davfile_update_apply(struct jmap_call *call, const struct store_file_node *old,
				json_object *patch, json_object **updated_r,
				json_object **error_r)
{
	struct store_file_node node = {
		.id = old->id, .is_folder = old->is_folder, .created_at = old->created_at,
	};
	json_object *obj = davfile_to_json(old);
	const char *bad_path, *error;
	int ret = -1;

	if (jmap_patch_apply(obj, patch, &bad_path) < 0)
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
	else if (davfile_parse(call, obj, &node, error_r) == 0 &&
		 davfile_check_cycle(call, node.id, node.parent_id, error_r) == 0) {
		node.updated_at = (int64_t)time(NULL);
		if (store_file_node_update(call->acct, &node, &error) < 0) {
			davfile_store_error(call, error, error_r);
		} else {
			*updated_r = davfile_updated_json(&node);
			ret = 0;
		}
	}
	json_object_put(obj);
	store_file_node_clear(&node);
	return ret;
}

int jmap_davfile_update(struct jmap_call *call, const char *id, json_object *patch,
			json_object **updated_r, json_object **error_r)
{
	struct store_file_node old = { 0 };
	int ret;

	*updated_r = NULL;
	if (davfile_find(call, id, &old, error_r) < 0)
		return -1;
	ret = davfile_update_apply(call, &old, patch, updated_r, error_r);
	store_file_node_clear(&old);
	return ret;
}

int jmap_davfile_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_file_node node = { 0 };
	const char *error;
	uint64_t n;

	if (davfile_find(call, id, &node, error_r) < 0)
		return -1;
	n = node.id;
	store_file_node_clear(&node);
	if (store_file_node_destroy(call->acct, n, &error) < 0)
		return davfile_fail(call, error, error_r);
	return 0;
}
