/* Blobs of emails: part blob ids ("<blobId>_<partId>", RFC 8621 §4.1.4:
 * the decoded content of one part), read by Email/parse, Email/set's
 * attachments and downloads; and writing a message as a new blob. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/memfd.h"
#include "core/xalloc.h"
#include "jmap/email_private.h"

void email_part_blob_id(const char *blob_id, const char *part_id, char *out, size_t size)
{
	snprintf(out, size, "%s_%s", blob_id, part_id);
}

bool email_blob_id_is_part(const char *blob_id)
{
	return strchr(blob_id, '_') != NULL;
}

/* A plain blob of the account: 1, 0 or -1. */
static int email_blob_load(struct store_account *acct, const char *blob_id, void **data_r,
			   size_t *len_r)
{
	const char *error;

	if (strlen(blob_id) != STORE_BLOB_ID_LEN)
		return 0;
	return store_blob_read(acct, blob_id, data_r, len_r, &error);
}

/* Replaces *data with the content of its part part_id (one segment of
 * a part blob id). Returns 1, or 0 if the message has no such part. */
static int email_blob_descend(void **data, size_t *len, const char *part_id)
{
	struct mail_limits limits = { 0 };
	struct mail_message *msg;
	void *part;
	size_t part_len;
	char *type = NULL;
	int ret;

	mail_limits_default(&limits);
	msg = mail_message_parse(*data, *len, &limits);
	ret = mail_part_content(msg, part_id, &part, &part_len, &type);
	mail_message_free(&msg);
	free(type);
	if (ret < 0)
		return 0;
	free(*data);
	*data = part;
	*len = part_len;
	return 1;
}

static bool email_part_segment_valid(const char *s, size_t len)
{
	if (len == 0 || len > 32)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			return false;
	}
	return true;
}

/* Walks the "_<partId>" segments after the base blob. */
static int email_blob_walk(void **data, size_t *len, const char *parts)
{
	unsigned depth = 0;

	while (*parts == '_') {
		const char *seg = parts + 1, *end = strchr(seg, '_');
		size_t seg_len = end != NULL ? (size_t)(end - seg) : strlen(seg);
		char part_id[33];

		if (++depth > EMAIL_BLOB_MAX_NESTING || !email_part_segment_valid(seg, seg_len))
			return 0;
		memcpy(part_id, seg, seg_len);
		part_id[seg_len] = '\0';
		if (email_blob_descend(data, len, part_id) == 0)
			return 0;
		parts = seg + seg_len;
	}
	return *parts == '\0' ? 1 : 0;
}

int email_blob_read(struct store_account *acct, const char *blob_id, void **data_r,
		    size_t *len_r)
{
	const char *sep = strchr(blob_id, '_');
	size_t base_len = sep != NULL ? (size_t)(sep - blob_id) : strlen(blob_id);
	char base[STORE_BLOB_ID_LEN + 1];
	void *data;
	size_t len;
	int ret;

	if (base_len != STORE_BLOB_ID_LEN)
		return 0;
	memcpy(base, blob_id, base_len);
	base[base_len] = '\0';
	if ((ret = email_blob_load(acct, base, &data, &len)) <= 0)
		return ret;
	if (sep != NULL && email_blob_walk(&data, &len, sep) == 0) {
		free(data);
		return 0;
	}
	*data_r = data;
	*len_r = len;
	return 1;
}

void email_blob_cache_clear(struct email_blob_cache *cache)
{
	free(cache->container);
	cache->container = NULL;
	mail_message_free(&cache->msg);
}

/* Makes cache hold the parsed message of container: 1, 0, -1. */
static int email_blob_cache_load(struct email_blob_cache *cache, struct store_account *acct,
				 const char *container)
{
	struct mail_limits limits = { 0 };
	void *data;
	size_t len;
	int ret;

	if (cache->container != NULL && strcmp(cache->container, container) == 0)
		return 1;
	email_blob_cache_clear(cache);
	if ((ret = email_blob_read(acct, container, &data, &len)) <= 0)
		return ret;
	mail_limits_default(&limits);
	cache->msg = mail_message_parse(data, len, &limits);
	cache->container = xstrdup(container);
	free(data);
	return 1;
}

int email_blob_read_cached(struct email_blob_cache *cache, struct store_account *acct,
			   const char *blob_id, void **data_r, size_t *len_r)
{
	const char *last = strrchr(blob_id, '_');
	char *container, *type = NULL;
	int ret;

	if (last == NULL)
		return email_blob_read(acct, blob_id, data_r, len_r);
	if (!email_part_segment_valid(last + 1, strlen(last + 1)))
		return 0;
	container = xstrndup(blob_id, (size_t)(last - blob_id));
	ret = email_blob_cache_load(cache, acct, container);
	free(container);
	if (ret <= 0)
		return ret;
	ret = mail_part_content(cache->msg, last + 1, data_r, len_r, &type);
	free(type);
	return ret < 0 ? 0 : 1;
}

int email_part_blob_open(struct store_account *acct, const char *blob_id, uint64_t *size_r,
			 int *found_r)
{
	void *data;
	size_t len;
	int ret = email_blob_read(acct, blob_id, &data, &len), fd;

	*found_r = ret != 0;
	if (ret <= 0)
		return -1;
	fd = memfd_from_data("tern-part", data, len);
	free(data);
	if (fd >= 0)
		*size_r = len;
	return fd;
}

int email_blob_write(struct store_account *acct, const void *data, size_t len,
		     char blob_id_r[STORE_BLOB_ID_LEN + 1], const char **error_r)
{
	struct store_blob_writer *w;
	uint64_t size;

	if (store_blob_write_begin(acct, &w, error_r) < 0)
		return -1;
	if (store_blob_write(w, data, len, error_r) < 0) {
		store_blob_write_abort(&w);
		return -1;
	}
	return store_blob_write_finish(&w, blob_id_r, &size, error_r);
}
