/* The cached model of a message: the JSON the JMAP layer serves
 * Email/get from (RFC 8621 §4.1 shapes, mail.h lists the keys). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* Where the value of a field GMime cut at a NUL octet really ends: the
 * raw message holds the rest, up to a line break not followed by white
 * space. Returns the length from *start_r, or 0 if value was whole. */
static size_t model_raw_extent(const struct mail_message *msg, GMimeHeader *header, const char *value,
			       size_t *start_r)
{
	gint64 offset = g_mime_header_get_offset(header);
	size_t len = strlen(value), start, end;
	const char *colon;

	if (offset < 0 || (size_t)offset >= msg->parsed_len ||
	    (colon = memchr(msg->raw + offset, ':', msg->parsed_len - (size_t)offset)) == NULL)
		return 0;
	start = (size_t)(colon - msg->raw) + 1;
	if (start + len >= msg->parsed_len || msg->raw[start + len] != '\0' ||
	    memcmp(msg->raw + start, value, len) != 0)
		return 0;
	for (end = start + len; end < msg->parsed_len; end++) {
		if (msg->raw[end] == '\n' && (end + 1 == msg->parsed_len ||
					      (msg->raw[end + 1] != ' ' && msg->raw[end + 1] != '\t')))
			break;
	}
	*start_r = start;
	return end - start;
}

char *mail_header_raw_value(const struct mail_message *msg, GMimeHeader *header)
{
	const char *raw = g_mime_header_get_raw_value(header);
	struct strbuf b = { 0 };
	size_t len, start = 0, extent;

	if (raw == NULL)
		return xstrdup("");
	len = strlen(raw);
	if (msg != NULL && (extent = model_raw_extent(msg, header, raw, &start)) > 0) {
		raw = msg->raw + start;
		len = extent;
	}
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	mail_utf8_append_valid(&b, raw, len, false);
	return strbuf_steal(&b);
}

json_object *mail_model_headers(const struct mail_message *msg, GMimeHeader *const *headers, size_t count)
{
	size_t max_bytes = msg->limits.max_header_bytes;

	json_object *array = json_object_new_array_ext((int)count);
	size_t used = 0;

	for (size_t i = 0; i < count; i++) {
		char *name = mail_utf8_clean(g_mime_header_get_name(headers[i]) != NULL ?
					     g_mime_header_get_name(headers[i]) : "");
		char *value = mail_header_raw_value(msg, headers[i]);
		json_object *obj;

		used += strlen(name) + strlen(value);
		if (used > max_bytes) {
			free(name);
			free(value);
			break;
		}
		obj = json_object_new_object();
		json_object_object_add(obj, "name", json_object_new_string(name));
		json_object_object_add(obj, "value", json_object_new_string(value));
		json_object_array_add(array, obj);
		free(name);
		free(value);
	}
	return array;
}

/* The value of the last field called name in form, or NULL (JSON null)
 * if there is none. */
json_object *mail_model_field(const struct mail_message *msg, const struct mail_part *part, const char *name,
			      enum mail_header_form form)
{
	GMimeHeader *h = mail_headers_find_last(part->headers, part->header_count, name);
	json_object *value;
	char *raw;

	if (h == NULL)
		return NULL;
	raw = mail_header_raw_value(msg, h);
	value = mail_header_value(raw, form);
	free(raw);
	return value;
}

static json_object *model_string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static json_object *model_language(const struct mail_part *part)
{
	json_object *array;

	if (part->language == NULL)
		return NULL;
	array = json_object_new_array();
	for (size_t i = 0; part->language[i] != NULL; i++)
		json_object_array_add(array, json_object_new_string(part->language[i]));
	return array;
}

static json_object *model_part(const struct mail_message *msg, const struct mail_part *part)
{
	json_object *obj = json_object_new_object();
	json_object *sub = NULL;

	json_object_object_add(obj, "partId", model_string_or_null(part->part_id));
	json_object_object_add(obj, "size", json_object_new_int64((int64_t)part->size));
	if (part == msg->root)
		json_object_object_add(obj, "headers", json_object_get(mail_message_headers(msg)));
	else
		json_object_object_add(obj, "headers", mail_model_headers(msg, part->headers, part->header_count));
	json_object_object_add(obj, "name", model_string_or_null(part->name));
	json_object_object_add(obj, "type", json_object_new_string(part->type));
	json_object_object_add(obj, "charset", model_string_or_null(part->charset));
	json_object_object_add(obj, "disposition", model_string_or_null(part->disposition));
	json_object_object_add(obj, "cid", model_string_or_null(part->cid));
	json_object_object_add(obj, "language", model_language(part));
	json_object_object_add(obj, "location", model_string_or_null(part->location));
	if (part->kind == MAIL_PART_MULTIPART) {
		sub = json_object_new_array_ext((int)part->child_count);
		for (size_t i = 0; i < part->child_count; i++)
			json_object_array_add(sub, model_part(msg, part->children[i]));
	}
	json_object_object_add(obj, "subParts", sub);
	return obj;
}

static json_object *model_part_ids(const struct mail_part_list *list)
{
	json_object *array = json_object_new_array_ext((int)list->count);

	for (size_t i = 0; i < list->count; i++)
		json_object_array_add(array, json_object_new_string(list->items[i]->part_id));
	return array;
}

json_object *mail_message_model(const struct mail_message *msg)
{
	json_object *model = json_object_new_object();

	json_object_object_add(model, "headers", json_object_get(mail_message_headers(msg)));
	for (int i = 0; i < MAIL_FIELD_COUNT; i++)
		json_object_object_add(model, mail_field_property(i), json_object_get(mail_message_field(msg, i)));
	json_object_object_add(model, "bodyStructure", model_part(msg, msg->root));
	json_object_object_add(model, "textBody", model_part_ids(&msg->text_body));
	json_object_object_add(model, "htmlBody", model_part_ids(&msg->html_body));
	json_object_object_add(model, "attachments", model_part_ids(&msg->attachments));
	json_object_object_add(model, "hasAttachment", json_object_new_boolean(msg->has_attachment));
	json_object_object_add(model, "preview", json_object_new_string(mail_message_preview(msg)));
	return model;
}
