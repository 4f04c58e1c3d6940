/* The Blob methods (RFC 9404): the type, the account capability,
 * Blob/lookup, and reading ranges of blobs (the account's own, and the
 * parts of emails, "<blobId>_<partId>"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "jmap/blob_methods.h"
#include "jmap/email.h"
#include "jmap/mailbox.h"
#include "jmap/std_private.h"

static const char *const blob_type_names[] = { "Mailbox", "Thread", "Email", NULL };
static const char *const blob_digests[] = { "sha", "sha-256", NULL };

uint64_t blob_max_size_set(const struct jmap_server *srv)
{
	return (uint64_t)srv->limits.max_size_upload;
}

int blob_size(struct store_account *acct, const char *blob_id, uint64_t *size_r)
{
	void *data;
	size_t len;
	int ret;

	if (!email_blob_id_is_part(blob_id))
		return store_blob_stat(acct, blob_id, size_r);
	if ((ret = email_blob_read(acct, blob_id, &data, &len)) > 0) {
		*size_r = len;
		free(data);
	}
	return ret;
}

static int blob_pread_all(int fd, char *buf, size_t len, uint64_t offset)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static int blob_read_plain(struct store_account *acct, const char *blob_id, uint64_t offset,
			   size_t len, void **data_r)
{
	char *buf;
	int found, fd = store_blob_open(acct, blob_id, &found);

	if (fd < 0)
		return found ? -1 : 0;
	buf = xmalloc(len + 1);
	if (blob_pread_all(fd, buf, len, offset) < 0) {
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	*data_r = buf;
	return 1;
}

int blob_read_range(struct store_account *acct, const char *blob_id, uint64_t offset,
		    size_t len, void **data_r)
{
	char *whole, *part;
	size_t whole_len;
	int ret;

	if (!email_blob_id_is_part(blob_id))
		return blob_read_plain(acct, blob_id, offset, len, data_r);
	if ((ret = email_blob_read(acct, blob_id, (void **)&whole, &whole_len)) <= 0)
		return ret;
	if (offset > whole_len || len > whole_len - offset) {
		free(whole);
		return -1;
	}
	part = xmalloc(len + 1);
	memcpy(part, whole + offset, len);
	free(whole);
	*data_r = part;
	return 1;
}

/* ---- Blob/lookup ---- */

static const char *const lookup_known_args[] = { "accountId", "typeNames", "ids", NULL };

static bool lookup_type_known(const char *name)
{
	for (size_t i = 0; blob_type_names[i] != NULL; i++) {
		if (strcmp(blob_type_names[i], name) == 0)
			return true;
	}
	return false;
}

static int lookup_args(struct jmap_call *call, json_object **types_r, json_object **ids_r)
{
	size_t n;

	if (jmap_args_check(call, lookup_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "typeNames", json_type_array, types_r) < 0 ||
	    jmap_arg_get(call, "ids", json_type_array, ids_r) < 0)
		return -1;
	if (*types_r == NULL || *ids_r == NULL)
		return jmap_call_error(call, "invalidArguments", "typeNames and ids are required");
	if ((int64_t)json_object_array_length(*ids_r) > call->req->srv->limits.max_objects_in_get)
		return jmap_call_error(call, "requestTooLarge", "More ids than maxObjectsInGet");
	n = json_object_array_length(*types_r);
	for (size_t i = 0; i < n; i++) {
		json_object *name = json_object_array_get_idx(*types_r, i);

		if (!json_object_is_type(name, json_type_string))
			return jmap_call_error(call, "invalidArguments", "typeNames must be Strings");
		if (!lookup_type_known(json_object_get_string(name)))
			return jmap_call_error(call, "unknownDataType", "Unknown type %s",
					       json_object_get_string(name));
	}
	for (size_t i = 0; i < json_object_array_length(*ids_r); i++) {
		if (!json_object_is_type(json_object_array_get_idx(*ids_r, i), json_type_string))
			return jmap_call_error(call, "invalidArguments", "ids must be Strings");
	}
	return 0;
}

static json_object *lookup_ids(char prefix, const uint64_t *ids, size_t count)
{
	json_object *list = json_object_new_array();
	char id[24];

	for (size_t i = 0; i < count; i++) {
		jmap_id_format(prefix, ids[i], id);
		json_object_array_add(list, json_object_new_string(id));
	}
	return list;
}

