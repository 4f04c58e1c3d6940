/* The outbound SMTP client's connection: a blocking socket with send
 * and receive timeouts, optionally under TLS, and the reply parser
 * (RFC 5321 §4.2: "code-text" lines then one "code text" line). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <openssl/x509v3.h>

#include "core/xalloc.h"
#include "gateways/smtp/smtp_client.h"

/* RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; be lenient. */
#define SMTP_CLIENT_LINE_MAX 4096
#define SMTP_CLIENT_LINES_MAX 128
#define SMTP_CLIENT_COMMAND_MAX 4096

struct smtp_client {
	int fd;
	int timeout;
	SSL *ssl;
	char buf[SMTP_CLIENT_LINE_MAX];
	size_t pos, len;
	char *lines[SMTP_CLIENT_LINES_MAX];
	size_t line_count;
};

static int smtp_client_sockaddr(const char *ip, int port, struct sockaddr_storage *ss,
				socklen_t *len_r)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* A non-blocking connect waited for with poll, then the socket goes
 * back to blocking with the timeout on every send and receive. */
static int smtp_client_connect_fd(int fd, const struct sockaddr_storage *ss, socklen_t len,
				  int timeout, const char **error_r)
{
	struct timeval tv = { .tv_sec = timeout };
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t err_len = sizeof(err);

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		*error_r = strerror(errno);
		return -1;
	}
	if (poll(&pfd, 1, timeout * 1000) <= 0) {
		*error_r = "connection timed out";
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0 || err != 0) {
		*error_r = err != 0 ? strerror(err) : "connection failed";
		return -1;
	}
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

