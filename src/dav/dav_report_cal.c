/* calendar-query (RFC 4791 §7.8): the calendar's objects that pass the
 * filter. A time range on the events narrows the candidates through the
 * core's CalendarEvent/query first (widened by a day each side, so that
 * floating times and the edges are left to the exact check here). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "dav/dav_cal.h"
#include "jmap/jscalendar.h"

#define DAV_DAY 86400

/* A time-range of VCALENDAR > VEVENT: every match lies in it. */
static bool dav_calq_event_range(xmlNode *filter, int64_t *start_r, int64_t *end_r)
{
	xmlNode *top = dav_xml_first(filter);

	for (xmlNode *cf = dav_xml_first(top); cf != NULL; cf = dav_xml_next(cf)) {
		char *name = dav_xml_attr(cf, "name");
		bool event = name != NULL && strcasecmp(name, "VEVENT") == 0;
		xmlNode *tr = dav_xml_child(cf, DAV_NS_CALDAV, "time-range");

		free(name);
		if (dav_xml_is(cf, DAV_NS_CALDAV, "comp-filter") && event && tr != NULL &&
		    dav_xml_child(cf, DAV_NS_CALDAV, "is-not-defined") == NULL)
			return dav_cal_time_range(tr, start_r, end_r) == 0;
	}
	return false;
}

static void dav_calq_bound(json_object *conditions, const char *key, int64_t t)
{
	char text[21];

	time_format_utc((time_t)t, text);
	json_object_object_add(conditions, key, json_object_new_string(text));
}

static json_object *dav_calq_candidates(struct dav_ctx *ctx, struct dav_res *res,
					xmlNode *filter)
{
	json_object *conditions, *list;
	int64_t start, end;

	if (res->kind != DAV_KIND_COLLECTION || !dav_calq_event_range(filter, &start, &end))
		return dav_report_candidates(ctx, res);
	conditions = json_object_new_object();
	if (start != INT64_MIN && start > INT64_MIN + DAV_DAY)
		dav_calq_bound(conditions, "after", start - DAV_DAY);
	if (end != INT64_MAX && end < INT64_MAX - DAV_DAY)
		dav_calq_bound(conditions, "before", end + DAV_DAY);
	list = dav_members_filtered(ctx, res->fam, res->coll, conditions, true);
	json_object_put(conditions);
	return list;
}

static json_object *dav_calq_select(json_object *members, xmlNode *filter)
{
	json_object *out = json_object_new_array();
	size_t n = json_object_array_length(members);

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(members, i);
		json_object *data = json_object_object_get(m, "davData");
		icalcomponent *cal;
		const char *error;

		if (data == NULL || jscalendar_ical_parse(json_object_get_string(data),
				(size_t)json_object_get_string_len(data), &cal, &error) != 0)
			continue;
		if (dav_cal_filter_eval(filter, cal))
			json_object_array_add(out, json_object_get(m));
		icalcomponent_free(cal);
	}
	return out;
}

void dav_report_calendar_query(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	xmlNode *filter = dav_xml_child(root, DAV_NS_CALDAV, "filter");
	struct dav_report_props p;
	json_object *members, *matches;

	if (filter == NULL) {
		dav_respond_error(ctx, 403, DAV_NS_CALDAV, "valid-filter");
		return;
	}
	if (dav_cal_filter_check(ctx, filter) < 0)
		return;
	dav_report_props_read(root, &p);
	if ((members = dav_calq_candidates(ctx, res, filter)) == NULL)
		return;
	matches = dav_calq_select(members, filter);
	dav_report_matches(ctx, res, &p, matches, 0);
	json_object_put(matches);
	json_object_put(members);
}
