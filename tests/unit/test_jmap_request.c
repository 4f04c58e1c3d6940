/* The JMAP envelope and the standard methods, over a real store. The
 * generic code is tested through "Foo", a test type registered here that
 * shows the account's mailboxes with a property table of its own; the
 * Mailbox type is exercised through the same envelope at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/bus.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/inflight.h"
#include "jmap/json_pointer.h"
#include "jmap/patch.h"
#include "jmap/stdmethods.h"

/* ---- the test type Foo ---- */

static const struct jmap_prop foo_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "name", JMAP_KIND_STRING, 0 },
	{ "sortOrder", JMAP_KIND_UINT, 0 },
	{ "parentId", JMAP_KIND_ID, JMAP_PROP_NULLABLE | JMAP_PROP_IMMUTABLE },
	{ "isSubscribed", JMAP_KIND_BOOL, 0 },
	{ "total", JMAP_KIND_UINT, JMAP_PROP_SERVER_SET },
	{ "note", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT },
	{ NULL, 0, 0 },
};

static json_object *foo_json(const struct store_mailbox *mb)
{
	json_object *obj = json_object_new_object();
	char id[24];

	jmap_id_format('f', mb->id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "name", json_object_new_string(mb->name));
	json_object_object_add(obj, "sortOrder", json_object_new_int64(mb->sort_order));
	jmap_id_format('f', mb->parent_id, id);
	json_object_object_add(obj, "parentId", mb->parent_id ? json_object_new_string(id) : NULL);
	json_object_object_add(obj, "isSubscribed", json_object_new_boolean(mb->is_subscribed));
	json_object_object_add(obj, "total", json_object_new_int64(mb->total_emails));
	json_object_object_add(obj, "note", json_object_new_string("n"));
	return obj;
}

static int foo_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_mailbox *list;
	size_t count, n;
	const char *error;

	assert_int_equal(store_mailbox_list(call->acct, &list, &count, &error), 0);
	n = get->ids != NULL ? json_object_array_length(get->ids) : count;
	for (size_t i = 0; i < n; i++) {
		const char *id = get->ids != NULL ?
			json_object_get_string(json_object_array_get_idx(get->ids, i)) : NULL;
		uint64_t mid = 0;
		size_t k = get->ids == NULL ? i : count;

		if (id != NULL && jmap_id_parse('f', id, &mid) == 0) {
			for (k = 0; k < count && list[k].id != mid; k++)
				;
		}
		if (k < count)
			json_object_array_add(get->list, foo_json(&list[k]));
		else
			json_object_array_add(get->not_found, json_object_new_string(id));
	}
	store_mailbox_list_free(&list, count);
	return 0;
}

static void foo_read(json_object *obj, struct jmap_call *call, struct store_mailbox *mb)
{
	json_object *v;
	uint64_t parent;

	if (json_object_object_get_ex(obj, "name", &v)) {
		free(mb->name);
		mb->name = xstrdup(json_object_get_string(v));
	}
	if (json_object_object_get_ex(obj, "sortOrder", &v))
		mb->sort_order = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(obj, "isSubscribed", &v))
		mb->is_subscribed = json_object_get_boolean(v);
	if (json_object_object_get_ex(obj, "parentId", &v) && v != NULL &&
	    jmap_id_parse('f', jmap_id_resolve(call, json_object_get_string(v)), &parent) == 0)
		mb->parent_id = parent;
}

static int foo_create(struct jmap_call *call, const char *creation_id, json_object *obj,
		      json_object **created_r, json_object **error_r)
{
	struct store_mailbox mb = { 0 };
	const char *error, *props[] = { "name", NULL };
	char id[24];

	(void)creation_id;
	foo_read(obj, call, &mb);
	if (mb.name == NULL) {
		*error_r = jmap_set_error("invalidProperties", "name is required", props);
		return -1;
	}
	assert_int_equal(store_mailbox_create(call->acct, &mb, &error), 0);
	jmap_id_format('f', mb.id, id);
	*created_r = json_object_new_object();
	json_object_object_add(*created_r, "id", json_object_new_string(id));
	json_object_object_add(*created_r, "total", json_object_new_int64(0));
	store_mailbox_clear(&mb);
	return 0;
}

