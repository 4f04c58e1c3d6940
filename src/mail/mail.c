/* GMime set-up, and parsing a message into the bounded part tree. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

static pthread_once_t mail_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *mail_options;

static void mail_init_once(void)
{
	g_mime_init();
	mail_options = g_mime_parser_options_new();
	/* RFC 8621 §4.1.2.2: encoded words that break the placement rules
	 * of RFC 2047 stay as they are. */
	g_mime_parser_options_set_rfc2047_compliance_mode(mail_options, GMIME_RFC_COMPLIANCE_STRICT);
}

void mail_init(void)
{
	pthread_once(&mail_once, mail_init_once);
}

void mail_deinit(void)
{
	if (mail_options == NULL)
		return;
	g_mime_parser_options_free(mail_options);
	mail_options = NULL;
	g_mime_shutdown();
}

GMimeParserOptions *mail_parser_options(void)
{
	return mail_options;
}

void mail_limits_default(struct mail_limits *limits)
{
	if (limits->max_depth == 0)
		limits->max_depth = MAIL_DEFAULT_MAX_DEPTH;
	if (limits->max_parts == 0)
		limits->max_parts = MAIL_DEFAULT_MAX_PARTS;
	if (limits->max_header_bytes == 0)
		limits->max_header_bytes = MAIL_DEFAULT_MAX_HEADER_BYTES;
}

/* Parses the first parsed_len bytes with GMime; offsets in the tree
 * stay those of the whole buffer. */
static void mail_message_parse_gmime(struct mail_message *msg)
{
	GMimeParser *parser;

	g_mime_stream_set_bounds(msg->stream, 0, (gint64)msg->parsed_len);
	parser = g_mime_parser_new_with_stream(msg->stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	g_mime_parser_set_persist_stream(parser, TRUE);
	msg->gm = g_mime_parser_construct_message(parser, mail_options);
	g_object_unref(parser);
	g_mime_stream_set_bounds(msg->stream, 0, -1);
}

struct mail_message *mail_message_parse(const void *raw, size_t len,
					const struct mail_limits *limits)
{
	struct mail_message *msg = xcalloc(1, sizeof(*msg));
	/* GByteArray counts in guint: a larger message keeps its start. */
	guint keep = len < G_MAXUINT ? (guint)len : G_MAXUINT - 1;
	GByteArray *bytes;

	if (limits != NULL)
		msg->limits = *limits;
	mail_limits_default(&msg->limits);
	bytes = g_byte_array_sized_new(keep > 0 ? keep : 1);
	if (keep > 0)
		g_byte_array_append(bytes, raw, keep);
	msg->stream = g_mime_stream_mem_new_with_byte_array(bytes);
	msg->raw = (const char *)bytes->data;
	msg->len = bytes->len;
	msg->parsed_len = mail_guard_cut(msg->raw, msg->len, &msg->limits);
	mail_message_parse_gmime(msg);
	mail_tree_build(msg);
	mail_bodylists_build(msg);
	return msg;
}

void mail_message_free(struct mail_message **_msg)
{
	struct mail_message *msg = *_msg;

	if (msg == NULL)
		return;
	*_msg = NULL;
	mail_tree_free(msg->root);
	free(msg->leaves);
	mail_part_list_free(&msg->text_body);
	mail_part_list_free(&msg->html_body);
	mail_part_list_free(&msg->attachments);
	mail_cache_free(msg->cache);
	if (msg->gm != NULL)
		g_object_unref(msg->gm);
	g_object_unref(msg->stream);
	free(msg);
}
