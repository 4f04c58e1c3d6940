#ifndef TERN_STORE_CALENDARS_H
#define TERN_STORE_CALENDARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Calendars and calendar events, in the account database. An event's
 * canonical form is the iCalendar text a client sent (one VCALENDAR
 * with one UID), kept byte for byte; beside it the store keeps what
 * lookups and queries need: UID, DAV resource name, ETag, the time
 * range it covers and search fields the JMAP layer computes.
 * Conventions as store.h: writes run inside a write transaction; each
 * changed object takes its own modseq and change record
 * (STORE_TYPE_CALENDAR, STORE_TYPE_CALENDAR_EVENT). */

#define STORE_EVENT_ETAG_LEN 64	/* lowercase hex SHA-256 of the text */

struct store_calendar {
	uint64_t id;
	char *name;
	char *description;	/* NULL = none */
	char *color;		/* NULL = none */
	uint32_t sort_order;
	bool is_default;	/* at most one per account */
	bool is_subscribed;
	bool is_visible;
	char *include_in_availability;	/* "all", "attending" or "none" */
	char *default_alerts_with_time;	/* JSON text; NULL = null */
	char *default_alerts_without_time;
	char *time_zone;	/* NULL = none */
	char *dav_name;		/* URL segment, unique in the account */
	char *dead_props;	/* DAV properties as JSON text; NULL = none */
	uint64_t modseq;	/* of its latest change */
};

void store_calendar_clear(struct store_calendar *cal);
void store_calendar_list_free(struct store_calendar **list, size_t count);
/* Every live calendar, ordered by id. Free with
 * store_calendar_list_free(). */
int store_calendar_list(struct store_account *acct, struct store_calendar **list_r,
			size_t *count_r, const char **error_r);
/* Fills *cal_r (release with store_calendar_clear()). 1, 0 or -1. */
int store_calendar_get(struct store_account *acct, uint64_t id, struct store_calendar *cal_r);
/* Assigns cal->id and cal->modseq. name, dav_name and
 * include_in_availability are required; a dav_name already used fails
 * with STORE_ERR_EXISTS. is_default is stored as given: clear the old
 * default first (or use store_calendar_set_default()). */
int store_calendar_create(struct store_account *acct, struct store_calendar *cal,
			  const char **error_r);
/* Writes every field of cal->id but is_default; sets cal->modseq. */
int store_calendar_update(struct store_account *acct, struct store_calendar *cal,
			  const char **error_r);
/* Makes id the one default calendar; the previous default (if any) and
 * id each record a change. Nothing happens if id already is. */
int store_calendar_set_default(struct store_account *acct, uint64_t id, const char **error_r);
/* Destroys the calendar and every event in it (each event leaves a
 * tombstone). Fails with STORE_ERR_NOT_FOUND if there is none. */
int store_calendar_destroy(struct store_account *acct, uint64_t id, const char **error_r);
/* The number of events in calendar id. */
int store_calendar_event_count(struct store_account *acct, uint64_t id, uint64_t *count_r,
			       const char **error_r);

/* Search fields of an event: each a list of values, one per line (any
 * may be NULL). The JMAP layer decides what goes in them. */
enum store_event_field {
	STORE_EVENT_TITLE,
	STORE_EVENT_DESCRIPTION,
	STORE_EVENT_LOCATIONS,
	STORE_EVENT_OWNERS,
	STORE_EVENT_ATTENDEES,
	STORE_EVENT_TEXT,
	STORE_EVENT_FIELD__COUNT
};

/* What the time range of an event leaves to the caller. */
enum store_event_flags {
	/* It recurs: its instances lie somewhere in the range. */
	STORE_EVENT_RECURRING = 1 << 0,
	/* It has floating times: the range was widened by a day each side,
	 * as those times mean another instant in each time zone. */
	STORE_EVENT_FLOATING = 1 << 1,
};

struct store_calendar_event {
	uint64_t id;
	uint64_t calendar_id;
	char *uid;		/* unique within its calendar */
	char *dav_name;		/* resource name, unique within its calendar */
	char *component;	/* "VEVENT", "VTODO" or "VJOURNAL" */
	char *ical;		/* the text as sent; NULL unless asked for */
	size_t ical_len;
	char etag[STORE_EVENT_ETAG_LEN + 1];	/* set by create and update */
	/* The time range it covers, unix seconds UTC: has_start false means
	 * it starts at no known time (a task with no dates matches every
	 * range), has_end false that it never ends (endless recurrence). */
	bool has_start;
	bool has_end;
	int64_t first_start;
	int64_t last_end;
	unsigned flags;		/* enum store_event_flags */
	int64_t created_at;	/* unix seconds */
	int64_t updated_at;
	char *fields[STORE_EVENT_FIELD__COUNT];
	uint64_t modseq;	/* of the event's latest change */
};

void store_calendar_event_clear(struct store_calendar_event *ev);
void store_calendar_event_list_free(struct store_calendar_event **list, size_t count);

/* What to read: the iCalendar text is the large part. */
#define STORE_EVENT_WITH_ICAL (1u << 0)

/* Fills *ev_r (release with store_calendar_event_clear()). 1, 0 or -1. */
int store_calendar_event_get(struct store_account *acct, uint64_t id, unsigned what,
			     struct store_calendar_event *ev_r);
/* Every live event of calendar calendar_id (0: of every calendar),
 * ordered by id. Free with store_calendar_event_list_free(). */
int store_calendar_event_list(struct store_account *acct, uint64_t calendar_id, unsigned what,
			      struct store_calendar_event **list_r, size_t *count_r,
			      const char **error_r);
/* The events of calendar_id (0: of every calendar) whose range meets
 * the time range [after, before) (unix seconds UTC), through the range
 * index, ordered by id: an event ending at or before after, or starting
 * at or after before, is left out (one of no duration at after is in).
 * The caller checks the instances of recurring and floating ones. */
int store_calendar_event_range(struct store_account *acct, uint64_t calendar_id, int64_t after,
			       int64_t before, unsigned what, struct store_calendar_event **list_r,
			       size_t *count_r, const char **error_r);
/* The id of the event with uid (or with dav_name) in a calendar: 1
 * found, 0 not, -1 error. */
int store_calendar_event_find_uid(struct store_account *acct, uint64_t calendar_id,
				  const char *uid, uint64_t *id_r);
int store_calendar_event_find_dav_name(struct store_account *acct, uint64_t calendar_id,
				       const char *dav_name, uint64_t *id_r);
/* Stores a new event (every field but id, etag and modseq given, ical
 * included). Assigns id, etag and modseq. A uid or dav_name already used
 * in the calendar fails with STORE_ERR_EXISTS. */
int store_calendar_event_create(struct store_account *acct, struct store_calendar_event *ev,
				const char **error_r);
/* Replaces every stored field of ev->id (calendar included: a move);
 * sets etag and modseq. STORE_ERR_EXISTS as create. */
int store_calendar_event_update(struct store_account *acct, struct store_calendar_event *ev,
				const char **error_r);
/* Leaves a tombstone. STORE_ERR_NOT_FOUND if there is no such event. */
int store_calendar_event_destroy(struct store_account *acct, uint64_t id, const char **error_r);

#endif
