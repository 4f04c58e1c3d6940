/* iCalendar <-> JSCalendar (jscalendar.h): parsing and its bounds, the
 * conversion both ways with round trips, what an update keeps, and the
 * time range and instance checks behind CalendarEvent/query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jmap/jscalendar.h"
#include "jmap/jscalendar_private.h"

/* An Apple Calendar event: a weekly meeting until the end of April with
 * one exclusion and one moved instance, X- properties and an alarm. */
static const char apple_event[] =
	"BEGIN:VCALENDAR\r\n"
	"VERSION:2.0\r\n"
	"PRODID:-//Apple Inc.//macOS 14.0//EN\r\n"
	"CALSCALE:GREGORIAN\r\n"
	"BEGIN:VTIMEZONE\r\n"
	"TZID:Europe/Berlin\r\n"
	"BEGIN:DAYLIGHT\r\n"
	"TZOFFSETFROM:+0100\r\n"
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
	"DTSTART:19810329T020000\r\n"
	"TZNAME:CEST\r\n"
	"TZOFFSETTO:+0200\r\n"
	"END:DAYLIGHT\r\n"
	"BEGIN:STANDARD\r\n"
	"TZOFFSETFROM:+0200\r\n"
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
	"DTSTART:19961027T030000\r\n"
	"TZNAME:CET\r\n"
	"TZOFFSETTO:+0100\r\n"
	"END:STANDARD\r\n"
	"END:VTIMEZONE\r\n"
	"BEGIN:VEVENT\r\n"
	"UID:5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001\r\n"
	"DTSTAMP:20240301T101530Z\r\n"
	"CREATED:20240301T101000Z\r\n"
	"LAST-MODIFIED:20240301T101530Z\r\n"
	"SUMMARY:Team meeting\r\n"
	"DESCRIPTION:Weekly sync\\nwith notes\r\n"
	"LOCATION:Room 101\r\n"
	"DTSTART;TZID=Europe/Berlin:20240304T100000\r\n"
	"DTEND;TZID=Europe/Berlin:20240304T110000\r\n"
	"RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20240429T080000Z\r\n"
	"EXDATE;TZID=Europe/Berlin:20240318T100000\r\n"
	"ORGANIZER;CN=Alice:mailto:alice@example.com\r\n"
	"ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@example.com\r\n"
	"ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;X-NUM-GUESTS=0:mailto:bob@example.com\r\n"
	"SEQUENCE:2\r\n"
	"STATUS:CONFIRMED\r\n"
	"TRANSP:OPAQUE\r\n"
	"CATEGORIES:Work,Meetings\r\n"
	"X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"
	"BEGIN:VALARM\r\n"
	"X-WR-ALARMUID:A1B2C3\r\n"
	"UID:A1B2C3\r\n"
	"TRIGGER:-PT15M\r\n"
	"ACTION:DISPLAY\r\n"
	"DESCRIPTION:Reminder\r\n"
	"X-APPLE-DEFAULT-ALARM:TRUE\r\n"
	"END:VALARM\r\n"
	"END:VEVENT\r\n"
	"BEGIN:VEVENT\r\n"
	"UID:5C1F1E7A-1234-4B7B-9E3A-9B5A8C5D0001\r\n"
	"DTSTAMP:20240301T101530Z\r\n"
	"RECURRENCE-ID;TZID=Europe/Berlin:20240325T100000\r\n"
	"SUMMARY:Team meeting (moved)\r\n"
	"DTSTART;TZID=Europe/Berlin:20240325T140000\r\n"
	"DTEND;TZID=Europe/Berlin:20240325T150000\r\n"
	"LOCATION:Room 101\r\n"
	"ORGANIZER;CN=Alice:mailto:alice@example.com\r\n"
	"ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@example.com\r\n"
	"ATTENDEE;CN=Bob;PARTSTAT=DECLINED:mailto:bob@example.com\r\n"
	"SEQUENCE:2\r\n"
	"CATEGORIES:Work,Meetings\r\n"
	"X-FOO:override-x\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

/* 2024-03-04T09:00:00Z, the first instance's start in UTC */
#define APPLE_FIRST 1709542800

