/* iCalendar to JSCalendar: one component's own properties and times,
 * and the resource as a whole (RFC 8984, with the property mapping of
 * draft-ietf-calext-jscalendar-icalendar where both agree). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "jmap/jscalendar_private.h"

static void jscal_add_string(json_object *js, const char *name, const char *value)
{
	if (value != NULL)
		json_object_object_add(js, name, json_object_new_string(value));
}

/* A value from a fixed list, lowercased ("CONFIRMED" -> "confirmed"). */
static void jscal_add_enum(json_object *js, const char *name, const char *value,
			   const char *const *known)
{
	for (size_t i = 0; value != NULL && known[i] != NULL; i += 2) {
		if (strcasecmp(value, known[i]) == 0) {
			jscal_add_string(js, name, known[i + 1]);
			return;
		}
	}
}

static void jscal_add_utc(json_object *js, const char *name, icalproperty *prop)
{
	struct icaltimetype t;
	char out[21];

	if (prop == NULL || icaltime_is_null_time(t = jscal_prop_time(prop)))
		return;
	time_format_utc((time_t)jscal_time_utc(NULL, t, jscal_prop_tzid(prop), NULL, NULL), out);
	jscal_add_string(js, name, out);
}

static icalproperty *jscal_first(icalcomponent *comp, icalproperty_kind kind)
{
	return icalcomponent_get_first_property(comp, kind);
}

/* The first X- property called name. */
static icalproperty *jscal_first_x(icalcomponent *comp, const char *name)
{
	for (icalproperty *p = jscal_first(comp, ICAL_X_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY)) {
		if (strcasecmp(icalproperty_get_x_name(p), name) == 0)
			return p;
	}
	return NULL;
}

static void jscal_read_text(json_object *js, icalcomponent *comp)
{
	icalproperty *p;

	if ((p = jscal_first(comp, ICAL_SUMMARY_PROPERTY)) != NULL)
		jscal_add_string(js, "title", icalproperty_get_summary(p));
	if ((p = jscal_first(comp, ICAL_DESCRIPTION_PROPERTY)) != NULL)
		jscal_add_string(js, "description", icalproperty_get_description(p));
	if ((p = jscal_first(comp, ICAL_COLOR_PROPERTY)) != NULL)
		jscal_add_string(js, "color", icalproperty_get_color(p));
}

static void jscal_read_status(json_object *js, icalcomponent *comp, icalcomponent_kind kind)
{
	static const char *const event_status[] = {
		"CONFIRMED", "confirmed", "CANCELLED", "cancelled", "TENTATIVE", "tentative", NULL,
	};
	static const char *const task_progress[] = {
		"NEEDS-ACTION", "needs-action", "IN-PROCESS", "in-process",
		"COMPLETED", "completed", "CANCELLED", "cancelled", NULL,
	};
	static const char *const transp[] = { "OPAQUE", "busy", "TRANSPARENT", "free", NULL };
	static const char *const class[] = {
		"PUBLIC", "public", "PRIVATE", "private", "CONFIDENTIAL", "secret", NULL,
	};
	icalproperty *p;

	if ((p = jscal_first(comp, ICAL_STATUS_PROPERTY)) != NULL) {
		char *s = jscal_prop_text(p);

		if (kind == ICAL_VTODO_COMPONENT)
			jscal_add_enum(js, "progress", s, task_progress);
		else
			jscal_add_enum(js, "status", s, event_status);
		free(s);
	}
	if ((p = jscal_first(comp, ICAL_TRANSP_PROPERTY)) != NULL) {
		char *s = jscal_prop_text(p);

		jscal_add_enum(js, "freeBusyStatus", s, transp);
		free(s);
	}
	if ((p = jscal_first(comp, ICAL_CLASS_PROPERTY)) != NULL) {
		char *s = jscal_prop_text(p);

		jscal_add_enum(js, "privacy", s, class);
		free(s);
	}
}

static void jscal_read_numbers(json_object *js, icalcomponent *comp)
{
	icalproperty *p;

	if ((p = jscal_first(comp, ICAL_SEQUENCE_PROPERTY)) != NULL &&
	    icalproperty_get_sequence(p) >= 0)
		json_object_object_add(js, "sequence",
				       json_object_new_int(icalproperty_get_sequence(p)));
	if ((p = jscal_first(comp, ICAL_PRIORITY_PROPERTY)) != NULL &&
	    icalproperty_get_priority(p) >= 0 && icalproperty_get_priority(p) <= 9)
		json_object_object_add(js, "priority",
				       json_object_new_int(icalproperty_get_priority(p)));
	if ((p = jscal_first(comp, ICAL_PERCENTCOMPLETE_PROPERTY)) != NULL &&
	    icalproperty_get_percentcomplete(p) >= 0 && icalproperty_get_percentcomplete(p) <= 100)
		json_object_object_add(js, "percentComplete",
				       json_object_new_int(icalproperty_get_percentcomplete(p)));
	if ((p = jscal_first_x(comp, "X-JMAP-USEDEFAULTALERTS")) != NULL &&
	    strcasecmp(icalproperty_get_x(p), "TRUE") == 0)
		json_object_object_add(js, "useDefaultAlerts", json_object_new_boolean(1));
}

