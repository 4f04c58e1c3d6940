/* Mailbox rules through jmap_invoke(), over a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "jmap/jmap.h"
#include "store/store.h"

struct fixture {
	char dir[256];
	struct store *store;
	struct config *cfg;
	struct jmap_server *srv;
	struct directory_identity user;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TERN_TEST_TMP"), *error;
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	snprintf(f->dir, sizeof(f->dir), "%s/mailbox-XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	f->cfg = config_load_string("jmap = { mailbox = { max-depth = 3; }; };", "test", &error);
	assert_non_null(f->cfg);
	f->srv = jmap_server_new(f->store, NULL, f->cfg);
	assert_int_equal(jmap_account_provision(f->srv, p.id, &error), 0);
	f->user.principal_id = p.id;
	f->user.account_id = p.id;
	snprintf(f->user.name, sizeof(f->user.name), "alice");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[300];

	jmap_server_free(&f->srv);
	store_close(&f->store);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Runs one call; returns the arguments of its first response (new ref)
 * and its name in name_r. */
static json_object *call(struct fixture *f, const char *method, const char *args_text,
			 char *name_r)
{
	char account[16], *text;
	json_object *args, *responses, *first, *result;

	jmap_account_id_format(f->user.account_id, account);
	assert_true(asprintf(&text, args_text, account) > 0);
	args = json_tokener_parse(text);
	assert_non_null(args);
	responses = jmap_invoke(f->srv, &f->user, method, args);
	first = json_object_array_get_idx(responses, 0);
	strcpy(name_r, json_object_get_string(json_object_array_get_idx(first, 0)));
	result = json_object_get(json_object_array_get_idx(first, 1));
	json_object_put(responses);
	json_object_put(args);
	free(text);
	return result;
}

static const char *path_str(json_object *obj, const char *a, const char *b)
{
	json_object *v = json_object_object_get(obj, a);

	if (b != NULL)
		v = json_object_object_get(v, b);
	return v != NULL ? json_object_get_string(v) : NULL;
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	char name[64];
	json_object *r = call(f, "Mailbox/get", "{\"accountId\":\"%s\",\"ids\":null}", name);
	json_object *list = json_object_object_get(r, "list");
	const char *roles[] = { "inbox", "drafts", "sent", "archive", "junk", "trash" };

	assert_string_equal(name, "Mailbox/get");
	assert_int_equal(json_object_array_length(list), 6);
	for (size_t i = 0; i < 6; i++) {
		json_object *mb = json_object_array_get_idx(list, i);

		assert_string_equal(path_str(mb, "role", NULL), roles[i]);
		assert_true(json_object_get_boolean(json_object_object_get(mb, "isSubscribed")));
	}
	json_object_put(r);
}

static const char *set_error_type(json_object *r, const char *kind, const char *key)
{
	json_object *errs = json_object_object_get(r, kind);

	return path_str(json_object_object_get(errs, key), "type", NULL);
}

static void test_siblings_and_roles(void **state)
{
	struct fixture *f = *state;
	char name[64];
	json_object *r = call(f, "Mailbox/set",
		"{\"accountId\":\"%s\",\"create\":{"
		"\"a\":{\"name\":\"Work\"},"
		"\"b\":{\"name\":\"Work\"},"
		"\"c\":{\"name\":\"Child\",\"parentId\":\"#a\"},"
		"\"d\":{\"name\":\"Other\",\"role\":\"inbox\"},"
		"\"e\":{\"name\":\"Bad\",\"role\":\"haschildren\"},"
		"\"f\":{\"name\":\"a/b\"},"
		"\"g\":{\"name\":\"INBOX\"}}}", name);

	assert_string_equal(name, "Mailbox/set");
	assert_non_null(path_str(r, "created", "a"));
	assert_non_null(path_str(r, "created", "c"));
	assert_string_equal(set_error_type(r, "notCreated", "b"), "invalidProperties");
	assert_string_equal(set_error_type(r, "notCreated", "d"), "invalidProperties");
	assert_string_equal(set_error_type(r, "notCreated", "e"), "invalidProperties");
	assert_string_equal(set_error_type(r, "notCreated", "f"), "invalidProperties");
	assert_string_equal(set_error_type(r, "notCreated", "g"), "invalidProperties");
	json_object_put(r);
}

