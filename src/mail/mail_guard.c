/* A linear pre-scan that bounds what GMime is given. GMime has no part
 * count limit, allocates a few KiB per part, and checks every line that
 * starts with "--" against each boundary in scope: a message of 100,000
 * tiny parts or of deep nesting would cost seconds and hundreds of MiB.
 * The scan counts the structure events GMime would act on (delimiter
 * lines of declared boundaries, message content types) and cuts the
 * message at the line where they exceed a budget well above the model's
 * own limits, so an ordinary message is never cut. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* Boundary comparisons GMime may make (lines x boundaries in scope). */
#define GUARD_WORK_MAX (1u << 24)
/* Structure events always allowed, whatever the model's limits: small
 * limits make opaque leaves, which should still hold all their bytes. */
#define GUARD_MIN_EVENTS 4096

struct guard_key {
	const char *s;
	size_t len;
};

struct guard_set {
	struct guard_key *slots;
	size_t cap, count;
};

struct guard {
	struct guard_set boundaries;
	size_t events, events_max;
	uint64_t work;
};

static uint32_t guard_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the empty slot where it belongs. */
static struct guard_key *guard_set_slot(const struct guard_set *set, const char *s, size_t len)
{
	size_t i = guard_hash(s, len) & (set->cap - 1);

	while (set->slots[i].s != NULL &&
	       (set->slots[i].len != len || memcmp(set->slots[i].s, s, len) != 0))
		i = (i + 1) & (set->cap - 1);
	return &set->slots[i];
}

static bool guard_set_contains(const struct guard_set *set, const char *s, size_t len)
{
	return set->count > 0 && guard_set_slot(set, s, len)->s != NULL;
}

static void guard_set_grow(struct guard_set *set)
{
	struct guard_set bigger = { xcalloc(set->cap > 0 ? set->cap * 2 : 16, sizeof(struct guard_key)),
				    set->cap > 0 ? set->cap * 2 : 16, set->count };

	for (size_t i = 0; i < set->cap; i++) {
		if (set->slots[i].s != NULL)
			*guard_set_slot(&bigger, set->slots[i].s, set->slots[i].len) = set->slots[i];
	}
	free(set->slots);
	*set = bigger;
}

static void guard_set_add(struct guard_set *set, const char *s, size_t len)
{
	struct guard_key *slot;

	if ((set->count + 1) * 2 > set->cap)
		guard_set_grow(set);
	slot = guard_set_slot(set, s, len);
	if (slot->s == NULL) {
		slot->s = s;
		slot->len = len;
		set->count++;
	}
}

static bool guard_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A line "--x" whose x, less trailing white space and a final "--",
 * is a declared boundary: GMime's delimiter rule. */
static bool guard_line_is_delimiter(const struct guard *g, const char *line, size_t len)
{
	while (len > 2 && guard_is_wsp(line[len - 1]))
		len--;
	if (guard_set_contains(&g->boundaries, line + 2, len - 2))
		return true;
	return len >= 4 && line[len - 1] == '-' && line[len - 2] == '-' &&
	       guard_set_contains(&g->boundaries, line + 2, len - 4);
}

static bool guard_line_is_message_type(const char *line, size_t len)
{
	size_t i = 13;

	if (len < 13 || strncasecmp(line, "content-type:", 13) != 0)
		return false;
	while (i < len && guard_is_wsp(line[i]))
		i++;
	return len - i >= 8 && strncasecmp(line + i, "message/", 8) == 0;
}

/* Records the value of a "boundary=" parameter whose '=' is at eq. */
static void guard_add_declaration(struct guard *g, const char *line, const char *eq, const char *end)
{
	const char *p = eq, *value;

	while (p > line && guard_is_wsp(p[-1]))
		p--;
	if (p - line < 8 || strncasecmp(p - 8, "boundary", 8) != 0)
		return;
	if (p - line > 8 && (isalnum((unsigned char)p[-9]) || p[-9] == '-' || p[-9] == '_'))
		return;
	for (p = eq + 1; p < end && guard_is_wsp(*p); p++)
		;
	if (p < end && *p == '"') {
		value = ++p;
		while (p < end && *p != '"')
			p++;
	} else {
		value = p;
		while (p < end && *p != ';' && *p != '"' && !guard_is_wsp(*p))
			p++;
	}
	if (p > value)
		guard_set_add(&g->boundaries, value, (size_t)(p - value));
}

static void guard_scan_line(struct guard *g, const char *line, size_t len)
{
	const char *end = line + len, *eq = line;

	if (len >= 2 && line[0] == '-' && line[1] == '-') {
		g->work += g->boundaries.count;
		if (guard_line_is_delimiter(g, line, len))
			g->events++;
		return;
	}
	if (guard_line_is_message_type(line, len))
		g->events++;
	while ((eq = memchr(eq, '=', (size_t)(end - eq))) != NULL) {
		guard_add_declaration(g, line, eq, end);
		eq++;
	}
}

size_t mail_guard_cut(const char *raw, size_t len, const struct mail_limits *limits)
{
	struct guard g = { .events_max = 4 * (size_t)limits->max_parts + 2 * (size_t)limits->max_depth };
	size_t pos = 0, cut = len;

	if (g.events_max < GUARD_MIN_EVENTS)
		g.events_max = GUARD_MIN_EVENTS;
	while (pos < len) {
		const char *nl = memchr(raw + pos, '\n', len - pos);
		size_t line_len = nl != NULL ? (size_t)(nl - (raw + pos)) : len - pos;

		guard_scan_line(&g, raw + pos, line_len);
		if (g.events > g.events_max || g.boundaries.count > g.events_max ||
		    g.work > GUARD_WORK_MAX) {
			cut = pos;
			break;
		}
		pos += line_len + 1;
	}
	free(g.boundaries.slots);
	return cut;
}
