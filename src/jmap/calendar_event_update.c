/* CalendarEvent/set update: a patch to the JSCalendar object writes the
 * iCalendar text again from the patched object, keeping what the
 * conversion does not know of the old text (jscalendar_keep.c); davData
 * replaces the text as a whole; a new calendarIds moves the event. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/calendars.h"
#include "jmap/patch.h"

/* Per-user properties (draft §6.1.3): changing them alone is no change
 * of the event for its sequence. */
static const char *const ce_per_user[] = {
	"keywords", "color", "freeBusyStatus", "useDefaultAlerts", "alerts", "updated", "sequence",
	NULL,
};

struct ce_update {
	struct jmap_call *call;
	struct store_calendar_event *ev;	/* the stored event, changed in place */
	json_object *patch;
	icalcomponent *old_cal;		/* its parsed text */
	icalcomponent *new_cal;		/* the new text's, when it changed */
	json_object *old_full;		/* the CalendarEvent before the patch */
	json_object *full;		/* and after it */
	json_object *report;		/* what changed other than as asked */
	char **addresses;
	bool text_changed, place_changed;
};

static int ce_update_dav_data(struct ce_update *u, json_object **error_r)
{
	json_object *data = json_object_object_get(u->full, "davData");
	icalcomponent *cal;
	const char *uid;

	if (ce_has_event_members(u->patch)) {
		*error_r = jmap_prop_error("davData", "davData replaces every JSCalendar property");
		return -1;
	}
	if (ce_parse_dav_data(u->call, data, &cal, error_r) < 0)
		return -1;
	uid = icalcomponent_get_uid(jscalendar_ical_main(cal));
	if (uid == NULL || strcmp(uid, u->ev->uid) != 0) {
		icalcomponent_free(cal);
		*error_r = jmap_prop_error("davData", "The UID of an event cannot change");
		return -1;
	}
	if ((size_t)json_object_get_string_len(data) == u->ev->ical_len &&
	    memcmp(json_object_get_string(data), u->ev->ical, u->ev->ical_len) == 0) {
		icalcomponent_free(cal);
		return 0;
	}
	free(u->ev->ical);
	u->ev->ical = xstrdup(json_object_get_string(data));
	u->ev->ical_len = (size_t)json_object_get_string_len(data);
	u->new_cal = cal;
	u->text_changed = true;
	return 0;
}

static bool ce_is_per_user(const char *key)
{
	for (size_t i = 0; ce_per_user[i] != NULL; i++) {
		if (strcmp(ce_per_user[i], key) == 0)
			return true;
	}
	return false;
}

/* obj less its per-user members (new reference, values shared). */
static json_object *ce_shared_part(json_object *obj)
{
	json_object *shared = json_object_new_object();

	json_object_object_foreach(obj, key, value) {
		if (!ce_is_per_user(key))
			json_object_object_add(shared, key, json_object_get(value));
	}
	return shared;
}

/* Whether before and after differ in more than one user's view. */
static bool ce_shared_change(json_object *before, json_object *after)
{
	json_object *a = ce_shared_part(after), *b = ce_shared_part(before);
	bool changed = !json_object_equal(a, b);

	json_object_put(a);
	json_object_put(b);
	return changed;
}

/* The origin moves "updated" to now and, for a change of the event the
 * patch did not number, "sequence" on by one (draft §6.3). */
static void ce_update_origin(struct ce_update *u, json_object *before, json_object *after)
{
	json_object *seq;
	int64_t old_seq = 0, new_seq = 0;

	if (!calendar_event_is_origin(after, u->addresses))
		return;
	ce_set_updated_now(after, u->report);
	if (!ce_shared_change(before, after))
		return;
	if (json_object_object_get_ex(before, "sequence", &seq))
		old_seq = json_object_get_int64(seq);
	if (json_object_object_get_ex(after, "sequence", &seq))
		new_seq = json_object_get_int64(seq);
	if (new_seq > old_seq)
		return;
	json_object_object_add(after, "sequence", json_object_new_int64(old_seq + 1));
	json_object_object_add(u->report, "sequence", json_object_new_int64(old_seq + 1));
}

static int ce_update_event(struct ce_update *u, json_object **error_r)
{
	json_object *before = ce_event_part(u->old_full), *after = ce_event_part(u->full);
	int ret = 0;

	if (!json_object_equal(before, after)) {
		ce_update_origin(u, before, after);
		ret = ce_write_text(after, u->old_cal, u->ev, &u->new_cal, error_r);
		u->text_changed = ret == 0;
	}
	json_object_put(before);
	json_object_put(after);
	return ret;
}

