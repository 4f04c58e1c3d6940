/* The EmailSubmission/set method (RFC 8621 §7.5): the standard /set
 * over the hooks of email_submission_set.c, then the one implicit
 * Email/set that onSuccessUpdateEmail and onSuccessDestroyEmail ask
 * for, then the outbound queue.
 *
 * The implicit Email/set runs Email/set's own handler on a call that
 * shares this one's request, account and write transaction: its changes
 * commit with the submissions or not at all, and its response follows
 * this one's (jmap_call.extra_responses). Should it fail as a method,
 * so does this call, and nothing of either is kept.
 *
 * The queue rows are written last, in one system transaction, once all
 * else succeeded, just before the account transaction commits. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/email.h"
#include "jmap/email_submission.h"

struct finish_email_set {
	json_object *update;	/* email id -> PatchObject */
	json_object *destroy;	/* email ids */
};

static uint64_t finish_email_of_submission(struct jmap_call *call, const char *id)
{
	struct store_submission s;
	uint64_t n, email_id = 0;

	if (jmap_id_parse(SUBMISSION_ID_PREFIX, id, &n) == 0 &&
	    store_submission_get(call->acct, n, &s) > 0) {
		email_id = s.email_id;
		store_submission_clear(&s);
	}
	return email_id;
}

/* Submissions the /set may destroy are read first: submission id ->
 * email id, for the keys that are not creation references. */
static json_object *finish_read_before(struct jmap_call *call)
{
	json_object *update = json_object_object_get(call->args, "onSuccessUpdateEmail");
	json_object *destroy = json_object_object_get(call->args, "onSuccessDestroyEmail");
	json_object *before = json_object_new_object();
	size_t n = json_object_is_type(destroy, json_type_array) ?
		   json_object_array_length(destroy) : 0;

	if (json_object_is_type(update, json_type_object)) {
		json_object_object_foreach(update, key, value) {
			(void)value;
			json_object_object_add(before, key, json_object_new_int64(
				(int64_t)finish_email_of_submission(call, key)));
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = json_object_get_string(json_object_array_get_idx(destroy, i));

		if (key != NULL)
			json_object_object_add(before, key, json_object_new_int64(
				(int64_t)finish_email_of_submission(call, key)));
	}
	return before;
}

static bool finish_array_has(json_object *array, const char *s)
{
	size_t n = json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(array, i)), s) == 0)
			return true;
	}
	return false;
}

/* The email of the submission key names if its create, update or
 * destroy succeeded: "#creation" or an id. 0 if none. */
static uint64_t finish_email_of(struct jmap_call *call, json_object *before, const char *key)
{
	json_object *resp = call->response, *created, *updated, *value;

	if (key[0] == '#') {
		created = json_object_object_get(resp, "created");
		if (!json_object_object_get_ex(created, key + 1, &value))
			return 0;
		return finish_email_of_submission(call,
			json_object_get_string(json_object_object_get(value, "id")));
	}
	updated = json_object_object_get(resp, "updated");
	if (!json_object_object_get_ex(updated, key, NULL) &&
	    !finish_array_has(json_object_object_get(resp, "destroyed"), key))
		return 0;
	return (uint64_t)json_object_get_int64(json_object_object_get(before, key));
}

static void finish_collect(struct jmap_call *call, json_object *before,
			   struct finish_email_set *set)
{
	json_object *update = json_object_object_get(call->args, "onSuccessUpdateEmail");
	json_object *destroy = json_object_object_get(call->args, "onSuccessDestroyEmail");
	size_t n = json_object_is_type(destroy, json_type_array) ?
		   json_object_array_length(destroy) : 0;
	char id[24];

