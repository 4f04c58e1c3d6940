/* The instances of a calendar object resource in a time range (RFC 4791
 * §9.9): the master's RRULE and RDATE occurrences less its EXDATEs and
 * the overridden ones, and the overrides themselves, each with its
 * start and end in UTC. Floating times count as UTC. For expand,
 * limit-recurrence-set and free-busy-query. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_cal.h"

#define DAV_DAY 86400

size_t dav_cal_components(icalcomponent *parent, icalcomponent ***list_r)
{
	size_t n = 0;

	*list_r = NULL;
	for (icalcomponent *c = icalcomponent_get_first_component(parent, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(parent, ICAL_ANY_COMPONENT)) {
		*list_r = xrealloc(*list_r, (n + 1) * sizeof(**list_r));
		(*list_r)[n++] = c;
	}
	return n;
}

size_t dav_cal_properties(icalcomponent *comp, icalproperty_kind kind, icalproperty ***list_r)
{
	size_t n = 0;

	*list_r = NULL;
	for (icalproperty *p = icalcomponent_get_first_property(comp, kind); p != NULL;
	     p = icalcomponent_get_next_property(comp, kind)) {
		*list_r = xrealloc(*list_r, (n + 1) * sizeof(**list_r));
		(*list_r)[n++] = p;
	}
	return n;
}

static bool dav_cal_is_item(icalcomponent *c)
{
	icalcomponent_kind k = icalcomponent_isa(c);

	return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
		k == ICAL_VJOURNAL_COMPONENT;
}

static const char *dav_cal_tzid(icalproperty *prop)
{
	icalparameter *p = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);

	return p != NULL ? icalparameter_get_tzid(p) : NULL;
}

/* The zone tzid names in cal's VTIMEZONEs or libical's built-in ones. */
static icaltimezone *dav_cal_zone(icalcomponent *cal, const char *tzid)
{
	icaltimezone *zone = icalcomponent_get_timezone(cal, tzid);

	return zone != NULL ? zone : icaltimezone_get_builtin_timezone(tzid);
}

int64_t dav_cal_utc(icalcomponent *cal, struct icaltimetype t, const char *tzid)
{
	icaltimezone *utc = icaltimezone_get_utc_timezone(), *zone = NULL;

	if (icaltime_is_utc(t))
		return (int64_t)icaltime_as_timet_with_zone(t, utc);
	if (tzid != NULL && !t.is_date)
		zone = dav_cal_zone(cal, tzid);
	t.zone = NULL;
	return (int64_t)icaltime_as_timet_with_zone(t, zone != NULL ? zone : utc);
}

int64_t dav_cal_prop_utc(icalcomponent *cal, icalproperty *prop)
{
	return dav_cal_utc(cal, icalvalue_get_datetime(icalproperty_get_value(prop)),
			   dav_cal_tzid(prop));
}

bool dav_cal_overlaps(int64_t start, int64_t end, int64_t range_start, int64_t range_end)
{
	if (end > start)
		return range_start < end && range_end > start;
	return range_start <= start && range_end > start;
}

bool dav_cal_span(icalcomponent *cal, icalcomponent *comp, int64_t *start_r, int64_t *end_r)
{
	icalproperty *start = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
	icalproperty *end = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY);
	icalproperty *due = icalcomponent_get_first_property(comp, ICAL_DUE_PROPERTY);
	icalproperty *dur = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
	struct icaltimetype t;

	if (start == NULL && due == NULL)
		return false;
	if (start == NULL) {
		*start_r = *end_r = dav_cal_prop_utc(cal, due);
		return true;
	}
	t = icalproperty_get_dtstart(start);
	*start_r = dav_cal_prop_utc(cal, start);
	if (end != NULL)
		*end_r = dav_cal_prop_utc(cal, end);
	else if (due != NULL)
		*end_r = dav_cal_prop_utc(cal, due);
	else if (dur != NULL)
		*end_r = *start_r + icaldurationtype_as_int(icalproperty_get_duration(dur));
	else
		*end_r = t.is_date ? *start_r + DAV_DAY : *start_r;
	if (*end_r < *start_r)
		*end_r = *start_r;
	return true;
}

struct dav_cal_walk {
	icalcomponent *cal;
	int64_t start, end;
	dav_instance_fn *fn;
	void *data;
	int64_t *skip;			/* EXDATEs and overridden ids, unsorted */
	size_t skip_count;
	size_t visited;
};

static bool dav_cal_skipped(const struct dav_cal_walk *w, int64_t t)
{
	for (size_t i = 0; i < w->skip_count; i++) {
		if (w->skip[i] == t)
			return true;
	}
	return false;
}

static void dav_cal_visit(struct dav_cal_walk *w, icalcomponent *comp, int64_t start,
			  int64_t end, int64_t recurid, bool recurring)
{
	if (w->visited >= DAV_CAL_MAX_INSTANCES || dav_cal_skipped(w, recurid) ||
	    !dav_cal_overlaps(start, end, w->start, w->end))
		return;
	w->visited++;
	w->fn(comp, start, end, recurid, recurring, w->data);
}

