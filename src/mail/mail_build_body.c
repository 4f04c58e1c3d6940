/* The MIME body of a created Email (RFC 8621 §4.6): a bodyStructure
 * tree as given, or textBody, htmlBody and attachments arranged as
 * multipart/alternative (text and HTML), multipart/related (HTML and
 * the images it embeds by cid) and multipart/mixed (the rest). Text
 * comes from bodyValues, other content from blobs. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "mail/mail_build_private.h"

static const char *const body_part_props[] = {
	"partId", "blobId", "size", "name", "type", "charset", "disposition",
	"cid", "language", "location", "subParts", NULL
};

/* Part properties and the header fields they write. */
static const struct {
	const char *property, *field;
} body_prop_fields[] = {
	{ "type", "content-type" }, { "charset", "content-type" },
	{ "disposition", "content-disposition" }, { "name", "content-disposition" },
	{ "cid", "content-id" }, { "language", "content-language" },
	{ "location", "content-location" },
};

static GMimeObject *body_part(struct build_ctx *ctx, json_object *obj, unsigned depth,
			      const char *default_type, GHashTable *top_fields);

static int body_fail(struct build_ctx *ctx, const char *error)
{
	ctx->error = error;
	return -1;
}

static bool body_is_known_prop(const char *key)
{
	for (size_t i = 0; body_part_props[i] != NULL; i++) {
		if (strcmp(key, body_part_props[i]) == 0)
			return true;
	}
	return false;
}

/* The header fields the part's properties write, claimed once each. */
static void body_claim_prop_fields(json_object *obj, GHashTable *fields)
{
	for (size_t i = 0; i < sizeof(body_prop_fields) / sizeof(body_prop_fields[0]); i++) {
		json_object *value;

		if (json_object_object_get_ex(obj, body_prop_fields[i].property, &value) && value != NULL &&
		    strcmp(body_prop_fields[i].property, "charset") != 0 &&
		    strcmp(body_prop_fields[i].property, "name") != 0)
			build_field_claim(fields, body_prop_fields[i].field);
	}
}

static int body_check_header_prop(struct build_ctx *ctx, const char *key, GHashTable *fields,
				  GHashTable *top_fields)
{
	struct build_header_prop prop;
	int ret = 0;

	char *lower;

	if (build_header_prop_parse(key, &prop) < 0)
		return body_fail(ctx, err_fmt("invalid header property %s", key));
	lower = g_ascii_strdown(prop.field, -1);
	if (!mail_header_form_allowed(prop.field, prop.form))
		ret = body_fail(ctx, err_fmt("%s: form not allowed for this field", key));
	else if (strcmp(lower, "content-transfer-encoding") == 0 || strcmp(lower, "content-type") == 0)
		ret = body_fail(ctx, "Content-Type and Content-Transfer-Encoding come from type and charset");
	else if (top_fields != NULL && g_hash_table_contains(top_fields, lower))
		ret = body_fail(ctx, err_fmt("%s is already set on the Email", prop.field));
	else if (build_field_claim(fields, prop.field) < 0)
		ret = body_fail(ctx, err_fmt("%s is given twice", prop.field));
	g_free(lower);
	free(prop.field);
	return ret;
}

/* Checks the property names of an EmailBodyPart for create. */
static int body_check_props(struct build_ctx *ctx, json_object *obj, GHashTable *top_fields)
{
	GHashTable *fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int ret = 0;

	body_claim_prop_fields(obj, fields);
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (strcmp(key, "headers") == 0)
			ret = body_fail(ctx, "headers may not be given on create; use header: properties");
		else if (strncmp(key, "header:", 7) == 0)
			ret = body_check_header_prop(ctx, key, fields, top_fields);
		else if (!body_is_known_prop(key))
			ret = body_fail(ctx, err_fmt("unknown body part property %s", key));
		if (ret < 0)
			break;
	}
	g_hash_table_destroy(fields);
	return ret;
}

static bool body_token_valid(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7F || strchr("()<>@,;:\\\"/[]?=", s[i]) != NULL)
			return false;
	}
	return true;
}

