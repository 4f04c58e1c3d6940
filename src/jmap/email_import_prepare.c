/* Email/import's prepare hook: reads and parses each message before the
 * write transaction, so that imports into one account parse side by
 * side and only take turns to store. It judges nothing: an EmailImport
 * it cannot prepare (not an object, an unknown blob, a store failure)
 * is left to the handler, which reads it and reports as it always did. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/email_private.h"

/* Bounds what one call holds parsed at once; the rest is read in the
 * transaction, as without the hook. */
#define IMPORT_PREPARE_MAX_BYTES (64u * 1024 * 1024)

struct import_prepared_one {
	char *blob_id;		/* resolved; NULL if not prepared */
	void *raw;
	size_t len;
	struct email_parsed parsed;
};

struct email_prepared {
	char **cids;
	unsigned char *items;
	size_t item_size, count;
	size_t next;		/* the handler takes them in order */
	void (*clear)(void *item);
};

static void email_prepared_free(void *ptr)
{
	struct email_prepared *prep = ptr;

	for (size_t i = 0; i < prep->count; i++) {
		free(prep->cids[i]);
		prep->clear(prep->items + i * prep->item_size);
	}
	free(prep->cids);
	free(prep->items);
	free(prep);
}

void email_prepare_each(struct jmap_call *call, size_t item_size, size_t budget,
			email_prepare_one_fn *one, void (*clear)(void *item))
{
	json_object *emails;
	struct email_prepared *prep;
	size_t i = 0;

	if (!json_object_object_get_ex(call->args, "emails", &emails) ||
	    !json_object_is_type(emails, json_type_object) ||
	    json_object_object_length(emails) > call->req->srv->limits.max_objects_in_set)
		return;
	prep = xcalloc(1, sizeof(*prep));
	prep->count = (size_t)json_object_object_length(emails);
	prep->item_size = item_size;
	prep->clear = clear;
	prep->cids = xcalloc(prep->count > 0 ? prep->count : 1, sizeof(*prep->cids));
	prep->items = xcalloc(prep->count > 0 ? prep->count : 1, item_size);
	json_object_object_foreach(emails, cid, obj) {
		prep->cids[i] = xstrdup(cid);
		one(call, obj, prep->items + i * item_size, &budget);
		i++;
	}
	call->prepared = prep;
	call->prepared_free = email_prepared_free;
}

void *email_prepared_next(struct jmap_call *call, const char *cid)
{
	struct email_prepared *prep = call->prepared;

	while (prep != NULL && prep->next < prep->count) {
		size_t i = prep->next++;

		if (strcmp(prep->cids[i], cid) == 0)
			return prep->items + i * prep->item_size;
	}
	return NULL;
}

static void import_prepared_clear(void *ptr)
{
	struct import_prepared_one *item = ptr;

	if (item->blob_id != NULL)
		email_parsed_clear(&item->parsed);
	free(item->blob_id);
	free(item->raw);
}

/* Reads and parses one EmailImport's blob (from the copy the upload
 * earlier in the request left, if there is one: the handler checks that
 * the account still holds it); leaves item unprepared if that is not
 * possible or would pass *budget. */
static void import_prepare_one(struct jmap_call *call, json_object *obj, void *ptr,
			       size_t *budget)
{
	struct import_prepared_one *item = ptr;
	json_object *value;
	const char *blob_id;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "blobId", &value) ||
	    !json_object_is_type(value, json_type_string) ||
	    (blob_id = jmap_id_resolve(call, json_object_get_string(value))) == NULL)
		return;
	if ((email_blob_id_is_part(blob_id) ||
	     store_blob_recent_take(call->acct, blob_id, &item->raw, &item->len) == 0) &&
	    email_blob_read(call->acct, blob_id, &item->raw, &item->len) <= 0)
		return;
	if (item->len > *budget) {
		free(item->raw);
		item->raw = NULL;
		return;
	}
	*budget -= item->len;
	email_parsed_init(&item->parsed, item->raw, item->len);
	item->blob_id = xstrdup(blob_id);
}

void email_import_prepare(struct jmap_call *call)
{
	email_prepare_each(call, sizeof(struct import_prepared_one), IMPORT_PREPARE_MAX_BYTES,
			   import_prepare_one, import_prepared_clear);
}

/* The base blob of blob_id (a part blob id names it first) is still in
 * the account: the prepare hook read it outside the transaction. */
static bool import_blob_still_there(struct store_account *acct, const char *blob_id)
{
	char base[STORE_BLOB_ID_LEN + 1];
	uint64_t size;

	if (strlen(blob_id) < STORE_BLOB_ID_LEN)
		return false;
	memcpy(base, blob_id, STORE_BLOB_ID_LEN);
	base[STORE_BLOB_ID_LEN] = '\0';
	return store_blob_stat(acct, base, &size) > 0;
}

int email_import_prepared_take(struct jmap_call *call, const char *cid, const char *blob_id,
			       void **raw_r, size_t *len_r, struct email_parsed *parsed_r)
{
	struct import_prepared_one *item = email_prepared_next(call, cid);

	if (item == NULL || item->blob_id == NULL || strcmp(item->blob_id, blob_id) != 0 ||
	    !import_blob_still_there(call->acct, blob_id))
		return 0;
	*raw_r = item->raw;
	*len_r = item->len;
	*parsed_r = item->parsed;
	item->raw = NULL;
	free(item->blob_id);
	item->blob_id = NULL;
	return 1;
}
