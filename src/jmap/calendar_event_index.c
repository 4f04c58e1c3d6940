/* What the store keeps of an event for CalendarEvent/query, read from
 * its parsed text (no JSCalendar is built: a DAV PUT is indexed at the
 * cost of its parse): the kind of component, the time range, the times
 * and one list of values per text filter, from the master and every
 * override (a filter matches an event when it matches any instance). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "jmap/calendars.h"

struct ce_fields {
	struct strbuf f[STORE_EVENT_FIELD__COUNT];
};

/* Adds s to field and to the all-text field. */
static void idx_add(struct ce_fields *x, enum store_event_field field, const char *s)
{
	struct strbuf *targets[2] = { &x->f[field], &x->f[STORE_EVENT_TEXT] };

	if (s == NULL || *s == '\0')
		return;
	for (size_t i = 0; i < (field == STORE_EVENT_TEXT ? 1u : 2u); i++) {
		if (targets[i]->len > 0)
			strbuf_putc(targets[i], '\n');
		strbuf_puts(targets[i], s);
	}
}

/* A participant's name and address (without "mailto:"). */
static void idx_address(struct ce_fields *x, enum store_event_field field, icalproperty *p,
			const char *uri)
{
	icalparameter *cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);

	if (cn != NULL)
		idx_add(x, field, icalparameter_get_cn(cn));
	if (uri != NULL)
		idx_add(x, field, strncasecmp(uri, "mailto:", 7) == 0 ? uri + 7 : uri);
}

static void idx_props(struct ce_fields *x, icalcomponent *comp)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
		switch (icalproperty_isa(p)) {
		case ICAL_SUMMARY_PROPERTY:
			idx_add(x, STORE_EVENT_TITLE, icalproperty_get_summary(p));
			break;
		case ICAL_DESCRIPTION_PROPERTY:
			idx_add(x, STORE_EVENT_DESCRIPTION, icalproperty_get_description(p));
			break;
		case ICAL_LOCATION_PROPERTY:
			idx_add(x, STORE_EVENT_LOCATIONS, icalproperty_get_location(p));
			break;
		case ICAL_X_PROPERTY:
			if (strcasecmp(icalproperty_get_x_name(p), "X-JMAP-LOCATION") == 0)
				idx_add(x, STORE_EVENT_LOCATIONS, icalproperty_get_x(p));
			break;
		case ICAL_ORGANIZER_PROPERTY:
			idx_address(x, STORE_EVENT_OWNERS, p, icalproperty_get_organizer(p));
			break;
		case ICAL_ATTENDEE_PROPERTY:
			idx_address(x, STORE_EVENT_ATTENDEES, p, icalproperty_get_attendee(p));
			break;
		case ICAL_CATEGORIES_PROPERTY:
			idx_add(x, STORE_EVENT_TEXT, icalproperty_get_categories(p));
			break;
		case ICAL_COMMENT_PROPERTY:
			idx_add(x, STORE_EVENT_TEXT, icalproperty_get_comment(p));
			break;
		default:
			break;
		}
	}
}

static bool idx_is_item(icalcomponent_kind kind)
{
	return kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT ||
	       kind == ICAL_VJOURNAL_COMPONENT;
}

/* A time property of the main component as unix seconds, or fallback. */
static int64_t idx_time(icalcomponent *comp, icalproperty_kind kind, int64_t fallback)
{
	icalproperty *p = icalcomponent_get_first_property(comp, kind);
	struct icaltimetype t;

	if (p == NULL || icalproperty_get_value(p) == NULL ||
	    icaltime_is_null_time(t = icalvalue_get_datetime(icalproperty_get_value(p))))
		return fallback;
	return (int64_t)icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
}

static void idx_range(icalcomponent *cal, struct store_calendar_event *ev)
{
	struct jscalendar_range range;

	jscalendar_ical_range(cal, &range);
	ev->has_start = range.has_start;
	ev->has_end = range.has_end;
	ev->first_start = range.start;
	ev->last_end = range.end;
	ev->flags = 0;
	if ((range.flags & JSCALENDAR_RANGE_RECURRING) != 0)
		ev->flags |= STORE_EVENT_RECURRING;
	if ((range.flags & JSCALENDAR_RANGE_FLOATING) != 0)
		ev->flags |= STORE_EVENT_FLOATING;
}

void calendar_event_index(icalcomponent *cal, struct store_calendar_event *ev, time_t now)
{
	icalcomponent *main = jscalendar_ical_main(cal);
	struct ce_fields x = { 0 };
	int64_t updated;

	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		if (idx_is_item(icalcomponent_isa(c)))
			idx_props(&x, c);
	}
	for (int i = 0; i < STORE_EVENT_FIELD__COUNT; i++) {
		free(ev->fields[i]);
		ev->fields[i] = x.f[i].len > 0 ? strbuf_steal(&x.f[i]) : NULL;
		strbuf_free(&x.f[i]);
	}
	free(ev->component);
	ev->component = xstrdup(icalcomponent_kind_to_string(icalcomponent_isa(main)));
	idx_range(cal, ev);
	updated = idx_time(main, ICAL_DTSTAMP_PROPERTY, (int64_t)now);
	ev->updated_at = idx_time(main, ICAL_LASTMODIFIED_PROPERTY, updated);
	ev->created_at = idx_time(main, ICAL_CREATED_PROPERTY,
				  ev->created_at != 0 ? ev->created_at : (int64_t)now);
}
