/* CalDAV over libical: time-range overlap (RFC 4791 §9.9), the instances
 * of a resource (dav_calinst.c) and calendar-query filters
 * (dav_calfilter.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dav/dav_cal.h"

#define HOUR 3600
/* 2024-01-01T00:00:00Z */
#define JAN1 1704067200

static icalcomponent *cal_parse(const char *body)
{
	char *text = NULL;
	icalcomponent *cal;

	if (asprintf(&text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n%s"
		     "END:VCALENDAR\r\n", body) < 0)
		abort();
	cal = icalparser_parse_string(text);
	free(text);
	assert_non_null(cal);
	return cal;
}

struct seen {
	int64_t starts[16];
	size_t count;
};

static void note(icalcomponent *comp, int64_t start, int64_t end, int64_t recurid,
		 bool recurring, void *data)
{
	struct seen *s = data;

	if (s->count < 16)
		s->starts[s->count++] = start;
}

static size_t instances(icalcomponent *cal, int64_t from, int64_t to, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return dav_cal_instances(cal, from, to, note, s);
}

static void test_overlap_rules(void **state)
{
	assert_true(dav_cal_overlaps(10, 20, 15, 30));
	assert_false(dav_cal_overlaps(10, 20, 20, 30));
	assert_false(dav_cal_overlaps(10, 20, 0, 10));
	/* no duration: in the range when it starts in it */
	assert_true(dav_cal_overlaps(10, 10, 10, 11));
	assert_false(dav_cal_overlaps(10, 10, 5, 10));
}

static void test_recurrence_with_exdate_and_override(void **state)
{
	icalcomponent *cal = cal_parse(
		"BEGIN:VEVENT\r\nUID:r\r\nDTSTAMP:20240101T000000Z\r\n"
		"DTSTART:20240101T080000Z\r\nDTEND:20240101T090000Z\r\n"
		"RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20240102T080000Z\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:r\r\nDTSTAMP:20240101T000000Z\r\n"
		"RECURRENCE-ID:20240103T080000Z\r\nDTSTART:20240110T120000Z\r\n"
		"DTEND:20240110T130000Z\r\nEND:VEVENT\r\n");
	struct seen s;

	assert_int_equal(instances(cal, JAN1, JAN1 + 7 * 24 * HOUR, &s), 3);
	assert_int_equal(s.starts[0], JAN1 + 8 * HOUR);
	assert_int_equal(s.starts[1], JAN1 + 3 * 24 * HOUR + 8 * HOUR);
	assert_int_equal(s.starts[2], JAN1 + 4 * 24 * HOUR + 8 * HOUR);
	assert_int_equal(instances(cal, JAN1 + 9 * 24 * HOUR, JAN1 + 10 * 24 * HOUR, &s), 1);
	assert_int_equal(s.starts[0], JAN1 + 9 * 24 * HOUR + 12 * HOUR);
	assert_int_equal(instances(cal, JAN1 + 24 * HOUR, JAN1 + 48 * HOUR, &s), 0);
	icalcomponent_free(cal);
}

static void test_zones_dates_and_tasks(void **state)
{
	icalcomponent *cal = cal_parse(
		"BEGIN:VEVENT\r\nUID:z\r\nDTSTAMP:20240101T000000Z\r\n"
		"DTSTART;TZID=Europe/Paris:20240101T100000\r\nDURATION:PT30M\r\nEND:VEVENT\r\n");
	struct seen s;

	assert_int_equal(instances(cal, JAN1, JAN1 + 24 * HOUR, &s), 1);
	assert_int_equal(s.starts[0], JAN1 + 9 * HOUR);
	icalcomponent_free(cal);
	cal = cal_parse("BEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20240101T000000Z\r\n"
			"DTSTART;VALUE=DATE:20240102\r\nEND:VEVENT\r\n");
	assert_int_equal(instances(cal, JAN1 + 47 * HOUR, JAN1 + 48 * HOUR, &s), 1);
	assert_int_equal(instances(cal, JAN1 + 48 * HOUR, JAN1 + 49 * HOUR, &s), 0);
	icalcomponent_free(cal);
	cal = cal_parse("BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20240101T000000Z\r\nEND:VTODO\r\n");
	assert_int_equal(instances(cal, 0, 10, &s), 0);
	assert_int_equal(s.count, 1);
	icalcomponent_free(cal);
}

