/* The gateways' network layer over real sockets, with a small line
 * protocol defined here: plain and implicit TLS connections, STARTTLS
 * (with plaintext injection), COMPRESS=DEFLATE, the connection limits,
 * idle timeouts, output back-pressure, wakers from another thread, a
 * stop with connections open, secure client networks, work offloaded to
 * the worker pool; and gateway_auth. Every socket is on loopback. */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <openssl/ssl.h>
#include <zlib.h>

#include "core/base64.h"
#include "core/config.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/tls_cert.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "gateways/gateway_auth.h"
#include "gateways/net.h"
#include "store/store.h"

#define BIG_CHUNK 16384
#define CLIENT_BUF 65536

/* ---- the server side: a line protocol ---- */

static struct {
	atomic_int opened, closed, wakes, timeouts, drained;
	/* offloaded work: handed over, started and finished by a worker,
	 * done, done with gone, and connections closed before their work
	 * was done */
	atomic_int offloaded, started, worked, done, gone, early_close;
	struct directory *dir;
	struct net_waker *kept;	/* a waker the test holds past its connection */
	pthread_mutex_t lock;
} stats;

struct session {
	struct net_waker *waker;
	size_t big_left;
	int woken;
	pthread_t loop_thread;
	/* SLOW ms text: work that sleeps on a worker */
	unsigned slow_ms;
	char *slow_text;	/* set while offloaded */
	bool slow_on_worker;
};

static char big_chunk[BIG_CHUNK];

static void *proto_open(struct net_conn *conn, void *context)
{
	struct session *s = xcalloc(1, sizeof(*s));

	atomic_fetch_add(&stats.opened, 1);
	s->loop_thread = pthread_self();
	net_conn_printf(conn, "HELLO %s\r\n", net_conn_listener(conn));
	return s;
}

static void big_continue(struct net_conn *conn, struct session *s)
{
	while (s->big_left > 0) {
		size_t n = s->big_left < BIG_CHUNK ? s->big_left : BIG_CHUNK;

		if (net_conn_output_full(conn))
			return;
		net_conn_write(conn, big_chunk, n);
		s->big_left -= n;
	}
	net_conn_printf(conn, "\r\nDONE\r\n");
}

static void *wake_thread(void *waker)
{
	for (int i = 0; i < 3; i++)
		net_waker_wake(waker);
	return NULL;
}

static void cmd_wake(struct net_conn *conn, struct session *s)
{
	pthread_t thread;

	if (s->waker == NULL)
		s->waker = net_conn_waker(conn);
	pthread_mutex_lock(&stats.lock);
	if (stats.kept == NULL)
		stats.kept = net_conn_waker(conn);
	pthread_mutex_unlock(&stats.lock);
	/* this loop is busy until the thread is done: the wakes coalesce */
	pthread_create(&thread, NULL, wake_thread, s->waker);
	pthread_join(thread, NULL);
}

static void cmd_login(struct net_conn *conn, const char *args)
{
	struct directory_identity id;
	char *user = xstrdup(args), *password = strchr(user, ' ');

	if (password != NULL)
		*password++ = '\0';
	net_conn_printf(conn, "LOGIN %d\r\n",
			gateway_auth_login(stats.dir, conn, "test", user,
					   password != NULL ? password : "", &id));
	free(user);
}

static void cmd_starttls(struct net_conn *conn)
{
	const char *error;

	net_conn_printf(conn, "OK begin\r\n");
	if (net_conn_starttls(conn, &error) < 0)
		net_conn_printf(conn, "NO %s\r\n", error);
}

static void cmd_compress(struct net_conn *conn)
{
	const char *error;

	net_conn_printf(conn, "OK deflate\r\n");
	if (net_conn_compress(conn, &error) < 0)
		net_conn_printf(conn, "NO %s\r\n", error);
}

static void proto_input(struct net_conn *conn, void *state);

static void slow_work(void *arg)
{
	struct session *s = arg;
	struct timespec pause = { s->slow_ms / 1000, (long)(s->slow_ms % 1000) * 1000000 };

	atomic_fetch_add(&stats.started, 1);
	nanosleep(&pause, NULL);
	s->slow_on_worker = !pthread_equal(pthread_self(), s->loop_thread);
	atomic_fetch_add(&stats.worked, 1);
}

static void slow_done(struct net_conn *conn, void *arg, bool gone)
{
	struct session *s = arg;

	atomic_fetch_add(gone ? &stats.gone : &stats.done, 1);
	if (!gone)
		net_conn_printf(conn, "SLOW %s %s\r\n", s->slow_text,
				s->slow_on_worker ? "worker" : "loop");
	free(s->slow_text);
	s->slow_text = NULL;
	/* pipelined input waited in the buffer */
	if (!gone)
		proto_input(conn, s);
}

