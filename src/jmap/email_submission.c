/* EmailSubmission (RFC 8621 §7): the types, /get and /query with its
 * filters and sorts, over the account's submissions in memory. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/email.h"
#include "jmap/email_submission.h"

static const struct jmap_prop submission_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "identityId", JMAP_KIND_ID, JMAP_PROP_IMMUTABLE },
	{ "emailId", JMAP_KIND_ID, JMAP_PROP_IMMUTABLE },
	{ "threadId", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "envelope", JMAP_KIND_OBJECT, JMAP_PROP_NULLABLE | JMAP_PROP_IMMUTABLE },
	{ "sendAt", JMAP_KIND_DATE, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "undoStatus", JMAP_KIND_STRING, 0 },
	{ "deliveryStatus", JMAP_KIND_OBJECT, JMAP_PROP_SERVER_SET | JMAP_PROP_NULLABLE },
	{ "dsnBlobIds", JMAP_KIND_ARRAY, JMAP_PROP_SERVER_SET },
	{ "mdnBlobIds", JMAP_KIND_ARRAY, JMAP_PROP_SERVER_SET },
	{ NULL, 0, 0 },
};

static const struct jmap_arg submission_set_args[] = {
	{ "onSuccessUpdateEmail", json_type_object, true },
	{ "onSuccessDestroyEmail", json_type_array, true },
	{ NULL, 0, false },
};

/* RFC 8621 §7.3 names "sentAt" for the sendAt property; both are taken. */
static const char *const submission_sort_props[] = {
	"emailId", "threadId", "sendAt", "sentAt", NULL,
};

static const char *const submission_undo_names[] = { "pending", "final", "canceled" };

static json_object *submission_json_text(const char *text)
{
	return text != NULL ? json_tokener_parse(text) : NULL;
}

static void submission_add_id(json_object *obj, const char *name, char prefix, uint64_t n)
{
	char id[24];

	jmap_id_format(prefix, n, id);
	json_object_object_add(obj, name, json_object_new_string(id));
}

json_object *submission_to_json(const struct store_submission *s)
{
	json_object *obj = json_object_new_object();
	char date[21];

	submission_add_id(obj, "id", SUBMISSION_ID_PREFIX, s->id);
	submission_add_id(obj, "identityId", IDENTITY_ID_PREFIX, s->identity_id);
	submission_add_id(obj, "emailId", EMAIL_ID_PREFIX, s->email_id);
	submission_add_id(obj, "threadId", THREAD_ID_PREFIX, s->thread_id);
	json_object_object_add(obj, "envelope", submission_json_text(s->envelope));
	time_format_utc((time_t)s->send_at, date);
	json_object_object_add(obj, "sendAt", json_object_new_string(date));
	json_object_object_add(obj, "undoStatus",
			       json_object_new_string(submission_undo_names[s->undo_status]));
	json_object_object_add(obj, "deliveryStatus", submission_json_text(s->delivery_status));
	json_object_object_add(obj, "dsnBlobIds", submission_json_text(s->dsn_blob_ids));
	json_object_object_add(obj, "mdnBlobIds", submission_json_text(s->mdn_blob_ids));
	return obj;
}

static const struct store_submission *submission_list_find(const struct store_submission *list,
							   size_t count, const char *id)
{
	uint64_t n;

	if (jmap_id_parse(SUBMISSION_ID_PREFIX, id, &n) < 0)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		if (list[i].id == n)
			return &list[i];
	}
	return NULL;
}

static int jmap_submission_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_submission *list;
	const char *error;
	size_t count;

	if (store_submission_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "submissions: %s", error);
	if (get->ids == NULL) {
		for (size_t i = 0; i < count; i++)
			json_object_array_add(get->list, submission_to_json(&list[i]));
	} else {
		size_t n = json_object_array_length(get->ids);

		for (size_t i = 0; i < n; i++) {
			json_object *id = json_object_array_get_idx(get->ids, i);
			const struct store_submission *s =
				submission_list_find(list, count, json_object_get_string(id));

			json_object_array_add(s != NULL ? get->list : get->not_found,
					      s != NULL ? submission_to_json(s) : json_object_get(id));
		}
	}
	store_submission_list_free(&list, count);
	return 0;
}

static bool submission_filter_ids_ok(json_object *value)
{
	size_t n;

	if (!json_object_is_type(value, json_type_array))
		return false;
	n = json_object_array_length(value);
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(value, i), json_type_string))
			return false;
	}
	return true;
}

