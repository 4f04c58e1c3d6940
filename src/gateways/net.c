/* The gateways' network layer: start and stop, and the event loops,
 * one per worker thread. Listeners live on loop 0, which hands each
 * accepted socket round-robin to a loop; other threads reach a loop
 * through its queues and an eventfd, never through libevent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/config.h"
#include "core/error.h"
#include "core/ipnet.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/net_private.h"

#define NET_DEFAULT_THREADS 0
#define NET_MAX_THREADS 256
#define NET_DEFAULT_MAX_CONNECTIONS 8192
#define NET_DEFAULT_MAX_PER_IP 100

/* Loopback: passwords sent there never leave the machine. */
static const char *const net_secure_networks_default[] = { "127.0.0.0/8", "::1", NULL };

static void net_loop_signal(struct net_loop *loop)
{
	uint64_t one = 1;

	/* a full counter (EAGAIN) still wakes the loop */
	(void)!write(loop->notify_fd, &one, sizeof(one));
}

void net_loop_post_accept(struct net_loop *loop, struct net_pending *p)
{
	pthread_mutex_lock(&loop->lock);
	p->next = NULL;
	if (loop->accepted_tail != NULL)
		loop->accepted_tail->next = p;
	else
		loop->accepted = p;
	loop->accepted_tail = p;
	pthread_mutex_unlock(&loop->lock);
	net_loop_signal(loop);
}

void net_loop_post_wake(struct net_loop *loop, struct net_waker *waker)
{
	pthread_mutex_lock(&loop->lock);
	waker->next = loop->woken;
	loop->woken = waker;
	pthread_mutex_unlock(&loop->lock);
	net_loop_signal(loop);
}

void net_loop_post_done(struct net_loop *loop, struct net_job *job)
{
	pthread_mutex_lock(&loop->lock);
	job->next = loop->finished;
	loop->finished = job;
	pthread_mutex_unlock(&loop->lock);
	net_loop_signal(loop);
}

/* Stop: every connection closes, loop 0 stops listening, the loop ends
 * once the connections with offloaded work had their done. */
static void net_loop_shutdown(struct net_loop *loop)
{
	struct net_conn *conn, *next;

	if (loop->index == 0)
		net_listeners_close(loop->net);
	for (conn = loop->conns; conn != NULL; conn = next) {
		next = conn->next;
		if (conn->job != NULL)
			conn->dead = true;
		else
			net_conn_destroy(&conn, false);
	}
	if (loop->conns == NULL)
		event_base_loopbreak(loop->base);
}

static void net_loop_notified(evutil_socket_t fd, short what, void *context)
{
	struct net_loop *loop = context;
	struct net_pending *accepted, *p;
	struct net_waker *woken, *w;
	struct net_job *finished, *job;
	uint64_t count;
	bool stopping;

	(void)!read(fd, &count, sizeof(count));
	pthread_mutex_lock(&loop->lock);
	accepted = loop->accepted;
	woken = loop->woken;
	finished = loop->finished;
	stopping = loop->stopping;
	loop->accepted = loop->accepted_tail = NULL;
	loop->woken = NULL;
	loop->finished = NULL;
	pthread_mutex_unlock(&loop->lock);
	while ((job = finished) != NULL) {
		finished = job->next;
		net_job_deliver(job);
	}
	while ((p = accepted) != NULL) {
		accepted = p->next;
		if (stopping)
			net_pending_refuse(loop->net, &p);
		else
			net_conn_accept(loop, p);
	}
	while ((w = woken) != NULL) {
		woken = w->next;
		net_waker_deliver(w, stopping);
	}
	if (stopping)
		net_loop_shutdown(loop);
}

