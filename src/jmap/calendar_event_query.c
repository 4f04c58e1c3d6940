/* CalendarEvent/query (draft-ietf-jmap-calendars §6.5): the filters and
 * sorts over what the store keeps of every event. A time range goes
 * through the store's range index; only the events that recur or float
 * have their text parsed, to expand their instances. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/calendars.h"
#include "jmap/collation.h"
#include "jmap/std_private.h"

#define CE_MAX_IN_CALENDARS 1000

const char *const jmap_calendar_event_sort_props[] = {
	"start", "uid", "recurrenceId", "created", "updated", NULL,
};

/* String filters and the field each one searches. */
static const struct {
	const char *name;
	enum store_event_field field;
} ce_text_filters[] = {
	{ "text", STORE_EVENT_TEXT },
	{ "title", STORE_EVENT_TITLE },
	{ "description", STORE_EVENT_DESCRIPTION },
	{ "location", STORE_EVENT_LOCATIONS },
	{ "owner", STORE_EVENT_OWNERS },
	{ "attendee", STORE_EVENT_ATTENDEES },
};
#define CE_TEXT_FILTERS (sizeof(ce_text_filters) / sizeof(ce_text_filters[0]))

static int ce_text_filter(const char *name)
{
	for (size_t i = 0; i < CE_TEXT_FILTERS; i++) {
		if (strcmp(ce_text_filters[i].name, name) == 0)
			return (int)ce_text_filters[i].field;
	}
	return -1;
}

static bool ce_in_calendars_valid(json_object *value)
{
	size_t n;

	if (!json_object_is_type(value, json_type_array) ||
	    (n = json_object_array_length(value)) > CE_MAX_IN_CALENDARS)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(value, i), json_type_string))
			return false;
	}
	return true;
}

