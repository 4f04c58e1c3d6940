/* The Email object (RFC 8621 §4.1) built from the store's metadata and
 * the cached model; the raw message is parsed only for bodyValues. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/imap_vendor.h"
#include "jmap/mailbox.h"

/* The model nests two JSON levels per MIME level (object, subParts),
 * and MIME nesting is bounded by mail_limits.max_depth (32). */
#define EMAIL_MODEL_MAX_DEPTH 160

struct email_render_ctx {
	struct email_source *src;
	const struct email_render_opts *opts;
	json_object *parts;	/* partId -> EmailBodyPart of the model */
	const char *error;	/* set when the raw message could not be read */
};

/* Stored last, in this order: what only some properties need. */
static const char *const email_model_heavy[] = { "headers", "bodyStructure", NULL };

char *email_model_text(json_object *model)
{
	json_object *ordered = json_object_new_object(), *value;
	char *text;

	json_object_object_foreach(model, key, member) {
		bool heavy = false;

		for (size_t i = 0; email_model_heavy[i] != NULL; i++)
			heavy = heavy || strcmp(key, email_model_heavy[i]) == 0;
		if (!heavy)
			json_object_object_add(ordered, key, json_object_get(member));
	}
	for (size_t i = 0; email_model_heavy[i] != NULL; i++) {
		if (json_object_object_get_ex(model, email_model_heavy[i], &value))
			json_object_object_add(ordered, email_model_heavy[i], json_object_get(value));
	}
	text = xstrdup(json_object_to_json_string_ext(ordered, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(ordered);
	return text;
}

/* Where the first heavy member starts (at its ','), or 0 if the text has
 * none at the top level. */
static size_t email_model_light_end(const char *text)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; text[i] != '\0'; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\' && text[i + 1] != '\0')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ',' && depth == 1 && text[i + 1] == '"') {
			for (size_t k = 0; email_model_heavy[k] != NULL; k++) {
				size_t n = strlen(email_model_heavy[k]);

				if (strncmp(text + i + 2, email_model_heavy[k], n) == 0 &&
				    strncmp(text + i + 2 + n, "\":", 2) == 0)
					return i;
			}
		}
	}
	return 0;
}

json_object *email_model_parse(const char *text, enum email_model_need need)
{
	size_t len = text != NULL ? strlen(text) : 0, light;
	json_tokener *tok;
	json_object *model;

	if (text == NULL || need == EMAIL_MODEL_NONE || len > INT_MAX)
		return NULL;
	if (need == EMAIL_MODEL_LIGHT && (light = email_model_light_end(text)) > 0)
		len = light;
	tok = json_tokener_new_ex(EMAIL_MODEL_MAX_DEPTH);
	model = json_tokener_parse_ex(tok, text, (int)len);
	if (model == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		model = json_tokener_parse_ex(tok, "}", 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(model);
		model = NULL;
	}
	json_tokener_free(tok);
	return model;
}

static json_object *email_model_get(const struct email_render_ctx *ctx, const char *name)
{
	json_object *value = NULL;

	json_object_object_get_ex(ctx->src->model, name, &value);
	return json_object_get(value);
}

/* ---- header properties ---- */

static json_object *email_header_value(json_object *headers, const char *prop)
{
	struct email_header_prop hp;
	json_object *all = NULL, *last = NULL;
	size_t n = json_object_array_length(headers);

	if (email_header_prop_parse(prop, &hp) < 0)
		return NULL;
	if (hp.all)
		all = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(headers, i);
		const char *name = json_object_get_string(json_object_object_get(h, "name"));
		const char *value = json_object_get_string(json_object_object_get(h, "value"));

		if (name == NULL || value == NULL || strcasecmp(name, hp.name) != 0)
			continue;
		if (hp.all)
			json_object_array_add(all, mail_header_value(value, hp.form));
		else
			last = h;
	}
	if (hp.all)
		return all;
	if (last == NULL)
		return NULL;
	return mail_header_value(json_object_get_string(json_object_object_get(last, "value")),
				 hp.form);
}