static int foo_update(struct jmap_call *call, const char *id, json_object *patch,
		      json_object **updated_r, json_object **error_r)
{
	struct store_mailbox mb;
	json_object *obj;
	const char *bad, *error;
	uint64_t n;

	*updated_r = NULL;
	if (jmap_id_parse('f', id, &n) < 0 || store_mailbox_get(call->acct, n, &mb) <= 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	obj = foo_json(&mb);
	if (jmap_patch_apply(obj, patch, &bad) < 0) {
		*error_r = jmap_set_error("invalidPatch", bad, NULL);
	} else {
		foo_read(obj, call, &mb);
		assert_int_equal(store_mailbox_update(call->acct, &mb, &error), 0);
	}
	json_object_put(obj);
	store_mailbox_clear(&mb);
	return *error_r != NULL ? -1 : 0;
}

static int foo_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_mailbox mb;
	const char *error;
	uint64_t n;

	if (jmap_id_parse('f', id, &n) < 0 || store_mailbox_get(call->acct, n, &mb) <= 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	store_mailbox_clear(&mb);
	if (strcmp(id, "f1") == 0)
		return jmap_call_error(call, "serverFail", "refusing f1 as a store failure would");
	assert_int_equal(store_mailbox_destroy(call->acct, n, &error), 0);
	return 0;
}

static int foo_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		if (strcmp(key, "name") != 0 && strcmp(key, "parentId") != 0) {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (strcmp(key, "name") == 0 && !json_object_is_type(value, json_type_string)) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

static bool foo_match(json_object *condition, void *context)
{
	const struct store_mailbox *mb = context;
	json_object *v;

	if (json_object_object_get_ex(condition, "name", &v) &&
	    strstr(mb->name, json_object_get_string(v)) == NULL)
		return false;
	if (json_object_object_get_ex(condition, "parentId", &v))
		return v == NULL ? mb->parent_id == 0 : false;
	return true;
}

static bool foo_sort_descending_by_name(json_object *sort)
{
	json_object *c = json_object_array_get_idx(sort, 0), *asc;

	return c != NULL && strcmp(json_object_get_string(json_object_object_get(c, "property")),
				   "name") == 0 &&
	       json_object_object_get_ex(c, "isAscending", &asc) && !json_object_get_boolean(asc);
}

/* Ordered by id, or by name descending when asked: enough to tell. */
static int foo_query(struct jmap_call *call, struct jmap_query *query)
{
	struct store_mailbox *list;
	size_t count;
	const char *error;
	bool reverse = query->sort != NULL && foo_sort_descending_by_name(query->sort);

	assert_int_equal(store_mailbox_list(call->acct, &list, &count, &error), 0);
	for (size_t j = 0; j < count; j++) {
		size_t i = reverse ? count - 1 - j : j;
		char id[24];

		if (query->filter != NULL && !jmap_filter_eval(query->filter, foo_match, &list[i]))
			continue;
		jmap_id_format('f', list[i].id, id);
		json_object_array_add(query->ids, json_object_new_string(id));
	}
	query->can_calculate_changes = json_object_object_get(call->args, "noChanges") == NULL;
	store_mailbox_list_free(&list, count);
	return 0;
}

static const struct jmap_arg foo_set_args[] = { { "extraSetArg", json_type_boolean, false }, { NULL, 0, false } };
static const struct jmap_arg foo_query_args[] = { { "noChanges", json_type_boolean, false }, { NULL, 0, false } };
static const char *const foo_sort_props[] = { "name", "sortOrder", "parentId", NULL };

static const struct jmap_type foo_type = {
	.name = "Foo",
	.capability = JMAP_CAP_MAIL,
	.store_type = STORE_TYPE_MAILBOX,
	.id_prefix = 'f',
	.props = foo_props,
	.set_args = foo_set_args,
	.query_args = foo_query_args,
	.get = foo_get,
	.create = foo_create,
	.update = foo_update,
	.destroy = foo_destroy,
	.filter_check = foo_filter_check,
	.sort_props = foo_sort_props,
	.query = foo_query,
	.flags = JMAP_TYPE_UPDATED_PROPERTIES,
};

/* ---- fixture and helpers ---- */

struct fixture {
	char dir[256];
	struct store *store;
	struct jmap_server *srv;
	struct directory_identity user;
	char account[16];
};

static struct fixture *fx;

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *tmp = getenv("TERN_TEST_TMP"), *error;
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	snprintf(f->dir, sizeof(f->dir), "%s/jmapreq-XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	f->srv = jmap_server_new(f->store, NULL, NULL);
	assert_int_equal(jmap_account_provision(f->srv, p.id, &error), 0);
	f->user.principal_id = p.id;
	f->user.account_id = p.id;
	snprintf(f->user.name, sizeof(f->user.name), "alice@example.org");
	jmap_account_id_format(p.id, f->account);
	fx = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[300];

	jmap_server_free(&f->srv);
	store_close(&f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The body with every "$A" replaced by the account id. */
static char *body_expand(const char *text)
{
	size_t len = strlen(text), cap = len * 4 + 1, o = 0;
	char *out = xmalloc(cap);

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '$' && text[i + 1] == 'A') {
			o += (size_t)snprintf(out + o, cap - o, "%s", fx->account);
			i++;
		} else {
			out[o++] = text[i];
		}
	}
	out[o] = '\0';
	return out;
}

static json_object *api_status(const char *text, int *status_r)
{
	char *body = body_expand(text);
	json_object *resp = jmap_api_request(fx->srv, &fx->user, "application/json", body, strlen(body), status_r);

	free(body);
	assert_non_null(resp);
	return resp;
}

/* Runs a request that must answer 200. */
static json_object *api(const char *text)
{
	int status;
	json_object *resp = api_status(text, &status);

	assert_int_equal(status, 200);
	return resp;
}

#define USING "\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"]"

/* One call with the usual capabilities; returns the whole response. */
static json_object *api1(const char *method, const char *args)
{
	char *text = xasprintf("{" USING ",\"methodCalls\":[[\"%s\",%s,\"c0\"]]}", method, args);
	json_object *resp = api(text);

	free(text);
	return resp;
}

/* The value at pointer in obj, as plain JSON text ("<none>" if absent). */
static const char *at(json_object *obj, const char *pointer)
{
	static char buf[4096];
	const char *error;
	json_object *v = json_pointer_eval(obj, pointer, &error);

	snprintf(buf, sizeof(buf), "%s", error != NULL ? "<none>" :
		 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(v);
	return buf;
}

#define assert_at(obj, pointer, expected) assert_string_equal(at(obj, pointer), expected)

static void assert_problem(const char *body, int status, const char *type, const char *limit)
{
	int got;
	json_object *resp = api_status(body, &got);
	char expected[128];

	assert_int_equal(got, status);
	snprintf(expected, sizeof(expected), "\"urn:ietf:params:jmap:error:%s\"", type);
	assert_at(resp, "/type", expected);
	snprintf(expected, sizeof(expected), "%d", status);
	assert_at(resp, "/status", expected);
	if (limit != NULL) {
		snprintf(expected, sizeof(expected), "\"%s\"", limit);
		assert_at(resp, "/limit", expected);
	}
	json_object_put(resp);
}

/* The error type of the first method response, or its name if none. */
static void assert_method_error(const char *method, const char *args, const char *type)
{
	json_object *resp = api1(method, args);
	char expected[128];

	snprintf(expected, sizeof(expected), "\"%s\"", type);
	assert_at(resp, "/methodResponses/0/0", "\"error\"");
	assert_at(resp, "/methodResponses/0/1/type", expected);
	assert_at(resp, "/methodResponses/0/2", "\"c0\"");
	json_object_put(resp);
}

/* Creates a Foo named name; returns its id (static buffer). */
static const char *foo_new(const char *name)
{
	static char id[24];
	char *args = xasprintf("{\"accountId\":\"$A\",\"create\":{\"k\":{\"name\":\"%s\"}}}", name);
	json_object *resp = api1("Foo/set", args);
	const char *quoted = at(resp, "/methodResponses/0/1/created/k/id");

	assert_true(quoted[0] == '"');
	snprintf(id, sizeof(id), "%.*s", (int)strlen(quoted) - 2, quoted + 1);
	json_object_put(resp);
	free(args);
	return id;
}

static const char *foo_state(void)
{
	static char state[32];
	json_object *resp = api1("Foo/get", "{\"accountId\":\"$A\",\"ids\":[]}");

	snprintf(state, sizeof(state), "%s", at(resp, "/methodResponses/0/1/state"));
	json_object_put(resp);
	return state;
}

static const char *foo_state_copy(void)
{
	static char copy[32];

	snprintf(copy, sizeof(copy), "%s", foo_state());
	return copy;
}

/* ---- the envelope ---- */

static void test_not_json(void **state)
{
	static const char *const bodies[] = {
		"", "{", "{\"using\":[],\"methodCalls\":[]} x", "{'using':[]}",
		"{\"using\":[],\"methodCalls\":[],}", "{\"a\":\"\xff\xfe\"}", "nul",
		"{\"using\":[],\"methodCalls\":[]}\n\n]", "{'using':[],\"methodCalls\":[]}",
		"{\"using\":[],\"methodCalls\":[],\"x\":NaN}", "{\"x\":1.}", "{\"x\":01}",
		"{\"x\":\"a\tb\"}", "{\"x\":\"\\ud800\"}", "{\"x\":\"\\udc00\\ud800\"}",
		"{\"x\":\"\\q\"}", "{\"x\":\"\xc0\xaf\"}", "{\"x\":\"\xed\xa0\x80\"}",
		"{\"x\":Infinity}", "{\"x\" 1}", "{\"x\":1 \"y\":2}", "{,}", "[1 2]", "-",
		"{\"x\":tru}", "{\"x\":-}", "{\"x\":1e}", "{\"x\":\"\\u12\"}", "\"abc",
		"{\"x\":1e400}", "{\"x\":-1e999}",
	};
	char deep[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		assert_problem(bodies[i], 400, "notJSON", NULL);
	memset(deep, '[', sizeof(deep));
	deep[sizeof(deep) - 1] = '\0';
	assert_problem(deep, 400, "notJSON", NULL);
}

static void test_strict_json_accepted(void **state)
{
	json_object *resp = api("{ \"using\" : [ \"urn:ietf:params:jmap:core\" ] ,\"methodCalls\":[[\"Core/echo\",{\"a\":"
				"\"\\ud83d\\ude00 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\\" \\/ \\n\","
				"\"b\":[-0.5e+3,0,1E2,true,false,null,{},[]]},\"c\"]],\"x\":{}}\r\n");

	(void)state;
	assert_at(resp, "/methodResponses/0/1/a",
		  "\"\xf0\x9f\x98\x80 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\\" / \\n\"");
	assert_at(resp, "/methodResponses/0/1/b", "[-0.5e+3,0,1E2,true,false,null,{},[]]");
	json_object_put(resp);
}

static void test_not_json_embedded_nul(void **state)
{
	static const char body[] = "{\"using\":[],\"methodCalls\":[]}\0{";
	int status;
	json_object *resp = jmap_api_request(fx->srv, &fx->user, "application/json", body, sizeof(body) - 1, &status);

	(void)state;
	assert_int_equal(status, 400);
	assert_at(resp, "/type", "\"urn:ietf:params:jmap:error:notJSON\"");
	json_object_put(resp);
}

/* Every prefix of a valid request, and bytes flipped in it: each gets a
 * JSON answer, never a crash. */
static void test_truncated_and_mangled(void **state)
{
	static const char body[] =
		"{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\","
		"{\"s\":\"\\u00e9\\ud83d\\ude00x\",\"n\":[-1.5e3,0,true,null]},\"c\"]]}";
	char copy[sizeof(body)];
	int status;

	(void)state;
	for (size_t len = 0; len < sizeof(body) - 1; len++) {
		json_object *resp = jmap_api_request(fx->srv, &fx->user, "application/json", body, len, &status);

		assert_int_equal(status, 400);
		json_object_put(resp);
	}
	for (size_t i = 0; i < sizeof(body) - 1; i++) {
		json_object *resp;

		memcpy(copy, body, sizeof(body));
		copy[i] ^= 0x5a;
		resp = jmap_api_request(fx->srv, &fx->user, "application/json", copy, sizeof(body) - 1, &status);
		assert_true(status == 200 || status == 400);
		json_object_put(resp);
	}
}

static void test_not_request(void **state)
{
	static const char *const bodies[] = {
		"[]", "5", "\"x\"", "{}", "{\"using\":[]}", "{\"methodCalls\":[]}",
		"{\"using\":\"urn:ietf:params:jmap:core\",\"methodCalls\":[]}",
		"{\"using\":[1],\"methodCalls\":[]}",
		"{\"using\":[],\"methodCalls\":{}}",
		"{\"using\":[],\"methodCalls\":[[\"Core/echo\",{}]]}",
		"{\"using\":[],\"methodCalls\":[[\"Core/echo\",{},\"c\",1]]}",
		"{\"using\":[],\"methodCalls\":[[\"Core/echo\",[],\"c\"]]}",
		"{\"using\":[],\"methodCalls\":[[1,{},\"c\"]]}",
		"{\"using\":[],\"methodCalls\":[[\"Core/echo\",{},3]]}",
		"{\"using\":[],\"methodCalls\":[],\"createdIds\":[]}",
		"{\"using\":[],\"methodCalls\":[],\"createdIds\":{\"a\":1}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		assert_problem(bodies[i], 400, "notRequest", NULL);
}

static void test_unknown_capability(void **state)
{
	(void)state;
	assert_problem("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:example:nope\"],"
		       "\"methodCalls\":[]}", 400, "unknownCapability", NULL);
	/* the vendor capability is for in-process callers only */
	assert_problem("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:tern:imap\"],"
		       "\"methodCalls\":[]}", 400, "unknownCapability", NULL);
}

static void test_limit_calls(void **state)
{
	struct jmap_limits saved = fx->srv->limits;
	char body[4096] = "{" USING ",\"methodCalls\":[";

	(void)state;
	fx->srv->limits.max_calls_in_request = 3;
	for (int i = 0; i < 4; i++)
		strcat(body, i == 0 ? "[\"Core/echo\",{},\"c\"]" : ",[\"Core/echo\",{},\"c\"]");
	strcat(body, "]}");
	assert_problem(body, 400, "limit", "maxCallsInRequest");
	fx->srv->limits.max_calls_in_request = 4;
	json_object_put(api(body));
	fx->srv->limits = saved;
}

static void test_limit_size(void **state)
{
	struct jmap_limits saved = fx->srv->limits;

	(void)state;
	fx->srv->limits.max_size_request = 10;
	assert_problem("{" USING ",\"methodCalls\":[]}", 413, "limit", "maxSizeRequest");
	fx->srv->limits = saved;
}

static void test_limit_concurrent(void **state)
{
	int64_t max = fx->srv->limits.max_concurrent_requests;

	(void)state;
	for (int64_t i = 0; i < max; i++)
		assert_true(jmap_inflight_acquire(fx->srv, fx->user.principal_id,
						  JMAP_INFLIGHT_REQUEST, max));
	assert_problem("{" USING ",\"methodCalls\":[]}", 400, "limit", "maxConcurrentRequests");
	/* another user is not held up */
	fx->user.principal_id++;
	json_object_put(api("{" USING ",\"methodCalls\":[]}"));
	fx->user.principal_id--;
	for (int64_t i = 0; i < max; i++)
		jmap_inflight_release(fx->srv, fx->user.principal_id, JMAP_INFLIGHT_REQUEST);
	json_object_put(api("{" USING ",\"methodCalls\":[]}"));
	assert_int_equal(fx->srv->requests_in_flight, 0);
}

static void test_echo(void **state)
{
	json_object *resp = api("{" USING ",\"methodCalls\":[[\"Core/echo\","
				"{\"hello\":true,\"high\":5},\"b3ff\"]]}");
	char session_state[64];

	(void)state;
	assert_at(resp, "/methodResponses", "[[\"Core/echo\",{\"hello\":true,\"high\":5},\"b3ff\"]]");
	assert_at(resp, "/createdIds", "<none>");
	snprintf(session_state, sizeof(session_state), "%s", at(resp, "/sessionState"));
	json_object_put(resp);
	resp = jmap_session_resource(fx->srv, &fx->user, "https://h");
	assert_at(resp, "/state", session_state);
	json_object_put(resp);
}

static void test_unknown_method(void **state)
{
	json_object *resp;

	(void)state;
	assert_method_error("Foo/nothing", "{}", "unknownMethod");
	assert_method_error("Core/echoes", "{}", "unknownMethod");
	/* a method whose capability is not in using */
	resp = api("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":["
		   "[\"Mailbox/get\",{\"accountId\":\"$A\"},\"c0\"],[\"Core/echo\",{},\"c1\"]]}");
	assert_at(resp, "/methodResponses/0/1/type", "\"unknownMethod\"");
	assert_at(resp, "/methodResponses/1/0", "\"Core/echo\"");
	json_object_put(resp);
	resp = api("{\"using\":[],\"methodCalls\":[[\"Core/echo\",{},\"c0\"]]}");
	assert_at(resp, "/methodResponses/0/1/type", "\"unknownMethod\"");
	json_object_put(resp);
}

static void test_account_checks(void **state)
{
	(void)state;
	assert_method_error("Foo/get", "{\"accountId\":\"a999\"}", "accountNotFound");
	assert_method_error("Foo/get", "{\"accountId\":\"bogus\"}", "accountNotFound");
	assert_method_error("Foo/get", "{\"accountId\":\"a01\"}", "accountNotFound");
	assert_method_error("Foo/get", "{}", "invalidArguments");
	assert_method_error("Foo/get", "{\"accountId\":1}", "invalidArguments");
	fx->user.is_admin = true;
	assert_method_error("Foo/get", "{\"accountId\":\"$A\"}", "forbidden");
	fx->user.is_admin = false;
}

static void test_unknown_arguments(void **state)
{
	static const char *const methods[] = {
		"Foo/get", "Foo/changes", "Foo/set", "Foo/query", "Foo/queryChanges",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		assert_method_error(methods[i], "{\"accountId\":\"$A\",\"bogus\":1}",
				    "invalidArguments");
	assert_method_error("Foo/get", "{\"accountId\":\"$A\",\"ids\":\"f1\"}", "invalidArguments");
}

static void test_result_references(void **state)
{
	json_object *resp = api(
		"{" USING ",\"methodCalls\":["
		"[\"Foo/query\",{\"accountId\":\"$A\",\"filter\":{\"name\":\"Inbox\"}},\"q\"],"
		"[\"Foo/get\",{\"accountId\":\"$A\",\"#ids\":{\"resultOf\":\"q\","
		"\"name\":\"Foo/query\",\"path\":\"/ids\"},\"properties\":[\"name\"]},\"g\"],"
		"[\"Core/echo\",{\"#names\":{\"resultOf\":\"g\",\"name\":\"Foo/get\","
		"\"path\":\"/list/*/name\"}},\"e\"],"
		"[\"Core/echo\",{\"#x\":{\"resultOf\":\"zz\",\"name\":\"Foo/get\",\"path\":\"\"}},"
		"\"bad\"],"
		"[\"Core/echo\",{\"x\":1,\"#x\":{\"resultOf\":\"g\",\"name\":\"Foo/get\","
		"\"path\":\"\"}},\"both\"]]}");

	(void)state;
	assert_at(resp, "/methodResponses/1/1/list", "[{\"id\":\"f1\",\"name\":\"Inbox\"}]");
	assert_at(resp, "/methodResponses/2/1", "{\"names\":[\"Inbox\"]}");
	assert_at(resp, "/methodResponses/3/1/type", "\"invalidResultReference\"");
	assert_at(resp, "/methodResponses/3/2", "\"bad\"");
	assert_at(resp, "/methodResponses/4/1/type", "\"invalidArguments\"");
	json_object_put(resp);
}

/* References that double what they pull in at each call stop at a
 * bound instead of growing the response without limit. */
static void test_result_reference_bound(void **state)
{
	struct strbuf b = { 0 };
	json_object *resp;

	(void)state;
	strbuf_puts(&b, "{" USING ",\"methodCalls\":[[\"Core/echo\",{\"a\":[0");
	for (int i = 1; i < 1000; i++)
		strbuf_printf(&b, ",%d", i);
	strbuf_puts(&b, "]},\"e0\"]");
	for (int k = 1; k <= 8; k++)
		strbuf_printf(&b, ",[\"Core/echo\",{\"#x\":{\"resultOf\":\"e%d\",\"name\":\"Core/echo\","
			      "\"path\":\"\"},\"#y\":{\"resultOf\":\"e%d\",\"name\":\"Core/echo\","
			      "\"path\":\"\"}},\"e%d\"]", k - 1, k - 1, k);
	strbuf_puts(&b, "]}");
	resp = api(b.s);
	assert_at(resp, "/methodResponses/6/0", "\"Core/echo\"");
	assert_at(resp, "/methodResponses/6/1/x/y/x/y/x/y/a/999", "999");
	assert_at(resp, "/methodResponses/7/1/type", "\"invalidResultReference\"");
	assert_at(resp, "/methodResponses/8/1/type", "\"invalidResultReference\"");
	json_object_put(resp);
	strbuf_free(&b);
}

static void test_created_ids(void **state)
{
	json_object *resp = api(
		"{" USING ",\"createdIds\":{\"old\":\"f3\"},\"methodCalls\":["
		"[\"Foo/set\",{\"accountId\":\"$A\",\"create\":{\"n1\":{\"name\":\"created-1\"}}},"
		"\"s\"],"
		"[\"Foo/get\",{\"accountId\":\"$A\",\"ids\":[\"#n1\",\"#old\",\"#zz\"],"
		"\"properties\":[\"name\"]},\"g\"]]}");
	const char *id = at(resp, "/methodResponses/0/1/created/n1/id");
	char expected[128];

	(void)state;
	snprintf(expected, sizeof(expected), "{\"old\":\"f3\",\"n1\":%s}", id);
	assert_at(resp, "/createdIds", expected);
	assert_at(resp, "/methodResponses/1/1/list/0/name", "\"created-1\"");
	assert_at(resp, "/methodResponses/1/1/list/1/id", "\"f3\"");
	assert_at(resp, "/methodResponses/1/1/notFound", "[\"#zz\"]");
	json_object_put(resp);
}

static void test_invoke(void **state)
{
	json_object *args = json_tokener_parse("{\"a\":[1]}");
	json_object *resp = jmap_invoke(fx->srv, &fx->user, "Core/echo", args);

	(void)state;
	assert_at(resp, "", "[[\"Core/echo\",{\"a\":[1]},\"0\"]]");
	json_object_put(resp);
	resp = jmap_invoke(fx->srv, &fx->user, "Core/echo", NULL);
	assert_at(resp, "/0/1", "{}");
	json_object_put(resp);
	resp = jmap_invoke(fx->srv, &fx->user, "Nope/get", args);
	assert_at(resp, "/0/1/type", "\"unknownMethod\"");
	json_object_put(resp);
	json_object_put(args);
}

/* ---- /get ---- */

static void test_get(void **state)
{
	json_object *resp;

	(void)state;
	resp = api1("Foo/get", "{\"accountId\":\"$A\",\"ids\":null}");
	assert_at(resp, "/methodResponses/0/0", "\"Foo/get\"");
	assert_at(resp, "/methodResponses/0/1/accountId", "\"a1\"");
	assert_at(resp, "/methodResponses/0/1/list/0",
		  "{\"id\":\"f1\",\"name\":\"Inbox\",\"sortOrder\":0,\"parentId\":null,"
		  "\"isSubscribed\":true,\"total\":0}");
	assert_at(resp, "/methodResponses/0/1/notFound", "[]");
	json_object_put(resp);
	resp = api1("Foo/get", "{\"accountId\":\"$A\",\"ids\":[\"f1\",\"f2\",\"f1\",\"nope\","
		    "\"nope\"],\"properties\":[\"note\",\"name\",\"note\"]}");
	assert_at(resp, "/methodResponses/0/1/list",
		  "[{\"id\":\"f1\",\"note\":\"n\",\"name\":\"Inbox\"},"
		  "{\"id\":\"f2\",\"note\":\"n\",\"name\":\"Drafts\"}]");
	assert_at(resp, "/methodResponses/0/1/notFound", "[\"nope\"]");
	json_object_put(resp);
	assert_method_error("Foo/get", "{\"accountId\":\"$A\",\"properties\":[\"bogus\"]}",
			    "invalidArguments");
	assert_method_error("Foo/get", "{\"accountId\":\"$A\",\"properties\":[1]}",
			    "invalidArguments");
	assert_method_error("Foo/get", "{\"accountId\":\"$A\",\"ids\":[1]}", "invalidArguments");
}

static void test_get_too_large(void **state)
{
	struct jmap_limits saved = fx->srv->limits;

	(void)state;
	fx->srv->limits.max_objects_in_get = 2;
	assert_method_error("Foo/get", "{\"accountId\":\"$A\",\"ids\":[\"f1\",\"f2\",\"f3\"]}",
			    "requestTooLarge");
	assert_method_error("Foo/get", "{\"accountId\":\"$A\"}", "requestTooLarge");
	fx->srv->limits = saved;
}

/* ---- /changes ---- */

static void test_changes(void **state)
{
	char since[32], *args, a[24], b[24], c[24], expected[128];
	json_object *resp;

	(void)state;
	snprintf(since, sizeof(since), "%s", foo_state());
	snprintf(a, sizeof(a), "%s", foo_new("ch-a"));
	snprintf(b, sizeof(b), "%s", foo_new("ch-b"));
	snprintf(c, sizeof(c), "%s", foo_new("ch-c"));
	args = xasprintf("{\"accountId\":\"$A\",\"update\":{\"%s\":{\"name\":\"ch-a2\"}},"
			 "\"destroy\":[\"%s\"]}", a, b);
	json_object_put(api1("Foo/set", args));
	free(args);

	args = xasprintf("{\"accountId\":\"$A\",\"sinceState\":%s}", since);
	resp = api1("Foo/changes", args);
	free(args);
	snprintf(expected, sizeof(expected), "[\"%s\",\"%s\"]", c, a);
	assert_at(resp, "/methodResponses/0/1/created", expected);
	assert_at(resp, "/methodResponses/0/1/updated", "[]");
	assert_at(resp, "/methodResponses/0/1/destroyed", "[]");
	assert_at(resp, "/methodResponses/0/1/hasMoreChanges", "false");
	assert_at(resp, "/methodResponses/0/1/updatedProperties", "null");
	assert_at(resp, "/methodResponses/0/1/oldState", since);
	snprintf(expected, sizeof(expected), "%s", foo_state());
	assert_at(resp, "/methodResponses/0/1/newState", expected);
	json_object_put(resp);

	/* paged one change at a time: c, then a, then b */
	args = xasprintf("{\"accountId\":\"$A\",\"sinceState\":%s,\"maxChanges\":1}", since);
	resp = api1("Foo/changes", args);
	free(args);
	snprintf(expected, sizeof(expected), "[\"%s\"]", c);
	assert_at(resp, "/methodResponses/0/1/created", expected);
	assert_at(resp, "/methodResponses/0/1/hasMoreChanges", "true");
	args = xasprintf("{\"accountId\":\"$A\",\"sinceState\":%s,\"maxChanges\":2}",
			 at(resp, "/methodResponses/0/1/newState"));
	json_object_put(resp);
	resp = api1("Foo/changes", args);
	free(args);
	snprintf(expected, sizeof(expected), "[\"%s\"]", a);
	assert_at(resp, "/methodResponses/0/1/updated", expected);
	snprintf(expected, sizeof(expected), "[\"%s\"]", b);
	assert_at(resp, "/methodResponses/0/1/destroyed", expected);
	assert_at(resp, "/methodResponses/0/1/hasMoreChanges", "false");
	json_object_put(resp);
}

static void test_changes_errors(void **state)
{
	(void)state;
	assert_method_error("Foo/changes", "{\"accountId\":\"$A\",\"sinceState\":\"x1\"}",
			    "cannotCalculateChanges");
	assert_method_error("Foo/changes", "{\"accountId\":\"$A\",\"sinceState\":\"99999\"}",
			    "cannotCalculateChanges");
	assert_method_error("Foo/changes", "{\"accountId\":\"$A\"}", "invalidArguments");
	assert_method_error("Foo/changes", "{\"accountId\":\"$A\",\"sinceState\":\"0\","
			    "\"maxChanges\":0}", "invalidArguments");
	assert_method_error("Foo/changes", "{\"accountId\":\"$A\",\"sinceState\":\"0\","
			    "\"maxChanges\":-3}", "invalidArguments");
}

/* ---- /set ---- */

static void assert_not_created(const char *obj, const char *props)
{
	char *args = xasprintf("{\"accountId\":\"$A\",\"create\":{\"x\":%s}}", obj);
	json_object *resp = api1("Foo/set", args);

	assert_at(resp, "/methodResponses/0/1/created", "null");
	assert_at(resp, "/methodResponses/0/1/notCreated/x/type", "\"invalidProperties\"");
	assert_at(resp, "/methodResponses/0/1/notCreated/x/properties", props);
	json_object_put(resp);
	free(args);
}

static void test_set_create_checks(void **state)
{
	(void)state;
	assert_not_created("{\"name\":\"v\",\"bogus\":1}", "[\"bogus\"]");
	assert_not_created("{\"name\":\"v\",\"total\":0,\"id\":\"f1\"}", "[\"total\",\"id\"]");
	assert_not_created("{\"name\":5}", "[\"name\"]");
	assert_not_created("{\"name\":\"v\",\"sortOrder\":-1}", "[\"sortOrder\"]");
	assert_not_created("{\"name\":\"v\",\"sortOrder\":1.5}", "[\"sortOrder\"]");
	assert_not_created("{\"name\":\"v\",\"isSubscribed\":\"yes\"}", "[\"isSubscribed\"]");
	assert_not_created("{\"name\":\"v\",\"parentId\":\"bad id\"}", "[\"parentId\"]");
	assert_not_created("{\"name\":null}", "[\"name\"]");
	/* the type's own check */
	assert_not_created("{\"parentId\":null}", "[\"name\"]");
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"create\":{\"a b\":{}}}",
			    "invalidArguments");
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"create\":{\"x\":1}}",
			    "invalidArguments");
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"update\":{\"f1\":1}}",
			    "invalidArguments");
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"destroy\":[1]}",
			    "invalidArguments");
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"create\":[]}", "invalidArguments");
}

static void test_set_create_update_destroy(void **state)
{
	json_object *resp = api1("Foo/set",
		"{\"accountId\":\"$A\",\"extraSetArg\":true,"
		"\"create\":{\"c1\":{\"name\":\"sx-1\"},\"c2\":{\"name\":\"sx-2\",\"parentId\":\"#c1\"}},"
		"\"update\":{\"#c1\":{\"name\":\"sx-1b\"},\"f9999\":{\"name\":\"z\"},"
		"\"#nope\":{\"name\":\"z\"}},"
		"\"destroy\":[\"#c2\",\"f9999\"]}");
	char id1[32], id2[32], expected[128];

	(void)state;
	snprintf(id1, sizeof(id1), "%s", at(resp, "/methodResponses/0/1/created/c1/id"));
	snprintf(id2, sizeof(id2), "%s", at(resp, "/methodResponses/0/1/created/c2/id"));
	assert_at(resp, "/methodResponses/0/1/created/c1/total", "0");
	snprintf(expected, sizeof(expected), "{%s:null}", id1);
	assert_at(resp, "/methodResponses/0/1/updated", expected);
	snprintf(expected, sizeof(expected), "[%s]", id2);
	assert_at(resp, "/methodResponses/0/1/destroyed", expected);
	assert_at(resp, "/methodResponses/0/1/notUpdated/f9999/type", "\"notFound\"");
	assert_at(resp, "/methodResponses/0/1/notUpdated/#nope/type", "\"notFound\"");
	assert_at(resp, "/methodResponses/0/1/notDestroyed/f9999/type", "\"notFound\"");
	assert_at(resp, "/methodResponses/0/1/notCreated", "null");
	json_object_put(resp);
}

static void assert_not_updated(const char *id, const char *patch, const char *type)
{
	char *args = xasprintf("{\"accountId\":\"$A\",\"update\":{\"%s\":%s}}", id, patch);
	json_object *resp = api1("Foo/set", args);
	char expected[64], path[64];

	snprintf(expected, sizeof(expected), "\"%s\"", type);
	snprintf(path, sizeof(path), "/methodResponses/0/1/notUpdated/%s/type", id);
	assert_at(resp, path, expected);
	assert_at(resp, "/methodResponses/0/1/updated", "null");
	json_object_put(resp);
	free(args);
}

static void assert_updated(const char *id, const char *patch)
{
	char *args = xasprintf("{\"accountId\":\"$A\",\"update\":{\"%s\":%s}}", id, patch);
	json_object *resp = api1("Foo/set", args);
	char path[64];

	snprintf(path, sizeof(path), "/methodResponses/0/1/updated/%s", id);
	assert_at(resp, path, "null");
	assert_at(resp, "/methodResponses/0/1/notUpdated", "null");
	json_object_put(resp);
	free(args);
}

static void test_set_patch_checks(void **state)
{
	char id[24];

	(void)state;
	snprintf(id, sizeof(id), "%s", foo_new("patch-me"));
	assert_not_updated(id, "{\"bogus\":1}", "invalidProperties");
	assert_not_updated(id, "{\"total\":5}", "invalidProperties");
	assert_not_updated(id, "{\"id\":\"f1\"}", "invalidProperties");
	assert_not_updated(id, "{\"parentId\":\"f1\"}", "invalidProperties");
	assert_not_updated(id, "{\"name\":7}", "invalidProperties");
	assert_not_updated(id, "{\"name/x\":\"y\"}", "invalidProperties");
	assert_not_updated(id, "{\"total/x\":1}", "invalidProperties");
	assert_not_updated(id, "{\"\":1}", "invalidPatch");
	assert_not_updated(id, "{\"name~2\":1}", "invalidPatch");
	assert_not_updated(id, "{\"note\":\"a\",\"note/x\":1}", "invalidPatch");
	/* server-set and immutable values equal to the current ones pass */
	assert_updated(id, "{\"total\":0,\"parentId\":null,\"name\":\"patched\"}");
	{
		char *patch = xasprintf("{\"id\":\"%s\",\"sortOrder\":4}", id);

		assert_updated(id, patch);
		free(patch);
	}
	assert_not_updated("f9999", "{\"total\":0}", "notFound");
}

static void test_set_state_and_limits(void **state)
{
	struct jmap_limits saved = fx->srv->limits;
	char *args, st[32];
	json_object *resp;

	(void)state;
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"ifInState\":\"1\","
			    "\"create\":{\"x\":{\"name\":\"never\"}}}", "stateMismatch");
	snprintf(st, sizeof(st), "%s", foo_state());
	args = xasprintf("{\"accountId\":\"$A\",\"ifInState\":%s}", st);
	resp = api1("Foo/set", args);
	assert_at(resp, "/methodResponses/0/1/oldState", st);
	assert_at(resp, "/methodResponses/0/1/newState", st);
	assert_at(resp, "/methodResponses/0/1/created", "null");
	assert_at(resp, "/methodResponses/0/1/destroyed", "null");
	json_object_put(resp);
	free(args);
	fx->srv->limits.max_objects_in_set = 2;
	assert_method_error("Foo/set", "{\"accountId\":\"$A\",\"create\":{\"x\":{\"name\":\"a\"}},"
			    "\"update\":{\"f2\":{}},\"destroy\":[\"f9\"]}", "requestTooLarge");
	fx->srv->limits = saved;
}

static int bus_events;

static void on_bus(const struct bus_event *event, void *context)
{
	(void)context;
	if ((event->types & (1ULL << STORE_TYPE_MAILBOX)) != 0)
		bus_events++;
}

/* A method that fails keeps nothing of what it did before failing, and
 * publishes nothing; a method that succeeds publishes its change. */
static void test_set_failure_rolls_back(void **state)
{
	struct bus_subscription *sub = bus_subscribe(fx->user.account_id, on_bus, NULL);
	char before[32];
	json_object *resp;

	(void)state;
	snprintf(before, sizeof(before), "%s", foo_state());
	resp = api1("Foo/set", "{\"accountId\":\"$A\",\"create\":{\"x\":{\"name\":\"rolled\"}},"
		    "\"destroy\":[\"f1\"]}");
	assert_at(resp, "/methodResponses/0/1/type", "\"serverFail\"");
	assert_at(resp, "/methodResponses/0/1/description", "\"An internal error occurred\"");
	assert_at(resp, "/createdIds", "<none>");
	json_object_put(resp);
	assert_string_equal(foo_state(), before);
	assert_int_equal(bus_events, 0);
	foo_new("published");
	assert_int_equal(bus_events, 1);
	bus_unsubscribe(&sub);
}

/* ---- /query ---- */

static void assert_query(const char *args, const char *pointer, const char *expected)
{
	char *full = xasprintf("{\"accountId\":\"$A\"%s%s}", *args != '\0' ? "," : "", args);
	json_object *resp = api1("Foo/query", full);
	char path[128];

	snprintf(path, sizeof(path), "/methodResponses/0/1%s", pointer);
	assert_at(resp, path, expected);
	json_object_put(resp);
	free(full);
}

static void test_query_filters(void **state)
{
	(void)state;
	assert_query("\"filter\":{\"name\":\"Inbox\"}", "/ids", "[\"f1\"]");
	assert_query("\"filter\":{\"operator\":\"OR\",\"conditions\":[{\"name\":\"Inbox\"},"
		     "{\"name\":\"Drafts\"}]}", "/ids", "[\"f1\",\"f2\"]");
	assert_query("\"filter\":{\"operator\":\"AND\",\"conditions\":[{\"name\":\"Dra\"},"
		     "{\"name\":\"fts\"}]}", "/ids", "[\"f2\"]");
	assert_query("\"filter\":{\"operator\":\"NOT\",\"conditions\":[{\"name\":\"a\"},"
		     "{\"name\":\"e\"},{\"name\":\"-\"}]}", "/ids", "[\"f1\",\"f5\"]");
	assert_query("\"filter\":{\"operator\":\"AND\",\"conditions\":[{\"name\":\"Inbox\"},"
		     "{\"operator\":\"NOT\",\"conditions\":[{\"name\":\"Inbox\"}]}]}", "/ids", "[]");
	assert_query("\"filter\":{\"name\":\"Inbox\"},\"sort\":[{\"property\":\"name\","
		     "\"isAscending\":true,\"collation\":\"i;ascii-casemap\"}]", "/ids", "[\"f1\"]");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":{\"operator\":\"XOR\","
			    "\"conditions\":[{}]}}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":{\"operator\":\"AND\","
			    "\"conditions\":[]}}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":{\"operator\":\"AND\","
			    "\"conditions\":[{}],\"name\":\"x\"}}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":{\"operator\":\"AND\","
			    "\"conditions\":[5]}}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":[]}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":{\"hasColour\":true}}",
			    "unsupportedFilter");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"filter\":{\"name\":5}}",
			    "invalidArguments");
}

static void test_query_sorts(void **state)
{
	(void)state;
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"sort\":[{\"property\":\"total\"}]}",
			    "unsupportedSort");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"sort\":[{\"property\":\"name\","
			    "\"collation\":\"i;klingon\"}]}", "unsupportedSort");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"sort\":[{\"property\":\"name\","
			    "\"isAscending\":\"no\"}]}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"sort\":[{\"isAscending\":true}]}",
			    "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"sort\":[{\"property\":\"name\","
			    "\"colour\":1}]}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"sort\":{}}", "invalidArguments");
}

