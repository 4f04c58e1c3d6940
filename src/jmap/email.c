/* Email (RFC 8621 §4): the type descriptor and Email/get. Metadata comes
 * from one batch read of the store; the cached model JSON is parsed only
 * when an asked property needs it. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/imap_vendor.h"
#include "jmap/std_private.h"

#define EMAIL_FIXED (JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE)
#define EMAIL_PARSED (JMAP_PROP_IMMUTABLE | JMAP_PROP_NULLABLE)

static const struct jmap_prop email_props[] = {
	{ "id", JMAP_KIND_ID, EMAIL_FIXED },
	{ "blobId", JMAP_KIND_ID, EMAIL_FIXED },
	{ "threadId", JMAP_KIND_ID, EMAIL_FIXED },
	{ "mailboxIds", JMAP_KIND_OBJECT, 0 },
	{ "keywords", JMAP_KIND_OBJECT, JMAP_PROP_DEFAULTED },
	{ "size", JMAP_KIND_UINT, EMAIL_FIXED },
	{ "receivedAt", JMAP_KIND_DATE, JMAP_PROP_IMMUTABLE | JMAP_PROP_DEFAULTED },
	{ "messageId", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "inReplyTo", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "references", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "sender", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "from", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "to", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "cc", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "bcc", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "replyTo", JMAP_KIND_ARRAY, EMAIL_PARSED },
	{ "subject", JMAP_KIND_STRING, EMAIL_PARSED },
	/* a Date with any offset, not a UTCDate */
	{ "sentAt", JMAP_KIND_STRING, EMAIL_PARSED | JMAP_PROP_DEFAULTED },
	{ "hasAttachment", JMAP_KIND_BOOL, EMAIL_FIXED },
	{ "preview", JMAP_KIND_STRING, EMAIL_FIXED },
	{ "headers", JMAP_KIND_ARRAY, JMAP_PROP_IMMUTABLE | JMAP_PROP_NOT_DEFAULT },
	{ "bodyStructure", JMAP_KIND_OBJECT, JMAP_PROP_IMMUTABLE | JMAP_PROP_NOT_DEFAULT },
	{ "bodyValues", JMAP_KIND_OBJECT, JMAP_PROP_IMMUTABLE },
	{ "textBody", JMAP_KIND_ARRAY, JMAP_PROP_IMMUTABLE },
	{ "htmlBody", JMAP_KIND_ARRAY, JMAP_PROP_IMMUTABLE },
	{ "attachments", JMAP_KIND_ARRAY, JMAP_PROP_IMMUTABLE },
	{ NULL, 0, 0 },
};

static const struct jmap_arg email_get_args[] = {
	{ "bodyProperties", json_type_array, false },
	{ "fetchTextBodyValues", json_type_boolean, false },
	{ "fetchHTMLBodyValues", json_type_boolean, false },
	{ "fetchAllBodyValues", json_type_boolean, false },
	{ "maxBodyValueBytes", json_type_int, false },
	{ NULL, 0, false },
};

