#ifndef TERN_JMAP_BLOB_METHODS_H
#define TERN_JMAP_BLOB_METHODS_H

#include <stddef.h>
#include <stdint.h>

#include "jmap/objects.h"

/* What the Blob methods (RFC 9404) share. blob_methods.c holds the type,
 * the capability, Blob/lookup and the reading of blob ranges;
 * blob_upload.c Blob/upload; blob_get.c Blob/get. */

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
int jmap_blob_get(struct jmap_call *call);

#endif
