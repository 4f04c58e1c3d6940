/* CalendarEvent/set: create and destroy, and what update shares with
 * them. An event comes either as a JSCalendar object (written as
 * iCalendar) or, from the DAV face, as iCalendar text in davData (kept
 * as sent). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/calendars.h"
#include "jmap/std_private.h"

/* CalendarEvent members that are JMAP's, not the JSCalendar object's. */
static const char *const ce_jmap_props[] = {
	"id", "calendarIds", "isDraft", "isOrigin", "davName", "davEtag", "davData", NULL,
};

int ce_store_fail(struct jmap_call *call, const char *error, json_object **error_r)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s", error);
}

int ce_check_request(struct jmap_call *call, json_object **error_r)
{
	json_object *send = json_object_object_get(call->args, "sendSchedulingMessages");

	if (!json_object_get_boolean(send))
		return 0;
	*error_r = NULL;
	return jmap_call_error(call, "invalidArguments",
			       "This server sends no scheduling messages");
}

static bool ce_is_jmap_prop(const char *key)
{
	for (size_t i = 0; ce_jmap_props[i] != NULL; i++) {
		size_t len = strlen(ce_jmap_props[i]);

		if (strncmp(key, ce_jmap_props[i], len) == 0 && (key[len] == '\0' || key[len] == '/'))
			return true;
	}
	return false;
}

bool ce_has_event_members(json_object *obj)
{
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (!ce_is_jmap_prop(key))
			return true;
	}
	return false;
}

json_object *ce_event_part(json_object *obj)
{
	json_object *part = json_object_new_object();

	json_object_object_foreach(obj, key, value) {
		if (value != NULL && !ce_is_jmap_prop(key))
			json_object_object_add(part, key, json_object_get(value));
	}
	return part;
}

int ce_parse_calendar(struct jmap_call *call, json_object *value, uint64_t *calendar_r,
		      json_object **error_r)
{
	struct store_calendar cal;
	const char *id;
	int ret = 0;

	if (!json_object_is_type(value, json_type_object) || json_object_object_length(value) != 1) {
		*error_r = jmap_prop_error("calendarIds", "An event is in exactly one calendar");
		return -1;
	}
	json_object_object_foreach(value, key, flag) {
		if (!json_object_is_type(flag, json_type_boolean) || !json_object_get_boolean(flag) ||
		    (id = jmap_id_resolve(call, key)) == NULL ||
		    jmap_id_parse(CALENDAR_ID_PREFIX, id, calendar_r) < 0 ||
		    (ret = store_calendar_get(call->acct, *calendar_r, &cal)) <= 0) {
			if (ret < 0)
				return ce_store_fail(call, "calendar read failed", error_r);
			*error_r = jmap_prop_error("calendarIds", "No such calendar");
			return -1;
		}
		store_calendar_clear(&cal);
	}
	return 0;
}

int ce_parse_draft(json_object *obj, json_object **error_r)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, "isDraft", &v) || !json_object_get_boolean(v))
		return 0;
	*error_r = jmap_prop_error("isDraft", "Drafts are not kept: events are sent as they are");
	return -1;
}

/* A SetError for davData that jscalendar_ical_parse() refused with ret;
 * with the CalDAV precondition for in-process callers. */
static json_object *ce_data_error(int ret, const char *reason, bool in_process)
{
	json_object *error = jmap_prop_error("davData", reason);
	const char *precondition = ret == JSCALENDAR_TOO_LARGE ? "max-resource-size" :
				   ret == JSCALENDAR_INVALID_RESOURCE ?
				   "valid-calendar-object-resource" : "valid-calendar-data";

	if (in_process)
		json_object_object_add(error, "davPrecondition", json_object_new_string(precondition));
	return error;
}

int ce_parse_dav_data(struct jmap_call *call, json_object *value, icalcomponent **cal_r,
		      json_object **error_r)
{
	const char *error;
	int ret;

	if (!json_object_is_type(value, json_type_string)) {
		*error_r = jmap_prop_error("davData", "davData must be a String");
		return -1;
	}
	ret = jscalendar_ical_parse(json_object_get_string(value),
				    (size_t)json_object_get_string_len(value), cal_r, &error);
	if (ret == 0)
		return 0;
	*error_r = ce_data_error(ret, error, call->req->in_process);
	return -1;
}

int ce_parse_dav_name(json_object *value, char **name_r, json_object **error_r)
{
	if (!json_object_is_type(value, json_type_string) ||
	    strlen(json_object_get_string(value)) != (size_t)json_object_get_string_len(value) ||
	    !contacts_dav_name_valid(json_object_get_string(value))) {
		*error_r = jmap_prop_error("davName", "Not a valid DAV resource name");
		return -1;
	}
	free(*name_r);
	*name_r = xstrdup(json_object_get_string(value));
	return 0;
}

