/* MIME for Email/set create (RFC 8621 §4.6): checks the create object,
 * writes the header fields it gives (and a Message-ID and Date when it
 * gives none), builds the body, and serialises with CRLF line ends. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "mail/mail_build_private.h"

/* The convenience properties (§4.1.3) and the fields they stand for,
 * in the order the fields are written. */
static const struct {
	const char *property, *field;
	enum mail_header_form form;
} build_fields[] = {
	{ "from", "From", MAIL_FORM_ADDRESSES },
	{ "sender", "Sender", MAIL_FORM_ADDRESSES },
	{ "replyTo", "Reply-To", MAIL_FORM_ADDRESSES },
	{ "to", "To", MAIL_FORM_ADDRESSES },
	{ "cc", "Cc", MAIL_FORM_ADDRESSES },
	{ "bcc", "Bcc", MAIL_FORM_ADDRESSES },
	{ "subject", "Subject", MAIL_FORM_TEXT },
	{ "sentAt", "Date", MAIL_FORM_DATE },
	{ "messageId", "Message-ID", MAIL_FORM_MESSAGE_IDS },
	{ "inReplyTo", "In-Reply-To", MAIL_FORM_MESSAGE_IDS },
	{ "references", "References", MAIL_FORM_MESSAGE_IDS },
};

#define BUILD_FIELD_COUNT (sizeof(build_fields) / sizeof(build_fields[0]))

/* Email properties that are not MIME: the JMAP layer handles them. */
static const char *const build_ignored[] = { "mailboxIds", "keywords", "receivedAt", NULL };
static const char *const build_body_props[] = {
	"bodyStructure", "textBody", "htmlBody", "attachments", "bodyValues", NULL
};

static bool build_in_list(const char *key, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(key, list[i]) == 0)
			return true;
	}
	return false;
}

static int build_fail(struct build_ctx *ctx, const char *property, const char *error)
{
	ctx->property = property;
	ctx->error = error;
	return -1;
}

static int build_field_index(const char *key)
{
	for (size_t i = 0; i < BUILD_FIELD_COUNT; i++) {
		if (strcmp(key, build_fields[i].property) == 0)
			return (int)i;
	}
	return -1;
}

/* Checks a header property name; claims its field if it sets one. */
static int build_check_header_prop(struct build_ctx *ctx, const char *key, bool sets, GHashTable *fields)
{
	struct build_header_prop prop;
	int ret = 0;

	if (build_header_prop_parse(key, &prop) < 0)
		return build_fail(ctx, key, "invalid header property name");
	if (!mail_header_form_allowed(prop.field, prop.form))
		ret = build_fail(ctx, key, "this form is not allowed for this header field");
	else if (g_ascii_strncasecmp(prop.field, "Content-", 8) == 0)
		ret = build_fail(ctx, key, "Content-* fields belong on body parts");
	else if (sets && build_field_claim(fields, prop.field) < 0)
		ret = build_fail(ctx, key, "the header field is given twice");
	free(prop.field);
	return ret;
}

/* Checks the property names of the create object and claims the header
 * fields they set. */
static int build_check(struct build_ctx *ctx, GHashTable *fields)
{
	json_object *email = ctx->in->email;
	unsigned header_props = 0;
	int index;

	/* A header property that is null sets no field (and claims none). */
	json_object_object_foreach(email, key, value) {
		if ((index = build_field_index(key)) >= 0) {
			if (value != NULL && build_field_claim(fields, build_fields[index].field) < 0)
				return build_fail(ctx, key, "the header field is given twice");
		} else if (strncmp(key, "header:", 7) == 0) {
			if (++header_props > BUILD_MAX_HEADER_PROPS)
				return build_fail(ctx, key, "too many header properties");
			if (build_check_header_prop(ctx, key, value != NULL, fields) < 0)
				return -1;
		} else if (strcmp(key, "headers") == 0) {
			return build_fail(ctx, key, "headers may not be given; use header: properties");
		} else if (!build_in_list(key, build_body_props) && !build_in_list(key, build_ignored)) {
			return build_fail(ctx, key, "unknown or server-set property");
		}
	}
	return 0;
}

static int build_check_body(struct build_ctx *ctx)
{
	json_object *email = ctx->in->email, *values = NULL, *structure = NULL;

	if (json_object_object_get_ex(email, "bodyStructure", &structure) && structure != NULL &&
	    (json_object_object_get_ex(email, "textBody", NULL) ||
	     json_object_object_get_ex(email, "htmlBody", NULL) ||
	     json_object_object_get_ex(email, "attachments", NULL)))
		return build_fail(ctx, "bodyStructure", "bodyStructure excludes textBody, htmlBody and attachments");
	if (json_object_object_get_ex(email, "bodyValues", &values) && values != NULL &&
	    !json_object_is_type(values, json_type_object))
		return build_fail(ctx, "bodyValues", "bodyValues must be an object");
	ctx->body_values = values;
	return 0;
}

/* "<random@hostname>"; a hostname that could not stand there is replaced. */
static char *build_message_id(const char *hostname)
{
	char *token = rand_token(18), *id;
	bool usable = hostname != NULL && hostname[0] != '\0';

	for (const char *p = hostname; usable && *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
			usable = false;
	}
	id = xasprintf(" <%s@%s>", token, usable ? hostname : "localhost");
	free(token);
	return id;
}

