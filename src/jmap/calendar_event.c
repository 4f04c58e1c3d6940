/* CalendarEvent (draft-ietf-jmap-calendars §6): the type and
 * CalendarEvent/get. Each event is read from its iCalendar text and
 * shown as a JSCalendar Event or Task; a /get that asks only for what
 * the store keeps beside the text (the DAV face's) parses nothing. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/calendars.h"

#define CE_NULLABLE(name, kind) { name, kind, JMAP_PROP_NULLABLE }

static const struct jmap_prop calendar_event_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "calendarIds", JMAP_KIND_OBJECT, 0 },
	{ "isDraft", JMAP_KIND_BOOL, JMAP_PROP_DEFAULTED },
	{ "isOrigin", JMAP_KIND_BOOL, JMAP_PROP_SERVER_SET },
	{ "@type", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	{ "uid", JMAP_KIND_STRING, JMAP_PROP_IMMUTABLE | JMAP_PROP_DEFAULTED },
	CE_NULLABLE("title", JMAP_KIND_STRING),
	CE_NULLABLE("description", JMAP_KIND_STRING),
	CE_NULLABLE("color", JMAP_KIND_STRING),
	CE_NULLABLE("start", JMAP_KIND_STRING),
	CE_NULLABLE("timeZone", JMAP_KIND_STRING),
	CE_NULLABLE("duration", JMAP_KIND_STRING),
	CE_NULLABLE("endTimeZone", JMAP_KIND_STRING),
	CE_NULLABLE("showWithoutTime", JMAP_KIND_BOOL),
	CE_NULLABLE("due", JMAP_KIND_STRING),
	CE_NULLABLE("estimatedDuration", JMAP_KIND_STRING),
	CE_NULLABLE("progress", JMAP_KIND_STRING),
	CE_NULLABLE("percentComplete", JMAP_KIND_UINT),
	CE_NULLABLE("recurrenceRules", JMAP_KIND_ARRAY),
	CE_NULLABLE("excludedRecurrenceRules", JMAP_KIND_ARRAY),
	CE_NULLABLE("recurrenceOverrides", JMAP_KIND_OBJECT),
	CE_NULLABLE("recurrenceId", JMAP_KIND_STRING),
	CE_NULLABLE("recurrenceIdTimeZone", JMAP_KIND_STRING),
	CE_NULLABLE("status", JMAP_KIND_STRING),
	CE_NULLABLE("freeBusyStatus", JMAP_KIND_STRING),
	CE_NULLABLE("privacy", JMAP_KIND_STRING),
	CE_NULLABLE("priority", JMAP_KIND_INT),
	CE_NULLABLE("sequence", JMAP_KIND_UINT),
	CE_NULLABLE("created", JMAP_KIND_DATE),
	{ "updated", JMAP_KIND_DATE, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	CE_NULLABLE("useDefaultAlerts", JMAP_KIND_BOOL),
	CE_NULLABLE("prodId", JMAP_KIND_STRING),
	CE_NULLABLE("participants", JMAP_KIND_OBJECT),
	CE_NULLABLE("replyTo", JMAP_KIND_OBJECT),
	CE_NULLABLE("locations", JMAP_KIND_OBJECT),
	CE_NULLABLE("virtualLocations", JMAP_KIND_OBJECT),
	CE_NULLABLE("links", JMAP_KIND_OBJECT),
	CE_NULLABLE("alerts", JMAP_KIND_OBJECT),
	CE_NULLABLE("keywords", JMAP_KIND_OBJECT),
	CE_NULLABLE("relatedTo", JMAP_KIND_OBJECT),
	{ "davName", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_DEFAULTED },
	{ "davEtag", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_SERVER_SET },
	{ "davData", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT },
	{ NULL, 0, 0 },
};

const char *const calendar_event_dav_props[] = { "davName", "davEtag", "davData", NULL };

/* What a /get can answer from the store's row, without the text. */
static const char *const ce_row_props[] = {
	"id", "calendarIds", "isDraft", "uid", "@type", "davName", "davEtag", "davData", NULL,
};

