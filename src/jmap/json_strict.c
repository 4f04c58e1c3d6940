/* A strict JSON grammar check over raw bytes (RFC 8259, RFC 7493),
 * iterative with an explicit stack of open containers. */
#include <endian.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/json_strict.h"

struct strict {
	const unsigned char *p, *end;
	/* Member names become C strings (json-c keys): a "\u0000" in one
	 * would silently cut it, so it is refused instead. */
	bool in_name;
};

static void strict_space(struct strict *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool strict_literal(struct strict *s, const char *word)
{
	size_t len = strlen(word);

	if ((size_t)(s->end - s->p) < len || memcmp(s->p, word, len) != 0)
		return false;
	s->p += len;
	return true;
}

static bool strict_digits(struct strict *s)
{
	const unsigned char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start;
}

/* I-JSON (RFC 7493 §2.2): no number beyond what a double can hold. */
static bool strict_number_finite(const unsigned char *start, size_t len)
{
	char buf[64], *copy = len < sizeof(buf) ? buf : xmalloc(len + 1);
	bool finite;

	memcpy(copy, start, len);
	copy[len] = '\0';
	finite = isfinite(strtod(copy, NULL));
	if (copy != buf)
		free(copy);
	return finite;
}

static bool strict_number_syntax(struct strict *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!strict_digits(s))
		return false;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!strict_digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!strict_digits(s))
			return false;
	}
	return true;
}

static bool strict_number(struct strict *s)
{
	const unsigned char *start = s->p;

	return strict_number_syntax(s) && strict_number_finite(start, (size_t)(s->p - start));
}

static int strict_hex4(struct strict *s)
{
	int v = 0;

	if (s->end - s->p < 4)
		return -1;
	for (int i = 0; i < 4; i++, s->p++) {
		unsigned char c = *s->p;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/* After "\u": a code unit, and a low surrogate right after a high one. */
static bool strict_unicode_escape(struct strict *s)
{
	int unit = strict_hex4(s);

	if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff) || (unit == 0 && s->in_name))
		return false;
	if (unit >= 0xd800 && unit <= 0xdbff) {
		if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
			return false;
		s->p += 2;
		unit = strict_hex4(s);
		return unit >= 0xdc00 && unit <= 0xdfff;
	}
	return true;
}

/* One UTF-8 sequence (RFC 3629: no overlongs, no surrogates). */
static bool strict_utf8(struct strict *s)
{
	unsigned char c = *s->p;
	size_t n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	uint32_t cp = c & (n == 3 ? 0x07 : n == 2 ? 0x0f : 0x1f);

	if (c < 0xc2 || c > 0xf4 || (size_t)(s->end - s->p) <= n)
		return false;
	for (size_t i = 1; i <= n; i++) {
		if ((s->p[i] & 0xc0) != 0x80)
			return false;
		cp = (cp << 6) | (s->p[i] & 0x3f);
	}
	if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return false;
	s->p += n + 1;
	return true;
}

/* The bytes of w below n (n at most 0x80) have their top bit set in
 * the result; a borrow can mark bytes above the first such byte too,
 * never below it, so the lowest mark is exact. */
static inline uint64_t strict_below(uint64_t w, uint8_t n)
{
	return (w - 0x0101010101010101ULL * n) & ~w & 0x8080808080808080ULL;
}

/* Skips plain string bytes (printable ASCII other than '"' and '\\')
 * a word at a time, up to the first byte that needs a look of its own:
 * request bodies are mostly long strings of message text. */
static void strict_plain_run(struct strict *s)
{
	uint64_t w, marks;

	while (s->end - s->p >= 8) {
		memcpy(&w, s->p, sizeof(w));
		w = le64toh(w);
		marks = (w & 0x8080808080808080ULL) | strict_below(w, 0x20) |
			strict_below(w ^ 0x2222222222222222ULL, 1) |
			strict_below(w ^ 0x5c5c5c5c5c5c5c5cULL, 1);
		if (marks != 0) {
			s->p += (unsigned)__builtin_ctzll(marks) / 8;
			return;
		}
		s->p += 8;
	}
}

