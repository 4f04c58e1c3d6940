/* Blocking work off the loops: a pool of worker threads with one queue.
 * A connection hands over one job at a time; a worker runs it and
 * posts it back to the connection's loop, where its done() runs as a
 * callback of the connection (net_conn_run). Until then the connection
 * reads nothing, calls its protocol for nothing, and is not freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/net_private.h"

static struct net_job *net_pool_take(struct net_pool *pool, bool *cancel_r)
{
	struct net_job *job;

	pthread_mutex_lock(&pool->lock);
	while (pool->head == NULL && !pool->stop)
		pthread_cond_wait(&pool->cond, &pool->lock);
	job = pool->head;
	if (job != NULL) {
		pool->head = job->next;
		if (pool->head == NULL)
			pool->tail = NULL;
	}
	*cancel_r = pool->cancel;
	pthread_mutex_unlock(&pool->lock);
	return job;
}

static void *net_pool_thread(void *context)
{
	struct net_pool *pool = context;
	struct net_job *job;
	bool cancel;

	while ((job = net_pool_take(pool, &cancel)) != NULL) {
		if (!cancel) {
			job->work(job->arg);
			job->ran = true;
		}
		/* conn lives until done ran, and its loop longer */
		net_loop_post_done(job->conn->loop, job);
	}
	return NULL;
}

static size_t net_pool_size(const struct config *cfg)
{
	int64_t n = config_int(cfg, "server.gateway.workers", NET_DEFAULT_WORKERS);

	return n < 1 ? 1 : n > NET_MAX_WORKERS ? NET_MAX_WORKERS : (size_t)n;
}

int net_pool_start(struct net *net, const char **error_r)
{
	struct net_pool *pool = &net->pool;

	pool->size = net_pool_size(net->cfg);
	pool->threads = xcalloc(pool->size, sizeof(*pool->threads));
	for (; pool->count < pool->size; pool->count++) {
		char name[16];
		int ret = pthread_create(&pool->threads[pool->count], NULL, net_pool_thread, pool);

		if (ret != 0) {
			*error_r = err_fmt("cannot start a gateway worker: %s", strerror(ret));
			return -1;
		}
		snprintf(name, sizeof(name), "tern-work-%zu", pool->count);
		pthread_setname_np(pool->threads[pool->count], name);
	}
	return 0;
}

void net_pool_cancel(struct net *net)
{
	pthread_mutex_lock(&net->pool.lock);
	net->pool.cancel = true;
	pthread_mutex_unlock(&net->pool.lock);
}

void net_pool_stop(struct net *net)
{
	struct net_pool *pool = &net->pool;

	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (size_t i = 0; i < pool->count; i++)
		pthread_join(pool->threads[i], NULL);
	free(pool->threads);
	pool->threads = NULL;
	pool->count = 0;
}

void net_conn_offload(struct net_conn *conn, net_work_fn *work, net_done_fn *done, void *arg)
{
	struct net_pool *pool = &conn->loop->net->pool;
	struct net_job *job;

	if (conn->job != NULL) {
		log_error("gateway.offload", "listener=%s error=%s", log_q(conn->listener->name),
			  log_q("work offloaded twice"));
		abort();
	}
	job = xcalloc(1, sizeof(*job));
	job->conn = conn;
	job->work = work;
	job->done = done;
	job->arg = arg;
	conn->job = job;
	net_conn_update_read(conn);
	pthread_mutex_lock(&pool->lock);
	if (pool->tail != NULL)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
}

bool net_conn_is_offloaded(const struct net_conn *conn)
{
	return conn->job != NULL;
}

void net_job_deliver(struct net_job *job)
{
	struct net_conn *conn = job->conn;

	conn->want_done = true;
	net_conn_run(conn);
}

void net_conn_job_done(struct net_conn *conn)
{
	struct net_job *job = conn->job;

	conn->want_done = false;
	conn->job = NULL;
	/* cancelled work leaves the protocol in no state to go on */
	if (!job->ran)
		conn->dead = true;
	job->done(conn, job->arg, conn->dead);
	free(job);
	if (conn->dead)
		return;
	/* a timeout seen before the work began does not count: the
	 * timer starts over now that reading resumes */
	conn->read_timed_out = false;
	net_conn_update_read(conn);
	/* bytes that came before reading stopped */
	conn->want_read = true;
}
