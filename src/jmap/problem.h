#ifndef TERN_JMAP_PROBLEM_H
#define TERN_JMAP_PROBLEM_H

#include <json-c/json.h>

/* Request-level errors as problem details objects (RFC 7807; RFC 8620
 * §3.6.1). */

#define JMAP_PROBLEM_NOT_JSON "urn:ietf:params:jmap:error:notJSON"
#define JMAP_PROBLEM_NOT_REQUEST "urn:ietf:params:jmap:error:notRequest"
#define JMAP_PROBLEM_UNKNOWN_CAPABILITY "urn:ietf:params:jmap:error:unknownCapability"
#define JMAP_PROBLEM_LIMIT "urn:ietf:params:jmap:error:limit"
/* RFC 7807 §4.2: a problem that is just its HTTP status. */
#define JMAP_PROBLEM_BLANK "about:blank"

/* A new problem details object {type, status, detail} with "limit" when
 * limit is not NULL (the limit type requires it). */
json_object *jmap_problem(const char *type, int status, const char *limit, const char *detail);

#endif
