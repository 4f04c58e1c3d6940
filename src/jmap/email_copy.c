/* Email/copy (RFC 8621 §4.7, RFC 8620 §5.4): copies emails from another
 * account the user can access into this one; only mailboxIds, keywords
 * and receivedAt may differ from the original. The message is copied as
 * a blob of the target account and stored like an import. With
 * onSuccessDestroyOriginal the copies are committed first, then an
 * implicit Email/set destroys the originals. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/std_private.h"

static const char *const copy_known_args[] = {
	"fromAccountId", "ifFromInState", "accountId", "ifInState", "create",
	"onSuccessDestroyOriginal", "destroyFromIfInState", NULL,
};

struct copy_ctx {
	struct jmap_call *call;
	uint32_t from_id;
	struct store_account *from;
	struct email_quota quota;
	json_object *created, *not_created;
	json_object *copied;		/* ids of the originals copied */
};

/* The accounts a user may read: today only the user's own. */
static bool copy_account_accessible(const struct jmap_call *call, uint32_t account_id)
{
	return account_id == call->req->user->account_id;
}

static int copy_state_check(struct jmap_call *call, struct store_account *acct,
			    const char *arg_name)
{
	json_object *want;
	char state[24];

	if (jmap_arg_get(call, arg_name, json_type_string, &want) < 0)
		return -1;
	jmap_state_format(store_type_state(acct, STORE_TYPE_EMAIL), state);
	if (want != NULL && strcmp(json_object_get_string(want), state) != 0)
		return jmap_call_error(call, "stateMismatch", "%s does not match", arg_name);
	return 0;
}

static int copy_from_account(struct copy_ctx *ctx)
{
	struct jmap_call *call = ctx->call;
	json_object *value;
	const char *error;

	if (jmap_arg_get(call, "fromAccountId", json_type_string, &value) < 0)
		return -1;
	if (value == NULL)
		return jmap_call_error(call, "invalidArguments", "fromAccountId is required");
	if (jmap_account_id_parse(json_object_get_string(value), &ctx->from_id) < 0)
		return jmap_call_error(call, "fromAccountNotFound", NULL);
	if (ctx->from_id == call->account_id)
		return jmap_call_error(call, "invalidArguments",
				       "fromAccountId must differ from accountId");
	if (!copy_account_accessible(call, ctx->from_id))
		return jmap_call_error(call, "fromAccountNotFound", NULL);
	if (store_account_open(call->req->srv->store, ctx->from_id, &ctx->from, &error) < 0)
		return jmap_call_error(call, "serverFail", "copy: open %u: %s", ctx->from_id, error);
	if (store_txn_begin(ctx->from, false, &error) < 0) {
		store_account_release(&ctx->from);
		return jmap_call_error(call, "serverFail", "copy: begin: %s", error);
	}
	return copy_state_check(call, ctx->from, "ifFromInState");
}

static int copy_args(struct copy_ctx *ctx, json_object **create_r)
{
	struct jmap_call *call = ctx->call;
	json_object *value;

	if (jmap_args_check(call, copy_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "create", json_type_object, create_r) < 0 ||
	    jmap_arg_get(call, "onSuccessDestroyOriginal", json_type_boolean, &value) < 0 ||
	    jmap_arg_get(call, "destroyFromIfInState", json_type_string, &value) < 0)
		return -1;
	if (*create_r == NULL)
		return jmap_call_error(call, "invalidArguments", "create is required");
	if (json_object_object_length(*create_r) > call->req->srv->limits.max_objects_in_set)
		return jmap_call_error(call, "requestTooLarge", "More objects than maxObjectsInSet");
	json_object_object_foreach(*create_r, cid, obj) {
		if (!jmap_id_valid(cid) || !json_object_is_type(obj, json_type_object))
			return jmap_call_error(call, "invalidArguments",
					       "create needs Id keys and object values");
	}
	if (copy_from_account(ctx) < 0)
		return -1;
	return copy_state_check(call, call->acct, "ifInState");
}

