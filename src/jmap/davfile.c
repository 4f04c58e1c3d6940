/* DavFile (urn:tern:dav): the type, DavFile/get and DavFile/query. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "jmap/contacts.h"
#include "jmap/davfile.h"

static const struct jmap_prop davfile_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "parentId", JMAP_KIND_ID, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "name", JMAP_KIND_STRING, 0 },
	{ "isFolder", JMAP_KIND_BOOL, JMAP_PROP_IMMUTABLE | JMAP_PROP_DEFAULTED },
	{ "blobId", JMAP_KIND_ID, JMAP_PROP_NULLABLE },
	{ "type", JMAP_KIND_STRING, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "size", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "created", JMAP_KIND_DATE, JMAP_PROP_SERVER_SET },
	{ "updated", JMAP_KIND_DATE, JMAP_PROP_SERVER_SET },
	{ "davEtag", JMAP_KIND_STRING, JMAP_PROP_SERVER_SET | JMAP_PROP_NULLABLE },
	{ "davProperties", JMAP_KIND_OBJECT, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ NULL, 0, 0 },
};

static const char *const davfile_sort_props[] = { "name", NULL };

static json_object *davfile_id_json(char prefix, uint64_t n)
{
	char id[24];

	if (n == 0)
		return NULL;
	jmap_id_format(prefix, n, id);
	return json_object_new_string(id);
}

static json_object *davfile_date_json(int64_t t)
{
	char out[21];

	time_format_utc((time_t)t, out);
	return json_object_new_string(out);
}

json_object *davfile_to_json(const struct store_file_node *node)
{
	json_object *obj = json_object_new_object();
	bool file = !node->is_folder;

	json_object_object_add(obj, "id", davfile_id_json(DAVFILE_ID_PREFIX, node->id));
	json_object_object_add(obj, "parentId", davfile_id_json(DAVFILE_ID_PREFIX,
								node->parent_id));
	json_object_object_add(obj, "name", json_object_new_string(node->name));
	json_object_object_add(obj, "isFolder", json_object_new_boolean(node->is_folder));
	json_object_object_add(obj, "blobId", file ? json_object_new_string(node->blob_id) : NULL);
	json_object_object_add(obj, "type", node->type != NULL ?
			       json_object_new_string(node->type) : NULL);
	json_object_object_add(obj, "size", json_object_new_int64((int64_t)node->size));
	json_object_object_add(obj, "created", davfile_date_json(node->created_at));
	json_object_object_add(obj, "updated", davfile_date_json(node->updated_at));
	/* a blob id is "G" and the hex SHA-256 of the content; half of it
	 * keeps If headers short (clients cut long ones) */
	json_object_object_add(obj, "davEtag", file ? json_object_new_string_len(
				       node->blob_id + 1, DAVFILE_ETAG_LEN) : NULL);
	json_object_object_add(obj, "davProperties", node->dead_props != NULL ?
			       json_tokener_parse(node->dead_props) : NULL);
	return obj;
}

static void davfile_get_one(struct jmap_call *call, struct jmap_get *get, const char *id)
{
	struct store_file_node node;
	uint64_t n;

	if (jmap_id_parse(DAVFILE_ID_PREFIX, id, &n) == 0 &&
	    store_file_node_get(call->acct, n, &node) > 0) {
		json_object_array_add(get->list, davfile_to_json(&node));
		store_file_node_clear(&node);
		return;
	}
	json_object_array_add(get->not_found, json_object_new_string(id));
}

static int jmap_davfile_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_file_node *list;
	const char *error;
	size_t count, n;

	if (get->ids != NULL) {
		n = json_object_array_length(get->ids);
		for (size_t i = 0; i < n; i++)
			davfile_get_one(call, get, json_object_get_string(
				json_object_array_get_idx(get->ids, i)));
		return 0;
	}
	if (store_file_node_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	for (size_t i = 0; i < count; i++)
		json_object_array_add(get->list, davfile_to_json(&list[i]));
	store_file_node_list_free(&list, count);
	return 0;
}

