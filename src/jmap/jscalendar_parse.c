/* One calendar object resource (RFC 4791 §4.1) from its iCalendar text:
 * bounded before libical sees it, checked after. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

/* BEGIN lines of one text, VALARMs and VTIMEZONE rules included. */
#define JSCAL_MAX_BEGINS 20000
#define JSCAL_MAX_UID 1024

struct jscal_check {
	icalcomponent_kind kind;	/* of the components seen so far */
	const char *uid;
	icalcomponent *master;
	size_t count;
	const char *error;
};

/* The name after "BEGIN:" or "END:" up to the end of its line. */
static size_t jscal_line_name(const char *p, const char *end, const char **name_r)
{
	const char *e = p;

	while (e < end && *e != '\r' && *e != '\n')
		e++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*name_r = p;
	return (size_t)(e - p);
}

/* The nesting of BEGIN and END lines, each END closing the last BEGIN
 * of its name: libical frees components by recursion, and complains on
 * stderr about unbalanced ones, so it only sees balanced, bounded
 * nesting. */
static bool jscal_shape_ok(const char *text, size_t len)
{
	const char *names[JSCALENDAR_MAX_DEPTH], *name, *end = text + len;
	size_t lens[JSCALENDAR_MAX_DEPTH], n, begins = 0;
	int depth = 0;

	for (const char *p = text; p != NULL && p < end;) {
		const char *nl;

		/* libical takes these for BEGIN and END lines too */
		if (strncasecmp(p, "BEGIN;", 6) == 0 || strncasecmp(p, "END;", 4) == 0)
			return false;
		if (strncasecmp(p, "BEGIN:", 6) == 0) {
			if (depth == JSCALENDAR_MAX_DEPTH || ++begins > JSCAL_MAX_BEGINS)
				return false;
			lens[depth] = jscal_line_name(p + 6, end, &names[depth]);
			depth++;
		} else if (strncasecmp(p, "END:", 4) == 0) {
			n = jscal_line_name(p + 4, end, &name);
			if (depth == 0 || n != lens[depth - 1] ||
			    strncasecmp(name, names[depth - 1], n) != 0)
				return false;
			depth--;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl != NULL ? nl + 1 : NULL;
	}
	return depth == 0;
}

/* Values libical could not read (it replaces them by X-LIC-ERROR);
 * names it does not know are let through. */
static bool jscal_values_ok(icalcomponent *comp)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
		icalparameter *type = icalproperty_get_first_parameter(p,
			ICAL_XLICERRORTYPE_PARAMETER);
		icalparameter_xlicerrortype t = type != NULL ?
			icalparameter_get_xlicerrortype(type) : ICAL_XLICERRORTYPE_NONE;

		if (t == ICAL_XLICERRORTYPE_VALUEPARSEERROR ||
		    t == ICAL_XLICERRORTYPE_COMPONENTPARSEERROR)
			return false;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
		if (!jscal_values_ok(c))
			return false;
	}
	return true;
}

/* The days a month can have: 29 for February (leap years). */
static int jscal_month_days(int month)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month >= 1 && month <= 12 ? days[month - 1] : 31;
}

/* Whether some BYMONTHDAY of the rule fits some month of its BYMONTH. */
static bool jscal_month_days_possible(const struct icalrecurrencetype *rule)
{
	int longest = 0;

	for (size_t i = 0; i < ICAL_BY_MONTH_SIZE &&
			   rule->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		int days = jscal_month_days(icalrecurrencetype_month_month(rule->by_month[i]));

		longest = days > longest ? days : longest;
	}
	if (longest == 0 || rule->by_month_day[0] == ICAL_RECURRENCE_ARRAY_MAX)
		return true;
	for (size_t i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
			   rule->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		if (abs(rule->by_month_day[i]) <= longest)
			return true;
	}
	return false;
}