static void test_query_window(void **state)
{
	struct jmap_limits saved = fx->srv->limits;
	const char *f = "\"filter\":{\"operator\":\"OR\",\"conditions\":[{\"name\":\"Inbox\"},"
			"{\"name\":\"Drafts\"},{\"name\":\"Sent\"}]}";
	char args[512];

	(void)state;
	snprintf(args, sizeof(args), "%s,\"position\":-2,\"calculateTotal\":true", f);
	assert_query(args, "/ids", "[\"f2\",\"f3\"]");
	assert_query(args, "/position", "1");
	assert_query(args, "/total", "3");
	assert_query(args, "/canCalculateChanges", "true");
	assert_query(args, "/limit", "500");
	assert_query(args, "/queryState", foo_state_copy());
	snprintf(args, sizeof(args), "%s,\"position\":-10", f);
	assert_query(args, "/ids", "[\"f1\",\"f2\",\"f3\"]");
	snprintf(args, sizeof(args), "%s,\"position\":10", f);
	assert_query(args, "/ids", "[]");
	snprintf(args, sizeof(args), "%s,\"position\":1,\"limit\":1", f);
	assert_query(args, "/ids", "[\"f2\"]");
	assert_query(args, "/limit", "<none>");
	snprintf(args, sizeof(args), "%s,\"anchor\":\"f3\",\"anchorOffset\":-1,\"position\":0", f);
	assert_query(args, "/ids", "[\"f2\",\"f3\"]");
	snprintf(args, sizeof(args), "%s,\"anchor\":\"f1\",\"anchorOffset\":-5", f);
	assert_query(args, "/position", "0");
	snprintf(args, sizeof(args), "%s,\"noChanges\":true", f);
	assert_query(args, "/canCalculateChanges", "false");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"anchor\":\"f9999\"}",
			    "anchorNotFound");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"limit\":-1}", "invalidArguments");
	assert_method_error("Foo/query", "{\"accountId\":\"$A\",\"position\":\"1\"}",
			    "invalidArguments");
	fx->srv->limits.max_objects_in_get = 2;
	assert_query(f, "/ids", "[\"f1\",\"f2\"]");
	assert_query(f, "/limit", "2");
	fx->srv->limits = saved;
}

