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
	char *cid;
	char *blob_id;		/* resolved; NULL if not prepared */
	void *raw;
	size_t len;
	struct email_parsed parsed;
};

struct import_prepared {
	struct import_prepared_one *items;
	size_t count;
	size_t next;		/* the handler takes them in order */
};

static void import_prepared_free(void *ptr)
{
	struct import_prepared *prep = ptr;

	for (size_t i = 0; i < prep->count; i++) {
		struct import_prepared_one *item = &prep->items[i];

		free(item->cid);
		if (item->blob_id != NULL)
			email_parsed_clear(&item->parsed);
		free(item->blob_id);
		free(item->raw);
	}
	free(prep->items);
	free(prep);
}

/* Reads and parses one EmailImport's blob (from the copy the upload
 * earlier in the request left, if there is one: the handler checks that
 * the account still holds it); leaves item unprepared if that is not
 * possible or would pass *budget. */
static void import_prepare_one(struct jmap_call *call, json_object *obj,
			       struct import_prepared_one *item, size_t *budget)
{
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
	json_object *emails;
	struct import_prepared *prep;
	size_t budget = IMPORT_PREPARE_MAX_BYTES, i = 0;

	if (!json_object_object_get_ex(call->args, "emails", &emails) ||
	    !json_object_is_type(emails, json_type_object) ||
	    json_object_object_length(emails) > call->req->srv->limits.max_objects_in_set)
		return;
	prep = xcalloc(1, sizeof(*prep));
	prep->count = (size_t)json_object_object_length(emails);
	prep->items = xcalloc(prep->count > 0 ? prep->count : 1, sizeof(*prep->items));
	json_object_object_foreach(emails, cid, obj) {
		prep->items[i].cid = xstrdup(cid);
		import_prepare_one(call, obj, &prep->items[i++], &budget);
	}
	call->prepared = prep;
	call->prepared_free = import_prepared_free;
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
	struct import_prepared *prep = call->prepared;
	struct import_prepared_one *item = NULL;

	/* EmailImports that failed before their blob are never taken, so
	 * the next one may be further on */
	while (prep != NULL && item == NULL && prep->next < prep->count) {
		if (strcmp(prep->items[prep->next].cid, cid) == 0)
			item = &prep->items[prep->next];
		prep->next++;
	}
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
