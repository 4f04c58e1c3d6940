/* Text for the full-text index: addresses, subject, body text (HTML
 * stripped), attachment names and text attachments, and the header
 * fields; each bounded. An HTML alternative to a plain text body is
 * not indexed twice. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

static char *search_subject(const struct mail_message *msg)
{
	json_object *subject = mail_message_field(msg, MAIL_FIELD_SUBJECT);

	return xstrdup(subject != NULL ? json_object_get_string(subject) : "");
}

/* "name email, name email" for the addresses of field. */
static char *search_addresses(const struct mail_message *msg, enum mail_field field)
{
	json_object *list = mail_message_field(msg, field);
	struct strbuf b = { 0 };
	size_t count = list != NULL ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < count; i++) {
		json_object *addr = json_object_array_get_idx(list, i);
		json_object *name = json_object_object_get(addr, "name");

		if (i > 0)
			strbuf_puts(&b, ", ");
		if (name != NULL)
			strbuf_printf(&b, "%s ", json_object_get_string(name));
		strbuf_puts(&b, json_object_get_string(json_object_object_get(addr, "email")));
	}
	return strbuf_steal(&b);
}

/* Appends the text of part (HTML stripped) to out, keeping out within
 * limit bytes. */
static void search_append_part(const struct mail_message *msg, const struct mail_part *part,
			       struct strbuf *out, size_t limit)
{
	bool html = strcmp(part->type, "text/html") == 0, truncated, problem;
	size_t room = limit > out->len ? limit - out->len : 0;
	char *text;
	struct strbuf stripped = { 0 };

	if (room == 0)
		return;
	/* Markup outweighs text: read more HTML than the room left. */
	text = mail_content_text(msg, part, html ? room * 4 : room, &truncated, &problem);
	if (html) {
		mail_html_to_text(text, strlen(text), &stripped);
		free(text);
		text = strbuf_steal(&stripped);
	}
	if (out->len > 0) {
		strbuf_putc(out, '\n');
		room = room > 1 ? room - 1 : 0;
	}
	strbuf_append(out, text, mail_utf8_cut(text, strlen(text), room));
	free(text);
}

static bool search_is_text(const struct mail_part *part)
{
	return strncmp(part->type, "text/", 5) == 0;
}

/* The text of the body as textBody has it (which prefers plain text
 * where there is an alternative, and holds HTML where there is not). */
static char *search_bodies(const struct mail_message *msg)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < msg->text_body.count; i++) {
		if (search_is_text(msg->text_body.items[i]))
			search_append_part(msg, msg->text_body.items[i], &b, MAIL_SEARCH_BODY_MAX);
	}
	return strbuf_steal(&b);
}

/* Attachment names, then the text of text attachments not in a body. */
static char *search_attachments(const struct mail_message *msg)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < msg->attachments.count && b.len < MAIL_SEARCH_ATTACH_MAX; i++) {
		const struct mail_part *part = msg->attachments.items[i];

		if (part->name != NULL)
			strbuf_printf(&b, "%s%s", b.len > 0 ? "\n" : "", part->name);
	}
	for (size_t i = 0; i < msg->attachments.count; i++) {
		const struct mail_part *part = msg->attachments.items[i];

		if (search_is_text(part) && !mail_part_list_contains(&msg->text_body, part) &&
		    !mail_part_list_contains(&msg->html_body, part))
			search_append_part(msg, part, &b, MAIL_SEARCH_ATTACH_MAX);
	}
	return strbuf_steal(&b);
}

/* "Name: text\n" for each top-level field. */
static char *search_headers(const struct mail_message *msg)
{
	struct strbuf b = { 0 };

	json_object *headers = mail_message_headers(msg);

	for (size_t i = 0; i < json_object_array_length(headers) && b.len < MAIL_SEARCH_HEADERS_MAX; i++) {
		json_object *header = json_object_array_get_idx(headers, i);
		char *text = mail_header_text(json_object_get_string(json_object_object_get(header, "value")));

		strbuf_printf(&b, "%s: %s\n", json_object_get_string(json_object_object_get(header, "name")), text);
		free(text);
	}
	if (b.len > MAIL_SEARCH_HEADERS_MAX) {
		b.len = mail_utf8_cut(b.s, b.len, MAIL_SEARCH_HEADERS_MAX);
		b.s[b.len] = '\0';
	}
	return strbuf_steal(&b);
}

void mail_message_search_text(const struct mail_message *msg, struct mail_search_text *text_r)
{
	text_r->subject = search_subject(msg);
	text_r->from = search_addresses(msg, MAIL_FIELD_FROM);
	text_r->to = search_addresses(msg, MAIL_FIELD_TO);
	text_r->cc = search_addresses(msg, MAIL_FIELD_CC);
	text_r->bcc = search_addresses(msg, MAIL_FIELD_BCC);
	text_r->body = search_bodies(msg);
	text_r->attachments = search_attachments(msg);
	text_r->headers = search_headers(msg);
}

void mail_search_text_clear(struct mail_search_text *text)
{
	free(text->subject);
	free(text->from);
	free(text->to);
	free(text->cc);
	free(text->bcc);
	free(text->body);
	free(text->attachments);
	free(text->headers);
	memset(text, 0, sizeof(*text));
}