/* ---- /queryChanges ---- */

static json_object *query_changes(const char *since, const char *extra)
{
	char *args = xasprintf("{\"accountId\":\"$A\",\"sinceQueryState\":%s%s}", since, extra);
	json_object *resp = api1("Foo/queryChanges", args);

	free(args);
	return resp;
}

static void test_query_changes(void **state)
{
	char since[32], gone[24], added[24], expected[256], *args;
	json_object *resp;

	(void)state;
	snprintf(gone, sizeof(gone), "%s", foo_new("qc-gone"));
	snprintf(since, sizeof(since), "%s", foo_state());
	snprintf(added, sizeof(added), "%s", foo_new("qc-new"));
	args = xasprintf("{\"accountId\":\"$A\",\"update\":{\"f2\":{\"sortOrder\":9}},"
			 "\"destroy\":[\"%s\"]}", gone);
	json_object_put(api1("Foo/set", args));
	free(args);

	resp = query_changes(since, ",\"filter\":{\"name\":\"qc-\"},\"calculateTotal\":true");
	snprintf(expected, sizeof(expected), "[\"f2\",\"%s\"]", gone);
	assert_at(resp, "/methodResponses/0/1/removed", expected);
	snprintf(expected, sizeof(expected), "[{\"id\":\"%s\",\"index\":0}]", added);
	assert_at(resp, "/methodResponses/0/1/added", expected);
	assert_at(resp, "/methodResponses/0/1/total", "1");
	assert_at(resp, "/methodResponses/0/1/oldQueryState", since);
	snprintf(expected, sizeof(expected), "%s", foo_state());
	assert_at(resp, "/methodResponses/0/1/newQueryState", expected);
	json_object_put(resp);

	/* unfiltered: f2 comes back at its index, before the new one */
	resp = query_changes(since, "");
	assert_at(resp, "/methodResponses/0/1/added/0", "{\"id\":\"f2\",\"index\":1}");
	snprintf(expected, sizeof(expected), "\"%s\"", added);
	assert_at(resp, "/methodResponses/0/1/added/1/id", expected);
	assert_at(resp, "/methodResponses/0/1/total", "<none>");
	json_object_put(resp);

	/* upToId counts when filter and sort are on immutable properties */
	resp = query_changes(since, ",\"filter\":{\"parentId\":null},"
			     "\"sort\":[{\"property\":\"parentId\"}],\"upToId\":\"f1\"");
	snprintf(expected, sizeof(expected), "[\"%s\"]", gone);
	assert_at(resp, "/methodResponses/0/1/removed", expected);
	assert_at(resp, "/methodResponses/0/1/added", "[]");
	json_object_put(resp);
	/* and not otherwise */
	resp = query_changes(since, ",\"filter\":{\"parentId\":null},"
			     "\"sort\":[{\"property\":\"name\"}],\"upToId\":\"f1\"");
	assert_at(resp, "/methodResponses/0/1/added/0", "{\"id\":\"f2\",\"index\":1}");
	json_object_put(resp);

	resp = query_changes(since, ",\"maxChanges\":1");
	assert_at(resp, "/methodResponses/0/1/type", "\"tooManyChanges\"");
	json_object_put(resp);
	resp = query_changes(since, ",\"noChanges\":true");
	assert_at(resp, "/methodResponses/0/1/type", "\"cannotCalculateChanges\"");
	json_object_put(resp);
	resp = query_changes("\"s1\"", "");
	assert_at(resp, "/methodResponses/0/1/type", "\"cannotCalculateChanges\"");
	json_object_put(resp);
	assert_method_error("Foo/queryChanges", "{\"accountId\":\"$A\"}", "invalidArguments");
}

