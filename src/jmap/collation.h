#ifndef TERN_JMAP_COLLATION_H
#define TERN_JMAP_COLLATION_H

#include <stdbool.h>

/* The collations JMAP clients may name in a Comparator (RFC 4790,
 * RFC 5051): "i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap".
 * Sorting makes one key per string, then compares keys. */

#define JMAP_COLLATION_DEFAULT "i;unicode-casemap"

bool jmap_collation_known(const char *collation);
/* The sort key of s under collation (caller frees). */
char *jmap_collation_key(const char *collation, const char *s);
/* Compares two keys made by jmap_collation_key() with that collation. */
int jmap_collation_compare(const char *collation, const char *key_a, const char *key_b);
/* Whether haystack contains needle, compared as i;unicode-casemap. */
bool jmap_collation_contains(const char *haystack, const char *needle);
/* The text filters of Contacts and Calendars (RFC 9610): every word or
 * quoted phrase of query (backslash escapes taken) is contained in
 * field. An empty query matches; a NULL field matches only that. */
bool jmap_collation_text_matches(const char *field, const char *query);

#endif