static json_object *path(json_object *obj, const char *p)
{
	char *copy = strdup(p), *save = NULL;

	for (char *seg = strtok_r(copy, "/", &save); seg != NULL && obj != NULL;
	     seg = strtok_r(NULL, "/", &save)) {
		if (json_object_is_type(obj, json_type_array))
			obj = json_object_array_get_idx(obj, (size_t)atoi(seg));
		else if (!json_object_object_get_ex(obj, seg, &obj))
			obj = NULL;
	}
	free(copy);
	return obj;
}

static const char *str(json_object *obj, const char *p)
{
	json_object *v = path(obj, p);

	return v != NULL ? json_object_get_string(v) : NULL;
}

static icalcomponent *parse_ok(const char *text)
{
	icalcomponent *cal = NULL;
	const char *error = NULL;
	int ret = jscalendar_ical_parse(text, strlen(text), &cal, &error);

	if (ret != 0)
		fail_msg("parse failed (%d): %s", ret, error);
	return cal;
}

static json_object *read_text(const char *text)
{
	icalcomponent *cal = parse_ok(text);
	json_object *js = jscalendar_from_ical(cal);

	icalcomponent_free(cal);
	return js;
}

/* Writes js (with old, NULL or a text) and returns the text. */
static char *write_js(json_object *js, const char *old_text)
{
	icalcomponent *old = old_text != NULL ? parse_ok(old_text) : NULL;
	const char *bad = NULL;
	char *text;
	size_t len;

	if (jscalendar_to_ical(js, old, &text, &len, &bad) < 0)
		fail_msg("write failed at %s: %s", bad, json_object_to_json_string(js));
	if (old != NULL)
		icalcomponent_free(old);
	return text;
}

static const char *write_bad(const char *json)
{
	json_object *js = json_tokener_parse(json);
	const char *bad = NULL;
	char *text = NULL;
	size_t len;

	assert_non_null(js);
	if (jscalendar_to_ical(js, NULL, &text, &len, &bad) == 0)
		fail_msg("written although invalid: %s", text);
	json_object_put(js);
	return bad;
}

/* js, read back from what it was written as, is js again ("updated"
 * aside: DTSTAMP always has one). */
static void assert_round_trip(json_object *js)
{
	char *text = write_js(js, NULL);
	json_object *back = read_text(text), *want = NULL;

	assert_int_equal(json_object_deep_copy(js, &want, NULL), 0);
	json_object_object_del(want, "updated");
	json_object_object_del(back, "updated");
	json_object_object_del(back, "prodId");
	json_object_object_del(want, "prodId");
	if (!json_object_equal(want, back))
		fail_msg("round trip changed\n%s\ninto\n%s\nthrough\n%s",
			 json_object_to_json_string_ext(want, JSON_C_TO_STRING_PRETTY),
			 json_object_to_json_string_ext(back, JSON_C_TO_STRING_PRETTY), text);
	json_object_put(want);
	json_object_put(back);
	free(text);
}

