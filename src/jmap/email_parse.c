/* Email/parse (RFC 8621 §4.9): blobs (uploads, or attached messages by
 * their part blob ids) shown as Email objects without importing them. */
#include <stdlib.h>
#include <string.h>

#include "jmap/email_private.h"
#include "jmap/std_private.h"

static const char *const parse_known_args[] = {
	"accountId", "blobIds", "properties", "bodyProperties", "fetchTextBodyValues",
	"fetchHTMLBodyValues", "fetchAllBodyValues", "maxBodyValueBytes", NULL,
};

static const char *const parse_default_props[] = {
	"messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc",
	"replyTo", "subject", "sentAt", "hasAttachment", "preview", "bodyValues", "textBody",
	"htmlBody", "attachments", NULL,
};

struct parse_result {
	json_object *parsed, *not_found;
};

static int parse_props(struct jmap_call *call, json_object **props_r)
{
	json_object *arg, *props = json_object_new_array();
	size_t n;

	if (jmap_arg_get(call, "properties", json_type_array, &arg) < 0) {
		json_object_put(props);
		return -1;
	}
	for (size_t i = 0; arg == NULL && parse_default_props[i] != NULL; i++)
		json_object_array_add(props, json_object_new_string(parse_default_props[i]));
	n = arg != NULL ? json_object_array_length(arg) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(arg, i);

		if (!json_object_is_type(item, json_type_string) ||
		    !email_prop_known(json_object_get_string(item))) {
			json_object_put(props);
			return jmap_call_error(call, "invalidArguments", "Unknown property: %s",
					       json_object_get_string(item));
		}
		json_object_array_add(props, json_object_get(item));
	}
	*props_r = props;
	return 0;
}

static int parse_blob_ids(struct jmap_call *call, json_object **ids_r)
{
	size_t n;

	if (jmap_arg_get(call, "blobIds", json_type_array, ids_r) < 0)
		return -1;
	if (*ids_r == NULL)
		return jmap_call_error(call, "invalidArguments", "blobIds is required");
	n = json_object_array_length(*ids_r);
	if ((int64_t)n > call->req->srv->limits.max_objects_in_get)
		return jmap_call_error(call, "requestTooLarge", "More blobIds than maxObjectsInGet");
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(*ids_r, i), json_type_string))
			return jmap_call_error(call, "invalidArguments", "blobIds must be Ids");
	}
	return 0;
}

static int parse_one(struct jmap_call *call, const struct email_render_opts *opts,
		     const char *blob_id, struct parse_result *res)
{
	struct mail_limits limits = { 0 };
	struct email_source src = { .acct = call->acct, .blob_id = blob_id };
	json_object *obj = NULL;
	const char *error = NULL;
	void *raw;
	size_t len;
	int ret = email_blob_read(call->acct, blob_id, &raw, &len);

	if (ret <= 0) {
		if (ret == 0)
			json_object_array_add(res->not_found, json_object_new_string(blob_id));
		return ret < 0 ? jmap_call_error(call, "serverFail", "parse: reading %s", blob_id) : 0;
	}
	mail_limits_default(&limits);
	src.msg = mail_message_parse(raw, len, &limits);
	src.size = len;
	free(raw);
	src.model = mail_message_model(src.msg);
	if ((obj = email_render(&src, opts, &error)) != NULL)
		json_object_object_add(res->parsed, blob_id, obj);
	json_object_put(src.model);
	mail_message_free(&src.msg);
	return error != NULL ? jmap_call_error(call, "serverFail", "parse: %s", error) : 0;
}

static void parse_response_add(json_object *resp, const char *name, json_object *value, bool map)
{
	size_t n = map ? (size_t)json_object_object_length(value) : json_object_array_length(value);

	json_object_object_add(resp, name, n > 0 ? json_object_get(value) : NULL);
}

static int parse_run(struct jmap_call *call, struct email_render_opts *opts,
		     struct parse_result *res)
{
	json_object *blob_ids, *props = NULL;
	size_t n;

	if (jmap_args_check(call, parse_known_args, NULL) < 0 || parse_blob_ids(call, &blob_ids) < 0 ||
	    parse_props(call, &props) < 0)
		return -1;
	if (email_render_opts_parse(call, props, opts) < 0) {
		json_object_put(props);
		return -1;
	}
	n = json_object_array_length(blob_ids);
	for (size_t i = 0; i < n; i++) {
		const char *given = json_object_get_string(json_object_array_get_idx(blob_ids, i));
		const char *id = jmap_id_resolve(call, given);

		if (id == NULL)
			json_object_array_add(res->not_found, json_object_new_string(given));
		else if (json_object_object_get_ex(res->parsed, id, NULL))
			continue;
		else if (parse_one(call, opts, id, res) < 0)
			break;
	}
	json_object_put(props);
	return call->error != NULL ? -1 : 0;
}

int jmap_email_parse(struct jmap_call *call)
{
	struct parse_result res = { json_object_new_object(), json_object_new_array() };
	struct email_render_opts opts = { 0 };
	int ret = parse_run(call, &opts, &res);

	if (ret == 0) {
		call->response = jmap_std_response(call);
		parse_response_add(call->response, "parsed", res.parsed, true);
		/* any bytes parse as a message (malformed ones import too) */
		json_object_object_add(call->response, "notParsable", NULL);
		parse_response_add(call->response, "notFound", res.not_found, false);
	}
	email_render_opts_clear(&opts);
	json_object_put(res.parsed);
	json_object_put(res.not_found);
	return ret;
}