int jmap_calendar_event_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		bool time = strcmp(key, "after") == 0 || strcmp(key, "before") == 0;
		int64_t t;

		if (ce_text_filter(key) < 0 && !time && strcmp(key, "uid") != 0 &&
		    strcmp(key, "davName") != 0 && strcmp(key, "inCalendars") != 0) {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (strcmp(key, "inCalendars") == 0 ? !ce_in_calendars_valid(value) :
		    !json_object_is_type(value, json_type_string) ||
		    (time && jscalendar_time_parse(json_object_get_string(value), NULL, &t) < 0)) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

/* ---- matching ---- */

struct ce_filter_ctx {
	struct jmap_call *call;
	icaltimezone *zone;			/* of LocalDate after/before */
	struct store_calendar_event *ev;
	icalcomponent *cal;			/* its text, parsed when needed */
	bool cal_failed;
};

static bool ce_match_calendars(struct ce_filter_ctx *ctx, json_object *ids)
{
	size_t n = json_object_array_length(ids);

	for (size_t i = 0; i < n; i++) {
		const char *id = jmap_id_resolve(ctx->call,
			json_object_get_string(json_object_array_get_idx(ids, i)));
		uint64_t cal;

		if (id != NULL && jmap_id_parse(CALENDAR_ID_PREFIX, id, &cal) == 0 &&
		    cal == ctx->ev->calendar_id)
			return true;
	}
	return false;
}

/* The event's text, read and parsed once per query. */
static icalcomponent *ce_ctx_cal(struct ce_filter_ctx *ctx)
{
	struct store_calendar_event full = { 0 };
	const char *error;

	if (ctx->cal != NULL || ctx->cal_failed)
		return ctx->cal;
	ctx->cal_failed = true;
	if (store_calendar_event_get(ctx->call->acct, ctx->ev->id, STORE_EVENT_WITH_ICAL,
				     &full) <= 0)
		return NULL;
	if (jscalendar_ical_parse(full.ical, full.ical_len, &ctx->cal, &error) == 0)
		ctx->cal_failed = false;
	store_calendar_event_clear(&full);
	return ctx->cal;
}

/* The stored range first; the instances when it recurs or floats. */
static bool ce_match_range(struct ce_filter_ctx *ctx, int64_t after, int64_t before)
{
	const struct store_calendar_event *ev = ctx->ev;
	icalcomponent *cal;

	if (!ev->has_start)
		return true;
	if (ev->first_start >= before ||
	    (ev->has_end && ev->last_end <= after && !(ev->last_end == ev->first_start &&
						      ev->first_start >= after)))
		return false;
	if ((ev->flags & (STORE_EVENT_RECURRING | STORE_EVENT_FLOATING)) == 0)
		return true;
	if ((cal = ce_ctx_cal(ctx)) == NULL)
		return true;
	return jscalendar_ical_overlaps(cal, after, before, ctx->zone);
}

static bool ce_match_time(struct ce_filter_ctx *ctx, json_object *condition)
{
	json_object *v;
	int64_t after = INT64_MIN, before = INT64_MAX;

	if (json_object_object_get_ex(condition, "after", &v))
		jscalendar_time_parse(json_object_get_string(v), ctx->zone, &after);
	if (json_object_object_get_ex(condition, "before", &v))
		jscalendar_time_parse(json_object_get_string(v), ctx->zone, &before);
	return ce_match_range(ctx, after, before);
}

static bool ce_match(json_object *condition, void *context)
{
	struct ce_filter_ctx *ctx = context;
	bool timed = false;

	json_object_object_foreach(condition, key, v) {
		int field = ce_text_filter(key);
		bool ok;

		if (field >= 0)
			ok = jmap_collation_text_matches(ctx->ev->fields[field], json_object_get_string(v));
		else if (strcmp(key, "uid") == 0)
			ok = strcmp(ctx->ev->uid, json_object_get_string(v)) == 0;
		else if (strcmp(key, "davName") == 0)
			ok = strcmp(ctx->ev->dav_name, json_object_get_string(v)) == 0;
		else if (strcmp(key, "inCalendars") == 0)
			ok = ce_match_calendars(ctx, v);
		else if (timed)
			ok = true;
		else
			ok = timed = ce_match_time(ctx, condition);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- candidates ---- */

/* The one calendar a lone condition names in inCalendars, 0 if not one. */
static uint64_t ce_one_calendar(struct jmap_call *call, json_object *filter)
{
	json_object *cals;
	const char *id;
	uint64_t calendar;

	if (!json_object_object_get_ex(filter, "inCalendars", &cals) ||
	    json_object_array_length(cals) != 1 ||
	    (id = jmap_id_resolve(call, json_object_get_string(
		json_object_array_get_idx(cals, 0)))) == NULL ||
	    jmap_id_parse(CALENDAR_ID_PREFIX, id, &calendar) < 0)
		return 0;
	return calendar;
}

/* A uid or DAV name in one calendar is one lookup: 1 with the list (of
 * at most one event), 0 when the filter is not that, -1 on error. */
static int ce_candidate_lookup(struct jmap_call *call, json_object *filter,
			       struct store_calendar_event **list_r, size_t *count_r)
{
	uint64_t calendar = ce_one_calendar(call, filter), id;
	json_object *v;
	int ret;

	if (calendar == 0)
		return 0;
	if (json_object_object_get_ex(filter, "davName", &v))
		ret = store_calendar_event_find_dav_name(call->acct, calendar,
							 json_object_get_string(v), &id);
	else if (json_object_object_get_ex(filter, "uid", &v))
		ret = store_calendar_event_find_uid(call->acct, calendar, json_object_get_string(v),
						    &id);
	else
		return 0;
	*list_r = xcalloc(1, sizeof(**list_r));
	*count_r = 0;
	if (ret > 0 && (ret = store_calendar_event_get(call->acct, id, 0, *list_r)) > 0)
		*count_r = 1;
	return ret < 0 ? jmap_call_error(call, "serverFail", "event lookup failed") : 1;
}

/* A lone condition with a time range reads only the events the range
 * index gives (of one calendar when it names just one); one with a uid
 * or a DAV name in one calendar only that event. */
static int ce_candidates(struct jmap_call *call, json_object *filter, icaltimezone *zone,
			 struct store_calendar_event **list_r, size_t *count_r)
{
	bool lone = filter != NULL && !json_object_object_get_ex(filter, "operator", NULL);
	json_object *v;
	int64_t after = INT64_MIN, before = INT64_MAX;
	const char *error;
	int ret;

	if (lone && (ret = ce_candidate_lookup(call, filter, list_r, count_r)) != 0)
		return ret < 0 ? -1 : 0;
	if (!lone || (!json_object_object_get_ex(filter, "after", NULL) &&
		      !json_object_object_get_ex(filter, "before", NULL))) {
		ret = store_calendar_event_list(call->acct, 0, 0, list_r, count_r, &error);
	} else {
		if (json_object_object_get_ex(filter, "after", &v))
			jscalendar_time_parse(json_object_get_string(v), zone, &after);
		if (json_object_object_get_ex(filter, "before", &v))
			jscalendar_time_parse(json_object_get_string(v), zone, &before);
		ret = store_calendar_event_range(call->acct, ce_one_calendar(call, filter), after,
						 before, 0, list_r, count_r, &error);
	}
	return ret < 0 ? jmap_call_error(call, "serverFail", "%s", error) : 0;
}

/* ---- sorting ---- */

struct ce_sort {
	const char **props;
	bool *ascending;
	size_t count;
};

static void ce_sort_parse(json_object *sort, struct ce_sort *s)
{
	size_t n = sort != NULL ? json_object_array_length(sort) : 0;

	s->count = n;
	s->props = xcalloc(n + 1, sizeof(*s->props));
	s->ascending = xcalloc(n + 1, sizeof(*s->ascending));
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(sort, i), *v;

		s->props[i] = json_object_get_string(json_object_object_get(c, "property"));
		s->ascending[i] = !json_object_object_get_ex(c, "isAscending", &v) ||
				  json_object_get_boolean(v);
	}
}

static int64_t ce_start_key(const struct store_calendar_event *ev)
{
	if (!ev->has_start)
		return INT64_MIN;
	/* a floating event's range was widened by a day */
	return (ev->flags & STORE_EVENT_FLOATING) != 0 ? ev->first_start + 86400 : ev->first_start;
}

static int ce_compare_one(const char *prop, const struct store_calendar_event *a,
			  const struct store_calendar_event *b)
{
	int64_t x = 0, y = 0;

	if (strcmp(prop, "uid") == 0)
		return strcmp(a->uid, b->uid);
	if (strcmp(prop, "start") == 0) {
		x = ce_start_key(a);
		y = ce_start_key(b);
	} else if (strcmp(prop, "created") == 0) {
		x = a->created_at;
		y = b->created_at;
	} else if (strcmp(prop, "updated") == 0) {
		x = a->updated_at;
		y = b->updated_at;
	}
	return (x > y) - (x < y);
}

static int ce_compare(const void *pa, const void *pb, void *context)
{
	const struct store_calendar_event *a = *(const struct store_calendar_event *const *)pa;
	const struct store_calendar_event *b = *(const struct store_calendar_event *const *)pb;
	const struct ce_sort *s = context;

	for (size_t k = 0; k < s->count; k++) {
		int cmp = ce_compare_one(s->props[k], a, b);

		if (cmp != 0)
			return s->ascending[k] ? cmp : -cmp;
	}
	return (a->id > b->id) - (a->id < b->id);
}

/* ---- the query ---- */

/* Whether a filter (operators included) has a condition on name. */
static bool ce_filter_names(json_object *filter, const char *name)
{
	json_object *conditions;

	if (filter == NULL)
		return false;
	if (!json_object_object_get_ex(filter, "conditions", &conditions))
		return json_object_object_get_ex(filter, name, NULL);
	for (size_t i = 0; i < json_object_array_length(conditions); i++) {
		if (ce_filter_names(json_object_array_get_idx(conditions, i), name))
			return true;
	}
	return false;
}

static int ce_query_args(struct jmap_call *call, json_object *filter, icaltimezone **zone_r)
{
	json_object *tz = json_object_object_get(call->args, "timeZone");
	json_object *expand = json_object_object_get(call->args, "expandRecurrences");

	*zone_r = NULL;
	/* davName is urn:tern:dav's: for the DAV face only */
	if (!call->req->in_process && ce_filter_names(filter, "davName"))
		return jmap_call_error(call, "unsupportedFilter", "Unknown filter: davName");
	if (json_object_get_boolean(expand))
		return jmap_call_error(call, "cannotCalculateOccurrences",
				       "Recurrences are not expanded into instances here: "
				       "the events carry their recurrenceRules");
	if (tz != NULL && (*zone_r = jscalendar_zone(json_object_get_string(tz))) == NULL)
		return jmap_call_error(call, "invalidArguments", "Unknown timeZone");
	return 0;
}

static void ce_query_emit(struct jmap_query *query, struct store_calendar_event **matched,
			  size_t count, struct ce_sort *s)
{
	char id[24];

	qsort_r(matched, count, sizeof(*matched), ce_compare, s);
	for (size_t i = 0; i < count; i++) {
		jmap_id_format(CALENDAR_EVENT_ID_PREFIX, matched[i]->id, id);
		json_object_array_add(query->ids, json_object_new_string(id));
	}
}

int jmap_calendar_event_query(struct jmap_call *call, struct jmap_query *query)
{
	struct store_calendar_event *list, **matched;
	icaltimezone *zone;
	struct ce_sort s;
	size_t count, n = 0;

	if (ce_query_args(call, query->filter, &zone) < 0 ||
	    ce_candidates(call, query->filter, zone, &list, &count) < 0)
		return -1;
	matched = xcalloc(count + 1, sizeof(*matched));
	for (size_t i = 0; i < count; i++) {
		struct ce_filter_ctx ctx = { .call = call, .zone = zone, .ev = &list[i] };

		if (query->filter == NULL || jmap_filter_eval(query->filter, ce_match, &ctx))
			matched[n++] = &list[i];
		if (ctx.cal != NULL)
			icalcomponent_free(ctx.cal);
	}
	ce_sort_parse(query->sort, &s);
	ce_query_emit(query, matched, n, &s);
	free(s.props);
	free(s.ascending);
	free(matched);
	store_calendar_event_list_free(&list, count);
	return 0;
}
