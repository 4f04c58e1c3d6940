/* Unit tests for SPF (RFC 7208) over zone files the tests write: the
 * examples of Appendix A, every result, the limits of §4.6.4, the
 * macros of §7 (the expansions of §7.4) and record syntax errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dns/dns.h"
#include "mailauth/spf.h"
#include "mailauth/spf_private.h"

/* Appendix A's zone, plus what the other tests need. */
static const char base_zone[] =
	"$ORIGIN example.com.\n"
	"@           MX  10 mail-a\n"
	"            MX  20 mail-b\n"
	"            A   192.0.2.10\n"
	"            A   192.0.2.11\n"
	"amy         A   192.0.2.65\n"
	"bob         A   192.0.2.66\n"
	"mail-a      A   192.0.2.129\n"
	"mail-b      A   192.0.2.130\n"
	"www         CNAME example.com.\n"
	"$ORIGIN example.org.\n"
	"@           MX  10 mail-c\n"
	"mail-c      A   192.0.2.140\n"
	"$ORIGIN 2.0.192.in-addr.arpa.\n"
	"10          PTR example.com.\n"
	"11          PTR example.com.\n"
	"65          PTR amy.example.com.\n"
	"66          PTR bob.example.com.\n"
	"129         PTR mail-a.example.com.\n"
	"130         PTR mail-b.example.com.\n"
	"140         PTR mail-c.example.org.\n"
	"$ORIGIN 0.0.10.in-addr.arpa.\n"
	"4           PTR bob.example.com.\n"
	"$ORIGIN _spf.example.com.\n"
	"mary.mobile-users                   A 127.0.0.2\n"
	"fred.mobile-users                   A 127.0.0.2\n"
	"15.15.168.192.joel.remote-users     A 127.0.0.2\n"
	"16.15.168.192.joel.remote-users     A 127.0.0.2\n"
	"mobile-users TXT \"v=spf1 exists:%{l1r+}.%{d}\"\n"
	"remote-users TXT \"v=spf1 exists:%{ir}.%{l1r+}.%{d}\"\n"
	"$ORIGIN test.\n"
	"loop1       CNAME loop2\n"
	"loop2       CNAME loop1\n"
	"v6          AAAA 2001:db8::1\n"
	"            A    192.0.2.1\n"
	"fail        TXT \"v=spf1 -all\"\n"
	"pass        TXT \"v=spf1 +all\"\n"
	"3.2.0.192.in-addr.arpa. PTR mx.example.net.\n"
	"mx.example.net. A 192.0.2.3\n";

struct spf_fixture {
	char *dir;
	char *path;
	struct config *cfg;
	struct dns *dns;
};

/* A resolver over base_zone plus extra lines. */
static void fixture_open(struct spf_fixture *fx, const char *extra)
{
	const char *base = getenv("TERN_TEST_TMP");
	const char *error = NULL;
	char *conf;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	fx->dir = xasprintf("%s/test_spf.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx->path = xasprintf("%s/zone.txt", fx->dir);
	assert_non_null(f = fopen(fx->path, "w"));
	fputs(base_zone, f);
	fputs("$ORIGIN .\n", f);
	fputs(extra, f);
	fclose(f);
	conf = xasprintf("resolver = { zone-file = \"%s\"; };\n", fx->path);
	assert_non_null(fx->cfg = config_load_string(conf, "test", &error));
	free(conf);
	if (dns_open(fx->cfg, &fx->dns, &error) < 0)
		fail_msg("dns_open: %s", error);
}

static void fixture_close(struct spf_fixture *fx)
{
	dns_close(&fx->dns);
	config_free(&fx->cfg);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx->path);
	free(fx->dir);
}

static enum spf_result check(struct spf_fixture *fx, const char *ip, const char *mail_from)
{
	struct spf_outcome out;
	enum spf_result result;

	spf_check(fx->dns, ip, "helo.example.net", mail_from, &out);
	result = out.result;
	spf_outcome_clear(&out);
	return result;
}

/* example.com publishing record; the result for ip. */
static enum spf_result check_record(const char *record, const char *ip)
{
	struct spf_fixture fx;
	char *extra = xasprintf("example.com. TXT \"%s\"\n", record);
	enum spf_result result;