char **calendar_addresses(struct jmap_call *call)
{
	struct store_principal *p = NULL;
	char **list;

	if (store_principal_get_by_id(call->req->srv->store, call->account_id, &p) <= 0)
		return xcalloc(1, sizeof(char *));
	list = xcalloc(p->email_count + 1, sizeof(char *));
	for (size_t i = 0; i < p->email_count; i++)
		list[i] = xstrdup(p->emails[i]);
	store_principal_free(&p);
	return list;
}

void calendar_addresses_free(char ***addresses)
{
	for (size_t i = 0; *addresses != NULL && (*addresses)[i] != NULL; i++)
		free((*addresses)[i]);
	free(*addresses);
	*addresses = NULL;
}

bool calendar_event_is_origin(json_object *js, char *const *addresses)
{
	json_object *reply_to;

	if (!json_object_object_get_ex(js, "replyTo", &reply_to) ||
	    !json_object_is_type(reply_to, json_type_object))
		return true;
	json_object_object_foreach(reply_to, method, uri) {
		const char *s = json_object_get_string(uri);

		(void)method;
		if (s == NULL || strncasecmp(s, "mailto:", 7) != 0)
			continue;
		for (size_t i = 0; addresses != NULL && addresses[i] != NULL; i++) {
			if (strcasecmp(s + 7, addresses[i]) == 0)
				return true;
		}
	}
	return false;
}

/* The members JMAP adds to the JSCalendar object. */
static void ce_add_jmap(json_object *js, const struct store_calendar_event *ev, bool with_dav)
{
	json_object *cals = json_object_new_object();
	char id[24];

	jmap_id_format(CALENDAR_ID_PREFIX, ev->calendar_id, id);
	json_object_object_add(cals, id, json_object_new_boolean(1));
	jmap_id_format(CALENDAR_EVENT_ID_PREFIX, ev->id, id);
	json_object_object_add(js, "id", json_object_new_string(id));
	json_object_object_add(js, "calendarIds", cals);
	json_object_object_add(js, "isDraft", json_object_new_boolean(0));
	if (with_dav) {
		json_object_object_add(js, "davName", json_object_new_string(ev->dav_name));
		json_object_object_add(js, "davEtag", json_object_new_string(ev->etag));
		if (ev->ical != NULL)
			json_object_object_add(js, "davData", json_object_new_string_len(
				ev->ical, (int)ev->ical_len));
	}
}

json_object *calendar_event_to_json(const struct store_calendar_event *ev, icalcomponent *cal,
				    char *const *addresses, bool with_dav)
{
	icalcomponent *own = NULL;
	const char *error;
	json_object *js;

	if (cal == NULL && jscalendar_ical_parse(ev->ical, ev->ical_len, &own, &error) != 0) {
		log_error("calendars.stored_event", "event=%llu error=%s",
			  (unsigned long long)ev->id, log_q(error));
		return NULL;
	}
	js = jscalendar_from_ical(cal != NULL ? cal : own);
	if (own != NULL)
		icalcomponent_free(own);
	ce_add_jmap(js, ev, with_dav);
	json_object_object_add(js, "isOrigin", json_object_new_boolean(
		calendar_event_is_origin(js, addresses)));
	return js;
}

/* The row's part of a CalendarEvent. */
static json_object *ce_row_json(const struct store_calendar_event *ev, bool with_dav)
{
	json_object *js = json_object_new_object();

	json_object_object_add(js, "uid", json_object_new_string(ev->uid));
	json_object_object_add(js, "@type", json_object_new_string(
		strcmp(ev->component, "VTODO") == 0 ? "Task" : "Event"));
	ce_add_jmap(js, ev, with_dav);
	return js;
}

struct ce_get {
	struct jmap_call *call;
	struct jmap_get *get;
	bool from_row;		/* every asked property is the row's */
	unsigned what;		/* STORE_EVENT_WITH_* to read */
	char **addresses;
};

static int ce_get_add(struct ce_get *g, const struct store_calendar_event *ev)
{
	bool dav = g->call->req->in_process;
	json_object *js = g->from_row ? ce_row_json(ev, dav) :
			  calendar_event_to_json(ev, NULL, g->addresses, dav);

	if (js == NULL)
		return jmap_call_error(g->call, "serverFail", "event %llu does not parse",
				       (unsigned long long)ev->id);
	json_object_array_add(g->get->list, js);
	return 0;
}

