/* EmailSubmission/set (RFC 8621 §7.5): the create, update (cancel) and
 * destroy hooks. What follows them (the implicit Email/set, the queue)
 * is in email_submission_finish.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/email.h"
#include "jmap/email_submission.h"
#include "store/store_mail.h"

/* A method-level failure inside a hook: no SetError. */
static int submission_fail(struct jmap_call *call, json_object **error_r, const char *what,
			   const char *error)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s: %s", what, error);
}

/* An Id property of the create object (creation references resolved)
 * as prefix + number: 0 and *n_r, or -1. */
static int submission_id_arg(struct jmap_call *call, json_object *obj, const char *name,
			     char prefix, uint64_t *n_r)
{
	json_object *value = json_object_object_get(obj, name);
	const char *id;

	if (!json_object_is_type(value, json_type_string))
		return -1;
	id = jmap_id_resolve(call, json_object_get_string(value));
	return id != NULL && jmap_id_parse(prefix, id, n_r) == 0 ? 0 : -1;
}

/* What a create has found before it checks the envelope. */
struct submission_new {
	struct store_identity identity;
	struct store_email email;
	struct store_principal *principal;
	json_object *model;
};

static void submission_new_clear(struct submission_new *n)
{
	store_identity_clear(&n->identity);
	store_email_clear(&n->email);
	store_principal_free(&n->principal);
	json_object_put(n->model);
}

static int submission_find_identity(struct jmap_call *call, json_object *obj,
				    struct submission_new *n, json_object **error_r)
{
	uint64_t id;
	int ret;

	if (submission_id_arg(call, obj, "identityId", IDENTITY_ID_PREFIX, &id) < 0 ||
	    (ret = jmap_identity_find(call, id, &n->identity)) == 0) {
		*error_r = jmap_prop_error("identityId", "No such identity");
		return -1;
	}
	if (ret < 0) {
		*error_r = NULL;
		return -1;
	}
	return 0;
}

static int submission_find_email(struct jmap_call *call, json_object *obj,
				 struct submission_new *n, json_object **error_r)
{
	uint64_t id;
	int ret;

	if (submission_id_arg(call, obj, "emailId", EMAIL_ID_PREFIX, &id) < 0 ||
	    (ret = store_email_get(call->acct, id, STORE_EMAIL_WITH_MODEL, &n->email)) == 0) {
		*error_r = jmap_prop_error("emailId", "No such email");
		return -1;
	}
	if (ret < 0)
		return submission_fail(call, error_r, "submission email", "cannot read the email");
	n->model = n->email.model != NULL ? json_tokener_parse(n->email.model) : NULL;
	if (n->model == NULL)
		return submission_fail(call, error_r, "submission email", "no model");
	return 0;
}

/* undoStatus may be given on create, as "pending" only. */
static int submission_check_undo(json_object *obj, json_object **error_r)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, "undoStatus", &value) ||
	    strcmp(json_object_get_string(value), "pending") == 0)
		return 0;
	*error_r = jmap_prop_error("undoStatus", "A new submission is pending");
	return -1;
}

static int submission_new_load(struct jmap_call *call, json_object *obj,
			       struct submission_new *n, json_object **error_r)
{
	if (submission_find_identity(call, obj, n, error_r) < 0 ||
	    submission_find_email(call, obj, n, error_r) < 0 ||
	    submission_check_undo(obj, error_r) < 0)
		return -1;
	if (jmap_account_principal(call, &n->principal) < 0) {
		*error_r = NULL;
		return -1;
	}
	return 0;
}

static char *submission_json_dup(json_object *value)
{
	return xstrdup(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
}

/* Stores the submission and takes the reference on the message that
 * the queue row will own. */
static int submission_store(struct jmap_call *call, const struct submission_new *n,
			    json_object *envelope, struct store_submission *s,
			    json_object **error_r)
{
	json_object *delivery = submission_delivery_queued(envelope);
	const char *error;
	int ret;

	s->identity_id = n->identity.id;
	s->email_id = n->email.id;
	s->thread_id = n->email.thread_id;
	memcpy(s->blob_id, n->email.blob_id, sizeof(s->blob_id));
	s->envelope = submission_json_dup(envelope);
	s->send_at = (int64_t)time(NULL);
	s->undo_status = STORE_UNDO_PENDING;
	s->delivery_status = submission_json_dup(delivery);
	json_object_put(delivery);
	ret = store_submission_create(call->acct, s, &error);
	if (ret == 0)
		ret = store_blob_ref(call->acct, s->blob_id, 1, &error);
	if (ret < 0)
		return submission_fail(call, error_r, "submission create", error);
	call->changed_types |= 1ULL << STORE_TYPE_EMAIL_SUBMISSION;
	return 0;
}

/* The created object carries every property the client did not send. */
static json_object *submission_created_json(const struct store_submission *s, json_object *sent)
{
	json_object *obj = submission_to_json(s);

	json_object_object_foreach(sent, key, value) {
		if (strcmp(key, "envelope") != 0 || value != NULL)
			json_object_object_del(obj, key);
	}
	return obj;
}

int jmap_submission_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			   json_object **created_r, json_object **error_r)
{
	struct submission_new n = { 0 };
	struct store_submission s = { 0 };
	json_object *envelope = NULL;
	int ret = -1;

	(void)creation_id;
	if (submission_new_load(call, obj, &n, error_r) == 0) {
		struct submission_check check = {
			n.principal, n.identity.email, n.model, n.email.size,
			&call->req->srv->limits,
		};

		envelope = submission_envelope(&check, json_object_object_get(obj, "envelope"),
					       error_r);
	}
	if (envelope != NULL && submission_store(call, &n, envelope, &s, error_r) == 0) {
		*created_r = submission_created_json(&s, obj);
		ret = 0;
	}
	json_object_put(envelope);
	store_submission_clear(&s);
	submission_new_clear(&n);
	return ret;
}

