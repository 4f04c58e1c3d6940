/* Calendar/set (draft-ietf-jmap-calendars §5.3): names, colours, time
 * zones, default alerts, the default calendar (onSuccessSetIsDefault;
 * the default is not destroyed unless another takes its place), and
 * onDestroyRemoveEvents. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "core/hash.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "jmap/calendars.h"
#include "jmap/patch.h"
#include "jmap/std_private.h"

/* The draft: a name is 1 to 255 octets. */
#define CALENDAR_NAME_MAX 255
#define CALENDAR_TEXT_MAX 65536
#define CALENDAR_ALERTS_MAX 64

static const char *const calendar_dav_props[] = { "davName", "davProperties", NULL };

static int cal_store_fail(struct jmap_call *call, const char *error, json_object **error_r)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s", error);
}

static bool cal_string(json_object *v, size_t max)
{
	return json_object_is_type(v, json_type_string) &&
	       strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v) &&
	       (size_t)json_object_get_string_len(v) <= max &&
	       g_utf8_validate(json_object_get_string(v), -1, NULL);
}

/* Sets *field to a copy of member name (NULL for null) if present. */
static int cal_parse_text(json_object *obj, const char *name, size_t max, bool nullable,
			  char **field, json_object **error_r)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v))
		return 0;
	if ((v == NULL && !nullable) || (v != NULL && !cal_string(v, max))) {
		*error_r = jmap_prop_error(name, NULL);
		return -1;
	}
	free(*field);
	*field = v != NULL ? xstrdup(json_object_get_string(v)) : NULL;
	return 0;
}

/* CSS Color Module Level 3: a colour name, or #rgb / #rrggbb (with the
 * alpha CalDAV clients add, #rrggbbaa). */
static bool cal_color_valid(const char *s)
{
	size_t len = strlen(s);

	if (s[0] == '#') {
		if (len != 4 && len != 7 && len != 9)
			return false;
		for (size_t i = 1; i < len; i++) {
			if (!g_ascii_isxdigit(s[i]))
				return false;
		}
		return true;
	}
	if (len == 0 || len > 32)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalpha(s[i]))
			return false;
	}
	return true;
}

static int cal_parse_strings(json_object *obj, struct store_calendar *cal,
			     json_object **error_r)
{
	static const char *const availability[] = { "all", "attending", "none", NULL };
	char *avail = NULL;
	bool ok = false;

	if (cal_parse_text(obj, "name", CALENDAR_NAME_MAX, false, &cal->name, error_r) < 0 ||
	    cal_parse_text(obj, "description", CALENDAR_TEXT_MAX, true, &cal->description,
			   error_r) < 0 ||
	    cal_parse_text(obj, "color", 64, true, &cal->color, error_r) < 0 ||
	    cal_parse_text(obj, "timeZone", 256, true, &cal->time_zone, error_r) < 0)
		return -1;
	if (cal->name != NULL && *cal->name == '\0') {
		*error_r = jmap_prop_error("name", "name must be 1 to 255 octets of UTF-8");
		return -1;
	}
	if (cal->color != NULL && !cal_color_valid(cal->color)) {
		*error_r = jmap_prop_error("color", "Not a CSS colour");
		return -1;
	}
	if (cal->time_zone != NULL && jscalendar_zone(cal->time_zone) == NULL) {
		*error_r = jmap_prop_error("timeZone", "Unknown time zone");
		return -1;
	}
	if (cal_parse_text(obj, "includeInAvailability", 16, true, &avail, error_r) < 0)
		return -1;
	for (size_t i = 0; avail != NULL && availability[i] != NULL; i++)
		ok = ok || strcmp(avail, availability[i]) == 0;
	if (avail != NULL && !ok) {
		free(avail);
		*error_r = jmap_prop_error("includeInAvailability", NULL);
		return -1;
	}
	if (avail != NULL) {
		free(cal->include_in_availability);
		cal->include_in_availability = avail;
	}
	return 0;
}

/* Default alerts: null, or a map of Alert objects (kept as sent). */
static int cal_parse_alerts(json_object *obj, const char *name, char **field,
			    json_object **error_r)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v))
		return 0;
	if (v != NULL && (!json_object_is_type(v, json_type_object) ||
			  json_object_object_length(v) > CALENDAR_ALERTS_MAX)) {
		*error_r = jmap_prop_error(name, "Not a map of at most 64 alerts");
		return -1;
	}
	if (v != NULL) {
		json_object_object_foreach(v, id, alert) {
			if (!json_object_is_type(alert, json_type_object) || !jmap_id_valid(id) ||
			    !json_object_is_type(json_object_object_get(alert, "trigger"),
						 json_type_object)) {
				*error_r = jmap_prop_error(name, "Not a map of Alert objects");
				return -1;
			}
		}
	}
	free(*field);
	*field = v != NULL ? xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)) :
			     NULL;
	return 0;
}

