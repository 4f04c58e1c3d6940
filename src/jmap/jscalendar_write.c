/* JSCalendar to iCalendar: the resource, one component's own
 * properties and its times. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

/* Members a component may have; the map-valued ones are written by
 * jscalendar_write_maps.c, recurrenceOverrides and prodId by the
 * resource. */
static const char *const jscal_known[] = {
	"@type", "uid", "title", "description", "color", "start", "timeZone", "duration",
	"endTimeZone", "showWithoutTime", "due", "estimatedDuration", "progress",
	"percentComplete", "recurrenceRules", "excludedRecurrenceRules", "recurrenceOverrides",
	"recurrenceId", "recurrenceIdTimeZone", "status", "freeBusyStatus", "privacy", "priority",
	"sequence", "created", "updated", "useDefaultAlerts", "prodId", "participants", "replyTo",
	"locations", "virtualLocations", "links", "alerts", "keywords", "relatedTo", NULL,
};

static bool jscal_is_known(const char *key)
{
	for (size_t i = 0; jscal_known[i] != NULL; i++) {
		if (strcmp(jscal_known[i], key) == 0)
			return true;
	}
	return false;
}

static int jscal_bad(struct jscal_write *w, const char *prop)
{
	if (w->bad == NULL)
		w->bad = prop;
	return -1;
}

/* A member that must be a string when present: 1 and *value_r, 0 if
 * absent or null, -1 (bad) otherwise. */