static void test_read_apple(void **state)
{
	json_object *js = read_text(apple_event);

	(void)state;
	assert_string_equal(str(js, "@type"), "Event");
	assert_string_equal(str(js, "title"), "Team meeting");
	assert_string_equal(str(js, "description"), "Weekly sync\nwith notes");
	assert_string_equal(str(js, "start"), "2024-03-04T10:00:00");
	assert_string_equal(str(js, "timeZone"), "Europe/Berlin");
	assert_string_equal(str(js, "duration"), "PT1H");
	assert_string_equal(str(js, "recurrenceRules/0/frequency"), "weekly");
	assert_string_equal(str(js, "recurrenceRules/0/byDay/0/day"), "mo");
	/* UNTIL is UTC in iCalendar, local time in JSCalendar */
	assert_string_equal(str(js, "recurrenceRules/0/until"), "2024-04-29T10:00:00");
	assert_true(json_object_get_boolean(path(js, "recurrenceOverrides/2024-03-18T10:00:00/"
						 "excluded")));
	assert_string_equal(str(js, "recurrenceOverrides/2024-03-25T10:00:00/start"),
			    "2024-03-25T14:00:00");
	assert_string_equal(json_object_get_string(json_object_object_get(
		path(js, "recurrenceOverrides/2024-03-25T10:00:00"),
		"participants/09e27e3edbd8/participationStatus")), "declined");
	assert_string_equal(str(js, "replyTo/imip"), "mailto:alice@example.com");
	assert_true(json_object_get_boolean(path(js, "participants/1ac7a8ef648d/roles/owner")));
	assert_true(json_object_get_boolean(path(js, "participants/1ac7a8ef648d/roles/chair")));
	assert_string_equal(str(js, "participants/09e27e3edbd8/email"), "bob@example.com");
	assert_true(json_object_get_boolean(path(js, "participants/09e27e3edbd8/expectReply")));
	assert_string_equal(str(js, "alerts/A1B2C3/trigger/offset"), "-PT15M");
	assert_true(json_object_get_boolean(path(js, "keywords/Meetings")));
	assert_string_equal(str(js, "status"), "confirmed");
	assert_int_equal(json_object_get_int(path(js, "sequence")), 2);
	assert_string_equal(str(js, "created"), "2024-03-01T10:10:00Z");
	json_object_put(js);
}

static void test_round_trip_apple(void **state)
{
	json_object *js = read_text(apple_event);

	(void)state;
	assert_round_trip(js);
	json_object_put(js);
}

/* An update written through JSCalendar keeps what the conversion does
 * not know of the old text. */
static void test_update_keeps_unknown(void **state)
{
	json_object *js = read_text(apple_event);
	char *text;

	(void)state;
	json_object_object_add(js, "title", json_object_new_string("Team sync"));
	text = write_js(js, apple_event);
	assert_non_null(strstr(text, "SUMMARY:Team sync\r\n"));
	assert_non_null(strstr(text, "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"));
	assert_non_null(strstr(text, "CALSCALE:GREGORIAN\r\n"));
	assert_non_null(strstr(text, "X-FOO:override-x\r\n"));
	assert_non_null(strstr(text, "X-APPLE-DEFAULT-ALARM:TRUE\r\n"));
	assert_non_null(strstr(text, "X-NUM-GUESTS=0"));
	/* the VTIMEZONE the client sent, not libical's */
	assert_non_null(strstr(text, "DTSTART:19961027T030000\r\n"));
	assert_null(strstr(text, "X-LIC-"));
	free(text);
	json_object_put(js);
}

static void test_all_day_and_task(void **state)
{
	static const char all_day[] =
		"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:g1@google.com\n"
		"DTSTAMP:20240501T120000Z\nDTSTART;VALUE=DATE:20240610\nDTEND;VALUE=DATE:20240613\n"
		"SUMMARY:Conference\nTRANSP:TRANSPARENT\nRRULE:FREQ=YEARLY;COUNT=3\nEND:VEVENT\n"
		"END:VCALENDAR\n";
	static const char task[] =
		"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VTODO\nUID:todo-1\n"
		"DTSTAMP:20240501T120000Z\nSUMMARY:Buy milk\n"
		"DUE;TZID=America/New_York:20240502T170000\nPERCENT-COMPLETE:40\n"
		"STATUS:IN-PROCESS\nPRIORITY:1\nEND:VTODO\nEND:VCALENDAR\n";
	json_object *js = read_text(all_day);

	(void)state;
	assert_true(json_object_get_boolean(path(js, "showWithoutTime")));
	assert_string_equal(str(js, "start"), "2024-06-10T00:00:00");
	assert_null(path(js, "timeZone"));
	assert_string_equal(str(js, "duration"), "P3D");
	assert_string_equal(str(js, "freeBusyStatus"), "free");
	assert_int_equal(json_object_get_int(path(js, "recurrenceRules/0/count")), 3);
	assert_round_trip(js);
	json_object_put(js);
	js = read_text(task);
	assert_string_equal(str(js, "@type"), "Task");
	assert_string_equal(str(js, "due"), "2024-05-02T17:00:00");
	assert_string_equal(str(js, "timeZone"), "America/New_York");
	assert_string_equal(str(js, "progress"), "in-process");
	assert_int_equal(json_object_get_int(path(js, "percentComplete")), 40);
	assert_round_trip(js);
	json_object_put(js);
}

