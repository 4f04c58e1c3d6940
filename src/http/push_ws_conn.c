/* One JMAP WebSocket (RFC 8887) on the loop thread: frames in, one
 * message at a time to a worker, answers and StateChange pushes out,
 * the close handshake, keepalive pings. Every entry point ends in
 * push_ws_conn_settle(), the one place a connection is closed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/http_private.h"
#include "http/push_ws.h"

#define PUSH_WS_READ_SIZE 16384
/* Past this much unsent output nothing more is read and no push is
 * made: a client that does not read cannot make the server buffer. */
#define PUSH_WS_OUT_SOFT (64 * 1024)
/* A quiet connection is pinged; one that does not answer is dropped. */
#define PUSH_WS_PING_IDLE_MS 60000
#define PUSH_WS_PONG_WAIT_MS 30000

struct push_ws_conn *push_ws_conn_new(struct push_ws *ws, const struct directory_identity *user,
				      MHD_socket fd, struct MHD_UpgradeResponseHandle *urh,
				      const char *extra, size_t extra_len)
{
	struct push_ws_conn *conn = xcalloc(1, sizeof(*conn));

	conn->ws = ws;
	conn->user = *user;
	conn->fd = fd;
	conn->urh = urh;
	conn->client.account_id = user->account_id;
	ws_parser_init(&conn->parser, ws->max_message);
	if (extra_len > 0)
		strbuf_append(&conn->in, extra, extra_len);
	return conn;
}

void push_ws_conn_free(struct push_ws_conn **_conn)
{
	struct push_ws_conn *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	ws_parser_clear(&conn->parser);
	strbuf_free(&conn->in);
	strbuf_free(&conn->out);
	free(conn);
}

