/* JMAP Calendars (Calendar, CalendarEvent) through jmap_invoke() and
 * jmap_api_request(), over a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/hash.h"
#include "jmap/jmap.h"
#include "store/store.h"
#include "store/store_mail.h"

#include "jmap_fixture.h"

/* A weekly meeting of April 2024 (Mondays 10:00 Berlin) organised by
 * alice@example.com, without 2024-04-15, with 2024-04-22 moved to 14:00. */
static const char apple_event[] =
	"BEGIN:VCALENDAR\r\n"
	"VERSION:2.0\r\n"
	"PRODID:-//Apple Inc.//macOS 14.0//EN\r\n"
	"BEGIN:VEVENT\r\n"
	"UID:5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001\r\n"
	"DTSTAMP:20240301T101530Z\r\n"
	"SUMMARY:Team meeting\r\n"
	"LOCATION:Room 101\r\n"
	"DTSTART;TZID=Europe/Berlin:20240401T100000\r\n"
	"DTEND;TZID=Europe/Berlin:20240401T110000\r\n"
	"RRULE:FREQ=WEEKLY;COUNT=4\r\n"
	"EXDATE;TZID=Europe/Berlin:20240415T100000\r\n"
	"ORGANIZER;CN=Alice:mailto:alice@example.com\r\n"
	"ATTENDEE;CN=Bob Builder;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n"
	"SEQUENCE:2\r\n"
	"X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"
	"END:VEVENT\r\n"
	"BEGIN:VEVENT\r\n"
	"UID:5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001\r\n"
	"DTSTAMP:20240301T101530Z\r\n"
	"RECURRENCE-ID;TZID=Europe/Berlin:20240422T100000\r\n"
	"SUMMARY:Team meeting (moved)\r\n"
	"DTSTART;TZID=Europe/Berlin:20240422T140000\r\n"
	"DTEND;TZID=Europe/Berlin:20240422T150000\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

/* Runs one in-process call with args (taken; accountId added). Returns
 * the arguments of its response (new reference); fails the test if the
 * method answered another name than expected. */
static json_object *invoke(struct jmap_fixture *f, const char *method, json_object *args,
			   const char *expect)
{
	char name[64];
	json_object *result;

	json_object_object_add(args, "accountId", json_object_new_string(f->account));
	result = jmap_fixture_invoke(f, method, args, name);
	if (strcmp(name, expect) != 0)
		fail_msg("%s answered %s: %s", method, name, json_object_to_json_string(result));
	json_object_put(args);
	return result;
}

