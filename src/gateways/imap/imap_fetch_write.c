/* One FETCH response (RFC 9051 §7.5.2): "* n FETCH (...)" with the items
 * in the order asked, UID first when the client needs it, and FLAGS or
 * MODSEQ added when the protocol says so. Structures print as
 * urn:tern:imap gives them; section bytes go out as strings or literals
 * (literal8 for BINARY data holding NUL). */
#include <string.h>
#include <time.h>

#include "gateways/imap/imap_fetch.h"

/* "dd-Mon-yyyy hh:mm:ss +0000": the internal date, always in UTC. */
static void fetch_write_date(struct evbuffer *out, time_t t)
{
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm tm;

	gmtime_r(&t, &tm);
	evbuffer_add_printf(out, "INTERNALDATE \"%02d-%s-%04d %02d:%02d:%02d +0000\"", tm.tm_mday,
			    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Section bytes, cut to the partial range asked. */
static void fetch_write_data(struct evbuffer *out, const struct fetch_item *item,
			     json_object *value, bool binary)
{
	const char *data;
	size_t len;

	evbuffer_add_printf(out, "%s", item->name);
	if (item->partial)
		evbuffer_add_printf(out, "<%llu>", (unsigned long long)item->offset);
	evbuffer_add(out, " ", 1);
	if (!json_object_is_type(value, json_type_string)) {
		evbuffer_add(out, "NIL", 3);
		return;
	}
	data = json_object_get_string(value);
	len = (size_t)json_object_get_string_len(value);
	if (item->partial) {
		size_t start = item->offset < len ? (size_t)item->offset : len;

		data += start;
		len -= start;
		if (item->length < len)
			len = (size_t)item->length;
	}
	imap_write_string(out, data, len, binary);
}

static void fetch_write_binary_size(struct evbuffer *out, const struct fetch_item *item,
				    json_object *value)
{
	if (json_object_is_type(value, json_type_int))
		evbuffer_add_printf(out, "%s %lld", item->name,
				    (long long)json_object_get_int64(value));
	else
		evbuffer_add_printf(out, "%s NIL", item->name);
}

static void fetch_write_item(struct imap_session *s, const struct fetch_item *item,
			     const struct imap_msg *msg, json_object *email,
			     struct fetch_msg_out *how)
{
	struct evbuffer *out = net_conn_output(s->conn);
	json_object *value = item->prop != NULL ? json_object_object_get(email, item->prop) : NULL;

	if ((item->kind == FETCH_BINARY || item->kind == FETCH_BINARY_SIZE) &&
	    json_object_is_type(value, json_type_boolean))
		how->unknown_cte = true;
	switch (item->kind) {
	case FETCH_FLAGS:
		evbuffer_add_printf(out, "FLAGS ");
		imap_write_flags(out, s->view, msg);
		break;
	case FETCH_UID:
		evbuffer_add_printf(out, "UID %u", msg->uid);
		break;
	case FETCH_MODSEQ:
		evbuffer_add_printf(out, "MODSEQ (%llu)", (unsigned long long)msg->modseq);
		break;
	case FETCH_INTERNALDATE:
		fetch_write_date(out, imap_msgcmd_utc_date(email, "receivedAt"));
		break;
	case FETCH_SIZE:
		evbuffer_add_printf(out, "RFC822.SIZE %lld", (long long)json_object_get_int64(value));
		break;
	case FETCH_ENVELOPE:
	case FETCH_BODY:
	case FETCH_BODYSTRUCTURE:
		evbuffer_add_printf(out, "%s ", item->name);
		imap_write_structure(out, value);
		break;
	case FETCH_SECTION:
	case FETCH_BINARY:
		fetch_write_data(out, item, value, item->kind == FETCH_BINARY);
		break;
	case FETCH_BINARY_SIZE:
		fetch_write_binary_size(out, item, value);
		break;
	}
}

void imap_fetch_write_msg(struct imap_session *s, const struct fetch_items *items, size_t index,
			  json_object *email, struct fetch_msg_out *how)
{
	struct evbuffer *out = net_conn_output(s->conn);
	const struct imap_msg *msg = &s->view->msgs[index];
	bool first = true;

	evbuffer_add_printf(out, "* %zu FETCH (", index + 1);
	if (how->uid && !items->has_uid) {
		evbuffer_add_printf(out, "UID %u", msg->uid);
		first = false;
	}
	for (size_t i = 0; i < items->count; i++) {
		if (!first)
			evbuffer_add(out, " ", 1);
		fetch_write_item(s, &items->items[i], msg, email, how);
		first = false;
	}
	if (how->flags && !items->has_flags) {
		evbuffer_add_printf(out, " FLAGS ");
		imap_write_flags(out, s->view, msg);
	}
	if (how->modseq && !items->has_modseq)
		evbuffer_add_printf(out, " MODSEQ (%llu)", (unsigned long long)msg->modseq);
	evbuffer_add(out, ")\r\n", 3);
}
