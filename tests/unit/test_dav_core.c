/* What the JMAP core gives the DAV face (issue 6): no maxObjectsInGet
 * cap for in-process /get, /query and /changes (HTTP keeps it), the
 * davName filter of ContactCard/query, and "davDestroyed" in /changes:
 * the places destroyed, moved and renamed cards and events left, kept
 * in the store across restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jmap/jmap.h"
#include "store/store.h"

#include "jmap_fixture.h"

#define MAX_IN_GET 5

static int setup_small(void **state)
{
	struct jmap_fixture *f = calloc(1, sizeof(*f));
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	jmap_fixture_open(f, "davcore", "jmap = { max-objects-in-get = 5; };", &p);
	*state = f;
	return 0;
}

/* One in-process call; args is a printf format (accountId is added).
 * Fails the test unless the response is expect (NULL: the method). */
static json_object *call(struct jmap_fixture *f, const char *method, const char *expect,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static json_object *call(struct jmap_fixture *f, const char *method, const char *expect,
			 const char *fmt, ...)
{
	json_object *args, *r;
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	args = jmap_fixture_vparse(fmt, ap);
	va_end(ap);
	json_object_object_add(args, "accountId", json_object_new_string(f->account));
	r = jmap_fixture_invoke(f, method, args, name);
	json_object_put(args);
	if (strcmp(name, expect != NULL ? expect : method) != 0)
		fail_msg("%s answered %s: %s", method, name, json_object_to_json_string(r));
	return r;
}

static void first_id(struct jmap_fixture *f, const char *type, char out[24])
{
	char method[64];
	json_object *r;

	snprintf(method, sizeof(method), "%s/get", type);
	r = call(f, method, NULL, "{}");
	snprintf(out, 24, "%s", jstr(r, "list/0/id"));
	json_object_put(r);
}

static void state_of(struct jmap_fixture *f, const char *type, char out[32])
{
	char method[64];
	json_object *r;

	snprintf(method, sizeof(method), "%s/get", type);
	r = call(f, method, NULL, "{\"ids\":[]}");
	snprintf(out, 32, "%s", jstr(r, "state"));
	json_object_put(r);
}

/* Creates a card named name (uid u<name>) in book; its id into id. */
static void put_card(struct jmap_fixture *f, const char *book, const char *name, char id[24])
{
	json_object *r = call(f, "ContactCard/set", NULL,
		"{\"create\":{\"c\":{\"addressBookIds\":{\"%s\":true},\"davName\":\"%s\","
		"\"davData\":\"BEGIN:VCARD\\r\\nVERSION:4.0\\r\\nUID:u%s\\r\\nFN:F %s\\r\\n"
		"END:VCARD\\r\\n\"}}}", book, name, name, name);

	if (jstr(r, "created/c/id") == NULL)
		fail_msg("not created: %s", json_object_to_json_string(r));
	snprintf(id, 24, "%s", jstr(r, "created/c/id"));
	json_object_put(r);
}

static void test_in_process_no_cap(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], id[24], since[32];
	json_object *r;
	int status;
	char *body;

	first_id(f, "AddressBook", book);
	state_of(f, "ContactCard", since);
	for (int i = 0; i < MAX_IN_GET + 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d.vcf", i);
		put_card(f, book, name, id);
	}
	r = call(f, "ContactCard/get", NULL, "{\"properties\":[\"davName\",\"davEtag\"]}");
	assert_int_equal(json_object_array_length(jpath(r, "list")), MAX_IN_GET + 3);
	assert_int_equal(strlen(jstr(r, "list/0/davEtag")), 64);
	assert_null(jpath(r, "list/0/name"));
	json_object_put(r);
	r = call(f, "ContactCard/query", NULL, "{\"filter\":{\"inAddressBook\":\"%s\"}}", book);
	assert_int_equal(json_object_array_length(jpath(r, "ids")), MAX_IN_GET + 3);
	assert_null(jpath(r, "limit"));
	json_object_put(r);
	r = call(f, "ContactCard/changes", NULL, "{\"sinceState\":\"%s\"}", since);
	assert_int_equal(json_object_array_length(jpath(r, "created")), MAX_IN_GET + 3);
	assert_false(json_object_get_boolean(jpath(r, "hasMoreChanges")));
	json_object_put(r);
	/* an HTTP client keeps the limits */
	assert_true(asprintf(&body, "{\"using\":[\"urn:ietf:params:jmap:core\","
			     "\"urn:ietf:params:jmap:contacts\"],\"methodCalls\":["
			     "[\"ContactCard/query\",{\"accountId\":\"%s\"},\"0\"],"
			     "[\"ContactCard/get\",{\"accountId\":\"%s\"},\"1\"]]}",
			     f->account, f->account) > 0);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &status);
	free(body);
	assert_int_equal(status, 200);
	assert_int_equal(json_object_array_length(jpath(r, "methodResponses/0/1/ids")),
			 MAX_IN_GET);
	assert_int_equal(json_object_get_int(jpath(r, "methodResponses/0/1/limit")), MAX_IN_GET);
	assert_string_equal(jstr(r, "methodResponses/1/1/type"), "requestTooLarge");
	json_object_put(r);
}

