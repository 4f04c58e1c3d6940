/* Blob/upload (RFC 9404 §4.1): each creation joins its data sources
 * (inline text, inline base64, or a range of an existing blob) into a
 * new blob of the account, an upload like one made over HTTP. Created
 * ids can be referred to as "#id" later in the request, by the next
 * creations of this call included. */
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/log.h"
#include "jmap/blob_methods.h"
#include "jmap/std_private.h"

#define UPLOAD_DEFAULT_TYPE "application/octet-stream"
#define UPLOAD_MAX_TYPE 255

static const char *const upload_known_args[] = { "accountId", "create", NULL };

/* One creation in progress. */
struct upload_blob {
	struct jmap_call *call;
	struct store_blob_writer *writer;
	uint64_t size;
	uint64_t budget;	/* bytes this call may still write */
};

static json_object *upload_invalid(const char *property, const char *description)
{
	const char *props[] = { property, NULL };

	return jmap_set_error("invalidProperties", description, props);
}

static json_object *upload_too_large(const struct upload_blob *up)
{
	json_object *error = jmap_set_error("tooLarge", "The blob would be larger than "
					    "maxSizeBlobSet", NULL);

	json_object_object_add(error, "maxSize", json_object_new_int64(
		(int64_t)blob_max_size_set(up->call->req->srv)));
	return error;
}

/* Appends data; a store failure fails the method (NULL *error_r). */
static int upload_append(struct upload_blob *up, const void *data, size_t len,
			 json_object **error_r)
{
	const char *error;

	if (len > up->budget - up->size) {
		*error_r = upload_too_large(up);
		return -1;
	}
	if (store_blob_write(up->writer, data, len, &error) < 0) {
		*error_r = NULL;
		return jmap_call_error(up->call, "serverFail", "blob upload: %s", error);
	}
	up->size += len;
	return 0;
}

static int upload_text(struct upload_blob *up, json_object *value, json_object **error_r)
{
	if (!json_object_is_type(value, json_type_string)) {
		*error_r = upload_invalid("data", "data:asText must be a String");
		return -1;
	}
	return upload_append(up, json_object_get_string(value),
			     (size_t)json_object_get_string_len(value), error_r);
}

static int upload_base64(struct upload_blob *up, json_object *value, json_object **error_r)
{
	void *data;
	size_t len;
	int ret;

	if (!json_object_is_type(value, json_type_string) ||
	    (data = base64_decode(json_object_get_string(value),
				  (size_t)json_object_get_string_len(value), &len)) == NULL) {
		*error_r = upload_invalid("data", "data:asBase64 must be base64");
		return -1;
	}
	ret = upload_append(up, data, len, error_r);
	free(data);
	return ret;
}

/* An UnsignedInt|null member of a source: def when absent or null. */
static int upload_source_uint(json_object *source, const char *name, uint64_t def,
			      uint64_t *value_r)
{
	json_object *value = json_object_object_get(source, name);

	*value_r = def;
	if (value == NULL)
		return 0;
	if (!json_object_is_type(value, json_type_int) || json_object_get_int64(value) < 0)
		return -1;
	*value_r = (uint64_t)json_object_get_int64(value);
	return 0;
}

static int upload_not_found(json_object *source, const char *id, json_object **error_r)
{
	const char *given = json_object_get_string(json_object_object_get(source, "blobId"));
	json_object *list = json_object_new_array();

	json_object_array_add(list, json_object_new_string(id != NULL ? id : given));
	*error_r = jmap_set_error("blobNotFound", "No such blob", NULL);
	json_object_object_add(*error_r, "notFound", list);
	return -1;
}

/* offset and length of a source within a blob of size octets. */
static int upload_source_range(json_object *source, uint64_t size, uint64_t *offset_r,
			       uint64_t *length_r, json_object **error_r)
{
	if (upload_source_uint(source, "offset", 0, offset_r) < 0 || *offset_r > size ||
	    upload_source_uint(source, "length", size - *offset_r, length_r) < 0 ||
	    *length_r > size - *offset_r) {
		*error_r = upload_invalid("data", "The range is not within the blob");
		return -1;
	}
	return 0;
}

