/* The network source: libunbound, with a deadline on every lookup.
 *
 * One ub_ctx serves every thread (its cache is shared). Queries go out
 * with ub_resolve_async; the waiting threads take turns polling ub_fd
 * and running ub_process, whose callbacks mark the query they answer
 * done and wake its owner. Every ub_* call happens under one mutex, so
 * that a query's callback can never race its cancellation. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dns/dns_private.h"

#define DNS_UNBOUND_TRUST_ANCHOR "/usr/share/dns/root.key"
/* The longest one thread sleeps before it looks at its query again. */
#define DNS_UNBOUND_SLICE_MS 100
#define DNS_UNBOUND_FORWARDER_MAX 64

struct dns_unbound {
	struct ub_ctx *ctx;
	int fd;
	unsigned timeout_ms;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pumping;		/* a thread is polling fd for everyone */
};

struct dns_unbound_query {
	bool done;
	int err;
	struct ub_result *result;
};

static int64_t dns_unbound_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "addr", "addr@port", "v4:port", "[v6]:port" -> unbound's "addr@port". */
static int dns_unbound_forwarder(const char *text, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *colon = strchr(text, ':');
	unsigned char bin[16];
	size_t hlen;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		hlen = (size_t)(end - text - 1);
		text++;
		port = end[1] == ':' ? end + 2 : NULL;
	} else if (strchr(text, '@') != NULL) {
		hlen = (size_t)(strchr(text, '@') - text);
		port = text + hlen + 1;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		hlen = (size_t)(colon - text);
		port = colon + 1;
	} else {
		hlen = strlen(text);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, bin) != 1 && inet_pton(AF_INET6, host, bin) != 1)
		return -1;
	if (port != NULL && (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) ||
			     atoi(port) < 1 || atoi(port) > 65535))
		return -1;
	snprintf(out, size, "%s%s%s", host, port != NULL ? "@" : "", port != NULL ? port : "");
	return 0;
}

static int dns_unbound_set_forwarders(struct ub_ctx *ctx, const struct config *cfg,
				      const char **error_r)
{
	size_t count = config_list_count(cfg, "resolver.forwarders");
	int ret;

	if (count > DNS_UNBOUND_FORWARDER_MAX) {
		*error_r = "resolver.forwarders: too many servers";
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		const char *text = config_list_string(cfg, "resolver.forwarders", i);
		char addr[INET6_ADDRSTRLEN + 8];

		if (dns_unbound_forwarder(text, addr, sizeof(addr)) < 0) {
			*error_r = err_fmt("resolver.forwarders: not an address: %s", text);
			return -1;
		}
		if ((ret = ub_ctx_set_fwd(ctx, addr)) != 0) {
			*error_r = err_fmt("resolver.forwarders: %s: %s", text, ub_strerror(ret));
			return -1;
		}
	}
	if (count == 0 && (ret = ub_ctx_resolvconf(ctx, NULL)) != 0)
		log_warn("dns.resolvconf", "error=%s recursion=yes", log_q(ub_strerror(ret)));
	return 0;
}

static int dns_unbound_set_dnssec(struct ub_ctx *ctx, const struct config *cfg,
				  const char **error_r)
{
	const char *anchor;
	int ret;

	if (!config_bool(cfg, "resolver.dnssec", false))
		return 0;
	anchor = config_string(cfg, "resolver.trust-anchor", DNS_UNBOUND_TRUST_ANCHOR);
	if (access(anchor, R_OK) < 0) {
		log_warn("dns.dnssec", "trust_anchor=%s error=%s validation=no", log_q(anchor),
			 log_q(strerror(errno)));
		return 0;
	}
	if ((ret = ub_ctx_add_ta_file(ctx, anchor)) != 0) {
		*error_r = err_fmt("resolver.trust-anchor: %s: %s", anchor, ub_strerror(ret));
		return -1;
	}
	return 0;
}

