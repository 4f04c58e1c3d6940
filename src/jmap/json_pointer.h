#ifndef TERN_JMAP_JSON_POINTER_H
#define TERN_JMAP_JSON_POINTER_H

#include <stddef.h>

#include <json-c/json.h>

/* JSON Pointer (RFC 6901) as JMAP result references use it (RFC 8620
 * §3.7): "*" in a path maps the rest of the path over every item of an
 * array and flattens arrays that come out of that.
 *
 * Returns a new reference to the value (caller puts) with *error_r
 * NULL, or NULL with *error_r saying why the path does not resolve. A
 * JSON null value is also NULL (json-c's null), with *error_r NULL. */
json_object *json_pointer_eval(json_object *root, const char *pointer, const char **error_r);

/* One reference token of len bytes with ~0 and ~1 undone (caller
 * frees), or NULL if a '~' is followed by anything else. */
char *json_pointer_unescape(const char *token, size_t len);

#endif
