/* Problem details objects (RFC 7807). */
#include "jmap/problem.h"

json_object *jmap_problem(const char *type, int status, const char *limit, const char *detail)
{
	json_object *problem = json_object_new_object();

	json_object_object_add(problem, "type", json_object_new_string(type));
	json_object_object_add(problem, "status", json_object_new_int(status));
	if (limit != NULL)
		json_object_object_add(problem, "limit", json_object_new_string(limit));
	json_object_object_add(problem, "detail", json_object_new_string(detail));
	return problem;
}