static void cmd_slow(struct net_conn *conn, struct session *s, const char *args)
{
	char *end;

	s->slow_ms = (unsigned)strtoul(args, &end, 10);
	s->slow_text = xstrdup(*end == ' ' ? end + 1 : "");
	atomic_fetch_add(&stats.offloaded, 1);
	net_conn_offload(conn, slow_work, slow_done, s);
}

/* Returns false when the protocol must read no further this time. */
static bool proto_line(struct net_conn *conn, struct session *s, const char *line)
{
	if (strncmp(line, "ECHO ", 5) == 0) {
		net_conn_printf(conn, "%s\r\n", line + 5);
	} else if (strcmp(line, "INFO") == 0) {
		net_conn_printf(conn, "tls=%d compressed=%d loopback=%d secure=%d starttls=%d "
				"plain=%d\r\n", net_conn_is_tls(conn), net_conn_is_compressed(conn),
				net_conn_is_loopback(conn), net_conn_is_secure_network(conn),
				net_conn_can_starttls(conn), gateway_auth_plaintext_ok(conn, false));
	} else if (strcmp(line, "STARTTLS") == 0) {
		cmd_starttls(conn);
		return false;
	} else if (strcmp(line, "COMPRESS") == 0) {
		cmd_compress(conn);
		return false;
	} else if (strncmp(line, "TIMEOUT ", 8) == 0) {
		net_conn_set_timeout(conn, (unsigned)atoi(line + 8));
		net_conn_printf(conn, "OK\r\n");
	} else if (strncmp(line, "BIG ", 4) == 0) {
		s->big_left = strtoul(line + 4, NULL, 10);
		big_continue(conn, s);
		return false;
	} else if (strcmp(line, "WAKE") == 0) {
		cmd_wake(conn, s);
	} else if (strncmp(line, "SLOW ", 5) == 0) {
		cmd_slow(conn, s, line + 5);
		return false;
	} else if (strncmp(line, "LOGIN ", 6) == 0) {
		cmd_login(conn, line + 6);
	} else if (strcmp(line, "QUIT") == 0) {
		net_conn_printf(conn, "BYE\r\n");
		net_conn_close(conn);
		return false;
	} else {
		net_conn_printf(conn, "BAD\r\n");
	}
	return true;
}

static void proto_input(struct net_conn *conn, void *state)
{
	struct session *s = state;
	char *line;
	bool more = s->big_left == 0;

	while (more && (line = evbuffer_readln(net_conn_input(conn), NULL,
					       EVBUFFER_EOL_CRLF_STRICT)) != NULL) {
		more = proto_line(conn, s, line);
		free(line);
	}
}

static void proto_drained(struct net_conn *conn, void *state)
{
	struct session *s = state;

	atomic_fetch_add(&stats.drained, 1);
	if (s->big_left > 0) {
		big_continue(conn, s);
		if (s->big_left == 0)
			proto_input(conn, state);
	}
}

static void proto_wake(struct net_conn *conn, void *state)
{
	struct session *s = state;

	atomic_fetch_add(&stats.wakes, 1);
	net_conn_printf(conn, "WOKEN %d\r\n", ++s->woken);
}

static void proto_timeout(struct net_conn *conn, void *state)
{
	atomic_fetch_add(&stats.timeouts, 1);
	net_conn_printf(conn, "TIMEOUT\r\n");
}

static void proto_close(struct net_conn *conn, void *state)
{
	struct session *s = state;

	if (s->slow_text != NULL)
		atomic_fetch_add(&stats.early_close, 1);
	net_waker_release(&s->waker);
	free(s);
	atomic_fetch_add(&stats.closed, 1);
}

static const struct net_protocol test_protocol = {
	.name = "imap",
	.open = proto_open,
	.input = proto_input,
	.drained = proto_drained,
	.wake = proto_wake,
	.timeout = proto_timeout,
	.close = proto_close,
};

/* ---- the environment: a certificate, ports, a running net ---- */