static int cal_parse_scalars(json_object *obj, struct store_calendar *cal,
			     json_object **error_r)
{
	json_object *v;

	if (json_object_object_get_ex(obj, "sortOrder", &v) && v != NULL) {
		int64_t order = json_object_get_int64(v);

		if (order < 0 || order >= (1LL << 31)) {
			*error_r = jmap_prop_error("sortOrder", "sortOrder must be in 0..2^31-1");
			return -1;
		}
		cal->sort_order = (uint32_t)order;
	}
	if (json_object_object_get_ex(obj, "isSubscribed", &v) && v != NULL)
		cal->is_subscribed = json_object_get_boolean(v);
	if (json_object_object_get_ex(obj, "isVisible", &v) && v != NULL)
		cal->is_visible = json_object_get_boolean(v);
	if (json_object_object_get_ex(obj, "shareWith", &v) && v != NULL) {
		*error_r = jmap_set_error("forbidden", "Calendars are not shared", NULL);
		return -1;
	}
	return 0;
}

/* davName: a null keeps what there is (or makes one up on create). */
static int cal_parse_dav(json_object *obj, struct store_calendar *cal, json_object **error_r)
{
	json_object *v;

	if (json_object_object_get_ex(obj, "davName", &v) && v != NULL) {
		if (!cal_string(v, 255) || !contacts_dav_name_valid(json_object_get_string(v))) {
			*error_r = jmap_prop_error("davName", "Not a valid DAV collection name");
			return -1;
		}
		free(cal->dav_name);
		cal->dav_name = xstrdup(json_object_get_string(v));
	}
	if (json_object_object_get_ex(obj, "davProperties", &v)) {
		free(cal->dead_props);
		cal->dead_props = v != NULL ? xstrdup(json_object_to_json_string_ext(
			v, JSON_C_TO_STRING_PLAIN)) : NULL;
	}
	return 0;
}

/* What an HTTP caller sent must not name a urn:tern:dav property. */
static int cal_dav_check(struct jmap_call *call, json_object *sent, json_object **error_r)
{
	const char *dav = contacts_dav_prop_used(call, sent, calendar_dav_props);

	if (dav == NULL)
		return 0;
	*error_r = jmap_prop_error(dav, NULL);
	return -1;
}

static int cal_parse(json_object *obj, struct store_calendar *cal, json_object **error_r)
{
	if (cal_parse_strings(obj, cal, error_r) < 0 || cal_parse_scalars(obj, cal, error_r) < 0 ||
	    cal_parse_alerts(obj, "defaultAlertsWithTime", &cal->default_alerts_with_time,
			     error_r) < 0 ||
	    cal_parse_alerts(obj, "defaultAlertsWithoutTime", &cal->default_alerts_without_time,
			     error_r) < 0 ||
	    cal_parse_dav(obj, cal, error_r) < 0)
		return -1;
	return 0;
}

static char *cal_random_dav_name(void)
{
	uint8_t bytes[8];
	char hex[sizeof(bytes) * 2 + 1];

	rand_bytes(bytes, sizeof(bytes));
	hex_encode(bytes, sizeof(bytes), hex);
	return xstrdup(hex);
}

/* The current default's id, 0 if none. */
static int cal_current_default(struct jmap_call *call, uint64_t *id_r, const char **error_r)
{
	struct store_calendar *list;
	size_t count;

	if (store_calendar_list(call->acct, &list, &count, error_r) < 0)
		return -1;
	*id_r = 0;
	for (size_t i = 0; i < count; i++) {
		if (list[i].is_default)
			*id_r = list[i].id;
	}
	store_calendar_list_free(&list, count);
	return 0;
}

static json_object *cal_created_json(const struct store_calendar *cal, json_object *sent,
				     bool in_process)
{
	json_object *obj = calendar_to_json(cal);

	json_object_object_foreach(sent, key, value) {
		(void)value;
		json_object_object_del(obj, key);
	}
	if (!in_process) {
		json_object_object_del(obj, "davName");
		json_object_object_del(obj, "davProperties");
	}
	return obj;
}

