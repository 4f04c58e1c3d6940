/* Quota (RFC 9425): the account's storage quota as one Quota object.
 *
 * It exists only while the directory sets a quota on the account
 * (hardLimit 0 would say nothing may be stored). Its "used" is the size
 * of the account's emails, so its state is the Email state: every
 * change of usage moves it (and a few changes that leave usage alone
 * do too, which clients only pay for with a refetch). A change of the
 * limit alone by an administrator does not move the state. */
#include <string.h>

#include "jmap/collation.h"
#include "jmap/objects.h"
#include "jmap/std_private.h"
#include "store/store_mail.h"

#define QUOTA_ID_NUMBER 1
#define QUOTA_TYPE_EMAIL "Email"

static const struct jmap_prop quota_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "resourceType", JMAP_KIND_STRING, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "used", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "hardLimit", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "scope", JMAP_KIND_STRING, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "name", JMAP_KIND_STRING, JMAP_PROP_SERVER_SET },
	{ "types", JMAP_KIND_ARRAY, JMAP_PROP_SERVER_SET },
	{ "warnLimit", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET | JMAP_PROP_NULLABLE },
	{ "softLimit", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET | JMAP_PROP_NULLABLE },
	{ "description", JMAP_KIND_STRING, JMAP_PROP_SERVER_SET | JMAP_PROP_NULLABLE },
	{ NULL, 0, 0 },
};

static const char *const quota_sort_props[] = { "name", "used", NULL };

/* The Quota object of call's account, or NULL when there is none to
 * show: no quota set, or a client that did not ask for mail, the one
 * type it applies to (RFC 9425 §4.1). -1 on error (method error set). */
static int quota_object(struct jmap_call *call, json_object **obj_r)
{
	struct store_principal *p;
	json_object *obj, *types;
	char id[24];

	*obj_r = NULL;
	if (jmap_account_principal(call, &p) < 0)
		return -1;
	if (p->quota == 0 || !jmap_request_uses(call->req, JMAP_CAP_MAIL)) {
		store_principal_free(&p);
		return 0;
	}
	obj = json_object_new_object();
	jmap_id_format(QUOTA_ID_PREFIX, QUOTA_ID_NUMBER, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "resourceType", json_object_new_string("octets"));
	json_object_object_add(obj, "used",
			       json_object_new_int64((int64_t)store_email_used_bytes(call->acct)));
	json_object_object_add(obj, "hardLimit", json_object_new_int64((int64_t)p->quota));
	json_object_object_add(obj, "scope", json_object_new_string("account"));
	json_object_object_add(obj, "name", json_object_new_string(
		p->email_count > 0 ? p->emails[0] : p->name));
	types = json_object_new_array();
	json_object_array_add(types, json_object_new_string(QUOTA_TYPE_EMAIL));
	json_object_object_add(obj, "types", types);
	json_object_object_add(obj, "warnLimit", NULL);
	json_object_object_add(obj, "softLimit", NULL);
	json_object_object_add(obj, "description", NULL);
	store_principal_free(&p);
	*obj_r = obj;
	return 0;
}

static int jmap_quota_get(struct jmap_call *call, struct jmap_get *get)
{
	json_object *obj;
	const char *id;
	size_t n = get->ids != NULL ? json_object_array_length(get->ids) : 0;

	if (quota_object(call, &obj) < 0)
		return -1;
	if (get->ids == NULL && obj != NULL)
		json_object_array_add(get->list, json_object_get(obj));
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(get->ids, i);

		id = json_object_get_string(item);
		if (obj != NULL && strcmp(id, json_object_get_string(
			json_object_object_get(obj, "id"))) == 0)
			json_object_array_add(get->list, json_object_get(obj));
		else
			json_object_array_add(get->not_found, json_object_get(item));
	}
	json_object_put(obj);
	return 0;
}

static int jmap_quota_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		if (strcmp(key, "name") != 0 && strcmp(key, "scope") != 0 &&
		    strcmp(key, "resourceType") != 0 && strcmp(key, "type") != 0) {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (!json_object_is_type(value, json_type_string)) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

static bool quota_types_have(json_object *types, const char *type)
{
	size_t n = json_object_array_length(types);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(types, i)), type) == 0)
			return true;
	}
	return false;
}

