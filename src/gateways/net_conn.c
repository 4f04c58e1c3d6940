/* A connection's life on its loop: creation from an accepted socket,
 * the libevent callbacks, and the one function that calls the protocol.
 *
 * libevent may call back into a connection while it is already in one
 * of its callbacks (an OpenSSL bufferevent writes, and reports it, as
 * soon as bytes are added to its output). So every libevent callback
 * only records what happened and calls net_conn_run(), which does the
 * work unless it is already running further up the stack: protocol
 * callbacks never nest, and a connection is freed only there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipnet.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/net_private.h"

struct evbuffer *net_evbuffer_new(void)
{
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		log_error("gateway.memory", "what=evbuffer");
		abort();
	}
	return buf;
}

static bool net_conn_may_read(const struct net_conn *conn)
{
	return !conn->dead && !conn->closing && !conn->tls_pending && !conn->output_was_full &&
		conn->job == NULL;
}

void net_conn_update_read(struct net_conn *conn)
{
	if (net_conn_may_read(conn))
		bufferevent_enable(conn->bev, EV_READ);
	else
		bufferevent_disable(conn->bev, EV_READ);
}

static void net_conn_apply_timeouts(struct net_conn *conn)
{
	struct timeval tv = { conn->closing ? NET_CLOSE_LINGER : (time_t)conn->timeout, 0 };

	if (conn->closing)
		bufferevent_set_timeouts(conn->bev, NULL, &tv);
	else if (conn->timeout == 0)
		bufferevent_set_timeouts(conn->bev, NULL, NULL);
	else
		bufferevent_set_timeouts(conn->bev, &tv, &tv);
}

/* Stop reading; the write callback then comes once all is sent. */
void net_conn_close(struct net_conn *conn)
{
	if (conn->closing || conn->dead)
		return;
	conn->closing = true;
	net_conn_update_read(conn);
	bufferevent_setwatermark(conn->bev, EV_WRITE, 0, 0);
	net_conn_apply_timeouts(conn);
}

void net_conn_set_timeout(struct net_conn *conn, unsigned seconds)
{
	conn->timeout = seconds;
	if (!conn->closing)
		net_conn_apply_timeouts(conn);
}

static void net_conn_readcb(struct bufferevent *bev, void *context)
{
	struct net_conn *conn = context;

	conn->want_read = true;
	net_conn_run(conn);
}

static void net_conn_writecb(struct bufferevent *bev, void *context)
{
	struct net_conn *conn = context;

	conn->want_write = true;
	net_conn_run(conn);
}

static void net_conn_log_error(struct net_conn *conn, short what)
{
	int err = EVUTIL_SOCKET_ERROR();

	if (conn->tls)
		net_tls_log_errors(conn);
	log_debug("gateway.conn.error", "listener=%s ip=%s while=%s error=%s",
		  log_q(conn->listener->name), conn->peer_ip,
		  (what & BEV_EVENT_WRITING) != 0 ? "writing" : "reading",
		  err != 0 ? log_q(evutil_socket_error_to_string(err)) : "eof");
}

static void net_conn_eventcb(struct bufferevent *bev, short what, void *context)
{
	struct net_conn *conn = context;

	if ((what & BEV_EVENT_CONNECTED) != 0) {
		/* implicit TLS is ready; after STARTTLS nothing to do */
		conn->want_open = !conn->opened && !conn->closing;
	} else if ((what & BEV_EVENT_TIMEOUT) != 0) {
		if ((what & BEV_EVENT_WRITING) != 0) {
			log_debug("gateway.conn.stalled", "listener=%s ip=%s",
				  log_q(conn->listener->name), conn->peer_ip);
			conn->dead = true;
		} else {
			conn->read_timed_out = true;
		}
	} else if ((what & BEV_EVENT_EOF) != 0) {
		conn->want_eof = true;
	} else {
		net_conn_log_error(conn, what);
		conn->dead = true;
	}
	net_conn_run(conn);
}

void net_conn_bev_setup(struct net_conn *conn)
{
	bool low = conn->closing || conn->tls_pending;

	bufferevent_setcb(conn->bev, net_conn_readcb, net_conn_writecb, net_conn_eventcb, conn);
	/* libevent writes 16 KiB per event by default: a FETCH of whole
	 * messages would take several loop turns per message */
	bufferevent_set_max_single_write(conn->bev, NET_MAX_SINGLE_WRITE);
	bufferevent_setwatermark(conn->bev, EV_WRITE, low ? 0 : NET_OUTPUT_LOW, 0);
	net_conn_apply_timeouts(conn);
	bufferevent_enable(conn->bev, EV_WRITE);
	net_conn_update_read(conn);
}