int dns_unbound_open(const struct config *cfg, unsigned timeout_ms, struct dns_unbound **ub_r,
		     const char **error_r)
{
	struct dns_unbound *ub;
	struct ub_ctx *ctx = ub_ctx_create();
	pthread_condattr_t attr;
	const char *error = "libunbound: cannot use threads";

	if (ctx == NULL) {
		*error_r = "libunbound: cannot create a context";
		return -1;
	}
	/* a thread, not a forked process: ternd is multi-threaded */
	if (ub_ctx_async(ctx, 1) != 0 || dns_unbound_set_forwarders(ctx, cfg, &error) < 0 ||
	    dns_unbound_set_dnssec(ctx, cfg, &error) < 0) {
		*error_r = error;
		ub_ctx_delete(ctx);
		return -1;
	}
	ub = xcalloc(1, sizeof(*ub));
	ub->ctx = ctx;
	ub->fd = ub_fd(ctx);
	ub->timeout_ms = timeout_ms;
	pthread_mutex_init(&ub->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ub->cond, &attr);
	pthread_condattr_destroy(&attr);
	*ub_r = ub;
	return 0;
}

void dns_unbound_close(struct dns_unbound **ub)
{
	if (*ub == NULL)
		return;
	ub_ctx_delete((*ub)->ctx);
	pthread_cond_destroy(&(*ub)->cond);
	pthread_mutex_destroy(&(*ub)->lock);
	free(*ub);
	*ub = NULL;
}

/* Runs inside ub_process, with ub->lock held by the pumping thread. */
static void dns_unbound_callback(void *arg, int err, struct ub_result *result)
{
	struct dns_unbound_query *query = arg;

	query->done = true;
	query->err = err;
	query->result = result;
}

/* One turn of the wait, entered and left with ub->lock held. */
static void dns_unbound_wait_slice(struct dns_unbound *ub, int64_t remaining)
{
	int slice = remaining < DNS_UNBOUND_SLICE_MS ? (int)remaining : DNS_UNBOUND_SLICE_MS;

	if (!ub->pumping) {
		struct pollfd pfd = { .fd = ub->fd, .events = POLLIN };

		ub->pumping = true;
		pthread_mutex_unlock(&ub->lock);
		poll(&pfd, 1, slice);
		pthread_mutex_lock(&ub->lock);
		ub_process(ub->ctx);
		ub->pumping = false;
		pthread_cond_broadcast(&ub->cond);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)slice * 1000000;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&ub->cond, &ub->lock, &ts);
	}
}

/* Sends the query and waits for it until the deadline; on timeout the
 * query is cancelled (its callback will not run) and done stays false. */
static void dns_unbound_resolve(struct dns_unbound *ub, const char *name, enum dns_type type,
				struct dns_unbound_query *query)
{
	int64_t deadline = dns_unbound_now_ms() + ub->timeout_ms;
	int async_id = 0, ret;

	pthread_mutex_lock(&ub->lock);
	ret = ub_resolve_async(ub->ctx, name, (int)type, 1, query, dns_unbound_callback, &async_id);
	if (ret != 0) {
		query->done = true;
		query->err = ret;
	}
	while (!query->done) {
		int64_t remaining = deadline - dns_unbound_now_ms();

		if (remaining <= 0)
			break;
		dns_unbound_wait_slice(ub, remaining);
	}
	if (!query->done)
		ub_cancel(ub->ctx, async_id);
	pthread_mutex_unlock(&ub->lock);
}

/* A wire-format name (uncompressed, as libunbound hands rdata) as
 * lowercase text without the trailing dot; odd bytes as \DDD. Returns
 * the bytes consumed, or 0 if the name runs past len. */
static size_t dns_unbound_wire_name(const unsigned char *p, size_t len, struct strbuf *out)
{
	size_t i = 0;

	while (i < len && p[i] != 0) {
		size_t label = p[i++];

		if (label > 63 || i + label > len)
			return 0;
		if (out->len > 0)
			strbuf_putc(out, '.');
		for (size_t j = 0; j < label; j++, i++) {
			unsigned char c = p[i];

			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '*')
				strbuf_putc(out, (char)c);
			else if (c >= 'A' && c <= 'Z')
				strbuf_putc(out, (char)(c - 'A' + 'a'));
			else
				strbuf_printf(out, "\\%03u", c);
		}
	}
	return i < len ? i + 1 : 0;
}

