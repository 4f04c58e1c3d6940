/* The maildrop is the account's Inbox, seen only through JMAP: listed
 * once at login (Email/query by receivedAt then id, Email/get for size
 * and blob), checked before a message is sent, and changed at QUIT
 * (Email/set). Calls are made in batches within the core's
 * maxObjectsInGet / maxObjectsInSet. */
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/pop3/pop3_private.h"
#include "jmap/jmap.h"

#define POP3_ERR_TEMP "[SYS/TEMP] The maildrop cannot be opened now; try again later."
/* The listing restarts when the Inbox changes between two pages. */
#define POP3_LOAD_ATTEMPTS 5

size_t pop3_json_length(json_object *array)
{
	return json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
}

json_object *pop3_json_at(json_object *array, size_t i)
{
	return i < pop3_json_length(array) ? json_object_array_get_idx(array, i) : NULL;
}

json_object *pop3_jmap_call(const struct pop3_account *acct, const char *method,
			    json_object *args)
{
	json_object *responses, *resp, *result = NULL;
	const char *name;

	json_object_object_add(args, "accountId", json_object_new_string(acct->id));
	responses = jmap_invoke(acct->jmap, &acct->identity, method, args);
	json_object_put(args);
	resp = pop3_json_at(responses, 0);
	name = json_object_get_string(pop3_json_at(resp, 0));
	if (name != NULL && strcmp(name, method) == 0)
		result = json_object_get(pop3_json_at(resp, 1));
	else
		log_error("pop3.jmap", "user=%s method=%s response=%s",
			  log_q(acct->identity.name), method,
			  log_q(json_object_to_json_string(pop3_json_at(resp, 1))));
	json_object_put(responses);
	return result;
}

static json_object *json_string_array1(const char *s)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(s));
	return a;
}

static json_object *json_object1(const char *key, json_object *value)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, key, value);
	return o;
}

/* Returns 1 with md->inbox_id set, 0 when the account has no Inbox, -1. */
static int maildrop_find_inbox(const struct pop3_account *acct, struct pop3_maildrop *md)
{
	json_object *args = json_object1("filter", json_object1("role",
					 json_object_new_string("inbox")));
	json_object *res = pop3_jmap_call(acct, "Mailbox/query", args);
	json_object *ids = json_object_object_get(res, "ids");
	int ret = -1;

	if (res != NULL) {
		ret = pop3_json_length(ids) > 0;
		if (ret == 1)
			md->inbox_id = xstrdup(json_object_get_string(
				pop3_json_at(ids, 0)));
	}
	json_object_put(res);
	return ret;
}

static json_object *maildrop_query_page(const struct pop3_account *acct,
					const struct pop3_maildrop *md, size_t position,
					size_t limit)
{
	json_object *args = json_object1("filter", json_object1("inMailbox",
					 json_object_new_string(md->inbox_id)));
	json_object *comparator = json_object1("property", json_object_new_string("receivedAt"));

	json_object_object_add(comparator, "isAscending", json_object_new_boolean(true));
	json_object_object_add(args, "sort", json_object_new_array());
	json_object_array_add(json_object_object_get(args, "sort"), comparator);
	json_object_object_add(args, "position", json_object_new_int64((int64_t)position));
	json_object_object_add(args, "limit", json_object_new_int64((int64_t)limit));
	json_object_object_add(args, "calculateTotal", json_object_new_boolean(true));
	return pop3_jmap_call(acct, "Email/query", args);
}

static void maildrop_add(struct pop3_maildrop *md, size_t *alloc, const char *email_id,
			 json_object *email)
{
	struct pop3_message *msg;
	int64_t size = json_object_get_int64(json_object_object_get(email, "size"));
	const char *blob_id = json_object_get_string(json_object_object_get(email, "blobId"));

	if (md->count == *alloc) {
		*alloc = *alloc == 0 ? 64 : *alloc * 2;
		md->msgs = xrealloc(md->msgs, *alloc * sizeof(*md->msgs));
	}
	msg = &md->msgs[md->count++];
	memset(msg, 0, sizeof(*msg));
	msg->email_id = xstrdup(email_id);
	msg->blob_id = xstrdup(blob_id != NULL ? blob_id : "");
	msg->size = size < 0 ? 0 : (uint64_t)size;
	md->total_size += msg->size;
}

/* A UIDL is 1 to 70 characters 0x21..0x7E (RFC 1939 §7); JMAP ids are
 * shorter and of a narrower set, but the core is not trusted blindly. */
static bool maildrop_uidl_ok(const char *id)
{
	size_t len = strlen(id);

	for (size_t i = 0; i < len; i++) {
		if (id[i] < 0x21 || id[i] > 0x7e)
			return false;
	}
	return len >= 1 && len <= 70;
}

/* Email/get of one page of ids, added in the page's order; an id gone
 * since the query is left out. */
