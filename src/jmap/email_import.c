/* Storing a new message (Email/import, Email/set create, Email/copy) and
 * Email/import itself (RFC 8621 §4.8). Every email of one call is stored
 * in the call's one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/collation.h"
#include "jmap/email_private.h"
#include "jmap/std_private.h"

static const char *const import_known_args[] = { "accountId", "ifInState", "emails", NULL };

/* ---- dates ---- */

/* Parses an RFC 3339 Date with any offset ("...+02:00", "...Z"). */
static int email_date_parse(const char *s, time_t *t_r)
{
	struct tm tm = { 0 };
	int consumed = 0, oh, om;
	const char *p;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + consumed;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	if (strcmp(p, "Z") == 0) {
		*t_r = t;
		return 0;
	}
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 ||
	    strlen(p) != 6)
		return -1;
	*t_r = *p == '+' ? t - (oh * 3600 + om * 60) : t + (oh * 3600 + om * 60);
	return 0;
}

/* §4.8: receivedAt defaults to the date of the most recent Received:
 * field, the topmost one. 0 if there is none or it has no date. */
static time_t email_received_date(json_object *model)
{
	json_object *headers = json_object_object_get(model, "headers"), *date;
	size_t n = json_object_is_type(headers, json_type_array) ?
		   json_object_array_length(headers) : 0;
	time_t t = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(headers, i);
		const char *name = json_object_get_string(json_object_object_get(h, "name"));
		const char *value = json_object_get_string(json_object_object_get(h, "value"));
		const char *semi;

		if (name == NULL || value == NULL || strcasecmp(name, "Received") != 0)
			continue;
		if ((semi = strrchr(value, ';')) == NULL)
			return 0;
		date = mail_header_value(semi + 1, MAIL_FORM_DATE);
		if (date == NULL || email_date_parse(json_object_get_string(date), &t) < 0)
			t = 0;
		json_object_put(date);
		return t;
	}
	return 0;
}

/* ---- quota ---- */

static int email_quota_load(struct jmap_call *call, struct email_quota *quota)
{
	struct store_principal *p = NULL;
	int ret = store_principal_get_by_id(call->req->srv->store, call->account_id, &p);

	if (ret < 0)
		return jmap_call_error(call, "serverFail", "quota: principal lookup failed");
	quota->limit = ret > 0 ? p->quota : 0;
	store_principal_free(&p);
	if (quota->limit != 0)
		quota->used = store_email_used_bytes(call->acct);
	quota->loaded = true;
	return 0;
}

static int email_quota_check(struct jmap_call *call, struct email_quota *quota, uint64_t size,
			     json_object **error_r)
{
	if (!quota->loaded && email_quota_load(call, quota) < 0)
		return -1;
	if (quota->limit != 0 && (quota->used > quota->limit || size > quota->limit - quota->used)) {
		*error_r = jmap_set_error("overQuota", "The account's quota would be exceeded", NULL);
		return -1;
	}
	return 0;
}

/* ---- storing ---- */

static char *email_sort_key(const char *s)
{
	return jmap_collation_key(JMAP_COLLATION_DEFAULT, s != NULL ? s : "");
}

static void email_fill(struct store_email *e, const struct email_new *in,
		       const struct email_parsed *parsed)
{
	const struct mail_summary *sum = &parsed->summary;
	json_object *model = parsed->model;

	snprintf(e->blob_id, sizeof(e->blob_id), "%s", in->blob_id);
	e->size = in->len;
	e->received_at = in->received_at != 0 ? in->received_at : email_received_date(model);
	if (e->received_at == 0)
		e->received_at = time(NULL);
	e->sent_at = sum->sent_at != 0 ? sum->sent_at : e->received_at;
	e->message_id = sum->message_id;
	e->refs = sum->refs;
	e->ref_count = sum->ref_count;
	e->thread_subject = sum->thread_subject;
	/* RFC 8621 §4.4.2: subject sorts by the base subject */
	e->subject = email_sort_key(sum->thread_subject);
	e->from_sort = email_sort_key(sum->from_sort);
	e->to_sort = email_sort_key(sum->to_sort);
	e->preview = sum->preview;
	e->has_attachment = sum->has_attachment;
	e->model = parsed->model_text;
	e->mailbox_count = in->mailbox_count;
	e->mailboxes = xcalloc(in->mailbox_count, sizeof(*e->mailboxes));
	for (size_t i = 0; i < in->mailbox_count; i++)
		e->mailboxes[i].mailbox_id = in->mailbox_ids[i];
	e->keywords = (char **)in->keywords;
	e->keyword_count = in->keyword_count;
}