static bool quota_match(json_object *condition, void *context)
{
	json_object *obj = context;

	json_object_object_foreach(condition, key, value) {
		const char *want = json_object_get_string(value);
		const char *have = json_object_get_string(json_object_object_get(obj, key));
		bool ok;

		if (strcmp(key, "name") == 0)
			ok = jmap_collation_contains(have, want);
		else if (strcmp(key, "type") == 0)
			ok = quota_types_have(json_object_object_get(obj, "types"), want);
		else
			ok = strcmp(have, want) == 0;
		if (!ok)
			return false;
	}
	return true;
}

/* One object at most: the sort has nothing to order. */
static int jmap_quota_query(struct jmap_call *call, struct jmap_query *query)
{
	json_object *obj;

	if (quota_object(call, &obj) < 0)
		return -1;
	if (query->ids == NULL)
		query->ids = json_object_new_array();
	if (obj != NULL && (query->filter == NULL || jmap_filter_eval(query->filter, quota_match, obj)))
		json_object_array_add(query->ids,
				      json_object_get(json_object_object_get(obj, "id")));
	query->can_calculate_changes = true;
	json_object_put(obj);
	return 0;
}

/* A state this type has had whose changes are still known: the Email
 * state from then on. */
static int quota_since(struct jmap_call *call, const char *arg, uint64_t *since_r)
{
	json_object *value;

	if (jmap_arg_get(call, arg, json_type_string, &value) < 0)
		return -1;
	if (value == NULL)
		return jmap_call_error(call, "invalidArguments", "%s is required", arg);
	if (jmap_state_parse(json_object_get_string(value), since_r) < 0 ||
	    *since_r < store_tombstone_floor(call->acct) ||
	    *since_r > store_type_state(call->acct, STORE_TYPE_EMAIL))
		return jmap_call_error(call, "cannotCalculateChanges", NULL);
	return 0;
}

/* The quota's id if it exists and the state moved since, else NULL. */
static int quota_changed(struct jmap_call *call, uint64_t since, json_object **id_r)
{
	json_object *obj;

	*id_r = NULL;
	if (since == store_type_state(call->acct, STORE_TYPE_EMAIL))
		return 0;
	if (quota_object(call, &obj) < 0)
		return -1;
	if (obj != NULL)
		*id_r = json_object_get(json_object_object_get(obj, "id"));
	json_object_put(obj);
	return 0;
}

static const char *const quota_changes_args[] = {
	"accountId", "sinceState", "maxChanges", NULL,
};

static json_object *quota_new_state(struct jmap_call *call)
{
	char state[24];

	jmap_state_format(store_type_state(call->acct, STORE_TYPE_EMAIL), state);
	return json_object_new_string(state);
}

static int quota_changes_args_parse(struct jmap_call *call, uint64_t *since_r)
{
	int64_t max;

	if (jmap_args_check(call, quota_changes_args, NULL) < 0 ||
	    jmap_arg_uint_or_null(call, "maxChanges", &max) < 0)
		return -1;
	if (max == 0)
		return jmap_call_error(call, "invalidArguments", "maxChanges must be positive");
	return quota_since(call, "sinceState", since_r);
}

/* Quota/changes (RFC 9425 §4.2): only "used" follows the state. */
static int jmap_quota_changes(struct jmap_call *call)
{
	json_object *resp, *updated, *id, *props = NULL;
	uint64_t since;

	if (quota_changes_args_parse(call, &since) < 0 || quota_changed(call, since, &id) < 0)
		return -1;
	updated = json_object_new_array();
	if (id != NULL) {
		json_object_array_add(updated, id);
		props = json_object_new_array();
		json_object_array_add(props, json_object_new_string("used"));
	}
	resp = jmap_std_response(call);
	json_object_object_add(resp, "oldState",
			       json_object_get(json_object_object_get(call->args, "sinceState")));
	json_object_object_add(resp, "newState", quota_new_state(call));
	json_object_object_add(resp, "hasMoreChanges", json_object_new_boolean(0));
	json_object_object_add(resp, "created", json_object_new_array());
	json_object_object_add(resp, "updated", updated);
	json_object_object_add(resp, "destroyed", json_object_new_array());
	json_object_object_add(resp, "updatedProperties", props);
	call->response = resp;
	return 0;
}

