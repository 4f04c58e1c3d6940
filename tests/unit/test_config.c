/* Unit tests for the configuration: the embedded default, the schema
 * checks and the value parsers. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/config_schema.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/tls_cert.h"
#include "core/xalloc.h"

#define TEST_NAME "test.conf"

/* Log lines written between capture_start() and capture_end(). */
struct capture {
	char *dir;
	char *path;
};

static void capture_start(struct capture *c)
{
	const char *base = getenv("TERN_TEST_TMP");
	const char *error = NULL;

	c->dir = xasprintf("%s/test_config.XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(c->dir));
	c->path = xasprintf("%s/log", c->dir);
	assert_int_equal(log_open(c->path, LOG_LEVEL_INFO, &error), 0);
}

static char *capture_end(struct capture *c)
{
	const char *error = NULL;
	size_t len;
	char *text;

	log_close();
	text = file_read_all(c->path, 1 << 20, &len, &error);
	assert_non_null(text);
	unlink(c->path);
	assert_int_equal(rmdir(c->dir), 0);
	free(c->path);
	free(c->dir);
	return text;
}

/* Loads text that must be accepted, and without any warning. */
static struct config *load_clean(const char *text)
{
	struct capture c;
	const char *error = NULL;
	struct config *cfg;
	char *log;

	capture_start(&c);
	cfg = config_load_string(text, TEST_NAME, &error);
	log = capture_end(&c);
	if (cfg == NULL)
		fail_msg("refused: %s", error);
	if (log[0] != '\0')
		fail_msg("warned: %s", log);
	free(log);
	return cfg;
}

/* Loads text that must be refused with exactly want. */
static void assert_refused(const char *text, const char *want)
{
	const char *error = NULL;
	struct config *cfg = config_load_string(text, TEST_NAME, &error);

	assert_null(cfg);
	assert_non_null(error);
	assert_string_equal(error, want);
}

static void test_default_values(void **state)
{
	struct config *cfg = load_clean(config_default_text);

	assert_string_equal(config_string(cfg, "server.hostname", NULL), "localhost");
	assert_int_equal(config_group_count(cfg, "server.listener"), 9);
	assert_string_equal(config_group_name(cfg, "server.listener", 0), "http");
	assert_string_equal(config_group_name(cfg, "server.listener", 1), "https");
	assert_string_equal(config_group_name(cfg, "server.listener", 2), "imap");
	assert_string_equal(config_list_string(cfg, "server.listener.imap.bind", 0),
			    "127.0.0.1:1143");
	assert_string_equal(config_list_string(cfg, "server.listener.pop3s.bind", 0),
			    "127.0.0.1:1995");
	assert_true(config_bool(cfg, "server.listener.imaps.tls.implicit", false));
	assert_int_equal(config_list_count(cfg, "server.listener.http.bind"), 1);
	assert_string_equal(config_list_string(cfg, "server.listener.http.bind", 0),
			    "127.0.0.1:8080");
	assert_string_equal(config_list_string(cfg, "server.listener.https.bind", 0),
			    "127.0.0.1:8443");
	assert_string_equal(config_string(cfg, "server.listener.http.protocol", NULL), "http");
	assert_string_equal(config_string(cfg, "server.listener.https.protocol", NULL), "http");
	assert_false(config_bool(cfg, "server.listener.http.tls.implicit", false));
	assert_true(config_bool(cfg, "server.listener.https.tls.implicit", false));
	assert_string_equal(config_string(cfg, "storage.path", NULL), "./var");
	assert_string_equal(config_string(cfg, "log.level", NULL), "info");
	assert_false(config_exists(cfg, "log.file"));
	assert_false(config_exists(cfg, "server.tls"));
	assert_false(config_exists(cfg, "authentication"));
	/* everything else comes from the caller's default */
	assert_int_equal(config_int(cfg, "jmap.max-objects-in-get", 500), 500);
	assert_int_equal(config_duration(cfg, "security.auth-ban.window", 600), 600);
	assert_int_equal(config_size(cfg, "jmap.max-size-upload", 7), 7);
	config_free(&cfg);
	assert_null(cfg);
	config_free(&cfg);
}

/* Whether the rest of a "#..." line is a setting, a closing bracket or a
 * comment of commented-out settings (rather than prose). */
static bool reference_is_setting(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	if (p < end && strchr("#}])", *p) != NULL)
		return true;
	if (p == end || !isalpha((unsigned char)*p))
		return false;
	while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
		p++;
	while (p < end && *p == ' ')
		p++;
	return p < end && *p == '=';
}

/* The default with every commented-out setting switched on: the whole
 * reference. Caller frees. */
static char *reference_text(void)
{
	struct strbuf b = { 0 };
	const char *line = config_default_text;

	while (*line != '\0') {
		const char *nl = strchrnul(line, '\n');
		const char *hash = line + strspn(line, " ");

		if (*hash == '#' && reference_is_setting(hash + 1, nl)) {
			strbuf_append(&b, line, (size_t)(hash - line));
			strbuf_append(&b, hash + 1, (size_t)(nl - hash - 1));
		} else {
			strbuf_append(&b, line, (size_t)(nl - line));
		}
		strbuf_putc(&b, '\n');
		line = *nl != '\0' ? nl + 1 : nl;
	}
	return strbuf_steal(&b);
}

/* A schema path exists in cfg, with "*" standing for any one name. */
static bool reference_has(const struct config *cfg, const char *pattern)
{
	const char *star = strstr(pattern, ".*");
	char *group;
	bool found = false;

	if (star == NULL)
		return config_exists(cfg, pattern);
	group = xstrndup(pattern, (size_t)(star - pattern));
	for (size_t i = 0; i < config_group_count(cfg, group) && !found; i++) {
		char *path = xasprintf("%s.%s%s", group, config_group_name(cfg, group, i),
				       star + 2);

		found = config_exists(cfg, path);
		free(path);
	}
	free(group);
	return found;
}

static void test_default_documents_schema(void **state)
{
	char *text = reference_text();
	struct config *cfg = load_clean(text);

	for (size_t i = 0; i < config_schema_count; i++) {
		if (!reference_has(cfg, config_schema[i].path))
			fail_msg("conf/ternd.conf does not document %s", config_schema[i].path);
	}
	config_free(&cfg);
	free(text);
}

static void test_default_documented_values(void **state)
{
	static const struct {
		const char *path;
		int64_t (*get)(const struct config *cfg, const char *path, int64_t def);
		int64_t value;
	} defaults[] = {
		{ "server.http.threads", config_int, 0 },
		{ "server.http.max-connections", config_int, 1024 },
		{ "server.http.max-request-size", config_size, 10 << 20 },
		{ "server.http.timeout", config_duration, 60 },
		{ "authentication.cache.ttl", config_duration, 300 },
		{ "security.auth-ban.failures", config_int, 25 },
		{ "security.auth-ban.window", config_duration, 600 },
		{ "security.auth-ban.duration", config_duration, 3600 },
		{ "jmap.max-size-upload", config_size, 50 << 20 },
		{ "jmap.max-concurrent-upload", config_int, 4 },
		{ "jmap.max-size-request", config_size, 10 << 20 },
		{ "jmap.max-concurrent-requests", config_int, 8 },
		{ "jmap.max-calls-in-request", config_int, 32 },
		{ "jmap.max-objects-in-get", config_int, 500 },
		{ "jmap.max-objects-in-set", config_int, 500 },
		{ "jmap.upload-ttl", config_duration, 86400 },
		{ "jmap.changes-ttl", config_duration, 30 * 86400 },
		{ "storage.cleanup-interval", config_duration, 3600 },
		{ "jmap.mailbox.max-depth", config_int, 10 },
		{ "jmap.mailbox.max-name-length", config_int, 255 },
	};
	char *text = reference_text();
	struct config *cfg = load_clean(text);

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (defaults[i].get(cfg, defaults[i].path, -1) != defaults[i].value)
			fail_msg("%s documented as %lld", defaults[i].path,
				 (long long)defaults[i].get(cfg, defaults[i].path, -1));
	}
	assert_true(config_exists(cfg, "security.auth-ban.exempt"));
	assert_int_equal(config_list_count(cfg, "security.auth-ban.exempt"), 0);
	assert_false(config_bool(cfg, "server.listener.http.submission", false));
	config_free(&cfg);
	free(text);
}