/* Frees what email_fill() allocated itself; the rest is borrowed. */
static void email_fill_free(struct store_email *e)
{
	free(e->subject);
	free(e->from_sort);
	free(e->to_sort);
	free(e->mailboxes);
}

static json_object *email_created_json(const struct store_email *e)
{
	json_object *obj = json_object_new_object();
	char id[24];

	jmap_id_format(EMAIL_ID_PREFIX, e->id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "blobId", json_object_new_string(e->blob_id));
	jmap_id_format(THREAD_ID_PREFIX, e->thread_id, id);
	json_object_object_add(obj, "threadId", json_object_new_string(id));
	json_object_object_add(obj, "size", json_object_new_int64((int64_t)e->size));
	return obj;
}

static int email_store_fail(struct jmap_call *call, const char *error)
{
	if (store_last_error() == STORE_ERR_BUSY)
		return jmap_call_error(call, "serverUnavailable", "The account is busy; try again");
	return jmap_call_error(call, "serverFail", "email create: %s", error);
}

void email_parsed_init(struct email_parsed *parsed_r, const void *raw, size_t len)
{
	struct mail_limits limits = { 0 };
	struct mail_message *msg;

	mail_limits_default(&limits);
	msg = mail_message_parse(raw, len, &limits);
	parsed_r->model = mail_message_model(msg);
	parsed_r->model_text = email_model_text(parsed_r->model);
	mail_message_summary(msg, &parsed_r->summary);
	mail_message_search_text(msg, &parsed_r->text);
	mail_message_free(&msg);
}

void email_parsed_clear(struct email_parsed *parsed)
{
	json_object_put(parsed->model);
	parsed->model = NULL;
	free(parsed->model_text);
	parsed->model_text = NULL;
	mail_summary_clear(&parsed->summary);
	mail_search_text_clear(&parsed->text);
}

static int email_create_parsed(struct jmap_call *call, const struct email_new *in,
			       const struct email_parsed *parsed, json_object **created_r)
{
	const struct mail_search_text *text = &parsed->text;
	struct store_email e = { 0 };
	const char *error;
	int ret;

	email_fill(&e, in, parsed);
	ret = store_email_create(call->acct, &e, &(struct store_email_text){
		text->subject, text->from, text->to, text->cc, text->bcc, text->body,
		text->attachments, text->headers }, &error);
	if (ret < 0)
		email_store_fail(call, error);
	else
		*created_r = email_created_json(&e);
	email_fill_free(&e);
	return ret;
}

int email_new_store_parsed(struct jmap_call *call, struct email_quota *quota,
			   const struct email_new *in, const struct email_parsed *parsed,
			   json_object **created_r, json_object **error_r)
{
	*error_r = NULL;
	if (email_quota_check(call, quota, in->len, error_r) < 0 ||
	    email_create_parsed(call, in, parsed, created_r) < 0)
		return -1;
	quota->used += in->len;
	call->changed_types |= (1ULL << STORE_TYPE_EMAIL) | (1ULL << STORE_TYPE_THREAD) |
			       (1ULL << STORE_TYPE_MAILBOX);
	return 0;
}

