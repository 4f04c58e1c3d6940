/* One FETCH response (RFC 9051 §7.5.2): "* n FETCH (...)" with the items
 * in the order asked, UID first when the client needs it, and FLAGS or
 * MODSEQ added when the protocol says so. Structures print as
 * urn:tern:imap gives them; section bytes go out as strings or literals
 * (literal8 for BINARY data holding NUL). The whole message (BODY[],
 * RFC822) is its blob's bytes, read from the blob straight into the
 * output. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "gateways/imap/imap_fetch.h"

/* Whole-message bytes up to this size go through imap_write_string(),
 * which quotes what it can up to the same length; longer ones are
 * literals, read into the output, or from FETCH_MAP_MIN on mapped
 * rather than held in the heap. */
#define FETCH_SMALL_MAX 1024
#define FETCH_MAP_MIN (256 * 1024)

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

static int fetch_blob_pread(int fd, char *buf, size_t len, uint64_t start)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(start + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* [start, start + len) of the blob, read into out's own space. */
static int fetch_blob_read(struct evbuffer *out, const struct fetch_blob *blob, uint64_t start,
			   size_t len)
{
	struct evbuffer_iovec v;

	if (evbuffer_reserve_space(out, (ev_ssize_t)len, &v, 1) < 1 ||
	    fetch_blob_pread(blob->fd, v.iov_base, len, start) < 0)
		return -1;
	v.iov_len = len;
	return evbuffer_commit_space(out, &v, 1);
}

/* [start, start + len) of the blob, mapped: a large message never sits
 * in the heap. */
static int fetch_blob_map(struct evbuffer *out, const struct fetch_blob *blob, uint64_t start,
			  uint64_t len)
{
	struct evbuffer_file_segment *seg =
		evbuffer_file_segment_new(blob->fd, (ev_off_t)start, (ev_off_t)len,
					  EVBUF_FS_DISABLE_SENDFILE | EVBUF_FS_DISABLE_LOCKING);
	int ret;

	if (seg == NULL)
		return -1;
	ret = evbuffer_add_file_segment(out, seg, 0, (ev_off_t)len);
	evbuffer_file_segment_free(seg);
	return ret;
}

/* A whole item: the blob's bytes, cut to the partial range asked. */
static int fetch_write_whole(struct evbuffer *out, const struct fetch_item *item,
			     const struct fetch_blob *blob)
{
	uint64_t start = 0, len = blob->size;
	char small[FETCH_SMALL_MAX];

	evbuffer_add_printf(out, "%s", item->name);
	if (item->partial) {
		evbuffer_add_printf(out, "<%llu>", (unsigned long long)item->offset);
		start = item->offset < len ? item->offset : len;
		len -= start;
		if (item->length < len)
			len = item->length;
	}
	evbuffer_add(out, " ", 1);
	if (len <= FETCH_SMALL_MAX) {
		if (fetch_blob_pread(blob->fd, small, (size_t)len, start) < 0)
			return -1;
		imap_write_string(out, small, (size_t)len, false);
		return 0;
	}
	evbuffer_add_printf(out, "{%llu}\r\n", (unsigned long long)len);
	return len < FETCH_MAP_MIN ? fetch_blob_read(out, blob, start, (size_t)len) :
	       fetch_blob_map(out, blob, start, len);
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

static void fetch_write_item(struct imap_session *s, struct evbuffer *out,
			     const struct fetch_item *item, const struct imap_msg *msg,
			     json_object *email, struct fetch_msg_out *how)
{
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

/* The response into out; -1 when a whole item could not be read. */
static int fetch_write_items(struct imap_session *s, struct evbuffer *out,
			     const struct fetch_items *items, size_t index, json_object *email,
			     const struct fetch_blob *blob, struct fetch_msg_out *how)
{
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
		if (!items->items[i].whole)
			fetch_write_item(s, out, &items->items[i], msg, email, how);
		else if (fetch_write_whole(out, &items->items[i], blob) < 0)
			return -1;
		first = false;
	}
	if (how->flags && !items->has_flags) {
		evbuffer_add_printf(out, " FLAGS ");
		imap_write_flags(out, s->view, msg);
	}
	if (how->modseq && !items->has_modseq)
		evbuffer_add_printf(out, " MODSEQ (%llu)", (unsigned long long)msg->modseq);
	evbuffer_add(out, ")\r\n", 3);
	return 0;
}

int imap_fetch_write_msg(struct imap_session *s, const struct fetch_items *items, size_t index,
			 json_object *email, const struct fetch_blob *blob,
			 struct fetch_msg_out *how)
{
	struct evbuffer *out = net_conn_output(s->conn), *staged;
	int ret = 0;

	if (!items->has_whole) {
		fetch_write_items(s, out, items, index, email, NULL, how);
		return 0;
	}
	/* staged, so that a read failure leaves no half response */
	if ((staged = evbuffer_new()) == NULL)
		return -1;
	if (fetch_write_items(s, staged, items, index, email, blob, how) < 0) {
		log_error("imap.fetch.read", "user=%s error=%s", log_q(s->user.name),
			  log_q(strerror(errno)));
		ret = -1;
	} else {
		evbuffer_add_buffer(out, staged);
	}
	evbuffer_free(staged);
	return ret;
}
