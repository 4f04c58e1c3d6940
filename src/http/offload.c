/* JMAP API requests run on a pool of worker threads, not on the
 * libmicrohttpd thread that read them.
 *
 * A connection stays on the pool thread that accepted it, and the first
 * idle thread takes each new connection: two busy clients often share
 * one thread while the other idles, and one long request holds up every
 * other connection of its thread. Here the reading thread suspends the
 * connection and queues the request; any idle worker answers it and
 * resumes the connection, whose thread then sends the answer.
 *
 * Small requests are answered where they were read: for them the hand
 * over (suspend, queue, wake, resume) costs more than it spreads. */
#include <pthread.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "http/http_private.h"

#define HTTP_OFFLOAD_MAX_WORKERS 256
/* Bodies from this size on go to a worker. */
#define HTTP_OFFLOAD_MIN_BODY (64 * 1024)

struct http_offload {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* requests waiting for a worker, oldest first */
	struct http_request *head, *tail;
	bool stopping;
	pthread_t *workers;
	unsigned int worker_count;
};

static struct http_request *http_offload_next(struct http_offload *o)
{
	struct http_request *req;

	pthread_mutex_lock(&o->lock);
	while (o->head == NULL && !o->stopping)
		pthread_cond_wait(&o->cond, &o->lock);
	req = o->head;
	if (req != NULL) {
		o->head = req->offload_next;
		if (o->head == NULL)
			o->tail = NULL;
		req->offload_next = NULL;
	}
	pthread_mutex_unlock(&o->lock);
	return req;
}

/* Workers leave once stopping is set and the queue is empty, so every
 * suspended connection is resumed before the daemons stop. */
static void *http_offload_main(void *arg)
{
	struct http_offload *o = arg;
	struct http_request *req;

	while ((req = http_offload_next(o)) != NULL) {
		req->route->finish(req);
		MHD_resume_connection(req->conn);
	}
	return NULL;
}

int http_offload_start(struct http_server *srv, unsigned int threads, const char **error_r)
{
	struct http_offload *o = xcalloc(1, sizeof(*o));

	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (threads > HTTP_OFFLOAD_MAX_WORKERS)
		threads = HTTP_OFFLOAD_MAX_WORKERS;
	o->workers = xcalloc(threads, sizeof(*o->workers));
	srv->offload = o;
	for (unsigned int i = 0; i < threads; i++) {
		if (pthread_create(&o->workers[i], NULL, http_offload_main, o) != 0)
			break;
		o->worker_count++;
	}
	if (o->worker_count == 0) {
		*error_r = "cannot start the HTTP request workers";
		http_offload_stop(srv);
		return -1;
	}
	return 0;
}

bool http_offload_submit(struct http_request *req)
{
	struct http_offload *o = req->daemon->srv->offload;
	bool queued = false;

	if (o == NULL || (req->route->flags & HTTP_ROUTE_OFFLOAD) == 0 ||
	    req->body.len < HTTP_OFFLOAD_MIN_BODY)
		return false;
	pthread_mutex_lock(&o->lock);
	if (!o->stopping) {
		/* suspended before a worker can resume it */
		MHD_suspend_connection(req->conn);
		req->offloaded = true;
		if (o->tail != NULL)
			o->tail->offload_next = req;
		else
			o->head = req;
		o->tail = req;
		pthread_cond_signal(&o->cond);
		queued = true;
	}
	pthread_mutex_unlock(&o->lock);
	return queued;
}

void http_offload_stop(struct http_server *srv)
{
	struct http_offload *o = srv->offload;

	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->stopping = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	for (unsigned int i = 0; i < o->worker_count; i++)
		pthread_join(o->workers[i], NULL);
	srv->offload = NULL;
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	free(o->workers);
	free(o);
}
