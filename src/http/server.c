/* The HTTP server's lifecycle: one libmicrohttpd daemon per bind address
 * of every "http" listener, started from the config and drained on stop. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/tls_cert.h"
#include "core/xalloc.h"
#include "dav/dav.h"
#include "http/http.h"
#include "http/http_private.h"

#define HTTP_DEFAULT_THREADS 0
#define HTTP_DEFAULT_MAX_CONNECTIONS 1024
#define HTTP_DEFAULT_TIMEOUT 60
#define HTTP_DEFAULT_MAX_REQUEST_SIZE (10 * 1024 * 1024)
#define HTTP_DEFAULT_JMAP_MAX_REQUEST (10 * 1024 * 1024)
/* Request line and headers must fit here; MHD answers 414/431 past it. */
#define HTTP_CONNECTION_MEMORY (32 * 1024)
#define HTTP_PEM_MAX (1024 * 1024)
/* How long stop waits for requests in progress to be answered. */
#define HTTP_STOP_DRAIN_MS 10000

const char http_server_name[] = "Tern";

/* The last message MHD logged on this thread: MHD_start_daemon() binds
 * on the caller's thread, so a bind failure is found here. */
static _Thread_local char http_mhd_last_error[256];

struct http_bind {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;
	unsigned int port;
};

struct http_daemon_settings {
	unsigned int threads;
	unsigned int max_connections;
	unsigned int timeout;
};

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	size_t len;

	vsnprintf(http_mhd_last_error, sizeof(http_mhd_last_error), fmt, ap);
	len = strlen(http_mhd_last_error);
	while (len > 0 && (http_mhd_last_error[len - 1] == '\n' ||
			   http_mhd_last_error[len - 1] == '\r'))
		http_mhd_last_error[--len] = '\0';
	log_debug("http.mhd", "message=%s", log_q(http_mhd_last_error));
}

/* MHD's connection limit is per daemon; this one holds over every HTTP
 * daemon together. */
static enum MHD_Result http_accept_policy(void *cls, const struct sockaddr *addr,
					  socklen_t addrlen)
{
	struct http_server *srv = ((struct http_daemon *)cls)->srv;
	int64_t now, last;

	if (atomic_load(&srv->open_connections) < (int)srv->max_connections)
		return MHD_YES;
	/* one line per 10 seconds is enough to tell a flood */
	now = time_mono_ms();
	last = atomic_load(&srv->last_refusal_log_ms);
	if (now - last >= 10000 &&
	    atomic_compare_exchange_strong(&srv->last_refusal_log_ms, &last, now))
		log_warn("http.connections.full", "max=%u", srv->max_connections);
	return MHD_NO;
}

static void http_connection_notify(void *cls, struct MHD_Connection *conn,
				   void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = ((struct http_daemon *)cls)->srv;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&srv->open_connections, 1);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub(&srv->open_connections, 1);
}

static int http_port_parse(const char *s, unsigned int *port_r)
{
	char *end;
	unsigned long port;

	if (*s < '0' || *s > '9')
		return -1;
	port = strtoul(s, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	*port_r = (unsigned int)port;
	return 0;
}

/* "127.0.0.1:8080" or "[::1]:8080". */
static int http_bind_parse(const char *s, struct http_bind *b, const char **error_r)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *start = s;
	size_t len;

	memset(b, 0, sizeof(*b));
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		start = s + 1;
		len = (size_t)(close - start);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		len = (size_t)(colon - s);
	}
	if (len == 0 || len >= sizeof(host) || http_port_parse(colon + 1, &b->port) < 0)
		goto bad;
	memcpy(host, start, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &b->addr.in4.sin_addr) == 1) {
		b->addr.in4.sin_family = AF_INET;
		b->addr.in4.sin_port = htons((uint16_t)b->port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &b->addr.in6.sin6_addr) == 1) {
		b->addr.in6.sin6_family = AF_INET6;
		b->addr.in6.sin6_port = htons((uint16_t)b->port);
		return 0;
	}
bad:
	*error_r = err_fmt("bad bind address \"%s\" (want 127.0.0.1:8080 or [::1]:8080)", s);
	return -1;
}