static int davfile_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		bool ok;

		if (strcmp(key, "parentId") == 0)
			ok = value == NULL || json_object_is_type(value, json_type_string);
		else if (strcmp(key, "name") == 0)
			ok = json_object_is_type(value, json_type_string);
		else {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (!ok) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

/* The one parentId every condition of a plain filter names: 1 and
 * *parent_r, 0 when the filter does not narrow to one folder, -1 when
 * it names no folder that can exist. */
static int davfile_filter_parent(json_object *filter, uint64_t *parent_r)
{
	json_object *v;

	if (filter == NULL || json_object_object_get_ex(filter, "operator", NULL) ||
	    !json_object_object_get_ex(filter, "parentId", &v))
		return 0;
	*parent_r = 0;
	if (v == NULL)
		return 1;
	return jmap_id_parse(DAVFILE_ID_PREFIX, json_object_get_string(v), parent_r) == 0 ? 1 : -1;
}

static int davfile_compare_name(const void *a, const void *b)
{
	return strcmp(((const struct store_file_node *)a)->name,
		      ((const struct store_file_node *)b)->name);
}

static int davfile_parent_match(json_object *condition, const struct store_file_node *node)
{
	json_object *v;
	uint64_t n = 0;

	if (!json_object_object_get_ex(condition, "parentId", &v))
		return 1;
	if (v != NULL && jmap_id_parse(DAVFILE_ID_PREFIX, json_object_get_string(v), &n) < 0)
		return 0;
	return n == node->parent_id;
}

static bool davfile_match(json_object *condition, void *obj)
{
	const struct store_file_node *node = obj;
	json_object *v;

	if (json_object_object_get_ex(condition, "name", &v) &&
	    strcmp(json_object_get_string(v), node->name) != 0)
		return false;
	return davfile_parent_match(condition, node);
}

/* Sorting is by name only: whether the first comparator descends. */
static bool davfile_sort_descending(json_object *sort)
{
	json_object *v;

	return sort != NULL && json_object_array_length(sort) > 0 &&
	       json_object_object_get_ex(json_object_array_get_idx(sort, 0), "isAscending", &v) &&
	       !json_object_get_boolean(v);
}

static int jmap_davfile_query(struct jmap_call *call, struct jmap_query *query)
{
	struct store_file_node *list = NULL;
	const char *error;
	uint64_t parent;
	size_t count = 0;
	int narrow = davfile_filter_parent(query->filter, &parent);
	char id[24];

	if (narrow > 0 && store_file_node_children(call->acct, parent, NULL, &list, &count,
						   &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (narrow == 0 && store_file_node_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (query->sort != NULL && count > 1)
		qsort(list, count, sizeof(*list), davfile_compare_name);
	for (size_t k = 0; k < count; k++) {
		size_t i = davfile_sort_descending(query->sort) ? count - 1 - k : k;

		if (query->filter != NULL &&
		    !jmap_filter_eval(query->filter, davfile_match, &list[i]))
			continue;
		jmap_id_format(DAVFILE_ID_PREFIX, list[i].id, id);
		json_object_array_add(query->ids, json_object_new_string(id));
	}
	store_file_node_list_free(&list, count);
	return 0;
}

const struct jmap_type jmap_davfile_type = {
	.name = "DavFile",
	.capability = JMAP_CAP_TERN_DAV,
	.store_type = STORE_TYPE_DAV_FILE,
	.id_prefix = DAVFILE_ID_PREFIX,
	.props = davfile_props,
	.get = jmap_davfile_get,
	.create = jmap_davfile_create,
	.update = jmap_davfile_update,
	.destroy = jmap_davfile_destroy,
	.filter_check = davfile_filter_check,
	.sort_props = davfile_sort_props,
	.query = jmap_davfile_query,
};