/* ---- body parts ---- */

static void email_parts_index(json_object *index, json_object *part, unsigned depth)
{
	json_object *id, *sub;
	size_t n;

	if (part == NULL || depth > EMAIL_MODEL_MAX_DEPTH)
		return;
	if (json_object_object_get_ex(part, "partId", &id) &&
	    json_object_is_type(id, json_type_string))
		json_object_object_add(index, json_object_get_string(id), json_object_get(part));
	if (!json_object_object_get_ex(part, "subParts", &sub) ||
	    !json_object_is_type(sub, json_type_array))
		return;
	n = json_object_array_length(sub);
	for (size_t i = 0; i < n; i++)
		email_parts_index(index, json_object_array_get_idx(sub, i), depth + 1);
}

/* partId -> part, in depth-first order, built on first use. */
static json_object *email_parts(struct email_render_ctx *ctx)
{
	if (ctx->parts == NULL) {
		ctx->parts = json_object_new_object();
		email_parts_index(ctx->parts, json_object_object_get(ctx->src->model, "bodyStructure"), 0);
	}
	return ctx->parts;
}

static json_object *email_part_find(struct email_render_ctx *ctx, const char *part_id)
{
	json_object *part = NULL;

	json_object_object_get_ex(email_parts(ctx), part_id, &part);
	return part;
}

static json_object *email_part_render(struct email_render_ctx *ctx, json_object *part,
				      bool with_sub, unsigned depth);

static json_object *email_subparts_render(struct email_render_ctx *ctx, json_object *part,
					  unsigned depth)
{
	json_object *sub, *out;
	size_t n;

	if (!json_object_object_get_ex(part, "subParts", &sub) ||
	    !json_object_is_type(sub, json_type_array) || depth > EMAIL_MODEL_MAX_DEPTH)
		return NULL;
	out = json_object_new_array_ext((int)json_object_array_length(sub));
	n = json_object_array_length(sub);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(out, email_part_render(ctx, json_object_array_get_idx(sub, i),
							     true, depth + 1));
	return out;
}

static json_object *email_part_blob(const struct email_render_ctx *ctx, json_object *part)
{
	json_object *id = json_object_object_get(part, "partId");
	char blob_id[256];

	if (!json_object_is_type(id, json_type_string))
		return NULL;
	email_part_blob_id(ctx->src->blob_id, json_object_get_string(id), blob_id, sizeof(blob_id));
	return json_object_new_string(blob_id);
}

static json_object *email_part_prop(struct email_render_ctx *ctx, json_object *part,
				    const char *name, bool with_sub, unsigned depth)
{
	json_object *value = NULL;

	if (strcmp(name, "blobId") == 0)
		return email_part_blob(ctx, part);
	if (strcmp(name, "subParts") == 0)
		return with_sub ? email_subparts_render(ctx, part, depth) : NULL;
	if (strncmp(name, "header:", 7) == 0)
		return email_header_value(json_object_object_get(part, "headers"), name);
	json_object_object_get_ex(part, name, &value);
	return json_object_get(value);
}

/* The EmailBodyPart with the asked bodyProperties; inside bodyStructure
 * (with_sub) a multipart keeps its subParts even when not asked for,
 * or the tree could not be shown. */
static json_object *email_part_render(struct email_render_ctx *ctx, json_object *part,
				      bool with_sub, unsigned depth)
{
	json_object *out = json_object_new_object(), *props = ctx->opts->body_props;
	size_t n = json_object_array_length(props);

	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(props, i));

		json_object_object_add(out, name, email_part_prop(ctx, part, name, with_sub, depth));
	}
	if (with_sub && !json_object_object_get_ex(out, "subParts", NULL) &&
	    json_object_object_get_ex(part, "subParts", NULL))
		json_object_object_add(out, "subParts", email_subparts_render(ctx, part, depth));
	return out;
}

