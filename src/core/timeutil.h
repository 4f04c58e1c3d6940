#ifndef TERN_TIMEUTIL_H
#define TERN_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds on the monotonic clock. */
int64_t time_mono_ms(void);
/* Formats t as RFC 3339 UTC "2026-11-21T13:10:00Z" into out (>= 21 bytes). */
void time_format_utc(time_t t, char out[21]);
/* Parses RFC 3339 UTCDate "YYYY-MM-DDTHH:MM:SSZ" (JMAP UTCDate, fraction
 * allowed and ignored). Returns 0 or -1. */
int time_parse_utc(const char *s, time_t *t_r);

#endif