/* ---- the Mailbox type through the same machinery ---- */

static void test_mailbox_methods(void **state)
{
	json_object *resp = api(
		"{" USING ",\"methodCalls\":["
		"[\"Mailbox/query\",{\"accountId\":\"$A\",\"filter\":{\"role\":\"inbox\"}},\"q\"],"
		"[\"Mailbox/get\",{\"accountId\":\"$A\",\"#ids\":{\"resultOf\":\"q\","
		"\"name\":\"Mailbox/query\",\"path\":\"/ids\"},\"properties\":[\"name\",\"role\"]},"
		"\"g\"],"
		"[\"Mailbox/set\",{\"accountId\":\"$A\",\"create\":{\"m\":{\"name\":\"Projects\","
		"\"parentId\":null}},\"update\":{\"#m\":{\"isSubscribed\":false}}},\"s\"],"
		"[\"Mailbox/changes\",{\"accountId\":\"$A\",\"sinceState\":\"0\"},\"c\"],"
		"[\"Mailbox/set\",{\"accountId\":\"$A\",\"create\":{\"bad\":{\"name\":\"x\","
		"\"totalEmails\":3}},\"destroy\":[\"#m\"]},\"d\"],"
		"[\"Mailbox/get\",{\"accountId\":\"$A\",\"properties\":[\"bogus\"]},\"e\"]]}");
	char id[64];

	(void)state;
	assert_at(resp, "/methodResponses/0/1/ids", "[\"m1\"]");
	assert_at(resp, "/methodResponses/1/1/list", "[{\"id\":\"m1\",\"name\":\"Inbox\","
		  "\"role\":\"inbox\"}]");
	assert_at(resp, "/methodResponses/2/1/notCreated", "null");
	assert_at(resp, "/methodResponses/2/1/notUpdated", "null");
	assert_at(resp, "/methodResponses/3/0", "\"Mailbox/changes\"");
	assert_at(resp, "/methodResponses/4/1/notCreated/bad/properties", "[\"totalEmails\"]");
	snprintf(id, sizeof(id), "[%s]", at(resp, "/methodResponses/2/1/created/m/id"));
	assert_at(resp, "/methodResponses/4/1/destroyed", id);
	assert_at(resp, "/methodResponses/5/1/type", "\"invalidArguments\"");
	json_object_put(resp);
}

