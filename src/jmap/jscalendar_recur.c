/* RRULE and EXRULE (RFC 5545 §3.3.10) as JSCalendar RecurrenceRule
 * objects (RFC 8984 §4.3.3), both ways. UNTIL is UTC in iCalendar and a
 * LocalDateTime in the event's time zone in JSCalendar. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "core/strbuf.h"
#include "jmap/jscalendar_private.h"

static const char *const jscal_freqs[] = {
	"secondly", "minutely", "hourly", "daily", "weekly", "monthly", "yearly", NULL,
};
/* In libical's order: ICAL_SUNDAY_WEEKDAY is 1. */
static const char *const jscal_days[] = { "su", "mo", "tu", "we", "th", "fr", "sa", NULL };
static const char *const jscal_skips[] = { "backward", "forward", "omit", NULL };

/* The by* members that are lists of numbers, with libical's arrays and
 * the range of their values (0 is never a valid value where min < 0). */
struct jscal_by_list {
	const char *member;
	const char *ical;
	size_t offset;
	size_t size;
	int min, max;
};

#define JSCAL_BY(member, ical, field, size, min, max) \
	{ member, ical, offsetof(struct icalrecurrencetype, field), size, min, max }

static const struct jscal_by_list jscal_by_lists[] = {
	JSCAL_BY("byMonthDay", "BYMONTHDAY", by_month_day, ICAL_BY_MONTHDAY_SIZE, -31, 31),
	JSCAL_BY("byYearDay", "BYYEARDAY", by_year_day, ICAL_BY_YEARDAY_SIZE, -366, 366),
	JSCAL_BY("byWeekNo", "BYWEEKNO", by_week_no, ICAL_BY_WEEKNO_SIZE, -53, 53),
	JSCAL_BY("byHour", "BYHOUR", by_hour, ICAL_BY_HOUR_SIZE, 0, 23),
	JSCAL_BY("byMinute", "BYMINUTE", by_minute, ICAL_BY_MINUTE_SIZE, 0, 59),
	JSCAL_BY("bySecond", "BYSECOND", by_second, ICAL_BY_SECOND_SIZE, 0, 60),
	JSCAL_BY("bySetPosition", "BYSETPOS", by_set_pos, ICAL_BY_SETPOS_SIZE, -366, 366),
};
#define JSCAL_BY_LISTS (sizeof(jscal_by_lists) / sizeof(jscal_by_lists[0]))

/* ---- reading ---- */

static json_object *jscal_read_numbers(const short *values, size_t size)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < size && values[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
		json_object_array_add(list, json_object_new_int(values[i]));
	return list;
}

static void jscal_read_by_day(json_object *obj, const struct icalrecurrencetype *rule)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < ICAL_BY_DAY_SIZE && rule->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		int dow = (int)icalrecurrencetype_day_day_of_week(rule->by_day[i]);
		int pos = icalrecurrencetype_day_position(rule->by_day[i]);
		json_object *nday;

		if (dow < 1 || dow > 7)
			continue;
		nday = json_object_new_object();
		json_object_object_add(nday, "@type", json_object_new_string("NDay"));
		json_object_object_add(nday, "day", json_object_new_string(jscal_days[dow - 1]));
		if (pos != 0)
			json_object_object_add(nday, "nthOfPeriod", json_object_new_int(pos));
		json_object_array_add(list, nday);
	}
	json_object_object_add(obj, "byDay", list);
}

static void jscal_read_by_month(json_object *obj, const struct icalrecurrencetype *rule)
{
	json_object *list = json_object_new_array();
	char month[8];

	for (size_t i = 0; i < ICAL_BY_MONTH_SIZE && rule->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX;
	     i++) {
		snprintf(month, sizeof(month), "%d%s", icalrecurrencetype_month_month(rule->by_month[i]),
			 icalrecurrencetype_month_is_leap(rule->by_month[i]) ? "L" : "");
		json_object_array_add(list, json_object_new_string(month));
	}
	json_object_object_add(obj, "byMonth", list);
}

static void jscal_read_lists(json_object *obj, const struct icalrecurrencetype *rule)
{
	if (rule->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX)
		jscal_read_by_day(obj, rule);
	if (rule->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX)
		jscal_read_by_month(obj, rule);
	for (size_t i = 0; i < JSCAL_BY_LISTS; i++) {
		const short *values = (const short *)((const char *)rule + jscal_by_lists[i].offset);

		if (values[0] != ICAL_RECURRENCE_ARRAY_MAX)
			json_object_object_add(obj, jscal_by_lists[i].member,
					       jscal_read_numbers(values, jscal_by_lists[i].size));
	}
}

static void jscal_read_until(const struct jscal_read *r, json_object *obj,
			     struct icaltimetype until)
{
	char local[JSCAL_LOCAL_LEN + 1];

	jscal_read_local(r, until, NULL, local);
	json_object_object_add(obj, "until", json_object_new_string(local));
}