static json_object *lookup_matched(json_object *types, const struct store_blob_refs *refs)
{
	json_object *matched = json_object_new_object();
	size_t n = json_object_array_length(types);

	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(types, i));
		json_object *ids;

		if (strcmp(name, "Mailbox") == 0)
			ids = lookup_ids(MAILBOX_ID_PREFIX, refs->mailbox_ids, refs->mailbox_count);
		else if (strcmp(name, "Thread") == 0)
			ids = lookup_ids(THREAD_ID_PREFIX, refs->thread_ids, refs->thread_count);
		else
			ids = lookup_ids(EMAIL_ID_PREFIX, refs->email_ids, refs->email_count);
		json_object_object_add(matched, name, ids);
	}
	return matched;
}

/* A part of an email is referred to by what refers to the email. An id
 * that names no blob gets empty lists, like a blob of someone else
 * (RFC 9404 §4.3: the answer must not tell them apart). */
static int lookup_one(struct jmap_call *call, json_object *types, const char *given,
		      json_object *list)
{
	const char *id = jmap_id_resolve(call, given);
	struct store_blob_refs refs = { 0 };
	char base[STORE_BLOB_ID_LEN + 1];
	json_object *item;
	const char *error;

	snprintf(base, sizeof(base), "%s", id != NULL ? id : "");
	if (id != NULL && strlen(id) >= STORE_BLOB_ID_LEN &&
	    (id[STORE_BLOB_ID_LEN] == '\0' || id[STORE_BLOB_ID_LEN] == '_') &&
	    store_blob_refs(call->acct, base, &refs, &error) < 0)
		return jmap_call_error(call, "serverFail", "blob lookup: %s", error);
	item = json_object_new_object();
	json_object_object_add(item, "id", json_object_new_string(id != NULL ? id : given));
	json_object_object_add(item, "matchedIds", lookup_matched(types, &refs));
	json_object_array_add(list, item);
	store_blob_refs_clear(&refs);
	return 0;
}

static int jmap_blob_lookup(struct jmap_call *call)
{
	json_object *types, *ids, *list;
	size_t n;

	if (lookup_args(call, &types, &ids) < 0)
		return -1;
	list = json_object_new_array();
	n = json_object_array_length(ids);
	for (size_t i = 0; i < n; i++) {
		if (lookup_one(call, types, json_object_get_string(json_object_array_get_idx(ids, i)),
			       list) < 0) {
			json_object_put(list);
			return -1;
		}
	}
	call->response = jmap_std_response(call);
	json_object_object_add(call->response, "list", list);
	json_object_object_add(call->response, "notFound", json_object_new_array());
	return 0;
}

/* ---- the type and the capability ---- */

static json_object *blob_string_array(const char *const *items)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; items[i] != NULL; i++)
		json_object_array_add(array, json_object_new_string(items[i]));
	return array;
}

json_object *jmap_blob_account_capability(const struct jmap_server *srv, uint32_t account_id)
{
	json_object *cap = json_object_new_object();

	(void)account_id;
	json_object_object_add(cap, "maxSizeBlobSet",
			       json_object_new_int64((int64_t)blob_max_size_set(srv)));
	json_object_object_add(cap, "maxDataSources", json_object_new_int64(BLOB_MAX_DATA_SOURCES));
	json_object_object_add(cap, "supportedTypeNames", blob_string_array(blob_type_names));
	json_object_object_add(cap, "supportedDigestAlgorithms", blob_string_array(blob_digests));
	return cap;
}

static const struct jmap_method blob_methods[] = {
	{ "Blob/upload", JMAP_CAP_BLOB, jmap_blob_upload, NULL,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, blob_upload_prepare },
	{ "Blob/get", JMAP_CAP_BLOB, jmap_blob_get, NULL, JMAP_METHOD_ACCOUNT, NULL },
	{ "Blob/lookup", JMAP_CAP_BLOB, jmap_blob_lookup, NULL, JMAP_METHOD_ACCOUNT, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

const struct jmap_type jmap_blob_type = {
	.name = "Blob",
	.capability = JMAP_CAP_BLOB,
	.methods = blob_methods,
};
