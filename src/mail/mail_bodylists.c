/* textBody, htmlBody and attachments by the algorithm RFC 8621 §4.1.4
 * suggests (its parseStructure, step for step), then hasAttachment and
 * preview from them. */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* Decoded text read for the preview: plain text, and HTML (whose
 * markup may come before any text). */
#define PREVIEW_PLAIN_BYTES 2048
#define PREVIEW_HTML_BYTES (64 * 1024)

void mail_part_list_add(struct mail_part_list *list, struct mail_part *part)
{
	if (list->count == list->cap) {
		list->cap = list->cap > 0 ? list->cap * 2 : 4;
		list->items = xrealloc(list->items, list->cap * sizeof(*list->items));
	}
	list->items[list->count++] = part;
}

bool mail_part_list_contains(const struct mail_part_list *list, const struct mail_part *part)
{
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i] == part)
			return true;
	}
	return false;
}

void mail_part_list_free(struct mail_part_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = list->cap = 0;
}

static bool bodylists_is_inline_media(const char *type)
{
	return strncmp(type, "image/", 6) == 0 || strncmp(type, "audio/", 6) == 0 ||
	       strncmp(type, "video/", 6) == 0;
}

static bool bodylists_is_inline(const struct mail_part *part, size_t index, const char *multipart_type)
{
	bool media = bodylists_is_inline_media(part->type);

	if (part->disposition != NULL && strcmp(part->disposition, "attachment") == 0)
		return false;
	if (strcmp(part->type, "text/plain") != 0 && strcmp(part->type, "text/html") != 0 && !media)
		return false;
	/* In multipart/related only the first part is the body; a named
	 * text part after the first is an attachment. */
	return index == 0 || (strcmp(multipart_type, "related") != 0 && (media || part->name == NULL));
}

/* Copies the parts added to from since from_len to to. */
static void bodylists_copy_tail(struct mail_part_list *to, const struct mail_part_list *from, size_t from_len)
{
	for (size_t i = from_len; i < from->count; i++)
		mail_part_list_add(to, from->items[i]);
}

static void bodylists_alternative_leaf(struct mail_message *msg, struct mail_part *part,
				       struct mail_part_list *html, struct mail_part_list *text)
{
	if (strcmp(part->type, "text/plain") == 0) {
		if (text != NULL)
			mail_part_list_add(text, part);
	} else if (strcmp(part->type, "text/html") == 0) {
		if (html != NULL)
			mail_part_list_add(html, part);
	} else {
		mail_part_list_add(&msg->attachments, part);
	}
}

static void bodylists_parse(struct mail_message *msg, struct mail_part **parts, size_t count,
			    const char *multipart_type, bool in_alternative,
			    struct mail_part_list *html, struct mail_part_list *text)
{
	bool alternative = strcmp(multipart_type, "alternative") == 0;
	ssize_t text_len = text != NULL ? (ssize_t)text->count : -1;
	ssize_t html_len = html != NULL ? (ssize_t)html->count : -1;

	for (size_t i = 0; i < count; i++) {
		struct mail_part *part = parts[i];

		if (part->kind == MAIL_PART_MULTIPART) {
			const char *sub = strchr(part->type, '/') + 1;

			bodylists_parse(msg, part->children, part->child_count, sub,
					in_alternative || strcmp(sub, "alternative") == 0, html, text);
		} else if (!bodylists_is_inline(part, i, multipart_type)) {
			mail_part_list_add(&msg->attachments, part);
		} else if (alternative) {
			bodylists_alternative_leaf(msg, part, html, text);
		} else {
			if (in_alternative && strcmp(part->type, "text/plain") == 0)
				html = NULL;
			if (in_alternative && strcmp(part->type, "text/html") == 0)
				text = NULL;
			if (text != NULL)
				mail_part_list_add(text, part);
			if (html != NULL)
				mail_part_list_add(html, part);
			if ((text == NULL || html == NULL) && bodylists_is_inline_media(part->type))
				mail_part_list_add(&msg->attachments, part);
		}
	}
	if (alternative && text != NULL && html != NULL) {
		/* Only HTML found: it is the text body too; and the reverse. */
		if (text_len == (ssize_t)text->count && html_len != (ssize_t)html->count)
			bodylists_copy_tail(text, html, (size_t)html_len);
		if (html_len == (ssize_t)html->count && text_len != (ssize_t)text->count)
			bodylists_copy_tail(html, text, (size_t)text_len);
	}
}

/* Whether a client should offer part for download (§4.1.4
 * hasAttachment): not inline, and not an image embedded in HTML. */
static bool bodylists_is_download(const struct mail_part *part)
{
	if (part->disposition != NULL && strcmp(part->disposition, "inline") == 0)
		return false;
	return !(part->in_related && part->cid != NULL && part->disposition == NULL);
}

/* Appends the collapsed text of part to preview. */
static void bodylists_preview_add(const struct mail_message *msg, const struct mail_part *part,
				  struct strbuf *preview)
{
	bool html = strcmp(part->type, "text/html") == 0, truncated, problem;
	char *text = mail_content_text(msg, part, html ? PREVIEW_HTML_BYTES : PREVIEW_PLAIN_BYTES,
				       &truncated, &problem);
	char *collapsed;

	if (html) {
		struct strbuf stripped = { 0 };

		mail_html_to_text(text, strlen(text), &stripped);
		free(text);
		text = strbuf_steal(&stripped);
	}
	collapsed = mail_utf8_collapse(text, MAIL_PREVIEW_CHARS);
	if (collapsed[0] != '\0') {
		if (preview->len > 0)
			strbuf_putc(preview, ' ');
		strbuf_puts(preview, collapsed);
	}
	free(collapsed);
	free(text);
}

static size_t bodylists_chars(const struct strbuf *b)
{
	size_t chars = 0;

	for (size_t i = 0; i < b->len; i++)
		chars += ((unsigned char)b->s[i] & 0xC0) != 0x80;
	return chars;
}

char *mail_bodylists_preview(const struct mail_message *msg)
{
	const struct mail_part_list *list = msg->text_body.count > 0 ? &msg->text_body : &msg->html_body;
	struct strbuf preview = { 0 };
	char *result;

	for (size_t i = 0; i < list->count && bodylists_chars(&preview) < MAIL_PREVIEW_CHARS; i++) {
		if (strncmp(list->items[i]->type, "text/", 5) == 0)
			bodylists_preview_add(msg, list->items[i], &preview);
	}
	result = mail_utf8_collapse(preview.s != NULL ? preview.s : "", MAIL_PREVIEW_CHARS);
	strbuf_free(&preview);
	return result;
}

void mail_bodylists_build(struct mail_message *msg)
{
	bodylists_parse(msg, &msg->root, 1, "mixed", false, &msg->html_body, &msg->text_body);
	for (size_t i = 0; i < msg->attachments.count; i++) {
		if (bodylists_is_download(msg->attachments.items[i]))
			msg->has_attachment = true;
	}
}
