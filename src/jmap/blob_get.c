/* Blob/get (RFC 9404 §4.2): the content of blobs, or of a range of
 * them, as text or base64, with digests and sizes. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>

#include "core/base64.h"
#include "jmap/blob_methods.h"
#include "jmap/std_private.h"

static const char *const get_known_args[] = {
	"accountId", "ids", "properties", "offset", "length", NULL,
};

/* What one Blob/get asks for. */
struct blob_get_opts {
	bool data, text, base64, sha1, sha256, size;
	uint64_t offset;
	int64_t length;		/* -1: to the end */
};

static int get_property(struct jmap_call *call, const char *name, struct blob_get_opts *o)
{
	if (strcmp(name, "data") == 0)
		o->data = true;
	else if (strcmp(name, "data:asText") == 0)
		o->text = true;
	else if (strcmp(name, "data:asBase64") == 0)
		o->base64 = true;
	else if (strcmp(name, "digest:sha") == 0)
		o->sha1 = true;
	else if (strcmp(name, "digest:sha-256") == 0)
		o->sha256 = true;
	else if (strcmp(name, "size") == 0)
		o->size = true;
	else
		return jmap_call_error(call, "invalidArguments", "Unknown property: %s", name);
	return 0;
}

/* properties: by default "data" and "size". */
static int get_properties(struct jmap_call *call, json_object *props, struct blob_get_opts *o)
{
	size_t n;

	if (props == NULL) {
		o->data = o->size = true;
		return 0;
	}
	n = json_object_array_length(props);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(props, i);

		if (!json_object_is_type(item, json_type_string))
			return jmap_call_error(call, "invalidArguments", "properties must be Strings");
		if (get_property(call, json_object_get_string(item), o) < 0)
			return -1;
	}
	return 0;
}

static int get_args(struct jmap_call *call, json_object **ids_r, struct blob_get_opts *o)
{
	json_object *props;
	int64_t offset;
	size_t n;

	if (jmap_args_check(call, get_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "ids", json_type_array, ids_r) < 0 ||
	    jmap_arg_get(call, "properties", json_type_array, &props) < 0 ||
	    jmap_arg_uint_or_null(call, "offset", &offset) < 0 ||
	    jmap_arg_uint_or_null(call, "length", &o->length) < 0 ||
	    get_properties(call, props, o) < 0)
		return -1;
	o->offset = offset < 0 ? 0 : (uint64_t)offset;
	if (*ids_r == NULL)
		return jmap_call_error(call, "invalidArguments", "ids is required");
	n = json_object_array_length(*ids_r);
	if ((int64_t)n > call->req->srv->limits.max_objects_in_get)
		return jmap_call_error(call, "requestTooLarge", "More ids than maxObjectsInGet");
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(*ids_r, i), json_type_string))
			return jmap_call_error(call, "invalidArguments", "ids must be Strings");
	}
	return 0;
}

static void get_add_digest(json_object *obj, const char *name, const EVP_MD *md,
			   const void *data, size_t len)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char *b64;

	EVP_Digest(data, len, digest, &digest_len, md, NULL);
	b64 = base64_encode(digest, digest_len, false);
	json_object_object_add(obj, name, json_object_new_string(b64));
	free(b64);
}

static void get_add_base64(json_object *obj, const void *data, size_t len)
{
	char *b64 = base64_encode(data, len, false);

	json_object_object_add(obj, "data:asBase64", json_object_new_string(b64));
	free(b64);
}

/* The data properties of the selected range: text where it is UTF-8,
 * and isEncodingProblem where text was asked of bytes that are not. */
static void get_add_data(json_object *obj, const struct blob_get_opts *o, const char *data,
			 size_t len)
{
	bool utf8 = g_utf8_validate(data, (gssize)len, NULL);

	if ((o->text || o->data) && utf8)
		json_object_object_add(obj, "data:asText", json_object_new_string_len(data, (int)len));
	else if (o->text)
		json_object_object_add(obj, "data:asText", NULL);
	if (o->base64 || (o->data && !utf8))
		get_add_base64(obj, data, len);
	if ((o->text || o->data) && !utf8)
		json_object_object_add(obj, "isEncodingProblem", json_object_new_boolean(1));
	if (o->sha1)
		get_add_digest(obj, "digest:sha", EVP_sha1(), data, len);
	if (o->sha256)
		get_add_digest(obj, "digest:sha-256", EVP_sha256(), data, len);
}

/* The range asked of a blob of size octets, clamped to it and to what
 * one answer may carry; *truncated_r when it was clamped. */
static void get_range(const struct jmap_call *call, const struct blob_get_opts *o,
		      uint64_t size, uint64_t *start_r, size_t *len_r, bool *truncated_r)
{
	uint64_t start = o->offset < size ? o->offset : size;
	uint64_t len = size - start, cap = blob_max_size_set(call->req->srv);

	/* a JSON string's length is an int */
	if (cap > INT_MAX)
		cap = INT_MAX;

	*truncated_r = o->offset > size;
	if (o->length >= 0 && (uint64_t)o->length <= len)
		len = (uint64_t)o->length;
	else if (o->length >= 0)
		*truncated_r = true;
	if (len > cap) {
		len = cap;
		*truncated_r = true;
	}
	*start_r = start;
	*len_r = (size_t)len;
}

static int get_content(struct jmap_call *call, const struct blob_get_opts *o, const char *id,
		       uint64_t size, json_object *obj)
{
	uint64_t start;
	size_t len;
	bool truncated;
	void *data = NULL;

	get_range(call, o, size, &start, &len, &truncated);
	if (len > 0 && blob_read_range(call->acct, id, start, len, &data) <= 0)
		return jmap_call_error(call, "serverFail", "cannot read blob %s", id);
	get_add_data(obj, o, data != NULL ? data : "", len);
	if (truncated)
		json_object_object_add(obj, "isTruncated", json_object_new_boolean(1));
	free(data);
	return 0;
}

static int get_one(struct jmap_call *call, const struct blob_get_opts *o, json_object *given,
		   json_object *list, json_object *not_found)
{
	const char *id = jmap_id_resolve(call, json_object_get_string(given));
	json_object *obj;
	uint64_t size;
	int ret = id != NULL ? blob_size(call->acct, id, &size) : 0;

	if (ret < 0)
		return jmap_call_error(call, "serverFail", "cannot read blob %s", id);
	if (ret == 0) {
		json_object_array_add(not_found, json_object_get(given));
		return 0;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "id", json_object_new_string(id));
	if ((o->data || o->text || o->base64 || o->sha1 || o->sha256) &&
	    get_content(call, o, id, size, obj) < 0) {
		json_object_put(obj);
		return -1;
	}
	if (o->size)
		json_object_object_add(obj, "size", json_object_new_int64((int64_t)size));
	json_object_array_add(list, obj);
	return 0;
}

int jmap_blob_get(struct jmap_call *call)
{
	struct blob_get_opts o = { 0 };
	json_object *ids, *list, *not_found;
	int ret = 0;

	if (get_args(call, &ids, &o) < 0)
		return -1;
	list = json_object_new_array();
	not_found = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(ids) && ret == 0; i++)
		ret = get_one(call, &o, json_object_array_get_idx(ids, i), list, not_found);
	if (ret == 0) {
		call->response = jmap_std_response(call);
		json_object_object_add(call->response, "list", json_object_get(list));
		json_object_object_add(call->response, "notFound", json_object_get(not_found));
	}
	json_object_put(list);
	json_object_put(not_found);
	return ret;
}
