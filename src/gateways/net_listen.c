/* Listening sockets from server.listener.*, accepting on loop 0, and
 * the connection limits: total over every gateway listener, and per
 * client address. A connection past either is closed at once. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "gateways/net_private.h"

/* Accepting pauses this long when the process is out of descriptors. */
#define NET_ACCEPT_PAUSE_MS 1000

/* ---- limits ---- */

void net_limits_init(struct net_limits *limits, unsigned max_total, unsigned max_per_ip)
{
	memset(limits->buckets, 0, sizeof(limits->buckets));
	limits->max_total = max_total;
	limits->max_per_ip = max_per_ip;
	atomic_init(&limits->total, 0);
	atomic_init(&limits->last_log_ms, -NET_REFUSAL_LOG_MS);
	pthread_mutex_init(&limits->lock, NULL);
}

void net_limits_free(struct net_limits *limits)
{
	for (size_t i = 0; i < NET_IP_BUCKETS; i++) {
		while (limits->buckets[i] != NULL) {
			struct net_ip_count *c = limits->buckets[i];

			limits->buckets[i] = c->next;
			free(c);
		}
	}
	pthread_mutex_destroy(&limits->lock);
}

static struct net_ip_count **net_limits_slot(struct net_limits *limits, const uint8_t addr[16])
{
	uint32_t h = 2166136261u;
	struct net_ip_count **slot;