	fixture_open(&fx, extra);
	free(extra);
	result = check(&fx, ip, "user@example.com");
	fixture_close(&fx);
	return result;
}

#define assert_spf(record, ip, expected) \
	do { \
		enum spf_result r_ = check_record(record, ip); \
		if (r_ != (expected)) \
			fail_msg("\"%s\" for %s: %s, expected %s", record, ip, spf_result_name(r_), \
				 spf_result_name(expected)); \
	} while (0)

/* Appendix A.1. */
static void test_appendix_a1(void **state)
{
	assert_spf("v=spf1 +all", "198.51.100.1", SPF_PASS);
	assert_spf("v=spf1 a -all", "192.0.2.10", SPF_PASS);
	assert_spf("v=spf1 a -all", "192.0.2.11", SPF_PASS);
	assert_spf("v=spf1 a -all", "192.0.2.12", SPF_FAIL);
	assert_spf("v=spf1 a:example.org -all", "192.0.2.140", SPF_FAIL);
	assert_spf("v=spf1 mx -all", "192.0.2.129", SPF_PASS);
	assert_spf("v=spf1 mx -all", "192.0.2.130", SPF_PASS);
	assert_spf("v=spf1 mx -all", "192.0.2.10", SPF_FAIL);
	assert_spf("v=spf1 mx:example.org -all", "192.0.2.140", SPF_PASS);
	assert_spf("v=spf1 mx mx:example.org -all", "192.0.2.129", SPF_PASS);
	assert_spf("v=spf1 mx mx:example.org -all", "192.0.2.130", SPF_PASS);
	assert_spf("v=spf1 mx mx:example.org -all", "192.0.2.140", SPF_PASS);
	assert_spf("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131", SPF_PASS);
	assert_spf("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143", SPF_PASS);
	assert_spf("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132", SPF_FAIL);
	assert_spf("v=spf1 ptr -all", "192.0.2.65", SPF_PASS);
	assert_spf("v=spf1 ptr -all", "192.0.2.140", SPF_FAIL);
	assert_spf("v=spf1 ptr -all", "10.0.0.4", SPF_FAIL);
	assert_spf("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65", SPF_FAIL);
	assert_spf("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129", SPF_PASS);
}

/* Appendix A.2: include and redirect. */
static void test_appendix_a2(void **state)
{
	struct spf_fixture fx;

	fixture_open(&fx, "example.com. TXT \"v=spf1 mx -all\"\n"
			  "example.org. TXT \"v=spf1 include:example.com include:example.net -all\"\n"
			  "la.example.org. TXT \"v=spf1 redirect=example.org\"\n");
	assert_int_equal(check(&fx, "192.0.2.129", "a@example.org"), SPF_PASS);
	assert_int_equal(check(&fx, "192.0.2.129", "a@la.example.org"), SPF_PASS);
	/* example.net publishes nothing: the include is a permerror */
	assert_int_equal(check(&fx, "192.0.2.140", "a@example.org"), SPF_PERMERROR);
	assert_int_equal(check(&fx, "192.0.2.140", "a@la.example.org"), SPF_PERMERROR);
	fixture_close(&fx);
}

/* Appendix A.3: DNSBL style with exists and macros. */
static void test_appendix_a3(void **state)
{
	struct spf_fixture fx;

	fixture_open(&fx, "example.com. TXT \"v=spf1 mx\" \" include:mobile-users._spf.%{d}\" "
			  "\" include:remote-users._spf.%{d} -all\"\n");
	assert_int_equal(check(&fx, "203.0.113.9", "mary@example.com"), SPF_PASS);
	assert_int_equal(check(&fx, "203.0.113.9", "fred@example.com"), SPF_PASS);
	assert_int_equal(check(&fx, "192.168.15.15", "joel@example.com"), SPF_PASS);
	assert_int_equal(check(&fx, "192.168.15.16", "joel+lists@example.com"), SPF_PASS);
	assert_int_equal(check(&fx, "192.168.15.17", "joel@example.com"), SPF_FAIL);
	assert_int_equal(check(&fx, "203.0.113.9", "bob@example.com"), SPF_FAIL);
	assert_int_equal(check(&fx, "192.0.2.129", "bob@example.com"), SPF_PASS);
	fixture_close(&fx);
}