static int ce_update_place(struct ce_update *u, json_object **error_r)
{
	json_object *cals = json_object_object_get(u->full, "calendarIds");
	json_object *name = json_object_object_get(u->full, "davName");
	uint64_t calendar;

	if (ce_parse_calendar(u->call, cals, &calendar, error_r) < 0)
		return -1;
	if (calendar != u->ev->calendar_id) {
		u->ev->calendar_id = calendar;
		u->place_changed = true;
	}
	if (name == NULL || strcmp(json_object_get_string(name), u->ev->dav_name) == 0)
		return 0;
	u->place_changed = true;
	return ce_parse_dav_name(name, &u->ev->dav_name, error_r);
}

static int ce_update_store(struct ce_update *u, json_object **error_r)
{
	const char *error;

	if (!u->text_changed && !u->place_changed)
		return 0;
	if (u->place_changed && ce_check_unique(u->call, u->ev, error_r) < 0)
		return -1;
	if (u->text_changed)
		calendar_event_index(u->new_cal, u->ev, time(NULL));
	if (store_calendar_event_update(u->call->acct, u->ev, &error) < 0)
		return ce_store_fail(u->call, error, error_r);
	if (u->call->req->in_process)
		json_object_object_add(u->report, "davEtag", json_object_new_string(u->ev->etag));
	return 0;
}

static int ce_update_prepare(struct ce_update *u, json_object **error_r)
{
	const char *dav = contacts_dav_prop_used(u->call, u->patch, calendar_event_dav_props);
	const char *error;

	if (ce_check_request(u->call, error_r) < 0)
		return -1;
	if (dav != NULL) {
		*error_r = jmap_prop_error(dav, NULL);
		return -1;
	}
	if (jscalendar_ical_parse(u->ev->ical, u->ev->ical_len, &u->old_cal, &error) != 0)
		return ce_store_fail(u->call, "a stored event does not parse", error_r);
	u->addresses = calendar_addresses(u->call);
	u->old_full = calendar_event_to_json(u->ev, u->old_cal, u->addresses, true);
	return 0;
}

static int ce_update_run(struct ce_update *u, json_object **error_r)
{
	const char *bad_path;

	if (ce_update_prepare(u, error_r) < 0)
		return -1;
	if (json_object_deep_copy(u->old_full, &u->full, NULL) != 0)
		return ce_store_fail(u->call, "out of memory", error_r);
	if (jmap_patch_apply(u->full, u->patch, &bad_path) < 0) {
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
		return -1;
	}
	if (ce_parse_draft(u->full, error_r) < 0)
		return -1;
	if (json_object_object_get_ex(u->patch, "davData", NULL) ?
	    ce_update_dav_data(u, error_r) < 0 : ce_update_event(u, error_r) < 0)
		return -1;
	if (ce_update_place(u, error_r) < 0)
		return -1;
	return ce_update_store(u, error_r);
}

static void ce_update_free(struct ce_update *u)
{
	json_object_put(u->report);
	json_object_put(u->old_full);
	json_object_put(u->full);
	if (u->old_cal != NULL)
		icalcomponent_free(u->old_cal);
	if (u->new_cal != NULL)
		icalcomponent_free(u->new_cal);
	calendar_addresses_free(&u->addresses);
}

int jmap_calendar_event_update(struct jmap_call *call, const char *id, json_object *patch,
			       json_object **updated_r, json_object **error_r)
{
	struct store_calendar_event ev = { 0 };
	struct ce_update u = {
		.call = call, .ev = &ev, .patch = patch, .report = json_object_new_object(),
	};
	uint64_t n;
	int ret = -1;

	*updated_r = NULL;
	if (jmap_id_parse(CALENDAR_EVENT_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_calendar_event_get(call->acct, n, STORE_EVENT_WITH_ICAL, &ev)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		ret = -1;
	} else if (ret < 0) {
		ce_store_fail(call, "event read failed", error_r);
	} else if ((ret = ce_update_run(&u, error_r)) == 0 &&
		   json_object_object_length(u.report) > 0) {
		*updated_r = json_object_get(u.report);
	}
	ce_update_free(&u);
	store_calendar_event_clear(&ev);
	return ret;
}