struct smtp_client *smtp_client_connect(const char *ip, int port, int timeout,
					const char **error_r)
{
	struct sockaddr_storage ss;
	struct smtp_client *c;
	socklen_t len;
	int fd;

	if (smtp_client_sockaddr(ip, port, &ss, &len) < 0) {
		*error_r = "not an IP address";
		return NULL;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		*error_r = strerror(errno);
		return NULL;
	}
	if (smtp_client_connect_fd(fd, &ss, len, timeout, error_r) < 0) {
		close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->timeout = timeout;
	return c;
}

static void smtp_client_lines_clear(struct smtp_client *c)
{
	for (size_t i = 0; i < c->line_count; i++)
		free(c->lines[i]);
	c->line_count = 0;
}

void smtp_client_free(struct smtp_client **cp)
{
	struct smtp_client *c = *cp;

	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	smtp_client_lines_clear(c);
	free(c);
	*cp = NULL;
}

int smtp_client_send(struct smtp_client *c, const void *data, size_t len, const char **error_r)
{
	const char *p = data;

	while (len > 0) {
		int chunk = len > (1 << 20) ? 1 << 20 : (int)len;
		ssize_t n = c->ssl != NULL ? SSL_write(c->ssl, p, chunk) :
			    send(c->fd, p, (size_t)chunk, MSG_NOSIGNAL);

		if (n < 0 && c->ssl == NULL && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = "the connection broke or timed out while sending";
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int smtp_client_command(struct smtp_client *c, const char *fmt, ...)
{
	char line[SMTP_CLIENT_COMMAND_MAX];
	const char *error;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return -1;
	memcpy(line + n, "\r\n", 2);
	return smtp_client_send(c, line, (size_t)n + 2, &error);
}

static int smtp_client_fill(struct smtp_client *c, const char **error_r)
{
	ssize_t n;

	if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	if (c->len == sizeof(c->buf)) {
		*error_r = "the server sent a reply line that is too long";
		return -1;
	}
	do {
		n = c->ssl != NULL ? SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len)) :
		    recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	} while (n < 0 && c->ssl == NULL && errno == EINTR);
	if (n <= 0) {
		*error_r = n == 0 ? "the server closed the connection" :
			   "the connection broke or timed out";
		return -1;
	}
	c->len += (size_t)n;
	return 0;
}

/* One line without its CRLF (a bare LF is taken too): caller frees. */
static char *smtp_client_line(struct smtp_client *c, const char **error_r)
{
	for (;;) {
		char *nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);

		if (nl != NULL) {
			size_t len = (size_t)(nl - (c->buf + c->pos));
			char *line = xstrndup(c->buf + c->pos, len);

			c->pos += len + 1;
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			return line;
		}
		if (smtp_client_fill(c, error_r) < 0)
			return NULL;
	}
}

/* "250-SIZE 1000": the code, whether more lines follow, the text. */
static int smtp_client_line_parse(const char *line, int *code_r, bool *more_r,
				  const char **text_r)
{
	if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9' ||
	    (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
		return -1;
	*code_r = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more_r = line[3] == '-';
	*text_r = line[3] != '\0' ? line + 4 : line + 3;
	return 0;
}

/* "5.1.1 text": the enhanced code (RFC 3463) when the text starts with
 * one whose class matches the reply's. */
static void smtp_client_enhanced(struct smtp_reply *reply, const char *text)
{
	size_t len = strspn(text, "0123456789.");
	int dots = 0;

	for (size_t i = 0; i < len; i++)
		dots += text[i] == '.';
	if (len >= 5 && len < sizeof(reply->enhanced) && dots == 2 &&
	    text[0] == '0' + reply->code / 100 && text[1] == '.' &&
	    (text[len] == ' ' || text[len] == '\0')) {
		memcpy(reply->enhanced, text, len);
		reply->enhanced[len] = '\0';
		text += len + (text[len] == ' ');
	}
	snprintf(reply->text, sizeof(reply->text), "%s", text);
}

/* A reply's text is shown in deliveryStatus (JSON) and DSN fields:
 * printable ASCII only. */
static void smtp_client_text_clean(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p != '\0'; p++) {
		if (*p < 32 || *p > 126)
			*p = '?';
	}
}

int smtp_client_reply(struct smtp_client *c, struct smtp_reply *reply_r, const char **error_r)
{
	bool more = true;

	smtp_client_lines_clear(c);
	memset(reply_r, 0, sizeof(*reply_r));
	while (more) {
		char *line = smtp_client_line(c, error_r);
		const char *text;
		int code;

		if (line == NULL)
			return -1;
		if (smtp_client_line_parse(line, &code, &more, &text) < 0 ||
		    (c->line_count > 0 && code != reply_r->code) ||
		    c->line_count == SMTP_CLIENT_LINES_MAX) {
			free(line);
			*error_r = "the server sent a malformed reply";
			return -1;
		}
		if (c->line_count == 0) {
			reply_r->code = code;
			smtp_client_enhanced(reply_r, text);
		}
		c->lines[c->line_count++] = xstrdup(text);
		free(line);
	}
	smtp_client_text_clean(reply_r->text);
	return 0;
}

size_t smtp_client_reply_lines(const struct smtp_client *c)
{
	return c->line_count;
}

const char *smtp_client_reply_line(const struct smtp_client *c, size_t i)
{
	return i < c->line_count ? c->lines[i] : NULL;
}

static bool smtp_client_is_ip(const char *host)
{
	struct in6_addr addr;

	return inet_pton(AF_INET, host, &addr) == 1 || inet_pton(AF_INET6, host, &addr) == 1;
}

static void smtp_client_tls_verify(SSL *ssl, const char *host)
{
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	if (smtp_client_is_ip(host))
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	else
		SSL_set1_host(ssl, host);
}

int smtp_client_starttls(struct smtp_client *c, SSL_CTX *ctx, const char *host, bool verify,
			 const char **error_r)
{
	if (c->pos != c->len) {
		*error_r = "the server sent data after its STARTTLS reply";
		return -1;
	}
	if ((c->ssl = SSL_new(ctx)) == NULL) {
		*error_r = "cannot make a TLS session";
		return -1;
	}
	SSL_set_fd(c->ssl, c->fd);
	if (!smtp_client_is_ip(host))
		SSL_set_tlsext_host_name(c->ssl, host);
	if (verify)
		smtp_client_tls_verify(c->ssl, host);
	else
		SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
	if (SSL_connect(c->ssl) != 1) {
		*error_r = verify && SSL_get_verify_result(c->ssl) != X509_V_OK ?
			   "the server's certificate did not verify" : "the TLS handshake failed";
		SSL_free(c->ssl);
		c->ssl = NULL;
		return -1;
	}
	return 0;
}

bool smtp_client_is_tls(const struct smtp_client *c)
{
	return c->ssl != NULL;
}
