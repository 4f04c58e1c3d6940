/* Waking a connection from another thread (a bus callback): the waker
 * is refcounted and outlives its connection; waking queues it on the
 * connection's loop, once until the loop has run it. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "gateways/net_private.h"

struct net_waker *net_conn_waker(struct net_conn *conn)
{
	struct net_waker *w = conn->waker;

	if (w == NULL) {
		/* the connection's own reference */
		w = conn->waker = xcalloc(1, sizeof(*w));
		pthread_mutex_init(&w->lock, NULL);
		w->refs = 1;
		w->conn = conn;
	}
	pthread_mutex_lock(&w->lock);
	w->refs++;
	pthread_mutex_unlock(&w->lock);
	return w;
}

void net_waker_wake(struct net_waker *w)
{
	pthread_mutex_lock(&w->lock);
	/* while conn is set it is alive, and so is its loop */
	if (w->conn != NULL && !w->queued) {
		w->queued = true;
		w->refs++;
		net_loop_post_wake(w->conn->loop, w);
	}
	pthread_mutex_unlock(&w->lock);
}

void net_waker_release(struct net_waker **_w)
{
	struct net_waker *w = *_w;
	bool last;

	if (w == NULL)
		return;
	*_w = NULL;
	pthread_mutex_lock(&w->lock);
	last = --w->refs == 0;
	pthread_mutex_unlock(&w->lock);
	if (last) {
		pthread_mutex_destroy(&w->lock);
		free(w);
	}
}

void net_waker_deliver(struct net_waker *w, bool stopping)
{
	struct net_conn *conn;

	pthread_mutex_lock(&w->lock);
	w->queued = false;
	conn = w->conn;
	pthread_mutex_unlock(&w->lock);
	/* conn cannot go away meanwhile: it lives on this thread */
	if (conn != NULL && !stopping) {
		conn->want_wake = true;
		net_conn_run(conn);
	}
	net_waker_release(&w);
}

void net_waker_detach(struct net_conn *conn)
{
	struct net_waker *w = conn->waker;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->conn = NULL;
	pthread_mutex_unlock(&w->lock);
	net_waker_release(&conn->waker);
}
