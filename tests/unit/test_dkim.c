/* Unit tests for DKIM: the canonicalization vectors of RFC 6376 §3.4.5,
 * sign/verify round trips with RSA and Ed25519, tampering, x= and l=,
 * key records (revoked, short, wrong type, h=, t=s) and bad input. Keys
 * come from a static zone file written by the fixture. */
#include <openssl/pem.h>
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

#include "core/base64.h"
#include "core/config.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dns/dns.h"
#include "mailauth/dkim.h"
#include "mailauth/dkim_private.h"

#define NOW ((time_t)1763700000)

struct dkim_fixture {
	char *dir, *zone_path;
	struct config *cfg;
	struct dns *dns;
	char *rsa_pem, *rsa_txt;
	char *ed_pem, *ed_txt;
};

static struct dkim_fixture fx;

static const char test_msg[] =
	"From: Alice <alice@example.org>\r\n"
	"To: bob@example.net\r\n"
	"Subject: Hello  there\r\n"
	"Date: Fri, 21 Nov 2025 10:00:00 +0000\r\n"
	"Message-ID: <1@example.org>\r\n"
	"X-Unsigned: yes\r\n"
	"\r\n"
	"Hi Bob,\r\n"
	"\r\n"
	"a line  with   spaces \t\r\n"
	"\r\n"
	"\r\n";

/* A zone TXT record: the value in quoted strings of at most 255 bytes. */
static void zone_txt(FILE *f, const char *owner, const char *value)
{
	size_t len = strlen(value);

	fprintf(f, "%s IN TXT (", owner);
	for (size_t i = 0; i < len; i += 255)
		fprintf(f, " \"%.*s\"", (int)(len - i < 255 ? len - i : 255), value + i);
	fprintf(f, " )\n");
}

/* The p= of a key record. */
static const char *txt_p(const char *txt)
{
	return strstr(txt, "p=") + 2;
}

/* A 512-bit RSA key's record, which verifiers must refuse. */
static char *short_rsa_txt(void)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	unsigned char *der = NULL;
	int len;
	char *b64, *txt;

	assert_non_null(pkey);
	len = i2d_PUBKEY(pkey, &der);
	assert_true(len > 0);
	b64 = base64_encode(der, (size_t)len, false);
	txt = xasprintf("v=DKIM1; k=rsa; p=%s", b64);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	free(b64);
	return txt;
}

static void zone_write(const char *path)
{
	FILE *f = fopen(path, "w");
	char *v;

	assert_non_null(f);
	fprintf(f, "$ORIGIN example.org.\n$TTL 300\n");
	zone_txt(f, "rsa._domainkey", fx.rsa_txt);
	zone_txt(f, "ed._domainkey", fx.ed_txt);
	zone_txt(f, "revoked._domainkey", "v=DKIM1; k=rsa; p=");
	v = short_rsa_txt();
	zone_txt(f, "short._domainkey", v);
	free(v);
	v = xasprintf("v=DKIM1; h=sha1; p=%s", txt_p(fx.rsa_txt));
	zone_txt(f, "sha1._domainkey", v);
	free(v);
	v = xasprintf("v=DKIM1; k=rsa; t=s; p=%s", txt_p(fx.rsa_txt));
	zone_txt(f, "strict._domainkey", v);
	free(v);
	v = xasprintf("v=DKIM1; k=ed25519; p=%s", txt_p(fx.rsa_txt));
	zone_txt(f, "wrongk._domainkey", v);
	free(v);
	v = xasprintf("v=DKIM1; s=email:other; p=%s", txt_p(fx.rsa_txt));
	zone_txt(f, "svc._domainkey", v);
	free(v);
	zone_txt(f, "garbage._domainkey", "v=DKIM1; p=!!notbase64!!");
	fprintf(f, "other IN A 192.0.2.1\n");
	fclose(f);
}

