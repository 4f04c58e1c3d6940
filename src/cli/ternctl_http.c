/* ternctl's blocking HTTP/1.1 client: URL, TCP, optional TLS, one
 * request with "Connection: close", and a bounded response reader
 * (Content-Length, chunked, or up to the close). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cli/ternctl_http.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define TERNCTL_IO_TIMEOUT_SECS 60
#define TERNCTL_LINE_MAX 8192
#define TERNCTL_HEADERS_MAX 100
#define TERNCTL_BODY_MAX (64 * 1024 * 1024)

struct ternctl_url {
	bool tls;
	char host[256];
	char port[6];
	/* the path part of the URL, without a trailing slash */
	size_t prefix_len;
	const char *prefix;
};

struct ternctl_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[TERNCTL_LINE_MAX];
	size_t pos, len;
	bool eof;
};

/* host[:port] or [v6]:port, from host up to end. */
static int ternctl_url_authority(const char *host, const char *end, struct ternctl_url *u)
{
	const char *port = NULL;
	size_t host_len, port_len;

	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (close == NULL || (close + 1 != end && close[1] != ':'))
			return -1;
		host_len = (size_t)(close - host - 1);
		host++;
		if (close + 1 != end)
			port = close + 2;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));

		host_len = (size_t)((colon != NULL ? colon : end) - host);
		if (colon != NULL)
			port = colon + 1;
	}
	if (host_len == 0 || host_len >= sizeof(u->host))
		return -1;
	memcpy(u->host, host, host_len);
	if (port == NULL) {
		strcpy(u->port, u->tls ? "443" : "80");
		return 0;
	}
	port_len = (size_t)(end - port);
	if (port_len == 0 || port_len >= sizeof(u->port) ||
	    strspn(port, "0123456789") != port_len)
		return -1;
	memcpy(u->port, port, port_len);
	return 0;
}

static int ternctl_url_parse(const char *url, struct ternctl_url *u, const char **error_r)
{
	const char *host, *end;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "http://", 7) == 0) {
		host = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		host = url + 8;
		u->tls = true;
	} else {
		host = NULL;
	}
	end = host != NULL ? host + strcspn(host, "/") : NULL;
	if (host == NULL || ternctl_url_authority(host, end, u) < 0) {
		*error_r = err_fmt("bad URL \"%s\" (want http://host:port or https://host:port)",
				   url);
		return -1;
	}
	u->prefix = end;
	u->prefix_len = strcspn(end, "?#");
	while (u->prefix_len > 0 && end[u->prefix_len - 1] == '/')
		u->prefix_len--;
	return 0;
}

static int ternctl_tcp_connect(const struct ternctl_url *u, int *fd_r, const char **error_r)
{
	const struct timeval tv = { TERNCTL_IO_TIMEOUT_SECS, 0 };
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int fd = -1, err, saved = 0;

	if ((err = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		*error_r = err_fmt("%s: %s", u->host, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0)) < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*error_r = err_fmt("cannot connect to %s port %s: %s", u->host, u->port,
				   strerror(saved));
		return -1;
	}
	*fd_r = fd;
	return 0;
}

static const char *ternctl_tls_error(struct ternctl_conn *c)
{
	long verify = SSL_get_verify_result(c->ssl);
	char buf[256];

	if (verify != X509_V_OK) {
		return err_fmt("TLS certificate not trusted: %s (to accept it, use --cacert "
			       "FILE or --insecure)",
			       X509_verify_cert_error_string(verify));
	}
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	return err_fmt("TLS handshake failed: %s", buf);
}

static int ternctl_tls_verify_setup(struct ternctl_conn *c, const struct ternctl_server *server,
				    const struct ternctl_url *u, const char **error_r)
{
	unsigned char ip[16];
	bool is_ip = inet_pton(AF_INET, u->host, ip) == 1 || inet_pton(AF_INET6, u->host, ip) == 1;

	if (!is_ip)
		SSL_set_tlsext_host_name(c->ssl, u->host);
	if (server->insecure)
		return 0;
	if (server->cacert != NULL ? SSL_CTX_load_verify_locations(c->ctx, server->cacert, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		*error_r = err_fmt("cannot load trusted certificates%s%s",
				   server->cacert != NULL ? " from " : "",
				   server->cacert != NULL ? server->cacert : "");
		return -1;
	}
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
	if (is_ip)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host);
	else
		SSL_set1_host(c->ssl, u->host);
	return 0;
}