/* Only id, mailboxIds, keywords and receivedAt may be given. */
static json_object *copy_check_props(json_object *obj, time_t *received_r)
{
	json_object *received = json_object_object_get(obj, "receivedAt");

	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (strcmp(key, "id") != 0 && strcmp(key, "mailboxIds") != 0 &&
		    strcmp(key, "keywords") != 0 && strcmp(key, "receivedAt") != 0)
			return jmap_prop_error(key, "Only mailboxIds, keywords and receivedAt may be set");
	}
	if (received != NULL && (!json_object_is_type(received, json_type_string) ||
				 time_parse_utc(json_object_get_string(received), received_r) < 0))
		return jmap_prop_error("receivedAt", "receivedAt must be a UTCDate");
	return NULL;
}

/* The original in the from account: 1, 0 (SetError), -1. */
static int copy_original(struct copy_ctx *ctx, json_object *obj, struct store_email *e_r,
			 json_object **error_r)
{
	uint64_t n;
	int ret;

	if (jmap_id_parse(EMAIL_ID_PREFIX, json_object_get_string(json_object_object_get(obj, "id")),
			  &n) < 0)
		ret = 0;
	else if ((ret = store_email_get(ctx->from, n, 0, e_r)) < 0)
		return jmap_call_error(ctx->call, "serverFail", "copy: email lookup failed");
	if (ret == 0)
		*error_r = jmap_set_error("notFound", "No such email in the from account", NULL);
	return ret;
}

struct copy_one {
	struct store_email orig;
	void *raw;
	size_t len;
	char blob_id[STORE_BLOB_ID_LEN + 1];
	uint64_t *mailbox_ids;
	size_t mailbox_count;
	char **keywords;
	size_t keyword_count;
	time_t received_at;
};

static void copy_one_clear(struct copy_one *one)
{
	store_email_clear(&one->orig);
	free(one->raw);
	free(one->mailbox_ids);
	email_keywords_free(&one->keywords, one->keyword_count);
}

/* The copy's keywords: as given, or the original's. */
static json_object *copy_keywords(json_object *obj, struct copy_one *one)
{
	json_object *value;

	if (json_object_object_get_ex(obj, "keywords", &value))
		return email_keywords_parse(value, &one->keywords, &one->keyword_count);
	one->keywords = xcalloc(one->orig.keyword_count + 1, sizeof(*one->keywords));
	for (size_t i = 0; i < one->orig.keyword_count; i++)
		one->keywords[i] = xstrdup(one->orig.keywords[i]);
	one->keyword_count = one->orig.keyword_count;
	return NULL;
}

/* Reads the original and the copy's properties; 0, or -1 with a
 * SetError in *error_r (or NULL after a method error). */
static int copy_read(struct copy_ctx *ctx, json_object *obj, struct copy_one *one,
		     json_object **error_r)
{
	const char *error;
	bool failed;
	int ret;

	if ((*error_r = copy_check_props(obj, &one->received_at)) != NULL ||
	    (ret = copy_original(ctx, obj, &one->orig, error_r)) <= 0)
		return -1;
	if (one->received_at == 0)
		one->received_at = (time_t)one->orig.received_at;
	if ((*error_r = copy_keywords(obj, one)) != NULL)
		return -1;
	*error_r = email_mailboxes_parse(ctx->call, json_object_object_get(obj, "mailboxIds"),
					 &one->mailbox_ids, &one->mailbox_count, &failed);
	if (*error_r != NULL || failed)
		return -1;
	if ((ret = email_blob_read(ctx->from, one->orig.blob_id, &one->raw, &one->len)) <= 0)
		return jmap_call_error(ctx->call, "serverFail", "copy: reading the message");
	if (email_blob_write(ctx->call->acct, one->raw, one->len, one->blob_id, &error) < 0)
		return jmap_call_error(ctx->call, "serverFail", "copy: writing the message: %s", error);
	return 0;
}

static int copy_one(struct copy_ctx *ctx, const char *cid, json_object *obj)
{
	struct copy_one one = { .received_at = 0 };
	json_object *created = NULL, *error = NULL;
	int ret = copy_read(ctx, obj, &one, &error);

	if (ret == 0) {
		struct email_new in = {
			one.blob_id, one.raw, one.len, one.mailbox_ids, one.mailbox_count,
			one.keywords, one.keyword_count, one.received_at,
		};

		ret = email_new_store(ctx->call, &ctx->quota, &in, &created, &error);
	}
	if (ret == 0) {
		jmap_created_id_add(ctx->call, cid,
				    json_object_get_string(json_object_object_get(created, "id")));
		json_object_object_add(ctx->created, cid, created);
		json_object_array_add(ctx->copied, json_object_get(json_object_object_get(obj, "id")));
	} else if (error != NULL) {
		json_object_object_add(ctx->not_created, cid, error);
		ret = 0;
	}
	copy_one_clear(&one);
	return ret;
}