static struct MHD_Daemon *http_daemon_mhd_start(struct http_daemon *d,
						const struct http_bind *b,
						const struct http_daemon_settings *set)
{
	struct http_server *srv = d->srv;
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (b->addr.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (d->tls)
		flags |= MHD_USE_TLS;
	http_mhd_last_error[0] = '\0';
	return MHD_start_daemon(flags, (uint16_t)b->port, http_accept_policy, d,
				http_router_access, d,
				MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, &b->addr.sa,
				MHD_OPTION_THREAD_POOL_SIZE, set->threads,
				MHD_OPTION_CONNECTION_LIMIT, set->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, set->timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
				MHD_OPTION_URI_LOG_CALLBACK, http_router_uri, d,
				MHD_OPTION_NOTIFY_COMPLETED, http_router_completed, d,
				MHD_OPTION_NOTIFY_CONNECTION, http_connection_notify, d,
				MHD_OPTION_ARRAY, d->tls ? tls_opts : &tls_opts[2],
				MHD_OPTION_END);
}

static void http_daemon_free(struct http_daemon **_d)
{
	struct http_daemon *d = *_d;

	if (d == NULL)
		return;
	*_d = NULL;
	if (d->mhd != NULL)
		MHD_stop_daemon(d->mhd);
	free(d->listener);
	free(d->bind);
	free(d->authority);
	free(d);
}

static int http_daemon_start(struct http_server *srv, const char *listener, const char *bind,
			     bool tls, const struct http_daemon_settings *set,
			     const char **error_r)
{
	struct http_daemon *d;
	struct http_bind b;

	if (http_bind_parse(bind, &b, error_r) < 0)
		return -1;
	d = xcalloc(1, sizeof(*d));
	d->srv = srv;
	d->listener = xstrdup(listener);
	d->bind = xstrdup(bind);
	d->tls = tls;
	d->authority = xasprintf("%s:%u", srv->hostname, b.port);
	if ((d->mhd = http_daemon_mhd_start(d, &b, set)) == NULL) {
		*error_r = err_fmt("listener %s: cannot listen on %s: %s", listener, bind,
				   http_mhd_last_error[0] != '\0' ?
				   http_mhd_last_error : "libmicrohttpd refused to start");
		http_daemon_free(&d);
		return -1;
	}
	srv->daemons = xrealloc(srv->daemons, (srv->daemon_count + 1) * sizeof(*srv->daemons));
	srv->daemons[srv->daemon_count++] = d;
	log_info("http.listen", "listener=%s bind=%s tls=%s", log_q(listener), log_q(bind),
		 tls ? "yes" : "no");
	return 0;
}

static int http_tls_load(struct http_server *srv, const char *cert_path,
			 const char *key_path, const char **error_r)
{
	size_t len;

	if (srv->cert_pem != NULL)
		return 0;
	if (cert_path == NULL || key_path == NULL) {
		*error_r = "a TLS listener needs a certificate and a key";
		return -1;
	}
	if ((srv->cert_pem = file_read_all(cert_path, HTTP_PEM_MAX, &len, error_r)) == NULL)
		return -1;
	if ((srv->key_pem = file_read_all(key_path, HTTP_PEM_MAX, &len, error_r)) == NULL)
		return -1;
	return 0;
}

static int http_listener_start(struct http_server *srv, const struct config *cfg,
			       const char *name, const char *cert_path, const char *key_path,
			       const struct http_daemon_settings *set, const char **error_r)
{
	char *key = xasprintf("server.listener.%s.tls.implicit", name);
	bool tls = config_bool(cfg, key, false);
	size_t count;
	int ret = 0;

	free(key);
	if (tls && http_tls_load(srv, cert_path, key_path, error_r) < 0)
		return -1;
	key = xasprintf("server.listener.%s.bind", name);
	count = config_list_count(cfg, key);
	if (count == 0) {
		*error_r = err_fmt("listener %s has no bind address", name);
		ret = -1;
	}
	for (size_t i = 0; i < count && ret == 0; i++)
		ret = http_daemon_start(srv, name, config_list_string(cfg, key, i), tls, set,
					error_r);
	free(key);
	return ret;
}

static void http_settings_read(struct http_server *srv, const struct config *cfg,
			       struct http_daemon_settings *set)
{
	int64_t threads = config_int(cfg, "server.http.threads", HTTP_DEFAULT_THREADS);
	int64_t conns = config_int(cfg, "server.http.max-connections",
				   HTTP_DEFAULT_MAX_CONNECTIONS);
	int64_t timeout = config_duration(cfg, "server.http.timeout", HTTP_DEFAULT_TIMEOUT);

	if (threads <= 0)
		threads = sysconf(_SC_NPROCESSORS_ONLN);
	set->threads = threads < 1 ? 1 : threads > 256 ? 256 : (unsigned int)threads;
	set->max_connections = conns < 1 ? 1 : conns > 1000000 ? 1000000 : (unsigned int)conns;
	srv->max_connections = set->max_connections;
	set->timeout = timeout < 1 ? 1 : timeout > 86400 ? 86400 : (unsigned int)timeout;
}

static size_t http_size_read(const struct config *cfg, const char *path, int64_t def)
{
	int64_t v = config_size(cfg, path, def);

	return v < 1 ? 1 : (size_t)v;
}

int http_server_start(const struct config *cfg, const char *cert_path,
		      const char *key_path, struct directory *dir,
		      struct jmap_server *jmap, struct admin_api *admin,
		      struct http_server **srv_r, const char **error_r)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	struct http_daemon_settings set;
	size_t n = config_group_count(cfg, "server.listener");

	srv->dir = dir;
	srv->jmap = jmap;
	srv->admin = admin;
	srv->hostname = xstrdup(config_string(cfg, "server.hostname", "localhost"));
	srv->admin_max_body = http_size_read(cfg, "server.http.max-request-size",
					     HTTP_DEFAULT_MAX_REQUEST_SIZE);
	srv->jmap_max_body = http_size_read(cfg, "jmap.max-size-request",
					    HTTP_DEFAULT_JMAP_MAX_REQUEST);
	srv->dav = dav_server_new(jmap, cfg);
	atomic_init(&srv->active_requests, 0);
	atomic_init(&srv->open_connections, 0);
	atomic_init(&srv->last_refusal_log_ms, 0);
	http_settings_read(srv, cfg, &set);
	if (http_wellknown_mail_start(srv, cfg, error_r) < 0 ||
	    http_offload_start(srv, set.threads, error_r) < 0 ||
	    http_push_start(srv, cfg, error_r) < 0) {
		http_server_stop(&srv);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = config_group_name(cfg, "server.listener", i);
		char *key = xasprintf("server.listener.%s.protocol", name);
		bool is_http = strcmp(config_string(cfg, key, ""), "http") == 0;

		free(key);
		if (is_http && http_listener_start(srv, cfg, name, cert_path, key_path, &set,
						   error_r) < 0) {
			http_server_stop(&srv);
			return -1;
		}
	}
	*srv_r = srv;
	return 0;
}