static int ce_get_all(struct ce_get *g)
{
	struct store_calendar_event *list;
	const char *error;
	size_t count, shown;
	int ret = 0;

	if (store_calendar_event_list(g->call->acct, 0, g->what, &list, &count, &error) < 0)
		return jmap_call_error(g->call, "serverFail", "%s", error);
	/* the generic code refuses more than maxObjectsInGet over HTTP: no
	 * need to convert them all first */
	shown = count;
	if (!g->call->req->in_process &&
	    (int64_t)shown > g->call->req->srv->limits.max_objects_in_get)
		shown = (size_t)g->call->req->srv->limits.max_objects_in_get + 1;
	for (size_t i = 0; i < shown && ret == 0; i++)
		ret = ce_get_add(g, &list[i]);
	store_calendar_event_list_free(&list, count);
	return ret;
}

static int ce_get_one(struct ce_get *g, const char *id)
{
	struct store_calendar_event ev = { 0 };
	uint64_t n;
	int ret = 0;

	if (jmap_id_parse(CALENDAR_EVENT_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_calendar_event_get(g->call->acct, n, g->what, &ev)) == 0) {
		json_object_array_add(g->get->not_found, json_object_new_string(id));
		return 0;
	}
	if (ret < 0)
		return jmap_call_error(g->call, "serverFail", "event read failed");
	ret = ce_get_add(g, &ev);
	store_calendar_event_clear(&ev);
	return ret;
}

static bool ce_get_from_row(const struct jmap_get *get)
{
	size_t n = json_object_array_length(get->properties);

	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(get->properties, i));
		bool row = false;

		for (size_t k = 0; ce_row_props[k] != NULL && !row; k++)
			row = strcmp(name, ce_row_props[k]) == 0;
		if (!row)
			return false;
	}
	return true;
}

static int jmap_calendar_event_get(struct jmap_call *call, struct jmap_get *get)
{
	struct ce_get g = { .call = call, .get = get, .from_row = ce_get_from_row(get) };
	int ret = 0;

	if (contacts_check_dav_get(call, get, calendar_event_dav_props) < 0)
		return -1;
	if (!g.from_row || jmap_get_wants(get, "davData"))
		g.what = STORE_EVENT_WITH_ICAL;
	if (jmap_get_wants(get, "isOrigin"))
		g.addresses = calendar_addresses(call);
	if (get->ids == NULL) {
		ret = ce_get_all(&g);
	} else {
		size_t n = json_object_array_length(get->ids);

		for (size_t i = 0; i < n && ret == 0; i++)
			ret = ce_get_one(&g, json_object_get_string(json_object_array_get_idx(get->ids,
											      i)));
	}
	calendar_addresses_free(&g.addresses);
	return ret;
}

static const struct jmap_arg calendar_event_query_args[] = {
	{ "timeZone", json_type_string, false },
	{ "expandRecurrences", json_type_boolean, false },
	{ NULL, 0, false },
};

static const struct jmap_arg calendar_event_set_args[] = {
	{ "sendSchedulingMessages", json_type_boolean, false },
	{ NULL, 0, false },
};

const struct jmap_type jmap_calendar_event_type = {
	.name = "CalendarEvent",
	.capability = JMAP_CAP_CALENDARS,
	.store_type = STORE_TYPE_CALENDAR_EVENT,
	.id_prefix = CALENDAR_EVENT_ID_PREFIX,
	.props = calendar_event_props,
	.set_args = calendar_event_set_args,
	.query_args = calendar_event_query_args,
	.get = jmap_calendar_event_get,
	.create = jmap_calendar_event_create,
	.update = jmap_calendar_event_update,
	.destroy = jmap_calendar_event_destroy,
	.filter_check = jmap_calendar_event_filter_check,
	.sort_props = jmap_calendar_event_sort_props,
	.query = jmap_calendar_event_query,
	.changes_extra = contacts_dav_changes_gone,
};