/* libical walks a rule one period at a time until the next instance,
 * up to the year 2582: a rule that has none would keep an expansion
 * busy for hours. Refused: BYMONTHDAY that fit none of the BYMONTH, and
 * sub-hourly rules limited by anything coarser than an hour (nobody
 * schedules "every second of February 31st"). */
static bool jscal_rule_ok(icalproperty *prop, bool in_zone)
{
	struct icalrecurrencetype rule = icalproperty_isa(prop) == ICAL_RRULE_PROPERTY ?
		icalproperty_get_rrule(prop) : icalproperty_get_exrule(prop);

	if (in_zone)
		return rule.freq == ICAL_YEARLY_RECURRENCE;
	if (rule.freq == ICAL_SECONDLY_RECURRENCE || rule.freq == ICAL_MINUTELY_RECURRENCE) {
		if (rule.by_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
		    rule.by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
		    rule.by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
		    rule.by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
		    rule.by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ||
		    rule.by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX)
			return false;
	}
	return jscal_month_days_possible(&rule);
}

/* Every RRULE and EXRULE of comp and of its subcomponents (a VTIMEZONE's
 * observances must recur yearly). */
static bool jscal_rules_ok(icalcomponent *comp, bool in_zone)
{
	static const icalproperty_kind kinds[] = { ICAL_RRULE_PROPERTY, ICAL_EXRULE_PROPERTY };

	for (size_t k = 0; k < 2; k++) {
		for (icalproperty *p = icalcomponent_get_first_property(comp, kinds[k]); p != NULL;
		     p = icalcomponent_get_next_property(comp, kinds[k])) {
			if (!jscal_rule_ok(p, in_zone))
				return false;
		}
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
		if (!jscal_rules_ok(c, in_zone || icalcomponent_isa(comp) ==
					ICAL_VTIMEZONE_COMPONENT))
			return false;
	}
	return true;
}

static bool jscal_is_item(icalcomponent_kind kind)
{
	return kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT ||
	       kind == ICAL_VJOURNAL_COMPONENT;
}

/* DTSTART, DTEND, DURATION and DUE agree with each other. */
static const char *jscal_check_times(icalcomponent *cal, icalcomponent *comp,
				     icalcomponent_kind kind)
{
	icalproperty *start = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
	icalproperty *end = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY);
	icalproperty *dur = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
	icalproperty *due = icalcomponent_get_first_property(comp, ICAL_DUE_PROPERTY);

	if (kind == ICAL_VEVENT_COMPONENT && start == NULL)
		return "A VEVENT has no DTSTART";
	if ((end != NULL || due != NULL) && dur != NULL)
		return "DURATION with DTEND or DUE";
	if (dur != NULL && start == NULL)
		return "DURATION without DTSTART";
	if (end == NULL || start == NULL)
		return NULL;
	if (jscal_prop_time(start).is_date != jscal_prop_time(end).is_date)
		return "DTSTART and DTEND are not of one value type";
	if (jscal_time_utc(cal, jscal_prop_time(end), jscal_prop_tzid(end), NULL, NULL) <
	    jscal_time_utc(cal, jscal_prop_time(start), jscal_prop_tzid(start), NULL, NULL))
		return "DTEND is before DTSTART";
	return NULL;
}

static const char *jscal_check_item(struct jscal_check *c, icalcomponent *cal,
				    icalcomponent *comp)
{
	icalcomponent_kind kind = icalcomponent_isa(comp);
	const char *uid = icalcomponent_get_uid(comp);

	if (c->kind != ICAL_NO_COMPONENT && kind != c->kind)
		return "More than one kind of component";
	c->kind = kind;
	if (uid == NULL || *uid == '\0' || strlen(uid) > JSCAL_MAX_UID)
		return "A component has no UID (or one too long)";
	if (c->uid != NULL && strcmp(uid, c->uid) != 0)
		return "More than one UID";
	c->uid = uid;
	if (++c->count > JSCALENDAR_MAX_COMPONENTS)
		return "Too many components";
	if (icalcomponent_count_properties(comp, ICAL_ATTENDEE_PROPERTY) >
	    JSCALENDAR_MAX_PARTICIPANTS)
		return "Too many attendees";
	if (icalcomponent_get_first_property(comp, ICAL_RECURRENCEID_PROPERTY) == NULL) {
		if (c->master != NULL)
			return "More than one component without RECURRENCE-ID";
		c->master = comp;
	}
	return jscal_check_times(cal, comp, kind);
}

