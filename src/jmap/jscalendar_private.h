#ifndef TERN_JMAP_JSCALENDAR_PRIVATE_H
#define TERN_JMAP_JSCALENDAR_PRIVATE_H

/* Shared by the jscalendar_*.c files only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <libical/ical.h>

#include "jmap/jscalendar.h"

#define JSCAL_LOCAL_LEN 19	/* "2024-01-31T10:00:00" */
#define JSCAL_DURATION_MAX 64
#define JSCAL_ID_LEN 12		/* hex digits of a derived map id */
#define JSCAL_UTC_NAME "Etc/UTC"
#define JSCAL_PRODID "-//Tern//Tern Calendar//EN"

/* ---- times, durations, zones, ids (jscalendar_time.c) ---- */

/* LocalDateTime "YYYY-MM-DDTHH:MM:SS" into a floating time; false if
 * s is not one (or not a real date). */
bool jscal_local_parse(const char *s, struct icaltimetype *t_r);
/* A time (date or date-time) as LocalDateTime; out has
 * JSCAL_LOCAL_LEN + 1 bytes. */
void jscal_local_format(struct icaltimetype t, char *out);
/* Duration (RFC 8984 §1.4.6): "P1DT2H", "PT15M", "P2W"; signed_ok
 * allows a leading "-" or "+" (SignedDuration). */
bool jscal_duration_parse(const char *s, bool signed_ok, struct icaldurationtype *d_r);
/* A duration in that form; out has JSCAL_DURATION_MAX bytes. */
void jscal_duration_format(struct icaldurationtype d, char *out);
/* A whole number of seconds as an exact duration. */
struct icaldurationtype jscal_duration_seconds(int64_t seconds);
/* Whether name stands for UTC ("Etc/UTC", "UTC", ...). */
bool jscal_zone_is_utc(const char *name);
/* The IANA name JSCalendar shows for a TZID of cal: the TZID itself
 * when it is one, else a name its VTIMEZONE or its path gives, else the
 * TZID as it is. Borrowed from cal or from libical. */
const char *jscal_zone_name(icalcomponent *cal, const char *tzid);
/* The zone a TZID of cal means: cal's VTIMEZONE of that TZID, else the
 * built-in zone of its name; NULL if neither. */
icaltimezone *jscal_zone_of(icalcomponent *cal, const char *tzid);
/* The TZID parameter of prop, or NULL. */
const char *jscal_prop_tzid(icalproperty *prop);
/* A date or date-time property's value; null time if it has none. */
struct icaltimetype jscal_prop_time(icalproperty *prop);
/* Unix seconds of t, a value of a property with TZID tzid (NULL: none)
 * in cal; floating times are taken in zone floating (NULL: UTC), and
 * *floating_r (if not NULL) says there was one. */
int64_t jscal_time_utc(icalcomponent *cal, struct icaltimetype t, const char *tzid,
		       icaltimezone *floating, bool *floating_r);
/* An id for a map entry that has none, from its content: JSCAL_ID_LEN
 * lowercase hex digits into out (JSCAL_ID_LEN + 1 bytes). */
void jscal_derived_id(const char *content, char *out);
/* Adds key -> value to map, with a "-2", "-3", ... suffix if key is
 * taken. Takes value. */
void jscal_map_add_unique(json_object *map, const char *key, json_object *value);
/* Member name of obj if it is a string, else NULL. */
const char *jscal_string(json_object *obj, const char *name);
/* A property's value as text (libical's form), caller frees. */
char *jscal_prop_text(icalproperty *prop);

/* ---- reading (jscalendar_read*.c) ---- */

/* What reading one component needs to know of the resource. */
struct jscal_read {
	icalcomponent *cal;
	/* The master's (or main component's) start: its zone for
	 * recurrence ids and UNTIL, and whether it is a date. */
	const char *tzid;		/* NULL: floating or UTC */
	bool utc;
	bool is_date;
};

/* The JSCalendar object of one component, without
 * recurrenceOverrides (new reference). */
json_object *jscal_read_component(const struct jscal_read *r, icalcomponent *comp);
/* A time of the resource as a LocalDateTime in the main start's zone
 * (out: JSCAL_LOCAL_LEN + 1 bytes). */
void jscal_read_local(const struct jscal_read *r, struct icaltimetype t, const char *tzid,
		      char *out);
/* Adds the map-valued members of comp to js: participants, replyTo,
 * locations, virtualLocations, links, alerts, keywords, relatedTo. */
void jscal_read_maps(icalcomponent *comp, json_object *js);
/* The id of a VALARM's alert: its X-JMAP-ID, UID (RFC 9074) or Apple's
 * X-WR-ALARMUID, else one derived from its trigger; into out. */
void jscal_alarm_id(icalcomponent *alarm, char *out, size_t size);
/* The RecurrenceRule of an RRULE or EXRULE property (new reference). */
json_object *jscal_read_rule(const struct jscal_read *r, icalproperty *prop);
/* recurrenceOverrides of the resource whose master is main: RDATE,
 * EXDATE and the other components, as patches of base (the main
 * component's object); NULL if there are none. */
json_object *jscal_read_overrides(const struct jscal_read *r, icalcomponent *main,
				  json_object *base);

/* ---- writing (jscalendar_write*.c) ---- */

struct jscal_write {
	icalcomponent *old;		/* the resource replaced, or NULL */
	icalcomponent *cal;		/* the VCALENDAR being built */
	icalcomponent_kind kind;
	const char *bad;		/* the first invalid property */
	/* The master's start: how times of the resource are written. */
	const char *tz_name;		/* NULL: floating */
	bool is_date;
	const char *title;		/* for alarm descriptions */
};

/* Writes the members of js (an Event or Task, or an instance of one)
 * as properties of comp. Returns 0, or -1 with w->bad set. */
int jscal_write_component(struct jscal_write *w, json_object *js, icalcomponent *comp);
/* A date-time property of kind from a LocalDateTime in zone tz_name
 * (NULL: floating; is_date: a DATE); NULL if local is not valid. */
icalproperty *jscal_write_time(struct jscal_write *w, icalproperty_kind kind, const char *local,
			       const char *tz_name, bool is_date);
/* Writes participants and replyTo, locations, virtualLocations, links,
 * alerts, keywords and relatedTo of js into comp. 0 or -1 (w->bad). */
int jscal_write_maps(struct jscal_write *w, json_object *js, icalcomponent *comp);
/* An RRULE or EXRULE of kind from a RecurrenceRule; NULL if invalid. */
icalproperty *jscal_write_rule(struct jscal_write *w, icalproperty_kind kind, json_object *rule);
/* Writes recurrenceOverrides of js: EXDATE and RDATE into master, and
 * one component per overridden instance into w->cal. 0 or -1. */
int jscal_write_overrides(struct jscal_write *w, json_object *js, icalcomponent *master);

/* Adds to w->cal a VTIMEZONE for every TZID its components name: the
 * old resource's when it had one, else built from libical's zone data.
 * 0, or -1 (w->bad "timeZone") for a zone that has neither. */
int jscal_write_zones(struct jscal_write *w);

/* ---- keeping what the conversion does not know (jscalendar_keep.c) ---- */

/* Whether reading converts prop of a component of kind (or of a
 * VCALENDAR or VALARM). */
bool jscal_prop_converted(icalcomponent_kind kind, icalproperty *prop);
/* Copies into new what the conversion does not know of old: unknown
 * properties of the VCALENDAR, of the master and of each override and
 * alarm that is still there, and unknown subcomponents. */
void jscal_keep_unknown(icalcomponent *old, icalcomponent *new_cal);

#endif
