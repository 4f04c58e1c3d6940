/* Unit tests for DMARC (RFC 7489) over zone files the tests write:
 * record parsing, policy discovery, relaxed and strict alignment, sp=,
 * pct=, the organizational domain; then the From domain and the
 * Authentication-Results header field of mailauth.h. */
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
#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/mailauth.h"
#include "mailauth/spf.h"

static const char base_zone[] =
	"$ORIGIN example.com.\n"
	"_dmarc        TXT \"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com\"\n"
	"_dmarc.own    TXT \"v=DMARC1;p=none\"\n"
	"@             TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"$ORIGIN .\n"
	"_dmarc.strict.test.   TXT \"v=DMARC1; p=reject; adkim=s; aspf=s\"\n"
	"_dmarc.relaxed.test.  TXT \"v=DMARC1; p=quarantine; adkim=r; aspf=r\"\n"
	"_dmarc.pct0.test.     TXT \"v=DMARC1; p=reject; pct=0\"\n"
	"_dmarc.pct0q.test.    TXT \"v=DMARC1; p=quarantine; pct=0\"\n"
	"_dmarc.pct100.test.   TXT \"v=DMARC1; p=reject; pct=100\"\n"
	"_dmarc.badp.test.     TXT \"v=DMARC1; p=bogus\"\n"
	"_dmarc.badprua.test.  TXT \"v=DMARC1; p=bogus; rua=mailto:r@badprua.test\"\n"
	"_dmarc.badsp.test.    TXT \"v=DMARC1; p=reject; sp=bogus\"\n"
	"_dmarc.nop.test.      TXT \"v=DMARC1; rua=nothing\"\n"
	"_dmarc.case.test.     TXT \"v=dmarc1; p=reject\"\n"
	"_dmarc.notfirst.test. TXT \"p=reject; v=DMARC1\"\n"
	"_dmarc.two.test.      TXT \"v=DMARC1; p=reject\"\n"
	"_dmarc.two.test.      TXT \"v=DMARC1; p=none\"\n"
	"_dmarc.other.test.    TXT \"hello\"\n"
	"_dmarc.other.test.    TXT \"v=DMARC1 ; p = Reject ; aspf = x ; pct = 500 ; foo = bar\"\n"
	"_dmarc.loop.test.     CNAME _dmarc.loop.test.\n";

struct dmarc_fixture {
	char *dir;
	char *path;
	struct config *cfg;
	struct dns *dns;
};

static void fixture_open(struct dmarc_fixture *fx, const char *extra)
{
	const char *base = getenv("TERN_TEST_TMP");
	const char *error = NULL;
	char *conf;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	fx->dir = xasprintf("%s/test_dmarc.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	fx->path = xasprintf("%s/zone.txt", fx->dir);
	assert_non_null(f = fopen(fx->path, "w"));
	fputs(base_zone, f);
	fputs(extra, f);
	fclose(f);
	conf = xasprintf("resolver = { zone-file = \"%s\"; };\n", fx->path);
	assert_non_null(fx->cfg = config_load_string(conf, "test", &error));
	free(conf);
	if (dns_open(fx->cfg, &fx->dns, &error) < 0)
		fail_msg("dns_open: %s", error);
}

static void fixture_close(struct dmarc_fixture *fx)
{
	dns_close(&fx->dns);
	config_free(&fx->cfg);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx->path);
	free(fx->dir);
}

/* DMARC for from with SPF (result, domain) and at most one signature. */
static void check(struct dmarc_fixture *fx, const char *from, enum spf_result spf_result,
		  const char *spf_domain, enum dkim_result dkim_result, const char *dkim_domain,
		  struct dmarc_outcome *out_r)
{
	struct spf_outcome spf = { .result = spf_result, .domain = (char *)spf_domain,
				   .property = "smtp.mailfrom" };
	struct dkim_verdict dkim = { .result = dkim_result, .domain = (char *)dkim_domain };