static void test_unbounded_rule_is_bounded(void **state)
{
	icalcomponent *cal = cal_parse(
		"BEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20240101T000000Z\r\n"
		"DTSTART:20240101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n");
	struct seen s;

	assert_true(instances(cal, JAN1, INT64_MAX, &s) <= DAV_CAL_MAX_INSTANCES);
	icalcomponent_free(cal);
}

static bool filter_passes(const char *filter_xml, icalcomponent *cal)
{
	const char *error;
	xmlDoc *doc;
	bool ok;

	assert_int_equal(dav_xml_parse(filter_xml, strlen(filter_xml), &doc, &error), 1);
	ok = dav_cal_filter_eval(xmlDocGetRootElement(doc), cal);
	xmlFreeDoc(doc);
	return ok;
}

#define F(inner) "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\">" \
	"<C:comp-filter name=\"VCALENDAR\">" inner "</C:comp-filter></C:filter>"

static void test_filters(void **state)
{
	icalcomponent *cal = cal_parse(
		"BEGIN:VEVENT\r\nUID:f\r\nDTSTAMP:20240101T000000Z\r\n"
		"DTSTART:20240101T080000Z\r\nDTEND:20240101T090000Z\r\nSUMMARY:Team meeting\r\n"
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.org\r\n"
		"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\n");

	assert_true(filter_passes(F(""), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VEVENT\"/>"), cal));
	assert_false(filter_passes(F("<C:comp-filter name=\"VTODO\"/>"), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VTODO\"><C:is-not-defined/>"
				    "</C:comp-filter>"), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:prop-filter "
				    "name=\"SUMMARY\"><C:text-match>MEETING</C:text-match>"
				    "</C:prop-filter></C:comp-filter>"), cal));
	assert_false(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:prop-filter "
				     "name=\"SUMMARY\"><C:text-match collation=\"i;octet\">"
				     "MEETING</C:text-match></C:prop-filter></C:comp-filter>"), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:prop-filter "
				    "name=\"ATTENDEE\"><C:param-filter name=\"PARTSTAT\">"
				    "<C:text-match match-type=\"equals\">accepted</C:text-match>"
				    "</C:param-filter></C:prop-filter></C:comp-filter>"), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:prop-filter "
				    "name=\"LOCATION\"><C:is-not-defined/></C:prop-filter>"
				    "</C:comp-filter>"), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:time-range "
				    "start=\"20240101T083000Z\" end=\"20240101T100000Z\"/>"
				    "<C:comp-filter name=\"VALARM\"/></C:comp-filter>"), cal));
	assert_false(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:time-range "
				     "start=\"20240101T090000Z\"/></C:comp-filter>"), cal));
	assert_true(filter_passes(F("<C:comp-filter name=\"VEVENT\"><C:prop-filter "
				    "name=\"DTSTART\"><C:time-range start=\"20240101T000000Z\" "
				    "end=\"20240102T000000Z\"/></C:prop-filter></C:comp-filter>"), cal));
	icalcomponent_free(cal);
}

static void test_time_range_element(void **state)
{
	static const char *const bad[] = {
		"<t/>", "<t start=\"2024-01-01\"/>", "<t start=\"20240101T000000\"/>",
		"<t start=\"20240101\"/>", "<t start=\"20240102T000000Z\" end=\"20240101T000000Z\"/>",
	};
	const char *error;
	int64_t s, e;
	xmlDoc *doc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dav_xml_parse(bad[i], strlen(bad[i]), &doc, &error), 1);
		if (dav_cal_time_range(xmlDocGetRootElement(doc), &s, &e) == 0)
			fail_msg("accepted time-range %s", bad[i]);
		xmlFreeDoc(doc);
	}
	assert_int_equal(dav_xml_parse("<t start=\"20240101T000000Z\"/>", 29, &doc, &error), 1);
	assert_int_equal(dav_cal_time_range(xmlDocGetRootElement(doc), &s, &e), 0);
	assert_int_equal(s, JAN1);
	assert_int_equal(e, INT64_MAX);
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap_rules),
		cmocka_unit_test(test_recurrence_with_exdate_and_override),
		cmocka_unit_test(test_zones_dates_and_tasks),
		cmocka_unit_test(test_unbounded_rule_is_bounded),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_time_range_element),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