static int jscal_member_string(struct jscal_write *w, json_object *js, const char *name,
			       const char **value_r)
{
	json_object *v;

	*value_r = NULL;
	if (!json_object_object_get_ex(js, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return jscal_bad(w, name);
	*value_r = json_object_get_string(v);
	return 1;
}

static bool jscal_member_bool(json_object *js, const char *name)
{
	json_object *v;

	return json_object_object_get_ex(js, name, &v) && json_object_get_boolean(v);
}

static int jscal_write_text(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	const char *title, *description, *color, *uid;

	if (jscal_member_string(w, js, "uid", &uid) <= 0 || *uid == '\0')
		return jscal_bad(w, "uid");
	icalcomponent_add_property(comp, icalproperty_new_uid(uid));
	if (jscal_member_string(w, js, "title", &title) < 0 ||
	    jscal_member_string(w, js, "description", &description) < 0 ||
	    jscal_member_string(w, js, "color", &color) < 0)
		return -1;
	if (title != NULL)
		icalcomponent_add_property(comp, icalproperty_new_summary(title));
	if (description != NULL)
		icalcomponent_add_property(comp, icalproperty_new_description(description));
	if (color != NULL)
		icalcomponent_add_property(comp, icalproperty_new_color(color));
	return 0;
}

/* ---- enumerations and numbers ---- */

static int jscal_write_enum(struct jscal_write *w, json_object *js, icalcomponent *comp,
			    const char *name, icalproperty_kind kind, const char *const *values)
{
	const char *value;
	int ret = jscal_member_string(w, js, name, &value);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; values[i] != NULL; i += 2) {
		if (strcmp(value, values[i]) == 0) {
			icalproperty *p = icalproperty_new(kind);

			icalproperty_set_value_from_string(p, values[i + 1], "NO");
			icalcomponent_add_property(comp, p);
			return 0;
		}
	}
	return jscal_bad(w, name);
}

static int jscal_write_states(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	static const char *const status[] = {
		"confirmed", "CONFIRMED", "cancelled", "CANCELLED", "tentative", "TENTATIVE", NULL,
	};
	static const char *const progress[] = {
		"needs-action", "NEEDS-ACTION", "in-process", "IN-PROCESS", "completed", "COMPLETED",
		"cancelled", "CANCELLED", NULL,
	};
	static const char *const busy[] = { "busy", "OPAQUE", "free", "TRANSPARENT", NULL };
	static const char *const privacy[] = {
		"public", "PUBLIC", "private", "PRIVATE", "secret", "CONFIDENTIAL", NULL,
	};
	bool task = w->kind == ICAL_VTODO_COMPONENT;

	if ((task ? json_object_object_get_ex(js, "status", NULL) :
		    json_object_object_get_ex(js, "progress", NULL)))
		return jscal_bad(w, task ? "status" : "progress");
	if (jscal_write_enum(w, js, comp, task ? "progress" : "status", ICAL_STATUS_PROPERTY,
			     task ? progress : status) < 0 ||
	    jscal_write_enum(w, js, comp, "freeBusyStatus", ICAL_TRANSP_PROPERTY, busy) < 0 ||
	    jscal_write_enum(w, js, comp, "privacy", ICAL_CLASS_PROPERTY, privacy) < 0)
		return -1;
	return 0;
}

/* An integer member in [min, max]: 1 and *value_r, 0 absent, -1 bad. */
static int jscal_member_int(struct jscal_write *w, json_object *js, const char *name, int min,
			    int max, int *value_r)
{
	json_object *v;

	if (!json_object_object_get_ex(js, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
	    json_object_get_int64(v) > max)
		return jscal_bad(w, name);
	*value_r = json_object_get_int(v);
	return 1;
}

static int jscal_write_numbers(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *v;
	int n, ret;

	if ((ret = jscal_member_int(w, js, "sequence", 0, INT32_MAX, &n)) < 0)
		return -1;
	if (ret > 0)
		icalcomponent_add_property(comp, icalproperty_new_sequence(n));
	if ((ret = jscal_member_int(w, js, "priority", 0, 9, &n)) < 0)
		return -1;
	if (ret > 0)
		icalcomponent_add_property(comp, icalproperty_new_priority(n));
	if ((ret = jscal_member_int(w, js, "percentComplete", 0, 100, &n)) < 0)
		return -1;
	if (ret > 0)
		icalcomponent_add_property(comp, icalproperty_new_percentcomplete(n));
	if (json_object_object_get_ex(js, "useDefaultAlerts", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean))
			return jscal_bad(w, "useDefaultAlerts");
		if (json_object_get_boolean(v)) {
			icalproperty *p = icalproperty_new_x("TRUE");

			icalproperty_set_x_name(p, "X-JMAP-USEDEFAULTALERTS");
			icalcomponent_add_property(comp, p);
		}
	}
	return 0;
}

static int jscal_write_utc(struct jscal_write *w, json_object *js, const char *name,
			   time_t *t_r)
{
	const char *s;
	int ret = jscal_member_string(w, js, name, &s);

	if (ret <= 0)
		return ret;
	if (time_parse_utc(s, t_r) < 0 || s[strlen(s) - 1] != 'Z')
		return jscal_bad(w, name);
	return 1;
}

/* created, updated (LAST-MODIFIED), and DTSTAMP: updated, else now. */
static int jscal_write_stamps(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	icaltimezone *utc = icaltimezone_get_utc_timezone();
	time_t created, updated;
	int has_created, has_updated;

	if ((has_created = jscal_write_utc(w, js, "created", &created)) < 0 ||
	    (has_updated = jscal_write_utc(w, js, "updated", &updated)) < 0)
		return -1;
	icalcomponent_add_property(comp, icalproperty_new_dtstamp(
		icaltime_from_timet_with_zone(has_updated > 0 ? updated : time(NULL), 0, utc)));
	if (has_created > 0)
		icalcomponent_add_property(comp, icalproperty_new_created(
			icaltime_from_timet_with_zone(created, 0, utc)));
	if (has_updated > 0)
		icalcomponent_add_property(comp, icalproperty_new_lastmodified(
			icaltime_from_timet_with_zone(updated, 0, utc)));
	return 0;
}

/* ---- times ---- */

/* Whether tz_name can be written: a zone libical knows, or one the old
 * resource has a VTIMEZONE for. */
static bool jscal_zone_ok(const struct jscal_write *w, const char *tz_name)
{
	return jscalendar_zone(tz_name) != NULL ||
	       (w->old != NULL && icalcomponent_get_timezone(w->old, tz_name) != NULL);
}

icalproperty *jscal_write_time(struct jscal_write *w, icalproperty_kind kind, const char *local,
			       const char *tz_name, bool is_date)
{
	struct icaltimetype t;
	icalproperty *prop;

	if (!jscal_local_parse(local, &t) ||
	    (is_date && (t.hour != 0 || t.minute != 0 || t.second != 0)) ||
	    (!is_date && tz_name != NULL && !jscal_zone_ok(w, tz_name)))
		return NULL;
	prop = icalproperty_new(kind);
	t.is_date = is_date;
	if (!is_date && tz_name != NULL && jscal_zone_is_utc(tz_name))
		t.zone = icaltimezone_get_utc_timezone();
	else if (!is_date && tz_name != NULL)
		icalproperty_add_parameter(prop, icalparameter_new_tzid(tz_name));
	if (kind == ICAL_RDATE_PROPERTY) {
		struct icaldatetimeperiodtype dtp = { t, icalperiodtype_null_period() };

		icalproperty_set_value(prop, icalvalue_new_datetimeperiod(dtp));
	} else {
		icalproperty_set_value(prop, is_date ? icalvalue_new_date(t) :
				       icalvalue_new_datetime(t));
	}
	return prop;
}

/* The start of one component: its own zone, which an override may
 * change, and whether it is a date. */
struct jscal_start {
	const char *local;		/* NULL: none */
	const char *tz;			/* NULL: floating */
	bool is_date;
};

/* DTEND: start + duration in the start's zone, or, with another
 * endTimeZone, the same instant in that zone. */
static icalproperty *jscal_write_end(struct jscal_write *w, const struct jscal_start *st,
				     struct icaldurationtype dur, const char *end_tz)
{
	struct icaltimetype t;
	icaltimezone *from, *to;
	char local[JSCAL_LOCAL_LEN + 1];

	if (!jscal_local_parse(st->local, &t))
		return NULL;
	if (st->is_date || end_tz == NULL || st->tz == NULL || strcmp(end_tz, st->tz) == 0) {
		t.is_date = st->is_date;
		jscal_local_format(icaltime_add(t, dur), local);
		return jscal_write_time(w, ICAL_DTEND_PROPERTY, local, st->tz, st->is_date);
	}
	if ((from = jscalendar_zone(st->tz)) == NULL || (to = jscalendar_zone(end_tz)) == NULL)
		return NULL;
	t = icaltime_from_timet_with_zone(icaltime_as_timet_with_zone(t, from) +
					  icaldurationtype_as_int(dur), 0, to);
	jscal_local_format(t, local);
	return jscal_write_time(w, ICAL_DTEND_PROPERTY, local, end_tz, false);
}

static int jscal_write_duration(struct jscal_write *w, json_object *js, icalcomponent *comp,
				const struct jscal_start *st)
{
	const char *s, *end_tz;
	struct icaldurationtype dur;
	icalproperty *end;
	int ret;

	if ((ret = jscal_member_string(w, js, "duration", &s)) <= 0)
		return ret;
	if (w->kind == ICAL_VJOURNAL_COMPONENT || !jscal_duration_parse(s, false, &dur) ||
	    (st->is_date && (dur.hours != 0 || dur.minutes != 0 || dur.seconds != 0)))
		return jscal_bad(w, "duration");
	if (jscal_member_string(w, js, "endTimeZone", &end_tz) < 0)
		return -1;
	if (end_tz != NULL && !jscal_zone_ok(w, end_tz))
		return jscal_bad(w, "endTimeZone");
	if ((end = jscal_write_end(w, st, dur, end_tz)) == NULL)
		return jscal_bad(w, end_tz != NULL ? "endTimeZone" : "duration");
	icalcomponent_add_property(comp, end);
	return 0;
}

/* due and estimatedDuration of a Task. */
static int jscal_write_task_times(struct jscal_write *w, json_object *js, icalcomponent *comp,
				  const struct jscal_start *st)
{
	const char *due, *est;
	struct icaldurationtype dur;
	icalproperty *p;

	if (jscal_member_string(w, js, "due", &due) < 0 ||
	    jscal_member_string(w, js, "estimatedDuration", &est) < 0)
		return -1;
	if (due != NULL) {
		if ((p = jscal_write_time(w, ICAL_DUE_PROPERTY, due, st->tz, st->is_date)) == NULL)
			return jscal_bad(w, "due");
		icalcomponent_add_property(comp, p);
	}
	if (est == NULL)
		return 0;
	if (due != NULL || st->local == NULL || !jscal_duration_parse(est, false, &dur))
		return jscal_bad(w, "estimatedDuration");
	icalcomponent_add_property(comp, icalproperty_new_duration(dur));
	return 0;
}

static bool jscal_has(json_object *js, const char *name)
{
	json_object *v;

	return json_object_object_get_ex(js, name, &v) && v != NULL;
}

static int jscal_write_times(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	struct jscal_start st = { .is_date = jscal_member_bool(js, "showWithoutTime") };
	icalproperty *p;

	if (jscal_member_string(w, js, "start", &st.local) < 0 ||
	    jscal_member_string(w, js, "timeZone", &st.tz) < 0)
		return -1;
	if (st.is_date)
		st.tz = NULL;
	if (st.local == NULL && w->kind == ICAL_VEVENT_COMPONENT)
		return jscal_bad(w, "start");
	if (st.tz != NULL && !jscal_zone_ok(w, st.tz))
		return jscal_bad(w, "timeZone");
	if (w->kind != ICAL_VTODO_COMPONENT && (jscal_has(js, "due") ||
						jscal_has(js, "estimatedDuration")))
		return jscal_bad(w, jscal_has(js, "due") ? "due" : "estimatedDuration");
	if (st.local != NULL) {
		p = jscal_write_time(w, ICAL_DTSTART_PROPERTY, st.local, st.tz, st.is_date);
		if (p == NULL)
			return jscal_bad(w, "start");
		icalcomponent_add_property(comp, p);
	}
	if (w->kind == ICAL_VTODO_COMPONENT)
		return jscal_has(js, "duration") ? jscal_bad(w, "duration") :
		       jscal_write_task_times(w, js, comp, &st);
	if (st.local == NULL)
		return jscal_has(js, "duration") ? jscal_bad(w, "duration") : 0;
	return jscal_write_duration(w, js, comp, &st);
}

static int jscal_write_rules(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	static const struct {
		const char *name;
		icalproperty_kind kind;
	} lists[] = {
		{ "recurrenceRules", ICAL_RRULE_PROPERTY },
		{ "excludedRecurrenceRules", ICAL_EXRULE_PROPERTY },
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_object *list;

		if (!json_object_object_get_ex(js, lists[i].name, &list) || list == NULL)
			continue;
		if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) > 64)
			return jscal_bad(w, lists[i].name);
		for (size_t k = 0; k < json_object_array_length(list); k++) {
			icalproperty *p = jscal_write_rule(w, lists[i].kind,
							   json_object_array_get_idx(list, k));

			if (p == NULL)
				return jscal_bad(w, lists[i].name);
			icalcomponent_add_property(comp, p);
		}
	}
	return 0;
}