/* The lowercase "type/subtype" the part is built as, or NULL. */
static char *body_type(struct build_ctx *ctx, json_object *obj, const char *default_type)
{
	json_object *type = NULL;
	const char *s, *slash;

	if (!json_object_object_get_ex(obj, "type", &type) || type == NULL) {
		if (default_type != NULL)
			return xstrdup(default_type);
		return xstrdup(json_object_object_get_ex(obj, "blobId", NULL) ? "application/octet-stream" :
										  "text/plain");
	}
	s = json_object_get_string(type);
	slash = json_object_is_type(type, json_type_string) ? strchr(s, '/') : NULL;
	if (slash == NULL || !body_token_valid(s, (size_t)(slash - s)) || !body_token_valid(slash + 1, strlen(slash + 1))) {
		body_fail(ctx, "invalid type");
		return NULL;
	}
	return mail_ascii_lower(s);
}

/* The text of bodyValues[part_id], which must be whole and valid. */
static const char *body_value_text(struct build_ctx *ctx, const char *part_id)
{
	json_object *entry = NULL, *value = NULL, *flag;

	if (ctx->body_values == NULL || !json_object_object_get_ex(ctx->body_values, part_id, &entry) ||
	    !json_object_is_type(entry, json_type_object) || !json_object_object_get_ex(entry, "value", &value) ||
	    !json_object_is_type(value, json_type_string)) {
		body_fail(ctx, err_fmt("no bodyValues entry with a value for partId %s", part_id));
		return NULL;
	}
	if ((json_object_object_get_ex(entry, "isEncodingProblem", &flag) && json_object_get_boolean(flag)) ||
	    (json_object_object_get_ex(entry, "isTruncated", &flag) && json_object_get_boolean(flag))) {
		ctx->property = "bodyValues";
		body_fail(ctx, "isEncodingProblem and isTruncated must be false");
		return NULL;
	}
	return json_object_get_string(value);
}

/* Text with every line ending CRLF, the canonical form of text. */
static void body_crlf(const char *text, struct strbuf *out)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			strbuf_putc(out, '\r');
		if (*p == '\r' && p[1] != '\n') {
			strbuf_puts(out, "\r\n");
			continue;
		}
		strbuf_putc(out, *p);
	}
	strbuf_puts(out, "");
}

static void body_set_content(GMimePart *part, const void *data, size_t len)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, wrapper);
	g_object_unref(wrapper);
	g_object_unref(stream);
	/* Quoted-printable is a text encoding: it canonicalises line ends,
	 * which would change the bytes of an attachment that only looks like
	 * text. Only text parts may get it. */
	if (g_mime_content_type_is_type(g_mime_object_get_content_type(GMIME_OBJECT(part)),
					"text", "*"))
		g_mime_part_set_content_encoding(part, g_mime_part_get_best_content_encoding(
			part, GMIME_ENCODING_CONSTRAINT_7BIT));
	else
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
}

static int body_leaf_from_value(struct build_ctx *ctx, json_object *obj, const char *part_id, GMimePart *part)
{
	const char *text;
	struct strbuf content = { 0 };

	if (json_object_object_get_ex(obj, "charset", NULL) || json_object_object_get_ex(obj, "size", NULL))
		return body_fail(ctx, "charset and size may not be given with a partId");
	if ((text = body_value_text(ctx, part_id)) == NULL)
		return -1;
	body_crlf(text, &content);
	if (g_mime_content_type_is_type(g_mime_object_get_content_type(GMIME_OBJECT(part)), "text", "*"))
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	body_set_content(part, content.s, content.len);
	strbuf_free(&content);
	return 0;
}

