/* SearchSnippet/get (RFC 8621 §5): the subject and a section of the body
 * of emails, with the words of the filter's text conditions marked. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/snippet_mark.h"
#include "jmap/std_private.h"
#include "store/store_mail.h"

/* RFC 8621 §5: a preview is at most 255 octets. */
#define SNIPPET_PREVIEW_MAX 255
/* As the generic /query: request JSON is at most 64 deep. */
#define SNIPPET_FILTER_MAX_DEPTH 64
/* A body match past the stored preview is looked for in the message
 * itself, parsed again: only in messages up to this size, and up to
 * this many bytes in one call. */
#define SNIPPET_BODY_MAX_MESSAGE (8u * 1024 * 1024)
#define SNIPPET_BODY_MAX_CALL (32u * 1024 * 1024)

static const char *const snippet_known_args[] = { "accountId", "filter", "emailIds", NULL };

/* The terms that can match each field: text conditions match both. */
struct snippet_fields {
	struct snippet_terms *subject;
	struct snippet_terms *body;
	struct store_account *acct;
	uint64_t body_bytes_left;	/* of SNIPPET_BODY_MAX_CALL */
};

static void snippet_condition_terms(json_object *condition, struct snippet_fields *fields)
{
	json_object_object_foreach(condition, key, value) {
		bool text = strcmp(key, "text") == 0;

		if (text || strcmp(key, "subject") == 0)
			snippet_terms_add(fields->subject, json_object_get_string(value));
		if (text || strcmp(key, "body") == 0)
			snippet_terms_add(fields->body, json_object_get_string(value));
	}
}

static int snippet_filter_walk(struct jmap_call *call, json_object *filter, unsigned depth,
			       bool negated, struct snippet_fields *fields);

static int snippet_operator_walk(struct jmap_call *call, json_object *filter, unsigned depth,
				 bool negated, struct snippet_fields *fields)
{
	json_object *op = json_object_object_get(filter, "operator"), *conditions;
	const char *name = json_object_get_string(op);
	size_t n;

	if (!json_object_is_type(op, json_type_string) ||
	    (strcmp(name, "AND") != 0 && strcmp(name, "OR") != 0 && strcmp(name, "NOT") != 0))
		return jmap_call_error(call, "invalidArguments", "operator must be AND, OR or NOT");
	if (!json_object_object_get_ex(filter, "conditions", &conditions) ||
	    !json_object_is_type(conditions, json_type_array) ||
	    json_object_array_length(conditions) == 0 || json_object_object_length(filter) != 2)
		return jmap_call_error(call, "invalidArguments",
				       "A FilterOperator has operator and a non-empty conditions array");
	negated |= strcmp(name, "NOT") == 0;
	n = json_object_array_length(conditions);
	for (size_t i = 0; i < n; i++) {
		if (snippet_filter_walk(call, json_object_array_get_idx(conditions, i), depth + 1,
					negated, fields) < 0)
			return -1;
	}
	return 0;
}

/* Checks the filter as Email/query does and collects the terms of the
 * text conditions that are not negated: words an email must not
 * contain are not the ones to show. */
static int snippet_filter_walk(struct jmap_call *call, json_object *filter, unsigned depth,
			       bool negated, struct snippet_fields *fields)
{
	const char *error_type = "invalidArguments";

	if (!json_object_is_type(filter, json_type_object))
		return jmap_call_error(call, "invalidArguments", "A filter must be an object");
	if (depth > SNIPPET_FILTER_MAX_DEPTH)
		return jmap_call_error(call, "invalidArguments", "The filter is nested too deep");
	if (json_object_object_get_ex(filter, "operator", NULL))
		return snippet_operator_walk(call, filter, depth, negated, fields);
	if (jmap_email_filter_check(filter, &error_type) < 0)
		return jmap_call_error(call, error_type, "The filter condition is not valid");
	if (!negated)
		snippet_condition_terms(filter, fields);
	return 0;
}

static json_object *snippet_string_or_null(char *s)
{
	json_object *value = s != NULL ? json_object_new_string(s) : NULL;

	free(s);
	return value;
}

/* The subject as sent (decoded): the store's subject column holds the
 * sort key, the model the real one. */
static char *snippet_subject(const struct snippet_terms *terms, const struct store_email *e)
{
	json_object *model, *subject;
	char *marked = NULL;

	if (snippet_terms_empty(terms))
		return NULL;
	model = email_model_parse(e->model, EMAIL_MODEL_LIGHT);
	if (json_object_object_get_ex(model, "subject", &subject) &&
	    json_object_is_type(subject, json_type_string))
		marked = snippet_mark(terms, json_object_get_string(subject), 0);
	json_object_put(model);
	return marked;
}

/* The text of the message's body parts, as the index has it; NULL if
 * the message is too large or cannot be read. */
static char *snippet_body_text(struct snippet_fields *fields, const struct store_email *e)
{
	struct mail_limits limits = { 0 };
	struct mail_search_text text;
	struct mail_message *msg;
	char *body;
	void *raw;
	size_t len;

	if (e->size > SNIPPET_BODY_MAX_MESSAGE || e->size > fields->body_bytes_left)
		return NULL;
	fields->body_bytes_left -= e->size;
	if (email_blob_read(fields->acct, e->blob_id, &raw, &len) <= 0)
		return NULL;
	mail_limits_default(&limits);
	msg = mail_message_parse(raw, len, &limits);
	free(raw);
	mail_message_search_text(msg, &text);
	body = text.body;
	text.body = NULL;
	mail_search_text_clear(&text);
	mail_message_free(&msg);
	return body;
}

/* The preview if it holds a match, else a section of the body around
 * the first match. */