static void http_server_drain(struct http_server *srv)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (int waited = 0; waited < HTTP_STOP_DRAIN_MS; waited += 20) {
		if (atomic_load(&srv->active_requests) <= 0)
			return;
		nanosleep(&pause, NULL);
	}
	log_warn("http.stop", "unfinished=%d", atomic_load(&srv->active_requests));
}

void http_server_stop(struct http_server **_srv)
{
	struct http_server *srv = *_srv;
	MHD_socket *listen_fds;

	if (srv == NULL)
		return;
	*_srv = NULL;
	listen_fds = xcalloc(srv->daemon_count + 1, sizeof(*listen_fds));
	for (size_t i = 0; i < srv->daemon_count; i++)
		listen_fds[i] = MHD_quiesce_daemon(srv->daemons[i]->mhd);
	/* push connections would hold the drain: they end first */
	http_push_stop(srv);
	http_server_drain(srv);
	/* suspended requests are resumed before their daemon stops */
	http_offload_stop(srv);
	for (size_t i = 0; i < srv->daemon_count; i++) {
		http_daemon_free(&srv->daemons[i]);
		/* closed only now: a pool thread may still have used it */
		if (listen_fds[i] != MHD_INVALID_SOCKET)
			close(listen_fds[i]);
	}
	free(listen_fds);
	http_push_free(srv);
	http_wellknown_mail_free(srv);
	dav_server_free(&srv->dav);
	free(srv->daemons);
	free(srv->hostname);
	free(srv->cert_pem);
	if (srv->key_pem != NULL)
		explicit_bzero(srv->key_pem, strlen(srv->key_pem));
	free(srv->key_pem);
	free(srv);
}