static json_object *copy_response(struct copy_ctx *ctx, const char *old_state)
{
	json_object *resp = jmap_std_response(ctx->call);
	char id[16], state[24];

	jmap_account_id_format(ctx->from_id, id);
	json_object_object_add(resp, "fromAccountId", json_object_new_string(id));
	jmap_state_format(store_type_state(ctx->call->acct, STORE_TYPE_EMAIL), state);
	json_object_object_add(resp, "oldState", json_object_new_string(old_state));
	json_object_object_add(resp, "newState", json_object_new_string(state));
	json_object_object_add(resp, "created", json_object_object_length(ctx->created) > 0 ?
			       json_object_get(ctx->created) : NULL);
	json_object_object_add(resp, "notCreated", json_object_object_length(ctx->not_created) > 0 ?
			       json_object_get(ctx->not_created) : NULL);
	return resp;
}

/* The implicit Email/set of RFC 8620 §5.4, after the copies are durable:
 * its response follows the copy's. */
static int copy_destroy_originals(struct copy_ctx *ctx)
{
	struct jmap_call *call = ctx->call;
	json_object *args = json_object_new_object(), *responses, *state;
	const char *error;
	char id[16];
	size_t n;

	if (store_txn_commit(call->acct, &error) < 0 || store_txn_begin(call->acct, true, &error) < 0) {
		json_object_put(args);
		return jmap_call_error(call, "serverFail", "copy: commit: %s", error);
	}
	jmap_account_id_format(ctx->from_id, id);
	json_object_object_add(args, "accountId", json_object_new_string(id));
	json_object_object_add(args, "destroy", json_object_get(ctx->copied));
	if (json_object_object_get_ex(call->args, "destroyFromIfInState", &state) && state != NULL)
		json_object_object_add(args, "ifInState", json_object_get(state));
	responses = jmap_invoke(call->req->srv, call->req->user, "Email/set", args);
	call->extra_responses = json_object_new_array();
	n = json_object_array_length(responses);
	for (size_t i = 0; i < n; i++) {
		json_object *resp = json_object_array_get_idx(responses, i), *pair;

		pair = json_object_new_array_ext(2);
		json_object_array_add(pair, json_object_get(json_object_array_get_idx(resp, 0)));
		json_object_array_add(pair, json_object_get(json_object_array_get_idx(resp, 1)));
		json_object_array_add(call->extra_responses, pair);
	}
	json_object_put(responses);
	json_object_put(args);
	return 0;
}

static int copy_run(struct copy_ctx *ctx)
{
	json_object *create;
	char old_state[24];
	bool destroy;

	if (copy_args(ctx, &create) < 0)
		return -1;
	jmap_state_format(store_type_state(ctx->call->acct, STORE_TYPE_EMAIL), old_state);
	json_object_object_foreach(create, cid, obj) {
		if (copy_one(ctx, cid, obj) < 0)
			return -1;
	}
	store_txn_rollback(ctx->from);
	store_account_release(&ctx->from);
	ctx->call->response = copy_response(ctx, old_state);
	if (jmap_arg_bool(ctx->call, "onSuccessDestroyOriginal", false, &destroy) < 0)
		return -1;
	if (destroy && json_object_array_length(ctx->copied) > 0)
		return copy_destroy_originals(ctx);
	return 0;
}

int jmap_email_copy(struct jmap_call *call)
{
	struct copy_ctx ctx = {
		.call = call,
		.created = json_object_new_object(),
		.not_created = json_object_new_object(),
		.copied = json_object_new_array(),
	};
	int ret = copy_run(&ctx);

	if (ctx.from != NULL) {
		store_txn_rollback(ctx.from);
		store_account_release(&ctx.from);
	}
	json_object_put(ctx.created);
	json_object_put(ctx.not_created);
	json_object_put(ctx.copied);
	return ret;
}