json_object *jscal_read_rule(const struct jscal_read *r, icalproperty *prop)
{
	struct icalrecurrencetype rule = icalproperty_isa(prop) == ICAL_RRULE_PROPERTY ?
		icalproperty_get_rrule(prop) : icalproperty_get_exrule(prop);
	json_object *obj;

	if (rule.freq < ICAL_SECONDLY_RECURRENCE || rule.freq > ICAL_YEARLY_RECURRENCE)
		return NULL;
	obj = json_object_new_object();
	json_object_object_add(obj, "@type", json_object_new_string("RecurrenceRule"));
	json_object_object_add(obj, "frequency", json_object_new_string(jscal_freqs[rule.freq]));
	if (rule.interval > 1)
		json_object_object_add(obj, "interval", json_object_new_int(rule.interval));
	if (rule.rscale != NULL) {
		char *lower = g_ascii_strdown(rule.rscale, -1);

		json_object_object_add(obj, "rscale", json_object_new_string(lower));
		g_free(lower);
		if (rule.skip <= ICAL_SKIP_OMIT)
			json_object_object_add(obj, "skip", json_object_new_string(jscal_skips[rule.skip]));
	}
	if (rule.week_start >= ICAL_SUNDAY_WEEKDAY && rule.week_start <= ICAL_SATURDAY_WEEKDAY &&
	    rule.week_start != ICAL_MONDAY_WEEKDAY)
		json_object_object_add(obj, "firstDayOfWeek",
				       json_object_new_string(jscal_days[rule.week_start - 1]));
	jscal_read_lists(obj, &rule);
	if (rule.count > 0)
		json_object_object_add(obj, "count", json_object_new_int(rule.count));
	else if (!icaltime_is_null_time(rule.until))
		jscal_read_until(r, obj, rule.until);
	return obj;
}

/* ---- writing ---- */

static int jscal_index_of(const char *const *list, const char *s)
{
	for (int i = 0; s != NULL && list[i] != NULL; i++) {
		if (strcmp(list[i], s) == 0)
			return i;
	}
	return -1;
}

static bool jscal_int_in(json_object *v, int min, int max)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return false;
	n = json_object_get_int64(v);
	return n >= min && n <= max && (min >= 0 || n != 0);
}

static bool jscal_write_numbers(struct strbuf *b, json_object *rule,
				const struct jscal_by_list *by)
{
	json_object *list;
	size_t n;

	if (!json_object_object_get_ex(rule, by->member, &list))
		return true;
	if (!json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) >= by->size)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(list, i);

		if (!jscal_int_in(v, by->min, by->max))
			return false;
		if (i == 0)
			strbuf_printf(b, ";%s=", by->ical);
		else
			strbuf_putc(b, ',');
		strbuf_printf(b, "%d", (int)json_object_get_int(v));
	}
	return true;
}

static bool jscal_write_by_day(struct strbuf *b, json_object *rule)
{
	json_object *list;
	size_t n;

	if (!json_object_object_get_ex(rule, "byDay", &list))
		return true;
	if (!json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) >= ICAL_BY_DAY_SIZE || n == 0)
		return false;
	strbuf_puts(b, ";BYDAY=");
	for (size_t i = 0; i < n; i++) {
		json_object *nday = json_object_array_get_idx(list, i), *nth;
		int day = jscal_index_of(jscal_days, jscal_string(nday, "day"));

		if (day < 0)
			return false;
		if (i > 0)
			strbuf_putc(b, ',');
		if (json_object_object_get_ex(nday, "nthOfPeriod", &nth)) {
			if (!jscal_int_in(nth, -53, 53))
				return false;
			strbuf_printf(b, "%d", (int)json_object_get_int(nth));
		}
		strbuf_printf(b, "%c%c", jscal_days[day][0] - 'a' + 'A', jscal_days[day][1] - 'a' + 'A');
	}
	return true;
}

static bool jscal_write_by_month(struct strbuf *b, json_object *rule)
{
	json_object *list;
	size_t n;

	if (!json_object_object_get_ex(rule, "byMonth", &list))
		return true;
	if (!json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) >= ICAL_BY_MONTH_SIZE || n == 0)
		return false;
	strbuf_puts(b, ";BYMONTH=");
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(list, i);
		const char *s = json_object_get_string(v);
		char *end;
		long month;

		if (!json_object_is_type(v, json_type_string))
			return false;
		month = strtol(s, &end, 10);
		if (month < 1 || month > 13 || (strcmp(end, "") != 0 && strcmp(end, "L") != 0) ||
		    !(s[0] >= '0' && s[0] <= '9'))
			return false;
		strbuf_printf(b, "%s%ld%s", i == 0 ? "" : ",", month, end);
	}
	return true;
}

