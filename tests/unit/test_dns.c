/* Unit tests for the resolver: the zone-file parser and its bounds,
 * lookups (CNAME, MX order, NXDOMAIN against NODATA), reverse names,
 * and libunbound's timeout against a server that is not there. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dns/dns.h"

struct zone_fixture {
	char *dir;
	char *path;
	struct config *cfg;
	struct dns *dns;
};

/* Writes text as the zone file and opens a resolver on it; returns
 * dns_open()'s result, with *error_r on failure. */
static int zone_open(struct zone_fixture *fx, const char *text, const char **error_r)
{
	const char *base = getenv("TERN_TEST_TMP");
	const char *error = NULL;
	char *conf;
	FILE *f;

	fx->dir = xasprintf("%s/test_dns.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx->path = xasprintf("%s/zone.txt", fx->dir);
	assert_non_null(f = fopen(fx->path, "w"));
	fputs(text, f);
	fclose(f);
	conf = xasprintf("resolver = { zone-file = \"%s\"; };\n", fx->path);
	fx->cfg = config_load_string(conf, "test", &error);
	free(conf);
	assert_non_null(fx->cfg);
	return dns_open(fx->cfg, &fx->dns, error_r);
}

static void zone_close(struct zone_fixture *fx)
{
	dns_close(&fx->dns);
	assert_null(fx->dns);
	config_free(&fx->cfg);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx->path);
	free(fx->dir);
}

static const char test_zone[] =
	"; the test zone\n"
	"$ORIGIN example.org.\n"
	"$TTL 300\n"
	"@            IN  A      192.0.2.1\n"
	"             IN  AAAA   2001:DB8:0:0::1\n"
	"             IN  MX     20 mx2\n"
	"             IN  MX     10 mx1.example.org.\n"
	"             IN  MX     30 mx3\n"
	"             IN  TXT    \"v=spf1 \" \"-all\"\n"
	"mx1          600 IN A   192.0.2.10\n"
	"mx2          A          192.0.2.20\n"
	"www          CNAME      web\n"
	"web          CNAME      host.Example.NET.\n"
	"host.example.net. A     198.51.100.7\n"
	"loop1        CNAME      loop2\n"
	"loop2        CNAME      loop1\n"
	"sel._domainkey TXT ( \"v=DKIM1; k=rsa; \"\n"
	"                     \"p=MIGf\\\"x\\059\" ) ; comment\n"
	"esc          TXT    \"a\\\\b\" plain\n"
	"_25._tcp.mx1 TLSA   3 1 1 ABCDEF 0123\n"
	"1.2.0.192.in-addr.arpa. PTR example.org.\n"
	"nullmx       MX     0 .\n"
	"ns           NS     ns.example.net.\n";

static void test_zone_records(void **state)
{
	struct zone_fixture fx = { 0 };
	struct dns_answer ans;
	const char *error = NULL;

	assert_int_equal(zone_open(&fx, test_zone, &error), 0);
	assert_int_equal(dns_lookup(fx.dns, "EXAMPLE.org.", DNS_A, &ans), DNS_OK);
	assert_int_equal(ans.count, 1);
	assert_string_equal(ans.records[0].text, "192.0.2.1");
	assert_int_equal(ans.records[0].ttl, 300);
	assert_false(ans.secure);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "example.org", DNS_AAAA, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "2001:db8::1");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "mx1.example.org", DNS_A, &ans), DNS_OK);
	assert_int_equal(ans.records[0].ttl, 600);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "example.org", DNS_TXT, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "v=spf1 -all");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "sel._domainkey.example.org", DNS_TXT, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "v=DKIM1; k=rsa; p=MIGf\"x;");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "esc.example.org", DNS_TXT, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "a\\bplain");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "_25._tcp.mx1.example.org", DNS_TLSA, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "3 1 1 abcdef0123");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "1.2.0.192.in-addr.arpa", DNS_PTR, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "example.org");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "nullmx.example.org", DNS_MX, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "");
	dns_answer_clear(&ans);
	zone_close(&fx);
}