static int body_leaf_from_blob(struct build_ctx *ctx, json_object *obj, const char *blob_id, GMimePart *part)
{
	json_object *charset = NULL;
	void *data = NULL;
	size_t len = 0;

	if (json_object_object_get_ex(obj, "charset", &charset) && charset != NULL) {
		if (!json_object_is_type(charset, json_type_string) ||
		    !body_token_valid(json_object_get_string(charset), strlen(json_object_get_string(charset))))
			return body_fail(ctx, "invalid charset");
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset",
							 json_object_get_string(charset));
	}
	if (ctx->in->fetch == NULL || ctx->in->fetch(ctx->in->fetch_context, blob_id, &data, &len) < 0) {
		if (ctx->blob_error == NULL) {
			ctx->blob_error = err_fmt("blob not found: %s", blob_id);
			ctx->blob_property = ctx->property;
		}
		data = NULL;
		len = 0;
	}
	body_set_content(part, data != NULL ? data : "", len);
	free(data);
	return 0;
}

static GMimeObject *body_leaf(struct build_ctx *ctx, json_object *obj, const char *type)
{
	json_object *part_id = NULL, *blob_id = NULL;
	char *major = xstrndup(type, strcspn(type, "/"));
	GMimePart *part = g_mime_part_new_with_type(major, strchr(type, '/') + 1);
	int ret;

	free(major);
	json_object_object_get_ex(obj, "partId", &part_id);
	json_object_object_get_ex(obj, "blobId", &blob_id);
	if ((part_id == NULL) == (blob_id == NULL) || json_object_object_get_ex(obj, "subParts", NULL))
		ret = body_fail(ctx, "a leaf part needs a partId or a blobId (not both) and no subParts");
	else if (!json_object_is_type(part_id != NULL ? part_id : blob_id, json_type_string))
		ret = body_fail(ctx, "partId and blobId are strings");
	else if (part_id != NULL)
		ret = body_leaf_from_value(ctx, obj, json_object_get_string(part_id), part);
	else
		ret = body_leaf_from_blob(ctx, obj, json_object_get_string(blob_id), part);
	if (ret < 0) {
		g_object_unref(part);
		return NULL;
	}
	return GMIME_OBJECT(part);
}

static GMimeObject *body_multipart(struct build_ctx *ctx, json_object *obj, const char *type, unsigned depth)
{
	json_object *sub = NULL;
	GMimeMultipart *mp;

	if (json_object_object_get_ex(obj, "partId", NULL) || json_object_object_get_ex(obj, "blobId", NULL) ||
	    !json_object_object_get_ex(obj, "subParts", &sub) || !json_object_is_type(sub, json_type_array)) {
		body_fail(ctx, "a multipart needs subParts and no partId or blobId");
		return NULL;
	}
	mp = g_mime_multipart_new_with_subtype(strchr(type, '/') + 1);
	for (size_t i = 0; i < json_object_array_length(sub); i++) {
		GMimeObject *child = body_part(ctx, json_object_array_get_idx(sub, i), depth + 1, NULL, NULL);

		if (child == NULL) {
			g_object_unref(mp);
			return NULL;
		}
		g_mime_multipart_add(mp, child);
		g_object_unref(child);
	}
	return GMIME_OBJECT(mp);
}

/* A string or null property; -1 if it is another type. */
static int body_optional_string(struct build_ctx *ctx, json_object *obj, const char *key, char **value_r)
{
	json_object *value = NULL;

	*value_r = NULL;
	if (!json_object_object_get_ex(obj, key, &value) || value == NULL)
		return 0;
	if ((*value_r = build_string(value)) == NULL)
		return body_fail(ctx, err_fmt("%s must be a string or null", key));
	g_strstrip(*value_r);
	return 0;
}

static int body_apply_disposition(struct build_ctx *ctx, json_object *obj, GMimeObject *object)
{
	char *disposition, *name;
	GMimeContentDisposition *d;

	if (body_optional_string(ctx, obj, "disposition", &disposition) < 0 ||
	    body_optional_string(ctx, obj, "name", &name) < 0)
		return -1;
	if (disposition != NULL && !body_token_valid(disposition, strlen(disposition))) {
		free(disposition);
		free(name);
		return body_fail(ctx, "invalid disposition");
	}
	if (disposition != NULL) {
		d = g_mime_content_disposition_new();
		g_mime_content_disposition_set_disposition(d, disposition);
		if (name != NULL)
			g_mime_content_disposition_set_parameter(d, "filename", name);
		g_mime_object_set_content_disposition(object, d);
		g_object_unref(d);
	}
	if (name != NULL)
		g_mime_object_set_content_type_parameter(object, "name", name);
	free(disposition);
	free(name);
	return 0;
}