/* The first calendar becomes the default. */
static int cal_create_store(struct jmap_call *call, struct store_calendar *cal,
			    json_object **error_r)
{
	const char *error;
	uint64_t current;

	if (cal_current_default(call, &current, &error) < 0)
		return cal_store_fail(call, error, error_r);
	cal->is_default = current == 0;
	if (cal->dav_name == NULL)
		cal->dav_name = cal_random_dav_name();
	if (store_calendar_create(call->acct, cal, &error) == 0)
		return 0;
	if (store_last_error() == STORE_ERR_EXISTS) {
		*error_r = jmap_prop_error("davName", "Another calendar has this DAV name");
		return -1;
	}
	return cal_store_fail(call, error, error_r);
}

int jmap_calendar_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			 json_object **created_r, json_object **error_r)
{
	struct store_calendar cal = {
		.is_subscribed = true, .is_visible = true, .include_in_availability = xstrdup("all"),
	};
	int ret = -1;

	(void)creation_id;
	if (cal_dav_check(call, obj, error_r) < 0 || cal_parse(obj, &cal, error_r) < 0)
		goto out;
	if (cal.name == NULL) {
		*error_r = jmap_prop_error("name", "name is required");
		goto out;
	}
	if (cal_create_store(call, &cal, error_r) < 0)
		goto out;
	*created_r = cal_created_json(&cal, obj, call->req->in_process);
	ret = 0;
out:
	store_calendar_clear(&cal);
	return ret;
}

