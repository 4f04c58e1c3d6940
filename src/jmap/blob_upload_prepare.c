/* Blob/upload's prepare hook: writes the inline data of each creation
 * to a temporary blob file before the write transaction, so that
 * uploads into one account create and fill their files side by side
 * and only take turns to place and record them. It judges nothing: a
 * creation it cannot stage (not plain inline data, bad base64, past its
 * byte bound, a store failure) is left to the handler, which writes it
 * and reports as it always did. */
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/xalloc.h"
#include "jmap/blob_methods.h"
#include "jmap/std_private.h"

/* Bounds what one call stages at once; the rest is written in the
 * transaction, as without the hook. */
#define UPLOAD_PREPARE_MAX_BYTES (64u * 1024 * 1024)

struct upload_prepared_one {
	char *cid;
	struct store_blob_writer *writer;	/* NULL if not staged */
	uint64_t size;
};

struct upload_prepared {
	struct upload_prepared_one *items;
	size_t count;
	size_t next;		/* the handler takes them in order */
};

static void upload_prepared_free(void *ptr)
{
	struct upload_prepared *prep = ptr;

	for (size_t i = 0; i < prep->count; i++) {
		free(prep->items[i].cid);
		store_blob_write_abort(&prep->items[i].writer);
	}
	free(prep->items);
	free(prep);
}

/* The bytes of an inline source, or false if it is not one the handler
 * would accept as it is. *copy_r is set when they had to be decoded. */
static bool upload_prepare_source(json_object *source, const void **data_r, size_t *len_r,
				  void **copy_r)
{
	json_object *value;

	*copy_r = NULL;
	if (!json_object_is_type(source, json_type_object) ||
	    json_object_object_length(source) != 1)
		return false;
	if (json_object_object_get_ex(source, "data:asText", &value) &&
	    json_object_is_type(value, json_type_string)) {
		*data_r = json_object_get_string(value);
		*len_r = (size_t)json_object_get_string_len(value);
		return true;
	}
	if (!json_object_object_get_ex(source, "data:asBase64", &value) ||
	    !json_object_is_type(value, json_type_string))
		return false;
	*copy_r = base64_decode(json_object_get_string(value),
				(size_t)json_object_get_string_len(value), len_r);
	*data_r = *copy_r;
	return *copy_r != NULL;
}

/* Writes every source of data into w; false if one is not inline or
 * the sum would pass *budget. */
static bool upload_prepare_write(struct store_blob_writer *w, json_object *data,
				 uint64_t *size_r, size_t *budget)
{
	size_t n = json_object_array_length(data), len;
	const char *error;
	const void *bytes;
	void *copy;
	bool ok = true;

	*size_r = 0;
	for (size_t i = 0; i < n && ok; i++) {
		ok = upload_prepare_source(json_object_array_get_idx(data, i), &bytes, &len, &copy) &&
		     len <= *budget && store_blob_write(w, bytes, len, &error) == 0;
		if (ok) {
			*budget -= len;
			*size_r += len;
		}
		free(copy);
	}
	return ok && store_blob_write_close(w, &error) == 0;
}

static void upload_prepare_one(struct jmap_call *call, json_object *obj,
			       struct upload_prepared_one *item, size_t *budget)
{
	json_object *data;
	const char *error;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "data", &data) ||
	    !json_object_is_type(data, json_type_array) ||
	    json_object_array_length(data) == 0 ||
	    json_object_array_length(data) > BLOB_MAX_DATA_SOURCES ||
	    store_blob_write_begin(call->acct, &item->writer, &error) < 0)
		return;
	if (!upload_prepare_write(item->writer, data, &item->size, budget))
		store_blob_write_abort(&item->writer);
}

void blob_upload_prepare(struct jmap_call *call)
{
	json_object *create;
	struct upload_prepared *prep;
	size_t budget = UPLOAD_PREPARE_MAX_BYTES, i = 0;

	if (!json_object_object_get_ex(call->args, "create", &create) ||
	    !json_object_is_type(create, json_type_object) ||
	    json_object_object_length(create) > call->req->srv->limits.max_objects_in_set)
		return;
	prep = xcalloc(1, sizeof(*prep));
	prep->count = (size_t)json_object_object_length(create);
	prep->items = xcalloc(prep->count > 0 ? prep->count : 1, sizeof(*prep->items));
	json_object_object_foreach(create, cid, obj) {
		prep->items[i].cid = xstrdup(cid);
		upload_prepare_one(call, obj, &prep->items[i++], &budget);
	}
	call->prepared = prep;
	call->prepared_free = upload_prepared_free;
}

bool blob_upload_prepared_take(struct jmap_call *call, const char *cid,
			       struct store_blob_writer **writer_r, uint64_t *size_r)
{
	struct upload_prepared *prep = call->prepared;
	struct upload_prepared_one *item = NULL;

	/* creations that failed before their data are never taken, so the
	 * next one may be further on */
	while (prep != NULL && item == NULL && prep->next < prep->count) {
		if (strcmp(prep->items[prep->next].cid, cid) == 0)
			item = &prep->items[prep->next];
		prep->next++;
	}
	if (item == NULL || item->writer == NULL)
		return false;
	*writer_r = item->writer;
	*size_r = item->size;
	item->writer = NULL;
	return true;
}
