/* The time a resource covers: its range for the store's index, and the
 * exact check of one time range against its instances (RFC 4791 §9.9),
 * recurrences expanded through libical's iterator. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

#define JSCAL_DAY 86400

/* One component's first instance, unix seconds UTC. */
struct jscal_span {
	int64_t start;
	int64_t end;
};

static bool jscal_is_item(icalcomponent_kind kind)
{
	return kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT ||
	       kind == ICAL_VJOURNAL_COMPONENT;
}

static bool jscal_is_master(icalcomponent *comp)
{
	return icalcomponent_get_first_property(comp, ICAL_RECURRENCEID_PROPERTY) == NULL;
}

static bool jscal_recurs(icalcomponent *comp)
{
	return jscal_is_master(comp) &&
	       (icalcomponent_get_first_property(comp, ICAL_RRULE_PROPERTY) != NULL ||
		icalcomponent_get_first_property(comp, ICAL_RDATE_PROPERTY) != NULL);
}

static int64_t jscal_utc(icalcomponent *cal, icalproperty *prop, icaltimezone *floating,
			 bool *floating_r)
{
	return jscal_time_utc(cal, jscal_prop_time(prop), jscal_prop_tzid(prop), floating,
			      floating_r);
}

/* The end of an event or journal entry from DTEND or DURATION (in the
 * start's zone), else a day for a date and nothing for a date-time. */
static int64_t jscal_end(icalcomponent *cal, icalcomponent *comp, icalproperty *start,
			 int64_t start_utc, icaltimezone *floating, bool *floating_r)
{
	icalproperty *end = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY);
	icalproperty *dur = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
	icalproperty *due = icalcomponent_get_first_property(comp, ICAL_DUE_PROPERTY);
	struct icaltimetype t = jscal_prop_time(start);

	if (end != NULL)
		return jscal_utc(cal, end, floating, floating_r);
	if (due != NULL)
		return jscal_utc(cal, due, floating, floating_r);
	if (dur != NULL)
		return jscal_time_utc(cal, icaltime_add(t, icalproperty_get_duration(dur)),
				      jscal_prop_tzid(start), floating, floating_r);
	return t.is_date ? start_utc + JSCAL_DAY : start_utc;
}

/* false for a task with neither DTSTART nor DUE (it matches any range). */
static bool jscal_span_of(icalcomponent *cal, icalcomponent *comp, icaltimezone *floating,
			  bool *floating_r, struct jscal_span *span)
{
	icalproperty *start = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
	icalproperty *due = icalcomponent_get_first_property(comp, ICAL_DUE_PROPERTY);

	if (start != NULL && !icaltime_is_null_time(jscal_prop_time(start))) {
		span->start = jscal_utc(cal, start, floating, floating_r);
		span->end = jscal_end(cal, comp, start, span->start, floating, floating_r);
	} else if (due != NULL && !icaltime_is_null_time(jscal_prop_time(due))) {
		span->start = span->end = jscal_utc(cal, due, floating, floating_r);
	} else {
		return false;
	}
	if (span->end < span->start)
		span->end = span->start;
	return true;
}

/* The first start of an RRULE's zone-aware iterator. */
static struct icaltimetype jscal_iter_start(icalcomponent *cal, icalproperty *start)
{
	struct icaltimetype t = jscal_prop_time(start);
	const char *tzid = jscal_prop_tzid(start);

	if (!icaltime_is_utc(t) && !t.is_date)
		t.zone = tzid != NULL ? jscal_zone_of(cal, tzid) : NULL;
	return t;
}

/* ---- the index range ---- */

/* How far a COUNT rule is walked to find its last instance; one that
 * goes on longer counts as endless (the range is only a first cut). */
#define JSCAL_COUNT_YEARS 30

/* The end of the last instance of an RRULE: from UNTIL without walking
 * it, from COUNT by walking at most JSCAL_COUNT_YEARS. false: endless. */
static bool jscal_rule_end(icalcomponent *cal, icalproperty *start, icalproperty *rrule,
			   int64_t dur, int64_t *end_r)
{
	struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
	struct icaltimetype first = jscal_iter_start(cal, start), t, last = icaltime_null_time();
	icalrecur_iterator *it;
	int n = 0;

	if (!icaltime_is_null_time(rule.until)) {
		*end_r = jscal_time_utc(cal, rule.until, rule.until.is_date || icaltime_is_utc(
			rule.until) ? NULL : jscal_prop_tzid(start), NULL, NULL) + dur +
			 (rule.until.is_date ? JSCAL_DAY : 0);
		return true;
	}
	if (rule.count <= 0 || rule.count > JSCALENDAR_MAX_INSTANCES)
		return false;
	rule.until = first;
	rule.until.year += JSCAL_COUNT_YEARS;
	if ((it = icalrecur_iterator_new(rule, first)) == NULL)
		return false;
	while (n < rule.count && !icaltime_is_null_time(t = icalrecur_iterator_next(it))) {
		last = t;
		n++;
	}
	icalrecur_iterator_free(it);
	/* fewer than COUNT within the years walked: it goes on past them */
	if (n > 0 && n < rule.count)
		return false;
	if (!icaltime_is_null_time(last))
		*end_r = jscal_time_utc(cal, last, jscal_prop_tzid(start), NULL, NULL) + dur;
	return true;
}

