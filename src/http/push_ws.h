#ifndef TERN_HTTP_PUSH_WS_H
#define TERN_HTTP_PUSH_WS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "core/strbuf.h"
#include "directory/directory.h"
#include "http/push_private.h"
#include "http/websocket_frame.h"
#include "jmap/push.h"

/* JMAP over WebSocket inside the HTTP face: the loop thread that owns
 * every upgraded socket (push_ws_loop.c), the workers that run the
 * requests, and one connection's protocol (push_ws_conn.c). A
 * connection lives on the loop thread; a worker sees only its job and
 * the connection's user, which never changes. */

#define PUSH_WS_WORKERS 2

/* One message handed to a worker, and what it hands back. */
struct push_ws_job {
	struct push_ws_job *next;
	struct push_ws_conn *conn;
	char *text;
	size_t len;
	/* the answer to send (NULL: none), as JSON text */
	char *reply;
	size_t reply_len;
	struct jmap_ws_push push;
};

struct push_ws_conn {
	/* first, so that the hub's client is the connection */
	struct push_client client;
	struct push_ws *ws;
	struct directory_identity user;
	MHD_socket fd;
	struct MHD_UpgradeResponseHandle *urh;
	struct ws_parser parser;
	/* received, not yet parsed (kept while a message is with a worker) */
	struct strbuf in;
	size_t in_pos;
	struct strbuf out;
	size_t out_pos;
	uint32_t events;	/* what epoll watches for */
	bool started;		/* on the loop, watched by epoll */
	bool busy;		/* a message is with a worker */
	bool closing;		/* our close frame is queued: flush, then end */
	bool ending;		/* to be closed at the end of this turn */
	bool ended;		/* socket closed; freed once not busy */
	bool push_enabled;
	bool catch_up;		/* a pushState to answer */
	uint64_t since;
	uint64_t push_pending;	/* taken from the hub, not yet sent */
	int64_t last_rx_ms;
	int64_t ping_sent_ms;	/* 0: no ping awaiting its pong */
	/* under the ws lock */
	bool wake_queued;
	struct push_ws_conn *ready_prev, *ready_next;
	/* the loop's list */
	struct push_ws_conn *prev, *next;
};

struct push_ws {
	struct http_server *srv;
	size_t max_message;
	int epoll_fd, event_fd;
	pthread_t loop;
	bool loop_started;
	pthread_t workers[PUSH_WS_WORKERS];
	unsigned int worker_count;
	pthread_mutex_t lock;
	pthread_cond_t jobs_cond;
	/* under lock */
	bool stopping;
	bool loop_exit;
	struct push_ws_job *jobs, *jobs_tail;
	struct push_ws_job *done, *done_tail;
	struct push_ws_conn *incoming;
	struct push_ws_conn *ready;
	/* the loop's own */
	struct push_ws_conn *conns;
};

/* ---- push_ws_loop.c ---- */
/* Called by the upgrade handler on an MHD thread: hands the socket to
 * the loop, or closes it (1013, 1001) when the limits or a stop say
 * no. */
void push_ws_adopt(struct push_ws *ws, const struct directory_identity *user, MHD_socket fd,
		   struct MHD_UpgradeResponseHandle *urh, const char *extra, size_t extra_len);
/* Loop thread: queues a message for the workers. */
void push_ws_submit(struct push_ws *ws, struct push_ws_job *job);
/* Loop thread: removes conn from the ready list. */
void push_ws_ready_unlink(struct push_ws *ws, struct push_ws_conn *conn);
/* Any thread: makes the loop look at its queues. */
void push_ws_signal(struct push_ws *ws);

/* ---- push_ws_conn.c: all on the loop thread ---- */
struct push_ws_conn *push_ws_conn_new(struct push_ws *ws, const struct directory_identity *user,
				      MHD_socket fd, struct MHD_UpgradeResponseHandle *urh,
				      const char *extra, size_t extra_len);
void push_ws_conn_free(struct push_ws_conn **conn);
/* Sends a close frame once, without waiting, and closes the socket. */
void push_ws_conn_refuse(struct push_ws_conn *conn, uint16_t code, const char *reason);
/* Each entry below may end the connection and free it: the caller
 * does not use conn after the call. */
void push_ws_conn_start(struct push_ws_conn *conn);
void push_ws_conn_event(struct push_ws_conn *conn, uint32_t events);
/* A worker finished conn's job (the job is the caller's to free). */
void push_ws_conn_done(struct push_ws_conn *conn, const struct push_ws_job *job);
/* The hub woke conn: changes to push. */
void push_ws_conn_woken(struct push_ws_conn *conn);
/* Once a second: keepalive pings, dead peers. */
void push_ws_conn_tick(struct push_ws_conn *conn, int64_t now);
/* Shutdown: 1001 going away, then the end. */
void push_ws_conn_shutdown(struct push_ws_conn *conn);

#endif
