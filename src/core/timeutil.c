/* Clocks and RFC 3339 UTC dates. */
#include <stdbool.h>
#include <string.h>

#include "core/timeutil.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four year digits
 * can hold. */
#define TIME_MIN_UTC (-62167219200LL)
#define TIME_MAX_UTC 253402300799LL

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t time_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of time_days_from_civil(). */
static void time_civil_from_days(int64_t z, int64_t *y_r, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

/* Writes v as exactly n decimal digits. */
static void time_put_digits(char *out, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void time_format_utc(time_t t, char out[21])
{
	int64_t v = t, days, secs, year;
	int month, day;

	if (v < TIME_MIN_UTC)
		v = TIME_MIN_UTC;
	if (v > TIME_MAX_UTC)
		v = TIME_MAX_UTC;
	days = v / 86400;
	secs = v % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	time_civil_from_days(days, &year, &month, &day);
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	time_put_digits(out, year, 4);
	time_put_digits(out + 5, month, 2);
	time_put_digits(out + 8, day, 2);
	time_put_digits(out + 11, secs / 3600, 2);
	time_put_digits(out + 14, secs / 60 % 60, 2);
	time_put_digits(out + 17, secs % 60, 2);
}

/* Reads exactly n digits; returns -1 if any is missing. */
static int time_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool time_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int time_month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && time_is_leap(y) ? 29 : days[m - 1];
}

/* "YYYY-MM-DDTHH:MM:SS" into its fields; -1 on any deviation. */
static int time_parse_fields(const char *s, int f[6])
{
	static const struct { int off, len; char sep; } layout[6] = {
		{ 0, 4, '-' }, { 5, 2, '-' }, { 8, 2, 'T' },
		{ 11, 2, ':' }, { 14, 2, ':' }, { 17, 2, '\0' },
	};

	for (int i = 0; i < 6; i++) {
		if ((f[i] = time_digits(s + layout[i].off, layout[i].len)) < 0)
			return -1;
		if (layout[i].sep != '\0' &&
		    s[layout[i].off + layout[i].len] != layout[i].sep)
			return -1;
	}
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > time_month_days(f[0], f[1]))
		return -1;
	/* second 60 is a leap second (RFC 3339 §5.6) */
	if (f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	return 0;
}

int time_parse_utc(const char *s, time_t *t_r)
{
	const char *p;
	int f[6];

	if (strnlen(s, 20) < 20 || time_parse_fields(s, f) < 0)
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return -1;
	*t_r = (time_t)(time_days_from_civil(f[0], f[1], f[2]) * 86400 +
			f[3] * 3600 + f[4] * 60 + f[5]);
	return 0;
}
