#ifndef TERN_JMAP_JSCALENDAR_H
#define TERN_JMAP_JSCALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <libical/ical.h>

/* iCalendar (RFC 5545, through libical) and JSCalendar (RFC 8984, the
 * form JMAP for Calendars uses) for one calendar object resource: a
 * VCALENDAR holding the components of one UID (RFC 4791 §4.1), the
 * master and its overrides (RECURRENCE-ID), with their VTIMEZONEs.
 *
 * Converted both ways: uid, @type (VEVENT Event, VTODO Task; a VJOURNAL
 * reads as an Event), title, description, start, timeZone, duration
 * (DTEND or DURATION), endTimeZone, showWithoutTime, due, progress,
 * percentComplete, recurrenceRules, excludedRecurrenceRules,
 * recurrenceOverrides (RDATE, EXDATE and override components),
 * recurrenceId, status, freeBusyStatus, privacy, priority, locations
 * (LOCATION and GEO), virtualLocations (CONFERENCE), participants and
 * replyTo (ORGANIZER, ATTENDEE), alerts (VALARM), keywords (CATEGORIES),
 * color, links (URL, ATTACH by URI), relatedTo, created, updated
 * (LAST-MODIFIED, else DTSTAMP), sequence, prodId and useDefaultAlerts.
 * Ids of map entries travel in X-JMAP-ID parameters (or properties, for
 * alarms); entries without one get an id derived from their content,
 * stable as long as it is. Locations past the first are X-JMAP-LOCATION
 * lines (iCalendar allows one LOCATION). */

/* Bounds of one resource. */
#define JSCALENDAR_MAX_SIZE (4 * 1024 * 1024)	/* bytes of iCalendar text */
#define JSCALENDAR_MAX_COMPONENTS 1000		/* master and overrides */
#define JSCALENDAR_MAX_DEPTH 8			/* nested BEGIN lines */
#define JSCALENDAR_MAX_PARTICIPANTS 1000	/* per component */
/* Instances one recurrence rule is expanded to before a time-range
 * check gives up (and counts the event as matching). */
#define JSCALENDAR_MAX_INSTANCES 20000

/* Why a text is not a calendar object resource, in the terms of the
 * CalDAV preconditions (RFC 4791 §5.3.2). */
enum jscalendar_invalid {
	JSCALENDAR_INVALID_DATA = -1,		/* valid-calendar-data */
	JSCALENDAR_INVALID_RESOURCE = -2,	/* valid-calendar-object-resource */
	JSCALENDAR_TOO_LARGE = -3,		/* max-resource-size */
};

/* Parses text as one calendar object resource: a single VCALENDAR,
 * no METHOD, components of one kind (VEVENT, VTODO or VJOURNAL) all
 * with the same UID, at most one without RECURRENCE-ID and no two with
 * the same one, a DTSTART in every VEVENT, values libical can read, and
 * the bounds above. Properties libical does not know are let through.
 * Returns 0 and the VCALENDAR (free with icalcomponent_free()), or an
 * enum jscalendar_invalid and a reason in *error_r (a string literal). */
int jscalendar_ical_parse(const char *text, size_t len, icalcomponent **cal_r,
			  const char **error_r);

/* The first VEVENT, VTODO or VJOURNAL of a parsed resource, preferring
 * the master (no RECURRENCE-ID); borrowed. */
icalcomponent *jscalendar_ical_main(icalcomponent *cal);

/* The JSCalendar object of a parsed resource (new reference). */
json_object *jscalendar_from_ical(icalcomponent *cal);

/* Writes a JSCalendar Event or Task as iCalendar text (caller frees).
 * old, when not NULL, is the resource it replaces: what the conversion
 * does not know of it is kept (see jscalendar_keep.c). Returns 0, or -1
 * with the first invalid property in *bad_prop_r (see core/error.h for
 * its lifetime). */
int jscalendar_to_ical(json_object *js, icalcomponent *old, char **text_r, size_t *len_r,
		       const char **bad_prop_r);

/* The time range a resource covers, for the store's index. */
enum jscalendar_range_flags {
	JSCALENDAR_RANGE_RECURRING = 1 << 0,
	JSCALENDAR_RANGE_FLOATING = 1 << 1,
};

struct jscalendar_range {
	bool has_start;		/* false: no date at all (a task) */
	bool has_end;		/* false: recurs for ever */
	int64_t start;		/* unix seconds UTC */
	int64_t end;
	unsigned flags;		/* enum jscalendar_range_flags */
};

/* Floating times count as UTC, with the range widened by a day each
 * side. */
void jscalendar_ical_range(icalcomponent *cal, struct jscalendar_range *range_r);

/* Whether some instance of a resource overlaps [after, before) (unix
 * seconds UTC; an instance of no duration overlaps when it starts in
 * it), with recurrences expanded, overrides and exclusions applied and
 * floating times taken in zone floating (NULL: UTC). A rule that would
 * need more than JSCALENDAR_MAX_INSTANCES instances counts as
 * overlapping. */
bool jscalendar_ical_overlaps(icalcomponent *cal, int64_t after, int64_t before,
			      icaltimezone *floating);

/* The time zone called name (IANA), or NULL if there is none: borrowed
 * from libical's built-in zones. */
icaltimezone *jscalendar_zone(const char *name);

/* A LocalDateTime taken in zone (NULL: UTC), or a UTCDateTime, as unix
 * seconds into *t_r. 0, or -1 if s is neither. */
int jscalendar_time_parse(const char *s, icaltimezone *zone, int64_t *t_r);

#endif
