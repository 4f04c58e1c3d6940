/* Blob upload and download (RFC 8620 §6) over the store's blob files. */
#include <stdlib.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/email.h"
#include "jmap/inflight.h"
#include "jmap/problem.h"

#define BLOB_DEFAULT_TYPE "application/octet-stream"

struct jmap_upload {
	struct jmap_server *srv;
	uint32_t principal_id;
	uint32_t account_id;
	char *type;
	struct store_account *acct;
	struct store_blob_writer *writer;
	uint64_t size;
	bool too_large;
	bool failed;
};

/* The user's own account only: 404 for an id that names no account,
 * 403 for someone else's. */
static int blob_account(struct jmap_server *srv, const struct directory_identity *user,
			const char *account_id, uint32_t *id_r, int *status_r)
{
	struct store_principal *p = NULL;
	uint32_t id;

	if (user->is_admin) {
		*status_r = 403;
		return -1;
	}
	if (account_id == NULL || jmap_account_id_parse(account_id, &id) < 0) {
		*status_r = 404;
		return -1;
	}
	if (id != user->account_id) {
		*status_r = store_principal_get_by_id(srv->store, id, &p) > 0 ? 403 : 404;
		store_principal_free(&p);
		return -1;
	}
	*id_r = id;
	return 0;
}

static json_object *blob_status_problem(int status)
{
	const char *detail = status == 403 ? "No access to this account" :
			     status == 404 ? "No such account" : "An internal error occurred";

	return jmap_problem(JMAP_PROBLEM_BLANK, status, NULL, detail);
}

static json_object *blob_too_large(void)
{
	return jmap_problem(JMAP_PROBLEM_LIMIT, 413, "maxSizeUpload",
			    "The upload is larger than maxSizeUpload");
}

static void blob_upload_free(struct jmap_upload **upp)
{
	struct jmap_upload *up = *upp;

	*upp = NULL;
	store_blob_write_abort(&up->writer);
	if (up->acct != NULL)
		store_account_release(&up->acct);
	jmap_inflight_release(up->srv, up->principal_id, JMAP_INFLIGHT_UPLOAD);
	free(up->type);
	free(up);
}

/* Opens the account and the blob writer; 500 on a store failure. */
static int blob_upload_open(struct jmap_upload *up, int *status_r)
{
	const char *error;

	if (store_account_open(up->srv->store, up->account_id, &up->acct, &error) < 0 ||
	    store_blob_write_begin(up->acct, &up->writer, &error) < 0) {
		log_error("jmap.upload", "account=%u error=%s", up->account_id, log_q(error));
		*status_r = 500;
		return -1;
	}
	return 0;
}

struct jmap_upload *jmap_upload_begin(struct jmap_server *srv, const struct directory_identity *user,
				      const char *account_id, const char *content_type,
				      uint64_t declared_size, int *http_status_r,
				      json_object **problem_r)
{
	struct jmap_upload *up;
	uint32_t id;

	*problem_r = NULL;
	if (blob_account(srv, user, account_id, &id, http_status_r) < 0) {
		*problem_r = blob_status_problem(*http_status_r);
		return NULL;
	}
	if (declared_size > (uint64_t)srv->limits.max_size_upload) {
		*http_status_r = 413;
		*problem_r = blob_too_large();
		return NULL;
	}
	if (!jmap_inflight_acquire(srv, user->principal_id, JMAP_INFLIGHT_UPLOAD,
				   srv->limits.max_concurrent_upload)) {
		*http_status_r = 400;
		*problem_r = jmap_problem(JMAP_PROBLEM_LIMIT, 400, "maxConcurrentUpload",
					  "Too many uploads of this user are in progress");
		return NULL;
	}
	up = xcalloc(1, sizeof(*up));
	up->srv = srv;
	up->principal_id = user->principal_id;
	up->account_id = id;
	up->type = xstrdup(content_type != NULL && *content_type != '\0' ? content_type :
			   BLOB_DEFAULT_TYPE);
	if (blob_upload_open(up, http_status_r) < 0) {
		*problem_r = blob_status_problem(*http_status_r);
		blob_upload_free(&up);
		return NULL;
	}
	*http_status_r = 201;
	return up;
}

int jmap_upload_write(struct jmap_upload *up, const void *data, size_t len)
{
	const char *error;

	if (up->too_large || up->failed)
		return -1;
	if (len > (uint64_t)up->srv->limits.max_size_upload - up->size) {
		up->too_large = true;
		return -1;
	}
	up->size += len;
	if (store_blob_write(up->writer, data, len, &error) < 0) {
		log_error("jmap.upload", "account=%u error=%s", up->account_id, log_q(error));
		up->failed = true;
		return -1;
	}
	return 0;
}

static json_object *blob_upload_response(const struct jmap_upload *up, const char *blob_id,
					 uint64_t size)
{
	json_object *resp = json_object_new_object();
	char account_id[16];

	jmap_account_id_format(up->account_id, account_id);
	json_object_object_add(resp, "accountId", json_object_new_string(account_id));
	json_object_object_add(resp, "blobId", json_object_new_string(blob_id));
	json_object_object_add(resp, "type", json_object_new_string(up->type));
	json_object_object_add(resp, "size", json_object_new_int64((int64_t)size));
	return resp;
}

json_object *jmap_upload_finish(struct jmap_upload **upp, int *http_status_r)
{
	struct jmap_upload *up = *upp;
	char blob_id[STORE_BLOB_ID_LEN + 1];
	json_object *resp;
	const char *error;
	uint64_t size;

	if (up->too_large) {
		*http_status_r = 413;
		resp = blob_too_large();
	} else if (up->failed ||
		   store_blob_write_finish(&up->writer, blob_id, &size, &error) < 0) {
		if (!up->failed)
			log_error("jmap.upload", "account=%u error=%s", up->account_id,
				  log_q(error));
		*http_status_r = 500;
		resp = blob_status_problem(500);
	} else {
		*http_status_r = 201;
		resp = blob_upload_response(up, blob_id, size);
		log_info("jmap.upload", "account=%u blob=%s size=%llu", up->account_id, blob_id,
			 (unsigned long long)size);
	}
	blob_upload_free(upp);
	return resp;
}

void jmap_upload_abort(struct jmap_upload **up)
{
	if (*up != NULL)
		blob_upload_free(up);
}

int jmap_download_open(struct jmap_server *srv, const struct directory_identity *user,
		       const char *account_id, const char *blob_id, uint64_t *size_r,
		       int *http_status_r)
{
	struct store_account *acct;
	const char *error;
	uint32_t id;
	int ret, fd = -1, found = 0;

	if (blob_account(srv, user, account_id, &id, http_status_r) < 0)
		return -1;
	if (store_account_open(srv->store, id, &acct, &error) < 0) {
		log_error("jmap.download", "account=%u error=%s", id, log_q(error));
		*http_status_r = 500;
		return -1;
	}
	if (email_blob_id_is_part(blob_id)) {
		/* a part of a message (RFC 8621 §4.1.4), decoded */
		fd = email_part_blob_open(acct, blob_id, size_r, &found);
		ret = found;
	} else {
		ret = store_blob_stat(acct, blob_id, size_r);
		if (ret > 0)
			fd = store_blob_open(acct, blob_id, &found);
	}
	store_account_release(&acct);
	if (fd < 0)
		*http_status_r = ret == 0 || (ret > 0 && found == 0) ? 404 : 500;
	else
		*http_status_r = 200;
	return fd;
}
