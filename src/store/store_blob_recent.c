/* The content of the blobs an account wrote last, kept in memory until
 * its next write transaction begins: a request that uploads messages
 * and then imports them (Blob/upload, then Email/import of "#id") parses
 * what it just wrote without opening and reading each file again. The
 * ids are content hashes, so a copy can only ever be the blob's bytes;
 * whether the account still holds the blob is for the caller to check,
 * as with a read of the file. */

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_private.h"

struct store_blob_recent {
	char blob_id[STORE_BLOB_ID_LEN + 1];
	void *data;
	size_t len;
};

struct store_blob_recents {
	struct store_blob_recent *items;
	size_t count, cap;
	size_t bytes;
	size_t next;		/* where the next take looks first */
};

void store_blob_recent_clear(struct store_account *acct)
{
	struct store_blob_recents *r = acct->blob_recent;

	if (r == NULL)
		return;
	acct->blob_recent = NULL;
	for (size_t i = 0; i < r->count; i++)
		free(r->items[i].data);
	free(r->items);
	free(r);
}

void store_blob_recent_add(struct store_account *acct, const char *blob_id, void **data,
			   size_t len)
{
	struct store_blob_recents *r = acct->blob_recent;
	struct store_blob_recent *item;

	if (*data == NULL || len > STORE_BLOB_RECENT_BYTES ||
	    (r != NULL && r->bytes > STORE_BLOB_RECENT_BYTES - len))
		return;
	if (r == NULL)
		r = acct->blob_recent = xcalloc(1, sizeof(*r));
	if (r->count == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
	}
	item = &r->items[r->count++];
	memcpy(item->blob_id, blob_id, sizeof(item->blob_id));
	item->blob_id[STORE_BLOB_ID_LEN] = '\0';
	item->data = *data;
	item->len = len;
	r->bytes += len;
	*data = NULL;
}

int store_blob_recent_take(struct store_account *acct, const char *blob_id, void **data_r,
			   size_t *len_r)
{
	struct store_blob_recents *r = acct->blob_recent;

	/* taken in the order they were written, mostly: start at the last */
	for (size_t n = 0; r != NULL && n < r->count; n++) {
		struct store_blob_recent *item = &r->items[(r->next + n) % r->count];

		if (item->data == NULL || strcmp(item->blob_id, blob_id) != 0)
			continue;
		*data_r = item->data;
		*len_r = item->len;
		item->data = NULL;
		r->next = (r->next + n + 1) % r->count;
		return 1;
	}
	return 0;
}