static int ternctl_tls_start(struct ternctl_conn *c, const struct ternctl_server *server,
			     const struct ternctl_url *u, const char **error_r)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL) {
		*error_r = "cannot create a TLS context";
		return -1;
	}
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || ternctl_tls_verify_setup(c, server, u, error_r) < 0) {
		if (c->ssl == NULL)
			*error_r = "cannot create a TLS session";
		return -1;
	}
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_connect(c->ssl) != 1) {
		*error_r = ternctl_tls_error(c);
		return -1;
	}
	return 0;
}

static void ternctl_conn_close(struct ternctl_conn *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

static int ternctl_write_all(struct ternctl_conn *c, const char *data, size_t len,
			     const char **error_r)
{
	while (len > 0) {
		ssize_t n;

		if (c->ssl != NULL)
			n = SSL_write(c->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);
		else
			n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && c->ssl == NULL && errno == EINTR)
				continue;
			*error_r = "the connection broke while sending the request";
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads more into the buffer. Returns 0, or -1 on an error; c->eof is
 * set when the server closed the connection. */
static int ternctl_fill(struct ternctl_conn *c, const char **error_r)
{
	ssize_t n;

	if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	if (c->len == sizeof(c->buf)) {
		*error_r = "the server sent a line that is too long";
		return -1;
	}
	do {
		if (c->ssl != NULL)
			n = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len));
		else
			n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	} while (n < 0 && c->ssl == NULL && errno == EINTR);
	if (n < 0 && c->ssl == NULL) {
		*error_r = err_fmt("reading the answer: %s", strerror(errno));
		return -1;
	}
	if (n <= 0)
		c->eof = true;
	else
		c->len += (size_t)n;
	return 0;
}

/* One line without its CRLF into line (TERNCTL_LINE_MAX bytes). */
static int ternctl_read_line(struct ternctl_conn *c, char *line, const char **error_r)
{
	for (;;) {
		char *nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);

		if (nl != NULL) {
			size_t len = (size_t)(nl - (c->buf + c->pos));

			memcpy(line, c->buf + c->pos, len);
			if (len > 0 && line[len - 1] == '\r')
				len--;
			line[len] = '\0';
			c->pos += (size_t)(nl - (c->buf + c->pos)) + 1;
			return 0;
		}
		if (c->eof) {
			*error_r = "the server closed the connection mid-answer";
			return -1;
		}
		if (ternctl_fill(c, error_r) < 0)
			return -1;
	}
}

/* Appends up to len body bytes (all of them unless until_eof). */
static int ternctl_read_bytes(struct ternctl_conn *c, struct strbuf *out, size_t len,
			      bool until_eof, const char **error_r)
{
	while (len > 0) {
		size_t have = c->len - c->pos, take = have < len ? have : len;

		if (out->len + take > TERNCTL_BODY_MAX) {
			*error_r = "the answer is too large";
			return -1;
		}
		strbuf_append(out, c->buf + c->pos, take);
		c->pos += take;
		len -= take;
		if (len == 0)
			break;
		if (c->eof) {
			if (until_eof)
				return 0;
			*error_r = "the server closed the connection mid-answer";
			return -1;
		}
		if (ternctl_fill(c, error_r) < 0)
			return -1;
	}
	return 0;
}

static int ternctl_read_chunked(struct ternctl_conn *c, struct strbuf *out, const char **error_r)
{
	char line[TERNCTL_LINE_MAX];

	for (;;) {
		char *end;
		unsigned long size;

		if (ternctl_read_line(c, line, error_r) < 0)
			return -1;
		size = strtoul(line, &end, 16);
		if (end == line || size > TERNCTL_BODY_MAX) {
			*error_r = "the server sent a bad chunk";
			return -1;
		}
		if (size == 0)
			break;
		if (ternctl_read_bytes(c, out, size, false, error_r) < 0 ||
		    ternctl_read_line(c, line, error_r) < 0)
			return -1;
	}
	/* trailer fields, up to the empty line */
	do {
		if (ternctl_read_line(c, line, error_r) < 0)
			return -1;
	} while (line[0] != '\0');
	return 0;
}

struct ternctl_framing {
	bool chunked;
	bool has_length;
	size_t length;
};

static int ternctl_read_head(struct ternctl_conn *c, int *status_r,
			     struct ternctl_framing *f, const char **error_r)
{
	char line[TERNCTL_LINE_MAX];
	int n = 0;