/* The end of the last instance of a master, false if it has none. */
static bool jscal_last_end(icalcomponent *cal, icalcomponent *master, int64_t dur,
			   int64_t *end_r)
{
	icalproperty *start = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);

	for (icalproperty *p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(master, ICAL_RRULE_PROPERTY)) {
		int64_t end = *end_r;

		if (start == NULL || !jscal_rule_end(cal, start, p, dur, &end))
			return false;
		*end_r = end > *end_r ? end : *end_r;
	}
	for (icalproperty *p = icalcomponent_get_first_property(master, ICAL_RDATE_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(master, ICAL_RDATE_PROPERTY)) {
		int64_t e = jscal_utc(cal, p, NULL, NULL) + dur;

		*end_r = e > *end_r ? e : *end_r;
	}
	return true;
}

void jscalendar_ical_range(icalcomponent *cal, struct jscalendar_range *range)
{
	bool floating = false, any = false;
	struct jscal_span span;

	memset(range, 0, sizeof(*range));
	range->has_start = range->has_end = true;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		if (!jscal_is_item(icalcomponent_isa(c)))
			continue;
		if (!jscal_span_of(cal, c, NULL, &floating, &span)) {
			range->has_start = range->has_end = false;
			return;
		}
		range->start = !any || span.start < range->start ? span.start : range->start;
		range->end = !any || span.end > range->end ? span.end : range->end;
		any = true;
		if (jscal_recurs(c)) {
			range->flags |= JSCALENDAR_RANGE_RECURRING;
			if (range->has_end &&
			    !jscal_last_end(cal, c, span.end - span.start, &range->end))
				range->has_end = false;
		}
	}
	if (floating) {
		range->flags |= JSCALENDAR_RANGE_FLOATING;
		range->start -= JSCAL_DAY;
		range->end += JSCAL_DAY;
	}
	range->has_start = range->has_start && any;
	range->has_end = range->has_end && any;
}

/* ---- the exact check ---- */

struct jscal_overlap {
	icalcomponent *cal;
	icaltimezone *floating;
	int64_t after, before;
	int64_t *excluded;		/* sorted */
	size_t excluded_count;
};

static bool jscal_hit(const struct jscal_overlap *o, int64_t start, int64_t end)
{
	return start < o->before && (end > o->after || (end == start && start >= o->after));
}

static int jscal_compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool jscal_is_excluded(const struct jscal_overlap *o, int64_t t)
{
	return o->excluded_count > 0 &&
	       bsearch(&t, o->excluded, o->excluded_count, sizeof(t), jscal_compare) != NULL;
}

/* EXDATEs of master and the recurrence ids of the overrides. */
static void jscal_exclusions(struct jscal_overlap *o, icalcomponent *master)
{
	size_t cap = (size_t)icalcomponent_count_properties(master, ICAL_EXDATE_PROPERTY) +
		     (size_t)icalcomponent_count_components(o->cal, ICAL_ANY_COMPONENT) + 1;

	o->excluded = xcalloc(cap, sizeof(*o->excluded));
	for (icalproperty *p = icalcomponent_get_first_property(master, ICAL_EXDATE_PROPERTY);
	     p != NULL && o->excluded_count < cap;
	     p = icalcomponent_get_next_property(master, ICAL_EXDATE_PROPERTY))
		o->excluded[o->excluded_count++] = jscal_utc(o->cal, p, o->floating, NULL);
	for (icalcomponent *c = icalcomponent_get_first_component(o->cal, ICAL_ANY_COMPONENT);
	     c != NULL && o->excluded_count < cap;
	     c = icalcomponent_get_next_component(o->cal, ICAL_ANY_COMPONENT)) {
		icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);

		if (jscal_is_item(icalcomponent_isa(c)) && rid != NULL)
			o->excluded[o->excluded_count++] = jscal_utc(o->cal, rid, o->floating, NULL);
	}
	qsort(o->excluded, o->excluded_count, sizeof(*o->excluded), jscal_compare);
}

