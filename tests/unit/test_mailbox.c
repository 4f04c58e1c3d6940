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
#include "jmap_fixture.h"
#include "jmap/jmap.h"
#include "store/store.h"

static int setup(void **state)
{
	struct jmap_fixture *f = calloc(1, sizeof(*f));
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	jmap_fixture_open(f, "mailbox", "jmap = { mailbox = { max-depth = 3; }; };", &p);
	*state = f;
	return 0;
}

/* Runs one call; args_text is a printf format taking the account id.
 * Returns the arguments of its first response (new ref) and its name
 * in name_r. */
static json_object *call(struct jmap_fixture *f, const char *method, const char *args_text,
			 char *name_r)
{
	json_object *args = jmap_fixture_parse(args_text, f->account);
	json_object *result = jmap_fixture_invoke(f, method, args, name_r);

	json_object_put(args);
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
	struct jmap_fixture *f = *state;
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
	struct jmap_fixture *f = *state;
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
	struct jmap_fixture *f = *state;
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
	struct jmap_fixture *f = *state;
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
	struct jmap_fixture *f = *state;
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
		jmap_fixture_test_setup(test_defaults, setup),
		jmap_fixture_test_setup(test_siblings_and_roles, setup),
		jmap_fixture_test_setup(test_cycles_depth_destroy, setup),
		jmap_fixture_test_setup(test_query_tree, setup),
		jmap_fixture_test_setup(test_provision_idempotent, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
