#ifndef TERN_NET_PRIVATE_H
#define TERN_NET_PRIVATE_H

/* Shared by the network layer's files (net.c, net_listen.c, net_conn.c,
 * net_tls.c, net_deflate.c, net_waker.c, net_offload.c); nothing
 * outside them.
 *
 * Threads: every libevent object belongs to one loop and is touched
 * only on that loop's thread (no libevent locking is used). Other
 * threads reach a loop through its queues under loop->lock and an
 * eventfd that wakes it: accepted sockets, wakers, finished work, the
 * stop request. The worker pool takes work under pool->lock. */

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "core/ipnet.h"
#include "gateways/net.h"

/* net_conn_output_full() past this; drained() once back under LOW. */
#define NET_OUTPUT_FULL (1024 * 1024)
#define NET_OUTPUT_LOW (256 * 1024)
/* the most one write to the socket takes from the output */
#define NET_MAX_SINGLE_WRITE (1024 * 1024)
#define NET_BACKLOG 1024
/* The timeout of a connection until its protocol sets one: the TLS
 * handshake and the greeting. */
#define NET_DEFAULT_TIMEOUT 60
/* How long a closing connection may take to send its last bytes. */
#define NET_CLOSE_LINGER 30
#define NET_IP_BUCKETS 1024
/* One refusal log line per this many milliseconds at most. */
#define NET_REFUSAL_LOG_MS 1000
/* Worker threads for offloaded work (server.gateway.workers). */
#define NET_DEFAULT_WORKERS 32
#define NET_MAX_WORKERS 1024

struct net_deflate;

/* Refcounted, so that it outlives its connection; see net.h. */
struct net_waker {
	struct net_waker *next;		/* in its loop's woken list */
	pthread_mutex_t lock;
	unsigned refs;
	struct net_conn *conn;		/* NULL once the connection is gone */
	bool queued;			/* in a woken list: wakes coalesce */
};

/* How many connections one client address holds (per-IP limit). */
struct net_ip_count {
	struct net_ip_count *next;
	uint8_t addr[16];
	uint32_t count;
};

struct net_limits {
	unsigned max_total;
	unsigned max_per_ip;
	atomic_uint total;
	atomic_int_least64_t last_log_ms;
	pthread_mutex_t lock;
	struct net_ip_count *buckets[NET_IP_BUCKETS];
};

/* One listening socket: a bind address of a server.listener group. */
struct net_listener {
	struct net *net;
	char *name;		/* the group's name */
	char *bind;
	const struct net_protocol *proto;
	bool implicit_tls;
	uint16_t port;
	struct evconnlistener *evl;	/* on loop 0 */
	struct event *resume;		/* accepting again after EMFILE */
};

/* Blocking work of one connection (net_conn_offload): queued in the
 * pool, run by a worker, then handed back to the connection's loop. */
struct net_job {
	struct net_job *next;		/* in the pool's queue, then the loop's */
	struct net_conn *conn;		/* kept alive until done has run */
	net_work_fn *work;
	net_done_fn *done;
	void *arg;
	bool ran;			/* false: cancelled by net_stop */
};

/* The worker threads and their queue. */
struct net_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* under lock */
	struct net_job *head, *tail;
	bool cancel;			/* stopping: queued work is not run */
	bool stop;			/* the workers end once the queue is empty */
	/* started and joined by net_start/net_stop's thread */
	pthread_t *threads;
	size_t count;			/* threads running */
	size_t size;			/* server.gateway.workers */
};

/* An accepted socket on its way to its loop. */
struct net_pending {
	struct net_pending *next;
	evutil_socket_t fd;
	struct net_listener *listener;
	uint8_t addr[16];
};

struct net_loop {
	struct net *net;
	size_t index;
	struct event_base *base;
	int notify_fd;			/* eventfd */
	struct event *notify;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	/* under lock */
	struct net_pending *accepted, *accepted_tail;
	struct net_waker *woken;
	struct net_job *finished;	/* work whose done is due */
	bool stopping;
	/* loop thread only */
	struct net_conn *conns;
};

struct net {
	const struct config *cfg;
	SSL_CTX *ssl_ctx;		/* NULL without a certificate */
	struct ipnet_list *secure_networks;
	struct net_loop *loops;
	size_t loop_count;
	size_t next_loop;		/* loop 0's thread only */
	struct net_listener **listeners;
	size_t listener_count;
	struct net_limits limits;
	struct net_pool pool;
};

