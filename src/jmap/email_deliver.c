/* Email/deliver (urn:tern:mail, for in-process callers only): Email/import
 * with each message given as its bytes ("message") rather than as the
 * blobId of an upload. The blob and the Email are written in the
 * method's one write transaction, so that one commit makes both
 * durable: local delivery (the SMTP gateway) would otherwise wait for
 * an upload's commit, then for the import's. An upload would also count
 * against the recipient's maxConcurrentUpload, which mail arriving for
 * them must not.
 *
 *   emails: { cid: { message: String (the raw octets), mailboxIds,
 *                    receivedAt (UTCDate, optional) } }
 *
 * answers as Email/import does (created, notCreated by cid); a message
 * longer than maxSizeUpload is "tooLarge". Its prepare hook writes each
 * blob file and parses each message before the transaction, so that
 * deliveries into one account do that side by side and only take turns
 * to store. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/std_private.h"

/* Bounds what one call holds parsed at once; the rest is parsed in the
 * transaction. */
#define DELIVER_PREPARE_MAX_BYTES (64u * 1024 * 1024)

static const char *const deliver_known_args[] = { "accountId", "emails", NULL };
static const char *const deliver_known_props[] = { "message", "mailboxIds", "receivedAt",
						    NULL };

/* ---- the prepare hook ---- */

struct deliver_prepared_one {
	struct store_blob_writer *writer;	/* the staged blob, or NULL */
	bool parsed_set;
	struct email_parsed parsed;
};

static void deliver_prepared_clear(void *ptr)
{
	struct deliver_prepared_one *item = ptr;

	store_blob_write_abort(&item->writer);
	if (item->parsed_set)
		email_parsed_clear(&item->parsed);
}

/* The message of obj, if it is one the handler would take. */
static bool deliver_message_of(struct jmap_call *call, json_object *obj, const char **raw_r,
			       size_t *len_r)
{
	json_object *value;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "message", &value) ||
	    !json_object_is_type(value, json_type_string))
		return false;
	*raw_r = json_object_get_string(value);
	*len_r = (size_t)json_object_get_string_len(value);
	return *len_r <= (uint64_t)call->req->srv->limits.max_size_upload;
}

static void deliver_prepare_one(struct jmap_call *call, json_object *obj, void *ptr,
				size_t *budget)
{
	struct deliver_prepared_one *item = ptr;
	const char *raw, *error;
	size_t len;

	if (!deliver_message_of(call, obj, &raw, &len) || len > *budget)
		return;
	if (store_blob_write_begin(call->acct, &item->writer, &error) < 0)
		return;
	if (store_blob_write(item->writer, raw, len, &error) < 0 ||
	    store_blob_write_close(item->writer, &error) < 0) {
		store_blob_write_abort(&item->writer);
		return;
	}
	*budget -= len;
	email_parsed_init(&item->parsed, raw, len);
	item->parsed_set = true;
}

void email_deliver_prepare(struct jmap_call *call)
{
	email_prepare_each(call, sizeof(struct deliver_prepared_one), DELIVER_PREPARE_MAX_BYTES,
			   deliver_prepare_one, deliver_prepared_clear);
}

/* The prepared item of cid, if the hook staged it: taken over. */
static struct deliver_prepared_one *deliver_prepared_take(struct jmap_call *call, const char *cid)
{
	struct deliver_prepared_one *item = email_prepared_next(call, cid);

	return item != NULL && item->writer != NULL ? item : NULL;
}

/* ---- one message ---- */

struct deliver_one {
	const char *raw;
	size_t len;
	uint64_t *mailbox_ids;
	size_t mailbox_count;
	time_t received_at;
	char blob_id[STORE_BLOB_ID_LEN + 1];
};

/* Checks one item. 0, or -1 with *error_r (a SetError, or NULL after a
 * method error). */
