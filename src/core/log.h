#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stdbool.h>

/* One line per event:
 *   2026-11-21T13:10:00.123Z level=info event=http.listen bind=127.0.0.1:8080
 * The caller's format adds the key=value fields after the event name.
 * Any value that comes from outside (names, addresses, client input)
 * must go through log_q(), which quotes and escapes it. */

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/* path NULL or "-" logs to stderr. Returns 0, or -1 with error_r. */
int log_open(const char *path, enum log_level min_level, const char **error_r);
/* Reopens the log file (SIGHUP, after rotation). Safe to call from the
 * main loop, not from a signal handler. */
void log_reopen(void);
void log_close(void);
void log_set_level(enum log_level min_level);
bool log_enabled(enum log_level level);
/* Parses "debug", "info", "warn", "error". Returns 0 or -1. */
int log_level_parse(const char *name, enum log_level *level_r);

void log_write(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Returns s quoted for a log value ("a b" -> "\"a b\""; plain tokens stay
 * bare). The result lives in a per-thread ring of buffers (8 deep), so
 * up to 8 log_q() values may appear in one log_write() call. */
const char *log_q(const char *s);

#define log_debug(event, ...) \
	do { if (log_enabled(LOG_LEVEL_DEBUG)) log_write(LOG_LEVEL_DEBUG, event, __VA_ARGS__); } while (0)
#define log_info(event, ...) log_write(LOG_LEVEL_INFO, event, __VA_ARGS__)
#define log_warn(event, ...) log_write(LOG_LEVEL_WARN, event, __VA_ARGS__)
#define log_error(event, ...) log_write(LOG_LEVEL_ERROR, event, __VA_ARGS__)

#endif
