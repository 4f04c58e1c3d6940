/* The JMAP calls of delivery: one method through jmap_invoke() as the
 * account's user, SetErrors, uploads, the quota and role mailboxes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_deliver_private.h"
#include "jmap/jmap.h"

void deliver_identity(uint32_t account_id, const char *name, struct directory_identity *id_r)
{
	memset(id_r, 0, sizeof(*id_r));
	id_r->principal_id = account_id;
	id_r->account_id = account_id;
	snprintf(id_r->name, sizeof(id_r->name), "%s", name);
}

static size_t deliver_array_len(json_object *array)
{
	return json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
}

json_object *deliver_jmap_call(struct smtp_deliver *d, const struct directory_identity *user,
			       const char *method, json_object *args, char **error_type_r)
{
	json_object *responses, *first, *type = NULL, *result = NULL;
	const char *name = NULL;
	char account[16];

	*error_type_r = NULL;
	jmap_account_id_format(user->account_id, account);
	json_object_object_add(args, "accountId", json_object_new_string(account));
	responses = jmap_invoke(d->jmap, user, method, args);
	json_object_put(args);
	first = deliver_array_len(responses) > 0 ? json_object_array_get_idx(responses, 0) : NULL;
	if (deliver_array_len(first) >= 2)
		name = json_object_get_string(json_object_array_get_idx(first, 0));
	if (name != NULL && strcmp(name, method) == 0) {
		result = json_object_get(json_object_array_get_idx(first, 1));
	} else {
		if (name != NULL)
			json_object_object_get_ex(json_object_array_get_idx(first, 1), "type", &type);
		*error_type_r = xstrdup(type != NULL ? json_object_get_string(type) : "serverFail");
		log_warn("smtp.jmap_error", "account=%u method=%s type=%s", user->account_id,
			 method, log_q(*error_type_r));
	}
	json_object_put(responses);
	return result;
}

/* "created" is an object by creation id, "destroyed" an array of ids. */
static bool deliver_set_done(json_object *done, const char *id)
{
	if (json_object_is_type(done, json_type_object))
		return json_object_object_get_ex(done, id, NULL);
	for (size_t i = 0; i < deliver_array_len(done); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(done, i));

		if (s != NULL && strcmp(s, id) == 0)
			return true;
	}
	return false;
}

const char *deliver_set_error(json_object *resp, const char *verb, const char *id)
{
	json_object *not, *error, *type;
	char key[24];

	if (deliver_set_done(json_object_object_get(resp, verb), id))
		return NULL;
	snprintf(key, sizeof(key), "not%c%s", toupper((unsigned char)verb[0]), verb + 1);
	if (json_object_object_get_ex(resp, key, &not) &&
	    json_object_object_get_ex(not, id, &error) &&
	    json_object_object_get_ex(error, "type", &type))
		return json_object_get_string(type);
	return "serverFail";
}

char *deliver_upload(struct smtp_deliver *d, const struct directory_identity *user,
		     const struct deliver_span *spans, size_t count, int *status_r)
{
	struct jmap_upload *up;
	json_object *problem, *resp;
	char account[16], *blob_id = NULL;
	uint64_t size = 0;

	for (size_t i = 0; i < count; i++)
		size += spans[i].len;
	jmap_account_id_format(user->account_id, account);
	up = jmap_upload_begin(d->jmap, user, account, "message/rfc822", size, status_r, &problem);
	if (up == NULL) {
		json_object_put(problem);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		if (jmap_upload_write(up, spans[i].data, spans[i].len) < 0)
			break;
	}
	resp = jmap_upload_finish(&up, status_r);
	if (*status_r == 201)
		blob_id = xstrdup(json_object_get_string(json_object_object_get(resp, "blobId")));
	json_object_put(resp);
	return blob_id;
}

int deliver_quota(struct smtp_deliver *d, const struct directory_identity *user,
		  uint64_t *used_r, uint64_t *limit_r)
{
	char *error_type = NULL;
	json_object *resp = deliver_jmap_call(d, user, "Quota/get", json_object_new_object(),
					      &error_type);
	json_object *list, *quota;
	int ret = 0;

	if (resp == NULL) {
		free(error_type);
		return -1;
	}
	list = json_object_object_get(resp, "list");
	for (size_t i = 0; i < deliver_array_len(list); i++) {
		const char *type;

		quota = json_object_array_get_idx(list, i);
		type = json_object_get_string(json_object_object_get(quota, "resourceType"));
		if (type == NULL || strcmp(type, "octets") != 0)
			continue;
		*used_r = (uint64_t)json_object_get_int64(json_object_object_get(quota, "used"));
		*limit_r = (uint64_t)json_object_get_int64(json_object_object_get(quota,
										   "hardLimit"));
		ret = 1;
		break;
	}
	json_object_put(resp);
	return ret;
}

int deliver_mailbox_role(struct smtp_deliver *d, const struct directory_identity *user,
			 const char *role, char **id_r)
{
	json_object *args = json_object_new_object(), *filter = json_object_new_object(), *resp;
	json_object *ids;
	char *error_type = NULL;

	json_object_object_add(filter, "role", json_object_new_string(role));
	json_object_object_add(args, "filter", filter);
	resp = deliver_jmap_call(d, user, "Mailbox/query", args, &error_type);
	if (resp == NULL) {
		free(error_type);
		return -1;
	}
	ids = json_object_object_get(resp, "ids");
	*id_r = deliver_array_len(ids) > 0 ?
		xstrdup(json_object_get_string(json_object_array_get_idx(ids, 0))) : NULL;
	json_object_put(resp);
	return *id_r != NULL ? 1 : 0;
}