static void test_zone_mx_order(void **state)
{
	struct zone_fixture fx = { 0 };
	struct dns_answer ans;
	const char *error = NULL;

	assert_int_equal(zone_open(&fx, test_zone, &error), 0);
	assert_int_equal(dns_lookup(fx.dns, "example.org", DNS_MX, &ans), DNS_OK);
	assert_int_equal(ans.count, 3);
	assert_int_equal(ans.records[0].preference, 10);
	assert_string_equal(ans.records[0].text, "mx1.example.org");
	assert_int_equal(ans.records[1].preference, 20);
	assert_string_equal(ans.records[1].text, "mx2.example.org");
	assert_int_equal(ans.records[2].preference, 30);
	assert_int_equal(ans.records[2].type, DNS_MX);
	dns_answer_clear(&ans);
	zone_close(&fx);
}

static void test_zone_cname(void **state)
{
	struct zone_fixture fx = { 0 };
	struct dns_answer ans;
	const char *error = NULL;

	assert_int_equal(zone_open(&fx, test_zone, &error), 0);
	assert_int_equal(dns_lookup(fx.dns, "www.example.org", DNS_A, &ans), DNS_OK);
	assert_int_equal(ans.count, 1);
	assert_string_equal(ans.records[0].text, "198.51.100.7");
	dns_answer_clear(&ans);
	/* asked for itself, a CNAME is not followed */
	assert_int_equal(dns_lookup(fx.dns, "www.example.org", DNS_CNAME, &ans), DNS_OK);
	assert_string_equal(ans.records[0].text, "web.example.org");
	dns_answer_clear(&ans);
	/* the target exists but has no AAAA */
	assert_int_equal(dns_lookup(fx.dns, "www.example.org", DNS_AAAA, &ans), DNS_NODATA);
	assert_int_equal(ans.count, 0);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "loop1.example.org", DNS_A, &ans), DNS_TEMPFAIL);
	dns_answer_clear(&ans);
	zone_close(&fx);
}

static void test_zone_nxdomain_nodata(void **state)
{
	struct zone_fixture fx = { 0 };
	struct dns_answer ans;
	const char *error = NULL;

	assert_int_equal(zone_open(&fx, test_zone, &error), 0);
	assert_int_equal(dns_lookup(fx.dns, "nothere.example.org", DNS_A, &ans), DNS_NXDOMAIN);
	assert_int_equal(ans.count, 0);
	assert_null(ans.records);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "mx2.example.org", DNS_TXT, &ans), DNS_NODATA);
	dns_answer_clear(&ans);
	/* an empty non-terminal exists */
	assert_int_equal(dns_lookup(fx.dns, "_domainkey.example.org", DNS_TXT, &ans), DNS_NODATA);
	dns_answer_clear(&ans);
	/* a name holding only a type we do not ask for exists */
	assert_int_equal(dns_lookup(fx.dns, "ns.example.org", DNS_A, &ans), DNS_NODATA);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "a..b", DNS_A, &ans), DNS_PERMFAIL);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(fx.dns, "", DNS_A, &ans), DNS_PERMFAIL);
	dns_answer_clear(&ans);
	zone_close(&fx);
}

/* An empty file is a valid zone: every name is NXDOMAIN (the tests'
 * default, so that no test asks the network). */
static void test_zone_empty(void **state)
{
	struct zone_fixture fx = { 0 };
	struct dns_answer ans;
	const char *error = NULL;

	assert_int_equal(zone_open(&fx, "", &error), 0);
	assert_int_equal(dns_lookup(fx.dns, "example.org", DNS_MX, &ans), DNS_NXDOMAIN);
	assert_int_equal(ans.count, 0);
	dns_answer_clear(&ans);
	zone_close(&fx);
}