static int jscal_compare_times(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* No two overrides of one instance. */
static const char *jscal_check_recurrence_ids(icalcomponent *cal, icalcomponent_kind kind,
					      size_t count)
{
	int64_t *times = xcalloc(count, sizeof(*times));
	const char *error = NULL;
	size_t n = 0;

	for (icalcomponent *c = icalcomponent_get_first_component(cal, kind); c != NULL && n < count;
	     c = icalcomponent_get_next_component(cal, kind)) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);

		if (p != NULL)
			times[n++] = jscal_time_utc(cal, jscal_prop_time(p), jscal_prop_tzid(p), NULL,
						    NULL);
	}
	qsort(times, n, sizeof(*times), jscal_compare_times);
	for (size_t i = 1; i < n && error == NULL; i++) {
		if (times[i] == times[i - 1])
			error = "Two components with one RECURRENCE-ID";
	}
	free(times);
	return error;
}

static const char *jscal_check_calendar(icalcomponent *cal)
{
	struct jscal_check c = { .kind = ICAL_NO_COMPONENT };
	const char *error = NULL;

	if (icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY) != NULL)
		return "A calendar object resource has no METHOD";
	for (icalcomponent *comp = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     comp != NULL && error == NULL;
	     comp = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind kind = icalcomponent_isa(comp);

		if (jscal_is_item(kind))
			error = jscal_check_item(&c, cal, comp);
		else if (kind != ICAL_VTIMEZONE_COMPONENT && kind != ICAL_X_COMPONENT)
			error = "A component other than VEVENT, VTODO, VJOURNAL or VTIMEZONE";
	}
	if (error == NULL && c.count == 0)
		error = "No VEVENT, VTODO or VJOURNAL";
	if (error == NULL && c.count > 1)
		error = jscal_check_recurrence_ids(cal, c.kind, c.count);
	return error;
}

int jscalendar_ical_parse(const char *text, size_t len, icalcomponent **cal_r,
			  const char **error_r)
{
	icalcomponent *cal;

	if (len > JSCALENDAR_MAX_SIZE) {
		*error_r = "The iCalendar text is too large";
		return JSCALENDAR_TOO_LARGE;
	}
	if (strlen(text) != len || !jscal_shape_ok(text, len) ||
	    (cal = icalparser_parse_string(text)) == NULL) {
		*error_r = "Not iCalendar data";
		return JSCALENDAR_INVALID_DATA;
	}
	if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT || !jscal_values_ok(cal) ||
	    !jscal_rules_ok(cal, false)) {
		*error_r = icalcomponent_isa(cal) == ICAL_XROOT_COMPONENT ?
			   "More than one VCALENDAR" :
			   "iCalendar data libical cannot read, or a rule with no instance";
		icalcomponent_free(cal);
		return JSCALENDAR_INVALID_DATA;
	}
	if ((*error_r = jscal_check_calendar(cal)) != NULL) {
		icalcomponent_free(cal);
		return JSCALENDAR_INVALID_RESOURCE;
	}
	*cal_r = cal;
	return 0;
}

icalcomponent *jscalendar_ical_main(icalcomponent *cal)
{
	icalcomponent *first = NULL;

	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		if (!jscal_is_item(icalcomponent_isa(c)))
			continue;
		if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) == NULL)
			return c;
		if (first == NULL)
			first = c;
	}
	return first;
}