static int jmap_submission_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		time_t t;
		bool ok;

		if (strcmp(key, "identityIds") == 0 || strcmp(key, "emailIds") == 0 ||
		    strcmp(key, "threadIds") == 0)
			ok = submission_filter_ids_ok(value);
		else if (strcmp(key, "undoStatus") == 0)
			ok = json_object_is_type(value, json_type_string);
		else if (strcmp(key, "before") == 0 || strcmp(key, "after") == 0)
			ok = json_object_is_type(value, json_type_string) &&
			     time_parse_utc(json_object_get_string(value), &t) == 0;
		else {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (!ok) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

struct submission_match_ctx {
	struct jmap_call *call;
	const struct store_submission *s;
};

/* Whether the id list holds prefix + n (creation references resolved). */
static bool submission_ids_have(struct jmap_call *call, json_object *ids, char prefix, uint64_t n)
{
	size_t count = json_object_array_length(ids);

	for (size_t i = 0; i < count; i++) {
		const char *id = jmap_id_resolve(call, json_object_get_string(
			json_object_array_get_idx(ids, i)));
		uint64_t m;

		if (id != NULL && jmap_id_parse(prefix, id, &m) == 0 && m == n)
			return true;
	}
	return false;
}

static bool submission_match(json_object *condition, void *context)
{
	struct submission_match_ctx *ctx = context;
	const struct store_submission *s = ctx->s;

	json_object_object_foreach(condition, key, value) {
		time_t t = 0;
		bool ok = true;

		if (strcmp(key, "identityIds") == 0)
			ok = submission_ids_have(ctx->call, value, IDENTITY_ID_PREFIX, s->identity_id);
		else if (strcmp(key, "emailIds") == 0)
			ok = submission_ids_have(ctx->call, value, EMAIL_ID_PREFIX, s->email_id);
		else if (strcmp(key, "threadIds") == 0)
			ok = submission_ids_have(ctx->call, value, THREAD_ID_PREFIX, s->thread_id);
		else if (strcmp(key, "undoStatus") == 0)
			ok = strcmp(json_object_get_string(value),
				    submission_undo_names[s->undo_status]) == 0;
		else if (time_parse_utc(json_object_get_string(value), &t) == 0)
			ok = strcmp(key, "before") == 0 ? s->send_at < t : s->send_at >= t;
		if (!ok)
			return false;
	}
	return true;
}

static uint64_t submission_sort_value(const struct store_submission *s, const char *prop)
{
	if (strcmp(prop, "emailId") == 0)
		return s->email_id;
	if (strcmp(prop, "threadId") == 0)
		return s->thread_id;
	return (uint64_t)s->send_at;
}

/* The comparators in order, then the id so that results are stable. */
static int submission_compare(const void *pa, const void *pb, void *context)
{
	const struct store_submission *a = *(const struct store_submission *const *)pa;
	const struct store_submission *b = *(const struct store_submission *const *)pb;
	json_object *sort = context;
	size_t n = sort != NULL ? json_object_array_length(sort) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(sort, i), *asc;
		const char *prop = json_object_get_string(json_object_object_get(c, "property"));
		uint64_t va = submission_sort_value(a, prop), vb = submission_sort_value(b, prop);
		int cmp = (va > vb) - (va < vb);

		if (cmp != 0)
			return json_object_object_get_ex(c, "isAscending", &asc) &&
			       !json_object_get_boolean(asc) ? -cmp : cmp;
	}
	return (a->id > b->id) - (a->id < b->id);
}

static int jmap_submission_query(struct jmap_call *call, struct jmap_query *query)
{
	struct store_submission *list, **matched;
	const char *error;
	size_t count, n = 0;
	char id[24];

	if (store_submission_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "submissions: %s", error);
	matched = xcalloc(count + 1, sizeof(*matched));
	for (size_t i = 0; i < count; i++) {
		struct submission_match_ctx ctx = { call, &list[i] };

		if (query->filter == NULL || jmap_filter_eval(query->filter, submission_match, &ctx))
			matched[n++] = &list[i];
	}
	qsort_r(matched, n, sizeof(*matched), submission_compare, query->sort);
	if (query->ids == NULL)
		query->ids = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		jmap_id_format(SUBMISSION_ID_PREFIX, matched[i]->id, id);
		json_object_array_add(query->ids, json_object_new_string(id));
	}
	query->can_calculate_changes = true;
	free(matched);
	store_submission_list_free(&list, count);
	return 0;
}

/* The type the registry sees has /get, /changes, /query and
 * /queryChanges from the generic code; its /set is the method below,
 * which runs the generic /set over jmap_email_submission_set_type and
 * then does what RFC 8621 §7.5 adds (the implicit Email/set). */
static const struct jmap_method submission_methods[] = {
	{ "EmailSubmission/set", JMAP_CAP_SUBMISSION, jmap_submission_set,
	  &jmap_email_submission_set_type, JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

const struct jmap_type jmap_email_submission_type = {
	.name = "EmailSubmission",
	.capability = JMAP_CAP_SUBMISSION,
	.store_type = STORE_TYPE_EMAIL_SUBMISSION,
	.id_prefix = SUBMISSION_ID_PREFIX,
	.props = submission_props,
	.get = jmap_submission_get,
	.filter_check = jmap_submission_filter_check,
	.sort_props = submission_sort_props,
	.query = jmap_submission_query,
	.methods = submission_methods,
};

const struct jmap_type jmap_email_submission_set_type = {
	.name = "EmailSubmission",
	.capability = JMAP_CAP_SUBMISSION,
	.store_type = STORE_TYPE_EMAIL_SUBMISSION,
	.id_prefix = SUBMISSION_ID_PREFIX,
	.props = submission_props,
	.set_args = submission_set_args,
	.get = jmap_submission_get,
	.create = jmap_submission_create,
	.update = jmap_submission_update,
	.destroy = jmap_submission_destroy,
};

json_object *jmap_submission_account_capability(const struct jmap_server *srv,
						uint32_t account_id)
{
	json_object *cap = json_object_new_object();

	(void)srv;
	(void)account_id;
	json_object_object_add(cap, "maxDelayedSend", json_object_new_int64(0));
	json_object_object_add(cap, "submissionExtensions", json_object_new_object());
	return cap;
}