/* A JMAP client's event with every commonly used member. */
static const char rich_event[] =
	"{\"@type\":\"Event\",\"uid\":\"rich-1\",\"title\":\"Launch\",\"description\":\"Go!\","
	"\"start\":\"2024-05-06T09:30:00\",\"timeZone\":\"America/New_York\","
	"\"duration\":\"PT1H30M\",\"status\":\"tentative\",\"privacy\":\"private\","
	"\"priority\":3,\"color\":\"red\",\"sequence\":4,\"created\":\"2024-04-01T08:00:00Z\","
	"\"recurrenceRules\":[{\"@type\":\"RecurrenceRule\",\"frequency\":\"monthly\","
	"\"interval\":2,\"byDay\":[{\"@type\":\"NDay\",\"day\":\"mo\",\"nthOfPeriod\":1}],"
	"\"count\":6}],"
	"\"recurrenceOverrides\":{\"2024-07-01T09:30:00\":{\"title\":\"Launch (summer)\","
	"\"participants/p2/participationStatus\":\"accepted\"},"
	"\"2024-09-02T09:30:00\":{\"excluded\":true},\"2024-08-15T09:30:00\":{}},"
	"\"replyTo\":{\"imip\":\"mailto:ceo@example.com\"},"
	"\"participants\":{\"p1\":{\"@type\":\"Participant\",\"name\":\"CEO\","
	"\"email\":\"ceo@example.com\",\"sendTo\":{\"imip\":\"mailto:ceo@example.com\"},"
	"\"scheduleId\":\"mailto:ceo@example.com\",\"roles\":{\"owner\":true,\"attendee\":true},"
	"\"participationStatus\":\"accepted\"},"
	"\"p2\":{\"@type\":\"Participant\",\"name\":\"Eve\",\"email\":\"eve@example.com\","
	"\"sendTo\":{\"imip\":\"mailto:eve@example.com\"},\"scheduleId\":\"mailto:eve@example.com\","
	"\"roles\":{\"attendee\":true,\"optional\":true},\"kind\":\"individual\","
	"\"participationStatus\":\"needs-action\",\"expectReply\":true}},"
	"\"locations\":{\"l1\":{\"@type\":\"Location\",\"name\":\"HQ\","
	"\"coordinates\":\"geo:40.712800,-74.006000\"},"
	"\"l2\":{\"@type\":\"Location\",\"name\":\"Annex\"}},"
	"\"virtualLocations\":{\"v1\":{\"@type\":\"VirtualLocation\","
	"\"uri\":\"https://meet.example.com/launch\",\"name\":\"Video\","
	"\"features\":{\"video\":true,\"audio\":true}}},"
	"\"links\":{\"k1\":{\"@type\":\"Link\",\"href\":\"https://example.com/agenda.pdf\","
	"\"contentType\":\"application/pdf\",\"rel\":\"enclosure\"},"
	"\"k2\":{\"@type\":\"Link\",\"href\":\"https://example.com/launch\","
	"\"rel\":\"describedby\"}},"
	"\"alerts\":{\"a1\":{\"@type\":\"Alert\",\"trigger\":{\"@type\":\"OffsetTrigger\","
	"\"offset\":\"-PT10M\"},\"action\":\"display\"},"
	"\"a2\":{\"@type\":\"Alert\",\"trigger\":{\"@type\":\"AbsoluteTrigger\","
	"\"when\":\"2024-05-06T12:00:00Z\"},\"action\":\"email\","
	"\"acknowledged\":\"2024-05-06T12:01:00Z\"},"
	"\"a3\":{\"@type\":\"Alert\",\"trigger\":{\"@type\":\"OffsetTrigger\","
	"\"offset\":\"PT5M\",\"relativeTo\":\"end\"},\"action\":\"display\"}},"
	"\"keywords\":{\"launch\":true,\"q2\":true},"
	"\"relatedTo\":{\"parent-uid\":{\"@type\":\"Relation\",\"relation\":{\"parent\":true}}},"
	"\"useDefaultAlerts\":true}";