static int jscal_write_recurrence_id(struct jscal_write *w, json_object *js,
				     icalcomponent *comp)
{
	const char *rid, *tz;
	icalproperty *p;
	int ret;

	if ((ret = jscal_member_string(w, js, "recurrenceId", &rid)) <= 0 ||
	    jscal_member_string(w, js, "recurrenceIdTimeZone", &tz) < 0)
		return ret;
	p = jscal_write_time(w, ICAL_RECURRENCEID_PROPERTY, rid, tz != NULL ? tz : w->tz_name,
			     w->is_date);
	if (p == NULL)
		return jscal_bad(w, "recurrenceId");
	icalcomponent_add_property(comp, p);
	return 0;
}

static int jscal_check_members(struct jscal_write *w, json_object *js)
{
	json_object_object_foreach(js, key, value) {
		(void)value;
		if (!jscal_is_known(key))
			return jscal_bad(w, key);
	}
	return 0;
}

int jscal_write_component(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *v;

	if (json_object_object_get_ex(js, "showWithoutTime", &v) && v != NULL &&
	    !json_object_is_type(v, json_type_boolean))
		return jscal_bad(w, "showWithoutTime");
	if (jscal_check_members(w, js) < 0 || jscal_write_text(w, js, comp) < 0 ||
	    jscal_write_times(w, js, comp) < 0 || jscal_write_rules(w, js, comp) < 0 ||
	    jscal_write_recurrence_id(w, js, comp) < 0 || jscal_write_states(w, js, comp) < 0 ||
	    jscal_write_numbers(w, js, comp) < 0 || jscal_write_stamps(w, js, comp) < 0 ||
	    jscal_write_maps(w, js, comp) < 0)
		return -1;
	return 0;
}