static void test_results(void **state)
{
	struct spf_fixture fx;
	struct spf_outcome out;

	assert_spf("v=spf1 ~all", "192.0.2.1", SPF_SOFTFAIL);
	assert_spf("v=spf1 ?all", "192.0.2.1", SPF_NEUTRAL);
	assert_spf("v=spf1 ip4:192.0.2.1", "192.0.2.2", SPF_NEUTRAL);
	assert_spf("v=spf1 -ip4:192.0.2.1 +all", "192.0.2.1", SPF_FAIL);
	assert_spf("v=spf1 a:loop1.test -all", "192.0.2.1", SPF_TEMPERROR);
	assert_spf("v=spf1 include:loop1.test -all", "192.0.2.1", SPF_TEMPERROR);
	assert_spf("v=spf1 include:fail.test ~all", "192.0.2.1", SPF_SOFTFAIL);
	assert_spf("v=spf1 -include:pass.test +all", "192.0.2.1", SPF_FAIL);
	assert_spf("v=spf10 -all", "192.0.2.1", SPF_NONE);
	assert_spf("v=spf1 " "-all", "192.0.2.1", SPF_FAIL);
	assert_spf("v=spf1 -all moo=bar.%{d}", "192.0.2.1", SPF_FAIL);
	assert_spf("V=SPF1 -ALL", "192.0.2.1", SPF_FAIL);
	/* "all" makes redirect= ignored, wherever it stands */
	assert_spf("v=spf1 redirect=fail.test ?all", "192.0.2.1", SPF_NEUTRAL);
	assert_spf("v=spf1 ip4:192.0.2.9 redirect=fail.test", "192.0.2.1", SPF_FAIL);
	assert_spf("v=spf1 redirect=nothing.test", "192.0.2.1", SPF_PERMERROR);

	fixture_open(&fx, "two.test. TXT \"v=spf1 -all\"\ntwo.test. TXT \"v=spf1 +all\"\n"
			  "other.test. TXT \"hello\"\n");
	assert_int_equal(check(&fx, "192.0.2.1", "a@two.test"), SPF_PERMERROR);
	assert_int_equal(check(&fx, "192.0.2.1", "a@other.test"), SPF_NONE);
	assert_int_equal(check(&fx, "192.0.2.1", "a@nxdomain.test"), SPF_NONE);
	assert_int_equal(check(&fx, "192.0.2.1", "a@loop1.test"), SPF_TEMPERROR);
	assert_int_equal(check(&fx, "192.0.2.1", "a@localhost"), SPF_NONE);
	assert_int_equal(check(&fx, "not-an-ip", "a@fail.test"), SPF_NONE);
	spf_check(fx.dns, "192.0.2.1", "helo.test", "User@FAIL.test", &out);
	assert_int_equal(out.result, SPF_FAIL);
	assert_string_equal(out.domain, "fail.test");
	assert_string_equal(out.property, "smtp.mailfrom");
	spf_outcome_clear(&out);
	assert_null(out.domain);
	fixture_close(&fx);
}

/* The null sender: the HELO identity (§2.4). */
static void test_helo_identity(void **state)
{
	struct spf_fixture fx;
	struct spf_outcome out;

	fixture_open(&fx, "mail-a.example.com. TXT \"v=spf1 a -all\"\n");
	spf_check(fx.dns, "192.0.2.129", "Mail-A.example.com", "", &out);
	assert_int_equal(out.result, SPF_PASS);
	assert_string_equal(out.domain, "mail-a.example.com");
	assert_string_equal(out.property, "smtp.helo");
	spf_outcome_clear(&out);
	spf_check(fx.dns, "192.0.2.130", "mail-a.example.com", NULL, &out);
	assert_int_equal(out.result, SPF_FAIL);
	spf_outcome_clear(&out);
	spf_check(fx.dns, "192.0.2.129", "[192.0.2.129]", "", &out);
	assert_int_equal(out.result, SPF_NONE);
	spf_outcome_clear(&out);
	fixture_close(&fx);
}

