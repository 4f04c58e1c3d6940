#ifndef TERN_TESTS_JMAP_FIXTURE_H
#define TERN_TESTS_JMAP_FIXTURE_H

/* Shared fixture for the cmocka tests that drive JMAP methods through
 * jmap_invoke() over a real store in a temporary directory. Include
 * after <cmocka.h>. */
#include <stdarg.h>

#include "jmap/jmap.h"
#include "store/store.h"

struct jmap_fixture {
	char dir[256];
	char account[16];
	struct store *store;
	struct config *cfg;
	struct jmap_server *srv;
	struct directory_identity user;
};

/* Opens a store under $TERN_TEST_TMP (or /tmp) in a fresh directory
 * named name-XXXXXX, creates principal p (its id is set), loads
 * config_text and provisions the account; the user is p named "alice".
 * Fails the test on any error. */
void jmap_fixture_open(struct jmap_fixture *fx, const char *name, const char *config_text,
		       struct store_principal *p);

/* Frees what jmap_fixture_open() made and removes the directory. */
void jmap_fixture_close(struct jmap_fixture *fx);

/* cmocka setup/teardown for a heap jmap_fixture of user "alice" with
 * the default configuration. */
int jmap_fixture_setup(void **state);
int jmap_fixture_teardown(void **state);

/* A cmocka test run on its own fresh jmap_fixture_setup() fixture. */
#define jmap_fixture_test(fn) \
	cmocka_unit_test_setup_teardown(fn, jmap_fixture_setup, jmap_fixture_teardown)

/* A cmocka test whose own setup fills a heap jmap_fixture through
 * jmap_fixture_open(). */
#define jmap_fixture_test_setup(fn, setup) \
	cmocka_unit_test_setup_teardown(fn, setup, jmap_fixture_teardown)

/* Parses printf-formatted JSON (new reference); fails the test on bad
 * JSON. Nesting up to 256 deep, so tests can reach server limits. */
json_object *jmap_fixture_parse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
json_object *jmap_fixture_vparse(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Runs one call with args (borrowed); returns every response (new
 * reference). */
json_object *jmap_fixture_invoke_all(struct jmap_fixture *fx, const char *method,
				     json_object *args);

/* Runs one call with args (borrowed); returns the arguments of the
 * first response (new reference) and its name in name_r. */
json_object *jmap_fixture_invoke(struct jmap_fixture *fx, const char *method, json_object *args,
				 char name_r[64]);

/* The value at a "/"-separated path (borrowed, NULL if absent);
 * segments index arrays by number and objects by key. */
json_object *jpath(json_object *obj, const char *path);

/* The string form of the value at path, NULL if absent. */
const char *jstr(json_object *obj, const char *path);

#endif