static void jscal_read_dates(json_object *js, icalcomponent *comp)
{
	icalproperty *updated = jscal_first(comp, ICAL_LASTMODIFIED_PROPERTY);

	jscal_add_utc(js, "created", jscal_first(comp, ICAL_CREATED_PROPERTY));
	jscal_add_utc(js, "updated", updated != NULL ? updated :
		      jscal_first(comp, ICAL_DTSTAMP_PROPERTY));
}

void jscal_read_local(const struct jscal_read *r, struct icaltimetype t, const char *tzid,
		      char *out)
{
	icaltimezone *zone;
	int64_t utc;

	if (t.is_date || r->is_date || (tzid != NULL && r->tzid != NULL && strcmp(tzid, r->tzid) == 0) ||
	    (tzid == NULL && !icaltime_is_utc(t) && !r->utc && r->tzid == NULL)) {
		jscal_local_format(t, out);
		return;
	}
	utc = jscal_time_utc(r->cal, t, tzid, NULL, NULL);
	zone = r->tzid != NULL ? jscal_zone_of(r->cal, r->tzid) : NULL;
	jscal_local_format(icaltime_from_timet_with_zone((time_t)utc, 0, zone != NULL ? zone :
			   icaltimezone_get_utc_timezone()), out);
}

/* The zone a start (or due) shows as timeZone; NULL for floating. */
static const char *jscal_time_zone(const struct jscal_read *r, struct icaltimetype t,
				   const char *tzid)
{
	if (t.is_date)
		return NULL;
	if (icaltime_is_utc(t))
		return JSCAL_UTC_NAME;
	return tzid != NULL ? jscal_zone_name(r->cal, tzid) : NULL;
}

/* DTEND - DTSTART: wall-clock time when both are in one zone (days are
 * then nominal days), else elapsed time with endTimeZone. */
static void jscal_read_end(const struct jscal_read *r, json_object *js, icalproperty *start,
			   icalproperty *end)
{
	struct icaltimetype s = jscal_prop_time(start), e = jscal_prop_time(end);
	const char *stz = jscal_prop_tzid(start), *etz = jscal_prop_tzid(end);
	bool same = icaltime_is_utc(s) == icaltime_is_utc(e) && (stz == NULL) == (etz == NULL) &&
		    (stz == NULL || strcmp(stz, etz) == 0);
	char out[JSCAL_DURATION_MAX];
	int64_t diff;

	if (same || s.is_date || e.is_date) {
		s.zone = e.zone = NULL;
		diff = (int64_t)icaltime_as_timet(e) - (int64_t)icaltime_as_timet(s);
	} else {
		diff = jscal_time_utc(r->cal, e, etz, NULL, NULL) -
		       jscal_time_utc(r->cal, s, stz, NULL, NULL);
		jscal_add_string(js, "endTimeZone", jscal_time_zone(r, e, etz));
	}
	jscal_duration_format(jscal_duration_seconds(diff > 0 ? diff : 0), out);
	jscal_add_string(js, "duration", out);
}

static void jscal_read_start(const struct jscal_read *r, json_object *js, const char *name,
			     icalproperty *prop, bool zone)
{
	struct icaltimetype t = jscal_prop_time(prop);
	char local[JSCAL_LOCAL_LEN + 1];

	if (icaltime_is_null_time(t))
		return;
	jscal_local_format(t, local);
	jscal_add_string(js, name, local);
	if (t.is_date)
		json_object_object_add(js, "showWithoutTime", json_object_new_boolean(1));
	if (zone)
		jscal_add_string(js, "timeZone", jscal_time_zone(r, t, jscal_prop_tzid(prop)));
}

