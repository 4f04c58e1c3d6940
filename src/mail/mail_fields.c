/* The values several outputs share, computed once per message: the
 * convenience properties of RFC 8621 §4.1.3 (each the last instance of
 * a field in one form), the top-level header list, and the preview. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

static const struct {
	const char *property, *field;
	enum mail_header_form form;
} fields_table[MAIL_FIELD_COUNT] = {
	[MAIL_FIELD_MESSAGE_ID] = { "messageId", "Message-ID", MAIL_FORM_MESSAGE_IDS },
	[MAIL_FIELD_IN_REPLY_TO] = { "inReplyTo", "In-Reply-To", MAIL_FORM_MESSAGE_IDS },
	[MAIL_FIELD_REFERENCES] = { "references", "References", MAIL_FORM_MESSAGE_IDS },
	[MAIL_FIELD_SENDER] = { "sender", "Sender", MAIL_FORM_ADDRESSES },
	[MAIL_FIELD_FROM] = { "from", "From", MAIL_FORM_ADDRESSES },
	[MAIL_FIELD_TO] = { "to", "To", MAIL_FORM_ADDRESSES },
	[MAIL_FIELD_CC] = { "cc", "Cc", MAIL_FORM_ADDRESSES },
	[MAIL_FIELD_BCC] = { "bcc", "Bcc", MAIL_FORM_ADDRESSES },
	[MAIL_FIELD_REPLY_TO] = { "replyTo", "Reply-To", MAIL_FORM_ADDRESSES },
	[MAIL_FIELD_SUBJECT] = { "subject", "Subject", MAIL_FORM_TEXT },
	[MAIL_FIELD_SENT_AT] = { "sentAt", "Date", MAIL_FORM_DATE },
};

/* The cache of msg, which const callers may fill: it changes no value
 * the message stands for. */
static struct mail_cache *fields_cache(const struct mail_message *msg)
{
	struct mail_message *mutable_msg = (struct mail_message *)msg;

	if (mutable_msg->cache == NULL)
		mutable_msg->cache = xcalloc(1, sizeof(*mutable_msg->cache));
	return mutable_msg->cache;
}

const char *mail_field_property(enum mail_field field)
{
	return fields_table[field].property;
}

json_object *mail_message_field(const struct mail_message *msg, enum mail_field field)
{
	struct mail_cache *cache = fields_cache(msg);

	if (!cache->fields_done) {
		for (size_t i = 0; i < MAIL_FIELD_COUNT; i++)
			cache->fields[i] = mail_model_field(msg, msg->root, fields_table[i].field, fields_table[i].form);
		cache->fields_done = true;
	}
	return cache->fields[field];
}

json_object *mail_message_headers(const struct mail_message *msg)
{
	struct mail_cache *cache = fields_cache(msg);

	if (cache->headers == NULL)
		cache->headers = mail_model_headers(msg, msg->root->headers, msg->root->header_count);
	return cache->headers;
}

const char *mail_message_preview(const struct mail_message *msg)
{
	struct mail_cache *cache = fields_cache(msg);

	if (cache->preview == NULL)
		cache->preview = mail_bodylists_preview(msg);
	return cache->preview;
}

void mail_cache_free(struct mail_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < MAIL_FIELD_COUNT; i++)
		json_object_put(cache->fields[i]);
	json_object_put(cache->headers);
	free(cache->preview);
	free(cache);
}