/* Each bad file fails dns_open with an error naming its line. */
static void test_zone_errors(void **state)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "a.example. A 192.0.2.1\nb.example. A 300.1.1.1\n", ":2: bad A address" },
		{ "a.example. FOO bar\n", ":1: unknown record type FOO" },
		{ "\n\na.example. TXT \"open\n", ":3: unterminated string" },
		{ "a.example. MX 10\n", ":1: wrong number of fields for MX" },
		{ "a.example. MX 70000 b.example.\n", ":1: bad MX preference" },
		{ "a.example. TXT ( \"x\"\n", "unclosed parenthesis" },
		{ "a.example. TXT ( ( \"x\" ) )\n", ":1: nested parentheses" },
		{ "a.example. TXT \"x\" )\n", ":1: unbalanced parenthesis" },
		{ "  A 192.0.2.1\n", ":1: record without an owner name" },
		{ "$INCLUDE other\n", ":1: unsupported directive $INCLUDE" },
		{ "$TTL x\n", ":1: bad TTL" },
		{ "a.example. 300 IN\n", ":1: no record type" },
		{ "a..example. A 192.0.2.1\n", ":1: bad domain name" },
		{ "a.example. TLSA 3 1 1 xyz\n", ":1: bad TLSA data" },
		{ "a.example. AAAA 192.0.2.1\n", ":1: bad AAAA address" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zone_fixture fx = { 0 };
		const char *error = NULL;

		assert_int_equal(zone_open(&fx, cases[i].text, &error), -1);
		assert_non_null(error);
		if (strstr(error, cases[i].error) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, error, cases[i].error);
		assert_non_null(strstr(error, fx.path));
		zone_close(&fx);
	}
}

static void test_zone_bounds(void **state)
{
	struct zone_fixture fx = { 0 };
	struct strbuf b = { 0 };
	const char *error = NULL;

	/* a line past the limit */
	strbuf_puts(&b, "a.example. TXT \"");
	for (int i = 0; i < 9000; i++)
		strbuf_putc(&b, 'x');
	strbuf_puts(&b, "\"\n");
	assert_int_equal(zone_open(&fx, b.s, &error), -1);
	assert_non_null(strstr(error, ":1: line longer than"));
	zone_close(&fx);
	strbuf_reset(&b);

	/* a TXT record past the limit, over several lines */
	strbuf_puts(&b, "a.example. TXT (\n");
	for (int i = 0; i < 40; i++) {
		strbuf_putc(&b, '"');
		for (int j = 0; j < 250; j++)
			strbuf_putc(&b, 'y');
		strbuf_puts(&b, "\"\n");
	}
	strbuf_puts(&b, ")\n");
	assert_int_equal(zone_open(&fx, b.s, &error), -1);
	assert_non_null(strstr(error, ":1: TXT record longer than"));
	zone_close(&fx);
	strbuf_reset(&b);

	/* too many records */
	for (int i = 0; i <= 100000; i++)
		strbuf_printf(&b, "h%d.example. A 192.0.2.1\n", i);
	assert_int_equal(zone_open(&fx, b.s, &error), -1);
	assert_non_null(strstr(error, ":100001: more than 100000 records"));
	zone_close(&fx);
	strbuf_free(&b);
}

static void test_zone_missing_file(void **state)
{
	struct config *cfg;
	struct dns *dns = NULL;
	const char *error = NULL;

	cfg = config_load_string("resolver = { zone-file = \"/nonexistent/zone\"; };", "test",
				 &error);
	assert_non_null(cfg);
	assert_int_equal(dns_open(cfg, &dns, &error), -1);
	assert_non_null(strstr(error, "/nonexistent/zone"));
	assert_null(dns);
	config_free(&cfg);
}

