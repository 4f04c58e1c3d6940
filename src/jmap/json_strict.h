#ifndef TERN_JMAP_JSON_STRICT_H
#define TERN_JMAP_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether text is exactly one JSON value (RFC 8259) as I-JSON (RFC 7493)
 * allows it: UTF-8, no unpaired surrogate escapes, nesting at most
 * max_depth, numbers a double can hold, only whitespace around it.
 * json-c accepts more (single-quoted names, NaN, "1.", raw control
 * characters), so requests pass here before json-c parses them.
 * Duplicate member names are not detected (json-c keeps the last).
 * One pass, no recursion. */
bool json_strict_valid(const char *text, size_t len, unsigned max_depth);

#endif