int ce_write_text(json_object *part, icalcomponent *old, struct store_calendar_event *ev,
		  icalcomponent **cal_r, json_object **error_r)
{
	const char *bad, *error;
	char *text;
	size_t len;
	int ret;

	if (jscalendar_to_ical(part, old, &text, &len, &bad) < 0) {
		*error_r = jmap_prop_error(bad, "Not a valid JSCalendar value");
		return -1;
	}
	/* what was written is parsed again: only a resource over the
	 * bounds fails here */
	if ((ret = jscalendar_ical_parse(text, len, cal_r, &error)) != 0) {
		free(text);
		*error_r = ret == JSCALENDAR_TOO_LARGE ? jmap_set_error("tooLarge", error, NULL) :
			   jmap_prop_error("recurrenceOverrides", error);
		return -1;
	}
	free(ev->ical);
	ev->ical = text;
	ev->ical_len = len;
	return 0;
}

void ce_set_updated_now(json_object *js, json_object *report)
{
	char now[21];

	time_format_utc(time(NULL), now);
	json_object_object_add(js, "updated", json_object_new_string(now));
	json_object_object_add(report, "updated", json_object_new_string(now));
}

/* The uid and DAV name must be free in the event's calendar (the event
 * itself aside). */
int ce_check_unique(struct jmap_call *call, const struct store_calendar_event *ev,
		    json_object **error_r)
{
	uint64_t other;
	char id[24];
	int ret;

	ret = store_calendar_event_find_uid(call->acct, ev->calendar_id, ev->uid, &other);
	if (ret > 0 && other != ev->id) {
		*error_r = jmap_set_error("alreadyExists",
					  "An event with this uid is in the calendar", NULL);
		jmap_id_format(CALENDAR_EVENT_ID_PREFIX, other, id);
		json_object_object_add(*error_r, "existingId", json_object_new_string(id));
		return -1;
	}
	if (ret == 0)
		ret = store_calendar_event_find_dav_name(call->acct, ev->calendar_id, ev->dav_name,
							 &other);
	if (ret > 0 && other != ev->id) {
		*error_r = jmap_prop_error("davName", "Another event in the calendar has this name");
		return -1;
	}
	return ret < 0 ? ce_store_fail(call, "event lookup failed", error_r) : 0;
}

/* ---- create ---- */

static char *ce_uuid(void)
{
	uint8_t b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);	/* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	return xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			 b[12], b[13], b[14], b[15]);
}

/* "<uid>.ics" when the UID makes a plain file name, else random. */
static char *ce_default_dav_name(const char *uid, bool taken)
{
	size_t len = strlen(uid);
	uint8_t bytes[8];
	char hex[sizeof(bytes) * 2 + 1];
	bool plain = !taken && len > 0 && len <= 200 && uid[0] != '.';

	for (size_t i = 0; plain && i < len; i++)
		plain = (uid[i] >= 'a' && uid[i] <= 'z') || (uid[i] >= 'A' && uid[i] <= 'Z') ||
			(uid[i] >= '0' && uid[i] <= '9') || strchr("-_.@", uid[i]) != NULL;
	if (plain)
		return xasprintf("%s.ics", uid);
	rand_bytes(bytes, sizeof(bytes));
	hex_encode(bytes, sizeof(bytes), hex);
	return xasprintf("%s.ics", hex);
}

/* Members the client did not send and the server chose. */
static int ce_create_event(struct jmap_call *call, json_object *obj, json_object *created,
			   struct store_calendar_event *ev, icalcomponent **cal_r,
			   json_object **error_r)
{
	json_object *part = ce_event_part(obj);
	char **addresses = calendar_addresses(call);
	bool origin = calendar_event_is_origin(part, addresses);
	char now[21];
	int ret;

	calendar_addresses_free(&addresses);
	json_object_object_add(created, "isOrigin", json_object_new_boolean(origin));
	json_object_object_add(created, "isDraft", json_object_new_boolean(0));

	time_format_utc(time(NULL), now);
	if (!json_object_object_get_ex(part, "uid", NULL)) {
		char *uid = ce_uuid();

		json_object_object_add(part, "uid", json_object_new_string(uid));
		json_object_object_add(created, "uid", json_object_new_string(uid));
		free(uid);
	}
	if (!json_object_object_get_ex(part, "@type", NULL))
		json_object_object_add(created, "@type", json_object_new_string("Event"));
	if (!json_object_object_get_ex(part, "created", NULL)) {
		json_object_object_add(part, "created", json_object_new_string(now));
		json_object_object_add(created, "created", json_object_new_string(now));
	}
	/* the origin sets "updated" (draft §6.3): a client's value is
	 * replaced */
	if (origin)
		ce_set_updated_now(part, created);
	ret = ce_write_text(part, NULL, ev, cal_r, error_r);
	json_object_put(part);
	return ret;
}

/* The text of the new event: davData as sent, or written from the
 * JSCalendar object. */