static char *snippet_preview(struct snippet_fields *fields, const struct store_email *e)
{
	char *marked = NULL, *body;

	if (snippet_terms_empty(fields->body))
		return NULL;
	if (e->preview != NULL)
		marked = snippet_mark(fields->body, e->preview, SNIPPET_PREVIEW_MAX);
	if (marked == NULL && (body = snippet_body_text(fields, e)) != NULL) {
		marked = snippet_mark(fields->body, body, SNIPPET_PREVIEW_MAX);
		free(body);
	}
	return marked;
}

static json_object *snippet_of(struct snippet_fields *fields, const char *email_id,
			       const struct store_email *e)
{
	json_object *obj = json_object_new_object();
	char *subject = snippet_subject(fields->subject, e);
	char *preview = snippet_preview(fields, e);

	json_object_object_add(obj, "emailId", json_object_new_string(email_id));
	json_object_object_add(obj, "subject", snippet_string_or_null(subject));
	json_object_object_add(obj, "preview", snippet_string_or_null(preview));
	return obj;
}

/* The store ids of emailIds; 0 for one that is no email id. */
static uint64_t *snippet_ids(struct jmap_call *call, json_object *email_ids)
{
	size_t n = json_object_array_length(email_ids);
	uint64_t *ids = xcalloc(n + 1, sizeof(*ids));

	for (size_t i = 0; i < n; i++) {
		const char *id = jmap_id_resolve(call, json_object_get_string(
			json_object_array_get_idx(email_ids, i)));

		if (id == NULL || jmap_id_parse(EMAIL_ID_PREFIX, id, &ids[i]) < 0)
			ids[i] = 0;
	}
	return ids;
}

static int snippet_list(struct jmap_call *call, json_object *email_ids,
			struct snippet_fields *fields, json_object *list,
			json_object *not_found)
{
	size_t n = json_object_array_length(email_ids);
	uint64_t *ids = snippet_ids(call, email_ids);
	/* the model holds the subject; without subject terms it is not read */
	unsigned what = snippet_terms_empty(fields->subject) ? 0 : STORE_EMAIL_WITH_MODEL;
	struct store_email *emails;
	const char *error;

	if (store_email_get_many(call->acct, ids, n, what, &emails, &error) < 0) {
		free(ids);
		return jmap_call_error(call, "serverFail", "SearchSnippet/get: %s", error);
	}
	for (size_t i = 0; i < n; i++) {
		char id[24];

		if (ids[i] == 0 || emails[i].id == 0) {
			json_object_array_add(not_found,
					      json_object_get(json_object_array_get_idx(email_ids, i)));
			continue;
		}
		/* the id itself, not the creation reference it was given as */
		jmap_id_format(EMAIL_ID_PREFIX, ids[i], id);
		json_object_array_add(list, snippet_of(fields, id, &emails[i]));
	}
	store_email_list_free(&emails, n);
	free(ids);
	return 0;
}

static int snippet_email_ids(struct jmap_call *call, json_object **email_ids_r)
{
	json_object *email_ids;
	size_t n;

	if (jmap_arg_get(call, "emailIds", json_type_array, &email_ids) < 0)
		return -1;
	if (email_ids == NULL)
		return jmap_call_error(call, "invalidArguments", "emailIds is required");
	n = json_object_array_length(email_ids);
	if ((int64_t)n > call->req->srv->limits.max_objects_in_get)
		return jmap_call_error(call, "requestTooLarge", NULL);
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(email_ids, i), json_type_string))
			return jmap_call_error(call, "invalidArguments", "emailIds must be Ids");
	}
	*email_ids_r = email_ids;
	return 0;
}

static int snippet_run(struct jmap_call *call, struct snippet_fields *fields)
{
	json_object *filter = NULL, *email_ids = NULL, *list, *not_found;

	if (jmap_args_check(call, snippet_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "filter", json_type_object, &filter) < 0 ||
	    snippet_email_ids(call, &email_ids) < 0)
		return -1;
	if (filter != NULL && snippet_filter_walk(call, filter, 0, false, fields) < 0)
		return -1;
	list = json_object_new_array();
	not_found = json_object_new_array();
	if (snippet_list(call, email_ids, fields, list, not_found) < 0) {
		json_object_put(list);
		json_object_put(not_found);
		return -1;
	}
	call->response = jmap_std_response(call);
	json_object_object_add(call->response, "list", list);
	if (json_object_array_length(not_found) == 0) {
		json_object_put(not_found);
		not_found = NULL;
	}
	json_object_object_add(call->response, "notFound", not_found);
	return 0;
}

static int jmap_search_snippet_get(struct jmap_call *call)
{
	struct snippet_fields fields = {
		snippet_terms_new(), snippet_terms_new(), call->acct, SNIPPET_BODY_MAX_CALL,
	};
	int ret = snippet_run(call, &fields);

	snippet_terms_free(&fields.subject);
	snippet_terms_free(&fields.body);
	return ret;
}

static const struct jmap_method search_snippet_methods[] = {
	{ "SearchSnippet/get", JMAP_CAP_MAIL, jmap_search_snippet_get, &jmap_search_snippet_type,
	  JMAP_METHOD_ACCOUNT, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

/* No properties and no standard methods: only SearchSnippet/get. */
static const struct jmap_prop search_snippet_props[] = {
	{ NULL, 0, 0 },
};

const struct jmap_type jmap_search_snippet_type = {
	.name = "SearchSnippet",
	.capability = JMAP_CAP_MAIL,
	.store_type = STORE_TYPE_EMAIL,
	.id_prefix = EMAIL_ID_PREFIX,
	.props = search_snippet_props,
	.methods = search_snippet_methods,
};
