/* The JMAP side the message commands share: batched Email/get over
 * view messages, the UIDVALIDITY of another mailbox, dates, and the one
 * mapping of JMAP failures to tagged NO responses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "gateways/imap/imap_msgcmd.h"

void imap_msgcmd_fail(struct imap_session *s, const char *what, char *error_type)
{
	const char *type = error_type != NULL ? error_type : "serverFail";

	log_warn("imap.jmap_failed", "command=%s error=%s", log_q(what), log_q(type));
	if (strcmp(type, "serverUnavailable") == 0)
		imap_cmd_done(s, "NO", "[UNAVAILABLE] The account is busy, try again");
	else if (strcmp(type, "overQuota") == 0)
		imap_cmd_done(s, "NO", "[OVERQUOTA] Quota exceeded");
	else
		imap_cmd_done(s, "NO", "[SERVERBUG] Internal error");
	free(error_type);
}

json_object *imap_msgcmd_ids(const struct imap_view *view, const size_t *indexes, size_t count)
{
	json_object *ids = json_object_new_array_ext((int)count);

	for (size_t i = 0; i < count; i++) {
		const char *id = imap_view_email_id(view, &view->msgs[indexes[i]]);

		json_object_array_add(ids, json_object_new_string(id));
	}
	return ids;
}

json_object *imap_msgcmd_get(struct imap_session *s, json_object *ids, json_object *properties,
			     char **error_type_r)
{
	json_object *args = json_object_new_object(), *resp, *list, *map;
	size_t n;

	json_object_object_add(args, "ids", ids);
	json_object_object_add(args, "properties", properties);
	resp = imap_jmap_call(s, "Email/get", args, error_type_r);
	if (resp == NULL)
		return NULL;
	list = json_object_object_get(resp, "list");
	n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	map = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		json_object *email = json_object_array_get_idx(list, i);
		const char *id = json_object_get_string(json_object_object_get(email, "id"));

		if (id != NULL)
			json_object_object_add(map, id, json_object_get(email));
	}
	json_object_put(resp);
	return map;
}

json_object *imap_msgcmd_query(struct imap_session *s, json_object *filter, char **error_type_r)
{
	json_object *all = json_object_new_array(), *args, *resp, *ids;
	int64_t total;
	size_t n;

	do {
		args = json_object_new_object();
		json_object_object_add(args, "filter", json_object_get(filter));
		json_object_object_add(args, "position",
				       json_object_new_int64((int64_t)json_object_array_length(all)));
		json_object_object_add(args, "calculateTotal", json_object_new_boolean(true));
		if ((resp = imap_jmap_call(s, "Email/query", args, error_type_r)) == NULL) {
			json_object_put(all);
			json_object_put(filter);
			return NULL;
		}
		ids = json_object_object_get(resp, "ids");
		n = json_object_is_type(ids, json_type_array) ? json_object_array_length(ids) : 0;
		for (size_t i = 0; i < n; i++)
			json_object_array_add(all, json_object_get(json_object_array_get_idx(ids, i)));
		total = json_object_get_int64(json_object_object_get(resp, "total"));
		json_object_put(resp);
	} while (n > 0 && (int64_t)json_object_array_length(all) < total);
	json_object_put(filter);
	return all;
}

int imap_msgcmd_uid_validity(struct imap_session *s, const char *mailbox_id,
			     uint32_t *uid_validity_r, char **error_type_r)
{
	json_object *args = json_object_new_object(), *ids = json_object_new_array();
	json_object *props = json_object_new_array(), *resp, *list, *mailbox, *value;

	json_object_array_add(ids, json_object_new_string(mailbox_id));
	json_object_array_add(props, json_object_new_string("imapUidValidity"));
	json_object_object_add(args, "ids", ids);
	json_object_object_add(args, "properties", props);
	if ((resp = imap_jmap_call(s, "Mailbox/get", args, error_type_r)) == NULL)
		return -1;
	list = json_object_object_get(resp, "list");
	mailbox = json_object_is_type(list, json_type_array) && json_object_array_length(list) > 0 ?
		  json_object_array_get_idx(list, 0) : NULL;
	value = json_object_object_get(mailbox, "imapUidValidity");
	if (!json_object_is_type(value, json_type_int)) {
		json_object_put(resp);
		*error_type_r = NULL;
		return -1;
	}
	*uid_validity_r = (uint32_t)json_object_get_int64(value);
	json_object_put(resp);
	return 0;
}

uint32_t imap_msgcmd_email_uid(json_object *email, const char *mailbox_id)
{
	json_object *uids = json_object_object_get(email, "imapUids");
	json_object *uid = json_object_object_get(uids, mailbox_id);

	return json_object_is_type(uid, json_type_int) ? (uint32_t)json_object_get_int64(uid) : 0;
}

void imap_msgcmd_condstore_enable(struct imap_session *s)
{
	if (s->condstore)
		return;
	s->condstore = true;
	if (s->view != NULL)
		imap_write_untagged(s, "OK [HIGHESTMODSEQ %llu] Highest",
				    (unsigned long long)s->view->highest_modseq);
}

time_t imap_msgcmd_utc_date(json_object *email, const char *property)
{
	const char *text = json_object_get_string(json_object_object_get(email, property));
	time_t t;

	return text != NULL && time_parse_utc(text, &t) == 0 ? t : 0;
}

bool imap_msgcmd_date(const char *text, time_t *t_r)
{
	struct tm tm = { 0 };
	int used = 0, oh, om;
	const char *p;
	time_t t;

	*t_r = 0;
	if (text == NULL ||
	    sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 || used != 19)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	for (p = text + used; *p == '.' || (*p >= '0' && *p <= '9'); p++)
		;
	if ((t = timegm(&tm)) == (time_t)-1)
		return false;
	if (strcmp(p, "Z") == 0) {
		*t_r = t;
		return true;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 ||
	    sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
		return false;
	*t_r = *p == '+' ? t - (oh * 3600 + om * 60) : t + (oh * 3600 + om * 60);
	return true;
}