static void test_cycles_depth_destroy(void **state)
{
	struct fixture *f = *state;
	char name[64];
	json_object *r = call(f, "Mailbox/set",
		"{\"accountId\":\"%s\",\"create\":{"
		"\"a\":{\"name\":\"A\"},"
		"\"b\":{\"name\":\"B\",\"parentId\":\"#a\"},"
		"\"c\":{\"name\":\"C\",\"parentId\":\"#b\"},"
		"\"d\":{\"name\":\"D\",\"parentId\":\"#c\"}}}", name);
	char a[24], c[24], text[256];

	assert_string_equal(set_error_type(r, "notCreated", "d"), "invalidProperties");
	snprintf(a, sizeof(a), "%s", json_object_get_string(
		json_object_object_get(json_object_object_get(json_object_object_get(r, "created"), "a"), "id")));
	snprintf(c, sizeof(c), "%s", json_object_get_string(
		json_object_object_get(json_object_object_get(json_object_object_get(r, "created"), "c"), "id")));
	json_object_put(r);

	snprintf(text, sizeof(text), "{\"accountId\":\"%%s\",\"update\":{\"%s\":{\"parentId\":\"%s\"}},"
		 "\"destroy\":[\"%s\",\"m1\"]}", a, c, a);
	r = call(f, "Mailbox/set", text, name);
	assert_string_equal(set_error_type(r, "notUpdated", a), "invalidProperties");
	assert_string_equal(set_error_type(r, "notDestroyed", a), "mailboxHasChild");
	assert_string_equal(set_error_type(r, "notDestroyed", "m1"), "forbidden");
	json_object_put(r);
}

static void test_query_tree(void **state)
{
	struct fixture *f = *state;
	char name[64];
	json_object *r = call(f, "Mailbox/set",
		"{\"accountId\":\"%s\",\"create\":{"
		"\"z\":{\"name\":\"Zeta\",\"sortOrder\":0},"
		"\"y\":{\"name\":\"alpha\",\"parentId\":\"#z\"}}}", name);
	json_object *ids;

	json_object_put(r);
	r = call(f, "Mailbox/query",
		 "{\"accountId\":\"%s\",\"filter\":{\"hasAnyRole\":false},"
		 "\"sort\":[{\"property\":\"name\"}],\"sortAsTree\":true}", name);
	assert_string_equal(name, "Mailbox/query");
	ids = json_object_object_get(r, "ids");
	assert_int_equal(json_object_array_length(ids), 2);
	assert_false(json_object_get_boolean(json_object_object_get(r, "canCalculateChanges")));
	json_object_put(r);

	r = call(f, "Mailbox/query",
		 "{\"accountId\":\"%s\",\"filter\":{\"name\":\"ALPHA\"},\"filterAsTree\":true}", name);
	assert_int_equal(json_object_array_length(json_object_object_get(r, "ids")), 0);
	json_object_put(r);
	r = call(f, "Mailbox/query",
		 "{\"accountId\":\"%s\",\"filter\":{\"name\":\"ALPHA\"}}", name);
	assert_int_equal(json_object_array_length(json_object_object_get(r, "ids")), 1);
	json_object_put(r);
	r = call(f, "Mailbox/query", "{\"accountId\":\"%s\",\"filter\":{\"colour\":1}}", name);
	assert_string_equal(name, "error");
	assert_string_equal(path_str(r, "type", NULL), "unsupportedFilter");
	json_object_put(r);
}

static void test_provision_idempotent(void **state)
{
	struct fixture *f = *state;
	const char *error;
	char name[64];
	json_object *r;

	assert_int_equal(jmap_account_provision(f->srv, f->user.account_id, &error), 0);
	r = call(f, "Mailbox/get", "{\"accountId\":\"%s\",\"ids\":null,\"properties\":[\"name\"]}",
		 name);
	assert_int_equal(json_object_array_length(json_object_object_get(r, "list")), 6);
	assert_null(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(r, "list"), 0), "role"));
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_siblings_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles_depth_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_idempotent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