static void test_write_rich(void **state)
{
	json_object *js = json_tokener_parse(rich_event);
	char *text;

	(void)state;
	assert_non_null(js);
	text = write_js(js, NULL);
	assert_non_null(strstr(text, "DTSTART;TZID=America/New_York:20240506T093000\r\n"));
	assert_non_null(strstr(text, "DTEND;TZID=America/New_York:20240506T110000\r\n"));
	assert_non_null(strstr(text, "RRULE:FREQ=MONTHLY;COUNT=6;INTERVAL=2;BYDAY=1MO\r\n"));
	assert_non_null(strstr(text, "EXDATE;TZID=America/New_York:20240902T093000\r\n"));
	assert_non_null(strstr(text, "RECURRENCE-ID;TZID=America/New_York:20240701T093000\r\n"));
	assert_non_null(strstr(text, "ORGANIZER;CN=CEO"));
	assert_non_null(strstr(text, "ROLE=OPT-PARTICIPANT"));
	assert_non_null(strstr(text, "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"));
	assert_non_null(strstr(text, "GEO:40.712800;-74.006000\r\n"));
	assert_non_null(strstr(text, "CLASS:PRIVATE\r\n"));
	free(text);
	assert_round_trip(js);
	json_object_put(js);
}

/* RFC 7529 rules: the calendar scale and what to do with missing days. */
static void test_rscale(void **state)
{
	json_object *js = json_tokener_parse("{\"@type\":\"Event\",\"uid\":\"leap\","
		"\"start\":\"2024-02-29T00:00:00\",\"showWithoutTime\":true,\"duration\":\"P1D\","
		"\"recurrenceRules\":[{\"@type\":\"RecurrenceRule\",\"frequency\":\"yearly\","
		"\"rscale\":\"gregorian\",\"skip\":\"forward\"}]}");
	char *text;

	(void)state;
	text = write_js(js, NULL);
	assert_non_null(strstr(text, "RSCALE=GREGORIAN"));
	assert_non_null(strstr(text, "SKIP=FORWARD"));
	free(text);
	assert_round_trip(js);
	json_object_put(js);
}

static void test_write_invalid(void **state)
{
	(void)state;
	assert_string_equal(write_bad("{\"uid\":\"x\"}"), "start");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-13-01T00:00:00\"}"), "start");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"timeZone\":\"Mars/Olympus\"}"), "timeZone");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"duration\":\"1H\"}"), "duration");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"recurrenceRules\":[{\"frequency\":\"often\"}]}"),
			    "recurrenceRules");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"recurrenceOverrides\":{\"2024-01-02T00:00:00\":"
				      "{\"uid\":\"y\"}}}"), "recurrenceOverrides");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"participants\":{\"p\":{\"name\":\"No address\"}}}"),
			    "participants");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"alerts\":{\"a\":{\"trigger\":{\"offset\":\"soon\"}}}}"),
			    "alerts");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"status\":\"maybe\"}"), "status");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"priority\":12}"), "priority");
	assert_string_equal(write_bad("{\"uid\":\"x\",\"start\":\"2024-01-01T00:00:00\","
				      "\"unknownThing\":1}"), "unknownThing");
	assert_string_equal(write_bad("{\"@type\":\"Group\",\"uid\":\"x\"}"), "@type");
}

static int parse_error(const char *text, size_t len)
{
	icalcomponent *cal = NULL;
	const char *error = NULL;
	int ret = jscalendar_ical_parse(text, len, &cal, &error);

	if (ret == 0) {
		icalcomponent_free(cal);
		fail_msg("accepted: %s", text);
	}
	assert_non_null(error);
	return ret;
}

#define EV(body) "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" body "END:VCALENDAR\r\n"
#define VEVENT(uid, more) "BEGIN:VEVENT\r\nUID:" uid "\r\nDTSTAMP:20240101T000000Z\r\n" \
	"DTSTART:20240101T100000Z\r\n" more "END:VEVENT\r\n"