static int submission_find(struct jmap_call *call, const char *id, struct store_submission *s,
			   json_object **error_r)
{
	uint64_t n;
	int ret;

	if (jmap_id_parse(SUBMISSION_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_submission_get(call->acct, n, s)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (ret < 0)
		return submission_fail(call, error_r, "submission", "cannot read it");
	return 0;
}

/* pending -> canceled: the queue row goes if no sender holds it, and
 * with it the reference on the message. */
static int submission_cancel(struct jmap_call *call, struct store_submission *s,
			     json_object **error_r)
{
	const char *error;
	bool sending;
	int ret = store_queue_cancel(call->req->srv->store, call->account_id, s->id, &sending,
				     &error);

	if (ret < 0)
		return submission_fail(call, error_r, "submission cancel", error);
	if (sending) {
		*error_r = jmap_set_error("cannotUnsend", "The message is being sent", NULL);
		return -1;
	}
	s->undo_status = STORE_UNDO_CANCELED;
	if (store_submission_update(call->acct, s, &error) < 0 ||
	    store_blob_ref(call->acct, s->blob_id, -1, &error) < 0)
		return submission_fail(call, error_r, "submission cancel", error);
	call->changed_types |= 1ULL << STORE_TYPE_EMAIL_SUBMISSION;
	log_info("jmap.submission_cancel", "account=%u submission=%llu", call->account_id,
		 (unsigned long long)s->id);
	return 0;
}

static int submission_update_undo(struct jmap_call *call, struct store_submission *s,
				  json_object *value, json_object **error_r)
{
	const char *want = json_object_get_string(value);

	if (!json_object_is_type(value, json_type_string) ||
	    (strcmp(want, "canceled") != 0 && strcmp(want, "pending") != 0)) {
		*error_r = jmap_prop_error("undoStatus", "undoStatus can only become canceled");
		return -1;
	}
	if (strcmp(want, "canceled") == 0 && s->undo_status == STORE_UNDO_CANCELED)
		return 0;
	if (strcmp(want, "pending") == 0) {
		if (s->undo_status == STORE_UNDO_PENDING)
			return 0;
		*error_r = jmap_prop_error("undoStatus", "undoStatus can only become canceled");
		return -1;
	}
	if (s->undo_status == STORE_UNDO_FINAL) {
		*error_r = jmap_set_error("cannotUnsend", "The message was sent", NULL);
		return -1;
	}
	return submission_cancel(call, s, error_r);
}

int jmap_submission_update(struct jmap_call *call, const char *id, json_object *patch,
			   json_object **updated_r, json_object **error_r)
{
	struct store_submission s = { 0 };
	json_object *value;
	int ret = 0;

	*updated_r = NULL;
	if (submission_find(call, id, &s, error_r) < 0)
		return -1;
	/* the generic checks left only undoStatus, the one settable property */
	if (json_object_object_get_ex(patch, "undoStatus", &value))
		ret = submission_update_undo(call, &s, value, error_r);
	store_submission_clear(&s);
	return ret;
}

int jmap_submission_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_submission s = { 0 };
	const char *error;
	int ret = submission_find(call, id, &s, error_r);

	if (ret == 0) {
		/* the record goes; a delivery in the queue does not (§7.5) */
		if (store_submission_destroy(call->acct, s.id, &error) < 0)
			ret = submission_fail(call, error_r, "submission destroy", error);
		else
			call->changed_types |= 1ULL << STORE_TYPE_EMAIL_SUBMISSION;
	}
	store_submission_clear(&s);
	return ret;
}