static void *net_loop_thread(void *context)
{
	struct net_loop *loop = context;

	event_base_loop(loop->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int net_loop_init(struct net *net, size_t index, const char **error_r)
{
	struct net_loop *loop = &net->loops[index];

	loop->net = net;
	loop->index = index;
	loop->notify_fd = -1;
	pthread_mutex_init(&loop->lock, NULL);
	if ((loop->base = event_base_new()) == NULL) {
		*error_r = "cannot create an event loop";
		return -1;
	}
	loop->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->notify_fd < 0) {
		*error_r = err_fmt("eventfd: %s", strerror(errno));
		return -1;
	}
	loop->notify = event_new(loop->base, loop->notify_fd, EV_READ | EV_PERSIST,
				 net_loop_notified, loop);
	if (loop->notify == NULL || event_add(loop->notify, NULL) < 0) {
		*error_r = "cannot watch the loop's eventfd";
		return -1;
	}
	return 0;
}

static int net_loop_start(struct net_loop *loop, const char **error_r)
{
	char name[16];
	int ret = pthread_create(&loop->thread, NULL, net_loop_thread, loop);

	if (ret != 0) {
		*error_r = err_fmt("cannot start a gateway thread: %s", strerror(ret));
		return -1;
	}
	loop->running = true;
	snprintf(name, sizeof(name), "tern-net-%zu", loop->index);
	pthread_setname_np(loop->thread, name);
	return 0;
}

/* After the loop's thread ended (or never ran): what is still queued. */
static void net_loop_free(struct net_loop *loop)
{
	struct net_pending *p;
	struct net_waker *w;

	while (loop->conns != NULL) {
		struct net_conn *conn = loop->conns;

		net_conn_destroy(&conn, false);
	}
	/* no connection left: nothing can be queued any more */
	while ((p = loop->accepted) != NULL) {
		loop->accepted = p->next;
		net_pending_refuse(loop->net, &p);
	}
	while ((w = loop->woken) != NULL) {
		loop->woken = w->next;
		net_waker_deliver(w, true);
	}
	if (loop->notify != NULL)
		event_free(loop->notify);
	if (loop->base != NULL)
		event_base_free(loop->base);
	if (loop->notify_fd >= 0)
		close(loop->notify_fd);
	pthread_mutex_destroy(&loop->lock);
}

static unsigned net_setting(const struct config *cfg, const char *path, int64_t def,
			    int64_t max)
{
	int64_t v = config_int(cfg, path, def);

	return v < 1 ? 1 : v > max ? (unsigned)max : (unsigned)v;
}

static size_t net_thread_count(const struct config *cfg)
{
	int64_t threads = config_int(cfg, "server.gateway.threads", NET_DEFAULT_THREADS);

	if (threads <= 0)
		threads = sysconf(_SC_NPROCESSORS_ONLN);
	return threads < 1 ? 1 : threads > NET_MAX_THREADS ? NET_MAX_THREADS : (size_t)threads;
}

static int net_prepare(struct net *net, const char *cert_path, const char *key_path,
		       const struct net_protocol *const *protocols, const char **error_r)
{
	unsigned max_total = net_setting(net->cfg, "server.gateway.max-connections",
					 NET_DEFAULT_MAX_CONNECTIONS, 1000000);
	unsigned max_per_ip = net_setting(net->cfg, "server.gateway.max-connections-per-ip",
					  NET_DEFAULT_MAX_PER_IP, max_total);

	net_limits_init(&net->limits, max_total, max_per_ip);
	if (ipnet_list_from_config(net->cfg, "authentication.secure-networks",
				   net_secure_networks_default, &net->secure_networks,
				   error_r) < 0)
		return -1;
	if (cert_path != NULL && key_path != NULL &&
	    net_tls_ctx_new(cert_path, key_path, &net->ssl_ctx, error_r) < 0)
		return -1;
	net->loop_count = net_thread_count(net->cfg);
	net->loops = xcalloc(net->loop_count, sizeof(*net->loops));
	for (size_t i = 0; i < net->loop_count; i++) {
		if (net_loop_init(net, i, error_r) < 0)
			return -1;
	}
	if (net_pool_start(net, error_r) < 0)
		return -1;
	return net_listeners_open(net, protocols, error_r);
}

int net_start(const struct config *cfg, const char *cert_path, const char *key_path,
	      const struct net_protocol *const *protocols, struct net **net_r,
	      const char **error_r)
{
	struct net *net = xcalloc(1, sizeof(*net));

	net->cfg = cfg;
	pthread_mutex_init(&net->pool.lock, NULL);
	pthread_cond_init(&net->pool.cond, NULL);
	if (net_prepare(net, cert_path, key_path, protocols, error_r) < 0) {
		net_stop(&net);
		return -1;
	}
	for (size_t i = 0; i < net->loop_count; i++) {
		if (net_loop_start(&net->loops[i], error_r) < 0) {
			net_stop(&net);
			return -1;
		}
	}
	log_info("gateway.start", "threads=%zu workers=%zu listeners=%zu max_connections=%u "
		 "max_connections_per_ip=%u", net->loop_count, net->pool.count,
		 net->listener_count, net->limits.max_total, net->limits.max_per_ip);
	*net_r = net;
	return 0;
}

void net_stop(struct net **_net)
{
	struct net *net = *_net;

	if (net == NULL)
		return;
	*_net = NULL;
	log_info("gateway.stop", "threads=%zu", net->loop_count);
	net_pool_cancel(net);
	for (size_t i = 0; i < net->loop_count; i++) {
		struct net_loop *loop = &net->loops[i];

		if (loop->net == NULL)
			continue;
		pthread_mutex_lock(&loop->lock);
		loop->stopping = true;
		pthread_mutex_unlock(&loop->lock);
		if (loop->running)
			net_loop_signal(loop);
	}
	for (size_t i = 0; i < net->loop_count; i++) {
		if (net->loops[i].running)
			pthread_join(net->loops[i].thread, NULL);
	}
	/* every offloaded job came back to its loop before it ended */
	net_pool_stop(net);
	/* loop 0 closed them on its thread, unless it never ran */
	net_listeners_close(net);
	for (size_t i = 0; i < net->loop_count; i++) {
		if (net->loops[i].net != NULL)
			net_loop_free(&net->loops[i]);
	}
	net_listeners_free(net);
	free(net->loops);
	if (net->ssl_ctx != NULL)
		SSL_CTX_free(net->ssl_ctx);
	net_limits_free(&net->limits);
	ipnet_list_free(&net->secure_networks);
	pthread_cond_destroy(&net->pool.cond);
	pthread_mutex_destroy(&net->pool.lock);
	free(net);
}