static void test_ipv6(void **state)
{
	assert_spf("v=spf1 ip6:2001:db8::/32 -all", "2001:db8:1::5", SPF_PASS);
	assert_spf("v=spf1 ip6:2001:db8::/32 -all", "2001:db9::5", SPF_FAIL);
	assert_spf("v=spf1 ip6:2001:db8::/32 -all", "192.0.2.1", SPF_FAIL);
	assert_spf("v=spf1 ip4:192.0.2.0/24 -all", "2001:db8::1", SPF_FAIL);
	assert_spf("v=spf1 a:v6.test -all", "2001:db8::1", SPF_PASS);
	assert_spf("v=spf1 a:v6.test//64 -all", "2001:db8::ffff", SPF_PASS);
	assert_spf("v=spf1 a:v6.test/24//128 -all", "2001:db8::2", SPF_FAIL);
	assert_spf("v=spf1 a:v6.test/24//128 -all", "192.0.2.77", SPF_PASS);
	/* an IPv4-mapped client is an IPv4 client */
	assert_spf("v=spf1 ip4:192.0.2.10 -all", "::ffff:192.0.2.10", SPF_PASS);
	assert_spf("v=spf1 a -all", "::ffff:192.0.2.10", SPF_PASS);
}

static void test_syntax_errors(void **state)
{
	static const char *const records[] = {
		"v=spf1 -exists:%(ir).sbl.example.org",
		"v=spf1 include:foo",
		"v=spf1 include:",
		"v=spf1 include",
		"v=spf1 exists",
		"v=spf1 a:",
		"v=spf1 a:%{x}.example.com",
		"v=spf1 a:%{c}.example.com",
		"v=spf1 a:%{d0}.example.com",
		"v=spf1 a:%{d}x.example.com%",
		"v=spf1 ip4:192.0.2.0/33",
		"v=spf1 ip4:192.0.2.0/024",
		"v=spf1 ip4:192.0.2",
		"v=spf1 ip4:2001:db8::1",
		"v=spf1 ip6:192.0.2.1",
		"v=spf1 ip6:2001:db8::/129",
		"v=spf1 a/33",
		"v=spf1 mx//129",
		"v=spf1 all:example.com",
		"v=spf1 foo",
		"v=spf1 +-all",
		"v=spf1 redirect=a.example.com redirect=b.example.com",
		"v=spf1 exp=a.example.com exp=b.example.com -all",
		"v=spf1 1moo=bar -all",
		"v=spf1 a:example.123 -all",
		"v=spf1 a:exa\001mple.com -all",
	};

	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		assert_spf(records[i], "192.0.2.1", SPF_PERMERROR);
	/* a syntax error anywhere, even after a match, is a permerror */
	assert_spf("v=spf1 +all foo", "192.0.2.1", SPF_PERMERROR);
}

/* §4.6.4: ten terms that cost lookups, counted over includes. */
static void test_lookup_limit(void **state)
{
	struct spf_fixture fx;
	struct strbuf zone = { 0 };

	for (int i = 1; i <= 12; i++)
		strbuf_printf(&zone, "i%d.test. TXT \"v=spf1 -all\"\n", i);
	strbuf_puts(&zone, "ten.test. TXT \"v=spf1");
	for (int i = 1; i <= 10; i++)
		strbuf_printf(&zone, " include:i%d.test", i);
	strbuf_puts(&zone, " -all\"\neleven.test. TXT \"v=spf1 a:i1.test");
	for (int i = 2; i <= 11; i++)
		strbuf_printf(&zone, " include:i%d.test", i);
	strbuf_puts(&zone, " -all\"\n");
	/* nine here and two in the include: eleven */
	strbuf_puts(&zone, "nested.test. TXT \"v=spf1 include:inner.test");
	for (int i = 1; i <= 8; i++)
		strbuf_printf(&zone, " include:i%d.test", i);
	strbuf_puts(&zone, " -all\"\ninner.test. TXT \"v=spf1 include:i9.test include:i10.test ?all\"\n");
	strbuf_puts(&zone, "ipsfree.test. TXT \"v=spf1");
	for (int i = 1; i <= 30; i++)
		strbuf_printf(&zone, " ip4:198.51.100.%d", i);
	strbuf_puts(&zone, " include:i1.test -all\"\n");
	fixture_open(&fx, zone.s);
	strbuf_free(&zone);
	assert_int_equal(check(&fx, "192.0.2.1", "a@ten.test"), SPF_FAIL);
	assert_int_equal(check(&fx, "192.0.2.1", "a@eleven.test"), SPF_PERMERROR);
	assert_int_equal(check(&fx, "192.0.2.1", "a@nested.test"), SPF_PERMERROR);
	assert_int_equal(check(&fx, "198.51.100.30", "a@ipsfree.test"), SPF_PASS);
	assert_int_equal(check(&fx, "192.0.2.1", "a@ipsfree.test"), SPF_FAIL);
	fixture_close(&fx);
}