static int maildrop_get_page(const struct pop3_account *acct, struct pop3_maildrop *md,
			     size_t *alloc, json_object *ids)
{
	json_object *props = json_object_new_array();
	json_object *args = json_object1("ids", json_object_get(ids));
	json_object *res, *list, *by_id = json_object_new_object();

	json_object_array_add(props, json_object_new_string("size"));
	json_object_array_add(props, json_object_new_string("blobId"));
	json_object_object_add(args, "properties", props);
	if ((res = pop3_jmap_call(acct, "Email/get", args)) == NULL) {
		json_object_put(by_id);
		return -1;
	}
	list = json_object_object_get(res, "list");
	for (size_t i = 0; i < pop3_json_length(list); i++) {
		json_object *email = pop3_json_at(list, i);
		const char *id = json_object_get_string(json_object_object_get(email, "id"));

		if (id != NULL)
			json_object_object_add(by_id, id, json_object_get(email));
	}
	for (size_t i = 0; i < pop3_json_length(ids); i++) {
		const char *id = json_object_get_string(pop3_json_at(ids, i));
		json_object *email = id != NULL ? json_object_object_get(by_id, id) : NULL;

		if (email != NULL && maildrop_uidl_ok(id))
			maildrop_add(md, alloc, id, email);
	}
	json_object_put(by_id);
	json_object_put(res);
	return 0;
}

static void maildrop_clear_messages(struct pop3_maildrop *md)
{
	for (size_t i = 0; i < md->count; i++) {
		free(md->msgs[i].email_id);
		free(md->msgs[i].blob_id);
	}
	free(md->msgs);
	md->msgs = NULL;
	md->count = 0;
	md->total_size = 0;
}

enum maildrop_page {
	MAILDROP_PAGE_ERROR,
	MAILDROP_PAGE_CHANGED,	/* the Inbox changed since the first page */
	MAILDROP_PAGE_LAST,
	MAILDROP_PAGE_MORE,
};

/* Lists the page at *position; *state_r keeps the first page's
 * queryState (caller frees). */
static enum maildrop_page maildrop_list_page(const struct pop3_account *acct,
					     const struct pop3_batch *batch,
					     struct pop3_maildrop *md, size_t *alloc,
					     size_t *position, char **state_r)
{
	json_object *res = maildrop_query_page(acct, md, *position, batch->get);
	json_object *ids = json_object_object_get(res, "ids");
	const char *state = json_object_get_string(json_object_object_get(res, "queryState"));
	int64_t total = json_object_get_int64(json_object_object_get(res, "total"));
	size_t n = pop3_json_length(ids);
	enum maildrop_page ret;

	if (state == NULL || !json_object_is_type(ids, json_type_array))
		ret = MAILDROP_PAGE_ERROR;
	else if (*state_r != NULL && strcmp(*state_r, state) != 0)
		ret = MAILDROP_PAGE_CHANGED;
	else if (n > 0 && maildrop_get_page(acct, md, alloc, ids) < 0)
		ret = MAILDROP_PAGE_ERROR;
	else if (n == 0 || (int64_t)(*position + n) >= total)
		ret = MAILDROP_PAGE_LAST;
	else
		ret = MAILDROP_PAGE_MORE;
	if (*state_r == NULL && state != NULL)
		*state_r = xstrdup(state);
	*position += n;
	json_object_put(res);
	return ret;
}

/* One pass over the query's pages. Returns 1 when done, 0 when the
 * Inbox changed on the way (start again), -1 on error. */
static int maildrop_list(const struct pop3_account *acct, const struct pop3_batch *batch,
			 struct pop3_maildrop *md)
{
	char *state = NULL;
	size_t position = 0, alloc = 0;
	enum maildrop_page page;

	do {
		page = maildrop_list_page(acct, batch, md, &alloc, &position, &state);
	} while (page == MAILDROP_PAGE_MORE);
	free(state);
	return page == MAILDROP_PAGE_ERROR ? -1 : page == MAILDROP_PAGE_CHANGED ? 0 : 1;
}

int pop3_maildrop_load(const struct pop3_account *acct, const struct pop3_batch *batch,
		       struct pop3_maildrop *md, const char **error_r)
{
	int ret;

	memset(md, 0, sizeof(*md));
	ret = maildrop_find_inbox(acct, md);
	if (ret <= 0) {
		*error_r = ret < 0 ? POP3_ERR_TEMP : "[SYS/PERM] The account has no Inbox.";
		return -1;
	}
	for (unsigned attempt = 0; attempt < POP3_LOAD_ATTEMPTS; attempt++) {
		maildrop_clear_messages(md);
		if ((ret = maildrop_list(acct, batch, md)) != 0)
			break;
	}
	if (ret <= 0) {
		pop3_maildrop_free(md);
		*error_r = POP3_ERR_TEMP;
		return -1;
	}
	return 0;
}

int pop3_maildrop_check(const struct pop3_account *acct, const struct pop3_maildrop *md,
			const struct pop3_message *msg)
{
	json_object *args = json_object1("ids", json_string_array1(msg->email_id));
	json_object *res, *email, *in_inbox;
	int ret;

	json_object_object_add(args, "properties", json_string_array1("mailboxIds"));
	if ((res = pop3_jmap_call(acct, "Email/get", args)) == NULL)
		return -1;
	email = pop3_json_at(json_object_object_get(res, "list"), 0);
	in_inbox = json_object_object_get(json_object_object_get(email, "mailboxIds"),
					  md->inbox_id);
	ret = json_object_get_boolean(in_inbox) ? 1 : 0;
	json_object_put(res);
	return ret;
}

void pop3_maildrop_free(struct pop3_maildrop *md)
{
	maildrop_clear_messages(md);
	free(md->inbox_id);
	memset(md, 0, sizeof(*md));
}