struct env {
	char *dir;
	char *cert, *key;
	uint16_t plain_port, tls_port;
	struct config *cfg;
	struct net *net;
	struct store *store;
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static uint16_t free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* Starts net on fresh ports, with settings of the authentication group
 * (auth, "" for none); a port taken meanwhile means another try. */
static unsigned env_workers = 8;

static void env_start_auth(struct env *env, unsigned max_total, unsigned max_per_ip,
			   const char *auth)
{
	const char *error = NULL;
	const struct net_protocol *protocols[] = { &test_protocol, NULL };

	for (int attempt = 0; attempt < 5 && env->net == NULL; attempt++) {
		char *text;

		config_free(&env->cfg);
		env->plain_port = free_port();
		env->tls_port = free_port();
		text = xasprintf("server = { gateway = { threads = 2; workers = %u;\n"
				 "  max-connections = %u; max-connections-per-ip = %u; };\n"
				 " listener = {\n"
				 "  plain = { bind = \"127.0.0.1:%u\"; protocol = \"imap\"; };\n"
				 "  secure = { bind = [ \"127.0.0.1:%u\" ]; protocol = \"imap\";\n"
				 "    tls = { implicit = true; }; };\n"
				 "  mail = { bind = \"127.0.0.1:%u\"; protocol = \"smtp\"; };\n"
				 "  web = { bind = \"127.0.0.1:%u\"; protocol = \"http\"; };\n"
				 " }; };\n"
				 "authentication = { %s };\n", env_workers, max_total, max_per_ip,
				 env->plain_port,
				 env->tls_port, free_port(), free_port(), auth);
		env->cfg = config_load_string(text, "test", &error);
		free(text);
		if (env->cfg == NULL)
			fail_msg("config: %s", error);
		if (net_start(env->cfg, env->cert, env->key, protocols, &env->net, &error) < 0 &&
		    strstr(error, "in use") == NULL)
			fail_msg("net_start: %s", error);
	}
	assert_non_null(env->net);
}

static void env_start(struct env *env, unsigned max_total, unsigned max_per_ip)
{
	env_start_auth(env, max_total, max_per_ip, "");
}

static struct env *group_env;

static int group_setup(void **state)
{
	const char *tmp = getenv("TERN_TEST_TMP");
	const char *error = NULL;
	int generated;

	group_env = xcalloc(1, sizeof(*group_env));
	group_env->dir = xasprintf("%s/test_net.XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(group_env->dir));
	group_env->cert = xasprintf("%s/cert.pem", group_env->dir);
	group_env->key = xasprintf("%s/key.pem", group_env->dir);
	if (tls_cert_ensure_self_signed(group_env->cert, group_env->key, "localhost", &generated,
					&error) < 0)
		fail_msg("certificate: %s", error);
	return 0;
}

static int group_teardown(void **state)
{
	nftw(group_env->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(group_env->cert);
	free(group_env->key);
	free(group_env->dir);
	free(group_env);
	return 0;
}

static int setup(void **state)
{
	atomic_store(&stats.opened, 0);
	atomic_store(&stats.closed, 0);
	atomic_store(&stats.wakes, 0);
	atomic_store(&stats.timeouts, 0);
	atomic_store(&stats.drained, 0);
	atomic_store(&stats.offloaded, 0);
	atomic_store(&stats.started, 0);
	atomic_store(&stats.worked, 0);
	atomic_store(&stats.done, 0);
	atomic_store(&stats.gone, 0);
	atomic_store(&stats.early_close, 0);
	env_workers = 8;
	*state = group_env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;

	net_stop(&env->net);
	directory_close(&stats.dir);
	store_close(&env->store);
	net_waker_release(&stats.kept);
	config_free(&env->cfg);
	return 0;
}

/* Waits up to 3 s for a counter the loops update. */
static void wait_for(atomic_int *counter, int want)
{
	const struct timespec pause = { 0, 5 * 1000 * 1000 };

	for (int i = 0; i < 600 && atomic_load(counter) != want; i++)
		nanosleep(&pause, NULL);
	assert_int_equal(atomic_load(counter), want);
}

/* ---- the client side ---- */

struct client {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	bool deflate;
	z_stream zin, zout;
	char buf[CLIENT_BUF];
	size_t len;
	unsigned char raw[4096];	/* received, not yet inflated */
	size_t raw_len;
};

static struct client *client_connect_from(const char *to, uint16_t port, const char *from)
{
	struct client *c = xcalloc(1, sizeof(*c));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 3, 0 };

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (from != NULL) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		inet_pton(AF_INET, from, &src.sin_addr);
		assert_int_equal(bind(c->fd, (struct sockaddr *)&src, sizeof(src)), 0);
	}
	inet_pton(AF_INET, to, &sin.sin_addr);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return c;
}

static struct client *client_connect(uint16_t port)
{
	return client_connect_from("127.0.0.1", port, NULL);
}

static void client_tls(struct client *c)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	assert_int_equal(SSL_connect(c->ssl), 1);
}