static int fixture_setup(void **state)
{
	const char *base = getenv("TERN_TEST_TMP"), *error = NULL;
	char *conf;

	fx.dir = xasprintf("%s/test_dkim.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(fx.dir));
	fx.zone_path = xasprintf("%s/zone.txt", fx.dir);
	assert_int_equal(dkim_key_generate(DKIM_RSA_SHA256, &fx.rsa_pem, &fx.rsa_txt, &error), 0);
	assert_int_equal(dkim_key_generate(DKIM_ED25519_SHA256, &fx.ed_pem, &fx.ed_txt, &error), 0);
	zone_write(fx.zone_path);
	conf = xasprintf("resolver = { zone-file = \"%s\"; };\n", fx.zone_path);
	fx.cfg = config_load_string(conf, "test", &error);
	free(conf);
	assert_non_null(fx.cfg);
	assert_int_equal(dns_open(fx.cfg, &fx.dns, &error), 0);
	return 0;
}

static int fixture_teardown(void **state)
{
	dns_close(&fx.dns);
	config_free(&fx.cfg);
	unlink(fx.zone_path);
	rmdir(fx.dir);
	free(fx.zone_path);
	free(fx.dir);
	free(fx.rsa_pem);
	free(fx.rsa_txt);
	free(fx.ed_pem);
	free(fx.ed_txt);
	return 0;
}

/* sig + msg, caller frees. */
static char *prepend(const char *sig, const char *msg)
{
	return xasprintf("%s%s", sig, msg);
}

/* Verifies msg and checks it has one verdict with result (and reason
 * containing why when why is not NULL). */
static void expect_one(const char *msg, enum dkim_result result, const char *why)
{
	struct dkim_verdict *v = NULL;
	size_t count = 0;

	dkim_verify(fx.dns, msg, strlen(msg), NOW + 60, &v, &count);
	assert_int_equal(count, 1);
	if (v[0].result != result)
		fail_msg("result %s (%s), expected %s", dkim_result_name(v[0].result),
			 v[0].reason != NULL ? v[0].reason : "", dkim_result_name(result));
	if (why != NULL) {
		assert_non_null(v[0].reason);
		if (strstr(v[0].reason, why) == NULL)
			fail_msg("reason \"%s\", expected \"%s\"", v[0].reason, why);
	}
	dkim_verdicts_free(&v, count);
	assert_null(v);
}

static char *sign_rsa(const char *selector, const char *msg)
{
	const char *error = NULL;
	char *sig = dkim_sign("example.org", selector, DKIM_RSA_SHA256, fx.rsa_pem, msg,
			      strlen(msg), NOW, &error);

	if (sig == NULL)
		fail_msg("dkim_sign: %s", error);
	return sig;
}

/* ---- canonicalization (RFC 6376 §3.4.5) ---- */

static const char rfc_example[] =
	"A: X\r\n"
	"B : Y\t\r\n"
	"\tZ  \r\n"
	"\r\n"
	" C \r\n"
	"D \t E\r\n"
	"\r\n"
	"\r\n";

static void canon_headers(const struct dkim_message *m, bool relaxed, struct strbuf *out)
{
	for (size_t i = 0; i < m->field_count; i++)
		dkim_canon_header(out, m->fields[i].text, m->fields[i].len, relaxed);
}

static void assert_body_hash(const struct dkim_message *m, bool relaxed, const char *canon)
{
	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	uint64_t len;

	dkim_canon_body_hash(m->body, m->body_len, relaxed, UINT64_MAX, got, &len);
	sha256(canon, strlen(canon), want);
	assert_memory_equal(got, want, SHA256_LEN);
	assert_int_equal(len, strlen(canon));
}

static void test_canon_rfc_example(void **state)
{
	struct dkim_message m;
	struct strbuf out = { 0 };

	dkim_message_parse(rfc_example, strlen(rfc_example), &m);
	assert_int_equal(m.field_count, 2);
	canon_headers(&m, true, &out);
	assert_string_equal(out.s, "a:X\r\nb:Y Z\r\n");
	strbuf_reset(&out);
	canon_headers(&m, false, &out);
	assert_string_equal(out.s, "A: X\r\nB : Y\t\r\n\tZ  \r\n");
	assert_body_hash(&m, true, " C\r\nD E\r\n");
	assert_body_hash(&m, false, " C \r\nD \t E\r\n");
	strbuf_free(&out);
	dkim_message_clear(&m);
}

static void test_canon_bare_lf(void **state)
{
	static const char lf[] = "A: X\nB : Y\t\n\tZ  \n\n C \nD \t E\n\n\n";
	struct dkim_message m;
	struct strbuf out = { 0 };

	dkim_message_parse(lf, strlen(lf), &m);
	canon_headers(&m, true, &out);
	assert_string_equal(out.s, "a:X\r\nb:Y Z\r\n");
	assert_body_hash(&m, true, " C\r\nD E\r\n");
	assert_body_hash(&m, false, " C \r\nD \t E\r\n");
	strbuf_free(&out);
	dkim_message_clear(&m);
}

static void test_canon_empty_body(void **state)
{
	static const char *const msgs[] = { "A: X\r\n", "A: X\r\n\r\n", "A: X\r\n\r\n\r\n \t\r\n" };
	struct dkim_message m;

	for (size_t i = 0; i < 3; i++) {
		dkim_message_parse(msgs[i], strlen(msgs[i]), &m);
		assert_body_hash(&m, true, "");
		if (i < 2)
			assert_body_hash(&m, false, "\r\n");
		dkim_message_clear(&m);
	}
	/* no final CRLF: one is added */
	dkim_message_parse("A: X\r\n\r\nend  ", 13, &m);
	assert_body_hash(&m, true, "end\r\n");
	assert_body_hash(&m, false, "end  \r\n");
	dkim_message_clear(&m);
}

static void test_canon_body_limit(void **state)
{
	struct dkim_message m;
	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	uint64_t len;

	dkim_message_parse(rfc_example, strlen(rfc_example), &m);
	dkim_canon_body_hash(m.body, m.body_len, true, 4, got, &len);
	sha256(" C\r\n", 4, want);
	assert_memory_equal(got, want, SHA256_LEN);
	assert_int_equal(len, 9);
	dkim_message_clear(&m);
}

/* A body much larger than the hashing buffer, with and without l=. */
static void test_canon_large_body(void **state)
{
	struct strbuf msg = { 0 }, canon = { 0 };
	struct dkim_message m;
	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	uint64_t len;

	strbuf_puts(&msg, "A: X\r\n\r\n");
	for (int i = 0; i < 20000; i++) {
		strbuf_printf(&msg, "w%d  x\t y %*s\r\n", i, i % 7, "");
		strbuf_printf(&canon, "w%d x y\r\n", i);
	}
	strbuf_append(&msg, "\r\n\r\n", 4);
	dkim_message_parse(msg.s, msg.len, &m);
	assert_body_hash(&m, true, canon.s);
	dkim_canon_body_hash(m.body, m.body_len, true, 12345, got, &len);
	sha256(canon.s, 12345, want);
	assert_memory_equal(got, want, SHA256_LEN);
	assert_int_equal(len, canon.len);
	dkim_message_clear(&m);
	strbuf_free(&msg);
	strbuf_free(&canon);
}

static void test_tags(void **state)
{
	static const char text[] = " v = 1 ;a=rsa-sha256;\r\n\tb=AB\r\n\t CD ; h=From : To;";
	struct dkim_tags tags;
	const struct dkim_tag *b;
	char *compact;

	assert_int_equal(dkim_tags_parse(text, text, strlen(text), &tags), 0);
	assert_int_equal(tags.count, 4);
	assert_true(dkim_tag_equals(dkim_tags_get(&tags, "v"), "1"));
	b = dkim_tags_get(&tags, "b");
	compact = dkim_tag_compact(b);
	assert_string_equal(compact, "ABCD");
	free(compact);
	assert_int_equal(text[b->raw_start - 1], '=');
	assert_int_equal(text[b->raw_end], ';');
	assert_true(dkim_tag_list_has(dkim_tags_get(&tags, "h"), "to", true));
	assert_false(dkim_tag_list_has(dkim_tags_get(&tags, "h"), "to", false));
	assert_int_equal(dkim_tags_parse("a=1; a=2", "a=1; a=2", 8, &tags), -1);
	assert_int_equal(dkim_tags_parse("a", "a", 1, &tags), -1);
	assert_int_equal(dkim_tags_parse("1a=x", "1a=x", 4, &tags), -1);
	assert_int_equal(dkim_tags_parse("a=\x01", "a=\x01", 3, &tags), -1);
	assert_int_equal(dkim_tags_parse("", "", 0, &tags), 0);
	assert_int_equal(tags.count, 0);
}

/* ---- round trips ---- */

static void round_trip(enum dkim_algorithm alg, const char *pem, const char *selector)
{
	const char *error = NULL;
	char *sig = dkim_sign("Example.ORG", selector, alg, pem, test_msg, strlen(test_msg), NOW,
			      &error);
	char *msg;
	struct dkim_verdict *v = NULL;
	size_t count = 0;

	assert_non_null(sig);
	assert_true(strncmp(sig, "DKIM-Signature: v=1; a=", 23) == 0);
	assert_non_null(strstr(sig, "c=relaxed/relaxed;"));
	assert_non_null(strstr(sig, "d=example.org;"));
	assert_non_null(strstr(sig, "t=1763700000;"));
	assert_non_null(strstr(sig, "h=from:from:subject:date:to:message-id;"));
	assert_null(strstr(sig, "x-unsigned"));
	for (const char *line = sig; *line != '\0'; line = strstr(line, "\r\n") + 2)
		assert_true(strstr(line, "\r\n") - line <= 78);
	msg = prepend(sig, test_msg);
	dkim_verify(fx.dns, msg, strlen(msg), NOW + 60, &v, &count);
	assert_int_equal(count, 1);
	assert_int_equal(v[0].result, DKIM_PASS);
	assert_null(v[0].reason);
	assert_string_equal(v[0].domain, "example.org");
	assert_string_equal(v[0].selector, selector);
	assert_string_equal(v[0].algorithm, dkim_algorithm_name(alg));
	assert_int_equal(strlen(v[0].header_b), 8);
	assert_true(strncmp(v[0].header_b, strstr(sig, " b=") + 3, 8) == 0);
	dkim_verdicts_free(&v, count);
	free(msg);
	free(sig);
}

static void test_round_trip_rsa(void **state)
{
	round_trip(DKIM_RSA_SHA256, fx.rsa_pem, "rsa");
}

static void test_round_trip_ed25519(void **state)
{
	round_trip(DKIM_ED25519_SHA256, fx.ed_pem, "ed");
}

/* Both signatures on one message, as outbound mail carries them. */
static void test_two_signatures(void **state)
{
	const char *error = NULL;
	char *rsa = sign_rsa("rsa", test_msg);
	char *ed = dkim_sign("example.org", "ed", DKIM_ED25519_SHA256, fx.ed_pem, test_msg,
			     strlen(test_msg), NOW, &error);
	char *msg = xasprintf("%s%s%s", ed, rsa, test_msg);
	struct dkim_verdict *v = NULL;
	size_t count = 0;

	dkim_verify(fx.dns, msg, strlen(msg), NOW, &v, &count);
	assert_int_equal(count, 2);
	assert_int_equal(v[0].result, DKIM_PASS);
	assert_string_equal(v[0].algorithm, "ed25519-sha256");
	assert_int_equal(v[1].result, DKIM_PASS);
	assert_string_equal(v[1].algorithm, "rsa-sha256");
	dkim_verdicts_free(&v, count);
	free(msg);
	free(rsa);
	free(ed);
}

/* A message signed with bare LF line ends verifies once sent as CRLF,
 * and relaxed canonicalization survives refolding and case changes. */
static void test_line_ends_and_relaxed(void **state)
{
	static const char lf[] = "From: a@example.org\nSubject: x\n\nbody\n";
	static const char crlf[] = "from:   a@example.org\r\nSubject:\r\n x\r\n\r\nbody  \r\n\r\n";
	char *sig = sign_rsa("rsa", lf), *msg;

	msg = prepend(sig, crlf);
	expect_one(msg, DKIM_PASS, NULL);
	free(msg);
	free(sig);
}

static void test_tampered(void **state)
{
	char *sig = sign_rsa("rsa", test_msg), *msg, *changed;

	changed = xstrdup(test_msg);
	*strstr(changed, "Hi Bob") = 'h';
	msg = prepend(sig, changed);
	expect_one(msg, DKIM_FAIL, "body hash");
	free(msg);
	free(changed);

	changed = xstrdup(test_msg);
	*strstr(changed, "Hello") = 'J';
	msg = prepend(sig, changed);
	expect_one(msg, DKIM_FAIL, "signature did not verify");
	free(msg);
	free(changed);

	/* a second From added above: From is oversigned */
	changed = xasprintf("From: mallory@example.org\r\n%s", test_msg);
	msg = prepend(sig, changed);
	expect_one(msg, DKIM_FAIL, "signature did not verify");
	free(msg);
	free(changed);

	/* an unsigned field may change */
	changed = xstrdup(test_msg);
	*strstr(changed, "yes") = 'Y';
	msg = prepend(sig, changed);
	expect_one(msg, DKIM_PASS, NULL);
	free(msg);
	free(changed);

	/* the signature's own tags are signed */
	msg = prepend(sig, test_msg);
	strstr(msg, "t=1763700000")[2] = '2';
	expect_one(msg, DKIM_FAIL, "signature did not verify");
	free(msg);
	free(sig);
}

/* ---- hand-made signatures: simple/simple, x=, l=, i= ---- */

/* A signature with extra tags (extra, e.g. "x=...; l=...;"), signed
 * with the RSA key over From and Subject. */
static char *sign_custom(const char *msg, const char *selector, const char *canon,
			 const char *extra, uint64_t l)
{
	bool rh = strncmp(canon, "relaxed", 7) == 0, rb = strstr(canon, "/relaxed") != NULL;
	const char *names[] = { "from", "subject" }, *error = NULL;
	struct dkim_message m;
	struct strbuf head = { 0 }, data = { 0 };
	uint8_t bh[SHA256_LEN];
	uint64_t len;
	unsigned char *sig;
	size_t sig_len;
	EVP_PKEY *pkey = dkim_key_private_load(fx.rsa_pem, DKIM_RSA_SHA256, &error);
	char *bh64, *b64;

	dkim_message_parse(msg, strlen(msg), &m);
	dkim_canon_body_hash(m.body, m.body_len, rb, l, bh, &len);
	bh64 = base64_encode(bh, SHA256_LEN, false);
	strbuf_printf(&head, "DKIM-Signature: v=1; a=rsa-sha256; c=%s; d=example.org;\r\n"
		      "\ts=%s; %s h=from:subject; bh=%s;\r\n\tb=\r\n", canon, selector, extra,
		      bh64);
	struct dkim_field f = { .text = head.s, .len = head.len };
	dkim_canon_signed_headers(&data, &m, names, 2, &f, head.len - 2, head.len - 2, rh);
	assert_int_equal(dkim_crypto_sign(pkey, DKIM_RSA_SHA256, data.s, data.len, &sig, &sig_len),
			 0);
	b64 = base64_encode(sig, sig_len, false);
	head.len -= 2;
	strbuf_printf(&head, "%.40s\r\n\t%s\r\n", b64, b64 + 40);
	free(b64);
	free(sig);
	free(bh64);
	EVP_PKEY_free(pkey);
	strbuf_free(&data);
	dkim_message_clear(&m);
	b64 = prepend(head.s, msg);
	strbuf_free(&head);
	return b64;
}

static void test_simple_canonicalization(void **state)
{
	static const char *const canons[] = { "simple/simple", "simple", "relaxed/simple",
					      "simple/relaxed" };
	char *msg;

	for (size_t i = 0; i < 4; i++) {
		msg = sign_custom(test_msg, "rsa", canons[i], "", UINT64_MAX);
		expect_one(msg, DKIM_PASS, NULL);
		/* whitespace counts in a simple header, not in a relaxed one */
		memcpy(strstr(msg, "Hello  there"), "Hello \tthere", 12);
		expect_one(msg, strncmp(canons[i], "simple", 6) == 0 ? DKIM_FAIL : DKIM_PASS, NULL);
		free(msg);
	}
}

static void test_expiry(void **state)
{
	char *msg, *extra;

	extra = xasprintf("t=%lld; x=%lld;", (long long)NOW, (long long)NOW + 3600);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", extra, UINT64_MAX);
	expect_one(msg, DKIM_PASS, NULL);
	free(msg);
	free(extra);

	extra = xasprintf("t=%lld; x=%lld;", (long long)NOW - 7200, (long long)NOW - 3600);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", extra, UINT64_MAX);
	expect_one(msg, DKIM_POLICY, "expired");
	free(msg);
	free(extra);

	extra = xasprintf("t=%lld; x=%lld;", (long long)NOW, (long long)NOW - 1);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", extra, UINT64_MAX);
	expect_one(msg, DKIM_NEUTRAL, "x= is before t=");
	free(msg);
	free(extra);
}

static void test_body_length(void **state)
{
	struct dkim_message m;
	uint8_t digest[SHA256_LEN];
	uint64_t body_len;
	char *msg, *longer, *extra;

	dkim_message_parse(test_msg, strlen(test_msg), &m);
	dkim_canon_body_hash(m.body, m.body_len, true, UINT64_MAX, digest, &body_len);
	dkim_message_clear(&m);
	assert_int_equal(body_len, 31);
	/* l= covering the whole body, then content appended past it */
	extra = xasprintf("l=%llu;", (unsigned long long)body_len);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", extra, body_len);
	expect_one(msg, DKIM_PASS, NULL);
	longer = xasprintf("%sappended\r\n", msg);
	expect_one(longer, DKIM_POLICY, "unsigned");
	free(longer);
	free(msg);
	free(extra);
	/* l= longer than the body */
	extra = xasprintf("l=%llu;", (unsigned long long)body_len + 1);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", extra, body_len);
	expect_one(msg, DKIM_FAIL, "longer than the body");
	free(msg);
	free(extra);
}

static void test_identity(void **state)
{
	char *msg;

	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", "i=a@sub.example.org;", UINT64_MAX);
	expect_one(msg, DKIM_PASS, NULL);
	free(msg);
	/* t=s in the key: i= must be in d= itself */
	msg = sign_custom(test_msg, "strict", "relaxed/relaxed", "i=a@sub.example.org;",
			  UINT64_MAX);
	expect_one(msg, DKIM_PERMERROR, "t=s");
	free(msg);
	msg = sign_custom(test_msg, "strict", "relaxed/relaxed", "i=a@example.org;", UINT64_MAX);
	expect_one(msg, DKIM_PASS, NULL);
	free(msg);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", "i=a@example.net;", UINT64_MAX);
	expect_one(msg, DKIM_NEUTRAL, "i= is not within d=");
	free(msg);
	msg = sign_custom(test_msg, "rsa", "relaxed/relaxed", "i=a@xexample.org;", UINT64_MAX);
	expect_one(msg, DKIM_NEUTRAL, "i= is not within d=");
	free(msg);
}

/* ---- keys ---- */

static void expect_key_result(const char *selector, enum dkim_result result, const char *why)
{
	char *sig = sign_rsa(selector, test_msg), *msg = prepend(sig, test_msg);

	expect_one(msg, result, why);
	free(msg);
	free(sig);
}

static void test_key_records(void **state)
{
	expect_key_result("revoked", DKIM_PERMERROR, "revoked");
	expect_key_result("short", DKIM_PERMERROR, "1024 bits");
	expect_key_result("sha1", DKIM_PERMERROR, "sha256");
	expect_key_result("wrongk", DKIM_PERMERROR, "key type");
	expect_key_result("missing", DKIM_PERMERROR, "no key record");
	expect_key_result("garbage", DKIM_PERMERROR, "unusable");
	expect_key_result("svc", DKIM_PASS, NULL);
	expect_key_result("strict", DKIM_PASS, NULL);
}

static void test_no_resolver(void **state)
{
	char *sig = sign_rsa("rsa", test_msg), *msg = prepend(sig, test_msg);
	struct dkim_verdict *v = NULL;
	size_t count = 0;

	dkim_verify(NULL, msg, strlen(msg), NOW, &v, &count);
	assert_int_equal(count, 1);
	assert_int_equal(v[0].result, DKIM_TEMPERROR);
	dkim_verdicts_free(&v, count);
	free(msg);
	free(sig);
}

static void test_sign_errors(void **state)
{
	const char *error = NULL;

	assert_null(dkim_sign("example.org", "ed", DKIM_ED25519_SHA256, fx.rsa_pem, test_msg,
			      strlen(test_msg), NOW, &error));
	assert_non_null(error);
	assert_null(dkim_sign("example.org", "rsa", DKIM_RSA_SHA256, "not a key", test_msg,
			      strlen(test_msg), NOW, &error));
	assert_null(dkim_sign("example.org", "rsa", DKIM_RSA_SHA256, fx.rsa_pem,
			      "Subject: x\r\n\r\nno from\r\n", 24, NOW, &error));
	assert_string_equal(error, "the message has no From header field");
	assert_null(dkim_sign("example.org;\r\nX: y", "rsa", DKIM_RSA_SHA256, fx.rsa_pem, test_msg,
			      strlen(test_msg), NOW, &error));
	assert_null(dkim_sign("example.org", "", DKIM_RSA_SHA256, fx.rsa_pem, test_msg,
			      strlen(test_msg), NOW, &error));
}

/* ---- bad input ---- */

static void test_malformed_signatures(void **state)
{
	static const char *const sigs[] = {
		"DKIM-Signature: garbage\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=x; b=y\r\n",
		"DKIM-Signature: v=2; a=rsa-sha256; d=example.org; s=rsa; h=from;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha1; d=example.org; s=rsa; h=from;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=rsa; h=to;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; d=exa mple.org; s=rsa; h=from;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; c=fancy; d=example.org; s=rsa; h=from;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; q=http; d=example.org; s=rsa; h=from;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; l=99999999999999999999; d=example.org;"
		" s=rsa; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=rsa; h=from::to;"
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n",
	};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char *msg = prepend(sigs[i], test_msg);
		expect_one(msg, DKIM_NEUTRAL, NULL);
		free(msg);
	}
}