static void test_parse_refused(void **state)
{
	static const struct {
		const char *text;
		int expect;
	} cases[] = {
		{ "not a calendar", JSCALENDAR_INVALID_DATA },
		{ "BEGIN:VCALENDAR\r\n" VEVENT("a", "") "BEGIN:VCALENDAR\r\n", JSCALENDAR_INVALID_DATA },
		{ EV(VEVENT("a", "")) EV(VEVENT("b", "")), JSCALENDAR_INVALID_DATA },
		{ EV(VEVENT("a", "DTEND:2024BAD\r\n")), JSCALENDAR_INVALID_DATA },
		{ EV("METHOD:REQUEST\r\n" VEVENT("a", "")), JSCALENDAR_INVALID_RESOURCE },
		{ EV(VEVENT("a", "") VEVENT("b", "RECURRENCE-ID:20240102T100000Z\r\n")),
		  JSCALENDAR_INVALID_RESOURCE },
		{ EV(VEVENT("a", "") VEVENT("a", "")), JSCALENDAR_INVALID_RESOURCE },
		{ EV(VEVENT("a", "RRULE:FREQ=DAILY\r\n")
		     VEVENT("a", "RECURRENCE-ID:20240102T100000Z\r\n")
		     VEVENT("a", "RECURRENCE-ID:20240102T100000Z\r\n")), JSCALENDAR_INVALID_RESOURCE },
		{ EV(VEVENT("a", "") "BEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\n"),
		  JSCALENDAR_INVALID_RESOURCE },
		{ EV("BEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\nEND:VEVENT\r\n"),
		  JSCALENDAR_INVALID_RESOURCE },
		{ EV("BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n"), JSCALENDAR_INVALID_RESOURCE },
		{ EV(VEVENT("a", "DTEND:20231231T100000Z\r\n")), JSCALENDAR_INVALID_RESOURCE },
		{ EV(VEVENT("a", "DTEND:20240101T110000Z\r\nDURATION:PT1H\r\n")),
		  JSCALENDAR_INVALID_RESOURCE },
		{ EV("BEGIN:VFREEBUSY\r\nUID:f\r\nEND:VFREEBUSY\r\n"), JSCALENDAR_INVALID_RESOURCE },
		{ EV(""), JSCALENDAR_INVALID_RESOURCE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = parse_error(cases[i].text, strlen(cases[i].text));

		if (ret != cases[i].expect)
			fail_msg("case %zu gave %d: %s", i, ret, cases[i].text);
	}
}

static void test_parse_bounds(void **state)
{
	static const char ok[] = EV(VEVENT("a", ""));
	size_t big = JSCALENDAR_MAX_SIZE + 1, depth = JSCALENDAR_MAX_DEPTH + 2;
	char *text = malloc(big + 1), *nested;

	(void)state;
	memset(text, 'x', big);
	text[big] = '\0';
	assert_int_equal(parse_error(text, big), JSCALENDAR_TOO_LARGE);
	free(text);
	/* a NUL inside the text */
	text = strdup(ok);
	text[20] = '\0';
	assert_int_equal(parse_error(text, strlen(ok)), JSCALENDAR_INVALID_DATA);
	free(text);
	/* nesting deeper than libical's recursion should see */
	nested = calloc(depth, 32);
	for (size_t i = 0; i < depth; i++)
		strcat(nested, "BEGIN:X-DEEP\r\n");
	assert_int_equal(parse_error(nested, strlen(nested)), JSCALENDAR_INVALID_DATA);
	free(nested);
}

static void test_durations(void **state)
{
	static const char *const good[] = { "PT0S", "P1D", "P2W", "PT1H30M", "P1DT2H3M4S", NULL };
	static const char *const bad[] = {
		"P", "PT", "1H", "P1H", "PT1D", "P1W2D", "P1DT", "P1M", "P-1D", "PT1H1H", NULL,
	};
	struct icaldurationtype d;
	char out[JSCAL_DURATION_MAX];

	(void)state;
	for (size_t i = 0; good[i] != NULL; i++) {
		assert_true(jscal_duration_parse(good[i], false, &d));
		jscal_duration_format(d, out);
		assert_string_equal(out, good[i]);
	}
	for (size_t i = 0; bad[i] != NULL; i++) {
		if (jscal_duration_parse(bad[i], false, &d))
			fail_msg("accepted duration %s", bad[i]);
	}
	assert_true(jscal_duration_parse("-PT15M", true, &d));
	assert_false(jscal_duration_parse("-PT15M", false, &d));
}

/* Bad input never crashes: every mutation of a real text either is
 * refused or goes through the whole path (read, range, instances,
 * written back and read again). */
static void test_mutations(void **state)
{
	static const char *const pieces[] = {
		"RRULE:FREQ=SECONDLY;BYMONTH=2\r\n", "RRULE:FREQ=DAILY;BYMONTHDAY=31;BYMONTH=2\r\n",
		"RRULE:FREQ=DAILY;COUNT=100000\r\n", "RECURRENCE-ID:20240101T000000Z\r\n",
		"DTSTART;VALUE=DATE:20240101\r\n", "EXDATE:20240325T090000Z\r\n",
		"RDATE;VALUE=PERIOD:20240101T000000Z/PT1H\r\n", "DTSTART;TZID=Nowhere:20240101T000000\r\n",
		"END:VEVENT\r\n", "BEGIN:VALARM\r\nTRIGGER:-PT1M\r\nEND:VALARM\r\n",
		"DTSTART:99991231T235959Z\r\n", "ORGANIZER:\r\n", "RRULE:FREQ=SECONDLY\r\n",
	};
	uint32_t seed = 12345;
	size_t n = strlen(apple_event);

	(void)state;
	for (int it = 0; it < 200; it++) {
		char *t = calloc(1, n * 2 + 1024), *nl;
		icalcomponent *cal;
		const char *error;

		memcpy(t, apple_event, n);
		for (int m = 0; m < 3; m++) {
			size_t len = strlen(t), pos;

			seed = seed * 1103515245 + 12345;
			if (len == 0)
				break;
			pos = (seed >> 8) % len;
			if ((seed & 3) == 0) {
				t[pos] = "\r\n:;=,ZT09A"[(seed >> 20) % 12];
			} else if ((seed & 3) == 1 && pos + 17 < len) {
				memmove(t + pos, t + pos + 17, len - pos - 16);
			} else if ((nl = strchr(t + pos, '\n')) != NULL) {
				const char *piece = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];

				memmove(nl + 1 + strlen(piece), nl + 1, strlen(nl + 1) + 1);
				memcpy(nl + 1, piece, strlen(piece));
			}
		}
		if (jscalendar_ical_parse(t, strlen(t), &cal, &error) == 0) {
			json_object *js = jscalendar_from_ical(cal);
			struct jscalendar_range r;
			const char *bad;
			char *text;
			size_t len;

			jscalendar_ical_range(cal, &r);
			(void)jscalendar_ical_overlaps(cal, APPLE_FIRST, APPLE_FIRST + 86400 * 30, NULL);
			if (jscalendar_to_ical(js, cal, &text, &len, &bad) == 0) {
				json_object_put(read_text(text));
				free(text);
			}
			json_object_put(js);
			icalcomponent_free(cal);
		}
		free(t);
	}
}