static void client_deflate(struct client *c)
{
	assert_int_equal(deflateInit2(&c->zout, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	assert_int_equal(inflateInit2(&c->zin, -15), Z_OK);
	c->deflate = true;
}

static void client_close(struct client **_c)
{
	struct client *c = *_c;

	*_c = NULL;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->deflate) {
		deflateEnd(&c->zout);
		inflateEnd(&c->zin);
	}
	close(c->fd);
	free(c);
}

static ssize_t client_recv(struct client *c, void *buf, size_t n)
{
	if (c->ssl != NULL)
		return SSL_read(c->ssl, buf, (int)n);
	return recv(c->fd, buf, n, 0);
}

static void client_send_raw(struct client *c, const void *data, size_t len)
{
	if (c->ssl != NULL)
		assert_int_equal(SSL_write(c->ssl, data, (int)len), (int)len);
	else
		assert_int_equal(send(c->fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void client_send(struct client *c, const char *text)
{
	unsigned char out[CLIENT_BUF];

	if (!c->deflate) {
		client_send_raw(c, text, strlen(text));
		return;
	}
	c->zout.next_in = (unsigned char *)text;
	c->zout.avail_in = (uInt)strlen(text);
	c->zout.next_out = out;
	c->zout.avail_out = sizeof(out);
	assert_int_equal(deflate(&c->zout, Z_SYNC_FLUSH), Z_OK);
	client_send_raw(c, out, sizeof(out) - c->zout.avail_out);
}

/* Inflates what c->raw holds into c->buf; returns the bytes made. */
static size_t client_inflate(struct client *c)
{
	size_t before = c->len;

	c->zin.next_in = c->raw;
	c->zin.avail_in = (uInt)c->raw_len;
	c->zin.next_out = (unsigned char *)c->buf + c->len;
	c->zin.avail_out = (uInt)(sizeof(c->buf) - c->len);
	assert_int_equal(inflate(&c->zin, Z_SYNC_FLUSH), Z_OK);
	memmove(c->raw, c->zin.next_in, c->zin.avail_in);
	c->raw_len = c->zin.avail_in;
	c->len = sizeof(c->buf) - c->zin.avail_out;
	return c->len - before;
}

/* More decoded bytes in c->buf; false on end of stream or timeout. */
static bool client_fill(struct client *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return false;
	if (!c->deflate) {
		n = client_recv(c, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n <= 0)
			return false;
		c->len += (size_t)n;
		return true;
	}
	while (c->raw_len == 0 || client_inflate(c) == 0) {
		n = client_recv(c, c->raw + c->raw_len, sizeof(c->raw) - c->raw_len);
		if (n <= 0)
			return false;
		c->raw_len += (size_t)n;
	}
	return true;
}

/* The next line without its CRLF (caller frees), NULL at the end. */
static char *client_line(struct client *c)
{
	char *eol, *line;

	while ((eol = memmem(c->buf, c->len, "\r\n", 2)) == NULL) {
		if (!client_fill(c))
			return NULL;
	}
	line = xstrndup(c->buf, (size_t)(eol - c->buf));
	c->len -= (size_t)(eol + 2 - c->buf);
	memmove(c->buf, eol + 2, c->len);
	return line;
}

static void client_expect(struct client *c, const char *want)
{
	char *line = client_line(c);

	if (line == NULL)
		fail_msg("expected \"%s\", got the end of the stream", want);
	assert_string_equal(line, want);
	free(line);
}

static void client_expect_end(struct client *c)
{
	char *line = client_line(c);

	if (line != NULL)
		fail_msg("expected the end of the stream, got \"%s\"", line);
}

/* n bytes of 'x', then a CRLF and DONE. */
static void client_expect_big(struct client *c, size_t n)
{
	while (n > 0) {
		size_t take, i;

		if (c->len == 0)
			assert_true(client_fill(c));
		take = c->len < n ? c->len : n;
		for (i = 0; i < take && c->buf[i] == 'x'; i++)
			;
		assert_int_equal(i, take);
		c->len -= take;
		memmove(c->buf, c->buf + take, c->len);
		n -= take;
	}
	client_expect(c, "");
	client_expect(c, "DONE");
}

/* ---- tests ---- */

static void test_plain(void **state)
{
	struct env *env = *state;
	struct client *c;
	const char *bytes = "ECHO one byte at a time\r\n";

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_send(c, "ECHO a\r\nECHO b\r\nINFO\r\n");
	client_expect(c, "a");
	client_expect(c, "b");
	client_expect(c, "tls=0 compressed=0 loopback=1 secure=1 starttls=1 plain=1");
	for (size_t i = 0; bytes[i] != '\0'; i++)
		client_send_raw(c, bytes + i, 1);
	client_expect(c, "one byte at a time");
	client_send(c, "QUIT\r\nECHO never\r\n");
	client_expect(c, "BYE");
	client_expect_end(c);
	client_close(&c);
	wait_for(&stats.closed, 1);
	assert_int_equal(atomic_load(&stats.opened), 1);
}

static void test_implicit_tls(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start(env, 100, 10);
	c = client_connect(env->tls_port);
	client_tls(c);
	client_expect(c, "HELLO secure");
	client_send(c, "INFO\r\nSTARTTLS\r\n");
	client_expect(c, "tls=1 compressed=0 loopback=1 secure=1 starttls=0 plain=1");
	client_expect(c, "OK begin");
	client_expect(c, "NO TLS is already active");
	client_send(c, "QUIT\r\n");
	client_expect(c, "BYE");
	client_expect_end(c);
	client_close(&c);
	wait_for(&stats.closed, 1);
}

static void test_starttls(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	/* a command injected after STARTTLS in the same packet is dropped */
	client_send(c, "STARTTLS\r\nECHO injected\r\n");
	client_expect(c, "OK begin");
	client_tls(c);
	client_send(c, "ECHO after\r\nINFO\r\n");
	client_expect(c, "after");
	client_expect(c, "tls=1 compressed=0 loopback=1 secure=1 starttls=0 plain=1");
	client_close(&c);
	wait_for(&stats.closed, 1);
}

static void test_compress(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start(env, 100, 10);
	c = client_connect(env->tls_port);
	client_tls(c);
	client_expect(c, "HELLO secure");
	client_send(c, "COMPRESS\r\n");
	client_expect(c, "OK deflate");
	client_deflate(c);
	client_send(c, "ECHO hello\r\nINFO\r\n");
	client_expect(c, "hello");
	client_expect(c, "tls=1 compressed=1 loopback=1 secure=1 starttls=0 plain=1");
	client_send(c, "COMPRESS\r\n");
	client_expect(c, "OK deflate");
	client_expect(c, "NO compression is already active");
	client_send(c, "BIG 3000000\r\n");
	client_expect_big(c, 3000000);
	client_send(c, "QUIT\r\n");
	client_expect(c, "BYE");
	client_close(&c);
	wait_for(&stats.closed, 1);
}

static void test_backpressure(void **state)
{
	struct env *env = *state;
	const struct timespec pause = { 0, 200 * 1000 * 1000 };
	struct client *c;

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	/* commands sent while the reply is stuck wait their turn */
	client_send(c, "BIG 8000000\r\nECHO next\r\n");
	nanosleep(&pause, NULL);
	client_expect_big(c, 8000000);
	client_expect(c, "next");
	assert_true(atomic_load(&stats.drained) > 0);
	client_close(&c);
	wait_for(&stats.closed, 1);
}

static void test_limits(void **state)
{
	struct env *env = *state;
	struct client *a1, *a2, *a3, *b1, *b2;

	env_start(env, 3, 2);
	a1 = client_connect(env->plain_port);
	client_expect(a1, "HELLO plain");
	a2 = client_connect(env->tls_port);
	client_tls(a2);
	client_expect(a2, "HELLO secure");
	/* a third from 127.0.0.1: over the per-IP limit */
	a3 = client_connect(env->plain_port);
	client_expect_end(a3);
	client_close(&a3);
	/* another address is fine, up to the total */
	b1 = client_connect_from("127.0.0.1", env->plain_port, "127.0.0.2");
	client_expect(b1, "HELLO plain");
	b2 = client_connect_from("127.0.0.1", env->plain_port, "127.0.0.2");
	client_expect_end(b2);
	client_close(&b2);
	/* room again once one has gone */
	client_close(&a1);
	wait_for(&stats.closed, 1);
	a1 = client_connect(env->plain_port);
	client_expect(a1, "HELLO plain");
	client_close(&a1);
	client_close(&a2);
	client_close(&b1);
	wait_for(&stats.closed, 4);
	assert_int_equal(atomic_load(&stats.opened), 4);
}

/* An idle peer gets timeout() and is closed; one that stops reading is
 * dropped by the same timeout; one without a timeout stays. */
static void test_timeout(void **state)
{
	struct env *env = *state;
	struct client *c, *stuck, *idle;
	int small = 4096;

	env_start(env, 100, 10);
	c = client_connect(env->tls_port);
	stuck = client_connect(env->plain_port);
	idle = client_connect(env->plain_port);
	setsockopt(stuck->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	client_tls(c);
	client_expect(c, "HELLO secure");
	client_expect(stuck, "HELLO plain");
	client_expect(idle, "HELLO plain");
	client_send(idle, "TIMEOUT 0\r\n");
	client_expect(idle, "OK");
	client_send(c, "TIMEOUT 1\r\n");
	client_send(stuck, "TIMEOUT 1\r\nBIG 50000000\r\n");
	client_expect(c, "OK");
	client_expect(c, "TIMEOUT");
	client_expect_end(c);
	client_close(&c);
	wait_for(&stats.closed, 2);
	assert_int_equal(atomic_load(&stats.timeouts), 1);
	client_close(&stuck);
	client_send(idle, "ECHO alive\r\n");
	client_expect(idle, "alive");
	client_close(&idle);
}

/* A failed handshake: no open(), no close(), the address's slot free. */
static void test_tls_garbage(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start(env, 100, 1);
	c = client_connect(env->tls_port);
	client_send(c, "HELLO THERE, THIS IS NOT TLS\r\n\r\n");
	client_expect_end(c);
	client_close(&c);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_close(&c);
	wait_for(&stats.closed, 1);
	assert_int_equal(atomic_load(&stats.opened), 1);
}

static void test_waker(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_send(c, "WAKE\r\n");
	client_expect(c, "WOKEN 1");
	/* three wakes, one call: nothing more comes before the echo */
	client_send(c, "ECHO after\r\n");
	client_expect(c, "after");
	client_send(c, "WAKE\r\n");
	client_expect(c, "WOKEN 2");
	client_send(c, "QUIT\r\n");
	client_expect(c, "BYE");
	client_close(&c);
	wait_for(&stats.closed, 1);
	assert_int_equal(atomic_load(&stats.wakes), 2);
	/* the test's own reference outlived the connection: a no-op now */
	net_waker_wake(stats.kept);
	net_waker_release(&stats.kept);
	assert_null(stats.kept);
}

static void test_stop_with_connections(void **state)
{
	struct env *env = *state;
	struct client *c[3];

	env_start(env, 100, 10);
	c[0] = client_connect(env->plain_port);
	c[1] = client_connect(env->plain_port);
	c[2] = client_connect(env->tls_port);
	client_tls(c[2]);
	client_expect(c[0], "HELLO plain");
	client_expect(c[1], "HELLO plain");
	client_expect(c[2], "HELLO secure");
	client_send(c[1], "WAKE\r\n");
	client_expect(c[1], "WOKEN 1");
	net_stop(&env->net);
	assert_int_equal(atomic_load(&stats.closed), 3);
	for (size_t i = 0; i < 3; i++) {
		client_expect_end(c[i]);
		client_close(&c[i]);
	}
	net_waker_wake(stats.kept);
}

/* Passwords without TLS only from secure networks: here a list that
 * leaves 127.0.0.1 out, so that loopback stands for a remote client. */
static void test_secure_networks(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start_auth(env, 100, 10, "secure-networks = [ \"127.0.0.2\", \"192.0.2.0/24\" ];");
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_send(c, "INFO\r\nSTARTTLS\r\n");
	client_expect(c, "tls=0 compressed=0 loopback=1 secure=0 starttls=1 plain=0");
	client_expect(c, "OK begin");
	client_tls(c);
	client_send(c, "INFO\r\n");
	client_expect(c, "tls=1 compressed=0 loopback=1 secure=0 starttls=0 plain=1");
	client_close(&c);
	c = client_connect_from("127.0.0.1", env->plain_port, "127.0.0.2");
	client_expect(c, "HELLO plain");
	client_send(c, "INFO\r\n");
	client_expect(c, "tls=0 compressed=0 loopback=1 secure=1 starttls=1 plain=1");
	client_close(&c);
	net_stop(&env->net);
	/* an empty list: TLS from everyone */
	env_start_auth(env, 100, 10, "secure-networks = [ ];");
	c = client_connect_from("127.0.0.1", env->plain_port, "127.0.0.2");
	client_expect(c, "HELLO plain");
	client_send(c, "INFO\r\n");
	client_expect(c, "tls=0 compressed=0 loopback=1 secure=0 starttls=1 plain=0");
	client_close(&c);
}

/* An IPv6 listener and client, when the machine has ::1. */
static void test_ipv6(void **state)
{
	struct env *env = *state;
	const struct net_protocol *protocols[] = { &test_protocol, NULL };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sin6);
	struct timeval tv = { 3, 0 };
	const char *error = NULL;
	struct client *c = xcalloc(1, sizeof(*c));
	char *text;

	c->fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
	    getsockname(c->fd, (struct sockaddr *)&sin6, &len) < 0) {
		client_close(&c);
		skip();
	}
	close(c->fd);
	text = xasprintf("server = { listener = { six = { bind = \"[::1]:%u\";\n"
			 " protocol = \"imap\"; }; }; };", ntohs(sin6.sin6_port));
	env->cfg = config_load_string(text, "test", &error);
	free(text);
	assert_non_null(env->cfg);
	if (net_start(env->cfg, NULL, NULL, protocols, &env->net, &error) < 0)
		fail_msg("net_start: %s", error);
	c->fd = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	client_expect(c, "HELLO six");
	client_send(c, "INFO\r\n");
	client_expect(c, "tls=0 compressed=0 loopback=1 secure=1 starttls=0 plain=1");
	client_close(&c);
}

static void start_too_many_secure_networks(void)
{
	const struct net_protocol *protocols[] = { &test_protocol, NULL };
	const char *error = NULL;
	struct strbuf text = { 0 };
	struct net *net = NULL;
	struct config *cfg;

	strbuf_puts(&text, "authentication = { secure-networks = [ \"::1\"");
	for (int i = 0; i < 300; i++)
		strbuf_puts(&text, ", \"127.0.0.1\"");
	strbuf_puts(&text, " ]; };");
	cfg = config_load_string(text.s, "test", &error);
	strbuf_free(&text);
	assert_non_null(cfg);
	assert_int_equal(net_start(cfg, NULL, NULL, protocols, &net, &error), -1);
	assert_null(net);
	assert_non_null(strstr(error, "authentication.secure-networks"));
	config_free(&cfg);
}

static void test_start_errors(void **state)
{
	struct env *env = *state;
	const struct net_protocol *protocols[] = { &test_protocol, NULL };
	const char *error = NULL;
	struct config *cfg;
	char *text;

	env_start(env, 100, 10);
	/* the port is taken by the running net */
	text = xasprintf("server = { listener = { again = { bind = \"127.0.0.1:%u\";\n"
			 " protocol = \"imap\"; }; }; };", env->plain_port);
	cfg = config_load_string(text, "test", &error);
	free(text);
	assert_non_null(cfg);
	assert_int_equal(net_start(cfg, NULL, NULL, protocols, &env->net, &error), -1);
	assert_non_null(strstr(error, "listener again"));
	config_free(&cfg);
	/* implicit TLS without a certificate */
	cfg = config_load_string("server = { listener = { s = { bind = \"127.0.0.1:1\";\n"
				 " protocol = \"imap\"; tls = { implicit = true; }; }; }; };",
				 "test", &error);
	assert_non_null(cfg);
	assert_int_equal(net_start(cfg, NULL, NULL, protocols, &env->net, &error), -1);
	assert_non_null(strstr(error, "certificate"));
	config_free(&cfg);
	start_too_many_secure_networks();
	assert_non_null(env->net);
}

/* ---- gateway_auth ---- */

static void assert_plain(const char *raw, size_t len, const char *name, const char *password)
{
	char *b64 = base64_encode(raw, len, false);
	char *n = NULL, *p = NULL;
	int ret = gateway_sasl_plain_decode(b64, strlen(b64), &n, &p);

	free(b64);
	if (name == NULL) {
		assert_int_equal(ret, -1);
		return;
	}
	assert_int_equal(ret, 0);
	assert_string_equal(n, name);
	assert_string_equal(p, password);
	free(n);
	free(p);
}

static void test_sasl_plain(void **state)
{
	char *long_name = xcalloc(1, 1100);

	assert_plain("\0alice\0secret", 13, "alice", "secret");
	assert_plain("alice\0alice\0secret", 18, "alice", "secret");
	assert_plain("bob\0alice\0secret", 16, NULL, NULL);
	assert_plain("\0alice\0", 7, NULL, NULL);
	assert_plain("\0\0secret", 8, NULL, NULL);
	assert_plain("alice\0secret", 12, NULL, NULL);
	assert_plain("\0alice\0sec\0ret", 14, NULL, NULL);
	long_name[0] = '\0';
	memset(long_name + 1, 'a', 1030);
	long_name[1031] = '\0';
	memcpy(long_name + 1032, "pw", 2);
	assert_plain(long_name, 1034, NULL, NULL);
	free(long_name);
	{
		char *n = NULL, *p = NULL;

		assert_int_equal(gateway_sasl_plain_decode("=", 1, &n, &p), -1);
		assert_int_equal(gateway_sasl_plain_decode("not base64!", 11, &n, &p), -1);
		assert_int_equal(gateway_sasl_plain_decode("", 0, &n, &p), -1);
	}
}

static void directory_with_user(struct env *env)
{
	const char *error = NULL;
	struct config *cfg = config_load_string(
		"authentication = { fallback-admin = { user = \"root\"; secret = \"root pw\"; }; };",
		"test", &error);
	struct store_principal *p = xcalloc(1, sizeof(*p));
	char *generated = NULL;
	int status = 0;

	assert_non_null(cfg);
	if (store_open(env->dir, &env->store, &error) < 0)
		fail_msg("store_open: %s", error);
	if (directory_open(env->store, cfg, &stats.dir, &generated, &error) < 0)
		fail_msg("directory_open: %s", error);
	config_free(&cfg);
	free(generated);
	p->type = STORE_PRINCIPAL_INDIVIDUAL;
	p->name = xstrdup("alice");
	p->secrets = xcalloc(2, sizeof(*p->secrets));
	/* bcrypt cost 5 of "tern-secret": cheap to verify */
	p->secrets[0] = xstrdup("$2b$05$abcdefghijklmnopqrstuuAXng/FTobnphWGmvN.JvzvrXquQFJPy");
	p->secret_count = 1;
	if (directory_principal_create(stats.dir, p, &status, &error) < 0)
		fail_msg("create: %d %s", status, error);
	store_principal_free(&p);
}

static void expect_login(struct client *c, const char *command, enum gateway_auth_result want)
{
	char *line = xasprintf("LOGIN %d", want);

	client_send(c, command);
	client_expect(c, line);
	free(line);
}

static void test_auth_login(void **state)
{
	struct env *env = *state;
	struct client *c;

	directory_with_user(env);
	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	expect_login(c, "LOGIN alice tern-secret\r\n", GATEWAY_AUTH_OK);
	expect_login(c, "LOGIN alice wrong\r\n", GATEWAY_AUTH_FAILED);
	/* the right password of an admin still does not log in */
	expect_login(c, "LOGIN root root pw\r\n", GATEWAY_AUTH_REFUSED);
	client_close(&c);
}

/* ---- offloaded work ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Work runs on a worker; pipelined commands wait for its done and are
 * answered in order. */
static void test_offload_pipelined(void **state)
{
	struct env *env = *state;
	struct client *c;

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_send(c, "SLOW 50 a\r\nECHO b\r\nSLOW 0 c\r\nSLOW 20 d\r\nECHO e\r\n");
	client_expect(c, "SLOW a worker");
	client_expect(c, "b");
	client_expect(c, "SLOW c worker");
	client_expect(c, "SLOW d worker");
	client_expect(c, "e");
	/* and over TLS, the input arriving a byte at a time meanwhile */
	client_send(c, "QUIT\r\n");
	client_expect(c, "BYE");
	client_close(&c);
	c = client_connect(env->tls_port);
	client_tls(c);
	client_expect(c, "HELLO secure");
	client_send(c, "SLOW 100 tls\r\n");
	for (const char *p = "ECHO after\r\n"; *p != '\0'; p++)
		client_send_raw(c, p, 1);
	client_expect(c, "SLOW tls worker");
	client_expect(c, "after");
	client_close(&c);
	wait_for(&stats.closed, 2);
	assert_int_equal(atomic_load(&stats.done), 4);
	assert_int_equal(atomic_load(&stats.gone), 0);
}

/* A loop serves other connections while their work runs: eight slow
 * commands on two loops take about the time of one (four, were the
 * loops to run them). */
static void test_offload_parallel(void **state)
{
	struct env *env = *state;
	struct client *c[8];
	double t0;

	env_start(env, 100, 10);
	for (size_t i = 0; i < 8; i++) {
		c[i] = client_connect(env->plain_port);
		client_expect(c[i], "HELLO plain");
	}
	t0 = now_s();
	for (size_t i = 0; i < 8; i++)
		client_send(c[i], "SLOW 600 p\r\nECHO q\r\n");
	for (size_t i = 0; i < 8; i++) {
		client_expect(c[i], "SLOW p worker");
		client_expect(c[i], "q");
	}
	assert_true(now_s() - t0 < 2.0);
	for (size_t i = 0; i < 8; i++)
		client_close(&c[i]);
	wait_for(&stats.closed, 8);
}

/* The idle timeout does not fire during the work; it starts over once
 * the work is done. */
static void test_offload_timeout(void **state)
{
	struct env *env = *state;
	struct client *c;
	double t0;

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_send(c, "TIMEOUT 1\r\nSLOW 1500 long\r\n");
	client_expect(c, "OK");
	client_expect(c, "SLOW long worker");
	t0 = now_s();
	client_expect(c, "TIMEOUT");
	assert_true(now_s() - t0 > 0.5);
	client_expect_end(c);
	client_close(&c);
	wait_for(&stats.closed, 1);
	assert_int_equal(atomic_load(&stats.timeouts), 1);
}

/* A peer that leaves while its work runs: the connection is freed only
 * after done. One that half-closes still gets every answer. */
static void test_offload_peer_gone(void **state)
{
	struct env *env = *state;
	struct client *c, *half;
	struct linger reset = { 1, 0 };

	env_start(env, 100, 10);
	c = client_connect(env->plain_port);
	half = client_connect(env->plain_port);
	client_expect(c, "HELLO plain");
	client_expect(half, "HELLO plain");
	client_send(c, "SLOW 300 x\r\nECHO y\r\n");
	client_send(half, "SLOW 300 h\r\nECHO i\r\nQUIT\r\n");
	shutdown(half->fd, SHUT_WR);
	wait_for(&stats.offloaded, 2);
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	client_close(&c);
	client_expect(half, "SLOW h worker");
	client_expect(half, "i");
	client_expect(half, "BYE");
	client_expect_end(half);
	client_close(&half);
	wait_for(&stats.closed, 2);
	assert_int_equal(atomic_load(&stats.done) + atomic_load(&stats.gone), 2);
	assert_int_equal(atomic_load(&stats.early_close), 0);
}

/* net_stop with work under way and work queued behind it (two workers,
 * four jobs): the running work ends, the queued is cancelled, every
 * done is told gone before close. */
static void test_offload_stop(void **state)
{
	struct env *env = *state;
	struct client *c[4];

	env_workers = 2;
	env_start(env, 100, 10);
	for (size_t i = 0; i < 4; i++) {
		c[i] = client_connect(env->plain_port);
		client_expect(c[i], "HELLO plain");
		client_send(c[i], "SLOW 500 s\r\n");
	}
	wait_for(&stats.offloaded, 4);
	wait_for(&stats.started, 2);
	net_stop(&env->net);
	assert_int_equal(atomic_load(&stats.gone), 4);
	assert_int_equal(atomic_load(&stats.done), 0);
	assert_int_equal(atomic_load(&stats.worked), 2);
	assert_int_equal(atomic_load(&stats.closed), 4);
	assert_int_equal(atomic_load(&stats.early_close), 0);
	for (size_t i = 0; i < 4; i++) {
		client_expect_end(c[i]);
		client_close(&c[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_implicit_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_starttls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
		cmocka_unit_test(test_sasl_plain),
		cmocka_unit_test_setup_teardown(test_auth_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_parallel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_peer_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_stop, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	memset(big_chunk, 'x', sizeof(big_chunk));
	pthread_mutex_init(&stats.lock, NULL);
	log_set_level(LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