void push_ws_conn_refuse(struct push_ws_conn *conn, uint16_t code, const char *reason)
{
	ws_frame_append_close(&conn->out, code, reason);
	(void)send(conn->fd, conn->out.s, conn->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	MHD_upgrade_action(conn->urh, MHD_UPGRADE_ACTION_CLOSE);
	push_ws_conn_free(&conn);
}

static size_t push_ws_conn_unsent(const struct push_ws_conn *conn)
{
	return conn->out.len - conn->out_pos;
}

static void push_ws_conn_close_with(struct push_ws_conn *conn, uint16_t code, const char *reason)
{
	if (conn->closing)
		return;
	ws_frame_append_close(&conn->out, code, reason);
	conn->closing = true;
}

static void push_ws_conn_send_json(struct push_ws_conn *conn, const char *text, size_t len)
{
	ws_frame_append(&conn->out, WS_OP_TEXT, text, len);
}

/* ---- the way out ---- */

static void push_ws_conn_flush(struct push_ws_conn *conn)
{
	while (push_ws_conn_unsent(conn) > 0) {
		ssize_t n = send(conn->fd, conn->out.s + conn->out_pos, push_ws_conn_unsent(conn),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn->ending = true;
			return;
		}
		conn->out_pos += (size_t)n;
	}
	strbuf_reset(&conn->out);
	conn->out_pos = 0;
	if (conn->closing)
		conn->ending = true;
}

/* Pending changes become one StateChange, with the latest states. */
static void push_ws_conn_push(struct push_ws_conn *conn)
{
	struct push_hub *hub = conn->ws->srv->push_hub;
	char push_state[JMAP_PUSH_STATE_SIZE];
	uint64_t types, since = 0;
	json_object *change;
	size_t len;
	const char *text;

	if (!conn->push_enabled || conn->closing || conn->ending)
		return;
	push_hub_lock(hub);
	conn->push_pending |= push_hub_take(&conn->client);
	types = conn->catch_up ? conn->client.types : conn->push_pending;
	push_hub_unlock(hub);
	if ((types == 0 && !conn->catch_up) || push_ws_conn_unsent(conn) > PUSH_WS_OUT_SOFT)
		return;
	if (conn->catch_up)
		since = conn->since;
	conn->catch_up = false;
	conn->push_pending = 0;
	change = jmap_push_state_change(conn->ws->srv->jmap, conn->client.account_id, types, since,
					true, push_state);
	if (change == NULL)
		return;
	text = json_object_to_json_string_length(change, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	push_ws_conn_send_json(conn, text, len);
	json_object_put(change);
}

static void push_ws_conn_end(struct push_ws_conn *conn)
{
	struct push_ws *ws = conn->ws;

	conn->ended = true;
	epoll_ctl(ws->epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
	push_hub_detach(ws->srv->push_hub, &conn->client);
	push_ws_ready_unlink(ws, conn);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		ws->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	MHD_upgrade_action(conn->urh, MHD_UPGRADE_ACTION_CLOSE);
	log_debug("push.websocket.close", "account=%u", conn->client.account_id);
	if (!conn->busy)
		push_ws_conn_free(&conn);
}

static void push_ws_conn_watch(struct push_ws_conn *conn)
{
	uint32_t events = 0;
	struct epoll_event ev;

	if (!conn->busy && !conn->closing && push_ws_conn_unsent(conn) <= PUSH_WS_OUT_SOFT)
		events |= EPOLLIN;
	if (push_ws_conn_unsent(conn) > 0)
		events |= EPOLLOUT;
	if (events == conn->events)
		return;
	conn->events = events;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = conn;
	if (epoll_ctl(conn->ws->epoll_fd, EPOLL_CTL_MOD, conn->fd, &ev) < 0)
		conn->ending = true;
}

/* The end of every turn: push, write, then close or watch. */
static void push_ws_conn_settle(struct push_ws_conn *conn)
{
	if (!conn->ending) {
		push_ws_conn_push(conn);
		push_ws_conn_flush(conn);
	}
	if (!conn->ending)
		push_ws_conn_watch(conn);
	if (conn->ending)
		push_ws_conn_end(conn);
}

/* ---- the way in ---- */

static void push_ws_conn_text(struct push_ws_conn *conn)
{
	struct push_ws_job *job = xcalloc(1, sizeof(*job));

	job->conn = conn;
	job->text = ws_parser_take_message(&conn->parser, &job->len);
	conn->busy = true;
	push_ws_submit(conn->ws, job);
}

static void push_ws_conn_message(struct push_ws_conn *conn, const struct ws_message *msg)
{
	switch (msg->opcode) {
	case WS_OP_TEXT:
		push_ws_conn_text(conn);
		break;
	case WS_OP_BINARY:
		push_ws_conn_close_with(conn, WS_CLOSE_UNSUPPORTED, "JMAP messages are text");
		break;
	case WS_OP_PING:
		ws_frame_append(&conn->out, WS_OP_PONG, msg->data, msg->len);
		break;
	case WS_OP_CLOSE:
		/* RFC 6455 §5.5.1: echo the status */
		push_ws_conn_close_with(conn, msg->close_code == WS_CLOSE_NO_STATUS ?
					WS_CLOSE_NORMAL : msg->close_code, "");
		break;
	case WS_OP_PONG:
	case WS_OP_CONTINUATION:
		break;
	}
}

static void push_ws_conn_parse(struct push_ws_conn *conn)
{
	while (!conn->busy && !conn->closing && conn->in_pos < conn->in.len) {
		struct ws_message msg;
		const char *why;
		size_t used;
		enum ws_result ret = ws_parser_feed(&conn->parser, conn->in.s + conn->in_pos,
						    conn->in.len - conn->in_pos, &used, &msg, &why);

		conn->in_pos += used;
		if (ret == WS_ERROR) {
			log_debug("push.websocket.protocol", "account=%u error=%s",
				  conn->client.account_id, log_q(why));
			push_ws_conn_close_with(conn, conn->parser.close_code, why);
		} else if (ret == WS_MESSAGE) {
			push_ws_conn_message(conn, &msg);
		}
	}
	if (conn->in_pos == conn->in.len || conn->closing) {
		strbuf_reset(&conn->in);
		conn->in_pos = 0;
	}
}

static void push_ws_conn_read(struct push_ws_conn *conn)
{
	char buf[PUSH_WS_READ_SIZE];
	ssize_t n = recv(conn->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0) {
		conn->ending = true;
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn->ending = true;
		return;
	}
	conn->last_rx_ms = time_mono_ms();
	conn->ping_sent_ms = 0;
	strbuf_append(&conn->in, buf, (size_t)n);
	push_ws_conn_parse(conn);
}

void push_ws_conn_start(struct push_ws_conn *conn)
{
	struct push_ws *ws = conn->ws;
	struct epoll_event ev;
	int flags = fcntl(conn->fd, F_GETFL);

	conn->started = true;
	conn->next = ws->conns;
	if (ws->conns != NULL)
		ws->conns->prev = conn;
	ws->conns = conn;
	conn->last_rx_ms = time_mono_ms();
	memset(&ev, 0, sizeof(ev));
	conn->events = ev.events = EPOLLIN;
	ev.data.ptr = conn;
	if (flags < 0 || fcntl(conn->fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    epoll_ctl(ws->epoll_fd, EPOLL_CTL_ADD, conn->fd, &ev) < 0) {
		log_warn("push.websocket", "error=%s", log_q("cannot watch the socket"));
		conn->ending = true;
	}
	log_debug("push.websocket.open", "account=%u", conn->client.account_id);
	push_ws_conn_parse(conn);
	push_ws_conn_settle(conn);
}

void push_ws_conn_event(struct push_ws_conn *conn, uint32_t events)
{
	if ((events & EPOLLIN) != 0)
		push_ws_conn_read(conn);
	else if ((events & (EPOLLERR | EPOLLHUP)) != 0)
		conn->ending = true;
	push_ws_conn_settle(conn);
}

/* §4.3.5: a later WebSocketPushEnable replaces the one before. */
static void push_ws_conn_push_control(struct push_ws_conn *conn, const struct jmap_ws_push *push)
{
	struct push_hub *hub = conn->ws->srv->push_hub;

	if (push->action == JMAP_WS_PUSH_NONE)
		return;
	push_hub_lock(hub);
	push_hub_set_types(&conn->client, push->action == JMAP_WS_PUSH_ENABLE ? push->types : 0);
	push_hub_unlock(hub);
	conn->push_enabled = push->action == JMAP_WS_PUSH_ENABLE;
	conn->push_pending = 0;
	conn->catch_up = conn->push_enabled && push->catch_up;
	conn->since = push->since;
}

void push_ws_conn_done(struct push_ws_conn *conn, const struct push_ws_job *job)
{
	conn->busy = false;
	if (conn->ended) {
		push_ws_conn_free(&conn);
		return;
	}
	if (job->reply != NULL && !conn->closing)
		push_ws_conn_send_json(conn, job->reply, job->reply_len);
	push_ws_conn_push_control(conn, &job->push);
	push_ws_conn_parse(conn);
	push_ws_conn_settle(conn);
}

void push_ws_conn_woken(struct push_ws_conn *conn)
{
	/* the hub may wake a connection still on its way to the loop */
	if (conn->started)
		push_ws_conn_settle(conn);
}

void push_ws_conn_tick(struct push_ws_conn *conn, int64_t now)
{
	if (conn->busy || conn->closing)
		return;
	if (conn->ping_sent_ms != 0 && now - conn->ping_sent_ms > PUSH_WS_PONG_WAIT_MS) {
		log_debug("push.websocket.timeout", "account=%u", conn->client.account_id);
		conn->ending = true;
	} else if (conn->ping_sent_ms == 0 && now - conn->last_rx_ms >= PUSH_WS_PING_IDLE_MS) {
		ws_frame_append(&conn->out, WS_OP_PING, NULL, 0);
		conn->ping_sent_ms = now;
	}
	push_ws_conn_settle(conn);
}

void push_ws_conn_shutdown(struct push_ws_conn *conn)
{
	push_ws_conn_close_with(conn, WS_CLOSE_GOING_AWAY, "server shutting down");
	push_ws_conn_flush(conn);
	conn->ending = true;
	push_ws_conn_settle(conn);
}