	for (size_t i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	slot = &limits->buckets[h % NET_IP_BUCKETS];
	while (*slot != NULL && memcmp((*slot)->addr, addr, 16) != 0)
		slot = &(*slot)->next;
	return slot;
}

static bool net_limits_take_ip(struct net_limits *limits, const uint8_t addr[16])
{
	struct net_ip_count **slot;
	bool ok = true;

	pthread_mutex_lock(&limits->lock);
	slot = net_limits_slot(limits, addr);
	if (*slot == NULL) {
		*slot = xcalloc(1, sizeof(**slot));
		memcpy((*slot)->addr, addr, 16);
	}
	if ((*slot)->count >= limits->max_per_ip)
		ok = false;
	else
		(*slot)->count++;
	pthread_mutex_unlock(&limits->lock);
	return ok;
}

void net_limits_release(struct net_limits *limits, const uint8_t addr[16])
{
	struct net_ip_count **slot, *c;

	pthread_mutex_lock(&limits->lock);
	slot = net_limits_slot(limits, addr);
	if ((c = *slot) != NULL && --c->count == 0) {
		*slot = c->next;
		free(c);
	}
	pthread_mutex_unlock(&limits->lock);
	atomic_fetch_sub(&limits->total, 1);
}

/* A flood would log a line per connection: one a second is enough. */
static void net_limits_log_refusal(struct net_limits *limits, const char *reason,
				   const uint8_t addr[16])
{
	int64_t now = time_mono_ms();
	int64_t last = atomic_load(&limits->last_log_ms);
	struct ipnet_addr peer;
	char ip[IPNET_ADDR_TEXT_MAX];

	if (now - last < NET_REFUSAL_LOG_MS ||
	    !atomic_compare_exchange_strong(&limits->last_log_ms, &last, now))
		return;
	ipnet_addr_from_in6(addr, &peer);
	ipnet_addr_format(&peer, ip);
	log_warn("gateway.refused", "reason=%s ip=%s max_connections=%u "
		 "max_connections_per_ip=%u", reason, ip, limits->max_total, limits->max_per_ip);
}

static bool net_limits_take(struct net_limits *limits, const uint8_t addr[16])
{
	if (atomic_fetch_add(&limits->total, 1) >= limits->max_total) {
		atomic_fetch_sub(&limits->total, 1);
		net_limits_log_refusal(limits, "max-connections", addr);
		return false;
	}
	if (!net_limits_take_ip(limits, addr)) {
		atomic_fetch_sub(&limits->total, 1);
		net_limits_log_refusal(limits, "max-connections-per-ip", addr);
		return false;
	}
	return true;
}

void net_pending_refuse(struct net *net, struct net_pending **_p)
{
	struct net_pending *p = *_p;

	*_p = NULL;
	evutil_closesocket(p->fd);
	net_limits_release(&net->limits, p->addr);
	free(p);
}

/* ---- accepting ---- */

/* The client address as a 16-byte key, IPv4 mapped into IPv6. */
static void net_addr_key(const struct sockaddr *sa, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static void net_listener_accept(struct evconnlistener *evl, evutil_socket_t fd,
				struct sockaddr *sa, int socklen, void *context)
{
	struct net_listener *l = context;
	struct net *net = l->net;
	struct net_pending *p = xcalloc(1, sizeof(*p));
	struct net_loop *loop;

	p->fd = fd;
	p->listener = l;
	/* Replies go out whole after each callback; waiting for the peer's
	 * delayed ACK before the next segment would add 40 ms to every
	 * multi-segment reply. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	net_addr_key(sa, p->addr);
	if (!net_limits_take(&net->limits, p->addr)) {
		evutil_closesocket(fd);
		free(p);
		return;
	}
	loop = &net->loops[net->next_loop++ % net->loop_count];
	if (loop->index == 0)
		net_conn_accept(loop, p);
	else
		net_loop_post_accept(loop, p);
}

static void net_listener_resume(evutil_socket_t fd, short what, void *context)
{
	evconnlistener_enable(((struct net_listener *)context)->evl);
}

/* EMFILE and the like would make the listener spin: pause it. */
static void net_listener_error(struct evconnlistener *evl, void *context)
{
	struct net_listener *l = context;
	const struct timeval pause = { 0, NET_ACCEPT_PAUSE_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();

	log_error("gateway.accept", "listener=%s bind=%s error=%s", log_q(l->name),
		  log_q(l->bind), log_q(evutil_socket_error_to_string(err)));
	evconnlistener_disable(evl);
	event_add(l->resume, &pause);
}

/* ---- listeners ---- */

void net_listeners_close(struct net *net)
{
	for (size_t i = 0; i < net->listener_count; i++) {
		struct net_listener *l = net->listeners[i];

		if (l->evl != NULL)
			evconnlistener_free(l->evl);
		if (l->resume != NULL)
			event_free(l->resume);
		l->evl = NULL;
		l->resume = NULL;
	}
}

void net_listeners_free(struct net *net)
{
	net_listeners_close(net);
	for (size_t i = 0; i < net->listener_count; i++) {
		free(net->listeners[i]->name);
		free(net->listeners[i]->bind);
		free(net->listeners[i]);
	}
	free(net->listeners);
	net->listeners = NULL;
	net->listener_count = 0;
}

/* A bound, nonblocking socket for "ip:port" or "[v6]:port". */
static evutil_socket_t net_bind_socket(const char *address, uint16_t *port_r, const char **error_r)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss), one = 1;
	evutil_socket_t fd;

	memset(&ss, 0, sizeof(ss));
	*port_r = 0;
	if (evutil_parse_sockaddr_port(address, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			*port_r = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			*port_r = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (*port_r == 0) {
		*error_r = "bad bind address (want 127.0.0.1:143 or [::1]:143)";
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "0.0.0.0:143" and "[::]:143" may both be listed */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0) {
		*error_r = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

static int net_listener_open(struct net *net, struct net_listener *l, const char **error_r)
{
	struct event_base *base = net->loops[0].base;
	const char *why;
	evutil_socket_t fd = net_bind_socket(l->bind, &l->port, &why);

	if (fd < 0) {
		*error_r = err_fmt("listener %s: cannot listen on %s: %s", l->name, l->bind, why);
		return -1;
	}
	l->evl = evconnlistener_new(base, net_listener_accept, l,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, NET_BACKLOG, fd);
	if (l->evl == NULL) {
		*error_r = err_fmt("listener %s: cannot listen on %s: %s", l->name, l->bind,
				   strerror(errno));
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(l->evl, net_listener_error);
	l->resume = evtimer_new(base, net_listener_resume, l);
	log_info("gateway.listen", "listener=%s bind=%s protocol=%s tls=%s", log_q(l->name),
		 log_q(l->bind), log_q(l->proto->name), l->implicit_tls ? "yes" : "no");
	return 0;
}

static int net_listener_add(struct net *net, const char *name, const char *bind,
			    const struct net_protocol *proto, bool implicit_tls,
			    const char **error_r)
{
	struct net_listener *l = xcalloc(1, sizeof(*l));

	l->net = net;
	l->name = xstrdup(name);
	l->bind = xstrdup(bind);
	l->proto = proto;
	l->implicit_tls = implicit_tls;
	net->listeners = xrealloc(net->listeners,
				  (net->listener_count + 1) * sizeof(*net->listeners));
	net->listeners[net->listener_count++] = l;
	return net_listener_open(net, l, error_r);
}

static const struct net_protocol *net_protocol_find(const struct net_protocol *const *protocols,
						    const char *name)
{
	for (size_t i = 0; protocols[i] != NULL; i++) {
		if (strcmp(protocols[i]->name, name) == 0)
			return protocols[i];
	}
	return NULL;
}

static int net_listener_group_open(struct net *net, const char *name,
				   const struct net_protocol *proto, const char **error_r)
{
	char *key = xasprintf("server.listener.%s.tls.implicit", name);
	bool implicit_tls = config_bool(net->cfg, key, false);
	size_t count;
	int ret = 0;

	free(key);
	if (implicit_tls && net->ssl_ctx == NULL) {
		*error_r = err_fmt("listener %s: TLS needs a certificate and a key", name);
		return -1;
	}
	key = xasprintf("server.listener.%s.bind", name);
	count = config_list_count(net->cfg, key);
	if (count == 0) {
		*error_r = err_fmt("listener %s has no bind address", name);
		ret = -1;
	}
	for (size_t i = 0; i < count && ret == 0; i++)
		ret = net_listener_add(net, name, config_list_string(net->cfg, key, i), proto,
				       implicit_tls, error_r);
	free(key);
	return ret;
}

int net_listeners_open(struct net *net, const struct net_protocol *const *protocols,
		       const char **error_r)
{
	size_t n = config_group_count(net->cfg, "server.listener");

	for (size_t i = 0; i < n; i++) {
		const char *name = config_group_name(net->cfg, "server.listener", i);
		char *key = xasprintf("server.listener.%s.protocol", name);
		const char *value = config_string(net->cfg, key, "http");
		const struct net_protocol *proto = net_protocol_find(protocols, value);
		int ret = 0;

		if (proto != NULL)
			ret = net_listener_group_open(net, name, proto, error_r);
		else if (strcmp(value, "http") != 0)
			log_warn("gateway.listener.skipped", "listener=%s protocol=%s "
				 "reason=\"not served by this version\"", log_q(name), log_q(value));
		free(key);
		if (ret < 0)
			return -1;
	}
	return 0;
}