static size_t net_conn_unsent(struct net_conn *conn)
{
	return evbuffer_get_length(bufferevent_get_output(conn->bev)) +
		evbuffer_get_length(conn->out);
}

bool net_conn_output_full(struct net_conn *conn)
{
	if (net_conn_unsent(conn) <= NET_OUTPUT_FULL)
		return false;
	if (!conn->output_was_full) {
		/* a peer that does not read gets no more input read */
		conn->output_was_full = true;
		net_conn_update_read(conn);
	}
	return true;
}

/* ---- the steps of net_conn_run() ---- */

static void net_conn_open(struct net_conn *conn)
{
	const struct net_protocol *proto = conn->listener->proto;

	conn->opened = true;
	log_debug("gateway.conn.open", "listener=%s ip=%s tls=%s", log_q(conn->listener->name),
		  conn->peer_ip, conn->tls ? "yes" : "no");
	conn->state = proto->open(conn, proto->context);
}

static void net_conn_receive(struct net_conn *conn)
{
	struct evbuffer *raw = bufferevent_get_input(conn->bev);

	if (!conn->opened || !net_conn_may_read(conn) || evbuffer_get_length(raw) == 0)
		return;
	if (conn->deflate != NULL) {
		net_deflate_receive(conn);
		return;
	}
	evbuffer_add_buffer(conn->in, raw);
	conn->listener->proto->input(conn, conn->state);
}

/* The write callback: maybe the output fell below the low watermark. */
static void net_conn_check_drained(struct net_conn *conn)
{
	const struct net_protocol *proto = conn->listener->proto;

	if (!conn->output_was_full || net_conn_unsent(conn) > NET_OUTPUT_LOW)
		return;
	conn->output_was_full = false;
	net_conn_update_read(conn);
	/* input that arrived while reading was paused */
	conn->want_read = true;
	if (conn->opened && !conn->closing && proto->drained != NULL)
		proto->drained(conn, conn->state);
}

static void net_conn_read_timeout(struct net_conn *conn)
{
	const struct net_protocol *proto = conn->listener->proto;

	if (evbuffer_get_length(bufferevent_get_output(conn->bev)) > 0) {
		/* still sending: the write timeout watches the peer */
		net_conn_update_read(conn);
		return;
	}
	if (!conn->opened) {
		conn->dead = true;
		return;
	}
	log_debug("gateway.conn.timeout", "listener=%s ip=%s seconds=%u",
		  log_q(conn->listener->name), conn->peer_ip, conn->timeout);
	if (!conn->closing && proto->timeout != NULL)
		proto->timeout(conn, conn->state);
	net_conn_close(conn);
}

static void net_conn_eof(struct net_conn *conn)
{
	log_debug("gateway.conn.eof", "listener=%s ip=%s", log_q(conn->listener->name),
		  conn->peer_ip);
	if (conn->opened)
		net_conn_close(conn);
	else
		conn->dead = true;
}

/* Moves the protocol's output to the bufferevent; after STARTTLS was
 * asked, once the go-ahead is sent, switches to TLS first. */
static bool net_conn_flush(struct net_conn *conn)
{
	struct evbuffer *sending = bufferevent_get_output(conn->bev);

	if (conn->tls_pending && !conn->closing) {
		if (evbuffer_get_length(sending) > 0)
			return false;
		net_tls_switch(conn);
		return true;
	}
	if (evbuffer_get_length(conn->out) == 0 || conn->tls_pending)
		return false;
	if (conn->deflate == NULL)
		evbuffer_add_buffer(sending, conn->out);
	else if (net_deflate_flush(conn) < 0)
		conn->dead = true;
	return true;
}

