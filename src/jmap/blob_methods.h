#ifndef TERN_JMAP_BLOB_METHODS_H
#define TERN_JMAP_BLOB_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmap/objects.h"

/* What the Blob methods (RFC 9404) share. blob_methods.c holds the type,
 * the capability, Blob/lookup and the reading of blob ranges;
 * blob_upload.c Blob/upload, blob_upload_prepare.c its prepare hook;
 * blob_get.c Blob/get. */

/* Data sources one Blob/upload creation may join. */
#define BLOB_MAX_DATA_SOURCES 64

/* maxSizeBlobSet: the largest blob Blob/upload makes, and the most it
 * writes in one call. */
uint64_t blob_max_size_set(const struct jmap_server *srv);

/* The size of blob_id (a blob of the account or a part of an email):
 * 1, 0 if there is none, -1 on a store failure. */
int blob_size(struct store_account *acct, const char *blob_id, uint64_t *size_r);
/* Reads [offset, offset + len) of blob_id, which the caller checked
 * lies within it, into a caller-owned buffer. 1, 0 or -1 as above. */
int blob_read_range(struct store_account *acct, const char *blob_id, uint64_t offset,
		    size_t len, void **data_r);

int jmap_blob_upload(struct jmap_call *call);
/* jmap_prepare_fn of Blob/upload (blob_upload_prepare.c): writes the
 * inline data of each creation to a temporary blob file, in the order
 * of "create". */
void blob_upload_prepare(struct jmap_call *call);
/* Hands over the file staged for the next creation, if it is creation
 * id cid: true with the writer (closed, to finish or abort) and the
 * size of its data; false if the caller must write the data itself. */
bool blob_upload_prepared_take(struct jmap_call *call, const char *cid,
			       struct store_blob_writer **writer_r, uint64_t *size_r);
int jmap_blob_get(struct jmap_call *call);

#endif
