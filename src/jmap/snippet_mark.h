#ifndef TERN_JMAP_SNIPPET_MARK_H
#define TERN_JMAP_SNIPPET_MARK_H

#include <stdbool.h>
#include <stddef.h>

/* The highlighter of SearchSnippet/get (RFC 8621 §5): finds the words
 * and phrases of text filters in a subject or body and wraps them in
 * <mark></mark>, the rest HTML-escaped. Words are compared as the
 * full-text index compares them: case and diacritics folded, a term
 * matching a word that starts with it. */

struct snippet_terms;

struct snippet_terms *snippet_terms_new(void);
void snippet_terms_free(struct snippet_terms **terms);

/* Adds the terms of one JMAP text search string (§4.4.1): a quoted
 * section ('...' or "...", backslash escaping a quote or a backslash)
 * is one phrase; elsewhere every word is a term of its own. Terms past
 * a fixed bound are ignored. */
void snippet_terms_add(struct snippet_terms *terms, const char *query);
bool snippet_terms_empty(const struct snippet_terms *terms);

/* text with every match of terms marked and the rest escaped (& < > "),
 * or NULL when nothing matches. max_bytes 0: all of text; otherwise a
 * section around the first match, "..." where text was cut, at most
 * max_bytes octets in all (>= 64). Invalid UTF-8 is repaired first.
 * Caller frees. */
char *snippet_mark(const struct snippet_terms *terms, const char *text, size_t max_bytes);

#endif
