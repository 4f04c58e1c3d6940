/* vCard <-> JSContact: JSON helpers and the date and time forms. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "jmap/jscontact_private.h"

/* Apple writes a birthday without a year as year 1604 and says so. */
#define JSC_APPLE_NO_YEAR 1604

const char *jsc_get_string(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

json_object *jsc_get_object(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

bool jsc_member_ok(json_object *obj, const char *name, enum json_type type)
{
	json_object *v;

	return !json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, type);
}

bool jsc_is_true_set(json_object *value)
{
	if (!json_object_is_type(value, json_type_object))
		return false;
	json_object_object_foreach(value, key, v) {
		(void)key;
		if (!json_object_is_type(v, json_type_boolean) || !json_object_get_boolean(v))
			return false;
	}
	return true;
}

void jsc_pointer_append(struct strbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '~')
			strbuf_puts(b, "~0");
		else if (*s == '/')
			strbuf_puts(b, "~1");
		else
			strbuf_putc(b, *s);
	}
}

/* n digits at s into *v; the number of bytes used (0 if not digits). */
static size_t jsc_digits(const char *s, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return n;
}

/* "--MMDD", "--MM-DD", "--MM", "---DD". */
static bool jsc_date_no_year(const char *s, int *month, int *day)
{
	if (strncmp(s, "---", 3) == 0)
		return jsc_digits(s + 3, 2, day) == 2 && s[5] == '\0';
	if (jsc_digits(s + 2, 2, month) != 2)
		return false;
	s += 4;
	if (*s == '-')
		s++;
	return *s == '\0' || (jsc_digits(s, 2, day) == 2 && s[2] == '\0');
}

/* "YYYYMMDD", "YYYY-MM-DD", "YYYY-MM", "YYYY". */
static bool jsc_date_with_year(const char *s, int *year, int *month, int *day)
{
	if (jsc_digits(s, 4, year) != 4)
		return false;
	s += 4;
	if (*s == '\0')
		return true;
	if (*s == '-')
		s++;
	if (jsc_digits(s, 2, month) != 2)
		return false;
	s += 2;
	if (*s == '\0')
		return true;
	if (*s == '-')
		s++;
	return jsc_digits(s, 2, day) == 2 && s[2] == '\0';
}

static json_object *jsc_partial_date(int year, int month, int day)
{
	json_object *date = json_object_new_object();

	json_object_object_add(date, "@type", json_object_new_string("PartialDate"));
	if (year > 0)
		json_object_object_add(date, "year", json_object_new_int(year));
	if (month > 0)
		json_object_object_add(date, "month", json_object_new_int(month));
	if (day > 0)
		json_object_object_add(date, "day", json_object_new_int(day));
	return date;
}

static json_object *jsc_timestamp_json(const char *value)
{
	json_object *date;
	char utc[21];
	time_t t;

	if (jsc_timestamp_parse(value, &t) < 0)
		return NULL;
	time_format_utc(t, utc);
	date = json_object_new_object();
	json_object_object_add(date, "@type", json_object_new_string("Timestamp"));
	json_object_object_add(date, "utc", json_object_new_string(utc));
	return date;
}

json_object *jsc_date_from_vcard(const char *value, int omit_year)
{
	int year = 0, month = 0, day = 0;
	bool ok;

	if (strchr(value, 'T') != NULL)
		return jsc_timestamp_json(value);
	if (strncmp(value, "--", 2) == 0)
		ok = jsc_date_no_year(value, &month, &day);
	else
		ok = jsc_date_with_year(value, &year, &month, &day);
	if (!ok || month > 12 || day > 31 || (month == 0 && day == 0 && year == 0))
		return NULL;
	if (omit_year != 0 && year == omit_year)
		year = 0;
	return jsc_partial_date(year, month, day);
}

static bool jsc_date_part(json_object *date, const char *name, int max, int *v_r)
{
	json_object *v;

	*v_r = 0;
	if (!json_object_object_get_ex(date, name, &v))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	*v_r = json_object_get_int(v);
	return *v_r >= 1 && *v_r <= max;
}

static int jsc_timestamp_to_vcard(json_object *date, enum vcard_version version,
				  struct strbuf *out)
{
	const char *utc = jsc_get_string(date, "utc");
	time_t t;