static void test_reverse_name(void **state)
{
	char *name;

	assert_non_null(name = dns_reverse_name("192.0.2.1"));
	assert_string_equal(name, "1.2.0.192.in-addr.arpa");
	free(name);
	assert_non_null(name = dns_reverse_name("2001:db8::1"));
	assert_string_equal(name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	free(name);
	assert_null(dns_reverse_name("example.org"));
}

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int port;

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void test_unbound_tempfail(void **state)
{
	struct config *cfg;
	struct dns *dns = NULL;
	struct dns_answer ans;
	struct timespec t0, t1;
	const char *error = NULL;
	char *conf;
	double elapsed;

	conf = xasprintf("resolver = { timeout = \"2s\"; forwarders = [ \"127.0.0.1@%d\" ]; };",
			 closed_port());
	cfg = config_load_string(conf, "test", &error);
	free(conf);
	assert_non_null(cfg);
	assert_int_equal(dns_open(cfg, &dns, &error), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dns_lookup(dns, "example.org", DNS_MX, &ans), DNS_TEMPFAIL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(ans.count, 0);
	dns_answer_clear(&ans);
	elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(elapsed < 3.0);
	dns_close(&dns);
	config_free(&cfg);
}

/* A tiny DNS server on loopback for libunbound to forward to: canned
 * answers, so that wire-format decoding is tested with no network.
 * (Not under .test or 192.0.2/24: libunbound answers those itself as
 * special-use names.) */
struct fake_dns {
	int fd;
	int port;
	atomic_bool stop;
	pthread_t thread;
};

static void put16(struct strbuf *b, unsigned v)
{
	strbuf_putc(b, (char)(v >> 8));
	strbuf_putc(b, (char)(v & 0xff));
}

/* name in wire format (uncompressed). */
static void put_name(struct strbuf *b, const char *name)
{
	while (*name != '\0') {
		size_t n = strcspn(name, ".");

		strbuf_putc(b, (char)n);
		strbuf_append(b, name, n);
		name += n;
		if (*name == '.')
			name++;
	}
	strbuf_putc(b, 0);
}

/* One answer record owned by the question's name (pointer 0xc00c). */
static void put_rr(struct strbuf *b, unsigned type, const void *rdata, size_t len)
{
	put16(b, 0xc00c);
	put16(b, type);
	put16(b, 1);
	put16(b, 0);
	put16(b, 300);
	put16(b, (unsigned)len);
	strbuf_append(b, rdata, len);
}

static void put_rr_name(struct strbuf *b, unsigned type, unsigned pref, bool has_pref,
			const char *target)
{
	struct strbuf rd = { 0 };

	if (has_pref)
		put16(&rd, pref);
	put_name(&rd, target);
	put_rr(b, type, rd.s, rd.len);
	strbuf_free(&rd);
}

/* The answers for (qname, qtype); returns the rcode. */
static unsigned fake_answer(const char *qname, unsigned qtype, struct strbuf *b, unsigned *count)
{
	static const unsigned char a[] = { 192, 0, 2, 1 };
	static const unsigned char aaaa[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					      0, 0, 0, 0, 0, 0, 0, 1 };
	static const char txt[] = "\007v=spf1 \004-all";
	static const unsigned char tlsa[] = { 3, 1, 1, 0xab, 0xcd };

	if (strcmp(qname, "nx.example.net") == 0)
		return 3;
	if (strcmp(qname, "servfail.example.net") == 0)
		return 2;
	if ((strcmp(qname, "host.example.net") == 0 || strncmp(qname, "thread", 6) == 0) &&
	    qtype == DNS_A)
		put_rr(b, DNS_A, a, 4), (*count)++;
	if (strcmp(qname, "host.example.net") == 0 && qtype == DNS_AAAA)
		put_rr(b, DNS_AAAA, aaaa, 16), (*count)++;
	if (strcmp(qname, "mx.example.net") == 0 && qtype == DNS_MX) {
		put_rr_name(b, DNS_MX, 20, true, "B.mx.example.net");
		put_rr_name(b, DNS_MX, 10, true, "a.mx.example.net");
		*count += 2;
	}
	if (strcmp(qname, "txt.example.net") == 0 && qtype == DNS_TXT)
		put_rr(b, DNS_TXT, txt, sizeof(txt) - 1), (*count)++;
	if (strcmp(qname, "_25._tcp.host.example.net") == 0 && qtype == DNS_TLSA)
		put_rr(b, DNS_TLSA, tlsa, sizeof(tlsa)), (*count)++;
	if (strcmp(qname, "4.3.2.1.in-addr.arpa") == 0 && qtype == DNS_PTR)
		put_rr_name(b, DNS_PTR, 0, false, "host.example.net"), (*count)++;
	return 0;
}

/* Answers one query in buf (len bytes) into out; -1 if unreadable. */
static int fake_reply(const unsigned char *buf, size_t len, struct strbuf *out)
{
	struct strbuf answers = { 0 };
	char qname[256];
	size_t pos = 12, n = 0;
	unsigned qtype, rcode, count = 0;

	if (len < 17)
		return -1;
	while (pos < len && buf[pos] != 0 && n + buf[pos] + 1 < sizeof(qname)) {
		size_t l = buf[pos++];

		for (size_t i = 0; i < l && pos < len; i++)
			qname[n++] = (char)tolower(buf[pos++]);
		qname[n++] = '.';
	}
	qname[n > 0 ? n - 1 : 0] = '\0';
	if (pos + 5 > len)
		return -1;
	qtype = (unsigned)(buf[pos + 1] << 8 | buf[pos + 2]);
	rcode = fake_answer(qname, qtype, &answers, &count);
	strbuf_append(out, buf, 2);			/* id */
	put16(out, 0x8180 | rcode);			/* QR RD RA */
	put16(out, 1);
	put16(out, count);
	put16(out, 0);
	put16(out, 0);
	strbuf_append(out, buf + 12, pos + 5 - 12);	/* the question */
	strbuf_append(out, answers.s, answers.len);
	strbuf_free(&answers);
	return 0;
}

static void *fake_dns_run(void *arg)
{
	struct fake_dns *fd = arg;

	while (!atomic_load(&fd->stop)) {
		struct pollfd pfd = { .fd = fd->fd, .events = POLLIN };
		unsigned char buf[1500];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		struct strbuf out = { 0 };
		ssize_t len;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		len = recvfrom(fd->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (len > 0 && fake_reply(buf, (size_t)len, &out) == 0)
			sendto(fd->fd, out.s, out.len, 0, (struct sockaddr *)&from, flen);
		strbuf_free(&out);
	}
	return NULL;
}

static void fake_dns_start(struct fake_dns *fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	fd->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd->fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd->fd, (struct sockaddr *)&sin, &len), 0);
	fd->port = ntohs(sin.sin_port);
	atomic_store(&fd->stop, false);
	assert_int_equal(pthread_create(&fd->thread, NULL, fake_dns_run, fd), 0);
}

static void fake_dns_stop(struct fake_dns *fd)
{
	atomic_store(&fd->stop, true);
	pthread_join(fd->thread, NULL);
	close(fd->fd);
}

static struct dns *unbound_open(int port, struct config **cfg_r)
{
	const char *error = NULL;
	struct dns *dns = NULL;
	char *conf = xasprintf("resolver = { timeout = \"3s\"; forwarders = [ \"127.0.0.1@%d\" ]; };",
			       port);

	*cfg_r = config_load_string(conf, "test", &error);
	free(conf);
	assert_non_null(*cfg_r);
	assert_int_equal(dns_open(*cfg_r, &dns, &error), 0);
	return dns;
}

static void expect_one(struct dns *dns, const char *name, enum dns_type type, const char *text)
{
	struct dns_answer ans;

	assert_int_equal(dns_lookup(dns, name, type, &ans), DNS_OK);
	assert_int_equal(ans.count, 1);
	assert_string_equal(ans.records[0].text, text);
	assert_int_equal(ans.records[0].ttl, 300);
	assert_false(ans.secure);
	dns_answer_clear(&ans);
}

static void test_unbound_answers(void **state)
{
	struct fake_dns server;
	struct config *cfg;
	struct dns *dns;
	struct dns_answer ans;

	fake_dns_start(&server);
	dns = unbound_open(server.port, &cfg);
	expect_one(dns, "host.example.net", DNS_A, "192.0.2.1");
	expect_one(dns, "HOST.example.NET.", DNS_AAAA, "2001:db8::1");
	expect_one(dns, "txt.example.net", DNS_TXT, "v=spf1 -all");
	expect_one(dns, "_25._tcp.host.example.net", DNS_TLSA, "3 1 1 abcd");
	expect_one(dns, "4.3.2.1.in-addr.arpa", DNS_PTR, "host.example.net");
	assert_int_equal(dns_lookup(dns, "mx.example.net", DNS_MX, &ans), DNS_OK);
	assert_int_equal(ans.count, 2);
	assert_int_equal(ans.records[0].preference, 10);
	assert_string_equal(ans.records[0].text, "a.mx.example.net");
	assert_string_equal(ans.records[1].text, "b.mx.example.net");
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(dns, "nx.example.net", DNS_A, &ans), DNS_NXDOMAIN);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(dns, "host.example.net", DNS_MX, &ans), DNS_NODATA);
	dns_answer_clear(&ans);
	assert_int_equal(dns_lookup(dns, "servfail.example.net", DNS_A, &ans), DNS_TEMPFAIL);
	dns_answer_clear(&ans);
	dns_close(&dns);
	config_free(&cfg);
	fake_dns_stop(&server);
}

