/* JSCalendar's date-times, durations and time zones over libical's, and
 * ids for map entries iCalendar gives none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

/* Bound on each number of a duration (about 115 days in seconds). */
#define JSCAL_DURATION_NUMBER_MAX 9999999

static bool jscal_digits(const char *s, size_t n, int *value_r)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value_r = v;
	return true;
}

bool jscal_local_parse(const char *s, struct icaltimetype *t_r)
{
	struct icaltimetype t = icaltime_null_time();

	if (strlen(s) != JSCAL_LOCAL_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || !jscal_digits(s, 4, &t.year) ||
	    !jscal_digits(s + 5, 2, &t.month) || !jscal_digits(s + 8, 2, &t.day) ||
	    !jscal_digits(s + 11, 2, &t.hour) || !jscal_digits(s + 14, 2, &t.minute) ||
	    !jscal_digits(s + 17, 2, &t.second))
		return false;
	if (t.year < 1 || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > icaltime_days_in_month(t.month, t.year) || t.hour > 23 || t.minute > 59 ||
	    t.second > 59)
		return false;
	*t_r = t;
	return true;
}

void jscal_local_format(struct icaltimetype t, char *out)
{
	unsigned hour = t.is_date ? 0 : (unsigned)t.hour % 24;
	unsigned minute = t.is_date ? 0 : (unsigned)t.minute % 60;
	unsigned second = t.is_date ? 0 : (unsigned)t.second % 60;

	snprintf(out, JSCAL_LOCAL_LEN + 1, "%04u-%02u-%02uT%02u:%02u:%02u", (unsigned)t.year % 10000,
		 (unsigned)t.month % 13, (unsigned)t.day % 32, hour, minute, second);
}

/* One "<digits><unit>" of a duration; NULL when there is none. */
static const char *jscal_duration_part(const char *s, int *value_r, char *unit_r)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 7 || s[n] == '\0' || !jscal_digits(s, n, value_r))
		return NULL;
	*unit_r = s[n];
	return s + n + 1;
}

/* The parts after "P": weeks alone, or days and/or "T" and time parts
 * in the order H, M, S. */
static bool jscal_duration_body(const char *s, struct icaldurationtype *d)
{
	static const char order[] = "WDHMS";
	size_t last = 0;
	bool in_time = false, any = false;
	int value;
	char unit;

	while (*s != '\0') {
		const char *pos;

		if (*s == 'T' && !in_time) {
			in_time = true;
			s++;
			continue;
		}
		if ((s = jscal_duration_part(s, &value, &unit)) == NULL ||
		    (pos = strchr(order, unit)) == NULL || (size_t)(pos - order) < last ||
		    in_time != (unit == 'H' || unit == 'M' || unit == 'S') ||
		    (any && unit == 'W') || last == 1 || value > JSCAL_DURATION_NUMBER_MAX)
			return false;
		last = (size_t)(pos - order) + 1;
		any = true;
		if (unit == 'W')
			d->weeks = (unsigned)value;
		else if (unit == 'D')
			d->days = (unsigned)value;
		else if (unit == 'H')
			d->hours = (unsigned)value;
		else if (unit == 'M')
			d->minutes = (unsigned)value;
		else
			d->seconds = (unsigned)value;
	}
	return any && (!in_time || last > 2) && !(last == 1 && in_time);
}

bool jscal_duration_parse(const char *s, bool signed_ok, struct icaldurationtype *d_r)
{
	struct icaldurationtype d = icaldurationtype_null_duration();

	if (signed_ok && (*s == '-' || *s == '+')) {
		d.is_neg = *s == '-';
		s++;
	}
	if (*s != 'P' || !jscal_duration_body(s + 1, &d))
		return false;
	*d_r = d;
	return true;
}

void jscal_duration_format(struct icaldurationtype d, char *out)
{
	unsigned days = d.days + d.weeks * 7;
	int n = snprintf(out, JSCAL_DURATION_MAX, "%sP", d.is_neg ? "-" : "");

	if (d.weeks != 0 && d.days == 0 && d.hours == 0 && d.minutes == 0 && d.seconds == 0) {
		snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "%uW", d.weeks);
		return;
	}
	if (days != 0)
		n += snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "%uD", days);
	if (d.hours == 0 && d.minutes == 0 && d.seconds == 0) {
		if (days == 0)
			snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "T0S");
		return;
	}
	n += snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "T");
	if (d.hours != 0)
		n += snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "%uH", d.hours);
	if (d.minutes != 0)
		n += snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "%uM", d.minutes);
	if (d.seconds != 0)
		snprintf(out + n, (size_t)(JSCAL_DURATION_MAX - n), "%uS", d.seconds);
}

struct icaldurationtype jscal_duration_seconds(int64_t seconds)
{
	struct icaldurationtype d = icaldurationtype_null_duration();

	if (seconds < 0) {
		d.is_neg = 1;
		seconds = -seconds;
	}
	d.days = (unsigned)(seconds / 86400);
	d.hours = (unsigned)(seconds % 86400 / 3600);
	d.minutes = (unsigned)(seconds % 3600 / 60);
	d.seconds = (unsigned)(seconds % 60);
	return d;
}

