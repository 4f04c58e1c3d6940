#ifndef TERN_JMAP_CALENDARS_H
#define TERN_JMAP_CALENDARS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>
#include <libical/ical.h>

#include "jmap/contacts.h"
#include "jmap/jscalendar.h"
#include "jmap/stdmethods.h"
#include "store/store_calendars.h"

/* JMAP for Calendars (draft-ietf-jmap-calendars): Calendar (calendar.c,
 * its /set in calendar_set.c) and CalendarEvent (calendar_event.c;
 * calendar_event_set.c, calendar_event_update.c, calendar_event_query.c,
 * calendar_event_index.c). An event's canonical form is its iCalendar
 * text; JMAP sees it as a JSCalendar Event or Task (jscalendar.h).
 *
 * For the DAV face, the vendor capability urn:tern:dav (JMAP_CAP_TERN_DAV)
 * adds properties that only in-process callers (jmap_invoke) may read or
 * write: Calendar "davName" (its URL segment; "default" for the calendar
 * every account starts with) and "davProperties" (any JSON object: DAV
 * dead properties and the CalDAV ones the DAV face keeps there);
 * CalendarEvent "davName" (resource name, "<uid>.ics" by default),
 * "davEtag" (server-set: hex SHA-256 of the text) and "davData" (the
 * iCalendar text itself: set it to store a resource as sent, get it to
 * have the same bytes back). A SetError for davData that is not a
 * calendar object resource names the CalDAV precondition it breaks in
 * "davPrecondition" ("valid-calendar-data",
 * "valid-calendar-object-resource" or "max-resource-size") for
 * in-process callers.
 *
 * CalendarEvent/query takes the filter conditions inCalendars, after,
 * before (LocalDate in the "timeZone" argument, default UTC, or UTCDate),
 * text, title, description, location, owner, attendee and uid, and for
 * in-process callers davName; the time range uses the store's range
 * index and expands recurrences only for the events that recur or
 * float; a uid or davName with one calendar in inCalendars is a single
 * lookup. expandRecurrences is refused (cannotCalculateOccurrences):
 * events come whole, with their rules. Ids: 'c' + number for calendars,
 * 'v' + number for events. */

#define JMAP_CAP_CALENDARS "urn:ietf:params:jmap:calendars"

#define CALENDAR_ID_PREFIX 'c'
#define CALENDAR_EVENT_ID_PREFIX 'v'

extern const struct jmap_type jmap_calendar_type;
extern const struct jmap_type jmap_calendar_event_type;

/* The account's value of urn:ietf:params:jmap:calendars (new reference). */
json_object *jmap_calendars_account_capability(const struct jmap_server *srv,
					       uint32_t account_id);

/* Inside a write transaction: creates the default calendar "Calendar"
 * (DAV name "default") unless the account ever had a calendar.
 * *created_r says whether it did. */
int calendar_provision(struct store_account *acct, bool *created_r, const char **error_r);

/* For methods of either type: gives an account that never had a
 * calendar its default one (accounts provisioned before calendars
 * existed), inside the call's transaction, or in a write transaction of
 * its own for a read-only method. Fails the call on error. */
int calendar_ensure_default(struct jmap_call *call);

/* The Calendar object as JMAP shows it, dav* members included (new
 * reference). */
json_object *calendar_to_json(const struct store_calendar *cal);

/* ---- Calendar/set (calendar_set.c) ---- */

int jmap_calendar_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			 json_object **created_r, json_object **error_r);
int jmap_calendar_update(struct jmap_call *call, const char *id, json_object *patch,
			 json_object **updated_r, json_object **error_r);
int jmap_calendar_destroy(struct jmap_call *call, const char *id, json_object **error_r);
/* Calendar/set itself: the standard /set, then onSuccessSetIsDefault. */
int jmap_calendar_set(struct jmap_call *call);

/* ---- CalendarEvent internals ---- */

/* CalendarEvent's urn:tern:dav properties, NULL-terminated. */
extern const char *const calendar_event_dav_props[];

/* The addresses of the account's principal, lowercase, NULL-terminated
 * (caller frees with calendar_addresses_free()): the participants that
 * are the user, for isOrigin. */
char **calendar_addresses(struct jmap_call *call);
void calendar_addresses_free(char ***addresses);
/* isOrigin (draft §4): no replyTo, or one the account receives. */
bool calendar_event_is_origin(json_object *js, char *const *addresses);

/* The CalendarEvent of a stored event as JMAP shows it: JSCalendar from
 * its text (parsed already in cal, or parsed here when cal is NULL),
 * id, calendarIds, isDraft, isOrigin, and the dav* members when
 * with_dav (new reference). NULL if the stored text does not parse. */
json_object *calendar_event_to_json(const struct store_calendar_event *ev, icalcomponent *cal,
				    char *const *addresses, bool with_dav);
/* Fills ev's component, time range, search fields and times from its
 * parsed text; created_at is set only when 0 (a new event). */
void calendar_event_index(icalcomponent *cal, struct store_calendar_event *ev, time_t now);

/* Shared by calendar_event_set.c (create, destroy) and
 * calendar_event_update.c. Functions that fail return -1 with a SetError
 * in *error_r, or with *error_r NULL after failing the call. */
int ce_store_fail(struct jmap_call *call, const char *error, json_object **error_r);
/* Fails the call if it asks for scheduling messages (iTIP is not sent). */
int ce_check_request(struct jmap_call *call, json_object **error_r);
/* Whether obj (an object or a patch) names a JSCalendar member, not
 * only JMAP's own (id, calendarIds, isDraft, isOrigin, dav*). */
bool ce_has_event_members(json_object *obj);
/* The JSCalendar members of obj without the nulls (new reference). */
json_object *ce_event_part(json_object *obj);
/* calendarIds: exactly one existing calendar. */
int ce_parse_calendar(struct jmap_call *call, json_object *value, uint64_t *calendar_r,
		      json_object **error_r);
/* isDraft: drafts are not kept, so only false. */
int ce_parse_draft(json_object *obj, json_object **error_r);
int ce_parse_dav_data(struct jmap_call *call, json_object *value, icalcomponent **cal_r,
		      json_object **error_r);
int ce_parse_dav_name(json_object *value, char **name_r, json_object **error_r);
/* Writes a JSCalendar object as ev's text (old: the resource it
 * replaces, or NULL) and parses it into *cal_r. */
int ce_write_text(json_object *part, icalcomponent *old, struct store_calendar_event *ev,
		  icalcomponent **cal_r, json_object **error_r);
/* Sets "updated" of js to now, and says so in report. */
void ce_set_updated_now(json_object *js, json_object *report);
/* uid and DAV name free in the event's calendar (alreadyExists with
 * existingId for the uid). */
int ce_check_unique(struct jmap_call *call, const struct store_calendar_event *ev,
		    json_object **error_r);

int jmap_calendar_event_create(struct jmap_call *call, const char *creation_id,
			       json_object *obj, json_object **created_r, json_object **error_r);
int jmap_calendar_event_update(struct jmap_call *call, const char *id, json_object *patch,
			       json_object **updated_r, json_object **error_r);
int jmap_calendar_event_destroy(struct jmap_call *call, const char *id, json_object **error_r);
int jmap_calendar_event_filter_check(json_object *condition, const char **error_type_r);
int jmap_calendar_event_query(struct jmap_call *call, struct jmap_query *query);
extern const char *const jmap_calendar_event_sort_props[];

#endif