static int body_apply_language(struct build_ctx *ctx, json_object *obj, GMimeObject *object)
{
	json_object *list = NULL;
	struct strbuf b = { 0 };

	if (!json_object_object_get_ex(obj, "language", &list) || list == NULL)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return body_fail(ctx, "language must be an array of strings or null");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *tag = json_object_array_get_idx(list, i);

		if (!json_object_is_type(tag, json_type_string) ||
		    !body_token_valid(json_object_get_string(tag), strlen(json_object_get_string(tag)))) {
			strbuf_free(&b);
			return body_fail(ctx, "invalid language tag");
		}
		strbuf_printf(&b, "%s%s", i > 0 ? ", " : "", json_object_get_string(tag));
	}
	if (b.len > 0)
		g_mime_object_append_header(object, "Content-Language", b.s, NULL);
	strbuf_free(&b);
	return 0;
}

static int body_apply_props(struct build_ctx *ctx, json_object *obj, GMimeObject *object)
{
	char *cid = NULL, *location = NULL;
	int ret = -1;

	if (body_apply_disposition(ctx, obj, object) < 0 || body_apply_language(ctx, obj, object) < 0 ||
	    body_optional_string(ctx, obj, "cid", &cid) < 0 ||
	    body_optional_string(ctx, obj, "location", &location) < 0)
		goto out;
	if (cid != NULL && (strpbrk(cid, " <>") != NULL || cid[0] == '\0')) {
		body_fail(ctx, "invalid cid");
		goto out;
	}
	if (cid != NULL)
		g_mime_object_set_content_id(object, cid);
	if (location != NULL)
		g_mime_object_append_header(object, "Content-Location", location, "utf-8");
	ret = 0;
out:
	free(cid);
	free(location);
	return ret;
}

static int body_apply_headers(struct build_ctx *ctx, json_object *obj, GMimeObject *object)
{
	json_object_object_foreach(obj, key, value) {
		struct build_header_prop prop;
		int ret;

		if (strncmp(key, "header:", 7) != 0 || build_header_prop_parse(key, &prop) < 0)
			continue;
		ret = build_header_add(ctx, object, &prop, value);
		free(prop.field);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static GMimeObject *body_part(struct build_ctx *ctx, json_object *obj, unsigned depth,
			      const char *default_type, GHashTable *top_fields)
{
	GMimeObject *object;
	char *type;

	if (!json_object_is_type(obj, json_type_object)) {
		body_fail(ctx, "a body part must be an object");
		return NULL;
	}
	if (++ctx->parts > BUILD_MAX_PARTS || depth > BUILD_MAX_DEPTH) {
		body_fail(ctx, "too many or too deeply nested body parts");
		return NULL;
	}
	if (body_check_props(ctx, obj, top_fields) < 0 || (type = body_type(ctx, obj, default_type)) == NULL)
		return NULL;
	if (strncmp(type, "multipart/", 10) == 0)
		object = body_multipart(ctx, obj, type, depth);
	else
		object = body_leaf(ctx, obj, type);
	free(type);
	if (object != NULL && (body_apply_props(ctx, obj, object) < 0 || body_apply_headers(ctx, obj, object) < 0))
		g_clear_object(&object);
	return object;
}

/* The one part of textBody or htmlBody, which must be of type. */
static int body_single(struct build_ctx *ctx, const char *property, const char *type, GMimeObject **part_r)
{
	json_object *list = NULL;
	char *built;

	*part_r = NULL;
	if (!json_object_object_get_ex(ctx->in->email, property, &list) || list == NULL)
		return 0;
	ctx->property = property;
	if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) != 1)
		return body_fail(ctx, "must hold exactly one part");
	if ((*part_r = body_part(ctx, json_object_array_get_idx(list, 0), 1, type, NULL)) == NULL)
		return -1;
	built = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(*part_r));
	if (g_ascii_strcasecmp(built, type) != 0) {
		g_free(built);
		g_clear_object(part_r);
		return body_fail(ctx, err_fmt("the part must be of type %s", type));
	}
	g_free(built);
	return 0;
}