static void test_no_signature_and_limit(void **state)
{
	struct dkim_verdict *v = NULL;
	size_t count = 7;
	struct strbuf b = { 0 };

	dkim_verify(fx.dns, test_msg, strlen(test_msg), NOW, &v, &count);
	assert_int_equal(count, 0);
	assert_null(v);
	dkim_verdicts_free(&v, count);
	for (int i = 0; i < 8; i++)
		strbuf_puts(&b, "DKIM-Signature: v=1\r\n");
	strbuf_puts(&b, test_msg);
	dkim_verify(fx.dns, b.s, b.len, NOW, &v, &count);
	assert_int_equal(count, 5);
	dkim_verdicts_free(&v, count);
	strbuf_free(&b);
}

/* Random bytes around a real signature: nothing crashes. */
static void test_garbage(void **state)
{
	char *sig = sign_rsa("rsa", test_msg), *base = prepend(sig, test_msg);
	size_t len = strlen(base);
	unsigned seed = 12345;
	struct dkim_verdict *v;
	size_t count;

	for (int round = 0; round < 300; round++) {
		char *msg = xstrdup(base);
		for (int k = 0; k < 1 + round % 8; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			msg[at] = (char)(seed >> 16);
		}
		size_t n = strlen(msg);
		dkim_verify(fx.dns, msg, n, NOW, &v, &count);
		assert_true(count <= 5);
		dkim_verdicts_free(&v, count);
		free(msg);
	}
	free(base);
	free(sig);
}