/* TXT: the character-strings joined. */
static char *dns_unbound_txt(const unsigned char *p, size_t len)
{
	struct strbuf b = { 0 };
	size_t off = 0;

	strbuf_puts(&b, "");
	while (off < len) {
		size_t n = p[off++];

		if (off + n > len) {
			strbuf_free(&b);
			return NULL;
		}
		strbuf_append(&b, p + off, n);
		off += n;
	}
	return strbuf_steal(&b);
}

/* TLSA: "usage selector mtype hexdata". */
static char *dns_unbound_tlsa(const unsigned char *p, size_t len)
{
	struct strbuf b = { 0 };

	if (len < 3)
		return NULL;
	strbuf_printf(&b, "%u %u %u ", p[0], p[1], p[2]);
	for (size_t off = 3; off < len; off++)
		strbuf_printf(&b, "%02x", p[off]);
	return strbuf_steal(&b);
}

/* MX, CNAME, PTR: the target name, after the preference for MX. */
static char *dns_unbound_target(enum dns_type type, const unsigned char *p, size_t len,
				uint16_t *preference_r)
{
	struct strbuf b = { 0 };
	size_t off = 0;

	if (type == DNS_MX) {
		if (len < 3)
			return NULL;
		*preference_r = (uint16_t)(p[0] << 8 | p[1]);
		off = 2;
	}
	strbuf_puts(&b, "");
	if (dns_unbound_wire_name(p + off, len - off, &b) == 0) {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_steal(&b);
}

/* The text of one rdata item, as dns_record.text says; NULL if
 * malformed. *preference_r is set for MX. */
static char *dns_unbound_rdata(enum dns_type type, const unsigned char *p, size_t len,
			       uint16_t *preference_r)
{
	char addr[INET6_ADDRSTRLEN];

	switch (type) {
	case DNS_A:
	case DNS_AAAA:
		if (len != (type == DNS_A ? 4u : 16u))
			return NULL;
		inet_ntop(type == DNS_A ? AF_INET : AF_INET6, p, addr, sizeof(addr));
		return xstrdup(addr);
	case DNS_MX:
	case DNS_CNAME:
	case DNS_PTR:
		return dns_unbound_target(type, p, len, preference_r);
	case DNS_TXT:
		return dns_unbound_txt(p, len);
	case DNS_TLSA:
		return dns_unbound_tlsa(p, len);
	}
	return NULL;
}

static enum dns_status dns_unbound_answer(const struct ub_result *result, enum dns_type type,
					  struct dns_answer *answer_r)
{
	if (result->bogus) {
		log_warn("dns.bogus", "name=%s why=%s", log_q(result->qname),
			 log_q(result->why_bogus != NULL ? result->why_bogus : ""));
		return DNS_TEMPFAIL;
	}
	if (result->rcode == 3)
		return DNS_NXDOMAIN;
	if (result->rcode != 0)
		return DNS_TEMPFAIL;
	answer_r->secure = result->secure != 0;
	for (size_t i = 0; result->havedata && result->data[i] != NULL; i++) {
		uint16_t preference = 0;
		char *text = dns_unbound_rdata(type, (const unsigned char *)result->data[i],
					       (size_t)result->len[i], &preference);

		if (text != NULL)
			dns_answer_add(answer_r, type, (uint32_t)result->ttl, preference, text);
	}
	return answer_r->count > 0 ? DNS_OK : DNS_NODATA;
}

enum dns_status dns_unbound_lookup(struct dns_unbound *ub, const char *name, enum dns_type type,
				   struct dns_answer *answer_r)
{
	struct dns_unbound_query query = { 0 };
	enum dns_status status;

	dns_unbound_resolve(ub, name, type, &query);
	if (!query.done) {
		log_info("dns.timeout", "name=%s type=%s", log_q(name), dns_type_name(type));
		return DNS_TEMPFAIL;
	}
	if (query.err != 0 || query.result == NULL) {
		log_info("dns.error", "name=%s error=%s", log_q(name), log_q(ub_strerror(query.err)));
		ub_resolve_free(query.result);
		return DNS_TEMPFAIL;
	}
	status = dns_unbound_answer(query.result, type, answer_r);
	ub_resolve_free(query.result);
	return status;
}
