/* Unit tests for the small core modules: strbuf, base64, err_fmt, log,
 * hash, time, bus, rand and tls_cert. */
#include <arpa/inet.h>
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/base64.h"
#include "core/bus.h"
#include "core/config.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/ipnet.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/tls_cert.h"
#include "core/xalloc.h"

/* A fresh directory under $TERN_TEST_TMP (or /tmp); caller frees. */
static char *test_tmpdir(void)
{
	const char *base = getenv("TERN_TEST_TMP");
	char *dir = xasprintf("%s/test_core.XXXXXX", base != NULL ? base : "/tmp");

	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Removes dir and the plain files in it. */
static void test_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *path;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		unlink(path);
		free(path);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static char *test_read(const char *path)
{
	const char *error = NULL;
	size_t len;
	char *text = file_read_all(path, 1 << 24, &len, &error);

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_strbuf(void **state)
{
	struct strbuf b = { 0 };
	char big[1000];
	char *s;

	strbuf_puts(&b, "abc");
	strbuf_putc(&b, '-');
	strbuf_append(&b, "xyz\0q", 5);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.s, "abc-xyz\0q", 10);
	strbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_printf(&b, "%d:%s:%s", 42, "small", big);
	assert_int_equal(b.len, 3 + 6 + 999);
	assert_int_equal(strlen(b.s), b.len);
	assert_memory_equal(b.s, "42:small:xx", 11);
	s = strbuf_steal(&b);
	assert_null(b.s);
	assert_int_equal(b.len, 0);
	free(s);
	s = strbuf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	strbuf_printf(&b, "%s", "");
	assert_string_equal(b.s, "");
	strbuf_free(&b);
	strbuf_free(&b);
}

static void test_base64_vectors(void **state)
{
	static const char *const vectors[][3] = {
		{ "", "", "" }, { "f", "Zg==", "Zg" }, { "fo", "Zm8=", "Zm8" },
		{ "foo", "Zm9v", "Zm9v" }, { "foob", "Zm9vYg==", "Zm9vYg" },
		{ "fooba", "Zm9vYmE=", "Zm9vYmE" }, { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
		{ "\xfb\xff\xbf", "+/+/", "-_-_" },
	};

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t len = strlen(vectors[i][0]);
		char *std = base64_encode(vectors[i][0], len, false);
		char *url = base64_encode(vectors[i][0], len, true);
		char *dec;
		size_t dec_len;

		assert_string_equal(std, vectors[i][1]);
		assert_string_equal(url, vectors[i][2]);
		dec = base64_decode(std, strlen(std), &dec_len);
		assert_non_null(dec);
		assert_int_equal(dec_len, len);
		assert_memory_equal(dec, vectors[i][0], len);
		assert_int_equal(dec[dec_len], '\0');
		free(dec);
		free(std);
		free(url);
	}
}

static void test_base64_roundtrip(void **state)
{
	unsigned char data[300];

	rand_bytes(data, sizeof(data));
	for (size_t len = 0; len <= sizeof(data); len++) {
		char *enc = base64_encode(data, len, false);
		size_t dec_len;
		unsigned char *dec = base64_decode(enc, strlen(enc), &dec_len);

		assert_non_null(dec);
		assert_int_equal(dec_len, len);
		assert_memory_equal(dec, data, len);
		free(dec);
		free(enc);
		/* unpadded is accepted too */
		enc = base64_encode(data, len, true);
		for (char *p = enc; *p != '\0'; p++)
			*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
		dec = base64_decode(enc, strlen(enc), &dec_len);
		assert_non_null(dec);
		assert_int_equal(dec_len, len);
		assert_memory_equal(dec, data, len);
		free(dec);
		free(enc);
	}
}

static void test_base64_bad(void **state)
{
	static const char *const bad[] = {
		"Z", "Zg=", "Zg===", "=", "==", "====", "Z===", "Zm9v!", "Zm=v",
		"Zm9v Zg==", "Zm9v\n", "-_-_", "Zg==Zg==", "Zm9vY",
	};
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(base64_decode(bad[i], strlen(bad[i]), &len));
	/* the length given is honoured, not the NUL */
	assert_null(base64_decode("Zm9v\0Zg==", 9, &len));
	char *dec = base64_decode("Zm9vYmFy", 4, &len);
	assert_non_null(dec);
	assert_string_equal(dec, "foo");
	free(dec);
}

static void test_err_fmt_ring(void **state)
{
	const char *first = err_fmt("error %d", 0);
	const char *ring[ERR_FMT_RING];
	char longer[ERR_FMT_MAX * 2];

	for (int i = 1; i < ERR_FMT_RING; i++)
		ring[i] = err_fmt("error %d", i);
	assert_string_equal(first, "error 0");
	for (int i = 1; i < ERR_FMT_RING; i++) {
		char want[32];

		snprintf(want, sizeof(want), "error %d", i);
		assert_string_equal(ring[i], want);
	}
	/* one more wraps around onto the first buffer */
	assert_ptr_equal(err_fmt("again"), first);
	memset(longer, 'e', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(strlen(err_fmt("%s", longer)), ERR_FMT_MAX - 1);
}

static void test_log_q(void **state)
{
	static const char *const cases[][2] = {
		{ "plain", "plain" },
		{ "alice@example.org", "alice@example.org" },
		{ "a b", "\"a b\"" },
		{ "", "\"\"" },
		{ "k=v", "\"k=v\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "two\nlines\r\t", "\"two\\nlines\\r\\t\"" },
		{ "bell\x07", "\"bell\\x07\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	};
	char huge[5000];
	const char *q;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(log_q(cases[i][0]), cases[i][1]);
	assert_string_equal(log_q(NULL), "(null)");
	memset(huge, '"', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	q = log_q(huge);
	assert_true(strlen(q) < 1024);
	assert_int_equal(q[0], '"');
	assert_string_equal(q + strlen(q) - 4, "...\"");
	/* eight values stay distinct within one log line */
	const char *vals[8];
	for (int i = 0; i < 8; i++)
		vals[i] = log_q(i % 2 == 0 ? "x y" : "z");
	for (int i = 0; i < 8; i++)
		assert_string_equal(vals[i], i % 2 == 0 ? "\"x y\"" : "z");
}

/* "2026-11-21T13:10:00.123Z " */
static void assert_log_timestamp(const char *line)
{
	static const char layout[] = "dddd-dd-ddTdd:dd:dd.dddZ ";

	for (size_t i = 0; i < sizeof(layout) - 1; i++) {
		if (layout[i] == 'd')
			assert_true(line[i] >= '0' && line[i] <= '9');
		else
			assert_int_equal(line[i], layout[i]);
	}
}

static void test_log_format(void **state)
{
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/log", dir);
	const char *error = NULL;
	enum log_level level;
	char *text;

	assert_int_equal(log_open(path, LOG_LEVEL_INFO, &error), 0);
	log_debug("test.hidden", "n=%d", 1);
	log_info("http.listen", "bind=%s", "127.0.0.1:8080");
	log_warn("test.fields", "user=%s note=%s", log_q("bob"), log_q("two\nlines"));
	log_error("test.empty", "%s", "");
	log_close();
	text = test_read(path);
	assert_log_timestamp(text);
	assert_non_null(strstr(text, "Z level=info event=http.listen bind=127.0.0.1:8080\n"));
	assert_non_null(strstr(text, " level=warn event=test.fields user=bob note=\"two\\nlines\"\n"));
	assert_non_null(strstr(text, " level=error event=test.empty\n"));
	assert_null(strstr(text, "test.hidden"));
	free(text);
	assert_int_equal(log_level_parse("warn", &level), 0);
	assert_int_equal(level, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("verbose", &level), -1);
	assert_true(log_enabled(LOG_LEVEL_INFO));
	assert_false(log_enabled(LOG_LEVEL_DEBUG));
	assert_int_equal(log_open("/nonexistent/dir/log", LOG_LEVEL_INFO, &error), -1);
	assert_non_null(strstr(error, "/nonexistent/dir/log"));
	unlink(path);
	free(path);
	test_rmdir(dir);
}

static void test_log_reopen_and_long_lines(void **state)
{
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/log", dir);
	char *rotated = xasprintf("%s/log.1", dir);
	const char *error = NULL;
	char huge[10000];
	char *text;

	assert_int_equal(log_open(path, LOG_LEVEL_DEBUG, &error), 0);
	log_debug("test.before", "n=%d", 1);
	assert_int_equal(rename(path, rotated), 0);
	log_reopen();
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	log_info("test.after", "v=%s", huge);
	log_close();
	log_set_level(LOG_LEVEL_INFO);
	text = test_read(rotated);
	assert_non_null(strstr(text, "event=test.before n=1\n"));
	free(text);
	text = test_read(path);
	assert_int_equal(strchr(text, '\n') - text + 1, strlen(text));
	assert_true(strlen(text) <= 4097);
	assert_string_equal(text + strlen(text) - 4, "...\n");
	free(text);
	free(path);
	free(rotated);
	test_rmdir(dir);
}

#define LOG_THREADS 4
#define LOG_LINES 500

static void *log_thread(void *arg)
{
	char field[300];

	memset(field, 'a' + (int)(intptr_t)arg, sizeof(field) - 1);
	field[sizeof(field) - 1] = '\0';
	for (int i = 0; i < LOG_LINES; i++)
		log_info("test.thread", "v=%s", field);
	return NULL;
}

static void test_log_threads(void **state)
{
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/log", dir);
	const char *error = NULL;
	pthread_t threads[LOG_THREADS];
	size_t lines = 0;
	char *text;

	assert_int_equal(log_open(path, LOG_LEVEL_INFO, &error), 0);
	for (int i = 0; i < LOG_THREADS; i++)
		pthread_create(&threads[i], NULL, log_thread, (void *)(intptr_t)i);
	for (int i = 0; i < LOG_THREADS; i++)
		pthread_join(threads[i], NULL);
	log_close();
	text = test_read(path);
	for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		const char *v = strstr(line, "v=");

		assert_non_null(v);
		assert_int_equal(nl - (v + 2), 299);
		for (const char *p = v + 2; p < nl; p++)
			assert_int_equal(*p, v[2]);
		lines++;
	}
	assert_int_equal(lines, LOG_THREADS * LOG_LINES);
	free(text);
	free(path);
	test_rmdir(dir);
}

static void assert_hex(const uint8_t *digest, const char *want)
{
	char hex[SHA256_HEX_LEN + 1];

	hex_encode(digest, SHA256_LEN, hex);
	assert_string_equal(hex, want);
}

static void test_sha256(void **state)
{
	uint8_t d[SHA256_LEN], d2[SHA256_LEN];
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct sha256_ctx *ctx;

	sha256("", 0, d);
	assert_hex(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, d);
	assert_hex(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256(msg, strlen(msg), d);
	assert_hex(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	ctx = sha256_new();
	for (const char *p = msg; *p != '\0'; p++)
		sha256_update(ctx, p, 1);
	sha256_update(ctx, "", 0);
	sha256_final(&ctx, d2);
	assert_null(ctx);
	assert_memory_equal(d, d2, SHA256_LEN);
}

static void test_hmac_and_compare(void **state)
{
	uint8_t key[20], mac[SHA256_LEN];
	const char *jefe = "what do ya want for nothing?";
	char hex[7];

	memset(key, 0x0b, sizeof(key));
	hmac_sha256(key, sizeof(key), "Hi There", 8, mac);
	assert_hex(mac, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, jefe, strlen(jefe), mac);
	assert_hex(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	hmac_sha256(NULL, 0, NULL, 0, mac);
	assert_hex(mac, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	hex_encode((const uint8_t *)"\x00\xab\xff", 3, hex);
	assert_string_equal(hex, "00abff");
	assert_int_equal(mem_equal_ct("abcd", "abcd", 4), 1);
	assert_int_equal(mem_equal_ct("abcd", "abce", 4), 0);
	assert_int_equal(mem_equal_ct("x", "y", 0), 1);
}

static void test_time(void **state)
{
	char out[21];
	time_t t;
	int64_t a, b;

	time_format_utc(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	time_format_utc(1795266600, out);
	assert_string_equal(out, "2026-11-21T13:10:00Z");
	time_format_utc(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	time_format_utc((time_t)INT64_MAX, out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	time_format_utc((time_t)INT64_MIN, out);
	assert_string_equal(out, "0000-01-01T00:00:00Z");
	assert_int_equal(time_parse_utc("2026-11-21T13:10:00Z", &t), 0);
	assert_int_equal(t, 1795266600);
	assert_int_equal(time_parse_utc("2026-11-21T13:10:00.123456Z", &t), 0);
	assert_int_equal(t, 1795266600);
	assert_int_equal(time_parse_utc("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal(t, 1709251199);
	assert_int_equal(time_parse_utc("1969-12-31T23:59:59Z", &t), 0);
	assert_int_equal(t, -1);
	a = time_mono_ms();
	b = time_mono_ms();
	assert_true(a > 0 && b >= a);
}

static void test_time_bad(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-11-21", "2026-11-21T13:10:00", "2026-11-21T13:10:00z",
		"2026-11-21t13:10:00Z", "2026-11-21 13:10:00Z", "2026-11-21T13:10:00+00:00",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-31T00:00:00Z",
		"2023-02-29T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T13:60:00Z",
		"2026-11-21T13:10:61Z", "2026-11-21T13:10:00.Z", "2026-11-21T13:10:00ZZ",
		"2026-11-21T13:10:00.5", "+026-11-21T13:10:00Z", "2026-1-21T13:10:00Z",
	};
	time_t t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_parse_utc(bad[i], &t) == 0)
			fail_msg("accepted %s", bad[i]);
	}
}

struct bus_probe {
	atomic_int calls;
	uint64_t last_modseq;
	uint32_t last_account;
};

static void bus_probe_cb(const struct bus_event *event, void *context)
{
	struct bus_probe *probe = context;

	atomic_fetch_add(&probe->calls, 1);
	probe->last_modseq = event->modseq;
	probe->last_account = event->account_id;
}

static void test_bus_filtering(void **state)
{
	struct bus_probe one = { 0 }, all = { 0 };
	struct bus_subscription *s1 = bus_subscribe(1, bus_probe_cb, &one);
	struct bus_subscription *s0 = bus_subscribe(0, bus_probe_cb, &all);
	struct bus_event ev = { .account_id = 1, .types = 3, .modseq = 7 };

	bus_publish(&ev);
	assert_int_equal(one.calls, 1);
	assert_int_equal(all.calls, 1);
	assert_int_equal(one.last_modseq, 7);
	ev.account_id = 2;
	ev.modseq = 9;
	bus_publish(&ev);
	assert_int_equal(one.calls, 1);
	assert_int_equal(all.calls, 2);
	assert_int_equal(all.last_account, 2);
	bus_unsubscribe(&s1);
	assert_null(s1);
	ev.account_id = 1;
	bus_publish(&ev);
	assert_int_equal(one.calls, 1);
	assert_int_equal(all.calls, 3);
	bus_unsubscribe(&s0);
	bus_unsubscribe(&s0);
	bus_publish(&ev);
	assert_int_equal(all.calls, 3);
}

/* A callback that notices being run after its unsubscribe returned. */
struct bus_guard {
	atomic_bool unsubscribed;
	atomic_int late_calls;
};

static atomic_bool bus_stop;

static void bus_guard_cb(const struct bus_event *event, void *context)
{
	struct bus_guard *guard = context;

	usleep(50);
	if (atomic_load(&guard->unsubscribed))
		atomic_fetch_add(&guard->late_calls, 1);
}

static void *bus_publisher(void *arg)
{
	struct bus_event ev = { .account_id = 5, .types = 1 };

	while (!atomic_load(&bus_stop)) {
		ev.modseq++;
		bus_publish(&ev);
	}
	return NULL;
}

static void test_bus_unsubscribe_waits(void **state)
{
	pthread_t threads[2];
	int late = 0;

	atomic_store(&bus_stop, false);
	for (int i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, bus_publisher, NULL);
	for (int round = 0; round < 200; round++) {
		struct bus_guard *guard = xcalloc(1, sizeof(*guard));
		struct bus_subscription *sub = bus_subscribe(round % 2 == 0 ? 5 : 0,
							     bus_guard_cb, guard);

		usleep(200);
		bus_unsubscribe(&sub);
		atomic_store(&guard->unsubscribed, true);
		usleep(100);
		late += atomic_load(&guard->late_calls);
		free(guard);
	}
	atomic_store(&bus_stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(late, 0);
}

static void test_rand_token(void **state)
{
	char *a = rand_token(32);
	char *b = rand_token(32);
	char *empty = rand_token(0);
	char *odd = rand_token(16);

	assert_int_equal(strlen(a), 43);
	assert_int_equal(strlen(odd), 22);
	assert_string_equal(empty, "");
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789-_"), strlen(a));
	free(a);
	free(b);
	free(empty);
	free(odd);
}

static X509 *test_load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *test_load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;

	assert_non_null(f);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(key);
	return key;
}

static void assert_cert_usable(const char *cert_path, const char *key_path)
{
	X509 *x = test_load_cert(cert_path);
	EVP_PKEY *key = test_load_key(key_path);
	struct stat st;

	assert_int_equal(X509_check_private_key(x, key), 1);
	assert_int_equal(X509_check_host(x, "mail.example.org", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_host(x, "other.example.org", 0, 0, NULL), 0);
	assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) <= 0);
	assert_true(X509_cmp_time(X509_get0_notAfter(x), &(time_t){ time(NULL) + 9 * 365 * 86400 }) > 0);
	assert_int_equal(stat(key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void test_tls_cert(void **state)
{
	char *dir = test_tmpdir();
	char *cert = xasprintf("%s/cert.pem", dir);
	char *key = xasprintf("%s/key.pem", dir);
	const char *error = NULL;
	char *before, *after;
	int generated = -1;

	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "mail.example.org",
						     &generated, &error), 0);
	assert_int_equal(generated, 1);
	assert_cert_usable(cert, key);
	before = test_read(cert);
	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "mail.example.org",
						     &generated, &error), 0);
	assert_int_equal(generated, 0);
	after = test_read(cert);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* a missing key makes a new pair */
	unlink(key);
	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "mail.example.org",
						     &generated, &error), 0);
	assert_int_equal(generated, 1);
	assert_cert_usable(cert, key);
	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "bad host\n",
						     &generated, &error), 0);
	assert_int_equal(generated, 0);
	/* an IP literal as hostname goes into the SAN as an address */
	unlink(cert);
	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "2001:db8::1",
						     &generated, &error), 0);
	assert_int_equal(generated, 1);
	X509 *x = test_load_cert(cert);
	assert_int_equal(X509_check_ip_asc(x, "2001:db8::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	X509_free(x);
	free(cert);
	free(key);
	test_rmdir(dir);
}

static void test_tls_cert_errors(void **state)
{
	char *dir = test_tmpdir();
	char *cert = xasprintf("%s/cert.pem", dir);
	char *key = xasprintf("%s/nodir/key.pem", dir);
	const char *error = NULL;
	int generated = -1;
	size_t len;

	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "bad host",
						     &generated, &error), -1);
	assert_non_null(strstr(error, "bad host"));
	assert_int_equal(tls_cert_ensure_self_signed(cert, key, "localhost",
						     &generated, &error), -1);
	assert_non_null(strstr(error, "nodir"));
	assert_int_equal(generated, 0);
	assert_null(file_read_all(cert, 100, &len, &error));
	assert_non_null(strstr(error, "cert.pem"));
	assert_null(file_read_all(dir, 100, &len, &error));
	free(cert);
	free(key);
	test_rmdir(dir);
}

static void test_file_read_all(void **state)
{
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/f", dir);
	const char *error = NULL;
	FILE *f = fopen(path, "w");
	size_t len = 0;
	char *text;

	assert_non_null(f);
	fputs("0123456789", f);
	fclose(f);
	text = file_read_all(path, 10, &len, &error);
	assert_non_null(text);
	assert_int_equal(len, 10);
	assert_string_equal(text, "0123456789");
	free(text);
	assert_null(file_read_all(path, 9, &len, &error));
	assert_non_null(strstr(error, "larger"));
	free(path);
	test_rmdir(dir);
}

/* ---- ipnet ---- */

/* The canonical text of s as an address, or "-" when it is not one. */
static void assert_addr(const char *s, const char *canonical)
{
	struct ipnet_addr addr;
	char text[IPNET_ADDR_TEXT_MAX];

	if (strcmp(canonical, "-") == 0) {
		assert_int_equal(ipnet_addr_parse(s, &addr), -1);
		return;
	}
	assert_int_equal(ipnet_addr_parse(s, &addr), 0);
	ipnet_addr_format(&addr, text);
	assert_string_equal(text, canonical);
}

static void test_ipnet_addr(void **state)
{
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					    192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const char *const bad[] = {
		"", "192.0.2", "192.0.2.1 ", " ::1", "192.0.2.256", "example.org", "::g",
		"192.0.2.1/32",
	};
	struct ipnet_addr addr;
	char text[IPNET_ADDR_TEXT_MAX];

	assert_addr("192.0.2.1", "192.0.2.1");
	assert_addr("2001:DB8:0::1", "2001:db8::1");
	assert_addr("::1", "::1");
	/* IPv4-mapped IPv6 is the IPv4 address */
	assert_addr("::ffff:192.0.2.1", "192.0.2.1");
	assert_int_equal(ipnet_addr_parse("::FFFF:c000:201", &addr), 0);
	assert_int_equal(addr.family, AF_INET);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_addr(bad[i], "-");
	ipnet_addr_from_in6(mapped, &addr);
	ipnet_addr_format(&addr, text);
	assert_int_equal(addr.family, AF_INET);
	assert_string_equal(text, "192.0.2.1");
	ipnet_addr_from_in6(v6, &addr);
	ipnet_addr_format(&addr, text);
	assert_int_equal(addr.family, AF_INET6);
	assert_string_equal(text, "2001:db8::1");
}

/* Whether address s lies in network net (both parsed). */
static bool ipnet_has(const char *net, const char *s)
{
	struct ipnet n;
	struct ipnet_addr addr;

	assert_int_equal(ipnet_parse(net, &n), 0);
	assert_int_equal(ipnet_addr_parse(s, &addr), 0);
	return ipnet_match(&n, &addr);
}

static void test_ipnet_match(void **state)
{
	assert_true(ipnet_has("10.0.0.0/8", "10.255.1.2"));
	assert_false(ipnet_has("10.0.0.0/8", "11.0.0.0"));
	/* host bits past the prefix do not matter */
	assert_true(ipnet_has("10.1.2.3/8", "10.9.9.9"));
	/* a prefix that is not a whole number of bytes */
	assert_true(ipnet_has("192.0.2.128/25", "192.0.2.128"));
	assert_true(ipnet_has("192.0.2.128/25", "192.0.2.255"));
	assert_false(ipnet_has("192.0.2.128/25", "192.0.2.127"));
	assert_true(ipnet_has("192.0.2.7", "192.0.2.7"));
	assert_false(ipnet_has("192.0.2.7", "192.0.2.6"));
	assert_true(ipnet_has("0.0.0.0/0", "203.0.113.9"));
	assert_true(ipnet_has("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(ipnet_has("2001:db8::/32", "2001:db9::1"));
	assert_true(ipnet_has("::1", "::1"));
	assert_false(ipnet_has("::1", "::2"));
	/* families: IPv4 clients on an IPv6 socket are IPv4 */
	assert_true(ipnet_has("127.0.0.0/8", "::ffff:127.0.0.2"));
	assert_true(ipnet_has("::ffff:10.0.0.0/104", "10.1.1.1"));
	assert_true(ipnet_has("::ffff:192.0.2.1", "192.0.2.1"));
	assert_false(ipnet_has("::/0", "192.0.2.1"));
	assert_false(ipnet_has("0.0.0.0/0", "::1"));
	assert_false(ipnet_has("127.0.0.1", "::1"));
}

static void test_ipnet_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1",
		"10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/8x", "10.0.0.0/0008", "10.0.0.0/8/8",
		"10.0.0/8", "example.org/8", "::ffff:10.0.0.0/64",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd/64",
	};
	struct ipnet net;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ipnet_parse(bad[i], &net) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(ipnet_parse("10.0.0.0/032", &net), 0);
	assert_int_equal(net.prefix, 32);
	assert_int_equal(ipnet_parse("::ffff:10.0.0.0/96", &net), 0);
	assert_int_equal(net.addr.family, AF_INET);
	assert_int_equal(net.prefix, 0);
}

/* The list at "a.nets" of config text, or NULL with *error_r. */
static struct ipnet_list *ipnet_list_of(const char *text, const char **error_r)
{
	static const char *const defaults[] = { "127.0.0.0/8", "::1", NULL };
	struct config *cfg = config_load_string(text, "test", error_r);
	struct ipnet_list *list = NULL;

	assert_non_null(cfg);
	if (ipnet_list_from_config(cfg, "a.nets", defaults, &list, error_r) == 0)
		assert_non_null(list);
	config_free(&cfg);
	return list;
}

static bool ipnet_list_has(const struct ipnet_list *list, const char *s)
{
	struct ipnet_addr addr;

	assert_int_equal(ipnet_addr_parse(s, &addr), 0);
	return ipnet_list_match(list, &addr);
}

static void test_ipnet_list(void **state)
{
	const char *error = NULL;
	struct ipnet_list *list = ipnet_list_of("", &error);
	struct strbuf big = { 0 };

	/* unset: the defaults */
	assert_true(ipnet_list_has(list, "127.1.2.3"));
	assert_true(ipnet_list_has(list, "::1"));
	assert_false(ipnet_list_has(list, "192.0.2.1"));
	ipnet_list_free(&list);
	assert_null(list);
	/* set but empty: nothing matches */
	list = ipnet_list_of("a = { nets = [ ]; };", &error);
	assert_false(ipnet_list_has(list, "127.0.0.1"));
	ipnet_list_free(&list);
	/* a single string, and a list */
	list = ipnet_list_of("a = { nets = \"192.0.2.0/24\"; };", &error);
	assert_true(ipnet_list_has(list, "192.0.2.9"));
	assert_false(ipnet_list_has(list, "127.0.0.1"));
	ipnet_list_free(&list);
	list = ipnet_list_of("a = { nets = [ \"10.0.0.0/8\", \"2001:db8::/32\" ]; };", &error);
	assert_true(ipnet_list_has(list, "10.2.3.4"));
	assert_true(ipnet_list_has(list, "2001:db8::7"));
	assert_false(ipnet_list_has(list, "2001:db9::7"));
	ipnet_list_free(&list);
	ipnet_list_free(&list);
	/* a bad entry, and too many */
	assert_null(ipnet_list_of("a = { nets = [ \"10.0.0.0/8\", \"10.0.0.0/33\" ]; };", &error));
	assert_string_equal(error, "a.nets: \"10.0.0.0/33\" is not an IP address or CIDR block");
	strbuf_puts(&big, "a = { nets = [ \"10.0.0.1\"");
	for (int i = 0; i < IPNET_LIST_MAX; i++)
		strbuf_puts(&big, ", \"10.0.0.1\"");
	strbuf_puts(&big, " ]; };");
	assert_null(ipnet_list_of(big.s, &error));
	assert_non_null(strstr(error, "more than"));
	strbuf_free(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_roundtrip),
		cmocka_unit_test(test_base64_bad),
		cmocka_unit_test(test_err_fmt_ring),
		cmocka_unit_test(test_log_q),
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_log_reopen_and_long_lines),
		cmocka_unit_test(test_log_threads),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_and_compare),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_time_bad),
		cmocka_unit_test(test_bus_filtering),
		cmocka_unit_test(test_bus_unsubscribe_waits),
		cmocka_unit_test(test_rand_token),
		cmocka_unit_test(test_tls_cert),
		cmocka_unit_test(test_tls_cert_errors),
		cmocka_unit_test(test_file_read_all),
		cmocka_unit_test(test_ipnet_addr),
		cmocka_unit_test(test_ipnet_match),
		cmocka_unit_test(test_ipnet_parse_bad),
		cmocka_unit_test(test_ipnet_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
