/* One line per event, key=value fields, one write(2) per line. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"

#define LOG_LINE_MAX 4096
#define LOG_Q_RING 8
#define LOG_Q_MAX 1024

static const char *const log_level_names[] = {
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_ERROR] = "error",
};

/* Until log_open(), lines go to stderr at info level. The lock keeps
 * lines whole and makes swapping the descriptor safe. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = STDERR_FILENO;
static char *log_path;
static atomic_int log_min_level = LOG_LEVEL_INFO;

static _Thread_local char log_q_ring[LOG_Q_RING][LOG_Q_MAX];
static _Thread_local unsigned int log_q_next;

static int log_file_open(const char *path, const char **error_r)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		*error_r = err_fmt("cannot open log file %s: %s", path, strerror(errno));
	return fd;
}

/* Installs fd (and path, owned) as the log target; closes the old one. */
static void log_target_swap(int fd, char *path)
{
	int old_fd;
	char *old_path;

	pthread_mutex_lock(&log_lock);
	old_fd = log_fd;
	old_path = log_path;
	log_fd = fd;
	log_path = path;
	pthread_mutex_unlock(&log_lock);
	if (old_fd != STDERR_FILENO && old_fd != fd)
		close(old_fd);
	free(old_path);
}

int log_open(const char *path, enum log_level min_level, const char **error_r)
{
	int fd = STDERR_FILENO;

	if (path != NULL && strcmp(path, "-") != 0) {
		if ((fd = log_file_open(path, error_r)) < 0)
			return -1;
	}
	log_target_swap(fd, fd == STDERR_FILENO ? NULL : xstrdup(path));
	log_set_level(min_level);
	return 0;
}

void log_reopen(void)
{
	const char *error;
	char *path;
	int fd;

	pthread_mutex_lock(&log_lock);
	path = log_path != NULL ? xstrdup(log_path) : NULL;
	pthread_mutex_unlock(&log_lock);
	if (path == NULL)
		return;
	if ((fd = log_file_open(path, &error)) < 0) {
		free(path);
		log_error("log.reopen", "error=%s", log_q(error));
		return;
	}
	log_target_swap(fd, path);
}

void log_close(void)
{
	log_target_swap(STDERR_FILENO, NULL);
}

void log_set_level(enum log_level min_level)
{
	atomic_store(&log_min_level, (int)min_level);
}

bool log_enabled(enum log_level level)
{
	return (int)level >= atomic_load(&log_min_level);
}

int log_level_parse(const char *name, enum log_level *level_r)
{
	for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*level_r = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* "2026-11-21T13:10:00.123Z level=info event=NAME" into buf. */
static size_t log_format_prefix(char *buf, size_t size, enum log_level level,
				const char *event)
{
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     log_level_names[level], event);
	return n < 0 ? 0 : ((size_t)n >= size ? size - 1 : (size_t)n);
}

/* Appends " fields" and keeps the result on one line whatever the
 * caller formatted. */
static size_t log_format_fields(char *buf, size_t len, size_t size,
				const char *fmt, va_list ap)
{
	size_t start = len + 1;
	int n;

	if (fmt[0] == '\0' || start >= size - 1)
		return len;
	buf[len] = ' ';
	n = vsnprintf(buf + start, size - start, fmt, ap);
	if (n <= 0)
		return len;
	if ((size_t)n >= size - start) {
		n = (int)(size - start - 1);
		memcpy(buf + size - 4, "...", 3);
	}
	for (size_t i = start; i < start + (size_t)n; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	}
	return start + (size_t)n;
}

static void log_emit(const char *line, size_t len)
{
	size_t done = 0;

	pthread_mutex_lock(&log_lock);
	while (done < len) {
		ssize_t n = write(log_fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	pthread_mutex_unlock(&log_lock);
}

void log_write(enum log_level level, const char *event, const char *fmt, ...)
{
	char line[LOG_LINE_MAX + 1];
	va_list ap;
	size_t len;

	if ((unsigned int)level > LOG_LEVEL_ERROR || !log_enabled(level))
		return;
	len = log_format_prefix(line, LOG_LINE_MAX, level, event);
	va_start(ap, fmt);
	len = log_format_fields(line, len, LOG_LINE_MAX, fmt, ap);
	va_end(ap);
	line[len++] = '\n';
	log_emit(line, len);
}

static bool log_q_is_bare(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=')
			return false;
	}
	return true;
}

/* Writes the escaped form of c at out; returns its length (at most 4). */
static size_t log_q_escape(unsigned char c, char *out)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"': memcpy(out, "\\\"", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\r': memcpy(out, "\\r", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	default:
		break;
	}
	if (c < 0x20 || c == 0x7f) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 0xf];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

const char *log_q(const char *s)
{
	char *buf = log_q_ring[log_q_next];
	size_t len = 0;

	log_q_next = (log_q_next + 1) % LOG_Q_RING;
	if (s == NULL)
		return "(null)";
	if (log_q_is_bare(s) && strlen(s) < LOG_Q_MAX)
		return strcpy(buf, s);
	buf[len++] = '"';
	for (; *s != '\0'; s++) {
		/* room for one escape, "...", the quote and the NUL */
		if (len + 4 + 3 + 2 > LOG_Q_MAX) {
			memcpy(buf + len, "...", 3);
			len += 3;
			break;
		}
		len += log_q_escape((unsigned char)*s, buf + len);
	}
	buf[len++] = '"';
	buf[len] = '\0';
	return buf;
}
