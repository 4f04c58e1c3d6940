/* The VTIMEZONEs of a written resource (RFC 5545 §3.6.5: one for every
 * TZID it names): the old resource's as they were, else libical's zone
 * data, cut to the observances from a year before the resource's first
 * date on (the full history of a zone is kilobytes nobody needs). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

#define JSCAL_MAX_ZONES 64

struct jscal_zones {
	const char *tzids[JSCAL_MAX_ZONES];
	size_t count;
	bool overflow;
	int first_year;		/* of the earliest date written */
};

static void jscal_zones_add(struct jscal_zones *z, const char *tzid)
{
	for (size_t i = 0; i < z->count; i++) {
		if (strcmp(z->tzids[i], tzid) == 0)
			return;
	}
	if (z->count == JSCAL_MAX_ZONES)
		z->overflow = true;
	else
		z->tzids[z->count++] = tzid;
}

static void jscal_zones_scan(struct jscal_zones *z, icalcomponent *comp)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
		const char *tzid = jscal_prop_tzid(p);
		icalproperty_kind kind = icalproperty_isa(p);

		if (tzid != NULL)
			jscal_zones_add(z, tzid);
		if (kind == ICAL_DTSTART_PROPERTY || kind == ICAL_DUE_PROPERTY) {
			struct icaltimetype t = jscal_prop_time(p);

			if (!icaltime_is_null_time(t) && (z->first_year == 0 || t.year < z->first_year))
				z->first_year = t.year;
		}
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
		if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT)
			jscal_zones_scan(z, c);
	}
}

/* The last year an observance starts in (9999: for ever). */
static int jscal_observance_end(icalcomponent *obs)
{
	icalproperty *start = icalcomponent_get_first_property(obs, ICAL_DTSTART_PROPERTY);
	int year = start != NULL ? jscal_prop_time(start).year : 0;

	for (icalproperty *p = icalcomponent_get_first_property(obs, ICAL_RRULE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(obs, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype rule = icalproperty_get_rrule(p);

		if (!icaltime_is_null_time(rule.until)) {
			if (rule.until.year > year)
				year = rule.until.year;
		} else {
			return 9999;
		}
	}
	for (icalproperty *p = icalcomponent_get_first_property(obs, ICAL_RDATE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(obs, ICAL_RDATE_PROPERTY)) {
		if (jscal_prop_time(p).year > year)
			year = jscal_prop_time(p).year;
	}
	return year;
}

/* Removes the observances that ended before cutoff, but the last of
 * them (it gives the offset in force at cutoff). */
static void jscal_zone_trim(icalcomponent *vtz, int cutoff)
{
	icalcomponent *old[256], *keep = NULL;
	size_t n = 0;
	int keep_end = -1;

	for (icalcomponent *c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	     c != NULL && n < sizeof(old) / sizeof(old[0]);
	     c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		int end = jscal_observance_end(c);

		if (end >= cutoff)
			continue;
		old[n++] = c;
		if (end > keep_end) {
			keep = c;
			keep_end = end;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (old[i] != keep) {
			icalcomponent_remove_component(vtz, old[i]);
			icalcomponent_free(old[i]);
		}
	}
}

/* A VTIMEZONE called tzid from libical's data for zone. */
static icalcomponent *jscal_zone_built(icaltimezone *zone, const char *tzid, int first_year)
{
	icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
	icalproperty *p;

	while ((p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)) != NULL) {
		icalcomponent_remove_property(vtz, p);
		icalproperty_free(p);
	}
	while ((p = icalcomponent_get_first_property(vtz, ICAL_X_PROPERTY)) != NULL) {
		icalcomponent_remove_property(vtz, p);
		icalproperty_free(p);
	}
	icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	jscal_zone_trim(vtz, (first_year > 0 ? first_year : 1970) - 1);
	return vtz;
}

/* 1 and *vtz_r, 0 when none is needed (UTC), -1 for an unknown zone. */
static int jscal_zone_component(struct jscal_write *w, const char *tzid, int first_year,
				icalcomponent **vtz_r)
{
	icaltimezone *zone;

	*vtz_r = NULL;
	for (icalcomponent *c = w->old != NULL ?
		icalcomponent_get_first_component(w->old, ICAL_VTIMEZONE_COMPONENT) : NULL;
	     c != NULL; c = icalcomponent_get_next_component(w->old, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);

		if (p != NULL && strcmp(icalproperty_get_tzid(p), tzid) == 0) {
			*vtz_r = icalcomponent_new_clone(c);
			return 1;
		}
	}
	if ((zone = jscalendar_zone(tzid)) == NULL)
		return -1;
	if (zone == icaltimezone_get_utc_timezone())
		return 0;
	*vtz_r = jscal_zone_built(zone, tzid, first_year);
	return 1;
}

/* Puts the VTIMEZONEs first, where readers look for them. */
static void jscal_zones_place(icalcomponent *cal, icalcomponent **vtz, size_t count)
{
	size_t n = 0, cap = (size_t)icalcomponent_count_components(cal, ICAL_ANY_COMPONENT);
	icalcomponent **items = xcalloc(cap + 1, sizeof(*items));

	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL && n < cap; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT))
		items[n++] = c;
	for (size_t i = 0; i < n; i++)
		icalcomponent_remove_component(cal, items[i]);
	for (size_t i = 0; i < count; i++) {
		if (vtz[i] != NULL)
			icalcomponent_add_component(cal, vtz[i]);
	}
	for (size_t i = 0; i < n; i++)
		icalcomponent_add_component(cal, items[i]);
	free(items);
}

int jscal_write_zones(struct jscal_write *w)
{
	struct jscal_zones z = { .count = 0 };
	icalcomponent *vtz[JSCAL_MAX_ZONES];

	jscal_zones_scan(&z, w->cal);
	if (z.overflow) {
		w->bad = "timeZone";
		return -1;
	}
	for (size_t i = 0; i < z.count; i++) {
		if (jscal_zone_component(w, z.tzids[i], z.first_year, &vtz[i]) < 0) {
			while (i > 0) {
				if (vtz[--i] != NULL)
					icalcomponent_free(vtz[i]);
			}
			w->bad = "timeZone";
			return -1;
		}
	}
	jscal_zones_place(w->cal, vtz, z.count);
	return 0;
}
