/* One method call: the shared checks driven by the method's flags
 * (capability, account, transaction), then its handler, then the
 * response, the commit and the change event. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/bus.h"
#include "core/log.h"
#include "jmap/call.h"

bool jmap_request_uses(const struct jmap_request *req, const char *capability)
{
	size_t n;

	if (req->in_process)
		return true;
	n = json_object_array_length(req->using);
	for (size_t i = 0; i < n; i++) {
		const char *cap = json_object_get_string(json_object_array_get_idx(req->using, i));

		if (cap != NULL && strcmp(cap, capability) == 0)
			return true;
	}
	return false;
}

int jmap_call_error(struct jmap_call *call, const char *type, const char *fmt, ...)
{
	json_object *error = json_object_new_object();
	char text[512];

	json_object_object_add(error, "type", json_object_new_string(type));
	if (fmt != NULL) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		if (strcmp(type, "serverFail") == 0) {
			log_error("jmap.server_fail", "method=%s account=%u detail=%s",
				  log_q(call->method), call->account_id, log_q(text));
			snprintf(text, sizeof(text), "An internal error occurred");
		}
		json_object_object_add(error, "description", json_object_new_string(text));
	}
	json_object_put(call->error);
	call->error = error;
	return -1;
}

json_object *jmap_set_error(const char *type, const char *description,
			    const char *const *properties)
{
	json_object *error = json_object_new_object();

	json_object_object_add(error, "type", json_object_new_string(type));
	if (description != NULL)
		json_object_object_add(error, "description", json_object_new_string(description));
	if (properties != NULL) {
		json_object *list = json_object_new_array();

		for (size_t i = 0; properties[i] != NULL; i++)
			json_object_array_add(list, json_object_new_string(properties[i]));
		json_object_object_add(error, "properties", list);
	}
	return error;
}

json_object *jmap_prop_error(const char *prop, const char *description)
{
	const char *props[] = { prop, NULL };

	return jmap_set_error("invalidProperties", description, props);
}

static int call_store_fail(struct jmap_call *call, const char *what, const char *error)
{
	if (store_last_error() == STORE_ERR_BUSY)
		return jmap_call_error(call, "serverUnavailable", "The account is busy; try again");
	return jmap_call_error(call, "serverFail", "%s: %s", what, error);
}

/* accountId: the user's own account only (RFC 8620 §3.6.2). */
static int call_open_account(struct jmap_call *call)
{
	const struct directory_identity *user = call->req->user;
	json_object *value;
	const char *error;
	uint32_t id;

	if (user->is_admin)
		return jmap_call_error(call, "forbidden", "Administrators have no mail account");
	if (!json_object_object_get_ex(call->args, "accountId", &value) ||
	    !json_object_is_type(value, json_type_string))
		return jmap_call_error(call, "invalidArguments", "accountId must be a String");
	if (jmap_account_id_parse(json_object_get_string(value), &id) < 0 ||
	    id != user->account_id)
		return jmap_call_error(call, "accountNotFound", NULL);
	call->account_id = id;
	if (store_account_open(call->req->srv->store, id, &call->acct, &error) < 0)
		return call_store_fail(call, "open account", error);
	return 0;
}

/* The prepare hook runs before the transaction begins, so that its
 * work holds no lock and two requests of one account overlap in it. */
static int call_enter_account(struct jmap_call *call)
{
	const char *error;

	if (call_open_account(call) < 0)
		return -1;
	if (call->def->prepare != NULL)
		call->def->prepare(call);
	if (store_txn_begin(call->acct, (call->def->flags & JMAP_METHOD_WRITE) != 0, &error) < 0) {
		call_store_fail(call, "begin", error);
		store_account_release(&call->acct);
		return -1;
	}
	return 0;
}

static void call_publish(struct jmap_call *call)
{
	struct bus_event event = {
		.account_id = call->account_id,
		.types = call->changed_types,
		.modseq = store_modseq_current(call->acct),
	};

	bus_publish(&event);
}

/* Runs the handler inside the open transaction; commits only a
 * success, so that a method error leaves the account as it was. */
static void call_execute(struct jmap_call *call)
{
	bool write = (call->def->flags & JMAP_METHOD_WRITE) != 0;
	const char *error;
	int ret = call->def->fn(call);

	if (ret < 0 && call->error == NULL)
		jmap_call_error(call, "serverFail", "%s failed without a reason", call->method);
	if (call->acct == NULL)
		return;
	if (call->error != NULL || !write) {
		store_txn_rollback(call->acct);
		return;
	}
	if (store_txn_commit(call->acct, &error) < 0) {
		call_store_fail(call, "commit", error);
		return;
	}
	if (call->changed_types != 0)
		call_publish(call);
}

static void call_respond_one(struct jmap_call *call, const char *name, json_object *args)
{
	json_object *resp = json_object_new_array_ext(3);

	json_object_array_add(resp, json_object_new_string(name));
	json_object_array_add(resp, args);
	json_object_array_add(resp, json_object_new_string(call->call_id));
	json_object_array_add(call->req->method_responses, resp);
}

static void call_respond(struct jmap_call *call)
{
	size_t n;

	if (call->error != NULL) {
		call_respond_one(call, "error", json_object_get(call->error));
		return;
	}
	call_respond_one(call, call->method, call->response != NULL ?
			 json_object_get(call->response) : json_object_new_object());
	n = call->extra_responses != NULL ? json_object_array_length(call->extra_responses) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *extra = json_object_array_get_idx(call->extra_responses, i);

		call_respond_one(call, json_object_get_string(json_object_array_get_idx(extra, 0)),
				 json_object_get(json_object_array_get_idx(extra, 1)));
	}
}

void jmap_call_run(struct jmap_request *req, const char *method, json_object *args,
		   const char *call_id)
{
	struct jmap_call call = {
		.req = req, .method = method, .call_id = call_id, .args = args,
	};

	call.def = jmap_method_find(method);
	if (call.def == NULL || !jmap_request_uses(req, call.def->capability))
		jmap_call_error(&call, "unknownMethod", NULL);
	else if ((call.def->flags & JMAP_METHOD_ACCOUNT) == 0 || call_enter_account(&call) == 0)
		call_execute(&call);
	call_respond(&call);
	if (call.acct != NULL)
		store_account_release(&call.acct);
	if (call.prepared_free != NULL)
		call.prepared_free(call.prepared);
	json_object_put(call.response);
	json_object_put(call.error);
	json_object_put(call.extra_responses);
}