static void test_card_dav_name_filter(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], a[24], b[24];
	json_object *r;
	int status;
	char *body;

	first_id(f, "AddressBook", book);
	put_card(f, book, "a.vcf", a);
	put_card(f, book, "b.vcf", b);
	r = call(f, "ContactCard/query", NULL,
		 "{\"filter\":{\"inAddressBook\":\"%s\",\"davName\":\"b.vcf\"}}", book);
	assert_int_equal(json_object_array_length(jpath(r, "ids")), 1);
	assert_string_equal(jstr(r, "ids/0"), b);
	json_object_put(r);
	r = call(f, "ContactCard/query", NULL,
		 "{\"filter\":{\"inAddressBook\":\"%s\",\"davName\":\"zz.vcf\"}}", book);
	assert_int_equal(json_object_array_length(jpath(r, "ids")), 0);
	json_object_put(r);
	/* the lookup still honours the condition's other keys */
	r = call(f, "ContactCard/query", NULL,
		 "{\"filter\":{\"inAddressBook\":\"%s\",\"davName\":\"a.vcf\",\"uid\":\"ub.vcf\"}}",
		 book);
	assert_int_equal(json_object_array_length(jpath(r, "ids")), 0);
	json_object_put(r);
	r = call(f, "ContactCard/query", NULL, "{\"filter\":{\"operator\":\"OR\",\"conditions\":"
		 "[{\"davName\":\"a.vcf\"},{\"davName\":\"b.vcf\"}]}}");
	assert_int_equal(json_object_array_length(jpath(r, "ids")), 2);
	json_object_put(r);
	assert_true(asprintf(&body, "{\"using\":[\"urn:ietf:params:jmap:core\","
			     "\"urn:ietf:params:jmap:contacts\"],\"methodCalls\":["
			     "[\"ContactCard/query\",{\"accountId\":\"%s\",\"filter\":"
			     "{\"davName\":\"a.vcf\"}},\"0\"]]}", f->account) > 0);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &status);
	free(body);
	assert_string_equal(jstr(r, "methodResponses/0/1/type"), "unsupportedFilter");
	json_object_put(r);
}

/* The places of id in a davDestroyed, as "collection|name" lines. */
static void places(json_object *changes, const char *id, char *out, size_t size)
{
	json_object *list = jpath(jpath(changes, "davDestroyed"), id);
	size_t n = list != NULL ? json_object_array_length(list) : 0, len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(list, i);

		len += (size_t)snprintf(out + len, size - len, "%s|%s\n", jstr(p, "collectionId"),
					jstr(p, "davName"));
	}
}

static void test_card_places_left(void **state)
{
	struct jmap_fixture *f = *state;
	char book[24], other[24], a[24], b[24], c[24], since[32], text[256], expect[256];
	json_object *r;

	first_id(f, "AddressBook", book);
	r = call(f, "AddressBook/set", NULL, "{\"create\":{\"o\":{\"name\":\"Other\"}}}");
	snprintf(other, sizeof(other), "%s", jstr(r, "created/o/id"));
	json_object_put(r);
	put_card(f, book, "a.vcf", a);
	put_card(f, book, "b.vcf", b);
	put_card(f, book, "c.vcf", c);
	state_of(f, "ContactCard", since);
	json_object_put(call(f, "ContactCard/set", NULL,
		"{\"update\":{\"%s\":{\"davName\":\"a2.vcf\"},\"%s\":{\"addressBookIds\":"
		"{\"%s\":true}}},\"destroy\":[\"%s\"]}", a, b, other, c));
	r = call(f, "ContactCard/changes", NULL, "{\"sinceState\":\"%s\"}", since);
	places(r, a, text, sizeof(text));
	snprintf(expect, sizeof(expect), "%s|a.vcf\n", book);
	assert_string_equal(text, expect);
	places(r, b, text, sizeof(text));
	snprintf(expect, sizeof(expect), "%s|b.vcf\n", book);
	assert_string_equal(text, expect);
	places(r, c, text, sizeof(text));
	snprintf(expect, sizeof(expect), "%s|c.vcf\n", book);
	assert_string_equal(text, expect);
	json_object_put(r);
	/* a page of changes carries the places of its own changes only */
	r = call(f, "ContactCard/changes", NULL, "{\"sinceState\":\"%s\",\"maxChanges\":1}",
		 since);
	assert_int_equal(json_object_object_length(jpath(r, "davDestroyed")), 1);
	json_object_put(r);
}

static void test_event_places_left(void **state)
{
	struct jmap_fixture *f = *state;
	char cal[24], id[24], since[32], text[256], expect[256];
	json_object *r;

	first_id(f, "Calendar", cal);
	r = call(f, "CalendarEvent/set", NULL,
		"{\"create\":{\"e\":{\"calendarIds\":{\"%s\":true},\"davName\":\"e.ics\","
		"\"davData\":\"BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:-//t//EN\\r\\n"
		"BEGIN:VEVENT\\r\\nUID:e1\\r\\nDTSTAMP:20240101T000000Z\\r\\n"
		"DTSTART:20240101T100000Z\\r\\nSUMMARY:x\\r\\nEND:VEVENT\\r\\n"
		"END:VCALENDAR\\r\\n\"}}}", cal);
	snprintf(id, sizeof(id), "%s", jstr(r, "created/e/id"));
	json_object_put(r);
	state_of(f, "CalendarEvent", since);
	json_object_put(call(f, "CalendarEvent/set", NULL, "{\"destroy\":[\"%s\"]}", id));
	r = call(f, "CalendarEvent/changes", NULL, "{\"sinceState\":\"%s\"}", since);
	assert_string_equal(jstr(r, "destroyed/0"), id);
	places(r, id, text, sizeof(text));
	snprintf(expect, sizeof(expect), "%s|e.ics\n", cal);
	assert_string_equal(text, expect);
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test_setup(test_in_process_no_cap, setup_small),
		jmap_fixture_test(test_card_dav_name_filter),
		jmap_fixture_test(test_card_places_left),
		jmap_fixture_test(test_event_places_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