/* ---- time ranges ---- */

static bool overlaps(icalcomponent *cal, int64_t after, int64_t before)
{
	return jscalendar_ical_overlaps(cal, after, before, NULL);
}

static void test_range_apple(void **state)
{
	icalcomponent *cal = parse_ok(apple_event);
	struct jscalendar_range r;
	const int64_t week = 7 * 86400, hour = 3600;

	(void)state;
	jscalendar_ical_range(cal, &r);
	assert_true(r.has_start && r.has_end);
	assert_int_equal(r.start, APPLE_FIRST);
	/* the last instance: 2024-04-29T08:00Z (summer time) + 1 h */
	assert_int_equal(r.end, 1714377600 + hour);
	assert_true((r.flags & JSCALENDAR_RANGE_RECURRING) != 0);
	assert_true(overlaps(cal, APPLE_FIRST, APPLE_FIRST + hour));
	assert_true(overlaps(cal, APPLE_FIRST + week, APPLE_FIRST + week + 1));
	/* 2024-03-18 is excluded */
	assert_false(overlaps(cal, APPLE_FIRST + 2 * week - 10, APPLE_FIRST + 2 * week + hour));
	/* 2024-03-25 moved from 10:00 to 14:00 (still winter time) */
	assert_false(overlaps(cal, APPLE_FIRST + 3 * week, APPLE_FIRST + 3 * week + hour));
	assert_true(overlaps(cal, APPLE_FIRST + 3 * week + 4 * hour,
			     APPLE_FIRST + 3 * week + 5 * hour));
	/* after summer time began, 10:00 Berlin is 08:00Z */
	assert_true(overlaps(cal, 1712563200, 1712563200 + 60));
	assert_false(overlaps(cal, 1714377600 + hour, 1714377600 + 30 * 86400));
	icalcomponent_free(cal);
}