static json_object *call(struct jmap_fixture *f, const char *method, const char *expect,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static json_object *call(struct jmap_fixture *f, const char *method, const char *expect,
			 const char *fmt, ...)
{
	va_list ap;
	json_object *args;

	va_start(ap, fmt);
	args = jmap_fixture_vparse(fmt, ap);
	va_end(ap);
	return invoke(f, method, args, expect != NULL ? expect : method);
}

/* The member of obj called key (which may hold "/"). */
static json_object *member(json_object *obj, const char *key)
{
	return json_object_object_get(obj, key);
}

static json_object *create_dav(struct jmap_fixture *f, const char *calendar, const char *text)
{
	json_object *ev = json_object_new_object(), *create = json_object_new_object();
	json_object *args = json_object_new_object(), *cals = json_object_new_object();

	json_object_object_add(cals, calendar, json_object_new_boolean(1));
	json_object_object_add(ev, "calendarIds", cals);
	json_object_object_add(ev, "davData", json_object_new_string(text));
	json_object_object_add(create, "d", ev);
	json_object_object_add(args, "create", create);
	return invoke(f, "CalendarEvent/set", args, "CalendarEvent/set");
}

/* Creates an event from JSCalendar text in c1; returns its id (static). */
static const char *create_event(struct jmap_fixture *f, const char *event_json)
{
	static char id[64];
	json_object *r = call(f, "CalendarEvent/set", NULL,
			      "{\"create\":{\"e\":%.*s,\"calendarIds\":{\"c1\":true}}}}",
			      (int)strlen(event_json) - 1, event_json);

	if (jstr(r, "created/e/id") == NULL)
		fail_msg("not created: %s", json_object_to_json_string(r));
	snprintf(id, sizeof(id), "%s", jstr(r, "created/e/id"));
	json_object_put(r);
	return id;
}

static json_object *get_event(struct jmap_fixture *f, const char *id, const char *props)
{
	return call(f, "CalendarEvent/get", NULL, "{\"ids\":[\"%s\"],\"properties\":%s}", id, props);
}

static size_t query_count(struct jmap_fixture *f, const char *args)
{
	json_object *r = call(f, "CalendarEvent/query", NULL, "%s", args);
	size_t n = json_object_array_length(jpath(r, "ids"));

	json_object_put(r);
	return n;
}

/* A fixture whose user has an address: events it organises are its own
 * (isOrigin). */
static int setup_with_address(void **state)
{
	struct jmap_fixture *fx = calloc(1, sizeof(*fx));
	char *emails[] = { (char *)"alice@example.com" };
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user", .emails = emails, .email_count = 1 };

	jmap_fixture_open(fx, "cal", "", &p);
	*state = fx;
	return 0;
}

static void test_default_calendar(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = call(f, "Calendar/get", NULL, "{}"), *session;

	assert_int_equal(json_object_array_length(jpath(r, "list")), 1);
	assert_string_equal(jstr(r, "list/0/id"), "c1");
	assert_string_equal(jstr(r, "list/0/name"), "Calendar");
	assert_true(json_object_get_boolean(jpath(r, "list/0/isDefault")));
	assert_true(json_object_get_boolean(jpath(r, "list/0/isVisible")));
	assert_string_equal(jstr(r, "list/0/includeInAvailability"), "all");
	assert_true(json_object_get_boolean(jpath(r, "list/0/myRights/mayWriteAll")));
	assert_null(jpath(r, "list/0/davName"));
	json_object_put(r);
	r = call(f, "Calendar/get", NULL, "{\"properties\":[\"davName\",\"davProperties\"]}");
	assert_string_equal(jstr(r, "list/0/davName"), "default");
	json_object_put(r);
	session = jmap_session_resource(f->srv, &f->user, "https://x");
	r = jpath(session, "accounts");
	json_object_object_foreach(r, key, account) {
		(void)key;
		assert_int_equal(json_object_get_int(jpath(account, "accountCapabilities/"
			"urn:ietf:params:jmap:calendars/maxCalendarsPerEvent")), 1);
		assert_true(json_object_get_boolean(jpath(account, "accountCapabilities/"
			"urn:ietf:params:jmap:calendars/mayCreateCalendar")));
	}
	assert_non_null(jpath(session, "primaryAccounts/urn:ietf:params:jmap:calendars"));
	json_object_put(session);
}

/* An account provisioned before calendars existed gets its default
 * calendar on the first Calendar/get, once. */
static void test_lazy_default(void **state)
{
	struct jmap_fixture *f = *state;
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "bob",
				     .role = "user" };
	struct store_mailbox mb = { .name = (char *)"Inbox", .role = (char *)"inbox" };
	struct store_account *acct;
	const char *error;
	json_object *r;

	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	assert_int_equal(store_account_open(f->store, p.id, &acct, &error), 0);
	assert_int_equal(store_txn_begin(acct, true, &error), 0);
	assert_int_equal(store_mailbox_create(acct, &mb, &error), 0);
	assert_int_equal(store_txn_commit(acct, &error), 0);
	store_account_release(&acct);
	f->user.principal_id = f->user.account_id = p.id;
	jmap_account_id_format(p.id, f->account);
	for (int i = 0; i < 2; i++) {
		r = call(f, "Calendar/get", NULL, "{}");
		assert_int_equal(json_object_array_length(jpath(r, "list")), 1);
		json_object_put(r);
	}
	r = call(f, "Calendar/changes", NULL, "{\"sinceState\":\"0\"}");
	assert_int_equal(json_object_array_length(jpath(r, "created")), 1);
	json_object_put(r);
}