	memset(f, 0, sizeof(*f));
	if (ternctl_read_line(c, line, error_r) < 0)
		return -1;
	if (strncmp(line, "HTTP/1.", 7) != 0 || sscanf(line + 8, " %3d", status_r) != 1) {
		*error_r = "the server did not answer in HTTP";
		return -1;
	}
	for (;;) {
		if (ternctl_read_line(c, line, error_r) < 0)
			return -1;
		if (line[0] == '\0')
			return 0;
		if (++n > TERNCTL_HEADERS_MAX) {
			*error_r = "the server sent too many header fields";
			return -1;
		}
		if (strncasecmp(line, "Content-Length:", 15) == 0) {
			f->has_length = true;
			f->length = strtoul(line + 15, NULL, 10);
		} else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
			   strcasestr(line + 18, "chunked") != NULL) {
			f->chunked = true;
		}
	}
}

static int ternctl_read_response(struct ternctl_conn *c, bool head,
				 struct ternctl_response *resp, const char **error_r)
{
	struct ternctl_framing f;
	struct strbuf body = { 0 };
	int ret;

	if (ternctl_read_head(c, &resp->status, &f, error_r) < 0)
		return -1;
	if (head || resp->status == 204 || resp->status == 304)
		ret = 0;
	else if (f.chunked)
		ret = ternctl_read_chunked(c, &body, error_r);
	else
		ret = ternctl_read_bytes(c, &body, f.has_length ? f.length : TERNCTL_BODY_MAX,
					 !f.has_length, error_r);
	if (ret < 0) {
		strbuf_free(&body);
		return -1;
	}
	resp->body_len = body.len;
	resp->body = strbuf_steal(&body);
	return 0;
}

static char *ternctl_request_head(const struct ternctl_server *server,
				  const struct ternctl_url *u, const char *method,
				  const char *path, size_t body_len, bool has_body)
{
	char *userpass = xasprintf("%s:%s", server->user, server->password);
	char *cred = base64_encode(userpass, strlen(userpass), false);
	bool v6 = strchr(u->host, ':') != NULL;
	struct strbuf b = { 0 };

	strbuf_printf(&b, "%s %.*s%s HTTP/1.1\r\n", method, (int)u->prefix_len, u->prefix,
		      path);
	strbuf_printf(&b, "Host: %s%s%s:%s\r\n", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	strbuf_printf(&b, "Authorization: Basic %s\r\n", cred);
	strbuf_puts(&b, "User-Agent: ternctl\r\nAccept: application/json\r\nConnection: close\r\n");
	if (has_body) {
		strbuf_printf(&b, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
			      body_len);
	}
	strbuf_puts(&b, "\r\n");
	explicit_bzero(userpass, strlen(userpass));
	explicit_bzero(cred, strlen(cred));
	free(userpass);
	free(cred);
	return strbuf_steal(&b);
}

static int ternctl_exchange(struct ternctl_conn *c, const struct ternctl_server *server,
			    const struct ternctl_url *u, const char *method, const char *path,
			    const char *body, struct ternctl_response *resp_r,
			    const char **error_r)
{
	size_t body_len = body != NULL ? strlen(body) : 0;
	char *head = ternctl_request_head(server, u, method, path, body_len, body != NULL);
	int ret;

	ret = ternctl_write_all(c, head, strlen(head), error_r);
	explicit_bzero(head, strlen(head));
	free(head);
	if (ret == 0 && body_len > 0)
		ret = ternctl_write_all(c, body, body_len, error_r);
	if (ret == 0)
		ret = ternctl_read_response(c, strcmp(method, "HEAD") == 0, resp_r, error_r);
	return ret;
}

int ternctl_http_url_check(const char *url, const char **error_r)
{
	struct ternctl_url u;

	return ternctl_url_parse(url, &u, error_r);
}

int ternctl_http_request(const struct ternctl_server *server, const char *method,
			 const char *path, const char *body, struct ternctl_response *resp_r,
			 const char **error_r)
{
	struct ternctl_conn *c = xcalloc(1, sizeof(*c));
	struct ternctl_url u;
	int ret = -1;

	memset(resp_r, 0, sizeof(*resp_r));
	c->fd = -1;
	if (ternctl_url_parse(server->url, &u, error_r) == 0 &&
	    ternctl_tcp_connect(&u, &c->fd, error_r) == 0 &&
	    (!u.tls || ternctl_tls_start(c, server, &u, error_r) == 0))
		ret = ternctl_exchange(c, server, &u, method, path, body, resp_r, error_r);
	ternctl_conn_close(c);
	free(c);
	return ret;
}

void ternctl_response_free(struct ternctl_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}