static bool jscal_write_until(struct jscal_write *w, struct strbuf *b, json_object *v)
{
	struct icaltimetype t;
	icaltimezone *zone;

	if (!json_object_is_type(v, json_type_string) ||
	    !jscal_local_parse(json_object_get_string(v), &t))
		return false;
	if (w->is_date) {
		strbuf_printf(b, ";UNTIL=%04d%02d%02d", t.year, t.month, t.day);
		return true;
	}
	if (w->tz_name != NULL && (zone = jscalendar_zone(w->tz_name)) != NULL &&
	    zone != icaltimezone_get_utc_timezone())
		t = icaltime_from_timet_with_zone(icaltime_as_timet_with_zone(t, zone), 0,
						  icaltimezone_get_utc_timezone());
	strbuf_printf(b, ";UNTIL=%04d%02d%02dT%02d%02d%02d%s", t.year, t.month, t.day, t.hour,
		      t.minute, t.second, w->tz_name != NULL ? "Z" : "");
	return true;
}

/* RFC 7529: a calendar scale name and what to do with days it lacks. */
static bool jscal_write_rscale(struct strbuf *b, json_object *rule)
{
	const char *rscale = jscal_string(rule, "rscale");
	json_object *skip;
	int n;

	if (!json_object_object_get_ex(rule, "rscale", NULL))
		return !json_object_object_get_ex(rule, "skip", NULL);
	if (rscale == NULL || *rscale == '\0' || strlen(rscale) > 64)
		return false;
	for (const char *c = rscale; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '-' ||
		      (*c >= '0' && *c <= '9')))
			return false;
	}
	strbuf_puts(b, ";RSCALE=");
	for (const char *c = rscale; *c != '\0'; c++)
		strbuf_putc(b, g_ascii_toupper(*c));
	if (!json_object_object_get_ex(rule, "skip", &skip))
		return true;
	if ((n = jscal_index_of(jscal_skips, json_object_get_string(skip))) < 0 ||
	    !json_object_is_type(skip, json_type_string))
		return false;
	strbuf_puts(b, ";SKIP=");
	for (const char *c = jscal_skips[n]; *c != '\0'; c++)
		strbuf_putc(b, (char)(*c - 'a' + 'A'));
	return true;
}

static bool jscal_write_head(struct strbuf *b, json_object *rule)
{
	int freq = jscal_index_of(jscal_freqs, jscal_string(rule, "frequency"));
	json_object *v;

	if (freq < 0)
		return false;
	strbuf_printf(b, "FREQ=%s", icalrecur_freq_to_string((icalrecurrencetype_frequency)freq));
	if (json_object_object_get_ex(rule, "interval", &v)) {
		if (!jscal_int_in(v, 1, 32767))
			return false;
		strbuf_printf(b, ";INTERVAL=%d", json_object_get_int(v));
	}
	if (!jscal_write_rscale(b, rule))
		return false;
	if (json_object_object_get_ex(rule, "firstDayOfWeek", &v)) {
		int day = jscal_index_of(jscal_days, json_object_get_string(v));

		if (day < 0 || !json_object_is_type(v, json_type_string))
			return false;
		strbuf_printf(b, ";WKST=%c%c", jscal_days[day][0] - 'a' + 'A',
			      jscal_days[day][1] - 'a' + 'A');
	}
	return true;
}

static bool jscal_write_tail(struct jscal_write *w, struct strbuf *b, json_object *rule)
{
	json_object *count, *until;
	bool has_count = json_object_object_get_ex(rule, "count", &count);
	bool has_until = json_object_object_get_ex(rule, "until", &until);

	if (has_count && has_until)
		return false;
	if (has_count) {
		if (!jscal_int_in(count, 1, INT32_MAX))
			return false;
		strbuf_printf(b, ";COUNT=%d", json_object_get_int(count));
	}
	return !has_until || jscal_write_until(w, b, until);
}

icalproperty *jscal_write_rule(struct jscal_write *w, icalproperty_kind kind, json_object *rule)
{
	struct strbuf b = { 0 };
	struct icalrecurrencetype recur;
	icalproperty *prop;
	bool ok = json_object_is_type(rule, json_type_object) && jscal_write_head(&b, rule) &&
		  jscal_write_by_day(&b, rule) && jscal_write_by_month(&b, rule);

	for (size_t i = 0; ok && i < JSCAL_BY_LISTS; i++)
		ok = jscal_write_numbers(&b, rule, &jscal_by_lists[i]);
	ok = ok && jscal_write_tail(w, &b, rule);
	if (!ok) {
		strbuf_free(&b);
		return NULL;
	}
	recur = icalrecurrencetype_from_string(b.s);
	strbuf_free(&b);
	prop = recur.freq == ICAL_NO_RECURRENCE ? NULL : kind == ICAL_RRULE_PROPERTY ?
	       icalproperty_new_rrule(recur) : icalproperty_new_exrule(recur);
	/* the property holds a copy of the calendar scale name */
	free(recur.rscale);
	return prop;
}
