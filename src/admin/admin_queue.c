/* The /queue/messages handlers of the admin API: the outbound queue's
 * entries, "retry now" and cancel, through jmap/outbound.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_private.h"
#include "core/error.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "jmap/outbound.h"

static const char *const admin_queue_status_names[] = { "queued", "yes", "no" };

static int admin_queue_internal(const char *what, const char *error, json_object **response_r)
{
	log_error("admin.queue", "what=%s error=%s", what, log_q(error));
	return admin_error(500, "internalError", "internal error", response_r);
}

static void admin_queue_add_time(json_object *obj, const char *name, time_t t)
{
	char text[21];

	time_format_utc(t, text);
	json_object_object_add(obj, name, json_object_new_string(text));
}

static json_object *admin_queue_rcpts(const struct jmap_outbound_msg *msg)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < msg->rcpt_count; i++) {
		json_object *r = json_object_new_object();

		json_object_object_add(r, "address", json_object_new_string(msg->rcpts[i].address));
		json_object_object_add(r, "status", json_object_new_string(
			admin_queue_status_names[msg->rcpts[i].status]));
		json_object_object_add(r, "reply", json_object_new_string(msg->rcpts[i].reply));
		json_object_array_add(list, r);
	}
	return list;
}

static json_object *admin_queue_json(const struct jmap_outbound_msg *msg)
{
	json_object *obj = json_object_new_object();
	char account[16], submission[24];

	jmap_account_id_format(msg->account_id, account);
	snprintf(submission, sizeof(submission), "s%llu", (unsigned long long)msg->submission_id);
	json_object_object_add(obj, "id", json_object_new_int64((int64_t)msg->id));
	json_object_object_add(obj, "accountId", json_object_new_string(account));
	json_object_object_add(obj, "submissionId", json_object_new_string(submission));
	json_object_object_add(obj, "from", json_object_new_string(msg->mail_from));
	json_object_object_add(obj, "size", json_object_new_int64((int64_t)msg->size));
	json_object_object_add(obj, "state",
			       json_object_new_string(msg->sending ? "sending" : "pending"));
	json_object_object_add(obj, "recipients", admin_queue_rcpts(msg));
	json_object_object_add(obj, "attempts", json_object_new_int64(msg->attempts));
	admin_queue_add_time(obj, "nextAttemptAt", msg->next_attempt_at);
	admin_queue_add_time(obj, "createdAt", msg->created_at);
	return obj;
}

int admin_queue_list(struct admin_request *req, json_object **response_r)
{
	struct jmap_outbound_msg *list;
	json_object *items, *data;
	const char *error;
	size_t count;

	if (jmap_outbound_list(req->api->jmap, &list, &count, &error) < 0)
		return admin_queue_internal("list", error, response_r);
	items = json_object_new_array();
	for (size_t i = 0; i < count; i++)
		json_object_array_add(items, admin_queue_json(&list[i]));
	jmap_outbound_list_free(&list, count);
	data = json_object_new_object();
	json_object_object_add(data, "items", items);
	json_object_object_add(data, "total", json_object_new_int64((int64_t)count));
	return admin_data(200, data, response_r);
}

/* The entry id of the path: 0 and *id_r, or -1 (not a number). */
static int admin_queue_id(const struct admin_request *req, uint64_t *id_r)
{
	char *end;
	unsigned long long id;

	if (req->name == NULL || req->name[0] < '1' || req->name[0] > '9' ||
	    strlen(req->name) > 19)
		return -1;
	id = strtoull(req->name, &end, 10);
	if (*end != '\0')
		return -1;
	*id_r = id;
	return 0;
}

/* Runs fn on the entry of the path and answers. */
static int admin_queue_act(struct admin_request *req, const char *what,
			   int (*fn)(struct jmap_server *, uint64_t, bool *, const char **),
			   json_object **response_r)
{
	const char *error = "";
	bool sending = false;
	uint64_t id;
	int ret;

	if (admin_queue_id(req, &id) < 0)
		return admin_error(404, "notFound", "no such queue entry", response_r);
	ret = fn(req->api->jmap, id, &sending, &error);
	if (ret < 0)
		return admin_queue_internal(what, error, response_r);
	if (sending)
		return admin_error(409, "inUse", "the message is being sent; try again", response_r);
	if (ret == 0)
		return admin_error(404, "notFound", err_fmt("no queue entry %llu",
							    (unsigned long long)id), response_r);
	log_info("admin.queue", "action=%s entry=%llu", what, (unsigned long long)id);
	return admin_data(200, NULL, response_r);
}

int admin_queue_retry(struct admin_request *req, json_object **response_r)
{
	return admin_queue_act(req, "retry", jmap_outbound_retry, response_r);
}

int admin_queue_cancel(struct admin_request *req, json_object **response_r)
{
	return admin_queue_act(req, "cancel", jmap_outbound_cancel, response_r);
}