static bool net_conn_step(struct net_conn *conn)
{
	const struct net_protocol *proto = conn->listener->proto;

	if (conn->want_done) {
		net_conn_job_done(conn);
		return true;
	}
	if (conn->dead)
		return false;
	/* while work is offloaded, what happened waits for its done */
	if (conn->job != NULL)
		return net_conn_flush(conn);
	if (conn->want_open) {
		conn->want_open = false;
		net_conn_open(conn);
	} else if (conn->want_read) {
		conn->want_read = false;
		net_conn_receive(conn);
	} else if (conn->want_write) {
		conn->want_write = false;
		net_conn_check_drained(conn);
	} else if (conn->want_wake) {
		conn->want_wake = false;
		if (conn->opened && !conn->closing && proto->wake != NULL)
			proto->wake(conn, conn->state);
	} else if (conn->read_timed_out) {
		conn->read_timed_out = false;
		net_conn_read_timeout(conn);
	} else if (conn->want_eof) {
		conn->want_eof = false;
		net_conn_eof(conn);
	} else {
		return net_conn_flush(conn);
	}
	return true;
}

void net_conn_run(struct net_conn *conn)
{
	bool sent;

	if (conn->running)
		return;
	conn->running = true;
	while (net_conn_step(conn))
		;
	conn->running = false;
	sent = evbuffer_get_length(bufferevent_get_output(conn->bev)) == 0 &&
		(evbuffer_get_length(conn->out) == 0 || conn->tls_pending);
	/* offloaded work still refers to conn: freed after its done */
	if (conn->job == NULL && (conn->dead || (conn->closing && sent)))
		net_conn_destroy(&conn, !conn->dead);
}

/* ---- creation and end ---- */

/* The peer's address: the limits' key, its text, and whether it lies
 * in a secure network. */
static void net_conn_address(struct net_conn *conn, const uint8_t addr[16])
{
	struct ipnet_addr peer;

	memcpy(conn->addr, addr, 16);
	ipnet_addr_from_in6(addr, &peer);
	ipnet_addr_format(&peer, conn->peer_ip);
	conn->secure_network = ipnet_list_match(conn->loop->net->secure_networks, &peer);
}

bool net_conn_is_loopback(const struct net_conn *conn)
{
	static const uint8_t v6_loopback[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
						 0, 0, 0, 0, 0, 0, 0, 1 };
	struct ipnet_addr peer;

	ipnet_addr_from_in6(conn->addr, &peer);
	if (peer.family == AF_INET)
		return peer.bytes[0] == 127;
	return memcmp(peer.bytes, v6_loopback, 16) == 0;
}

bool net_conn_is_secure_network(const struct net_conn *conn)
{
	return conn->secure_network;
}

void net_conn_accept(struct net_loop *loop, struct net_pending *p)
{
	struct net_conn *conn = xcalloc(1, sizeof(*conn));

	conn->loop = loop;
	conn->listener = p->listener;
	conn->timeout = NET_DEFAULT_TIMEOUT;
	net_conn_address(conn, p->addr);
	if (p->listener->implicit_tls) {
		conn->tls = true;
		conn->bev = net_tls_bev_new(conn, p->fd);
	} else {
		conn->want_open = true;
		conn->bev = bufferevent_socket_new(loop->base, p->fd, BEV_OPT_CLOSE_ON_FREE);
		if (conn->bev == NULL)
			evutil_closesocket(p->fd);
	}
	if (conn->bev == NULL) {
		log_error("gateway.conn.error", "listener=%s ip=%s error=%s",
			  log_q(conn->listener->name), conn->peer_ip,
			  log_q("cannot set up the connection"));
		net_limits_release(&loop->net->limits, p->addr);
		free(conn);
		free(p);
		return;
	}
	free(p);
	conn->in = net_evbuffer_new();
	conn->out = net_evbuffer_new();
	conn->next = loop->conns;
	if (loop->conns != NULL)
		loop->conns->prev = conn;
	loop->conns = conn;
	net_conn_bev_setup(conn);
	net_conn_run(conn);
}

void net_conn_destroy(struct net_conn **_conn, bool graceful)
{
	struct net_conn *conn = *_conn;
	struct net_loop *loop = conn->loop;

	*_conn = NULL;
	/* what the protocol does in close() must not run or free conn */
	conn->running = true;
	net_limits_release(&loop->net->limits, conn->addr);
	if (conn->opened) {
		conn->opened = false;
		conn->closing = true;
		conn->listener->proto->close(conn, conn->state);
		log_debug("gateway.conn.close", "listener=%s ip=%s", log_q(conn->listener->name),
			  conn->peer_ip);
	}
	net_waker_detach(conn);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		loop->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	if (graceful && conn->tls)
		net_tls_shutdown(conn);
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	bufferevent_free(conn->bev);
	evbuffer_free(conn->in);
	evbuffer_free(conn->out);
	net_deflate_free(&conn->deflate);
	free(conn);
}