struct lookup_thread {
	struct dns *dns;
	int index;
	int ok;
};

/* Names no other thread asks, so that each lookup reaches the server. */
static void *lookup_thread_run(void *arg)
{
	struct lookup_thread *t = arg;

	for (int i = 0; i < 20; i++) {
		struct dns_answer ans;
		char name[64];

		snprintf(name, sizeof(name), "thread%d-%d.example.net", t->index, i);
		if (dns_lookup(t->dns, name, DNS_A, &ans) == DNS_OK &&
		    strcmp(ans.records[0].text, "192.0.2.1") == 0)
			t->ok++;
		dns_answer_clear(&ans);
	}
	return NULL;
}

/* Several threads share one context and each gets its own answers. */
static void test_unbound_threads(void **state)
{
	struct fake_dns server;
	struct lookup_thread threads[8];
	pthread_t ids[8];
	struct config *cfg;
	struct dns *dns;

	fake_dns_start(&server);
	dns = unbound_open(server.port, &cfg);
	for (int i = 0; i < 8; i++) {
		threads[i] = (struct lookup_thread){ .dns = dns, .index = i };
		assert_int_equal(pthread_create(&ids[i], NULL, lookup_thread_run, &threads[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(ids[i], NULL);
	for (int i = 0; i < 8; i++)
		assert_int_equal(threads[i].ok, 20);
	dns_close(&dns);
	config_free(&cfg);
	fake_dns_stop(&server);
}

static void test_unbound_bad_forwarder(void **state)
{
	struct config *cfg;
	struct dns *dns = NULL;
	const char *error = NULL;

	cfg = config_load_string("resolver = { forwarders = [ \"not-an-ip\" ]; };", "test", &error);
	assert_non_null(cfg);
	assert_int_equal(dns_open(cfg, &dns, &error), -1);
	assert_non_null(strstr(error, "not-an-ip"));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_records),
		cmocka_unit_test(test_zone_mx_order),
		cmocka_unit_test(test_zone_cname),
		cmocka_unit_test(test_zone_nxdomain_nodata),
		cmocka_unit_test(test_zone_empty),
		cmocka_unit_test(test_zone_errors),
		cmocka_unit_test(test_zone_bounds),
		cmocka_unit_test(test_zone_missing_file),
		cmocka_unit_test(test_reverse_name),
		cmocka_unit_test(test_unbound_tempfail),
		cmocka_unit_test(test_unbound_bad_forwarder),
		cmocka_unit_test(test_unbound_answers),
		cmocka_unit_test(test_unbound_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
