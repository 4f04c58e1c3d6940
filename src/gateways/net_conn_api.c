/* What protocols call on a connection: its buffers and what it is. */
#include <stdarg.h>
#include <stdlib.h>

#include "core/config.h"
#include "core/xalloc.h"
#include "gateways/net_private.h"

struct evbuffer *net_conn_input(struct net_conn *conn)
{
	return conn->in;
}

struct evbuffer *net_conn_output(struct net_conn *conn)
{
	return conn->out;
}

void net_conn_write(struct net_conn *conn, const void *data, size_t len)
{
	evbuffer_add(conn->out, data, len);
}

void net_conn_printf(struct net_conn *conn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(conn->out, fmt, ap);
	va_end(ap);
}

bool net_conn_is_tls(const struct net_conn *conn)
{
	return conn->tls;
}

bool net_conn_is_compressed(const struct net_conn *conn)
{
	return conn->deflate != NULL;
}

bool net_conn_can_starttls(const struct net_conn *conn)
{
	return conn->loop->net->ssl_ctx != NULL && !conn->tls && !conn->tls_pending;
}

const char *net_conn_peer_ip(const struct net_conn *conn)
{
	return conn->peer_ip;
}

uint16_t net_conn_local_port(const struct net_conn *conn)
{
	return conn->listener->port;
}

const char *net_conn_listener(const struct net_conn *conn)
{
	return conn->listener->name;
}

bool net_conn_listener_bool(const struct net_conn *conn, const char *key, bool def)
{
	char *path = xasprintf("server.listener.%s.%s", conn->listener->name, key);
	bool value = config_bool(conn->loop->net->cfg, path, def);

	free(path);
	return value;
}