/* §4.6.4: more than two void lookups; more than ten MX names; PTR
 * names past the tenth ignored. */
static void test_void_mx_ptr_limits(void **state)
{
	struct spf_fixture fx;
	struct strbuf zone = { 0 };

	strbuf_puts(&zone, "two.test. TXT \"v=spf1 a:n1.test mx:n2.test -all\"\n"
			   "three.test. TXT \"v=spf1 a:n1.test mx:n2.test exists:n3.test -all\"\n"
			   "nodata.test. TXT \"v=spf1 a:fail.test a:pass.test a:two.test -all\"\n");
	for (int i = 1; i <= 11; i++) {
		strbuf_printf(&zone, "many.test. MX %d mx%d.many.test.\n", i, i);
		strbuf_printf(&zone, "mx%d.many.test. A 192.0.2.%d\n", i, 100 + i);
		strbuf_printf(&zone, "1.100.51.198.in-addr.arpa. PTR h%d.ptr.test.\n", i);
	}
	strbuf_puts(&zone, "h11.ptr.test. A 198.51.100.1\n"
			   "h10.ptr.test. A 198.51.100.2\n"
			   "2.100.51.198.in-addr.arpa. PTR h10.ptr.test.\n"
			   "mxmany.test. TXT \"v=spf1 mx:many.test -all\"\n"
			   "ptr.test. TXT \"v=spf1 ptr -all\"\n");
	fixture_open(&fx, zone.s);
	strbuf_free(&zone);
	assert_int_equal(check(&fx, "192.0.2.1", "a@two.test"), SPF_FAIL);
	assert_int_equal(check(&fx, "192.0.2.1", "a@three.test"), SPF_PERMERROR);
	/* names that exist but lack the record are void too */
	assert_int_equal(check(&fx, "192.0.2.1", "a@nodata.test"), SPF_PERMERROR);
	assert_int_equal(check(&fx, "192.0.2.101", "a@mxmany.test"), SPF_PERMERROR);
	assert_int_equal(check(&fx, "198.51.100.1", "a@ptr.test"), SPF_FAIL);
	assert_int_equal(check(&fx, "198.51.100.2", "a@ptr.test"), SPF_PASS);
	fixture_close(&fx);
}

/* §7.4's expansions, through spf_macro_expand. */
static void test_macro_expansion(void **state)
{
	static const struct {
		const char *spec;
		const char *expansion;
	} cases[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
		{ "%{S}", "strong-bad%40email.example.com" },
		{ "%{h}", "helo.example.net" },
		{ "%{p}", "mx.example.net" },
		{ "%{p2}.x", "example.net.x" },
		{ "a%%b%_c%-d", "a%b c%20d" },
		{ "%{d}.", "email.example.com" },
	};
	struct spf_fixture fx;
	struct spf_eval ev = { 0 };

	fixture_open(&fx, "");
	ev.dns = fx.dns;
	ev.sender = "strong-bad@email.example.com";
	ev.local = "strong-bad";
	ev.sender_domain = "email.example.com";
	ev.helo = "helo.example.net";
	ev.deadline_ms = INT64_MAX;
	assert_int_equal(ipnet_addr_parse("192.0.2.3", &ev.ip), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = spf_macro_expand(&ev, cases[i].spec, "email.example.com");

		assert_non_null(out);
		if (strcmp(out, cases[i].expansion) != 0)
			fail_msg("%s: \"%s\", expected \"%s\"", cases[i].spec, out, cases[i].expansion);
		free(out);
	}
	assert_int_equal(ipnet_addr_parse("2001:db8::cb01", &ev.ip), 0);
	{
		char *out = spf_macro_expand(&ev, "%{ir}.%{v}._spf.%{d2}", "email.example.com");

		assert_string_equal(out, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0."
					 "0.2.ip6._spf.example.com");
		free(out);
	}
	fixture_close(&fx);
}