/* textBody, htmlBody, attachments: the model lists partIds. */
static json_object *email_part_list(struct email_render_ctx *ctx, const char *name)
{
	json_object *ids = json_object_object_get(ctx->src->model, name), *out;
	size_t n;

	if (!json_object_is_type(ids, json_type_array))
		return json_object_new_array();
	n = json_object_array_length(ids);
	out = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++) {
		json_object *part = email_part_find(ctx, json_object_get_string(
			json_object_array_get_idx(ids, i)));

		if (part != NULL)
			json_object_array_add(out, email_part_render(ctx, part, false, 0));
	}
	return out;
}

/* ---- bodyValues ---- */

static bool email_part_is_text(json_object *part)
{
	const char *type = json_object_get_string(json_object_object_get(part, "type"));

	return type != NULL && strncasecmp(type, "text/", 5) == 0;
}

static bool email_part_is_html(json_object *part)
{
	const char *type = json_object_get_string(json_object_object_get(part, "type"));

	return type != NULL && strcasecmp(type, "text/html") == 0;
}

/* §4.2: a truncated HTML value should not end inside a tag. */
static void email_html_cut(char *text)
{
	char *open = strrchr(text, '<');

	if (open != NULL && strchr(open, '>') == NULL)
		*open = '\0';
}

static int email_msg_load(struct email_render_ctx *ctx)
{
	struct email_source *src = ctx->src;
	struct mail_limits limits = { 0 };
	void *raw;
	size_t len;
	int ret;

	if (src->msg != NULL)
		return 0;
	ret = email_blob_read(src->acct, src->blob_id, &raw, &len);
	if (ret <= 0) {
		ctx->error = ret == 0 ? "The message blob is missing" : "Reading the message failed";
		return -1;
	}
	mail_limits_default(&limits);
	src->msg = mail_message_parse(raw, len, &limits);
	free(raw);
	return 0;
}

static void email_body_value_add(struct email_render_ctx *ctx, json_object *values,
				 json_object *part)
{
	const char *part_id = json_object_get_string(json_object_object_get(part, "partId"));
	json_object *value;
	char *text;
	bool truncated, problem;

	if (part_id == NULL || !email_part_is_text(part) ||
	    json_object_object_get_ex(values, part_id, NULL))
		return;
	if (mail_part_text(ctx->src->msg, part_id, ctx->opts->max_body_bytes, &text, &truncated,
			   &problem) < 0)
		return;
	if (truncated && email_part_is_html(part))
		email_html_cut(text);
	value = json_object_new_object();
	json_object_object_add(value, "value", json_object_new_string(text));
	json_object_object_add(value, "isEncodingProblem", json_object_new_boolean(problem));
	json_object_object_add(value, "isTruncated", json_object_new_boolean(truncated));
	json_object_object_add(values, part_id, value);
	free(text);
}

static void email_body_values_list(struct email_render_ctx *ctx, json_object *values,
				   const char *list)
{
	json_object *ids = json_object_object_get(ctx->src->model, list);
	size_t n = json_object_is_type(ids, json_type_array) ? json_object_array_length(ids) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *part = email_part_find(ctx, json_object_get_string(
			json_object_array_get_idx(ids, i)));

		if (part != NULL)
			email_body_value_add(ctx, values, part);
	}
}

static json_object *email_body_values(struct email_render_ctx *ctx)
{
	json_object *values = json_object_new_object();
	const struct email_render_opts *opts = ctx->opts;

	if (!opts->fetch_text && !opts->fetch_html && !opts->fetch_all)
		return values;
	if (email_msg_load(ctx) < 0)
		return values;
	if (opts->fetch_text)
		email_body_values_list(ctx, values, "textBody");
	if (opts->fetch_html)
		email_body_values_list(ctx, values, "htmlBody");
	if (opts->fetch_all) {
		json_object_object_foreach(email_parts(ctx), key, part) {
			(void)key;
			email_body_value_add(ctx, values, part);
		}
	}
	return values;
}

/* ---- metadata ---- */

static json_object *email_id_json(char prefix, uint64_t n)
{
	char id[24];

	jmap_id_format(prefix, n, id);
	return json_object_new_string(id);
}