static int deliver_read(struct jmap_call *call, json_object *obj, struct deliver_one *one,
			json_object **error_r)
{
	json_object *received = json_object_object_get(obj, "receivedAt");
	bool failed;

	*error_r = NULL;
	if (!json_object_is_type(obj, json_type_object)) {
		*error_r = jmap_set_error("invalidProperties", "An item must be an object", NULL);
		return -1;
	}
	if ((*error_r = email_unknown_props(obj, deliver_known_props, "Unknown property")) != NULL)
		return -1;
	if (!json_object_is_type(json_object_object_get(obj, "message"), json_type_string)) {
		*error_r = jmap_prop_error("message", "message must be a String");
		return -1;
	}
	if (!deliver_message_of(call, obj, &one->raw, &one->len)) {
		*error_r = jmap_set_error("tooLarge", "The message is larger than maxSizeUpload",
					  NULL);
		return -1;
	}
	if (received != NULL && (!json_object_is_type(received, json_type_string) ||
				 time_parse_utc(json_object_get_string(received), &one->received_at) < 0)) {
		*error_r = jmap_prop_error("receivedAt", "receivedAt must be a UTCDate");
		return -1;
	}
	*error_r = email_mailboxes_parse(call, json_object_object_get(obj, "mailboxIds"),
					 &one->mailbox_ids, &one->mailbox_count, &failed);
	return *error_r != NULL || failed ? -1 : 0;
}

/* The blob, placed in this transaction (its file is synced at the
 * commit), then the Email. */
static int deliver_store(struct jmap_call *call, struct email_quota *quota, const char *cid,
			 struct deliver_one *one, json_object **created_r, json_object **error_r)
{
	struct deliver_prepared_one *item = deliver_prepared_take(call, cid);
	struct email_new in = { one->blob_id, one->raw, one->len, one->mailbox_ids,
				one->mailbox_count, NULL, 0, one->received_at };
	const char *error;
	uint64_t size;
	int ret;

	ret = item != NULL ?
	      store_blob_write_finish(&item->writer, one->blob_id, &size, &error) :
	      email_blob_write(call->acct, one->raw, one->len, one->blob_id, &error);
	if (ret < 0) {
		*error_r = NULL;
		return jmap_call_error(call, "serverFail", "deliver: %s", error);
	}
	if (item != NULL && item->parsed_set)
		return email_new_store_parsed(call, quota, &in, &item->parsed, created_r, error_r);
	return email_new_store(call, quota, &in, created_r, error_r);
}

/* One item into created or notCreated; -1 fails the method. */
static int deliver_one(struct jmap_call *call, struct email_quota *quota, const char *cid,
		       json_object *obj, json_object *created, json_object *not_created)
{
	struct deliver_one one = { .received_at = 0 };
	json_object *result = NULL, *error = NULL;
	int ret = deliver_read(call, obj, &one, &error);

	if (ret == 0)
		ret = deliver_store(call, quota, cid, &one, &result, &error);
	free(one.mailbox_ids);
	if (ret == 0) {
		jmap_created_id_add(call, cid, json_object_get_string(json_object_object_get(result, "id")));
		json_object_object_add(created, cid, result);
		return 0;
	}
	if (error == NULL)
		return -1;
	json_object_object_add(not_created, cid, error);
	return 0;
}

/* ---- the method ---- */

static int deliver_args(struct jmap_call *call, json_object **emails_r)
{
	if (jmap_args_check(call, deliver_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "emails", json_type_object, emails_r) < 0)
		return -1;
	if (*emails_r == NULL)
		return jmap_call_error(call, "invalidArguments", "emails is required");
	if (json_object_object_length(*emails_r) > call->req->srv->limits.max_objects_in_set)
		return jmap_call_error(call, "requestTooLarge", "More emails than maxObjectsInSet");
	json_object_object_foreach(*emails_r, cid, obj) {
		(void)obj;
		if (!jmap_id_valid(cid))
			return jmap_call_error(call, "invalidArguments", "emails needs Id keys");
	}
	return 0;
}

int jmap_email_deliver(struct jmap_call *call)
{
	json_object *emails;
	char old_state[24];

	if (deliver_args(call, &emails) < 0)
		return -1;
	jmap_state_format(store_type_state(call->acct, STORE_TYPE_EMAIL), old_state);
	return email_import_run(call, emails, old_state, deliver_one);
}