/* §7.3: a name past 253 characters loses labels on the left. */
static void test_macro_truncation(void **state)
{
	struct spf_eval ev = { 0 };
	struct strbuf local = { 0 };
	char *out;

	for (int i = 0; i < 40; i++)
		strbuf_puts(&local, "abcdefgh.");
	strbuf_puts(&local, "end");
	ev.sender = "x@example.com";
	ev.local = local.s;
	ev.sender_domain = "example.com";
	ev.helo = "h";
	assert_int_equal(ipnet_addr_parse("192.0.2.3", &ev.ip), 0);
	out = spf_macro_expand(&ev, "%{l}.example.com", "example.com");
	assert_non_null(out);
	assert_true(strlen(out) <= 253);
	assert_true(strlen(out) > 240);
	assert_int_equal(strncmp(out, "abcdefgh.", 9), 0);
	assert_string_equal(out + strlen(out) - 15, "end.example.com");
	free(out);
	strbuf_free(&local);
}

static void test_macro_syntax(void **state)
{
	assert_true(spf_macro_valid("%{ir}.%{v}._spf.%{d2}", true));
	assert_true(spf_macro_valid("_spf.example.com.", true));
	assert_true(spf_macro_valid("%{d}", true));
	assert_true(spf_macro_valid("%{d}.", true));
	assert_false(spf_macro_valid(".", true));
	assert_true(spf_macro_valid("x.%{l1r+-=}", true));
	assert_true(spf_macro_valid("%{c}.%{r}.%{t}", false));
	assert_false(spf_macro_valid("a b", false));
	assert_false(spf_macro_valid("%{c}.example.com", true));
	assert_false(spf_macro_valid("example", true));
	assert_false(spf_macro_valid("example.-com", true));
	assert_false(spf_macro_valid("%{d", true));
	assert_false(spf_macro_valid("%x.example.com", true));
	assert_false(spf_macro_valid("%{d2x}.example.com", true));
	assert_false(spf_macro_valid("", true));
}

/* exists: and macros that need the sender, in one record. */
static void test_exists_and_macros(void **state)
{
	struct spf_fixture fx;

	fixture_open(&fx, "ok.test. TXT \"v=spf1 exists:%{l}.%{ir}.%{v}.list.test -all\"\n"
			  "alice.1.2.0.192.in-addr.list.test. A 127.0.0.2\n"
			  "v6.list.test. TXT \"v=spf1 exists:%{ir}.six.test -all\"\n"
			  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.six.test. "
			  "A 127.0.0.2\n"
			  "postmaster.test. TXT \"v=spf1 exists:%{l}.pm.test -all\"\n"
			  "postmaster.pm.test. A 127.0.0.1\n");
	assert_int_equal(check(&fx, "192.0.2.1", "alice@ok.test"), SPF_PASS);
	assert_int_equal(check(&fx, "192.0.2.1", "bob@ok.test"), SPF_FAIL);
	assert_int_equal(check(&fx, "2001:db8::1", "x@v6.list.test"), SPF_PASS);
	/* no local part: "postmaster" (§4.3) */
	assert_int_equal(check(&fx, "192.0.2.1", "@postmaster.test"), SPF_PASS);
	assert_int_equal(check(&fx, "192.0.2.1", "postmaster.test"), SPF_PASS);
	fixture_close(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appendix_a1),
		cmocka_unit_test(test_appendix_a2),
		cmocka_unit_test(test_appendix_a3),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_helo_identity),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_lookup_limit),
		cmocka_unit_test(test_void_mx_ptr_limits),
		cmocka_unit_test(test_macro_expansion),
		cmocka_unit_test(test_macro_truncation),
		cmocka_unit_test(test_macro_syntax),
		cmocka_unit_test(test_exists_and_macros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