/* Date and Message-ID, which §4.6 requires, when the Email sets none. */
static void build_defaults(struct build_ctx *ctx, GMimeObject *message, GHashTable *fields)
{
	char date[64];

	if (!g_hash_table_contains(fields, "date")) {
		date[0] = ' ';
		build_date_from_time(ctx->in->now, 0, date + 1, sizeof(date) - 1);
		build_header_set_raw(message, "Date", date);
	}
	if (!g_hash_table_contains(fields, "message-id")) {
		char *id = build_message_id(ctx->in->hostname);

		build_header_set_raw(message, "Message-ID", id);
		free(id);
	}
}

static int build_headers(struct build_ctx *ctx, GMimeObject *message, GHashTable *fields)
{
	json_object *email = ctx->in->email, *value;

	for (size_t i = 0; i < BUILD_FIELD_COUNT; i++) {
		struct build_header_prop prop = { (char *)build_fields[i].field, build_fields[i].form, false };

		if (!json_object_object_get_ex(email, build_fields[i].property, &value))
			continue;
		ctx->property = build_fields[i].property;
		if (build_header_add(ctx, message, &prop, value) < 0)
			return -1;
	}
	build_defaults(ctx, message, fields);
	json_object_object_foreach(email, key, header_value) {
		struct build_header_prop prop;
		int ret;

		if (strncmp(key, "header:", 7) != 0 || build_header_prop_parse(key, &prop) < 0)
			continue;
		ctx->property = key;
		ret = build_header_add(ctx, message, &prop, header_value);
		free(prop.field);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static void build_write(GMimeMessage *message, GMimeFormatOptions *format, char **raw_r, size_t *len_r)
{
	GMimeFormatOptions *crlf = g_mime_format_options_clone(format);
	GMimeStream *stream = g_mime_stream_mem_new();
	GByteArray *bytes;

	g_mime_format_options_set_newline_format(crlf, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream(GMIME_OBJECT(message), crlf, stream);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	*len_r = bytes->len;
	*raw_r = xmalloc(bytes->len + 1);
	memcpy(*raw_r, bytes->data, bytes->len);
	(*raw_r)[bytes->len] = '\0';
	g_object_unref(stream);
	g_mime_format_options_free(crlf);
}

int mail_build(const struct mail_build_input *in, char **raw_r, size_t *len_r,
	       const char **bad_property_r, const char **error_r)
{
	struct build_ctx ctx = { .in = in, .format = g_mime_format_options_new() };
	GHashTable *fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GMimeMessage *message = g_mime_message_new(FALSE);
	GMimeObject *body = NULL;
	int ret = -1;

	*raw_r = NULL;
	*len_r = 0;
	g_mime_format_options_set_param_encoding_method(ctx.format, GMIME_PARAM_ENCODING_METHOD_RFC2231);
	if (!json_object_is_type(in->email, json_type_object))
		build_fail(&ctx, "", "the Email must be an object");
	else if (build_check(&ctx, fields) == 0 && build_check_body(&ctx) == 0 &&
		 build_headers(&ctx, GMIME_OBJECT(message), fields) == 0 &&
		 (body = build_body(&ctx, fields)) != NULL)
		ret = 0;
	if (ret == 0 && ctx.blob_error != NULL) {
		build_fail(&ctx, ctx.blob_property, ctx.blob_error);
		g_clear_object(&body);
		ret = -1;
	}
	if (ret == 0) {
		g_mime_message_set_mime_part(message, body);
		g_object_unref(body);
		build_write(message, ctx.format, raw_r, len_r);
	} else {
		*bad_property_r = ctx.property != NULL ? ctx.property : "";
		*error_r = ctx.error != NULL ? ctx.error : "invalid Email";
	}
	g_object_unref(message);
	g_hash_table_destroy(fields);
	g_mime_format_options_free(ctx.format);
	return ret;
}

/* Appends the blobIds of part and its subParts to ids. */
static void build_collect_blob_ids(json_object *part, json_object *ids, unsigned depth)
{
	json_object *blob_id, *sub;

	if (!json_object_is_type(part, json_type_object) || depth > BUILD_MAX_DEPTH)
		return;
	if (json_object_object_get_ex(part, "blobId", &blob_id) && json_object_is_type(blob_id, json_type_string)) {
		bool seen = false;

		if (json_object_array_length(ids) >= BUILD_MAX_PARTS)
			return;
		for (size_t i = 0; i < json_object_array_length(ids) && !seen; i++)
			seen = strcmp(json_object_get_string(json_object_array_get_idx(ids, i)),
				      json_object_get_string(blob_id)) == 0;
		if (!seen)
			json_object_array_add(ids, json_object_get(blob_id));
	}
	if (json_object_object_get_ex(part, "subParts", &sub) && json_object_is_type(sub, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(sub); i++)
			build_collect_blob_ids(json_object_array_get_idx(sub, i), ids, depth + 1);
	}
}

json_object *mail_build_blob_ids(json_object *email)
{
	static const char *const lists[] = { "textBody", "htmlBody", "attachments" };
	json_object *ids = json_object_new_array(), *value;

	if (!json_object_is_type(email, json_type_object))
		return ids;
	if (json_object_object_get_ex(email, "bodyStructure", &value))
		build_collect_blob_ids(value, ids, 0);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (!json_object_object_get_ex(email, lists[i], &value) || !json_object_is_type(value, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(value); j++)
			build_collect_blob_ids(json_object_array_get_idx(value, j), ids, 1);
	}
	return ids;
}