static const struct jmap_method email_methods[] = {
	{ "Email/import", JMAP_CAP_MAIL, jmap_email_import, &jmap_email_type,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, email_import_prepare },
	{ "Email/parse", JMAP_CAP_MAIL, jmap_email_parse, &jmap_email_type, JMAP_METHOD_ACCOUNT, NULL },
	{ "Email/copy", JMAP_CAP_MAIL, jmap_email_copy, &jmap_email_type,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, NULL },
	{ "Email/imapView", JMAP_CAP_TERN_IMAP, jmap_email_imap_view, &jmap_email_type,
	  JMAP_METHOD_ACCOUNT, NULL },
	{ "Email/deliver", JMAP_CAP_TERN_MAIL, jmap_email_deliver, &jmap_email_type,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, email_deliver_prepare },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

/* ids null asks for every email: found through the query, capped one
 * past maxObjectsInGet so that the generic code answers requestTooLarge
 * without reading the whole account. */
static int email_get_all_ids(struct jmap_call *call, uint64_t **ids_r, size_t *count_r)
{
	struct store_email_query q = {
		.limit = (size_t)call->req->srv->limits.max_objects_in_get + 1,
	};
	struct store_email_result res = { 0 };
	const char *error;

	if (store_email_query(call->acct, &q, &res, &error) < 0)
		return jmap_call_error(call, "serverFail", "email ids: %s", error);
	*ids_r = res.ids;
	*count_r = res.count;
	return 0;
}

/* The asked ids as numbers; ids that cannot be emails go to notFound
 * (as 0, which the store never finds). */
static int email_get_ids(struct jmap_call *call, struct jmap_get *get, uint64_t **ids_r,
			 size_t *count_r)
{
	size_t n;

	if (get->ids == NULL)
		return email_get_all_ids(call, ids_r, count_r);
	n = json_object_array_length(get->ids);
	*ids_r = xcalloc(n > 0 ? n : 1, sizeof(**ids_r));
	*count_r = n;
	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(get->ids, i));

		if (jmap_id_parse(EMAIL_ID_PREFIX, id, &(*ids_r)[i]) < 0)
			(*ids_r)[i] = 0;
	}
	return 0;
}

static int email_get_one(struct jmap_call *call, struct jmap_get *get,
			 const struct email_render_opts *opts, const struct store_email *e)
{
	struct email_source src = {
		.acct = call->acct, .meta = e, .blob_id = e->blob_id, .size = e->size,
	};
	json_object *obj;
	const char *error = NULL;

	if (e->model != NULL)
		src.model = email_model_parse(e->model, email_render_model_need(opts));
	obj = email_render(&src, opts, &error);
	json_object_put(src.model);
	mail_message_free(&src.msg);
	if (obj == NULL)
		return jmap_call_error(call, "serverFail", "email e%llu: %s",
				       (unsigned long long)e->id, error);
	json_object_array_add(get->list, obj);
	return 0;
}

static int email_get_list(struct jmap_call *call, struct jmap_get *get,
			  const struct email_render_opts *opts, const uint64_t *ids, size_t count)
{
	unsigned what = email_render_model_need(opts) != EMAIL_MODEL_NONE ?
			STORE_EMAIL_WITH_MODEL : 0;
	struct store_email *list;
	const char *error;
	int ret = 0;

	if (store_email_get_many(call->acct, ids, count, what, &list, &error) < 0)
		return jmap_call_error(call, "serverFail", "emails: %s", error);
	for (size_t i = 0; i < count && ret == 0; i++) {
		if (list[i].id != 0)
			ret = email_get_one(call, get, opts, &list[i]);
		else if (get->ids != NULL)
			json_object_array_add(get->not_found, json_object_get(
				json_object_array_get_idx(get->ids, i)));
	}
	store_email_list_free(&list, count);
	return ret;
}

static int jmap_email_get(struct jmap_call *call, struct jmap_get *get)
{
	struct email_render_opts opts;
	uint64_t *ids = NULL;
	size_t count = 0;
	int ret;

	if (email_render_opts_parse(call, get->properties, &opts) < 0)
		return -1;
	ret = email_get_ids(call, get, &ids, &count);
	if (ret == 0 && count > 0)
		ret = email_get_list(call, get, &opts, ids, count);
	free(ids);
	email_render_opts_clear(&opts);
	return ret;
}

const struct jmap_type jmap_email_type = {
	.name = "Email",
	.capability = JMAP_CAP_MAIL,
	.store_type = STORE_TYPE_EMAIL,
	.id_prefix = EMAIL_ID_PREFIX,
	.props = email_props,
	.prop_match = email_prop_match,
	.get_args = email_get_args,
	.query_args = jmap_email_query_args,
	.get = jmap_email_get,
	.create = jmap_email_create,
	.update = jmap_email_update,
	.destroy = jmap_email_destroy,
	.filter_check = jmap_email_filter_check,
	.sort_props = jmap_email_sort_props,
	.comparator_args = jmap_email_comparator_args,
	.query = jmap_email_query,
	.query_changes_related = jmap_email_query_changes_related,
	.methods = email_methods,
};