/* Starts the iterator near the range when the rule allows (no COUNT):
 * the instances before after - dur cannot overlap. */
static void jscal_iter_skip(const struct jscal_overlap *o, icalrecur_iterator *it,
			    const struct icalrecurrencetype *rule, struct icaltimetype first,
			    int64_t first_utc, int64_t dur)
{
	int64_t from = o->after - dur - 2 * JSCAL_DAY;
	icaltimezone *zone = first.zone != NULL ? (icaltimezone *)first.zone :
			     o->floating != NULL ? o->floating : icaltimezone_get_utc_timezone();
	struct icaltimetype t;

	if (rule->count != 0 || from <= first_utc)
		return;
	t = icaltime_from_timet_with_zone((time_t)from, first.is_date, zone);
	t.zone = first.zone;
	icalrecur_iterator_set_start(it, t);
}

/* 1 an instance of the rule overlaps, 0 none, -1 too many to tell. */
static int jscal_rule_overlaps(const struct jscal_overlap *o, icalproperty *rrule,
			       icalproperty *start, int64_t first_utc, int64_t dur)
{
	struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
	struct icaltimetype first = jscal_iter_start(o->cal, start), t, stop;
	icalrecur_iterator *it;
	int ret = 0;

	/* libical looks for each next instance up to UNTIL: none is needed
	 * past the range (a day more for floating times) */
	if (o->before < INT64_MAX - 2 * JSCAL_DAY) {
		stop = icaltime_from_timet_with_zone((time_t)(o->before + JSCAL_DAY), first.is_date,
						     icaltimezone_get_utc_timezone());
		if (icaltime_is_null_time(rule.until) || icaltime_compare(stop, rule.until) < 0)
			rule.until = stop;
	}
	if ((it = icalrecur_iterator_new(rule, first)) == NULL)
		return 0;
	jscal_iter_skip(o, it, &rule, first, first_utc, dur);
	for (int n = 0; ret == 0; n++) {
		int64_t u;

		if (n == JSCALENDAR_MAX_INSTANCES) {
			ret = -1;
			break;
		}
		if (icaltime_is_null_time(t = icalrecur_iterator_next(it)))
			break;
		u = jscal_time_utc(o->cal, t, jscal_prop_tzid(start), o->floating, NULL);
		if (u >= o->before)
			break;
		if (!jscal_is_excluded(o, u) && jscal_hit(o, u, u + dur))
			ret = 1;
	}
	icalrecur_iterator_free(it);
	return ret;
}

static bool jscal_master_overlaps(struct jscal_overlap *o, icalcomponent *master,
				  const struct jscal_span *span)
{
	icalproperty *start = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
	int64_t dur = span->end - span->start;
	bool hit = false;

	jscal_exclusions(o, master);
	if (!jscal_is_excluded(o, span->start) && jscal_hit(o, span->start, span->end))
		hit = true;
	for (icalproperty *p = icalcomponent_get_first_property(master, ICAL_RDATE_PROPERTY);
	     p != NULL && !hit; p = icalcomponent_get_next_property(master, ICAL_RDATE_PROPERTY)) {
		int64_t u = jscal_utc(o->cal, p, o->floating, NULL);

		hit = !jscal_is_excluded(o, u) && jscal_hit(o, u, u + dur);
	}
	for (icalproperty *p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY);
	     p != NULL && !hit && start != NULL;
	     p = icalcomponent_get_next_property(master, ICAL_RRULE_PROPERTY))
		hit = jscal_rule_overlaps(o, p, start, span->start, dur) != 0;
	free(o->excluded);
	o->excluded = NULL;
	o->excluded_count = 0;
	return hit;
}

bool jscalendar_ical_overlaps(icalcomponent *cal, int64_t after, int64_t before,
			      icaltimezone *floating)
{
	struct jscal_overlap o = { cal, floating, after, before, NULL, 0 };
	struct jscal_span span;
	icalcomponent *items[JSCALENDAR_MAX_COMPONENTS];
	size_t n = 0;
	bool hit = false;

	/* the exclusions walk the components again: list them first */
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL && n < JSCALENDAR_MAX_COMPONENTS;
	     c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		if (jscal_is_item(icalcomponent_isa(c)))
			items[n++] = c;
	}
	for (size_t i = 0; i < n && !hit; i++) {
		if (!jscal_span_of(cal, items[i], floating, NULL, &span))
			hit = true;
		else if (jscal_recurs(items[i]))
			hit = jscal_master_overlaps(&o, items[i], &span);
		else
			hit = jscal_hit(&o, span.start, span.end);
	}
	return hit;
}