	dmarc_check(fx->dns, from, &spf, &dkim, dkim_domain != NULL ? 1 : 0, out_r);
}

#define assert_dmarc(fx, from, spf_r, spf_d, dkim_r, dkim_d, want_result, want_policy) \
	do { \
		struct dmarc_outcome o_; \
		check(fx, from, spf_r, spf_d, dkim_r, dkim_d, &o_); \
		if (o_.result != (want_result) || o_.policy != (want_policy)) \
			fail_msg("%s: %s/%d, expected %s/%d", from, dmarc_result_name(o_.result), \
				 (int)o_.policy, dmarc_result_name(want_result), (int)(want_policy)); \
		dmarc_outcome_clear(&o_); \
	} while (0)

static void test_organizational_domain(void **state)
{
	static const char *const cases[][2] = {
		{ "news.example.com", "example.com" }, { "example.com", "example.com" },
		{ "a.b.example.co.uk", "example.co.uk" }, { "EXAMPLE.ORG.", "example.org" },
		{ "com", "com" }, { "co.uk", "co.uk" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *org = dmarc_organizational_domain(cases[i][0]);

		assert_string_equal(org, cases[i][1]);
		free(org);
	}
}

static void test_alignment(void **state)
{
	struct dmarc_fixture fx;

	fixture_open(&fx, "");
	/* relaxed: the same organizational domain */
	assert_dmarc(&fx, "example.com", SPF_PASS, "bounce.example.com", DKIM_NONE, NULL,
		     DMARC_PASS, DMARC_POLICY_REJECT);
	assert_dmarc(&fx, "relaxed.test", SPF_FAIL, "relaxed.test", DKIM_PASS, "relaxed.test",
		     DMARC_PASS, DMARC_POLICY_QUARANTINE);
	assert_dmarc(&fx, "relaxed.test", SPF_PASS, "other.test", DKIM_PASS, "another.test",
		     DMARC_FAIL, DMARC_POLICY_QUARANTINE);
	/* strict: the same name only */
	assert_dmarc(&fx, "strict.test", SPF_PASS, "strict.test", DKIM_NONE, NULL, DMARC_PASS,
		     DMARC_POLICY_REJECT);
	assert_dmarc(&fx, "strict.test", SPF_PASS, "mail.strict.test", DKIM_PASS,
		     "mail.strict.test", DMARC_FAIL, DMARC_POLICY_REJECT);
	assert_dmarc(&fx, "strict.test", SPF_FAIL, "strict.test", DKIM_PASS, "STRICT.test",
		     DMARC_PASS, DMARC_POLICY_REJECT);
	/* results other than pass never align */
	assert_dmarc(&fx, "example.com", SPF_SOFTFAIL, "example.com", DKIM_FAIL, "example.com",
		     DMARC_FAIL, DMARC_POLICY_REJECT);
	/* a public suffix is nobody's organizational domain */
	assert_dmarc(&fx, "example.com", SPF_FAIL, NULL, DKIM_PASS, "com", DMARC_FAIL,
		     DMARC_POLICY_REJECT);
	fixture_close(&fx);
}

/* Discovery (§6.6.3): the From domain's record, else the
 * organizational domain's, whose sp= then applies. */
static void test_subdomain_policy(void **state)
{
	struct dmarc_fixture fx;
	struct dmarc_outcome out;

	fixture_open(&fx, "");
	assert_dmarc(&fx, "example.com", SPF_FAIL, "x.test", DKIM_NONE, NULL, DMARC_FAIL,
		     DMARC_POLICY_REJECT);
	assert_dmarc(&fx, "news.example.com", SPF_FAIL, "x.test", DKIM_NONE, NULL, DMARC_FAIL,
		     DMARC_POLICY_QUARANTINE);
	assert_dmarc(&fx, "a.b.example.com", SPF_NONE, NULL, DKIM_PASS, "example.com",
		     DMARC_PASS, DMARC_POLICY_QUARANTINE);
	/* a subdomain's own record is its p= */
	assert_dmarc(&fx, "own.example.com", SPF_FAIL, "x.test", DKIM_NONE, NULL, DMARC_FAIL,
		     DMARC_POLICY_NONE);
	check(&fx, "News.Example.COM.", SPF_PASS, "example.com", DKIM_NONE, NULL, &out);
	assert_int_equal(out.result, DMARC_PASS);
	assert_string_equal(out.from_domain, "news.example.com");
	dmarc_outcome_clear(&out);
	assert_null(out.from_domain);
	fixture_close(&fx);
}

static void test_pct(void **state)
{
	struct dmarc_fixture fx;

	fixture_open(&fx, "");
	for (int i = 0; i < 20; i++) {
		assert_dmarc(&fx, "pct0.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_FAIL,
			     DMARC_POLICY_QUARANTINE);
		assert_dmarc(&fx, "pct0q.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_FAIL,
			     DMARC_POLICY_NONE);
		assert_dmarc(&fx, "pct100.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_FAIL,
			     DMARC_POLICY_REJECT);
	}
	fixture_close(&fx);
}

/* §6.3 and §6.6.3: what counts as a record, and what an invalid one
 * means. */
static void test_records(void **state)
{
	struct dmarc_fixture fx;

	fixture_open(&fx, "");
	assert_dmarc(&fx, "nothing.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "badp.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "badsp.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "nop.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	/* an invalid p= with a usable rua= reads as p=none */
	assert_dmarc(&fx, "badprua.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_FAIL,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "case.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "notfirst.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "two.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_NONE,
		     DMARC_POLICY_NONE);
	/* spaces around tags, other TXT records, bad aspf= and pct= defaulted */
	assert_dmarc(&fx, "other.test", SPF_PASS, "mail.other.test", DKIM_NONE, NULL, DMARC_PASS,
		     DMARC_POLICY_REJECT);
	assert_dmarc(&fx, "other.test", SPF_FAIL, NULL, DKIM_NONE, NULL, DMARC_FAIL,
		     DMARC_POLICY_REJECT);
	fixture_close(&fx);
}

static void test_errors(void **state)
{
	struct dmarc_fixture fx;
	struct dmarc_outcome out;

	fixture_open(&fx, "");
	assert_dmarc(&fx, "loop.test", SPF_PASS, "loop.test", DKIM_NONE, NULL, DMARC_TEMPERROR,
		     DMARC_POLICY_NONE);
	assert_dmarc(&fx, "example.com", SPF_TEMPERROR, "example.com", DKIM_NONE, NULL,
		     DMARC_TEMPERROR, DMARC_POLICY_REJECT);
	assert_dmarc(&fx, "example.com", SPF_FAIL, "example.com", DKIM_TEMPERROR, "example.com",
		     DMARC_TEMPERROR, DMARC_POLICY_REJECT);
	dmarc_check(fx.dns, NULL, NULL, NULL, 0, &out);
	assert_int_equal(out.result, DMARC_PERMERROR);
	assert_null(out.from_domain);
	dmarc_outcome_clear(&out);
	fixture_close(&fx);
}

static void test_from_domain(void **state)
{
	static const struct {
		const char *msg;
		const char *domain;
	} cases[] = {
		{ "From: Alice <alice@Example.COM>\r\nTo: b@x.test\r\n\r\nbody\r\n", "example.com" },
		{ "To: b@x.test\r\nFrom: alice@example.com (Alice)\r\n\r\n", "example.com" },
		{ "From: \"Doe, John\" <john@example.org>\r\n\r\n", "example.org" },
		{ "From: \"a@b.test\" <x@real.example>\r\n\r\n", "real.example" },
		{ "From: (c@d.test) x@e.example\r\n\r\n", "e.example" },
		{ "From: Alice\r\n <alice@fold.example>\r\n\r\n", "fold.example" },
		{ "from : x@y.example\nSubject: s\n\n", "y.example" },
		{ "From: Team: a@x.example;\r\n\r\n", "x.example" },
		{ "From: <@route.example:user@dest.example>\r\n\r\n", "dest.example" },
		{ "From: a@x.example.\r\n\r\n", "x.example" },
		{ "From: a@ (comment) x.example\r\n\r\n", "x.example" },
		{ "From: a@x.example\r\n\r\nFrom: b@y.example\r\n", "x.example" },
		{ "From: a@x.example", "x.example" },
		{ "From: a@x.example\r\nFrom: b@y.example\r\n\r\n", NULL },
		{ "From: a@x.example, b@y.example\r\n\r\n", NULL },
		{ "From: a@x.example, a@x.example\r\n\r\n", NULL },
		{ "To: a@x.example\r\n\r\n", NULL },
		{ "Subject: x\r\n\r\nFrom: a@x.example\r\n", NULL },
		{ "From: undisclosed-recipients:;\r\n\r\n", NULL },
		{ "From: a@[192.0.2.1]\r\n\r\n", NULL },
		{ "From: (open a@x.example\r\n\r\n", NULL },
		{ "From: \"open <a@x.example>\r\n\r\n", NULL },
		{ "From: a@x..example\r\n\r\n", NULL },
		{ "From: a@\xc3\xa9.example\r\n\r\n", NULL },
		{ "From: nobody\r\n\r\n", NULL },
		{ "From-Extra: a@x.example\r\n\r\n", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = mailauth_from_domain(cases[i].msg, strlen(cases[i].msg));

		if (cases[i].domain == NULL ? d != NULL : d == NULL || strcmp(d, cases[i].domain) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, d != NULL ? d : "(null)",
				 cases[i].domain != NULL ? cases[i].domain : "(null)");
		free(d);
	}
}

static void test_from_domain_bounds(void **state)
{
	struct strbuf msg = { 0 };
	char *d;

	strbuf_puts(&msg, "From: ");
	for (int i = 0; i < 2000; i++)
		strbuf_puts(&msg, "\r\n (a comment)");
	strbuf_puts(&msg, " a@x.example\r\n\r\n");
	assert_null(mailauth_from_domain(msg.s, msg.len));
	/* a message cut short in the From field is still read safely */
	d = mailauth_from_domain(msg.s, 40);
	assert_null(d);
	strbuf_free(&msg);
}

static const char plain_msg[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.net\r\n"
	"Subject: hello\r\n"
	"Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
	"Message-ID: <1@example.com>\r\n"
	"\r\n"
	"Hello Bob.\r\n";

static void test_inbound_unsigned(void **state)
{
	struct dmarc_fixture fx;
	struct mailauth_inbound r;

	fixture_open(&fx, "");
	mailauth_check_inbound(fx.dns, "mx.example.net", "192.0.2.7", "mail.example.com",
			       "alice@example.com", plain_msg, strlen(plain_msg), time(NULL), &r);
	assert_int_equal(r.spf.result, SPF_PASS);
	assert_int_equal(r.dkim_count, 0);
	assert_int_equal(r.dmarc.result, DMARC_PASS);
	assert_string_equal(r.header, "Authentication-Results: mx.example.net;\r\n"
				      "\tspf=pass smtp.mailfrom=example.com;\r\n"
				      "\tdkim=none;\r\n"
				      "\tdmarc=pass header.from=example.com\r\n");
	mailauth_inbound_clear(&r);
	assert_null(r.header);

	mailauth_check_inbound(fx.dns, "mx.example.net", "198.51.100.1", "evil.test", "",
			       plain_msg, strlen(plain_msg), time(NULL), &r);
	assert_int_equal(r.dmarc.result, DMARC_FAIL);
	assert_int_equal(r.dmarc.policy, DMARC_POLICY_REJECT);
	assert_string_equal(r.header, "Authentication-Results: mx.example.net;\r\n"
				      "\tspf=none smtp.helo=evil.test;\r\n"
				      "\tdkim=none;\r\n"
				      "\tdmarc=fail (p=reject) header.from=example.com\r\n");
	mailauth_inbound_clear(&r);

	mailauth_check_inbound(fx.dns, "mx.example.net", "198.51.100.1", "", "",
			       "Subject: x\r\n\r\n", 14, time(NULL), &r);
	assert_string_equal(r.header, "Authentication-Results: mx.example.net;\r\n"
				      "\tspf=none;\r\n"
				      "\tdkim=none;\r\n"
				      "\tdmarc=permerror\r\n");
	mailauth_inbound_clear(&r);
	fixture_close(&fx);
}

/* A signature whose key is not published: its verdict, with header.b
 * quoted since it holds a '/'. */
static void test_inbound_bad_signature(void **state)
{
	static const char msg[] =
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=nokey;\r\n"
		"\tc=relaxed/relaxed; h=from:subject; bh=AAAA; b=ab/cd+efghijkl\r\n"
		"From: alice@example.com\r\n"
		"Subject: x\r\n"
		"\r\n"
		"body\r\n";
	struct dmarc_fixture fx;
	struct mailauth_inbound r;

	fixture_open(&fx, "");
	mailauth_check_inbound(fx.dns, "mx.example.net", "198.51.100.1", "h.test",
			       "alice@example.com", msg, strlen(msg), time(NULL), &r);
	assert_int_equal(r.spf.result, SPF_FAIL);
	assert_int_equal(r.dkim_count, 1);
	assert_int_not_equal(r.dkim[0].result, DKIM_PASS);
	assert_int_equal(r.dmarc.result, DMARC_FAIL);
	assert_non_null(strstr(r.header, "\tspf=fail smtp.mailfrom=example.com;\r\n\tdkim="));
	assert_non_null(strstr(r.header, " header.d=example.com header.s=nokey "
					 "header.b=\"ab/cd+ef\";\r\n"));
	mailauth_inbound_clear(&r);
	fixture_close(&fx);
}

/* A message signed with a published key: DMARC passes on DKIM alone. */
static void test_inbound_signed(void **state)
{
	struct dmarc_fixture fx;
	struct mailauth_inbound r;
	const char *error = NULL;
	char *pem, *txt, *zone, *sig, *signed_msg;
	time_t now = time(NULL);

	assert_int_equal(dkim_key_generate(DKIM_ED25519_SHA256, &pem, &txt, &error), 0);
	zone = xasprintf("sel._domainkey.example.com. TXT \"%s\"\n", txt);
	fixture_open(&fx, zone);
	sig = dkim_sign("example.com", "sel", DKIM_ED25519_SHA256, pem, plain_msg,
			strlen(plain_msg), now, &error);
	assert_non_null(sig);
	signed_msg = xasprintf("%s%s", sig, plain_msg);
	mailauth_check_inbound(fx.dns, "mx.example.net", "198.51.100.1", "h.test",
			       "bounce@other.test", signed_msg, strlen(signed_msg), now, &r);
	assert_int_equal(r.spf.result, SPF_NONE);
	assert_int_equal(r.dkim_count, 1);
	assert_int_equal(r.dkim[0].result, DKIM_PASS);
	assert_int_equal(r.dmarc.result, DMARC_PASS);
	assert_non_null(strstr(r.header, "\tspf=none smtp.mailfrom=other.test;\r\n"
					 "\tdkim=pass header.d=example.com header.s=sel header.b="));
	assert_non_null(strstr(r.header, ";\r\n\tdmarc=pass header.from=example.com\r\n"));
	mailauth_inbound_clear(&r);
	free(signed_msg);
	free(sig);
	free(zone);
	free(pem);
	free(txt);
	fixture_close(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_organizational_domain),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_subdomain_policy),
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_from_domain),
		cmocka_unit_test(test_from_domain_bounds),
		cmocka_unit_test(test_inbound_unsigned),
		cmocka_unit_test(test_inbound_bad_signature),
		cmocka_unit_test(test_inbound_signed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