	if (utc == NULL || time_parse_utc(utc, &t) < 0)
		return -1;
	jsc_timestamp_format(t, version, out);
	return 0;
}

int jsc_date_to_vcard(json_object *date, enum vcard_version version, struct strbuf *out,
		      int *omit_year_r)
{
	const char *type = jsc_get_string(date, "@type");
	int year, month, day;

	*omit_year_r = 0;
	if (!json_object_is_type(date, json_type_object))
		return -1;
	if ((type != NULL && strcmp(type, "Timestamp") == 0) ||
	    (type == NULL && json_object_object_get_ex(date, "utc", NULL)))
		return jsc_timestamp_to_vcard(date, version, out);
	if (!jsc_date_part(date, "year", 9999, &year) || !jsc_date_part(date, "month", 12, &month) ||
	    !jsc_date_part(date, "day", 31, &day) || (year == 0 && month == 0 && day == 0) ||
	    (year != 0 && month == 0 && day != 0))
		return -1;
	if (version == VCARD_VERSION_3 && year == 0 && month != 0 && day != 0) {
		*omit_year_r = JSC_APPLE_NO_YEAR;
		year = JSC_APPLE_NO_YEAR;
	}
	if (year != 0 && month != 0 && day != 0)
		strbuf_printf(out, version == VCARD_VERSION_3 ? "%04d-%02d-%02d" : "%04d%02d%02d",
			      year, month, day);
	else if (year != 0 && month != 0)
		strbuf_printf(out, "%04d-%02d", year, month);
	else if (year != 0)
		strbuf_printf(out, "%04d", year);
	else if (month != 0 && day != 0)
		strbuf_printf(out, "--%02d%02d", month, day);
	else if (month != 0)
		strbuf_printf(out, "--%02d", month);
	else
		strbuf_printf(out, "---%02d", day);
	return 0;
}

/* "hh[mm[ss]]" or "hh:mm:ss", then "Z", "+hh[mm]", "-hh:mm" or nothing
 * (taken as UTC). Fills the time of tm and the zone offset. */
static int jsc_time_parse(const char *s, struct tm *tm, long *offset_r)
{
	int v[3] = { 0, 0, 0 }, zh = 0, zm = 0;
	const char *m;

	for (int i = 0; i < 3 && *s >= '0' && *s <= '9'; i++) {
		if (jsc_digits(s, 2, &v[i]) != 2)
			return -1;
		s += 2;
		if (*s == ':')
			s++;
	}
	tm->tm_hour = v[0];
	tm->tm_min = v[1];
	tm->tm_sec = v[2];
	*offset_r = 0;
	if (*s == 'Z' || *s == 'z')
		return s[1] == '\0' ? 0 : -1;
	if (*s == '\0')
		return 0;
	if ((*s != '+' && *s != '-') || jsc_digits(s + 1, 2, &zh) != 2)
		return -1;
	m = s[3] == ':' ? s + 4 : s + 3;
	if (*m != '\0' && (jsc_digits(m, 2, &zm) != 2 || m[2] != '\0'))
		return -1;
	*offset_r = (zh * 3600L + zm * 60L) * (*s == '-' ? -1 : 1);
	return 0;
}

int jsc_timestamp_parse(const char *value, time_t *t_r)
{
	struct tm tm = { 0 };
	int year = 0, month = 0, day = 0;
	const char *t = strchr(value, 'T');
	char date[16];
	long offset = 0;
	size_t len = t != NULL ? (size_t)(t - value) : strlen(value);

	if (len >= sizeof(date))
		return -1;
	memcpy(date, value, len);
	date[len] = '\0';
	if (!jsc_date_with_year(date, &year, &month, &day) || month == 0 || day == 0 ||
	    (t != NULL && jsc_time_parse(t + 1, &tm, &offset) < 0))
		return -1;
	if (month > 12 || day > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	*t_r = timegm(&tm) - offset;
	return 0;
}

void jsc_timestamp_format(time_t t, enum vcard_version version, struct strbuf *out)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strbuf_printf(out, version == VCARD_VERSION_3 ? "%04d-%02d-%02dT%02d:%02d:%02dZ" :
		      "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
