/* The DKIM keys of the directory: made with a new domain, made on the
 * first lookup of a domain that had none, stable across lookups, gone
 * with the domain, usable for signing. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "directory/directory_dkim.h"
#include "store/store.h"
#include "store/store_dkim.h"

struct fixture {
	char *path;
	struct store *store;
	struct config *cfg;
	struct directory *dir;
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *tmp = getenv("TERN_TEST_TMP"), *error = NULL;
	char *generated = NULL;

	f->path = xasprintf("%s/test_directory_dkim.XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->path));
	if (store_open(f->path, &f->store, &error) < 0)
		fail_msg("store_open: %s", error);
	f->cfg = config_load_string("authentication = { fallback-admin = { user = \"admin\";"
				    " secret = \"pw\"; }; };\n", "test", &error);
	assert_non_null(f->cfg);
	if (directory_open(f->store, f->cfg, &f->dir, &generated, &error) < 0)
		fail_msg("directory_open: %s", error);
	free(generated);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	directory_close(&f->dir);
	store_close(&f->store);
	config_free(&f->cfg);
	nftw(f->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->path);
	free(f);
	return 0;
}

static uint32_t create_domain(struct fixture *f, const char *name)
{
	struct store_principal p = { .type = STORE_PRINCIPAL_DOMAIN, .name = xstrdup(name) };
	const char *error = NULL;
	int status = 0;

	if (directory_principal_create(f->dir, &p, &status, &error) < 0)
		fail_msg("create %s: %s", name, error);
	free(p.name);
	free(p.role);
	return p.id;
}

static void expected_selectors(char rsa[16], char ed[16])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	assert_int_equal(strftime(rsa, 16, "%Y%mr", &tm), 7);
	assert_int_equal(strftime(ed, 16, "%Y%me", &tm), 7);
}

static void test_new_domain_has_keys(void **state)
{
	struct fixture *f = *state;
	struct directory_dkim_key *keys = NULL, *again = NULL;
	size_t count = 0, count2 = 0;
	char rsa[16], ed[16];
	const char *error = NULL;

	expected_selectors(rsa, ed);
	uint32_t id = create_domain(f, "Example.ORG");
	struct store_dkim_key *stored = NULL;
	assert_int_equal(store_dkim_keys_get(f->store, id, &stored, &count, &error), 0);
	assert_int_equal(count, 2);
	store_dkim_keys_free(&stored, count);

	assert_int_equal(directory_dkim_keys(f->dir, "EXAMPLE.org", &keys, &count), 1);
	assert_int_equal(count, 2);
	assert_int_equal(keys[0].algorithm, DKIM_RSA_SHA256);
	assert_string_equal(keys[0].selector, rsa);
	assert_true(strncmp(keys[0].dns_txt, "v=DKIM1; k=rsa; p=", 18) == 0);
	assert_int_equal(keys[1].algorithm, DKIM_ED25519_SHA256);
	assert_string_equal(keys[1].selector, ed);
	assert_true(strncmp(keys[1].dns_txt, "v=DKIM1; k=ed25519; p=", 22) == 0);
	assert_true(keys[0].created_at > 0);
	/* the same keys on every lookup */
	assert_int_equal(directory_dkim_keys(f->dir, "example.org", &again, &count2), 1);
	assert_int_equal(count2, 2);
	assert_string_equal(again[0].private_pem, keys[0].private_pem);
	assert_string_equal(again[1].private_pem, keys[1].private_pem);
	/* they sign */
	char *sig = dkim_sign("example.org", keys[1].selector, keys[1].algorithm,
			      keys[1].private_pem, "From: a@example.org\r\n\r\nx\r\n", 25,
			      time(NULL), &error);
	assert_non_null(sig);
	free(sig);
	directory_dkim_keys_free(&keys, count);
	assert_null(keys);
	directory_dkim_keys_free(&again, count2);
}

static void test_unknown_domain(void **state)
{
	struct fixture *f = *state;
	struct directory_dkim_key *keys = NULL;
	size_t count = 0;
	struct store_principal p = { .type = STORE_PRINCIPAL_GROUP, .name = xstrdup("team") };
	const char *error = NULL;
	int status;

	assert_int_equal(directory_dkim_keys(f->dir, "nowhere.test", &keys, &count), 0);
	assert_int_equal(directory_dkim_keys(f->dir, NULL, &keys, &count), 0);
	assert_int_equal(directory_principal_create(f->dir, &p, &status, &error), 0);
	/* a principal that is not a domain has no keys */
	assert_int_equal(directory_dkim_keys(f->dir, "team", &keys, &count), 0);
	free(p.name);
	free(p.role);
	assert_int_equal(store_dkim_keys_get(f->store, p.id, &(struct store_dkim_key *){ NULL },
					     &count, &error), 0);
	assert_int_equal(count, 0);
}

/* A domain stored without keys (created before DKIM) gets them on its
 * first lookup. */
static void test_old_domain_gets_keys(void **state)
{
	struct fixture *f = *state;
	struct store_principal p = { .type = STORE_PRINCIPAL_DOMAIN, .name = "old.test",
				     .role = "user" };
	struct directory_dkim_key *keys = NULL;
	struct store_dkim_key *stored = NULL;
	size_t count = 0;
	const char *error = NULL;

	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	assert_int_equal(store_dkim_keys_get(f->store, p.id, &stored, &count, &error), 0);
	assert_int_equal(count, 0);
	assert_null(stored);
	assert_int_equal(directory_dkim_keys(f->dir, "old.test", &keys, &count), 1);
	assert_int_equal(count, 2);
	directory_dkim_keys_free(&keys, count);
	/* a second create does nothing */
	assert_int_equal(directory_dkim_keys_create(f->dir, p.id, &error), 0);
	assert_int_equal(store_dkim_keys_get(f->store, p.id, &stored, &count, &error), 0);
	assert_int_equal(count, 2);
	store_dkim_keys_free(&stored, count);
	/* no principal: no keys */
	assert_int_equal(directory_dkim_keys_create(f->dir, 999999, &error), -1);
	assert_int_equal(store_last_error(), STORE_ERR_NOT_FOUND);
}

static void test_keys_go_with_domain(void **state)
{
	struct fixture *f = *state;
	struct store_dkim_key *stored = NULL;
	struct directory_dkim_key *keys = NULL, *renewed = NULL;
	size_t count = 0, count2 = 0;
	const char *error = NULL;
	int status;

	uint32_t id = create_domain(f, "gone.test");
	assert_int_equal(directory_dkim_keys(f->dir, "gone.test", &keys, &count), 1);
	assert_int_equal(directory_principal_delete(f->dir, "gone.test", &status, &error), 0);
	assert_int_equal(store_dkim_keys_get(f->store, id, &stored, &count2, &error), 0);
	assert_int_equal(count2, 0);
	assert_int_equal(directory_dkim_keys(f->dir, "gone.test", &renewed, &count2), 0);
	/* created again: new keys */
	create_domain(f, "gone.test");
	assert_int_equal(directory_dkim_keys(f->dir, "gone.test", &renewed, &count2), 1);
	assert_string_not_equal(renewed[0].private_pem, keys[0].private_pem);
	directory_dkim_keys_free(&keys, count);
	directory_dkim_keys_free(&renewed, count2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_domain_has_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_domain_gets_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_go_with_domain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