static void test_range_endless_and_floating(void **state)
{
	static const char daily[] = EV(VEVENT("d", "DTEND:20240101T103000Z\r\n"
					      "RRULE:FREQ=DAILY\r\n"));
	static const char floating[] = EV("BEGIN:VEVENT\r\nUID:f\r\nDTSTAMP:20240101T000000Z\r\n"
					  "DTSTART:20240101T100000\r\nDTEND:20240101T110000\r\n"
					  "END:VEVENT\r\n");
	static const char undated[] = EV("BEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\n");
	icalcomponent *cal = parse_ok(daily);
	icaltimezone *tokyo = jscalendar_zone("Asia/Tokyo");
	struct jscalendar_range r;
	const int64_t first = 1704103200;	/* 2024-01-01T10:00:00Z */

	(void)state;
	jscalendar_ical_range(cal, &r);
	assert_true(r.has_start && !r.has_end);
	/* ten years on, far past the bound if it were walked from the start */
	assert_true(overlaps(cal, first + 3650 * 86400LL + 600, first + 3650 * 86400LL + 700));
	assert_false(overlaps(cal, first + 3650 * 86400LL + 3600, first + 3650 * 86400LL + 7200));
	icalcomponent_free(cal);
	cal = parse_ok(floating);
	jscalendar_ical_range(cal, &r);
	assert_true((r.flags & JSCALENDAR_RANGE_FLOATING) != 0);
	assert_true(r.start <= first - 86400 + 1);
	/* 10:00 floating is 01:00Z in Tokyo */
	assert_true(jscalendar_ical_overlaps(cal, first - 9 * 3600, first - 8 * 3600, tokyo));
	assert_false(jscalendar_ical_overlaps(cal, first, first + 3600, tokyo));
	assert_true(overlaps(cal, first, first + 3600));
	icalcomponent_free(cal);
	cal = parse_ok(undated);
	jscalendar_ical_range(cal, &r);
	assert_false(r.has_start);
	assert_true(overlaps(cal, 0, 1));
	icalcomponent_free(cal);
}

static void test_time_parse(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(jscalendar_time_parse("2024-01-01T10:00:00", NULL, &t), 0);
	assert_int_equal(t, 1704103200);
	assert_int_equal(jscalendar_time_parse("2024-01-01T10:00:00Z", NULL, &t), 0);
	assert_int_equal(t, 1704103200);
	assert_int_equal(jscalendar_time_parse("2024-01-01T10:00:00",
					       jscalendar_zone("Europe/Berlin"), &t), 0);
	assert_int_equal(t, 1704103200 - 3600);
	assert_int_equal(jscalendar_time_parse("yesterday", NULL, &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_apple),
		cmocka_unit_test(test_round_trip_apple),
		cmocka_unit_test(test_update_keeps_unknown),
		cmocka_unit_test(test_all_day_and_task),
		cmocka_unit_test(test_write_rich),
		cmocka_unit_test(test_rscale),
		cmocka_unit_test(test_write_invalid),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_range_apple),
		cmocka_unit_test(test_range_endless_and_floating),
		cmocka_unit_test(test_time_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