/* The range [offset, offset + length) of an existing blob, which must
 * lie within it. */
static int upload_range(struct upload_blob *up, json_object *source, json_object **error_r)
{
	const char *id = jmap_id_resolve(up->call, json_object_get_string(
		json_object_object_get(source, "blobId")));
	uint64_t size = 0, offset = 0, length = 0;
	void *data;
	int ret = id != NULL ? blob_size(up->call->acct, id, &size) : 0;

	if (ret == 0)
		return upload_not_found(source, id, error_r);
	if (ret > 0 && upload_source_range(source, size, &offset, &length, error_r) < 0)
		return -1;
	if (ret > 0 && length > up->budget - up->size) {
		*error_r = upload_too_large(up);
		return -1;
	}
	if (ret < 0 || blob_read_range(up->call->acct, id, offset, (size_t)length, &data) <= 0) {
		*error_r = NULL;
		return jmap_call_error(up->call, "serverFail", "cannot read blob %s", id);
	}
	ret = upload_append(up, data, (size_t)length, error_r);
	free(data);
	return ret;
}

/* A DataSourceObject: exactly one of data:asText, data:asBase64, or
 * blobId with optional offset and length. */
static int upload_source(struct upload_blob *up, json_object *source, json_object **error_r)
{
	json_object *value;
	int n = json_object_is_type(source, json_type_object) ?
		json_object_object_length(source) : -1;

	if (n == 1 && json_object_object_get_ex(source, "data:asText", &value))
		return upload_text(up, value, error_r);
	if (n == 1 && json_object_object_get_ex(source, "data:asBase64", &value))
		return upload_base64(up, value, error_r);
	if (n >= 1 && json_object_is_type(json_object_object_get(source, "blobId"),
					  json_type_string) &&
	    n == 1 + json_object_object_get_ex(source, "offset", NULL) +
		 json_object_object_get_ex(source, "length", NULL))
		return upload_range(up, source, error_r);
	*error_r = upload_invalid("data", "Not a valid DataSourceObject");
	return -1;
}

/* The creation object: "data" (1 to maxDataSources sources) and an
 * optional "type". */
static int upload_check(json_object *obj, const char **type_r, json_object **error_r)
{
	json_object *data = NULL, *type = NULL;

	*type_r = UPLOAD_DEFAULT_TYPE;
	json_object_object_foreach(obj, key, value) {
		if (strcmp(key, "data") == 0)
			data = value;
		else if (strcmp(key, "type") == 0)
			type = value;
		else {
			*error_r = upload_invalid(key, "Unknown property");
			return -1;
		}
	}
	if (!json_object_is_type(data, json_type_array) || json_object_array_length(data) == 0 ||
	    json_object_array_length(data) > BLOB_MAX_DATA_SOURCES) {
		*error_r = upload_invalid("data", "data must hold 1 to maxDataSources sources");
		return -1;
	}
	if (type != NULL && (!json_object_is_type(type, json_type_string) ||
			     json_object_get_string_len(type) > UPLOAD_MAX_TYPE)) {
		*error_r = upload_invalid("type", "type must be a String or null");
		return -1;
	}
	if (type != NULL)
		*type_r = json_object_get_string(type);
	return 0;
}

static json_object *upload_created(const char *blob_id, const char *type, uint64_t size)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "id", json_object_new_string(blob_id));
	json_object_object_add(obj, "type", json_object_new_string(type));
	json_object_object_add(obj, "size", json_object_new_int64((int64_t)size));
	return obj;
}

static int upload_write(struct upload_blob *up, json_object *data, json_object **error_r)
{
	size_t n = json_object_array_length(data);

	for (size_t i = 0; i < n; i++) {
		if (upload_source(up, json_object_array_get_idx(data, i), error_r) < 0)
			return -1;
	}
	return 0;
}