/* A multipart of subtype holding first (if any) and then rest; takes
 * the references it is given. */
static GMimeObject *body_wrap(const char *subtype, GMimeObject *first, GPtrArray *rest)
{
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype(subtype);

	if (first != NULL) {
		g_mime_multipart_add(mp, first);
		g_object_unref(first);
	}
	for (guint i = 0; rest != NULL && i < rest->len; i++)
		g_mime_multipart_add(mp, rest->pdata[i]);
	if (rest != NULL)
		g_ptr_array_set_size(rest, 0);
	return GMIME_OBJECT(mp);
}

static GMimeObject *body_pair(const char *subtype, GMimeObject *a, GMimeObject *b)
{
	GMimeObject *mp = body_wrap(subtype, a, NULL);

	g_mime_multipart_add(GMIME_MULTIPART(mp), b);
	g_object_unref(b);
	return mp;
}

/* Sorts the attachments into those the HTML embeds (a cid, not marked
 * as attachment) and the others. */
static int body_attachments(struct build_ctx *ctx, bool have_html, GPtrArray *embedded, GPtrArray *other)
{
	json_object *list = NULL;

	if (!json_object_object_get_ex(ctx->in->email, "attachments", &list) || list == NULL)
		return 0;
	ctx->property = "attachments";
	if (!json_object_is_type(list, json_type_array))
		return body_fail(ctx, "must be an array of body parts");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		GMimeObject *part = body_part(ctx, json_object_array_get_idx(list, i), 1, NULL, NULL);
		const char *disposition;

		if (part == NULL)
			return -1;
		disposition = g_mime_object_get_disposition(part);
		if (have_html && g_mime_object_get_content_id(part) != NULL &&
		    (disposition == NULL || g_ascii_strcasecmp(disposition, "attachment") != 0))
			g_ptr_array_add(embedded, part);
		else
			g_ptr_array_add(other, part);
	}
	return 0;
}

/* The body when nothing but attachments, or nothing at all, is given. */
static GMimeObject *body_empty_text(void)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");

	body_set_content(part, "", 0);
	return GMIME_OBJECT(part);
}

static GMimeObject *body_from_lists(struct build_ctx *ctx)
{
	GPtrArray *embedded = g_ptr_array_new_with_free_func(g_object_unref);
	GPtrArray *other = g_ptr_array_new_with_free_func(g_object_unref);
	GMimeObject *text = NULL, *html = NULL, *body = NULL;

	if (body_single(ctx, "textBody", "text/plain", &text) < 0 ||
	    body_single(ctx, "htmlBody", "text/html", &html) < 0 ||
	    body_attachments(ctx, html != NULL, embedded, other) < 0) {
		g_clear_object(&text);
		g_clear_object(&html);
	} else {
		if (html != NULL && embedded->len > 0)
			html = body_wrap("related", html, embedded);
		if (text != NULL && html != NULL)
			body = body_pair("alternative", text, html);
		else
			body = text != NULL ? text : html;
		if (body == NULL && other->len == 0)
			body = body_empty_text();
		if (other->len > 0)
			body = body_wrap("mixed", body, other);
	}
	g_ptr_array_free(embedded, TRUE);
	g_ptr_array_free(other, TRUE);
	return body;
}

GMimeObject *build_body(struct build_ctx *ctx, GHashTable *top_fields)
{
	json_object *structure = NULL;

	if (json_object_object_get_ex(ctx->in->email, "bodyStructure", &structure) && structure != NULL) {
		ctx->property = "bodyStructure";
		return body_part(ctx, structure, 0, NULL, top_fields);
	}
	return body_from_lists(ctx);
}