static void test_parse_duration(void **state)
{
	static const struct { const char *s; int64_t v; } good[] = {
		{ "0", 0 }, { "45", 45 }, { "30s", 30 }, { "10m", 600 }, { "1h", 3600 },
		{ "1d", 86400 }, { "0s", 0 }, { "106751991167300d", 106751991167300LL * 86400 },
	};
	static const char *const bad[] = {
		"", "s", "10x", "-5s", "+5s", "1.5h", "10 m", " 10m", "10m ", "10mm",
		"10M", "1H", "99999999999999999999", "9223372036854775807d", "0x10",
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(config_parse_duration(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_parse_duration(bad[i], &v) == 0)
			fail_msg("accepted duration \"%s\"", bad[i]);
	}
}

static void test_parse_size(void **state)
{
	static const struct { const char *s; int64_t v; } good[] = {
		{ "0", 0 }, { "512", 512 }, { "64K", 65536 }, { "64k", 65536 },
		{ "50M", 50 << 20 }, { "1G", 1 << 30 }, { "2T", 2LL << 40 },
		{ "9223372036854775807", INT64_MAX },
	};
	static const char *const bad[] = {
		"", "K", "10KB", "-1", "1.5M", "10 M", "1P", "9223372036854775808",
		"8388608T", "M1",
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(config_parse_size(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_parse_size(bad[i], &v) == 0)
			fail_msg("accepted size \"%s\"", bad[i]);
	}
}

static void test_duration_and_size_values(void **state)
{
	struct config *cfg = load_clean(
		"server = { http = { timeout = 90; max-request-size = \"64K\"; }; };\n"
		"jmap = { upload-ttl = \"2h\"; max-size-upload = 1024;\n"
		"  max-size-request = 9000000000L; };\n");

	assert_int_equal(config_duration(cfg, "server.http.timeout", 1), 90);
	assert_int_equal(config_size(cfg, "server.http.max-request-size", 1), 65536);
	assert_int_equal(config_duration(cfg, "jmap.upload-ttl", 1), 7200);
	assert_int_equal(config_size(cfg, "jmap.max-size-upload", 1), 1024);
	assert_int_equal(config_size(cfg, "jmap.max-size-request", 1), 9000000000LL);
	assert_int_equal(config_duration(cfg, "authentication.cache.ttl", 300), 300);
	config_free(&cfg);
	assert_refused("server = {\n  http = {\n    timeout = \"10x\";\n  };\n};\n",
		       TEST_NAME ":3: key server.http.timeout: expected a duration: seconds, "
		       "or a string like \"30s\", \"10m\", \"1h\", \"1d\"");
	assert_refused("server = { http = {\n timeout = -5; }; };\n",
		       TEST_NAME ":2: key server.http.timeout: expected a duration: seconds, "
		       "or a string like \"30s\", \"10m\", \"1h\", \"1d\"");
	assert_refused("jmap = {\n\n  max-size-upload = \"5 MB\";\n};\n",
		       TEST_NAME ":3: key jmap.max-size-upload: expected a size: bytes, "
		       "or a string like \"512\", \"64K\", \"50M\", \"1G\"");
	assert_refused("jmap = { max-size-upload = 1.5; };\n",
		       TEST_NAME ":1: key jmap.max-size-upload: expected a size: bytes, "
		       "or a string like \"512\", \"64K\", \"50M\", \"1G\"");
}

static void test_wrong_type(void **state)
{
	assert_refused("server = {\n  hostname = true;\n};\n",
		       TEST_NAME ":2: key server.hostname: expected a string");
	assert_refused("server = {\n  listener = {\n    a = {\n      bind = \"127.0.0.1:1\";\n"
		       "      protocol = \"http\";\n      tls = { implicit = \"yes\"; };\n"
		       "    };\n  };\n};\n",
		       TEST_NAME ":6: key server.listener.a.tls.implicit: expected a boolean");
	assert_refused("jmap = { max-calls-in-request = \"32\"; };\n",
		       TEST_NAME ":1: key jmap.max-calls-in-request: expected a non-negative integer");
	assert_refused("jmap = { max-calls-in-request = -1; };\n",
		       TEST_NAME ":1: key jmap.max-calls-in-request: expected a non-negative integer");
	assert_refused("\nserver = \"mail.example.org\";\n",
		       TEST_NAME ":2: key server: expected a group");
	assert_refused("server = { listener = { http = 5; }; };\n",
		       TEST_NAME ":1: key server.listener.http: expected a group");
	assert_refused("server = { listener = [ \"x\" ]; };\n",
		       TEST_NAME ":1: key server.listener: expected a group");
	assert_refused("log = { level = \"verbose\"; };\n",
		       TEST_NAME ":1: key log.level: expected one of debug, info, warn, error");
}

static void test_syntax_error(void **state)
{
	const char *error = NULL;

	assert_refused("server = {\n  hostname = \"a\";\n  listener = = 5;\n};\n",
		       TEST_NAME ":3: syntax error");
	assert_null(config_load_string("server = {\n", TEST_NAME, &error));
	assert_non_null(strstr(error, TEST_NAME ":"));
	assert_null(config_load_string("a = 1;\na = 2;\n", TEST_NAME, &error));
	assert_non_null(strstr(error, TEST_NAME ":2:"));
}

static void test_load_file(void **state)
{
	const char *base = getenv("TERN_TEST_TMP");
	char *dir = xasprintf("%s/test_config.XXXXXX", base != NULL ? base : "/tmp");
	char *path, *want;
	const char *error = NULL;
	struct config *cfg;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/ternd.conf", dir);
	assert_null(config_load_file(path, &error));
	want = xasprintf("%s: No such file or directory", path);
	assert_string_equal(error, want);
	free(want);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# comment\nstorage = {\n  path = 7;\n};\n", f);
	fclose(f);
	assert_null(config_load_file(path, &error));
	want = xasprintf("%s:3: key storage.path: expected a string", path);
	assert_string_equal(error, want);
	free(want);
	f = fopen(path, "w");
	fputs("storage = { path = \"/srv/tern\"; };\n", f);
	fclose(f);
	cfg = config_load_file(path, &error);
	assert_non_null(cfg);
	assert_string_equal(config_string(cfg, "storage.path", NULL), "/srv/tern");
	config_free(&cfg);
	unlink(path);
	free(path);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static void test_unknown_key(void **state)
{
	struct capture c;
	const char *error = NULL;
	struct config *cfg;
	char *log;

	capture_start(&c);
	cfg = config_load_string("server = {\n  colour = \"blue\";\n  hostname = \"h\";\n};\n"
				 "plugins = {\n  a = { b = 1; };\n};\n", TEST_NAME, &error);
	log = capture_end(&c);
	assert_non_null(cfg);
	assert_string_equal(config_string(cfg, "server.hostname", NULL), "h");
	assert_non_null(strstr(log, " level=warn event=config.unknown file=test.conf line=2 "
			       "key=server.colour\n"));
	assert_non_null(strstr(log, "event=config.unknown file=test.conf line=5 key=plugins\n"));
	/* one warning for an unknown group, not one per key inside it */
	assert_null(strstr(log, "plugins.a"));
	free(log);
	config_free(&cfg);
}

static void test_bind_list_or_string(void **state)
{
	struct config *cfg = load_clean(
		"server = { listener = {\n"
		"  one = { bind = \"127.0.0.1:80\"; protocol = \"http\"; };\n"
		"  two = { bind = [ \"0.0.0.0:443\", \"[::]:443\" ]; protocol = \"http\"; };\n"
		"  three = { bind = ( \"[::1]:8080\" ); protocol = \"http\"; };\n"
		"}; };\n");

	assert_int_equal(config_list_count(cfg, "server.listener.one.bind"), 1);
	assert_string_equal(config_list_string(cfg, "server.listener.one.bind", 0), "127.0.0.1:80");
	assert_null(config_list_string(cfg, "server.listener.one.bind", 1));
	assert_int_equal(config_list_count(cfg, "server.listener.two.bind"), 2);
	assert_string_equal(config_list_string(cfg, "server.listener.two.bind", 1), "[::]:443");
	assert_null(config_list_string(cfg, "server.listener.two.bind", 2));
	assert_int_equal(config_list_count(cfg, "server.listener.three.bind"), 1);
	assert_string_equal(config_list_string(cfg, "server.listener.three.bind", 0), "[::1]:8080");
	assert_int_equal(config_list_count(cfg, "server.listener.four.bind"), 0);
	assert_int_equal(config_list_count(cfg, "server.listener.one.protocol"), 1);
	config_free(&cfg);
}

static void test_bind_invalid(void **state)
{
	static const char *const bad[] = {
		"localhost:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:8o",
		"::1:8080", "[::1]8080", "[127.0.0.1]:80", "1.2.3:80", "127.0.0.1:-1", "",
	};
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf("server = { listener = { x = { bind = [ \"127.0.0.1:1\", "
				       "\"%s\" ]; protocol = \"http\"; }; }; };", bad[i]);

		assert_null(config_load_string(text, TEST_NAME, &error));
		assert_string_equal(error, TEST_NAME ":1: key server.listener.x.bind: expected an "
				    "address and port: \"127.0.0.1:8080\" or \"[::1]:8080\"");
		free(text);
	}
	assert_refused("server = { listener = { x = {\n bind = ( \"127.0.0.1:1\", 5 );\n"
		       " protocol = \"http\"; }; }; };",
		       TEST_NAME ":2: key server.listener.x.bind: expected a string or a list of strings");
	assert_refused("server = { listener = { x = { bind = 8080; protocol = \"http\"; }; }; };",
		       TEST_NAME ":1: key server.listener.x.bind: expected a string or a list of strings");
}

static void test_group_names(void **state)
{
	struct config *cfg = load_clean(
		"server = { listener = {\n"
		"  zeta = { bind = \"127.0.0.1:1\"; protocol = \"imap\"; };\n"
		"  alpha = { bind = \"127.0.0.1:2\"; protocol = \"pop3\"; };\n"
		"  mid = { bind = \"127.0.0.1:3\"; protocol = \"smtp\"; submission = true; };\n"
		"}; };\n");

	assert_int_equal(config_group_count(cfg, "server.listener"), 3);
	assert_string_equal(config_group_name(cfg, "server.listener", 0), "zeta");
	assert_string_equal(config_group_name(cfg, "server.listener", 1), "alpha");
	assert_string_equal(config_group_name(cfg, "server.listener", 2), "mid");
	assert_null(config_group_name(cfg, "server.listener", 3));
	assert_int_equal(config_group_count(cfg, "server"), 1);
	assert_int_equal(config_group_count(cfg, ""), 1);
	assert_string_equal(config_group_name(cfg, "", 0), "server");
	assert_int_equal(config_group_count(cfg, "server.listener.mid.bind"), 0);
	assert_int_equal(config_group_count(cfg, "nothing.here"), 0);
	assert_true(config_bool(cfg, "server.listener.mid.submission", false));
	config_free(&cfg);
	assert_int_equal(config_group_count(NULL, "server"), 0);
	assert_string_equal(config_string(NULL, "server.hostname", "d"), "d");
}

static void test_listener_validation(void **state)
{
	assert_refused("server = { listener = {\n  x = { bind = \"127.0.0.1:1\"; protocol = \"ftp\"; };\n"
		       "}; };",
		       TEST_NAME ":2: key server.listener.x.protocol: expected one of http, imap, pop3, smtp");
	assert_refused("server = { listener = {\n  x = {\n    bind = \"127.0.0.1:1\";\n  };\n}; };",
		       TEST_NAME ":2: key server.listener.x: protocol is missing and required here");
	assert_refused("server = { listener = {\n  x = { protocol = \"http\"; };\n}; };",
		       TEST_NAME ":2: key server.listener.x: bind is missing and required here");
	assert_refused("server = { listener = { x = { bind = \"127.0.0.1:1\"; protocol = 1; }; }; };",
		       TEST_NAME ":1: key server.listener.x.protocol: expected a string");
}

/* The configuration of issue 2, as users and tests write it. */
static void test_issue_example(void **state)
{
	struct config *cfg = load_clean(
		"server = {\n"
		"  hostname = \"mail.example.org\";\n"
		"  listener = {\n"
		"    http  = { bind = [ \"127.0.0.1:8080\" ]; protocol = \"http\"; };\n"
		"    https = { bind = [ \"127.0.0.1:8443\" ]; protocol = \"http\"; "
		"tls = { implicit = true; }; };\n"
		"  };\n"
		"};\n"
		"storage = { path = \"/var/lib/tern\"; };\n"
		"authentication = { fallback-admin = { user = \"admin\"; secret = \"...\"; }; };\n");

	assert_string_equal(config_string(cfg, "server.hostname", NULL), "mail.example.org");
	assert_string_equal(config_string(cfg, "storage.path", NULL), "/var/lib/tern");
	assert_string_equal(config_string(cfg, "authentication.fallback-admin.user", NULL), "admin");
	assert_true(config_bool(cfg, "server.listener.https.tls.implicit", false));
	config_free(&cfg);
}

static void test_other_checks(void **state)
{
	struct config *cfg = load_clean(
		"security = { auth-ban = { exempt = [ \"127.0.0.1\", \"10.0.0.0/8\", \"::1\",\n"
		"  \"2001:db8::/32\" ]; failures = 0; }; };\n"
		"authentication = { fallback-admin = { user = \"admin\"; secret = \"pw\"; }; };\n");

	assert_int_equal(config_list_count(cfg, "security.auth-ban.exempt"), 4);
	assert_int_equal(config_int(cfg, "security.auth-ban.failures", 25), 0);
	assert_string_equal(config_string(cfg, "authentication.fallback-admin.secret", NULL), "pw");
	assert_int_equal(config_int(cfg, "authentication.fallback-admin.user", 3), 3);
	assert_false(config_bool(cfg, "authentication.fallback-admin.user", false));
	config_free(&cfg);
	assert_refused("security = { auth-ban = { exempt = [ \"10.0.0.0/33\" ]; }; };",
		       TEST_NAME ":1: key security.auth-ban.exempt: expected an IP address or a "
		       "CIDR block (\"192.0.2.0/24\", \"2001:db8::/32\")");
	assert_refused("security = { auth-ban = { exempt = \"example.org\"; }; };",
		       TEST_NAME ":1: key security.auth-ban.exempt: expected an IP address or a "
		       "CIDR block (\"192.0.2.0/24\", \"2001:db8::/32\")");
	assert_refused("authentication = { fallback-admin = { user = \"admin\"; }; };",
		       TEST_NAME ":1: key authentication.fallback-admin: secret is missing and "
		       "required here");
	assert_refused("server = { tls = { certificate = \"/c.pem\"; }; };",
		       TEST_NAME ":1: key server.tls: private-key is missing and required here");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_values),
		cmocka_unit_test(test_default_documents_schema),
		cmocka_unit_test(test_default_documented_values),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_duration_and_size_values),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_bind_list_or_string),
		cmocka_unit_test(test_bind_invalid),
		cmocka_unit_test(test_group_names),
		cmocka_unit_test(test_listener_validation),
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_other_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
