/* Calendar (draft-ietf-jmap-calendars §5): the type, Calendar/get, the
 * default calendar of an account, and the calendars capability. */
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/log.h"
#include "jmap/calendars.h"

#define CALENDAR_ALERTS(name) { name, JMAP_KIND_OBJECT, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED }

static const struct jmap_prop calendar_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "name", JMAP_KIND_STRING, 0 },
	{ "description", JMAP_KIND_STRING, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "color", JMAP_KIND_STRING, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "sortOrder", JMAP_KIND_UINT, JMAP_PROP_DEFAULTED },
	{ "isSubscribed", JMAP_KIND_BOOL, JMAP_PROP_DEFAULTED },
	{ "isVisible", JMAP_KIND_BOOL, JMAP_PROP_DEFAULTED },
	{ "isDefault", JMAP_KIND_BOOL, JMAP_PROP_SERVER_SET },
	{ "includeInAvailability", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	CALENDAR_ALERTS("defaultAlertsWithTime"),
	CALENDAR_ALERTS("defaultAlertsWithoutTime"),
	{ "timeZone", JMAP_KIND_STRING, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "shareWith", JMAP_KIND_OBJECT, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "myRights", JMAP_KIND_OBJECT, JMAP_PROP_SERVER_SET },
	{ "davName", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_DEFAULTED },
	{ "davProperties", JMAP_KIND_OBJECT, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_NULLABLE },
	{ NULL, 0, 0 },
};

static const char *const calendar_dav_props[] = { "davName", "davProperties", NULL };

static const struct jmap_arg calendar_set_args[] = {
	{ "onDestroyRemoveEvents", json_type_boolean, false },
	{ "onSuccessSetIsDefault", json_type_string, false },
	{ NULL, 0, false },
};

json_object *jmap_calendars_account_capability(const struct jmap_server *srv,
					       uint32_t account_id)
{
	json_object *value = json_object_new_object();

	(void)srv;
	(void)account_id;
	/* an event is one DAV resource: it lives in exactly one calendar */
	json_object_object_add(value, "maxCalendarsPerEvent", json_object_new_int(1));
	json_object_object_add(value, "minDateTime", json_object_new_string("0001-01-01T00:00:00"));
	json_object_object_add(value, "maxDateTime", json_object_new_string("9999-12-31T23:59:59"));
	json_object_object_add(value, "maxExpandedQueryDuration", json_object_new_string("P366D"));
	json_object_object_add(value, "maxParticipantsPerEvent",
			       json_object_new_int(JSCALENDAR_MAX_PARTICIPANTS));
	json_object_object_add(value, "mayCreateCalendar", json_object_new_boolean(1));
	return value;
}

/* The account is the user's own and nothing is shared: every right but
 * mayAdmin (shareWith stays null). */
static json_object *calendar_rights_json(void)
{
	static const char *const granted[] = {
		"mayReadFreeBusy", "mayReadItems", "mayWriteAll", "mayWriteOwn", "mayUpdatePrivate",
		"mayRSVP", "mayDelete", NULL,
	};
	json_object *rights = json_object_new_object();

	for (size_t i = 0; granted[i] != NULL; i++)
		json_object_object_add(rights, granted[i], json_object_new_boolean(1));
	json_object_object_add(rights, "mayAdmin", json_object_new_boolean(0));
	return rights;
}

static json_object *calendar_string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static json_object *calendar_json_or_null(const char *text)
{
	return text != NULL ? json_tokener_parse(text) : NULL;
}

json_object *calendar_to_json(const struct store_calendar *cal)
{
	json_object *obj = json_object_new_object();
	char id[24];

	jmap_id_format(CALENDAR_ID_PREFIX, cal->id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "name", json_object_new_string(cal->name));
	json_object_object_add(obj, "description", calendar_string_or_null(cal->description));
	json_object_object_add(obj, "color", calendar_string_or_null(cal->color));
	json_object_object_add(obj, "sortOrder", json_object_new_int64(cal->sort_order));
	json_object_object_add(obj, "isSubscribed", json_object_new_boolean(cal->is_subscribed));
	json_object_object_add(obj, "isVisible", json_object_new_boolean(cal->is_visible));
	json_object_object_add(obj, "isDefault", json_object_new_boolean(cal->is_default));
	json_object_object_add(obj, "includeInAvailability",
			       json_object_new_string(cal->include_in_availability));
	json_object_object_add(obj, "defaultAlertsWithTime",
			       calendar_json_or_null(cal->default_alerts_with_time));
	json_object_object_add(obj, "defaultAlertsWithoutTime",
			       calendar_json_or_null(cal->default_alerts_without_time));
	json_object_object_add(obj, "timeZone", calendar_string_or_null(cal->time_zone));
	json_object_object_add(obj, "shareWith", NULL);
	json_object_object_add(obj, "myRights", calendar_rights_json());
	json_object_object_add(obj, "davName", json_object_new_string(cal->dav_name));
	json_object_object_add(obj, "davProperties", calendar_json_or_null(cal->dead_props));
	return obj;
}