/* ---- blobs ---- */

static json_object *upload(const char *account, const char *data, size_t len, int *status_r)
{
	json_object *problem = NULL;
	struct jmap_upload *up = jmap_upload_begin(fx->srv, &fx->user, account, "text/plain", 0,
						   status_r, &problem);

	if (up == NULL)
		return problem;
	assert_null(problem);
	for (size_t i = 0; i < len; i += 3)
		jmap_upload_write(up, data + i, len - i < 3 ? len - i : 3);
	return jmap_upload_finish(&up, status_r);
}

static void test_blob_roundtrip(void **state)
{
	int status, fd;
	json_object *resp = upload(fx->account, "hello, blob", 11, &status);
	char blob_id[80], buf[32];
	uint64_t size;

	(void)state;
	assert_int_equal(status, 201);
	assert_at(resp, "/accountId", "\"a1\"");
	assert_at(resp, "/type", "\"text/plain\"");
	assert_at(resp, "/size", "11");
	snprintf(blob_id, sizeof(blob_id), "%s", json_object_get_string(
		json_object_object_get(resp, "blobId")));
	json_object_put(resp);
	fd = jmap_download_open(fx->srv, &fx->user, fx->account, blob_id, &size, &status);
	assert_true(fd >= 0);
	assert_int_equal(size, 11);
	assert_int_equal(read(fd, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "hello, blob", 11);
	close(fd);
	assert_int_equal(jmap_download_open(fx->srv, &fx->user, fx->account, "Gnope", &size,
					    &status), -1);
	assert_int_equal(status, 404);
	assert_int_equal(jmap_download_open(fx->srv, &fx->user, "a999", blob_id, &size, &status),
			 -1);
	assert_int_equal(status, 404);
	assert_int_equal(jmap_download_open(fx->srv, &fx->user, "x", blob_id, &size, &status), -1);
	assert_int_equal(status, 404);
}

static void test_blob_refusals(void **state)
{
	struct jmap_limits saved = fx->srv->limits;
	json_object *problem = NULL, *resp;
	struct store_principal bob = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "bob",
					.role = "user" };
	struct jmap_upload *ups[8];
	const char *error;
	char other[16];
	int status;

	(void)state;
	assert_int_equal(store_principal_create(fx->store, &bob, &error), 0);
	jmap_account_id_format(bob.id, other);
	resp = upload(other, "x", 1, &status);
	assert_int_equal(status, 403);
	json_object_put(resp);
	resp = upload("a77", "x", 1, &status);
	assert_int_equal(status, 404);
	json_object_put(resp);

	fx->srv->limits.max_size_upload = 5;
	assert_null(jmap_upload_begin(fx->srv, &fx->user, fx->account, NULL, 6, &status, &problem));
	assert_int_equal(status, 413);
	assert_at(problem, "/limit", "\"maxSizeUpload\"");
	json_object_put(problem);
	resp = upload(fx->account, "123456", 6, &status);
	assert_int_equal(status, 413);
	assert_at(resp, "/limit", "\"maxSizeUpload\"");
	json_object_put(resp);
	resp = upload(fx->account, "12345", 5, &status);
	assert_int_equal(status, 201);
	json_object_put(resp);

	for (int64_t i = 0; i < fx->srv->limits.max_concurrent_upload; i++) {
		ups[i] = jmap_upload_begin(fx->srv, &fx->user, fx->account, NULL, 0, &status, &problem);
		assert_non_null(ups[i]);
	}
	assert_null(jmap_upload_begin(fx->srv, &fx->user, fx->account, NULL, 0, &status, &problem));
	assert_at(problem, "/limit", "\"maxConcurrentUpload\"");
	json_object_put(problem);
	for (int64_t i = 0; i < fx->srv->limits.max_concurrent_upload; i++)
		jmap_upload_abort(&ups[i]);
	assert_int_equal(fx->srv->uploads_in_flight, 0);
	fx->srv->limits = saved;
}