static const char *const quota_query_changes_args[] = {
	"accountId", "filter", "sort", "sinceQueryState", "maxChanges", "upToId",
	"calculateTotal", NULL,
};

static json_object *quota_added(json_object *ids, json_object *changed)
{
	json_object *added = json_object_new_array();

	for (size_t i = 0; changed != NULL && i < json_object_array_length(ids); i++) {
		json_object *item = json_object_new_object();

		json_object_object_add(item, "id", json_object_get(json_object_array_get_idx(ids, i)));
		json_object_object_add(item, "index", json_object_new_int64((int64_t)i));
		json_object_array_add(added, item);
	}
	return added;
}

/* Quota/queryChanges (RFC 9425 §4.4): the one object, removed and
 * added back at its place, whenever the state moved. */
static int jmap_quota_query_changes(struct jmap_call *call)
{
	struct jmap_query q = { 0 };
	json_object *resp, *removed = json_object_new_array(), *id = NULL;
	uint64_t since;
	bool total;
	int ret = -1;

	if (jmap_args_check(call, quota_query_changes_args, NULL) < 0 ||
	    jmap_arg_bool(call, "calculateTotal", false, &total) < 0 ||
	    quota_since(call, "sinceQueryState", &since) < 0 || jmap_query_run(call, &q) < 0 ||
	    quota_changed(call, since, &id) < 0)
		goto out;
	if (id != NULL)
		json_object_array_add(removed, json_object_get(id));
	resp = jmap_std_response(call);
	json_object_object_add(resp, "oldQueryState",
			       json_object_get(json_object_object_get(call->args, "sinceQueryState")));
	json_object_object_add(resp, "newQueryState", quota_new_state(call));
	if (total)
		json_object_object_add(resp, "total",
				       json_object_new_int64((int64_t)json_object_array_length(q.ids)));
	json_object_object_add(resp, "removed", json_object_get(removed));
	json_object_object_add(resp, "added", quota_added(q.ids, id));
	call->response = resp;
	ret = 0;
out:
	json_object_put(removed);
	json_object_put(id);
	jmap_query_clear(&q);
	return ret;
}

/* The methods run on this type, whose state is the Email state (its
 * store_type); the registered type has only them, so that the generic
 * /changes, which would read Email's change records, is not used. */
static const struct jmap_type quota_methods_type = {
	.name = "Quota",
	.capability = JMAP_CAP_QUOTA,
	.store_type = STORE_TYPE_EMAIL,
	.id_prefix = QUOTA_ID_PREFIX,
	.props = quota_props,
	.get = jmap_quota_get,
	.filter_check = jmap_quota_filter_check,
	.sort_props = quota_sort_props,
	.query = jmap_quota_query,
};

static const struct jmap_method quota_methods[] = {
	{ "Quota/get", JMAP_CAP_QUOTA, jmap_std_get, &quota_methods_type, JMAP_METHOD_ACCOUNT, NULL },
	{ "Quota/changes", JMAP_CAP_QUOTA, jmap_quota_changes, &quota_methods_type,
	  JMAP_METHOD_ACCOUNT, NULL },
	{ "Quota/query", JMAP_CAP_QUOTA, jmap_std_query, &quota_methods_type,
	  JMAP_METHOD_ACCOUNT, NULL },
	{ "Quota/queryChanges", JMAP_CAP_QUOTA, jmap_quota_query_changes, &quota_methods_type,
	  JMAP_METHOD_ACCOUNT, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

/* Its store_type is Email's too: push announces Quota whenever Email
 * changes, since usage follows the emails. */
const struct jmap_type jmap_quota_type = {
	.name = "Quota",
	.capability = JMAP_CAP_QUOTA,
	.store_type = STORE_TYPE_EMAIL,
	.id_prefix = QUOTA_ID_PREFIX,
	.props = quota_props,
	.methods = quota_methods,
};
