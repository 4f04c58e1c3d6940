#ifndef TERN_JMAP_RESULTREF_H
#define TERN_JMAP_RESULTREF_H

#include <json-c/json.h>

/* Result references (RFC 8620 §3.7): every argument "#name" whose value
 * is a ResultReference {resultOf, name, path} is replaced by the value
 * the path selects in the earlier response with callId resultOf and
 * method name `name`.
 *
 * Returns a new arguments object (caller puts) with the references
 * resolved, or NULL with *error_r describing an invalidResultReference
 * (also when "#x" and "x" are both present). */
json_object *jmap_resultref_resolve(json_object *args, json_object *method_responses,
				    const char **error_r);

/* The name x of an argument given both as "x" and as "#x" (borrowed
 * from args), or NULL: the envelope answers that with invalidArguments
 * (RFC 8620 §3.7) before resolving. */
const char *jmap_resultref_conflict(json_object *args);

#endif