int calendar_provision(struct store_account *acct, bool *created_r, const char **error_r)
{
	struct store_calendar cal = {
		.name = (char *)"Calendar",
		.dav_name = (char *)"default",
		.include_in_availability = (char *)"all",
		.is_default = true,
		.is_subscribed = true,
		.is_visible = true,
	};

	*created_r = false;
	if (store_type_state(acct, STORE_TYPE_CALENDAR) != 0)
		return 0;
	if (store_calendar_create(acct, &cal, error_r) < 0)
		return -1;
	*created_r = true;
	return 0;
}

/* A read-only method swaps its read transaction for a write one for the
 * time of the creation, and announces the change itself. */
static int calendar_ensure_in_own_txn(struct jmap_call *call)
{
	const char *error;
	bool created = false;
	int ret;

	store_txn_rollback(call->acct);
	ret = store_txn_begin(call->acct, true, &error);
	if (ret == 0 && (ret = calendar_provision(call->acct, &created, &error)) == 0)
		ret = store_txn_commit(call->acct, &error);
	else
		store_txn_rollback(call->acct);
	if (ret < 0 || store_txn_begin(call->acct, false, &error) < 0)
		return jmap_call_error(call, "serverFail", "default calendar: %s", error);
	if (created) {
		struct bus_event event = {
			.account_id = call->account_id,
			.types = 1ULL << STORE_TYPE_CALENDAR,
			.modseq = store_modseq_current(call->acct),
		};

		bus_publish(&event);
		log_info("calendars.default_calendar", "account=%u", call->account_id);
	}
	return 0;
}

int calendar_ensure_default(struct jmap_call *call)
{
	const char *error;
	bool created;

	if (store_type_state(call->acct, STORE_TYPE_CALENDAR) != 0)
		return 0;
	if ((call->def->flags & JMAP_METHOD_WRITE) == 0)
		return calendar_ensure_in_own_txn(call);
	if (calendar_provision(call->acct, &created, &error) < 0)
		return jmap_call_error(call, "serverFail", "default calendar: %s", error);
	if (created)
		call->changed_types |= 1ULL << STORE_TYPE_CALENDAR;
	return 0;
}

static void calendar_get_one(struct jmap_get *get, const struct store_calendar *list,
			     size_t count, const char *id)
{
	uint64_t n;

	if (jmap_id_parse(CALENDAR_ID_PREFIX, id, &n) == 0) {
		for (size_t i = 0; i < count; i++) {
			if (list[i].id == n) {
				json_object_array_add(get->list, calendar_to_json(&list[i]));
				return;
			}
		}
	}
	json_object_array_add(get->not_found, json_object_new_string(id));
}

static int jmap_calendar_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_calendar *list;
	const char *error;
	size_t count;

	if (contacts_check_dav_get(call, get, calendar_dav_props) < 0 ||
	    calendar_ensure_default(call) < 0)
		return -1;
	if (store_calendar_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (get->ids == NULL) {
		for (size_t i = 0; i < count; i++)
			json_object_array_add(get->list, calendar_to_json(&list[i]));
	} else {
		size_t n = json_object_array_length(get->ids);

		for (size_t i = 0; i < n; i++)
			calendar_get_one(get, list, count, json_object_get_string(
				json_object_array_get_idx(get->ids, i)));
	}
	store_calendar_list_free(&list, count);
	return 0;
}

/* Calendar/set is a method of its own (the standard /set followed by
 * onSuccessSetIsDefault); the type it runs with has the hooks. */
static const struct jmap_type calendar_set_type = {
	.name = "Calendar",
	.capability = JMAP_CAP_CALENDARS,
	.store_type = STORE_TYPE_CALENDAR,
	.id_prefix = CALENDAR_ID_PREFIX,
	.props = calendar_props,
	.set_args = calendar_set_args,
	.get = jmap_calendar_get,
	.create = jmap_calendar_create,
	.update = jmap_calendar_update,
	.destroy = jmap_calendar_destroy,
};

static const struct jmap_method calendar_methods[] = {
	{ "Calendar/set", JMAP_CAP_CALENDARS, jmap_calendar_set, &calendar_set_type,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

/* The draft gives Calendar /get, /changes and /set only. */
const struct jmap_type jmap_calendar_type = {
	.name = "Calendar",
	.capability = JMAP_CAP_CALENDARS,
	.store_type = STORE_TYPE_CALENDAR,
	.id_prefix = CALENDAR_ID_PREFIX,
	.props = calendar_props,
	.get = jmap_calendar_get,
	.methods = calendar_methods,
};