static void dav_cal_skip_add(struct dav_cal_walk *w, int64_t t)
{
	w->skip = xrealloc(w->skip, (w->skip_count + 1) * sizeof(*w->skip));
	w->skip[w->skip_count++] = t;
}

static void dav_cal_collect_skips(struct dav_cal_walk *w, icalcomponent *master,
				  icalcomponent **comps, size_t count)
{
	icalproperty **props;
	size_t n = dav_cal_properties(master, ICAL_EXDATE_PROPERTY, &props);

	for (size_t i = 0; i < n; i++)
		dav_cal_skip_add(w, dav_cal_prop_utc(w->cal, props[i]));
	free(props);
	for (size_t i = 0; i < count; i++) {
		icalproperty *rid = icalcomponent_get_first_property(comps[i],
								     ICAL_RECURRENCEID_PROPERTY);

		if (dav_cal_is_item(comps[i]) && rid != NULL)
			dav_cal_skip_add(w, dav_cal_prop_utc(w->cal, rid));
	}
}

/* The iterator's first time: DTSTART in its own zone. */
static struct icaltimetype dav_cal_iter_start(icalcomponent *cal, icalproperty *start)
{
	struct icaltimetype t = icalproperty_get_dtstart(start);
	const char *tzid = dav_cal_tzid(start);

	if (!icaltime_is_utc(t) && !t.is_date)
		t.zone = tzid != NULL ? dav_cal_zone(cal, tzid) : NULL;
	return t;
}

static void dav_cal_rule(struct dav_cal_walk *w, icalcomponent *master, icalproperty *rrule,
			 icalproperty *start, int64_t dur)
{
	struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
	struct icaltimetype first = dav_cal_iter_start(w->cal, start), t;
	icalrecur_iterator *it = icalrecur_iterator_new(rule, first);

	if (it == NULL)
		return;
	for (size_t n = 0; n < DAV_CAL_MAX_INSTANCES && w->visited < DAV_CAL_MAX_INSTANCES; n++) {
		int64_t u;

		if (icaltime_is_null_time(t = icalrecur_iterator_next(it)))
			break;
		u = dav_cal_utc(w->cal, t, dav_cal_tzid(start));
		if (u >= w->end)
			break;
		dav_cal_visit(w, master, u, u + dur, u, true);
	}
	icalrecur_iterator_free(it);
}

static void dav_cal_rdates(struct dav_cal_walk *w, icalcomponent *master, int64_t dur)
{
	icalproperty **props;
	size_t n = dav_cal_properties(master, ICAL_RDATE_PROPERTY, &props);

	for (size_t i = 0; i < n; i++) {
		struct icaldatetimeperiodtype rd = icalproperty_get_rdate(props[i]);
		int64_t u = dav_cal_utc(w->cal, icaltime_is_null_time(rd.time) ? rd.period.start :
					rd.time, dav_cal_tzid(props[i]));

		dav_cal_visit(w, master, u, u + dur, u, true);
	}
	free(props);
}

static void dav_cal_master(struct dav_cal_walk *w, icalcomponent *master,
			   icalcomponent **comps, size_t count)
{
	icalproperty *start = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
	icalproperty **rules;
	size_t nrules = dav_cal_properties(master, ICAL_RRULE_PROPERTY, &rules);
	bool recurring = nrules > 0 ||
		icalcomponent_get_first_property(master, ICAL_RDATE_PROPERTY) != NULL;
	int64_t s, e;

	if (!dav_cal_span(w->cal, master, &s, &e)) {
		/* no date at all: a task that overlaps every range */
		w->fn(master, w->start, w->start, w->start, false, w->data);
	} else if (!recurring || start == NULL) {
		dav_cal_visit(w, master, s, e, s, false);
	} else {
		dav_cal_collect_skips(w, master, comps, count);
		for (size_t i = 0; i < nrules; i++)
			dav_cal_rule(w, master, rules[i], start, e - s);
		if (nrules == 0)
			dav_cal_visit(w, master, s, e, s, true);
		dav_cal_rdates(w, master, e - s);
	}
	free(rules);
}

size_t dav_cal_instances(icalcomponent *cal, int64_t start, int64_t end, dav_instance_fn *fn,
			 void *data)
{
	struct dav_cal_walk w = { .cal = cal, .start = start, .end = end, .fn = fn, .data = data };
	icalcomponent **comps;
	size_t count = dav_cal_components(cal, &comps);

	for (size_t i = 0; i < count; i++) {
		icalcomponent *c = comps[i];
		icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
		int64_t s, e;

		if (!dav_cal_is_item(c))
			continue;
		if (rid == NULL)
			dav_cal_master(&w, c, comps, count);
		else if (dav_cal_span(cal, c, &s, &e) &&
			 dav_cal_overlaps(s, e, start, end) && w.visited < DAV_CAL_MAX_INSTANCES) {
			w.visited++;
			fn(c, s, e, dav_cal_prop_utc(cal, rid), true, data);
		}
	}
	free(comps);
	free(w.skip);
	return w.visited;
}