static void test_create_jscalendar(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = call(f, "CalendarEvent/set", NULL, "{\"create\":{\"e\":{"
		"\"calendarIds\":{\"c1\":true},\"title\":\"Dentist\",\"start\":\"2024-05-02T08:30:00\","
		"\"timeZone\":\"Europe/Paris\",\"duration\":\"PT45M\","
		"\"alerts\":{\"a\":{\"@type\":\"Alert\",\"trigger\":{\"@type\":\"OffsetTrigger\","
		"\"offset\":\"-PT1H\"}}}}}}");
	const char *data;
	char id[64], uid[64];

	snprintf(id, sizeof(id), "%s", jstr(r, "created/e/id"));
	snprintf(uid, sizeof(uid), "%s", jstr(r, "created/e/uid"));
	assert_int_equal(strlen(uid), 36);
	assert_string_equal(jstr(r, "created/e/@type"), "Event");
	assert_non_null(jstr(r, "created/e/updated"));
	assert_true(json_object_get_boolean(jpath(r, "created/e/isOrigin")));
	assert_string_equal(jstr(r, "created/e/davName") + 36, ".ics");
	json_object_put(r);
	r = get_event(f, id, "null");
	assert_string_equal(jstr(r, "list/0/title"), "Dentist");
	assert_string_equal(jstr(r, "list/0/duration"), "PT45M");
	assert_string_equal(jstr(r, "list/0/alerts/a/trigger/offset"), "-PT1H");
	assert_true(json_object_get_boolean(jpath(r, "list/0/calendarIds/c1")));
	assert_false(json_object_get_boolean(jpath(r, "list/0/isDraft")));
	assert_null(jpath(r, "list/0/davData"));
	json_object_put(r);
	r = get_event(f, id, "[\"davData\",\"davEtag\",\"davName\"]");
	data = jstr(r, "list/0/davData");
	assert_non_null(strstr(data, "DTSTART;TZID=Europe/Paris:20240502T083000\r\n"));
	assert_non_null(strstr(data, "DTEND;TZID=Europe/Paris:20240502T091500\r\n"));
	assert_non_null(strstr(data, "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"));
	assert_int_equal(strlen(jstr(r, "list/0/davEtag")), 64);
	json_object_put(r);
}

static void test_create_dav_data(void **state)
{
	struct jmap_fixture *f = *state;
	uint8_t digest[SHA256_LEN];
	char etag[SHA256_HEX_LEN + 1], id[64];
	json_object *r = create_dav(f, "c1", apple_event);

	snprintf(id, sizeof(id), "%s", jstr(r, "created/d/id"));
	sha256(apple_event, strlen(apple_event), digest);
	hex_encode(digest, sizeof(digest), etag);
	assert_string_equal(jstr(r, "created/d/davEtag"), etag);
	assert_string_equal(jstr(r, "created/d/davName"), "5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001.ics");
	json_object_put(r);
	r = get_event(f, id, "[\"davData\",\"davEtag\",\"title\",\"recurrenceOverrides\","
		      "\"participants\",\"isOrigin\"]");
	assert_string_equal(jstr(r, "list/0/davData"), apple_event);
	assert_string_equal(jstr(r, "list/0/title"), "Team meeting");
	assert_true(json_object_get_boolean(jpath(r, "list/0/recurrenceOverrides/"
						  "2024-04-15T10:00:00/excluded")));
	assert_string_equal(jstr(r, "list/0/recurrenceOverrides/2024-04-22T10:00:00/title"),
			    "Team meeting (moved)");
	assert_true(json_object_get_boolean(jpath(r, "list/0/isOrigin")));
	json_object_put(r);
	/* only the row: no parse, the same answer */
	r = call(f, "CalendarEvent/get", NULL, "{\"ids\":[\"%s\"],\"properties\":[\"davEtag\","
		 "\"uid\",\"calendarIds\"]}", id);
	assert_string_equal(jstr(r, "list/0/davEtag"), etag);
	assert_string_equal(jstr(r, "list/0/uid"), "5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001");
	json_object_put(r);
}