struct net_conn {
	struct net_conn *prev, *next;	/* the loop's connections */
	struct net_loop *loop;
	const struct net_listener *listener;
	void *state;			/* the protocol's, from open() */
	struct bufferevent *bev;	/* socket or TLS; STARTTLS replaces it */
	struct evbuffer *in;		/* decoded input for the protocol */
	struct evbuffer *out;		/* the protocol's output, moved to bev
					 * (compressed or not) after each callback */
	struct net_deflate *deflate;
	struct net_waker *waker;
	/* offloaded work not yet done: no protocol callback but done, no
	 * reading, and the connection is not freed */
	struct net_job *job;
	unsigned timeout;
	uint8_t addr[16];		/* IPv4 as ::ffff:a.b.c.d */
	char peer_ip[IPNET_ADDR_TEXT_MAX];
	bool running : 1;		/* inside net_conn_run() */
	bool opened : 1;		/* open() called, close() not yet */
	bool closing : 1;
	bool dead : 1;			/* to be freed without flushing */
	bool tls : 1;
	bool secure_network : 1;	/* the peer is in secure_networks */
	bool tls_pending : 1;		/* STARTTLS once the output is sent */
	bool output_was_full : 1;	/* reading paused until drained */
	/* what libevent reported, handled by net_conn_run() */
	bool want_open : 1;
	bool want_read : 1;
	bool want_write : 1;
	bool want_wake : 1;
	bool want_eof : 1;
	bool want_done : 1;		/* job finished: call its done */
	bool read_timed_out : 1;
};

/* ---- net.c ---- */

/* Hands an accepted socket to loop (from loop 0's thread). */
void net_loop_post_accept(struct net_loop *loop, struct net_pending *p);
/* Queues a waker for loop's thread (waker lock held by the caller). */
void net_loop_post_wake(struct net_loop *loop, struct net_waker *waker);
/* Hands finished work back to its connection's loop (from a worker). */
void net_loop_post_done(struct net_loop *loop, struct net_job *job);

/* ---- net_listen.c ---- */

void net_limits_init(struct net_limits *limits, unsigned max_total, unsigned max_per_ip);
void net_limits_free(struct net_limits *limits);
void net_limits_release(struct net_limits *limits, const uint8_t addr[16]);
/* Opens the listeners of cfg for protocols on loop 0. */
int net_listeners_open(struct net *net, const struct net_protocol *const *protocols,
		       const char **error_r);
/* Stops accepting (loop 0's thread, or once the loops are gone). */
void net_listeners_close(struct net *net);
/* Frees them, after every connection is gone. */
void net_listeners_free(struct net *net);
/* Closes an accepted socket that will not be served. */
void net_pending_refuse(struct net *net, struct net_pending **p);

/* ---- net_conn.c ---- */

/* Takes p's socket and serves it on loop (loop's thread). */
void net_conn_accept(struct net_loop *loop, struct net_pending *p);
/* Calls close() if open() was called, and frees conn; graceful: the
 * output is all sent (TLS then says close_notify). */
void net_conn_destroy(struct net_conn **conn, bool graceful);
/* Handles what libevent reported for conn: the only place protocol
 * callbacks are called from, never nested; frees conn when done. */
void net_conn_run(struct net_conn *conn);
/* Callbacks, watermark, timeouts and enabled events of conn->bev. */
void net_conn_bev_setup(struct net_conn *conn);
/* Reading on exactly when the protocol may get input. */
void net_conn_update_read(struct net_conn *conn);
/* A new evbuffer (aborts on failure, as xmalloc does). */
struct evbuffer *net_evbuffer_new(void);

/* ---- net_tls.c ---- */

int net_tls_ctx_new(const char *cert_path, const char *key_path, SSL_CTX **ctx_r,
		    const char **error_r);
/* A server-side TLS bufferevent owning fd (closed on failure). */
struct bufferevent *net_tls_bev_new(struct net_conn *conn, evutil_socket_t fd);
/* The STARTTLS switch, once the go-ahead is sent. */
void net_tls_switch(struct net_conn *conn);
/* Sends close_notify before a graceful close. */
void net_tls_shutdown(struct net_conn *conn);
/* Logs the TLS errors libevent collected for conn (debug). */
void net_tls_log_errors(struct net_conn *conn);

/* ---- net_deflate.c ---- */

/* Compresses all of conn->out into the bufferevent, ending with a sync
 * flush. Returns 0 or -1. */
int net_deflate_flush(struct net_conn *conn);
/* Inflates one bounded chunk of the bufferevent's input into conn->in
 * and hands it to the protocol. */
void net_deflate_receive(struct net_conn *conn);
void net_deflate_free(struct net_deflate **deflate);

/* ---- net_offload.c ---- */

/* Starts server.gateway.workers threads. 0 or -1. */
int net_pool_start(struct net *net, const char **error_r);
/* Queued work will not run: its done is called with gone. */
void net_pool_cancel(struct net *net);
/* Ends and joins the workers (the queue is empty: every loop ended). */
void net_pool_stop(struct net *net);
/* On conn's loop: the job finished; net_conn_run() calls its done. */
void net_job_deliver(struct net_job *job);
/* Inside net_conn_run(): calls the finished job's done and frees it. */
void net_conn_job_done(struct net_conn *conn);

/* ---- net_waker.c ---- */

/* On conn's loop: runs wake() for a queued waker, drops the queue's
 * reference. With stopping, only drops it. */
void net_waker_deliver(struct net_waker *waker, bool stopping);
/* conn is going away: its waker no longer reaches it. */
void net_waker_detach(struct net_conn *conn);

#endif