	if (json_object_is_type(update, json_type_object)) {
		json_object_object_foreach(update, key, patch) {
			uint64_t email_id = finish_email_of(call, before, key);

			if (email_id == 0)
				continue;
			jmap_id_format(EMAIL_ID_PREFIX, email_id, id);
			json_object_object_add(set->update, id, json_object_get(patch));
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = json_object_get_string(json_object_array_get_idx(destroy, i));
		uint64_t email_id = key != NULL ? finish_email_of(call, before, key) : 0;

		jmap_id_format(EMAIL_ID_PREFIX, email_id, id);
		if (email_id != 0 && !finish_array_has(set->destroy, id))
			json_object_array_add(set->destroy, json_object_new_string(id));
	}
}

static json_object *finish_email_set_args(struct jmap_call *call,
					  const struct finish_email_set *set)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "accountId",
			       json_object_get(json_object_object_get(call->args, "accountId")));
	if (json_object_object_length(set->update) > 0)
		json_object_object_add(args, "update", json_object_get(set->update));
	if (json_object_array_length(set->destroy) > 0)
		json_object_object_add(args, "destroy", json_object_get(set->destroy));
	return args;
}

static void finish_add_response(struct jmap_call *call, const char *name, json_object *args)
{
	json_object *resp = json_object_new_array_ext(2);

	json_object_array_add(resp, json_object_new_string(name));
	json_object_array_add(resp, args);
	if (call->extra_responses == NULL)
		call->extra_responses = json_object_new_array();
	json_object_array_add(call->extra_responses, resp);
}

/* Runs Email/set's handler in this call's transaction. A method error
 * there becomes this call's. */
static int finish_email_set_run(struct jmap_call *call, const struct finish_email_set *set)
{
	const struct jmap_method *def = jmap_method_find("Email/set");
	struct jmap_call nested = {
		.req = call->req, .method = "Email/set", .call_id = call->call_id,
		.def = def, .account_id = call->account_id, .acct = call->acct,
	};
	int ret;

	if (def == NULL)
		return jmap_call_error(call, "serverFail", "Email/set is not available");
	nested.args = finish_email_set_args(call, set);
	ret = def->fn(&nested);
	if (ret < 0 || nested.error != NULL) {
		json_object_put(call->error);
		call->error = nested.error != NULL ? json_object_get(nested.error) :
			      NULL;
		if (call->error == NULL)
			jmap_call_error(call, "serverFail", "the implicit Email/set failed");
		ret = -1;
	} else {
		call->changed_types |= nested.changed_types;
		finish_add_response(call, "Email/set", json_object_get(nested.response));
	}
	json_object_put(nested.args);
	json_object_put(nested.response);
	json_object_put(nested.error);
	json_object_put(nested.extra_responses);
	return ret;
}

static int finish_email_set(struct jmap_call *call, json_object *before)
{
	struct finish_email_set set = { json_object_new_object(), json_object_new_array() };
	int ret = 0;

	finish_collect(call, before, &set);
	if (json_object_object_length(set.update) > 0 || json_object_array_length(set.destroy) > 0)
		ret = finish_email_set_run(call, &set);
	json_object_put(set.update);
	json_object_put(set.destroy);
	return ret;
}

/* ---- the outbound queue ---- */

static char *finish_params_dup(json_object *addr)
{
	json_object *params = json_object_object_get(addr, "parameters");

	return params != NULL ?
	       xstrdup(json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN)) : NULL;
}

static void finish_queue_rcpts(json_object *rcpts, struct store_queue_entry *e)
{
	size_t n = json_object_array_length(rcpts);

	e->rcpts = xcalloc(n + 1, sizeof(*e->rcpts));
	for (size_t i = 0; i < n; i++) {
		json_object *addr = json_object_array_get_idx(rcpts, i);
		struct store_queue_rcpt *r = &e->rcpts[e->rcpt_count++];

		r->address = xstrdup(json_object_get_string(json_object_object_get(addr, "email")));
		r->parameters = finish_params_dup(addr);
		r->status = xstrdup("queued");
		r->smtp_reply = xstrdup(SUBMISSION_QUEUED_REPLY);
	}
}

/* The queue row of a submission stored by this call. */
static int finish_queue_entry(struct jmap_call *call, const struct store_submission *s,
			      struct store_queue_entry *e)
{
	json_object *env = json_tokener_parse(s->envelope);
	json_object *mail_from = json_object_object_get(env, "mailFrom");