static void test_bad_dav_data(void **state)
{
	static const struct {
		const char *text;
		const char *precondition;
	} cases[] = {
		{ "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "valid-calendar-data" },
		{ "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:m\r\n"
		  "DTSTART:20240101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		  "valid-calendar-object-resource" },
		{ "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20240101T000000Z\r\n"
		  "END:VEVENT\r\nEND:VCALENDAR\r\n", "valid-calendar-object-resource" },
	};
	struct jmap_fixture *f = *state;
	json_object *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = create_dav(f, "c1", cases[i].text);
		assert_string_equal(jstr(r, "notCreated/d/type"), "invalidProperties");
		assert_string_equal(jstr(r, "notCreated/d/properties/0"), "davData");
		assert_string_equal(jstr(r, "notCreated/d/davPrecondition"), cases[i].precondition);
		json_object_put(r);
	}
	assert_int_equal(query_count(f, "{}"), 0);
}

/* A JMAP edit of an event a phone sent keeps what JSCalendar does not
 * know; the origin moves sequence and updated. */
static void test_update_keeps_unknown(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = create_dav(f, "c1", apple_event), *updated;
	const char *data;
	char id[64];

	snprintf(id, sizeof(id), "%s", jstr(r, "created/d/id"));
	json_object_put(r);
	r = call(f, "CalendarEvent/set", NULL, "{\"update\":{\"%s\":{\"title\":\"Team sync\","
		 "\"recurrenceOverrides/2024-04-22T10:00:00/title\":\"Sync (moved)\"}}}", id);
	updated = member(jpath(r, "updated"), id);
	assert_non_null(member(updated, "davEtag"));
	assert_non_null(member(updated, "updated"));
	assert_int_equal(json_object_get_int(member(updated, "sequence")), 3);
	json_object_put(r);
	r = get_event(f, id, "[\"davData\",\"title\",\"recurrenceOverrides\",\"sequence\"]");
	data = jstr(r, "list/0/davData");
	assert_non_null(strstr(data, "SUMMARY:Team sync\r\n"));
	assert_non_null(strstr(data, "SUMMARY:Sync (moved)\r\n"));
	assert_non_null(strstr(data, "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"));
	assert_int_equal(json_object_get_int(jpath(r, "list/0/sequence")), 3);
	assert_true(json_object_get_boolean(jpath(r, "list/0/recurrenceOverrides/"
						  "2024-04-15T10:00:00/excluded")));
	json_object_put(r);
}

static void test_dav_data_update(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = create_dav(f, "c1", apple_event), *args, *update, *patch;
	char id[64], etag[80], *text = strdup(apple_event);

	snprintf(id, sizeof(id), "%s", jstr(r, "created/d/id"));
	snprintf(etag, sizeof(etag), "%s", jstr(r, "created/d/davEtag"));
	json_object_put(r);
	memcpy(strstr(text, "SUMMARY:Team meeting\r\n"), "SUMMARY:Team huddles", 20);
	args = json_object_new_object();
	update = json_object_new_object();
	patch = json_object_new_object();
	json_object_object_add(patch, "davData", json_object_new_string(text));
	json_object_object_add(update, id, patch);
	json_object_object_add(args, "update", update);
	r = invoke(f, "CalendarEvent/set", args, "CalendarEvent/set");
	assert_string_not_equal(json_object_get_string(member(member(jpath(r, "updated"), id),
							      "davEtag")), etag);
	json_object_put(r);
	r = get_event(f, id, "[\"davData\",\"title\"]");
	assert_string_equal(jstr(r, "list/0/davData"), text);
	assert_string_equal(jstr(r, "list/0/title"), "Team huddles");
	json_object_put(r);
	/* the UID of an event cannot change */
	memcpy(strstr(text, "UID:5C1F"), "UID:6C1F", 8);
	memcpy(strstr(text + 200, "UID:5C1F"), "UID:6C1F", 8);
	args = json_object_new_object();
	update = json_object_new_object();
	patch = json_object_new_object();
	json_object_object_add(patch, "davData", json_object_new_string(text));
	json_object_object_add(update, id, patch);
	json_object_object_add(args, "update", update);
	r = invoke(f, "CalendarEvent/set", args, "CalendarEvent/set");
	assert_string_equal(json_object_get_string(member(member(jpath(r, "notUpdated"), id),
							  "type")), "invalidProperties");
	json_object_put(r);
	free(text);
}

static void test_uid_conflict(void **state)
{
	struct jmap_fixture *f = *state;
	char first[64], second[64];
	json_object *r;

	snprintf(first, sizeof(first), "%s", create_event(f, "{\"uid\":\"same-uid\","
			 "\"start\":\"2024-01-01T10:00:00\"}"));
	r = call(f, "CalendarEvent/set", NULL, "{\"create\":{\"x\":{\"uid\":\"same-uid\","
		 "\"start\":\"2024-01-02T10:00:00\",\"calendarIds\":{\"c1\":true}}}}");
	assert_string_equal(jstr(r, "notCreated/x/type"), "alreadyExists");
	assert_string_equal(jstr(r, "notCreated/x/existingId"), first);
	json_object_put(r);
	r = call(f, "Calendar/set", NULL, "{\"create\":{\"w\":{\"name\":\"Work\"}}}");
	assert_false(json_object_get_boolean(jpath(r, "created/w/isDefault")));
	json_object_put(r);
	r = call(f, "CalendarEvent/set", NULL, "{\"create\":{\"x\":{\"uid\":\"same-uid\","
		 "\"start\":\"2024-01-02T10:00:00\",\"calendarIds\":{\"c2\":true}}}}");
	snprintf(second, sizeof(second), "%s", jstr(r, "created/x/id"));
	json_object_put(r);
	r = call(f, "CalendarEvent/set", NULL, "{\"update\":{\"%s\":{\"calendarIds\":"
		 "{\"c1\":true}}}}", second);
	assert_string_equal(json_object_get_string(member(member(jpath(r, "notUpdated"), second),
							  "type")), "alreadyExists");
	json_object_put(r);
}

static void create_query_events(struct jmap_fixture *f)
{
	json_object_put(create_dav(f, "c1", apple_event));
	create_event(f, "{\"uid\":\"u-lunch\",\"title\":\"Lunch with Carol\","
		     "\"start\":\"2024-04-03T12:00:00\",\"timeZone\":\"Etc/UTC\",\"duration\":\"PT1H\","
		     "\"locations\":{\"l\":{\"name\":\"Cafe Central\"}},"
		     "\"description\":\"Bring the \\\"blue\\\" folder\"}");
	create_event(f, "{\"uid\":\"u-trip\",\"title\":\"Trip\",\"showWithoutTime\":true,"
		     "\"start\":\"2024-04-10T00:00:00\",\"duration\":\"P3D\"}");
	create_event(f, "{\"uid\":\"u-daily\",\"title\":\"Standup\",\"start\":\"2020-01-01T09:00:00\","
		     "\"timeZone\":\"America/New_York\",\"duration\":\"PT15M\","
		     "\"recurrenceRules\":[{\"frequency\":\"daily\"}]}");
}

static void test_query(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r;

	create_query_events(f);
	assert_int_equal(query_count(f, "{}"), 4);
	assert_int_equal(query_count(f, "{\"filter\":{\"inCalendars\":[\"c1\"]}}"), 4);
	assert_int_equal(query_count(f, "{\"filter\":{\"inCalendars\":[\"c9\"]}}"), 0);
	assert_int_equal(query_count(f, "{\"filter\":{\"uid\":\"u-trip\"}}"), 1);
	/* one lookup each: what a DAV PUT asks first */
	assert_int_equal(query_count(f, "{\"filter\":{\"inCalendars\":[\"c1\"],"
				     "\"uid\":\"u-trip\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"inCalendars\":[\"c1\"],\"davName\":"
				     "\"5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001.ics\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"inCalendars\":[\"c1\"],"
				     "\"davName\":\"nope.ics\"}}"), 0);
	assert_int_equal(query_count(f, "{\"filter\":{\"title\":\"LUNCH\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"text\":\"\\\"blue\\\" bring\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"location\":\"central\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"attendee\":\"builder\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"owner\":\"alice@example.com\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"title\":\"moved\"}}"), 1);
	/* one day of April: the moved meeting (14:00 Berlin), the standup */
	assert_int_equal(query_count(f, "{\"filter\":{\"after\":\"2024-04-22T11:00:00Z\","
				     "\"before\":\"2024-04-22T15:00:00Z\"}}"), 2);
	/* 10:00 Berlin on the excluded Monday: only the standup's day */
	assert_int_equal(query_count(f, "{\"filter\":{\"after\":\"2024-04-15T07:30:00Z\","
				     "\"before\":\"2024-04-15T09:30:00Z\"}}"), 0);
	assert_int_equal(query_count(f, "{\"filter\":{\"after\":\"2024-04-08T08:00:00Z\","
				     "\"before\":\"2024-04-08T09:00:00Z\"}}"), 1);
	/* the all-day trip, in a Tokyo day */
	assert_int_equal(query_count(f, "{\"timeZone\":\"Asia/Tokyo\",\"filter\":{"
				     "\"after\":\"2024-04-12T23:00:00\","
				     "\"before\":\"2024-04-12T23:30:00\"}}"), 1);
	assert_int_equal(query_count(f, "{\"filter\":{\"operator\":\"OR\",\"conditions\":["
				     "{\"title\":\"trip\"},{\"title\":\"standup\"}]}}"), 2);
	r = call(f, "CalendarEvent/query", NULL, "{\"sort\":[{\"property\":\"start\","
		 "\"isAscending\":false}]}");
	assert_int_equal(json_object_array_length(jpath(r, "ids")), 4);
	json_object_put(r);
	r = call(f, "CalendarEvent/query", "error", "{\"filter\":{\"participationStatus\":\"x\"}}");
	assert_string_equal(jstr(r, "type"), "unsupportedFilter");
	json_object_put(r);
	r = call(f, "CalendarEvent/query", "error", "{\"filter\":{\"after\":\"tomorrow\"}}");
	assert_string_equal(jstr(r, "type"), "invalidArguments");
	json_object_put(r);
	r = call(f, "CalendarEvent/query", "error", "{\"expandRecurrences\":true}");
	assert_string_equal(jstr(r, "type"), "cannotCalculateOccurrences");
	json_object_put(r);
}

static void test_changes_destroy(void **state)
{
	struct jmap_fixture *f = *state;
	char state0[64], id[64];
	json_object *r = call(f, "CalendarEvent/get", NULL, "{\"ids\":[]}");

	snprintf(state0, sizeof(state0), "%s", jstr(r, "state"));
	json_object_put(r);
	snprintf(id, sizeof(id), "%s", create_event(f, "{\"uid\":\"c1\",\"start\":"
						     "\"2024-01-01T00:00:00\"}"));
	create_event(f, "{\"uid\":\"c2\",\"start\":\"2024-01-01T00:00:00\"}");
	r = call(f, "CalendarEvent/changes", NULL, "{\"sinceState\":\"%s\"}", state0);
	assert_int_equal(json_object_array_length(jpath(r, "created")), 2);
	json_object_put(r);
	json_object_put(call(f, "CalendarEvent/set", NULL, "{\"destroy\":[\"%s\"]}", id));
	r = get_event(f, id, "[\"uid\"]");
	assert_string_equal(jstr(r, "notFound/0"), id);
	json_object_put(r);
	r = call(f, "CalendarEvent/changes", NULL, "{\"sinceState\":\"%s\"}", state0);
	assert_int_equal(json_object_array_length(jpath(r, "created")), 1);
	assert_int_equal(json_object_array_length(jpath(r, "destroyed")), 0);
	json_object_put(r);
}

static void test_calendar_set(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r;

	r = call(f, "Calendar/set", NULL, "{\"create\":{\"w\":{\"name\":\"Work\",\"color\":\"#ff8800\","
		 "\"timeZone\":\"Europe/Rome\",\"sortOrder\":3,\"includeInAvailability\":\"attending\","
		 "\"defaultAlertsWithTime\":{\"x1\":{\"@type\":\"Alert\",\"trigger\":{\"offset\":"
		 "\"-PT5M\"}}}}},\"onSuccessSetIsDefault\":\"#w\"}");
	assert_true(json_object_get_boolean(jpath(r, "created/w/isDefault")));
	assert_false(json_object_get_boolean(jpath(r, "updated/c1/isDefault")));
	json_object_put(r);
	r = call(f, "Calendar/get", NULL, "{\"ids\":[\"c2\"]}");
	assert_string_equal(jstr(r, "list/0/color"), "#ff8800");
	assert_string_equal(jstr(r, "list/0/defaultAlertsWithTime/x1/trigger/offset"), "-PT5M");
	json_object_put(r);
	r = call(f, "Calendar/set", NULL, "{\"create\":{"
		 "\"a\":{\"name\":\"\"},\"b\":{\"name\":\"x\",\"color\":\"#12\"},"
		 "\"c\":{\"name\":\"x\",\"timeZone\":\"Nowhere/Land\"},"
		 "\"d\":{\"name\":\"x\",\"includeInAvailability\":\"some\"},"
		 "\"e\":{\"name\":\"x\",\"shareWith\":{\"p\":{}}}}}");
	assert_string_equal(jstr(r, "notCreated/a/properties/0"), "name");
	assert_string_equal(jstr(r, "notCreated/b/properties/0"), "color");
	assert_string_equal(jstr(r, "notCreated/c/properties/0"), "timeZone");
	assert_string_equal(jstr(r, "notCreated/d/properties/0"), "includeInAvailability");
	assert_string_equal(jstr(r, "notCreated/e/type"), "forbidden");
	json_object_put(r);
	r = call(f, "CalendarEvent/set", NULL, "{\"create\":{\"e\":{\"start\":"
		 "\"2024-01-01T00:00:00\",\"calendarIds\":{\"c2\":true}}}}");
	json_object_put(r);
	r = call(f, "Calendar/set", NULL, "{\"destroy\":[\"c2\"]}");
	assert_string_equal(jstr(r, "notDestroyed/c2/type"), "forbidden");
	json_object_put(r);
	r = call(f, "Calendar/set", NULL, "{\"destroy\":[\"c2\"],\"onSuccessSetIsDefault\":\"c1\"}");
	assert_string_equal(jstr(r, "notDestroyed/c2/type"), "calendarHasEvent");
	json_object_put(r);
	r = call(f, "Calendar/set", NULL, "{\"destroy\":[\"c2\"],\"onSuccessSetIsDefault\":\"c1\","
		 "\"onDestroyRemoveEvents\":true}");
	assert_string_equal(jstr(r, "destroyed/0"), "c2");
	assert_true(json_object_get_boolean(jpath(r, "updated/c1/isDefault")));
	json_object_put(r);
	assert_int_equal(query_count(f, "{}"), 0);
	r = call(f, "Calendar/set", NULL, "{\"update\":{\"c1\":{\"name\":\"Home\","
		 "\"description\":\"mine\",\"davName\":\"home\",\"davProperties\":{\"x\":\"y\"}}}}");
	assert_non_null(jpath(r, "updated"));
	json_object_put(r);
	r = call(f, "Calendar/get", NULL, "{\"properties\":[\"name\",\"davName\",\"davProperties\"]}");
	assert_string_equal(jstr(r, "list/0/name"), "Home");
	assert_string_equal(jstr(r, "list/0/davName"), "home");
	assert_string_equal(jstr(r, "list/0/davProperties/x"), "y");
	json_object_put(r);
}

/* Over HTTP the urn:tern:dav properties do not exist. */
static void test_http_no_dav(void **state)
{
	struct jmap_fixture *f = *state;
	static const char get[] =
		"{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:calendars\"],"
		"\"methodCalls\":[[\"CalendarEvent/get\",{\"accountId\":\"%s\",\"properties\":"
		"[\"davData\"]},\"0\"],[\"CalendarEvent/set\",{\"accountId\":\"%s\",\"create\":"
		"{\"x\":{\"calendarIds\":{\"c1\":true},\"davData\":\"BEGIN:VCALENDAR\"}}},\"1\"],"
		"[\"Calendar/get\",{\"accountId\":\"%s\"},\"2\"],"
		"[\"CalendarEvent/query\",{\"accountId\":\"%s\",\"filter\":{\"davName\":"
		"\"x.ics\"}},\"3\"]]}";
	char *body;
	int status;
	json_object *r;

	assert_true(asprintf(&body, get, f->account, f->account, f->account, f->account) > 0);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &status);
	free(body);
	assert_int_equal(status, 200);
	assert_string_equal(jstr(r, "methodResponses/0/0"), "error");
	assert_string_equal(jstr(r, "methodResponses/0/1/type"), "invalidArguments");
	assert_string_equal(jstr(r, "methodResponses/1/1/notCreated/x/properties/0"), "davData");
	assert_null(jpath(r, "methodResponses/1/1/notCreated/x/davPrecondition"));
	assert_string_equal(jstr(r, "methodResponses/3/1/type"), "unsupportedFilter");
	assert_string_equal(jstr(r, "methodResponses/2/0"), "Calendar/get");
	assert_null(jpath(r, "methodResponses/2/1/list/0/davName"));
	json_object_put(r);
}