static void test_key_generate(void **state)
{
	const char *error = NULL;
	struct dkim_pubkey key;
	const char *reason = NULL;

	assert_true(strncmp(fx.rsa_pem, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	assert_true(strncmp(fx.rsa_txt, "v=DKIM1; k=rsa; p=MII", 21) == 0);
	assert_true(strncmp(fx.ed_txt, "v=DKIM1; k=ed25519; p=", 22) == 0);
	assert_int_equal(strlen(txt_p(fx.ed_txt)), 44);
	assert_int_equal(dkim_key_record_parse(fx.rsa_txt, DKIM_RSA_SHA256, &key, &reason), 0);
	assert_int_equal(EVP_PKEY_get_bits(key.pkey), 2048);
	EVP_PKEY_free(key.pkey);
	assert_int_equal(dkim_key_record_parse(fx.ed_txt, DKIM_ED25519_SHA256, &key, &reason), 0);
	EVP_PKEY_free(key.pkey);
	assert_int_equal(dkim_key_record_parse(fx.ed_txt, DKIM_RSA_SHA256, &key, &reason), -1);
	assert_null(dkim_key_private_load(fx.ed_pem, DKIM_RSA_SHA256, &error));
	assert_string_equal(dkim_algorithm_name(DKIM_ED25519_SHA256), "ed25519-sha256");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_rfc_example),
		cmocka_unit_test(test_canon_bare_lf),
		cmocka_unit_test(test_canon_empty_body),
		cmocka_unit_test(test_canon_body_limit),
		cmocka_unit_test(test_canon_large_body),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_key_generate),
		cmocka_unit_test(test_round_trip_rsa),
		cmocka_unit_test(test_round_trip_ed25519),
		cmocka_unit_test(test_two_signatures),
		cmocka_unit_test(test_line_ends_and_relaxed),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_simple_canonicalization),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_body_length),
		cmocka_unit_test(test_key_records),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_no_resolver),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_malformed_signatures),
		cmocka_unit_test(test_no_signature_and_limit),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