static int ce_create_text(struct jmap_call *call, json_object *obj, json_object *created,
			  struct store_calendar_event *ev, icalcomponent **cal_r,
			  json_object **error_r)
{
	json_object *data;

	if (!json_object_object_get_ex(obj, "davData", &data))
		return ce_create_event(call, obj, created, ev, cal_r, error_r);
	if (ce_has_event_members(obj)) {
		*error_r = jmap_prop_error("davData", "davData replaces every JSCalendar property");
		return -1;
	}
	if (ce_parse_dav_data(call, data, cal_r, error_r) < 0)
		return -1;
	ev->ical = xstrdup(json_object_get_string(data));
	ev->ical_len = (size_t)json_object_get_string_len(data);
	return 0;
}

static int ce_create_names(struct jmap_call *call, json_object *obj, icalcomponent *cal,
			   struct store_calendar_event *ev, json_object **error_r)
{
	json_object *name;
	uint64_t other;

	ev->uid = xstrdup(icalcomponent_get_uid(jscalendar_ical_main(cal)));
	if (json_object_object_get_ex(obj, "davName", &name) && name != NULL)
		return ce_parse_dav_name(name, &ev->dav_name, error_r);
	ev->dav_name = ce_default_dav_name(ev->uid, false);
	if (store_calendar_event_find_dav_name(call->acct, ev->calendar_id, ev->dav_name,
					       &other) > 0) {
		free(ev->dav_name);
		ev->dav_name = ce_default_dav_name(ev->uid, true);
	}
	return 0;
}

static int ce_create_store(struct jmap_call *call, struct store_calendar_event *ev,
			   json_object *created, json_object **error_r)
{
	const char *error;
	char id[24];

	if (ce_check_unique(call, ev, error_r) < 0)
		return -1;
	if (store_calendar_event_create(call->acct, ev, &error) < 0)
		return ce_store_fail(call, error, error_r);
	jmap_id_format(CALENDAR_EVENT_ID_PREFIX, ev->id, id);
	json_object_object_add(created, "id", json_object_new_string(id));
	if (call->req->in_process) {
		json_object_object_add(created, "davName", json_object_new_string(ev->dav_name));
		json_object_object_add(created, "davEtag", json_object_new_string(ev->etag));
	}
	return 0;
}

static int ce_create_checks(struct jmap_call *call, json_object *obj,
			    struct store_calendar_event *ev, json_object **error_r)
{
	const char *dav = contacts_dav_prop_used(call, obj, calendar_event_dav_props);
	json_object *cals = NULL;

	if (calendar_ensure_default(call) < 0 || ce_check_request(call, error_r) < 0) {
		*error_r = NULL;
		return -1;
	}
	if (dav != NULL) {
		*error_r = jmap_prop_error(dav, NULL);
		return -1;
	}
	if (!json_object_object_get_ex(obj, "calendarIds", &cals) || cals == NULL) {
		*error_r = jmap_prop_error("calendarIds", "calendarIds is required");
		return -1;
	}
	if (ce_parse_calendar(call, cals, &ev->calendar_id, error_r) < 0 ||
	    ce_parse_draft(obj, error_r) < 0)
		return -1;
	return 0;
}

static int ce_create_run(struct jmap_call *call, json_object *obj, json_object *created,
			 struct store_calendar_event *ev, json_object **error_r)
{
	icalcomponent *cal = NULL;
	int ret = -1;

	if (ce_create_checks(call, obj, ev, error_r) == 0 &&
	    ce_create_text(call, obj, created, ev, &cal, error_r) == 0 &&
	    ce_create_names(call, obj, cal, ev, error_r) == 0) {
		calendar_event_index(cal, ev, time(NULL));
		ret = ce_create_store(call, ev, created, error_r);
	}
	if (cal != NULL)
		icalcomponent_free(cal);
	return ret;
}

int jmap_calendar_event_create(struct jmap_call *call, const char *creation_id,
			       json_object *obj, json_object **created_r, json_object **error_r)
{
	struct store_calendar_event ev = { 0 };
	json_object *created = json_object_new_object();
	int ret;

	(void)creation_id;
	ret = ce_create_run(call, obj, created, &ev, error_r);
	store_calendar_event_clear(&ev);
	if (ret < 0) {
		json_object_put(created);
		return -1;
	}
	*created_r = created;
	return 0;
}

/* ---- destroy ---- */

int jmap_calendar_event_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	const char *error;
	uint64_t n;

	if (ce_check_request(call, error_r) < 0)
		return -1;
	if (jmap_id_parse(CALENDAR_EVENT_ID_PREFIX, id, &n) < 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (store_calendar_event_destroy(call->acct, n, &error) == 0)
		return 0;
	if (store_last_error() == STORE_ERR_NOT_FOUND) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	return ce_store_fail(call, error, error_r);
}