static void test_invalid_jscalendar(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = call(f, "CalendarEvent/set", NULL, "{\"create\":{"
		"\"a\":{\"calendarIds\":{\"c1\":true},\"start\":\"2024-01-01T00:00:00\","
		"\"recurrenceRules\":[{\"frequency\":\"hourly\",\"count\":-1}]},"
		"\"b\":{\"calendarIds\":{\"c9\":true},\"start\":\"2024-01-01T00:00:00\"},"
		"\"c\":{\"calendarIds\":{\"c1\":true}},"
		"\"d\":{\"start\":\"2024-01-01T00:00:00\"},"
		"\"e\":{\"calendarIds\":{\"c1\":true},\"start\":\"2024-01-01T00:00:00\","
		"\"method\":\"request\"},"
		"\"f\":{\"calendarIds\":{\"c1\":true},\"start\":\"2024-01-01T00:00:00\","
		"\"isDraft\":true},"
		"\"g\":{\"calendarIds\":{\"c1\":true},\"start\":\"2024-01-01T00:00:00\","
		"\"timeZone\":\"Atlantis/Capital\"}}}");

	assert_string_equal(jstr(r, "notCreated/a/properties/0"), "recurrenceRules");
	assert_string_equal(jstr(r, "notCreated/b/properties/0"), "calendarIds");
	assert_string_equal(jstr(r, "notCreated/c/properties/0"), "start");
	assert_string_equal(jstr(r, "notCreated/d/properties/0"), "calendarIds");
	assert_string_equal(jstr(r, "notCreated/e/properties/0"), "method");
	assert_string_equal(jstr(r, "notCreated/f/properties/0"), "isDraft");
	assert_string_equal(jstr(r, "notCreated/g/properties/0"), "timeZone");
	json_object_put(r);
	assert_int_equal(query_count(f, "{}"), 0);
	r = call(f, "CalendarEvent/set", "error", "{\"create\":{\"a\":{\"calendarIds\":"
		 "{\"c1\":true},\"start\":\"2024-01-01T00:00:00\"}},\"sendSchedulingMessages\":true}");
	assert_string_equal(jstr(r, "type"), "invalidArguments");
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test(test_default_calendar),
		jmap_fixture_test(test_lazy_default),
		jmap_fixture_test(test_create_jscalendar),
		jmap_fixture_test_setup(test_create_dav_data, setup_with_address),
		jmap_fixture_test(test_bad_dav_data),
		jmap_fixture_test_setup(test_update_keeps_unknown, setup_with_address),
		jmap_fixture_test(test_dav_data_update),
		jmap_fixture_test(test_uid_conflict),
		jmap_fixture_test(test_query),
		jmap_fixture_test(test_changes_destroy),
		jmap_fixture_test(test_calendar_set),
		jmap_fixture_test(test_http_no_dav),
		jmap_fixture_test(test_invalid_jscalendar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
