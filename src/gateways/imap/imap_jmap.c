/* JMAP calls for the IMAP gateway: one method through jmap_invoke() as
 * the session's user, and the reading of /set outcomes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"
#include "jmap/jmap.h"

json_object *imap_jmap_call(struct imap_session *s, const char *method, json_object *args,
			    char **error_type_r)
{
	json_object *responses, *first, *type = NULL, *result = NULL;
	const char *name;

	*error_type_r = NULL;
	if (!json_object_object_get_ex(args, "accountId", NULL))
		json_object_object_add(args, "accountId", json_object_new_string(s->account_id));
	responses = jmap_invoke(s->srv->jmap, &s->user, method, args);
	json_object_put(args);
	first = imap_json_array_len(responses) > 0 ? json_object_array_get_idx(responses, 0) : NULL;
	if (imap_json_array_len(first) < 2)
		first = NULL;
	name = first != NULL ? json_object_get_string(json_object_array_get_idx(first, 0)) : NULL;
	if (name != NULL && strcmp(name, method) == 0) {
		result = json_object_get(json_object_array_get_idx(first, 1));
	} else {
		if (first != NULL)
			json_object_object_get_ex(json_object_array_get_idx(first, 1), "type", &type);
		*error_type_r = xstrdup(type != NULL ? json_object_get_string(type) : "serverFail");
		log_debug("imap.jmap.error", "user=%s method=%s type=%s", log_q(s->user.name),
			  method, log_q(*error_type_r));
	}
	json_object_put(responses);
	return result;
}

static bool imap_jmap_array_has(json_object *array, const char *id)
{
	size_t n = json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(array, i));

		if (s != NULL && strcmp(s, id) == 0)
			return true;
	}
	return false;
}

const char *imap_jmap_set_error(json_object *response, const char *verb, const char *id)
{
	json_object *done, *not, *error, *type;
	char key[24];

	if (json_object_object_get_ex(response, verb, &done) &&
	    (json_object_is_type(done, json_type_object) ?
	     json_object_object_get_ex(done, id, NULL) : imap_jmap_array_has(done, id)))
		return NULL;
	snprintf(key, sizeof(key), "not%c%s", toupper((unsigned char)verb[0]), verb + 1);
	if (json_object_object_get_ex(response, key, &not) &&
	    json_object_object_get_ex(not, id, &error) &&
	    json_object_object_get_ex(error, "type", &type))
		return json_object_get_string(type);
	return "serverFail";
}

void imap_cmd_fail(struct imap_session *s, const char *what, char *error_type)
{
	const char *type = error_type != NULL ? error_type : "serverFail";

	log_warn("imap.jmap.fail", "user=%s command=%s error=%s", log_q(s->user.name), what,
		 log_q(type));
	if (strcmp(type, "overQuota") == 0)
		imap_cmd_done(s, "NO", "[OVERQUOTA] %s failed: over quota", what);
	else if (strcmp(type, "serverUnavailable") == 0 || strcmp(type, "rateLimit") == 0)
		imap_cmd_done(s, "NO", "[UNAVAILABLE] %s failed: try again later", what);
	else
		imap_cmd_done(s, "NO", "[SERVERBUG] %s failed: internal error", what);
	free(error_type);
}

size_t imap_json_array_len(json_object *array)
{
	return json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
}
