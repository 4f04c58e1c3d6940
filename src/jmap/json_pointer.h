#ifndef TERN_JMAP_JSON_POINTER_H
#define TERN_JMAP_JSON_POINTER_H

#include <json-c/json.h>

/* JSON Pointer (RFC 6901) as JMAP result references use it (RFC 8620
 * §3.7): "*" in a path maps the rest of the path over every item of an
 * array and flattens arrays that come out of that.
 *
 * Returns a new reference to the value (caller puts), or NULL when the
 * path does not resolve; *error_r then says why. */
json_object *json_pointer_eval(json_object *root, const char *pointer, const char **error_r);

#endif