static void jscal_read_times(const struct jscal_read *r, json_object *js, icalcomponent *comp,
			     icalcomponent_kind kind)
{
	icalproperty *start = jscal_first(comp, ICAL_DTSTART_PROPERTY);
	icalproperty *end = jscal_first(comp, ICAL_DTEND_PROPERTY);
	icalproperty *due = jscal_first(comp, ICAL_DUE_PROPERTY);
	icalproperty *dur = jscal_first(comp, ICAL_DURATION_PROPERTY);
	char out[JSCAL_DURATION_MAX];

	if (start != NULL)
		jscal_read_start(r, js, "start", start, true);
	if (kind == ICAL_VTODO_COMPONENT && due != NULL)
		jscal_read_start(r, js, "due", due, start == NULL);
	if (dur != NULL) {
		jscal_duration_format(icalproperty_get_duration(dur), out);
		jscal_add_string(js, kind == ICAL_VTODO_COMPONENT ? "estimatedDuration" : "duration",
				 out);
	} else if (kind != ICAL_VTODO_COMPONENT && start != NULL && end != NULL) {
		jscal_read_end(r, js, start, end);
	} else if (kind == ICAL_VEVENT_COMPONENT && start != NULL &&
		   jscal_prop_time(start).is_date) {
		jscal_add_string(js, "duration", "P1D");
	}
}

static void jscal_read_rules(const struct jscal_read *r, json_object *js, icalcomponent *comp)
{
	static const struct {
		icalproperty_kind kind;
		const char *name;
	} rules[] = {
		{ ICAL_RRULE_PROPERTY, "recurrenceRules" },
		{ ICAL_EXRULE_PROPERTY, "excludedRecurrenceRules" },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		json_object *list = NULL;

		for (icalproperty *p = jscal_first(comp, rules[i].kind); p != NULL;
		     p = icalcomponent_get_next_property(comp, rules[i].kind)) {
			json_object *rule = jscal_read_rule(r, p);

			if (rule == NULL)
				continue;
			if (list == NULL)
				list = json_object_new_array();
			json_object_array_add(list, rule);
		}
		if (list != NULL)
			json_object_object_add(js, rules[i].name, list);
	}
}

static void jscal_read_recurrence_id(const struct jscal_read *r, json_object *js,
				     icalcomponent *comp)
{
	icalproperty *p = jscal_first(comp, ICAL_RECURRENCEID_PROPERTY);
	struct icaltimetype t;
	char local[JSCAL_LOCAL_LEN + 1];

	if (p == NULL || icaltime_is_null_time(t = jscal_prop_time(p)))
		return;
	jscal_read_local(r, t, jscal_prop_tzid(p), local);
	jscal_add_string(js, "recurrenceId", local);
}

json_object *jscal_read_component(const struct jscal_read *r, icalcomponent *comp)
{
	icalcomponent_kind kind = icalcomponent_isa(comp);
	json_object *js = json_object_new_object();

	jscal_add_string(js, "@type", kind == ICAL_VTODO_COMPONENT ? "Task" : "Event");
	jscal_add_string(js, "uid", icalcomponent_get_uid(comp));
	jscal_read_text(js, comp);
	jscal_read_times(r, js, comp, kind);
	jscal_read_rules(r, js, comp);
	jscal_read_recurrence_id(r, js, comp);
	jscal_read_status(js, comp, kind);
	jscal_read_numbers(js, comp);
	jscal_read_dates(js, comp);
	jscal_read_maps(comp, js);
	return js;
}

/* The main component's start: how recurrence ids are shown. */
static void jscal_read_init(struct jscal_read *r, icalcomponent *cal, icalcomponent *main)
{
	icalproperty *start = jscal_first(main, ICAL_DTSTART_PROPERTY);
	struct icaltimetype t;

	if (start == NULL)
		start = jscal_first(main, ICAL_DUE_PROPERTY);
	memset(r, 0, sizeof(*r));
	r->cal = cal;
	if (start == NULL)
		return;
	t = jscal_prop_time(start);
	r->is_date = t.is_date;
	r->utc = icaltime_is_utc(t);
	r->tzid = r->utc || t.is_date ? NULL : jscal_prop_tzid(start);
}

json_object *jscalendar_from_ical(icalcomponent *cal)
{
	icalcomponent *main = jscalendar_ical_main(cal);
	icalproperty *prodid = jscal_first(cal, ICAL_PRODID_PROPERTY);
	struct jscal_read r;
	json_object *js, *overrides;

	if (main == NULL)
		return json_object_new_object();
	jscal_read_init(&r, cal, main);
	js = jscal_read_component(&r, main);
	if (prodid != NULL)
		jscal_add_string(js, "prodId", icalproperty_get_prodid(prodid));
	overrides = jscal_read_overrides(&r, main, js);
	if (overrides != NULL)
		json_object_object_add(js, "recurrenceOverrides", overrides);
	return js;
}
