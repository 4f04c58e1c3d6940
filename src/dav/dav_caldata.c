/* The calendar-data property (RFC 4791 §9.6): the stored text, or what a
 * REPORT's calendar-data element asks of it: expand (every instance in
 * the range as a component of its own, in UTC, §9.6.5) or
 * limit-recurrence-set (the master and the overrides that touch the
 * range, §9.6.6). */
#include <stdlib.h>
#include <string.h>

#include "dav/dav_cal.h"
#include "jmap/jscalendar.h"

static void dav_caldata_remove(icalcomponent *comp, icalproperty_kind kind)
{
	icalproperty *p;

	while ((p = icalcomponent_get_first_property(comp, kind)) != NULL) {
		icalcomponent_remove_property(comp, p);
		icalproperty_free(p);
	}
}

static struct icaltimetype dav_caldata_time(int64_t t, bool is_date)
{
	return icaltime_from_timet_with_zone((time_t)t, is_date ? 1 : 0,
					     icaltimezone_get_utc_timezone());
}

static void dav_caldata_instance(icalcomponent *comp, int64_t start, int64_t end,
				 int64_t recurid, bool recurring, void *data)
{
	icalcomponent *out = data, *inst = icalcomponent_new_clone(comp);
	icalproperty *dtstart = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
	bool is_date = dtstart != NULL && icalproperty_get_dtstart(dtstart).is_date;
	bool has_end = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY) != NULL;

	dav_caldata_remove(inst, ICAL_RRULE_PROPERTY);
	dav_caldata_remove(inst, ICAL_RDATE_PROPERTY);
	dav_caldata_remove(inst, ICAL_EXDATE_PROPERTY);
	dav_caldata_remove(inst, ICAL_EXRULE_PROPERTY);
	if (dtstart != NULL) {
		dav_caldata_remove(inst, ICAL_DTSTART_PROPERTY);
		icalcomponent_add_property(inst, icalproperty_new_dtstart(
			dav_caldata_time(start, is_date)));
	}
	if (dtstart != NULL && has_end) {
		dav_caldata_remove(inst, ICAL_DTEND_PROPERTY);
		icalcomponent_add_property(inst, icalproperty_new_dtend(
			dav_caldata_time(end, is_date)));
	}
	if (recurring) {
		dav_caldata_remove(inst, ICAL_RECURRENCEID_PROPERTY);
		icalcomponent_add_property(inst, icalproperty_new_recurrenceid(
			dav_caldata_time(recurid, is_date)));
	}
	icalcomponent_add_component(out, inst);
}

static icalcomponent *dav_caldata_new_cal(icalcomponent *cal)
{
	icalcomponent *out = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	static const icalproperty_kind keep[] = {
		ICAL_VERSION_PROPERTY, ICAL_PRODID_PROPERTY, ICAL_CALSCALE_PROPERTY,
	};

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		icalproperty *p = icalcomponent_get_first_property(cal, keep[i]);

		if (p != NULL)
			icalcomponent_add_property(out, icalproperty_new_clone(p));
	}
	return out;
}

static icalcomponent *dav_caldata_expand(icalcomponent *cal, int64_t start, int64_t end)
{
	icalcomponent *out = dav_caldata_new_cal(cal);

	dav_cal_instances(cal, start, end, dav_caldata_instance, out);
	return out;
}

/* The master and the overrides whose instance touches the range. */
static icalcomponent *dav_caldata_limit(icalcomponent *cal, int64_t start, int64_t end)
{
	icalcomponent *out = icalcomponent_new_clone(cal), **comps;
	size_t n = dav_cal_components(out, &comps);

	for (size_t i = 0; i < n; i++) {
		icalcomponent *c = comps[i];
		icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
		int64_t s, e, r;

		if (rid == NULL || !dav_cal_span(out, c, &s, &e))
			continue;
		r = dav_cal_prop_utc(out, rid);
		if (!dav_cal_overlaps(s, e, start, end) && !dav_cal_overlaps(r, r, start, end)) {
			icalcomponent_remove_component(out, c);
			icalcomponent_free(c);
		}
	}
	free(comps);
	return out;
}

/* The text calendar-data asks for (caller frees), NULL for the stored
 * text as it is. */
static char *dav_caldata_transform(xmlNode *request, const char *text, size_t len)
{
	xmlNode *expand = dav_xml_child(request, DAV_NS_CALDAV, "expand");
	xmlNode *limit = dav_xml_child(request, DAV_NS_CALDAV, "limit-recurrence-set");
	icalcomponent *cal, *out;
	const char *error;
	int64_t start, end;
	char *result;

	if ((expand == NULL && limit == NULL) ||
	    dav_cal_time_range(expand != NULL ? expand : limit, &start, &end) < 0 ||
	    jscalendar_ical_parse(text, len, &cal, &error) != 0)
		return NULL;
	out = expand != NULL ? dav_caldata_expand(cal, start, end) :
		dav_caldata_limit(cal, start, end);
	result = icalcomponent_as_ical_string_r(out);
	icalcomponent_free(out);
	icalcomponent_free(cal);
	return result;
}

int dav_prop_calendar_data(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out)
{
	json_object *data = json_object_object_get(res->member, "davData");
	const char *text;
	size_t len;
	char *changed;

	if (data == NULL)
		return 0;
	text = json_object_get_string(data);
	len = (size_t)json_object_get_string_len(data);
	changed = ctx->data_request != NULL ?
		dav_caldata_transform(ctx->data_request, text, len) : NULL;
	if (changed != NULL) {
		dav_xml_escape(out, changed);
		free(changed);
		return 1;
	}
	dav_xml_escape_len(out, text, len);
	return 1;
}
