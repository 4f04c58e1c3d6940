/* TLS for the gateways (OpenSSL): the server context, implicit TLS,
 * and STARTTLS, which replaces a connection's plain bufferevent by a
 * TLS one once the go-ahead reply is sent. */
#include <fcntl.h>
#include <stdlib.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "core/error.h"
#include "core/log.h"
#include "gateways/net_private.h"

static const char net_tls_session_context[] = "tern-gateway";

/* The oldest queued OpenSSL error, and the queue emptied. */
static const char *net_tls_error(void)
{
	unsigned long e = ERR_get_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return reason != NULL ? reason : "unknown error";
}

static void net_tls_ctx_settings(SSL_CTX *ctx)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* an idle connection keeps no record buffers */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)net_tls_session_context,
				       sizeof(net_tls_session_context) - 1);
}

int net_tls_ctx_new(const char *cert_path, const char *key_path, SSL_CTX **ctx_r,
		    const char **error_r)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		*error_r = err_fmt("TLS: %s", net_tls_error());
		return -1;
	}
	net_tls_ctx_settings(ctx);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		*error_r = err_fmt("TLS certificate %s: %s", cert_path, net_tls_error());
	} else if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
		   SSL_CTX_check_private_key(ctx) != 1) {
		*error_r = err_fmt("TLS key %s: %s", key_path, net_tls_error());
	} else {
		*ctx_r = ctx;
		return 0;
	}
	SSL_CTX_free(ctx);
	return -1;
}

struct bufferevent *net_tls_bev_new(struct net_conn *conn, evutil_socket_t fd)
{
	SSL *ssl = SSL_new(conn->loop->net->ssl_ctx);
	struct bufferevent *bev = NULL;

	if (ssl != NULL)
		bev = bufferevent_openssl_socket_new(conn->loop->base, fd, ssl,
						     BUFFEREVENT_SSL_ACCEPTING,
						     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		if (ssl != NULL)
			SSL_free(ssl);
		evutil_closesocket(fd);
		ERR_clear_error();
		return NULL;
	}
	/* a peer that just closes the socket has ended, not failed */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

int net_conn_starttls(struct net_conn *conn, const char **error_r)
{
	if (conn->loop->net->ssl_ctx == NULL) {
		*error_r = "TLS is not available";
		return -1;
	}
	if (conn->tls || conn->tls_pending) {
		*error_r = "TLS is already active";
		return -1;
	}
	if (conn->deflate != NULL) {
		*error_r = "compression is active";
		return -1;
	}
	/* the go-ahead goes out in plain text; what the peer sent before
	 * seeing it is dropped, and nothing more is read until TLS */
	evbuffer_add_buffer(bufferevent_get_output(conn->bev), conn->out);
	evbuffer_drain(conn->in, evbuffer_get_length(conn->in));
	conn->tls_pending = true;
	net_conn_update_read(conn);
	bufferevent_setwatermark(conn->bev, EV_WRITE, 0, 0);
	return 0;
}

void net_tls_switch(struct net_conn *conn)
{
	evutil_socket_t fd = fcntl(bufferevent_getfd(conn->bev), F_DUPFD_CLOEXEC, 0);
	struct bufferevent *bev = fd < 0 ? NULL : net_tls_bev_new(conn, fd);

	if (bev == NULL) {
		log_error("gateway.tls.error", "listener=%s ip=%s error=%s",
			  log_q(conn->listener->name), conn->peer_ip,
			  log_q("cannot start TLS on the connection"));
		conn->dead = true;
		return;
	}
	/* the plain bufferevent takes its unread input with it */
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	bufferevent_free(conn->bev);
	conn->bev = bev;
	conn->tls = true;
	conn->tls_pending = false;
	evbuffer_drain(conn->in, evbuffer_get_length(conn->in));
	net_conn_bev_setup(conn);
}

void net_tls_shutdown(struct net_conn *conn)
{
	SSL *ssl = bufferevent_openssl_get_ssl(conn->bev);

	if (ssl != NULL && SSL_is_init_finished(ssl))
		SSL_shutdown(ssl);
	ERR_clear_error();
}

void net_tls_log_errors(struct net_conn *conn)
{
	unsigned long e;

	while ((e = bufferevent_get_openssl_error(conn->bev)) != 0) {
		const char *reason = ERR_reason_error_string(e);

		log_debug("gateway.tls.error", "listener=%s ip=%s error=%s",
			  log_q(conn->listener->name), conn->peer_ip,
			  log_q(reason != NULL ? reason : "unknown error"));
	}
}