int email_new_store(struct jmap_call *call, struct email_quota *quota, const struct email_new *in,
		    json_object **created_r, json_object **error_r)
{
	struct email_parsed parsed;
	int ret;

	email_parsed_init(&parsed, in->raw, in->len);
	ret = email_new_store_parsed(call, quota, in, &parsed, created_r, error_r);
	email_parsed_clear(&parsed);
	return ret;
}

/* ---- Email/import ---- */

struct import_one {
	char blob_id[STORE_BLOB_ID_LEN + 1];
	void *raw;
	size_t len;
	uint64_t *mailbox_ids;
	size_t mailbox_count;
	char **keywords;
	size_t keyword_count;
	time_t received_at;
	bool parsed_set;		/* parsed came from the prepare hook */
	struct email_parsed parsed;
};

static void import_one_clear(struct import_one *one)
{
	free(one->raw);
	free(one->mailbox_ids);
	email_keywords_free(&one->keywords, one->keyword_count);
	if (one->parsed_set)
		email_parsed_clear(&one->parsed);
}

static const char *const import_known_props[] = {
	"blobId", "mailboxIds", "keywords", "receivedAt", NULL,
};

json_object *email_unknown_props(json_object *obj, const char *const *known,
				 const char *description)
{
	json_object_object_foreach(obj, key, value) {
		bool ok = false;

		(void)value;
		for (size_t i = 0; known[i] != NULL; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			return jmap_prop_error(key, description);
	}
	return NULL;
}

/* The message's blob: a blob of the account as it is, or a part blob
 * (an attached message) stored as a blob of its own. Read by the
 * prepare hook if it could, else here. */
static int import_blob(struct jmap_call *call, const char *cid, json_object *value,
		       struct import_one *one, json_object **error_r)
{
	const char *given = json_object_get_string(value), *blob_id, *error;
	int ret;

	if (!json_object_is_type(value, json_type_string) ||
	    (blob_id = jmap_id_resolve(call, given)) == NULL) {
		*error_r = jmap_prop_error("blobId", "blobId must be the id of an upload");
		return -1;
	}
	one->parsed_set = email_import_prepared_take(call, cid, blob_id, &one->raw, &one->len,
						     &one->parsed) > 0;
	ret = one->parsed_set ? 1 : email_blob_read(call->acct, blob_id, &one->raw, &one->len);
	if (ret == 0)
		*error_r = jmap_prop_error("blobId", "No such blob");
	if (ret <= 0)
		return ret < 0 ? jmap_call_error(call, "serverFail", "import: reading the blob") : -1;
	if (!email_blob_id_is_part(blob_id)) {
		snprintf(one->blob_id, sizeof(one->blob_id), "%s", blob_id);
		return 0;
	}
	if (email_blob_write(call->acct, one->raw, one->len, one->blob_id, &error) < 0)
		return email_store_fail(call, error);
	return 0;
}

/* Checks and reads one EmailImport. 0, or -1 with *error_r (a SetError,
 * or NULL after a method error). */
static int import_read(struct jmap_call *call, const char *cid, json_object *obj,
		       struct import_one *one, json_object **error_r)
{
	json_object *received = json_object_object_get(obj, "receivedAt");
	bool failed;

	*error_r = NULL;
	if (!json_object_is_type(obj, json_type_object)) {
		*error_r = jmap_set_error("invalidProperties", "An EmailImport must be an object", NULL);
		return -1;
	}
	if ((*error_r = email_unknown_props(obj, import_known_props,
					    "Unknown EmailImport property")) != NULL ||
	    (*error_r = email_keywords_parse(json_object_object_get(obj, "keywords"),
					     &one->keywords, &one->keyword_count)) != NULL)
		return -1;
	if (received != NULL && (!json_object_is_type(received, json_type_string) ||
				 time_parse_utc(json_object_get_string(received), &one->received_at) < 0)) {
		*error_r = jmap_prop_error("receivedAt", "receivedAt must be a UTCDate");
		return -1;
	}
	*error_r = email_mailboxes_parse(call, json_object_object_get(obj, "mailboxIds"),
					 &one->mailbox_ids, &one->mailbox_count, &failed);
	if (*error_r != NULL || failed)
		return -1;
	return import_blob(call, cid, json_object_object_get(obj, "blobId"), one, error_r);
}

/* One EmailImport into created or notCreated; -1 fails the method. */
static int import_one(struct jmap_call *call, struct email_quota *quota, const char *cid,
		      json_object *obj, json_object *created, json_object *not_created)
{
	struct import_one one = { .received_at = 0 };
	json_object *result = NULL, *error = NULL;
	int ret = import_read(call, cid, obj, &one, &error);

	if (ret == 0) {
		struct email_new in = {
			one.blob_id, one.raw, one.len, one.mailbox_ids, one.mailbox_count,
			one.keywords, one.keyword_count, one.received_at,
		};

		ret = one.parsed_set ?
		      email_new_store_parsed(call, quota, &in, &one.parsed, &result, &error) :
		      email_new_store(call, quota, &in, &result, &error);
	}
	import_one_clear(&one);
	if (ret == 0) {
		jmap_created_id_add(call, cid, json_object_get_string(json_object_object_get(result, "id")));
		json_object_object_add(created, cid, result);
		return 0;
	}
	if (error == NULL)
		return -1;
	json_object_object_add(not_created, cid, error);
	return 0;
}

static void import_response_add(json_object *resp, const char *name, json_object *value)
{
	if (json_object_object_length(value) > 0)
		json_object_object_add(resp, name, json_object_get(value));
	else
		json_object_object_add(resp, name, NULL);
}

static int import_args(struct jmap_call *call, json_object **emails_r, char old_state[24])
{
	json_object *if_in_state;

	if (jmap_args_check(call, import_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "ifInState", json_type_string, &if_in_state) < 0 ||
	    jmap_arg_get(call, "emails", json_type_object, emails_r) < 0)
		return -1;
	if (*emails_r == NULL)
		return jmap_call_error(call, "invalidArguments", "emails is required");
	if (json_object_object_length(*emails_r) > call->req->srv->limits.max_objects_in_set)
		return jmap_call_error(call, "requestTooLarge", "More emails than maxObjectsInSet");
	json_object_object_foreach(*emails_r, cid, obj) {
		(void)obj;
		if (!jmap_id_valid(cid))
			return jmap_call_error(call, "invalidArguments", "emails needs Id keys");
	}
	jmap_state_format(store_type_state(call->acct, STORE_TYPE_EMAIL), old_state);
	if (if_in_state != NULL && strcmp(json_object_get_string(if_in_state), old_state) != 0)
		return jmap_call_error(call, "stateMismatch", NULL);
	return 0;
}

int email_import_run(struct jmap_call *call, json_object *emails, const char *old_state,
		     email_import_one_fn *one)
{
	json_object *created = json_object_new_object();
	json_object *not_created = json_object_new_object();
	struct email_quota quota = { .loaded = false };
	char new_state[24];
	int ret = 0;

	json_object_object_foreach(emails, cid, obj) {
		if ((ret = one(call, &quota, cid, obj, created, not_created)) < 0)
			break;
	}
	if (ret == 0) {
		jmap_state_format(store_type_state(call->acct, STORE_TYPE_EMAIL), new_state);
		call->response = jmap_std_response(call);
		json_object_object_add(call->response, "oldState", json_object_new_string(old_state));
		json_object_object_add(call->response, "newState", json_object_new_string(new_state));
		import_response_add(call->response, "created", created);
		import_response_add(call->response, "notCreated", not_created);
	}
	json_object_put(created);
	json_object_put(not_created);
	return ret;
}

int jmap_email_import(struct jmap_call *call)
{
	json_object *emails;
	char old_state[24];

	if (import_args(call, &emails, old_state) < 0)
		return -1;
	return email_import_run(call, emails, old_state, import_one);
}