/* ---- the resource ---- */

static int jscal_write_kind(struct jscal_write *w, json_object *js)
{
	const char *type;
	icalcomponent *old_main = w->old != NULL ? jscalendar_ical_main(w->old) : NULL;

	if (jscal_member_string(w, js, "@type", &type) < 0)
		return -1;
	if (type == NULL || strcmp(type, "Event") == 0)
		w->kind = old_main != NULL && icalcomponent_isa(old_main) == ICAL_VJOURNAL_COMPONENT ?
			  ICAL_VJOURNAL_COMPONENT : ICAL_VEVENT_COMPONENT;
	else if (strcmp(type, "Task") == 0)
		w->kind = ICAL_VTODO_COMPONENT;
	else
		return jscal_bad(w, "@type");
	return 0;
}

static int jscal_write_init(struct jscal_write *w, json_object *js)
{
	const char *prodid;

	if (!json_object_is_type(js, json_type_object))
		return jscal_bad(w, "@type");
	if (jscal_write_kind(w, js) < 0 || jscal_member_string(w, js, "timeZone", &w->tz_name) < 0 ||
	    jscal_member_string(w, js, "title", &w->title) < 0 ||
	    jscal_member_string(w, js, "prodId", &prodid) < 0)
		return -1;
	w->is_date = jscal_member_bool(js, "showWithoutTime");
	if (w->is_date)
		w->tz_name = NULL;
	w->cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(w->cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(w->cal, icalproperty_new_prodid(prodid != NULL ? prodid :
								   JSCAL_PRODID));
	return 0;
}

int jscalendar_to_ical(json_object *js, icalcomponent *old, char **text_r, size_t *len_r,
		       const char **bad_prop_r)
{
	struct jscal_write w = { .old = old };
	icalcomponent *master = NULL;
	int ret = -1;

	if (jscal_write_init(&w, js) == 0) {
		master = icalcomponent_new(w.kind);
		if (jscal_write_component(&w, js, master) == 0) {
			icalcomponent_add_component(w.cal, master);
			master = NULL;
			ret = 0;
		}
	}
	if (ret == 0 && (ret = jscal_write_overrides(&w, js, jscalendar_ical_main(w.cal))) == 0) {
		if (old != NULL)
			jscal_keep_unknown(old, w.cal);
		ret = jscal_write_zones(&w);
	}
	if (ret == 0) {
		*text_r = icalcomponent_as_ical_string_r(w.cal);
		*len_r = strlen(*text_r);
	} else {
		*bad_prop_r = err_fmt("%s", w.bad != NULL ? w.bad : "@type");
	}
	if (master != NULL)
		icalcomponent_free(master);
	if (w.cal != NULL)
		icalcomponent_free(w.cal);
	return ret;
}