static bool strict_string(struct strict *s)
{
	s->p++;
	while (s->p < s->end) {
		unsigned char c;

		strict_plain_run(s);
		if (s->p >= s->end)
			break;
		c = *s->p;
		if (c == '"') {
			s->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!strict_utf8(s))
				return false;
			continue;
		}
		s->p++;
		if (c != '\\')
			continue;
		if (s->p >= s->end)
			return false;
		c = *s->p++;
		if (c == 'u' ? !strict_unicode_escape(s) : strchr("\"\\/bfnrt", c) == NULL || c == 0)
			return false;
	}
	return false;
}

static bool strict_scalar(struct strict *s)
{
	switch (*s->p) {
	case '"':
		return strict_string(s);
	case 't':
		return strict_literal(s, "true");
	case 'f':
		return strict_literal(s, "false");
	case 'n':
		return strict_literal(s, "null");
	default:
		return strict_number(s);
	}
}

/* The state machine: stack[d] is '{' or '[' for each open container. */
struct strict_stack {
	char *open;
	unsigned depth, max;
};

/* Reads a value's start: opens a container or reads a scalar. */
static bool strict_value(struct strict *s, struct strict_stack *st, bool *opened_r)
{
	strict_space(s);
	*opened_r = false;
	if (s->p >= s->end)
		return false;
	if (*s->p == '{' || *s->p == '[') {
		if (st->depth == st->max)
			return false;
		st->open[st->depth++] = (char)*s->p++;
		*opened_r = true;
		return true;
	}
	return strict_scalar(s);
}

/* After "{" or ",": a member name and ':' (the value follows). */
static bool strict_member_name(struct strict *s)
{
	bool ok;

	strict_space(s);
	if (s->p >= s->end || *s->p != '"')
		return false;
	s->in_name = true;
	ok = strict_string(s);
	s->in_name = false;
	if (!ok)
		return false;
	strict_space(s);
	if (s->p >= s->end || *s->p != ':')
		return false;
	s->p++;
	return true;
}

/* Just after a value inside a container: the closing bracket (then
 * *closed_r), or ',' and the next member's name. */
static bool strict_after_value(struct strict *s, struct strict_stack *st, bool *closed_r)
{
	char open = st->open[st->depth - 1];

	strict_space(s);
	*closed_r = false;
	if (s->p >= s->end)
		return false;
	if (*s->p == (open == '{' ? '}' : ']')) {
		s->p++;
		st->depth--;
		*closed_r = true;
		return true;
	}
	if (*s->p != ',')
		return false;
	s->p++;
	return open == '[' || strict_member_name(s);
}

/* Just after an opening bracket: the closing one at once (then
 * *closed_r), or the first member's name. */
static bool strict_after_open(struct strict *s, struct strict_stack *st, bool *closed_r)
{
	char open = st->open[st->depth - 1];

	strict_space(s);
	*closed_r = s->p < s->end && *s->p == (open == '{' ? '}' : ']');
	if (*closed_r) {
		s->p++;
		st->depth--;
		return true;
	}
	return open == '[' || strict_member_name(s);
}

static bool strict_run(struct strict *s, struct strict_stack *st)
{
	bool opened, closed;

	if (!strict_value(s, st, &opened))
		return false;
	while (st->depth > 0) {
		bool ok = opened ? strict_after_open(s, st, &closed) :
				   strict_after_value(s, st, &closed);

		if (!ok)
			return false;
		if (closed)
			opened = false;
		else if (!strict_value(s, st, &opened))
			return false;
	}
	strict_space(s);
	return s->p == s->end;
}

bool json_strict_valid(const char *text, size_t len, unsigned max_depth)
{
	struct strict s = { .p = (const unsigned char *)text,
			   .end = (const unsigned char *)text + len };
	struct strict_stack st = { xmalloc(max_depth + 1), 0, max_depth };
	bool ok = strict_run(&s, &st);

	free(st.open);
	return ok;
}