static int cal_find(struct jmap_call *call, const char *id, struct store_calendar *cal_r,
		    json_object **error_r)
{
	uint64_t n;
	int ret;

	if (jmap_id_parse(CALENDAR_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_calendar_get(call->acct, n, cal_r)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (ret < 0)
		return cal_store_fail(call, "calendar read failed", error_r);
	return 0;
}

static int cal_update_store(struct jmap_call *call, const struct store_calendar *old,
			    struct store_calendar *cal, json_object **error_r)
{
	json_object *before = calendar_to_json(old), *after = calendar_to_json(cal);
	bool same = json_object_equal(before, after);
	const char *error;
	int ret = 0;

	json_object_put(before);
	json_object_put(after);
	if (same)
		return 0;
	if (store_calendar_update(call->acct, cal, &error) == 0)
		return 0;
	if (store_last_error() == STORE_ERR_EXISTS) {
		*error_r = jmap_prop_error("davName", "Another calendar has this DAV name");
		ret = -1;
	} else {
		ret = cal_store_fail(call, error, error_r);
	}
	return ret;
}

/* The patched object says what every property becomes; one patched to
 * null is left out of it and takes its default. */
static int cal_update_apply(struct jmap_call *call, const struct store_calendar *old,
			    json_object *patch, json_object **error_r)
{
	struct store_calendar cal = {
		.id = old->id, .is_subscribed = true, .is_visible = true, .is_default = old->is_default,
		.dav_name = xstrdup(old->dav_name), .include_in_availability = xstrdup("all"),
	};
	json_object *obj = calendar_to_json(old);
	const char *bad_path;
	int ret = -1;

	if (jmap_patch_apply(obj, patch, &bad_path) < 0)
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
	else if (cal_dav_check(call, patch, error_r) == 0 && cal_parse(obj, &cal, error_r) == 0) {
		if (cal.name == NULL)
			*error_r = jmap_prop_error("name", "name cannot be null");
		else
			ret = cal_update_store(call, old, &cal, error_r);
	}
	json_object_put(obj);
	store_calendar_clear(&cal);
	return ret;
}

int jmap_calendar_update(struct jmap_call *call, const char *id, json_object *patch,
			 json_object **updated_r, json_object **error_r)
{
	struct store_calendar old = { 0 };
	int ret;

	*updated_r = NULL;
	if (cal_find(call, id, &old, error_r) < 0)
		return -1;
	ret = cal_update_apply(call, &old, patch, error_r);
	store_calendar_clear(&old);
	return ret;
}

/* The default may go only when onSuccessSetIsDefault names another
 * existing calendar. */
static bool cal_default_moves_away(struct jmap_call *call, uint64_t id)
{
	json_object *target = json_object_object_get(call->args, "onSuccessSetIsDefault");
	struct store_calendar other;
	const char *resolved;
	uint64_t n;

	if (!json_object_is_type(target, json_type_string) ||
	    (resolved = jmap_id_resolve(call, json_object_get_string(target))) == NULL ||
	    jmap_id_parse(CALENDAR_ID_PREFIX, resolved, &n) < 0 || n == id ||
	    store_calendar_get(call->acct, n, &other) <= 0)
		return false;
	store_calendar_clear(&other);
	return true;
}

static int cal_destroy_check(struct jmap_call *call, const struct store_calendar *cal,
			     json_object **error_r)
{
	json_object *remove = json_object_object_get(call->args, "onDestroyRemoveEvents");
	const char *error;
	uint64_t events;

	if (cal->is_default && !cal_default_moves_away(call, cal->id)) {
		*error_r = jmap_set_error("forbidden", "The default calendar stays unless "
					  "onSuccessSetIsDefault names another", NULL);
		return -1;
	}
	if (store_calendar_event_count(call->acct, cal->id, &events, &error) < 0)
		return cal_store_fail(call, error, error_r);
	if (events > 0 && !json_object_get_boolean(remove)) {
		*error_r = jmap_set_error("calendarHasEvent", NULL, NULL);
		return -1;
	}
	if (events > 0)
		call->changed_types |= 1ULL << STORE_TYPE_CALENDAR_EVENT;
	return 0;
}

int jmap_calendar_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_calendar cal = { 0 };
	const char *error;
	int ret = -1;

	if (cal_find(call, id, &cal, error_r) < 0)
		return -1;
	if (cal_destroy_check(call, &cal, error_r) == 0) {
		if (store_calendar_destroy(call->acct, cal.id, &error) < 0)
			cal_store_fail(call, error, error_r);
		else
			ret = 0;
	}
	store_calendar_clear(&cal);
	return ret;
}

/* ---- onSuccessSetIsDefault ---- */

static bool cal_set_all_succeeded(json_object *resp)
{
	return json_object_object_get(resp, "notCreated") == NULL &&
	       json_object_object_get(resp, "notUpdated") == NULL &&
	       json_object_object_get(resp, "notDestroyed") == NULL;
}

/* Reports isDefault of id: in its "created" object if it was created by
 * this call, else in "updated". */
static void cal_report_default(json_object *resp, const char *id, bool value)
{
	json_object *created = json_object_object_get(resp, "created"), *updated, *entry;

	if (created != NULL) {
		json_object_object_foreach(created, cid, obj) {
			(void)cid;
			if (strcmp(json_object_get_string(json_object_object_get(obj, "id")), id) == 0) {
				json_object_object_add(obj, "isDefault", json_object_new_boolean(value));
				return;
			}
		}
	}
	if ((updated = json_object_object_get(resp, "updated")) == NULL) {
		updated = json_object_new_object();
		json_object_object_add(resp, "updated", updated);
	}
	if ((entry = json_object_object_get(updated, id)) == NULL) {
		entry = json_object_new_object();
		json_object_object_add(updated, id, entry);
	}
	json_object_object_add(entry, "isDefault", json_object_new_boolean(value));
}

/* The draft: an id that is not found is ignored, with no error. */
static int cal_apply_default(struct jmap_call *call, const char *target)
{
	const char *id = jmap_id_resolve(call, target), *error;
	struct store_calendar cal;
	uint64_t n, old;
	char old_id[24], state[24];

	if (id == NULL || jmap_id_parse(CALENDAR_ID_PREFIX, id, &n) < 0 ||
	    store_calendar_get(call->acct, n, &cal) <= 0)
		return 0;
	store_calendar_clear(&cal);
	if (cal_current_default(call, &old, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (old == n)
		return 0;
	if (store_calendar_set_default(call->acct, n, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	call->changed_types |= 1ULL << STORE_TYPE_CALENDAR;
	cal_report_default(call->response, id, true);
	if (old != 0) {
		jmap_id_format(CALENDAR_ID_PREFIX, old, old_id);
		cal_report_default(call->response, old_id, false);
	}
	jmap_std_state(call, state);
	json_object_object_add(call->response, "newState", json_object_new_string(state));
	return 0;
}

/* The arguments less a null onSuccessSetIsDefault (Id|null), which the
 * standard argument check would take for a wrong type. */
static json_object *cal_args_without_null_default(json_object *args)
{
	json_object *copy = json_object_new_object();

	json_object_object_foreach(args, key, value) {
		if (strcmp(key, "onSuccessSetIsDefault") != 0 || value != NULL)
			json_object_object_add(copy, key, json_object_get(value));
	}
	return copy;
}

int jmap_calendar_set(struct jmap_call *call)
{
	json_object *args = call->args, *target = NULL;
	int ret;

	if (calendar_ensure_default(call) < 0)
		return -1;
	json_object_object_get_ex(args, "onSuccessSetIsDefault", &target);
	call->args = cal_args_without_null_default(args);
	ret = jmap_std_set(call);
	json_object_put(call->args);
	call->args = args;
	if (ret == 0 && json_object_is_type(target, json_type_string) &&
	    cal_set_all_succeeded(call->response))
		ret = cal_apply_default(call, json_object_get_string(target));
	return ret;
}