/* ---- the session ---- */

static void test_session(void **state)
{
	json_object *s = jmap_session_resource(fx->srv, &fx->user, "https://mail.example.org");

	(void)state;
	assert_at(s, "/capabilities/urn:ietf:params:jmap:core/maxSizeUpload", "52428800");
	assert_at(s, "/capabilities/urn:ietf:params:jmap:core/maxCallsInRequest", "32");
	assert_at(s, "/capabilities/urn:ietf:params:jmap:core/collationAlgorithms",
		  "[\"i;ascii-numeric\",\"i;ascii-casemap\",\"i;unicode-casemap\"]");
	assert_at(s, "/capabilities/urn:ietf:params:jmap:mail", "{}");
	assert_at(s, "/capabilities/urn:tern:imap", "<none>");
	assert_at(s, "/accounts/a1/name", "\"alice@example.org\"");
	assert_at(s, "/accounts/a1/isPersonal", "true");
	assert_at(s, "/accounts/a1/accountCapabilities/urn:ietf:params:jmap:mail/maxMailboxDepth",
		  "10");
	assert_at(s, "/primaryAccounts/urn:ietf:params:jmap:mail", "\"a1\"");
	assert_at(s, "/username", "\"alice@example.org\"");
	assert_at(s, "/apiUrl", "\"https://mail.example.org/jmap/\"");
	assert_at(s, "/downloadUrl", "\"https://mail.example.org/jmap/download/{accountId}/"
		  "{blobId}/{name}?accept={type}\"");
	assert_at(s, "/uploadUrl", "\"https://mail.example.org/jmap/upload/{accountId}/\"");
	assert_at(s, "/eventSourceUrl", "\"https://mail.example.org/jmap/eventsource/"
		  "?types={types}&closeafter={closeafter}&ping={ping}\"");
	json_object_put(s);
}