	if (!json_object_is_type(json_object_object_get(mail_from, "email"), json_type_string) ||
	    !json_object_is_type(json_object_object_get(env, "rcptTo"), json_type_array) ||
	    store_blob_stat(call->acct, s->blob_id, &e->size) <= 0) {
		json_object_put(env);
		return jmap_call_error(call, "serverFail", "submission %llu cannot be queued",
				       (unsigned long long)s->id);
	}
	e->account_id = call->account_id;
	e->submission_id = s->id;
	memcpy(e->blob_id, s->blob_id, sizeof(e->blob_id));
	e->mail_from = xstrdup(json_object_get_string(json_object_object_get(mail_from, "email")));
	e->mail_from_parameters = finish_params_dup(mail_from);
	finish_queue_rcpts(json_object_object_get(env, "rcptTo"), e);
	e->next_attempt_at = s->send_at;
	e->created_at = (int64_t)time(NULL);
	json_object_put(env);
	return 0;
}

static int finish_queue_one(struct jmap_call *call, const char *id, struct store_queue_entry *e)
{
	struct store_submission s;
	uint64_t n;
	int ret;

	if (jmap_id_parse(SUBMISSION_ID_PREFIX, id, &n) < 0 ||
	    store_submission_get(call->acct, n, &s) <= 0)
		return jmap_call_error(call, "serverFail", "submission %s vanished", id);
	ret = finish_queue_entry(call, &s, e);
	store_submission_clear(&s);
	return ret;
}

static int finish_queue(struct jmap_call *call)
{
	json_object *created = json_object_object_get(call->response, "created");
	size_t cap = created != NULL ? (size_t)json_object_object_length(created) : 0, count = 0;
	struct store_queue_entry *entries;
	const char *error;
	int ret = 0;

	if (cap == 0)
		return 0;
	entries = xcalloc(cap, sizeof(*entries));
	json_object_object_foreach(created, cid, obj) {
		(void)cid;
		if (ret == 0)
			ret = finish_queue_one(call, json_object_get_string(
				json_object_object_get(obj, "id")), &entries[count++]);
	}
	if (ret == 0 && store_queue_add(call->req->srv->store, entries, count, &error) < 0)
		ret = jmap_call_error(call, "serverFail", "queue: %s", error);
	for (size_t i = 0; i < count; i++) {
		if (ret == 0)
			log_info("jmap.submission_queued", "account=%u submission=%llu rcpts=%zu",
				 call->account_id, (unsigned long long)entries[i].submission_id,
				 entries[i].rcpt_count);
		store_queue_entry_clear(&entries[i]);
	}
	free(entries);
	return ret;
}

/* The onSuccess arguments must be fit for Email/set before anything
 * changes: PatchObjects and Ids. */
static int finish_args_check(struct jmap_call *call)
{
	json_object *update = json_object_object_get(call->args, "onSuccessUpdateEmail");
	json_object *destroy = json_object_object_get(call->args, "onSuccessDestroyEmail");
	size_t n = json_object_is_type(destroy, json_type_array) ?
		   json_object_array_length(destroy) : 0;

	if (json_object_is_type(update, json_type_object)) {
		json_object_object_foreach(update, key, patch) {
			(void)key;
			if (!json_object_is_type(patch, json_type_object))
				return jmap_call_error(call, "invalidArguments",
						       "onSuccessUpdateEmail values must be PatchObjects");
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(destroy, i), json_type_string))
			return jmap_call_error(call, "invalidArguments",
					       "onSuccessDestroyEmail must be Ids");
	}
	return 0;
}

int jmap_submission_set(struct jmap_call *call)
{
	json_object *before;
	int ret;

	if (finish_args_check(call) < 0)
		return -1;
	before = finish_read_before(call);
	ret = jmap_std_set(call);

	if (ret == 0)
		ret = finish_email_set(call, before);
	if (ret == 0)
		ret = finish_queue(call);
	json_object_put(before);
	return ret;
}