/* The creation's data in a new blob file: the one the prepare hook
 * wrote, or written now. */
static int upload_stage(struct upload_blob *up, const char *cid, json_object *obj,
			json_object **error_r)
{
	const char *error;

	if (blob_upload_prepared_take(up->call, cid, &up->writer, &up->size)) {
		if (up->size <= up->budget)
			return 0;
		store_blob_write_abort(&up->writer);
		*error_r = upload_too_large(up);
		return -1;
	}
	if (store_blob_write_begin(up->call->acct, &up->writer, &error) < 0)
		return jmap_call_error(up->call, "serverFail", "blob upload: %s", error);
	if (upload_write(up, json_object_object_get(obj, "data"), error_r) < 0) {
		store_blob_write_abort(&up->writer);
		return -1;
	}
	return 0;
}

/* Returns 0 and *created_r, or -1 with a SetError (or, NULL, after a
 * method error). */
static int upload_one(struct jmap_call *call, const char *cid, json_object *obj,
		      uint64_t *budget, json_object **created_r, json_object **error_r)
{
	struct upload_blob up = { .call = call, .budget = *budget };
	char blob_id[STORE_BLOB_ID_LEN + 1];
	const char *type, *error;
	uint64_t size;

	*error_r = NULL;
	if (!json_object_is_type(obj, json_type_object)) {
		*error_r = upload_invalid("data", "Not an upload object");
		return -1;
	}
	if (upload_check(obj, &type, error_r) < 0 || upload_stage(&up, cid, obj, error_r) < 0)
		return -1;
	if (store_blob_write_finish(&up.writer, blob_id, &size, &error) < 0)
		return jmap_call_error(call, "serverFail", "blob upload: %s", error);
	*budget -= size;
	jmap_created_id_add(call, cid, blob_id);
	*created_r = upload_created(blob_id, type, size);
	log_info("jmap.blob_upload", "account=%u blob=%s size=%llu", call->account_id, blob_id,
		 (unsigned long long)size);
	return 0;
}

static json_object *upload_response(struct jmap_call *call, json_object *created,
				    json_object *not_created)
{
	json_object *resp = jmap_std_response(call);

	json_object_object_add(resp, "created", json_object_object_length(created) > 0 ?
			       json_object_get(created) : NULL);
	json_object_object_add(resp, "notCreated", json_object_object_length(not_created) > 0 ?
			       json_object_get(not_created) : NULL);
	return resp;
}

static int upload_args(struct jmap_call *call, json_object **create_r)
{
	if (jmap_args_check(call, upload_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "create", json_type_object, create_r) < 0)
		return -1;
	if (*create_r != NULL && (int64_t)json_object_object_length(*create_r) >
	    call->req->srv->limits.max_objects_in_set)
		return jmap_call_error(call, "requestTooLarge", "More objects than maxObjectsInSet");
	if (*create_r != NULL) {
		json_object_object_foreach(*create_r, cid, obj) {
			(void)obj;
			if (!jmap_id_valid(cid))
				return jmap_call_error(call, "invalidArguments",
						       "create needs Id keys");
		}
	}
	return 0;
}

int jmap_blob_upload(struct jmap_call *call)
{
	json_object *create, *created, *not_created;
	uint64_t budget = blob_max_size_set(call->req->srv);
	int ret = 0;

	if (upload_args(call, &create) < 0)
		return -1;
	created = json_object_new_object();
	not_created = json_object_new_object();
	if (create != NULL) {
		json_object_object_foreach(create, cid, obj) {
			json_object *result = NULL, *error = NULL;

			if (upload_one(call, cid, obj, &budget, &result, &error) == 0)
				json_object_object_add(created, cid, result);
			else if (error != NULL)
				json_object_object_add(not_created, cid, error);
			else {
				ret = -1;
				break;
			}
		}
	}
	if (ret == 0)
		call->response = upload_response(call, created, not_created);
	json_object_put(created);
	json_object_put(not_created);
	return ret;
}
