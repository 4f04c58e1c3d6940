/* COMPRESS=DEFLATE (RFC 4978): raw DEFLATE (RFC 1951) both ways.
 * Output is compressed once per callback, ending in a sync flush, so
 * that the peer can decode every reply whole. Input is inflated in
 * bounded chunks, each handed to the protocol before the next: a few
 * compressed bytes can inflate a thousandfold, and the protocol's own
 * limits (line length, literal size) must see them come. */
#include <stdlib.h>

#include <zlib.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/net_private.h"

#define NET_DEFLATE_WINDOW_BITS (-15)	/* negative: raw, no zlib header */
#define NET_DEFLATE_MEM_LEVEL 8
#define NET_DEFLATE_CHUNK (16 * 1024)
/* Decoded bytes handed to one input() call at most. */
#define NET_INFLATE_MAX (64 * 1024)

struct net_deflate {
	z_stream out;
	z_stream in;
	bool in_ended;		/* the peer ended its stream: nothing may follow */
};

void net_deflate_free(struct net_deflate **_d)
{
	struct net_deflate *d = *_d;

	if (d == NULL)
		return;
	*_d = NULL;
	deflateEnd(&d->out);
	inflateEnd(&d->in);
	free(d);
}

static struct net_deflate *net_deflate_new(void)
{
	struct net_deflate *d = xcalloc(1, sizeof(*d));

	if (deflateInit2(&d->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, NET_DEFLATE_WINDOW_BITS,
			 NET_DEFLATE_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(d);
		return NULL;
	}
	if (inflateInit2(&d->in, NET_DEFLATE_WINDOW_BITS) != Z_OK) {
		deflateEnd(&d->out);
		free(d);
		return NULL;
	}
	return d;
}

int net_conn_compress(struct net_conn *conn, const char **error_r)
{
	struct evbuffer *raw = bufferevent_get_input(conn->bev);

	if (conn->deflate != NULL) {
		*error_r = "compression is already active";
		return -1;
	}
	if (conn->tls_pending) {
		*error_r = "TLS negotiation is pending";
		return -1;
	}
	if ((conn->deflate = net_deflate_new()) == NULL) {
		*error_r = "cannot set up compression";
		return -1;
	}
	/* the reply that says yes goes out uncompressed */
	evbuffer_add_buffer(bufferevent_get_output(conn->bev), conn->out);
	/* what the protocol left unread came after it: compressed */
	evbuffer_prepend_buffer(raw, conn->in);
	conn->want_read = evbuffer_get_length(raw) > 0;
	return 0;
}

/* Runs deflate() over what next_in holds until all its output is out. */
static int net_deflate_run(z_stream *z, struct evbuffer *dst, int flush)
{
	struct evbuffer_iovec v;
	int ret;

	do {
		if (evbuffer_reserve_space(dst, NET_DEFLATE_CHUNK, &v, 1) < 1)
			return -1;
		z->next_out = v.iov_base;
		z->avail_out = NET_DEFLATE_CHUNK;
		ret = deflate(z, flush);
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return -1;
		v.iov_len = NET_DEFLATE_CHUNK - z->avail_out;
		evbuffer_commit_space(dst, &v, v.iov_len > 0 ? 1 : 0);
	} while (z->avail_out == 0);
	return 0;
}

int net_deflate_flush(struct net_conn *conn)
{
	struct net_deflate *d = conn->deflate;
	struct evbuffer *dst = bufferevent_get_output(conn->bev);
	struct evbuffer_iovec v;

	while (evbuffer_peek(conn->out, -1, NULL, &v, 1) > 0) {
		d->out.next_in = v.iov_base;
		d->out.avail_in = (uInt)v.iov_len;
		if (net_deflate_run(&d->out, dst, Z_NO_FLUSH) < 0)
			return -1;
		evbuffer_drain(conn->out, v.iov_len);
	}
	return net_deflate_run(&d->out, dst, Z_SYNC_FLUSH);
}

/* Inflates from src's first chunk into dst, max bytes at most. Returns
 * the bytes made, or -1 on a corrupt stream. */
static ssize_t net_inflate_some(struct net_deflate *d, struct evbuffer *src,
				struct evbuffer *dst, size_t max)
{
	size_t room = max < NET_DEFLATE_CHUNK ? max : NET_DEFLATE_CHUNK;
	struct evbuffer_iovec in, out;
	int ret;

	if (d->in_ended || evbuffer_peek(src, -1, NULL, &in, 1) < 1 ||
	    evbuffer_reserve_space(dst, (ev_ssize_t)room, &out, 1) < 1)
		return -1;
	d->in.next_in = in.iov_base;
	d->in.avail_in = (uInt)in.iov_len;
	d->in.next_out = out.iov_base;
	d->in.avail_out = (uInt)room;
	ret = inflate(&d->in, Z_SYNC_FLUSH);
	if (ret == Z_STREAM_END)
		d->in_ended = true;
	else if (ret != Z_OK && ret != Z_BUF_ERROR)
		return -1;
	out.iov_len = room - d->in.avail_out;
	evbuffer_commit_space(dst, &out, out.iov_len > 0 ? 1 : 0);
	evbuffer_drain(src, in.iov_len - d->in.avail_in);
	return (ssize_t)out.iov_len;
}

void net_deflate_receive(struct net_conn *conn)
{
	struct evbuffer *raw = bufferevent_get_input(conn->bev);
	size_t made = 0;

	while (made < NET_INFLATE_MAX && evbuffer_get_length(raw) > 0) {
		size_t before = evbuffer_get_length(raw);
		ssize_t n = net_inflate_some(conn->deflate, raw, conn->in, NET_INFLATE_MAX - made);

		if (n < 0) {
			log_debug("gateway.deflate.error", "listener=%s ip=%s",
				  log_q(conn->listener->name), conn->peer_ip);
			conn->dead = true;
			return;
		}
		made += (size_t)n;
		if (n == 0 && evbuffer_get_length(raw) == before)
			break;
	}
	if (made == 0)
		return;
	/* the rest after this chunk has been seen */
	conn->want_read = evbuffer_get_length(raw) > 0;
	conn->listener->proto->input(conn, conn->state);
}