static void test_ids(void **state)
{
	uint64_t n;
	uint32_t a;

	(void)state;
	assert_int_equal(jmap_id_parse('m', "m12", &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(jmap_id_parse('m', "m0", &n), -1);
	assert_int_equal(jmap_id_parse('m', "m012", &n), -1);
	assert_int_equal(jmap_id_parse('m', "x12", &n), -1);
	assert_int_equal(jmap_id_parse('m', "m18446744073709551616", &n), -1);
	assert_int_equal(jmap_id_parse('m', "m18446744073709551615", &n), 0);
	assert_int_equal(jmap_account_id_parse("a4294967296", &a), -1);
	assert_int_equal(jmap_account_id_parse("a4294967295", &a), 0);
	assert_true(jmap_id_valid("a-_Z9"));
	assert_false(jmap_id_valid(""));
	assert_false(jmap_id_valid("a b"));
	assert_int_equal(jmap_state_parse("0", &n), 0);
	assert_int_equal(jmap_state_parse("", &n), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_strict_json_accepted),
		cmocka_unit_test(test_not_json_embedded_nul),
		cmocka_unit_test(test_truncated_and_mangled),
		cmocka_unit_test(test_not_request),
		cmocka_unit_test(test_unknown_capability),
		cmocka_unit_test(test_limit_calls),
		cmocka_unit_test(test_limit_size),
		cmocka_unit_test(test_limit_concurrent),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_unknown_method),
		cmocka_unit_test(test_account_checks),
		cmocka_unit_test(test_unknown_arguments),
		cmocka_unit_test(test_result_references),
		cmocka_unit_test(test_result_reference_bound),
		cmocka_unit_test(test_created_ids),
		cmocka_unit_test(test_invoke),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_get_too_large),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_changes_errors),
		cmocka_unit_test(test_set_create_checks),
		cmocka_unit_test(test_set_create_update_destroy),
		cmocka_unit_test(test_set_patch_checks),
		cmocka_unit_test(test_set_state_and_limits),
		cmocka_unit_test(test_set_failure_rolls_back),
		cmocka_unit_test(test_query_filters),
		cmocka_unit_test(test_query_sorts),
		cmocka_unit_test(test_query_window),
		cmocka_unit_test(test_query_changes),
		cmocka_unit_test(test_mailbox_methods),
		cmocka_unit_test(test_blob_roundtrip),
		cmocka_unit_test(test_blob_refusals),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_ids),
	};

	jmap_methods_register_type(&foo_type);
	return cmocka_run_group_tests(tests, setup, teardown);
}