static json_object *email_mailbox_ids_json(const struct store_email *e)
{
	json_object *obj = json_object_new_object();
	char id[24];

	for (size_t i = 0; i < e->mailbox_count; i++) {
		jmap_id_format(MAILBOX_ID_PREFIX, e->mailboxes[i].mailbox_id, id);
		json_object_object_add(obj, id, json_object_new_boolean(1));
	}
	return obj;
}

static json_object *email_keywords_json(const struct store_email *e)
{
	json_object *obj = json_object_new_object();

	for (size_t i = 0; i < e->keyword_count; i++)
		json_object_object_add(obj, e->keywords[i], json_object_new_boolean(1));
	return obj;
}

static json_object *email_date_json(int64_t t)
{
	char date[21];

	time_format_utc((time_t)t, date);
	return json_object_new_string(date);
}

/* Metadata properties: 1 and *value_r, or 0 if name is not one. */
static int email_meta_prop(const struct email_render_ctx *ctx, const char *name,
			   json_object **value_r)
{
	const struct store_email *e = ctx->src->meta;

	if (strcmp(name, "blobId") == 0)
		*value_r = json_object_new_string(ctx->src->blob_id);
	else if (strcmp(name, "size") == 0)
		*value_r = json_object_new_int64((int64_t)ctx->src->size);
	else if (strcmp(name, "id") == 0)
		*value_r = e != NULL ? email_id_json(EMAIL_ID_PREFIX, e->id) : NULL;
	else if (strcmp(name, "threadId") == 0)
		*value_r = e != NULL ? email_id_json(THREAD_ID_PREFIX, e->thread_id) : NULL;
	else if (strcmp(name, "mailboxIds") == 0)
		*value_r = e != NULL ? email_mailbox_ids_json(e) : NULL;
	else if (strcmp(name, "keywords") == 0)
		*value_r = e != NULL ? email_keywords_json(e) : NULL;
	else if (strcmp(name, "receivedAt") == 0)
		*value_r = e != NULL ? email_date_json(e->received_at) : NULL;
	else if (strcmp(name, "hasAttachment") == 0 && e != NULL)
		*value_r = json_object_new_boolean(e->has_attachment);
	else if (strcmp(name, "preview") == 0 && e != NULL)
		*value_r = json_object_new_string(e->preview != NULL ? e->preview : "");
	else
		return 0;
	return 1;
}

static json_object *email_model_prop(struct email_render_ctx *ctx, const char *name)
{
	if (strncmp(name, "header:", 7) == 0)
		return email_header_value(json_object_object_get(ctx->src->model, "headers"), name);
	if (strcmp(name, "bodyStructure") == 0) {
		json_object *root = json_object_object_get(ctx->src->model, "bodyStructure");

		return root != NULL ? email_part_render(ctx, root, true, 0) : NULL;
	}
	if (strcmp(name, "textBody") == 0 || strcmp(name, "htmlBody") == 0 ||
	    strcmp(name, "attachments") == 0)
		return email_part_list(ctx, name);
	if (strcmp(name, "bodyValues") == 0)
		return email_body_values(ctx);
	return email_model_get(ctx, name);
}

json_object *email_render(struct email_source *src, const struct email_render_opts *opts,
			  const char **error_r)
{
	struct email_render_ctx ctx = { .src = src, .opts = opts };
	json_object *obj = json_object_new_object();
	const char *imap_error;
	size_t n = json_object_array_length(opts->props);

	for (size_t i = 0; i < n && ctx.error == NULL; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(opts->props, i));
		json_object *value;

		if (email_meta_prop(&ctx, name, &value) == 0)
			value = email_model_prop(&ctx, name);
		json_object_object_add(obj, name, value);
	}
	if (ctx.error == NULL && email_imap_render(src, opts->props, obj, &imap_error) < 0)
		ctx.error = imap_error;
	json_object_put(ctx.parts);
	if (ctx.error != NULL) {
		*error_r = ctx.error;
		json_object_put(obj);
		return NULL;
	}
	return obj;
}
