/* Writing IMAP data: strings (quoted or literal), mailbox names in the
 * session's encoding, and the urn:tern:imap structures (ENVELOPE,
 * BODYSTRUCTURE) printed mechanically. */
#include <stdlib.h>
#include <string.h>

#include "gateways/imap/imap_mutf7.h"
#include "gateways/imap/imap_session.h"

/* Longer strings go as literals, which clients read without scanning. */
#define IMAP_QUOTED_MAX 1024
/* Deeper structures than mail_imap.h builds are not printed. */
#define IMAP_STRUCTURE_DEPTH 64

/* May data be sent quoted? utf8: 8-bit UTF-8 is allowed (IMAP4rev2
 * and UTF8=ACCEPT quoted strings). */
static bool imap_quotable(const char *data, size_t len, bool utf8)
{
	if (len > IMAP_QUOTED_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			return false;
	}
	return !utf8 || imap_utf8_valid(data, len);
}

static void imap_write_quoted(struct evbuffer *out, const char *data, size_t len)
{
	size_t start = 0;

	evbuffer_add(out, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '"' && data[i] != '\\')
			continue;
		evbuffer_add(out, data + start, i - start);
		evbuffer_add(out, "\\", 1);
		start = i;
	}
	evbuffer_add(out, data + start, len - start);
	evbuffer_add(out, "\"", 1);
}

static void imap_write_literal(struct evbuffer *out, const char *data, size_t len, bool binary)
{
	evbuffer_add_printf(out, "%s{%zu}\r\n", binary && memchr(data, '\0', len) != NULL ?
			    "~" : "", len);
	evbuffer_add(out, data, len);
}

void imap_write_string(struct evbuffer *out, const char *data, size_t len, bool binary)
{
	if (data == NULL)
		evbuffer_add(out, "NIL", 3);
	else if (imap_quotable(data, len, false))
		imap_write_quoted(out, data, len);
	else
		imap_write_literal(out, data, len, binary);
}

bool imap_session_utf8(const struct imap_session *s)
{
	return s->utf8_accept || s->rev2;
}

void imap_write_mailbox_name(struct imap_session *s, struct evbuffer *out, const char *utf8)
{
	size_t len = strlen(utf8);
	char *mutf7;

	if (imap_session_utf8(s)) {
		if (imap_quotable(utf8, len, true))
			imap_write_quoted(out, utf8, len);
		else
			imap_write_literal(out, utf8, len, false);
		return;
	}
	mutf7 = imap_mutf7_encode(utf8);
	if (mutf7 == NULL) {
		imap_write_literal(out, utf8, len, false);
		return;
	}
	imap_write_string(out, mutf7, strlen(mutf7), false);
	free(mutf7);
}

static void imap_write_structure_at(struct evbuffer *out, json_object *value, unsigned depth)
{
	switch (json_object_get_type(value)) {
	case json_type_string:
		imap_write_string(out, json_object_get_string(value),
				  (size_t)json_object_get_string_len(value), false);
		break;
	case json_type_int:
		evbuffer_add_printf(out, "%lld", (long long)json_object_get_int64(value));
		break;
	case json_type_array:
		if (depth >= IMAP_STRUCTURE_DEPTH) {
			evbuffer_add(out, "NIL", 3);
			break;
		}
		evbuffer_add(out, "(", 1);
		/* A leading run of lists is written with no separator: the
		 * grammar has "1*body" in a multipart and "1*address" in an
		 * address list (RFC 9051 §9), both without SP. */
		bool run = true;
		for (size_t i = 0; i < json_object_array_length(value); i++) {
			json_object *item = json_object_array_get_idx(value, i);

			run = run && json_object_get_type(item) == json_type_array;
			if (i > 0 && !run)
				evbuffer_add(out, " ", 1);
			imap_write_structure_at(out, item, depth + 1);
		}
		evbuffer_add(out, ")", 1);
		break;
	default:
		evbuffer_add(out, "NIL", 3);
		break;
	}
}

void imap_write_structure(struct evbuffer *out, json_object *value)
{
	imap_write_structure_at(out, value, 0);
}