bool jscal_zone_is_utc(const char *name)
{
	return strcasecmp(name, "Etc/UTC") == 0 || strcasecmp(name, "UTC") == 0 ||
	       strcasecmp(name, "Etc/GMT") == 0 || strcasecmp(name, "GMT") == 0;
}

icaltimezone *jscalendar_zone(const char *name)
{
	icaltimezone *zone;

	if (*name == '\0')
		return NULL;
	if (jscal_zone_is_utc(name))
		return icaltimezone_get_utc_timezone();
	zone = icaltimezone_get_builtin_timezone(name);
	return zone != NULL ? zone : icaltimezone_get_builtin_timezone_from_tzid(name);
}

int jscalendar_time_parse(const char *s, icaltimezone *zone, int64_t *t_r)
{
	struct icaltimetype t;
	time_t utc;

	if (jscal_local_parse(s, &t)) {
		*t_r = (int64_t)icaltime_as_timet_with_zone(t, zone != NULL ? zone :
							    icaltimezone_get_utc_timezone());
		return 0;
	}
	if (strlen(s) > 0 && s[strlen(s) - 1] == 'Z' && time_parse_utc(s, &utc) == 0) {
		*t_r = (int64_t)utc;
		return 0;
	}
	return -1;
}

const char *jscal_zone_name(icalcomponent *cal, const char *tzid)
{
	icaltimezone *own = cal != NULL ? icalcomponent_get_timezone(cal, tzid) : NULL;
	const char *location = own != NULL ? icaltimezone_get_location(own) : NULL;

	if (jscal_zone_is_utc(tzid))
		return JSCAL_UTC_NAME;
	if (icaltimezone_get_builtin_timezone(tzid) != NULL)
		return tzid;
	if (location != NULL && icaltimezone_get_builtin_timezone(location) != NULL)
		return location;
	/* "/mozilla.org/20050126_1/Europe/Berlin" and the like */
	for (const char *p = strchr(tzid, '/'); p != NULL; p = strchr(p + 1, '/')) {
		if (p[1] != '\0' && icaltimezone_get_builtin_timezone(p + 1) != NULL)
			return p + 1;
	}
	return tzid;
}

icaltimezone *jscal_zone_of(icalcomponent *cal, const char *tzid)
{
	icaltimezone *zone = cal != NULL ? icalcomponent_get_timezone(cal, tzid) : NULL;

	return zone != NULL ? zone : jscalendar_zone(jscal_zone_name(cal, tzid));
}

const char *jscal_prop_tzid(icalproperty *prop)
{
	icalparameter *param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);

	return param != NULL ? icalparameter_get_tzid(param) : NULL;
}

struct icaltimetype jscal_prop_time(icalproperty *prop)
{
	icalvalue *value = icalproperty_get_value(prop);
	struct icaldatetimeperiodtype dtp;

	if (value == NULL)
		return icaltime_null_time();
	switch (icalvalue_isa(value)) {
	case ICAL_DATETIME_VALUE:
		return icalvalue_get_datetime(value);
	case ICAL_DATE_VALUE:
		return icalvalue_get_date(value);
	case ICAL_DATETIMEPERIOD_VALUE:
		dtp = icalvalue_get_datetimeperiod(value);
		return !icaltime_is_null_time(dtp.time) ? dtp.time : dtp.period.start;
	case ICAL_PERIOD_VALUE:
		return icalvalue_get_period(value).start;
	default:
		return icaltime_null_time();
	}
}

int64_t jscal_time_utc(icalcomponent *cal, struct icaltimetype t, const char *tzid,
		       icaltimezone *floating, bool *floating_r)
{
	icaltimezone *utc = icaltimezone_get_utc_timezone(), *zone = NULL;

	if (icaltime_is_utc(t))
		return (int64_t)icaltime_as_timet_with_zone(t, utc);
	if (tzid != NULL && !t.is_date)
		zone = jscal_zone_of(cal, tzid);
	if (zone == NULL) {
		if (floating_r != NULL)
			*floating_r = true;
		zone = floating != NULL ? floating : utc;
	}
	t.zone = NULL;
	return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

void jscal_derived_id(const char *content, char *out)
{
	uint8_t digest[SHA256_LEN];

	sha256(content, strlen(content), digest);
	hex_encode(digest, JSCAL_ID_LEN / 2, out);
}

void jscal_map_add_unique(json_object *map, const char *key, json_object *value)
{
	char *alt;

	if (!json_object_object_get_ex(map, key, NULL)) {
		json_object_object_add(map, key, value);
		return;
	}
	for (int n = 2;; n++) {
		alt = xasprintf("%s-%d", key, n);
		if (!json_object_object_get_ex(map, alt, NULL))
			break;
		free(alt);
	}
	json_object_object_add(map, alt, value);
	free(alt);
}

const char *jscal_string(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

char *jscal_prop_text(icalproperty *prop)
{
	char *s = icalproperty_get_value_as_string_r(prop);

	return s != NULL ? s : xstrdup("");
}
