/* The directory: hash formats, principal validation, authentication,
 * the auth cache, the brute-force guard and the fallback admin. */
#include <crypt.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "store/store.h"

/* Fixed vectors: the sha-crypt ones are from Drepper's specification,
 * the bcrypt one from OpenBSD's tests, the others were computed once
 * with libxcrypt. */
static const struct {
	const char *password;
	const char *hash;
} known_hashes[] = {
	{ "Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
	{ "Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v." },
	{ "Hello world!", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5" },
	{ "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
	{ "tern-secret", "$2b$05$abcdefghijklmnopqrstuuAXng/FTobnphWGmvN.JvzvrXquQFJPy" },
	{ "tern-secret", "$2y$05$abcdefghijklmnopqrstuuAXng/FTobnphWGmvN.JvzvrXquQFJPy" },
	{ "tern-secret", "$y$j9T$abcdefghijklmnopqrstu.$kcmrsEGJDv048CwLEc9IhgPagDkMJJ.k/jQUaNOY1q." },
};

/* Formats libxcrypt knows but we refuse: MD5-crypt, DES, plaintext. */
static const char *const refused_hashes[] = {
	"$1$saltsalt$e5uU4U7tucH2nnUsJPr6Q1",
	"ab2D3RkChEtsE",
	"tern-secret",
	"",
};

struct fixture {
	char *path;
	struct store *store;
	struct config *cfg;
	struct directory *dir;
	char *generated;
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static struct config *config_from(const char *text)
{
	const char *error = NULL;
	struct config *cfg = config_load_string(text, "test", &error);

	if (cfg == NULL)
		fail_msg("config: %s", error);
	return cfg;
}

static void fixture_open_directory(struct fixture *f)
{
	const char *error = NULL;

	free(f->generated);
	f->generated = NULL;
	if (directory_open(f->store, f->cfg, &f->dir, &f->generated, &error) < 0)
		fail_msg("directory_open: %s", error);
}

static struct fixture *fixture_new(const char *config_text)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *tmp = getenv("TERN_TEST_TMP");
	const char *error = NULL;

	f->path = xasprintf("%s/test_directory.XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->path));
	if (store_open(f->path, &f->store, &error) < 0)
		fail_msg("store_open: %s", error);
	f->cfg = config_from(config_text);
	fixture_open_directory(f);
	return f;
}

static void fixture_free(struct fixture *f)
{
	directory_close(&f->dir);
	store_close(&f->store);
	config_free(&f->cfg);
	nftw(f->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->generated);
	free(f->path);
	free(f);
}

static char **strings(size_t n, ...)
{
	char **list = xcalloc(n + 1, sizeof(*list));
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		list[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	return list;
}

static struct store_principal *principal_new(enum store_principal_type type, const char *name)
{
	struct store_principal *p = xcalloc(1, sizeof(*p));

	p->type = type;
	p->name = xstrdup(name);
	return p;
}

/* Creates p (which it frees) and returns the status. */
static int create(struct fixture *f, struct store_principal *p)
{
	const char *error = NULL;
	int status = 0;

	if (directory_principal_create(f->dir, p, &status, &error) == 0)
		status = 0;
	store_principal_free(&p);
	return status;
}

static int create_domain(struct fixture *f, const char *name)
{
	return create(f, principal_new(STORE_PRINCIPAL_DOMAIN, name));
}

static int create_user(struct fixture *f, const char *name, const char *secret,
		       const char *email)
{
	struct store_principal *p = principal_new(STORE_PRINCIPAL_INDIVIDUAL, name);

	if (secret != NULL) {
		p->secrets = strings(1, secret);
		p->secret_count = 1;
	}
	if (email != NULL) {
		p->emails = strings(1, email);
		p->email_count = 1;
	}
	return create(f, p);
}

static enum directory_auth_result auth(struct fixture *f, const char *name, const char *password,
				       const char *ip)
{
	struct directory_identity id;

	return directory_authenticate(f->dir, name, password, ip, &id);
}

static void set_password(struct fixture *f, const char *name, const char *password)
{
	struct store_principal *p = NULL;
	const char *error = NULL;
	int status = 0;

	assert_int_equal(store_principal_get_by_name(f->store, name, &p), 1);
	for (size_t i = 0; i < p->secret_count; i++)
		free(p->secrets[i]);
	free(p->secrets);
	p->secrets = strings(1, password);
	p->secret_count = 1;
	if (directory_principal_update(f->dir, p, &status, &error) < 0)
		fail_msg("update: %d %s", status, error);
	store_principal_free(&p);
}

/* ---- passwords ---- */

static void test_known_hashes(void **state)
{
	for (size_t i = 0; i < sizeof(known_hashes) / sizeof(known_hashes[0]); i++) {
		assert_true(directory_password_is_hash(known_hashes[i].hash));
		assert_int_equal(directory_password_verify(known_hashes[i].password,
							   known_hashes[i].hash), 1);
		assert_int_equal(directory_password_verify("wrong", known_hashes[i].hash), 0);
		assert_int_equal(directory_password_verify("", known_hashes[i].hash), 0);
	}
	for (size_t i = 0; i < sizeof(refused_hashes) / sizeof(refused_hashes[0]); i++) {
		assert_false(directory_password_is_hash(refused_hashes[i]));
		assert_int_equal(directory_password_verify("tern-secret", refused_hashes[i]), 0);
	}
}

static void test_generated_hashes(void **state)
{
	static const char *const prefixes[] = { "$2b$", "$2y$", "$2a$", "$6$", "$5$", "$y$" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char setting[CRYPT_GENSALT_OUTPUT_SIZE];
		struct crypt_data *data = xcalloc(1, sizeof(*data));
		unsigned long count = prefixes[i][1] == '2' ? 4 : 0;

		assert_non_null(crypt_gensalt_rn(prefixes[i], count, NULL, 0, setting, sizeof(setting)));
		const char *hash = crypt_rn("p4ss w0rd", setting, data, sizeof(*data));
		assert_non_null(hash);
		assert_true(directory_password_is_hash(hash));
		assert_int_equal(directory_password_verify("p4ss w0rd", hash), 1);
		assert_int_equal(directory_password_verify("p4ss w0rD", hash), 0);
		free(data);
	}
}

static void test_new_hash_is_yescrypt(void **state)
{
	char *a = directory_password_hash("correct horse");
	char *b = directory_password_hash("correct horse");

	assert_non_null(a);
	assert_non_null(b);
	assert_memory_equal(a, "$y$", 3);
	assert_string_not_equal(a, b);	/* a fresh salt each time */
	assert_true(directory_password_is_hash(a));
	assert_int_equal(directory_password_verify("correct horse", a), 1);
	assert_int_equal(directory_password_verify("correct horse", b), 1);
	assert_int_equal(directory_password_verify("correct hors", a), 0);
	free(a);
	free(b);
}

static void test_is_hash_malformed(void **state)
{
	static const char *const bad[] = {
		"$6$", "$5$salt", "$y$", "$y$j9T$salt$", "$2b$04$short",
		/* too costly to verify */
		"$2b$31$abcdefghijklmnopqrstuuAXng/FTobnphWGmvN.JvzvrXquQFJPy",
		"$6$rounds=999999999$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
		/* wrong lengths and characters */
		"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc",
		"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc!",
		"$3$abc", "$7$abc", "$gy$abc",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(directory_password_is_hash(bad[i]));
	assert_false(directory_password_is_hash(NULL));
}

/* ---- principals ---- */

static void test_principal_validation(void **state)
{
	struct fixture *f = fixture_new("");
	char long_name[300];

	assert_int_equal(create_domain(f, "example.org"), 0);
	assert_int_equal(create_domain(f, "Example.org"), 409);
	assert_int_equal(create_domain(f, "bad_domain.org"), 400);
	assert_int_equal(create_domain(f, "-bad.org"), 400);
	assert_int_equal(create_domain(f, "bad..org"), 400);
	/* an address in a domain that does not exist */
	assert_int_equal(create_user(f, "bob", "pw", "bob@example.com"), 404);
	assert_int_equal(create_user(f, "Alice", "pw", "Alice@Example.org"), 0);
	assert_int_equal(create_user(f, "alice", "pw", NULL), 409);
	assert_int_equal(create_user(f, "alice2", "pw", "alice@example.org"), 409);
	/* bad names */
	assert_int_equal(create_user(f, "", "pw", NULL), 400);
	assert_int_equal(create_user(f, "a b", "pw", NULL), 400);
	assert_int_equal(create_user(f, "a/b", "pw", NULL), 400);
	assert_int_equal(create_user(f, "a\tb", "pw", NULL), 400);
	assert_int_equal(create_user(f, "..", "pw", NULL), 400);
	assert_int_equal(create_user(f, "bad\xff", "pw", NULL), 400);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(create_user(f, long_name, "pw", NULL), 400);
	/* bad addresses */
	assert_int_equal(create_user(f, "carol", "pw", "carol"), 400);
	assert_int_equal(create_user(f, "carol", "pw", "ca..rol@example.org"), 400);
	assert_int_equal(create_user(f, "carol", "pw", "carol@@example.org"), 400);
	assert_int_equal(create_user(f, "carol", "pw", "carol@"), 400);
	assert_int_equal(create_user(f, "carol", "", NULL), 400);

	struct store_principal *p = principal_new(STORE_PRINCIPAL_INDIVIDUAL, "dave");
	p->role = xstrdup("root");
	assert_int_equal(create(f, p), 400);
	p = principal_new(STORE_PRINCIPAL_GROUP, "staff");
	p->members = strings(2, "alice", "nobody");
	p->member_count = 2;
	assert_int_equal(create(f, p), 404);
	p = principal_new(STORE_PRINCIPAL_DOMAIN, "other.org");
	p->emails = strings(1, "x@example.org");
	p->email_count = 1;
	assert_int_equal(create(f, p), 400);

	/* names and addresses are lowercased, plaintext secrets hashed */
	assert_int_equal(store_principal_get_by_email(f->store, "alice@example.org", &p), 1);
	assert_string_equal(p->name, "alice");
	assert_string_equal(p->role, "user");
	assert_int_equal(p->secret_count, 1);
	assert_memory_equal(p->secrets[0], "$y$", 3);
	store_principal_free(&p);
	fixture_free(f);
}

static void test_principal_delete(void **state)
{
	struct fixture *f = fixture_new("");
	const char *error = NULL;
	int status = 0;

	assert_int_equal(create_domain(f, "example.org"), 0);
	assert_int_equal(create_user(f, "alice", "pw", "alice@example.org"), 0);
	struct store_principal *g = principal_new(STORE_PRINCIPAL_GROUP, "staff");
	g->members = strings(1, "alice");
	g->member_count = 1;
	assert_int_equal(create(f, g), 0);

	assert_int_equal(directory_principal_delete(f->dir, "example.org", &status, &error), -1);
	assert_int_equal(status, 409);
	assert_int_equal(directory_principal_delete(f->dir, "nobody", &status, &error), -1);
	assert_int_equal(status, 404);
	assert_int_equal(directory_principal_delete(f->dir, "Alice", &status, &error), 0);
	/* the group no longer lists the deleted member */
	assert_int_equal(store_principal_get_by_name(f->store, "staff", &g), 1);
	assert_int_equal(g->member_count, 0);
	store_principal_free(&g);
	assert_int_equal(directory_principal_delete(f->dir, "example.org", &status, &error), 0);
	fixture_free(f);
}

/* ---- authentication ---- */

static void test_authenticate(void **state)
{
	struct fixture *f = fixture_new("");
	struct directory_identity id;

	assert_int_equal(create_domain(f, "example.org"), 0);
	assert_int_equal(create_user(f, "alice", "s3cret", "alice@example.org"), 0);
	assert_int_equal(create_user(f, "bob", known_hashes[3].hash, "bob@example.org"), 0);
	struct store_principal *p = principal_new(STORE_PRINCIPAL_INDIVIDUAL, "root");
	p->role = xstrdup("admin");
	p->secrets = strings(1, "adminpw");
	p->secret_count = 1;
	assert_int_equal(create(f, p), 0);

	assert_int_equal(directory_authenticate(f->dir, "alice", "s3cret", "192.0.2.1", &id),
			 DIRECTORY_AUTH_OK);
	assert_string_equal(id.name, "alice");
	assert_int_equal(id.account_id, id.principal_id);
	assert_true(id.principal_id > 0);
	assert_false(id.is_admin);
	assert_int_equal(directory_authenticate(f->dir, "ALICE@example.ORG", "s3cret", "192.0.2.1",
						&id), DIRECTORY_AUTH_OK);
	assert_string_equal(id.name, "alice");
	assert_int_equal(auth(f, "alice", "S3cret", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "nobody", "s3cret", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "bob@example.org", "U*U", "192.0.2.1"), DIRECTORY_AUTH_OK);
	assert_int_equal(directory_authenticate(f->dir, "root", "adminpw", "192.0.2.1", &id),
			 DIRECTORY_AUTH_OK);
	assert_true(id.is_admin);
	/* domains never log in, whatever they are sent */
	assert_int_equal(auth(f, "example.org", "", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "example.org", "s3cret", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, NULL, "x", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "alice", NULL, NULL), DIRECTORY_AUTH_FAILED);
	fixture_free(f);
}

static void test_auth_cache(void **state)
{
	struct fixture *f = fixture_new("");

	assert_int_equal(create_domain(f, "example.org"), 0);
	assert_int_equal(create_user(f, "alice", "first", "alice@example.org"), 0);

	int64_t t0 = time_mono_ms();
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth(f, "alice", "first", "192.0.2.1"), DIRECTORY_AUTH_OK);
	int64_t t1 = time_mono_ms();
	for (int i = 0; i < 300; i++)
		assert_int_equal(auth(f, "alice", "first", "192.0.2.1"), DIRECTORY_AUTH_OK);
	int64_t t2 = time_mono_ms();
	/* the first costs a yescrypt; 300 cache hits cost less than it */
	assert_true(t2 - t1 < t1 - t0);

	set_password(f, "alice", "second");
	assert_int_equal(auth(f, "alice", "first", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "alice", "second", "192.0.2.1"), DIRECTORY_AUTH_OK);
	assert_int_equal(auth(f, "alice@example.org", "second", "192.0.2.1"), DIRECTORY_AUTH_OK);
	fixture_free(f);
}

static void test_auth_cache_disabled(void **state)
{
	struct fixture *f = fixture_new("authentication = { cache = { ttl = 0; }; };");

	assert_int_equal(create_user(f, "alice", "first", NULL), 0);
	assert_int_equal(auth(f, "alice", "first", "192.0.2.1"), DIRECTORY_AUTH_OK);
	assert_int_equal(auth(f, "alice", "first", "192.0.2.1"), DIRECTORY_AUTH_OK);
	assert_int_equal(auth(f, "alice", "other", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	fixture_free(f);
}

/* ---- the brute-force guard ---- */

#define BAN_CONFIG \
	"security = { auth-ban = { failures = 3; window = \"10m\"; duration = \"1h\"; " \
	"exempt = [ \"10.0.0.0/8\", \"2001:db8::/32\", \"198.51.100.7\" ]; }; };"

static void test_ban(void **state)
{
	struct fixture *f = fixture_new(BAN_CONFIG);
	time_t until = 0;

	assert_int_equal(create_user(f, "alice", "right", NULL), 0);
	assert_int_equal(auth(f, "alice", "right", "192.0.2.1"), DIRECTORY_AUTH_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth(f, "alice", "wrong", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(directory_ip_banned(f->dir, "192.0.2.1"), 1);
	/* refused even with the right password, and even when cached */
	assert_int_equal(auth(f, "alice", "right", "192.0.2.1"), DIRECTORY_AUTH_BANNED);
	assert_int_equal(auth(f, "alice", "right", "::ffff:192.0.2.1"), DIRECTORY_AUTH_BANNED);
	/* another client is not affected */
	assert_int_equal(auth(f, "alice", "right", "192.0.2.2"), DIRECTORY_AUTH_OK);
	assert_int_equal(directory_ip_banned(f->dir, "192.0.2.2"), 0);
	/* the ban is in the store, about an hour long */
	assert_int_equal(store_ban_get(f->store, "192.0.2.1", time(NULL), &until), 1);
	assert_true(until > time(NULL) + 3500 && until <= time(NULL) + 3600);
	/* and survives a restart */
	directory_close(&f->dir);
	fixture_open_directory(f);
	assert_int_equal(auth(f, "alice", "right", "192.0.2.1"), DIRECTORY_AUTH_BANNED);
	fixture_free(f);
}

static void test_ban_loopback_and_v6(void **state)
{
	struct fixture *f = fixture_new(BAN_CONFIG);

	assert_int_equal(create_user(f, "alice", "right", NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(auth(f, "alice", "wrong", "127.0.0.1"), DIRECTORY_AUTH_FAILED);
		assert_int_equal(auth(f, "nobody", "wrong", "2001:db9::1"), DIRECTORY_AUTH_FAILED);
	}
	/* loopback is not exempt unless listed */
	assert_int_equal(auth(f, "alice", "right", "127.0.0.1"), DIRECTORY_AUTH_BANNED);
	assert_int_equal(auth(f, "alice", "right", "2001:DB9:0::1"), DIRECTORY_AUTH_BANNED);
	fixture_free(f);
}

static void test_ban_exempt(void **state)
{
	static const char *const exempt[] = {
		"10.1.2.3", "::ffff:10.9.9.9", "2001:db8::5", "198.51.100.7",
	};
	struct fixture *f = fixture_new(BAN_CONFIG);

	assert_int_equal(create_user(f, "alice", "right", NULL), 0);
	for (size_t i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++) {
		for (int n = 0; n < 6; n++)
			assert_int_equal(auth(f, "alice", "wrong", exempt[i]), DIRECTORY_AUTH_FAILED);
		assert_int_equal(auth(f, "alice", "right", exempt[i]), DIRECTORY_AUTH_OK);
		assert_int_equal(directory_ip_banned(f->dir, exempt[i]), 0);
	}
	/* just outside the listed networks */
	for (int n = 0; n < 3; n++)
		assert_int_equal(auth(f, "alice", "wrong", "198.51.100.8"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "alice", "right", "198.51.100.8"), DIRECTORY_AUTH_BANNED);
	fixture_free(f);
}

/* Failures older than the window are forgotten; a ban ends. */
static void test_ban_expiry(void **state)
{
	struct fixture *f = fixture_new(
		"security = { auth-ban = { failures = 3; window = \"2s\"; duration = \"1s\"; }; };");

	assert_int_equal(create_user(f, "alice", "right", NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(auth(f, "alice", "wrong", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	sleep(3);
	for (int i = 0; i < 2; i++)
		assert_int_equal(auth(f, "alice", "wrong", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "alice", "right", "192.0.2.1"), DIRECTORY_AUTH_OK);
	assert_int_equal(auth(f, "alice", "wrong", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	assert_int_equal(auth(f, "alice", "right", "192.0.2.1"), DIRECTORY_AUTH_BANNED);
	sleep(2);
	assert_int_equal(directory_ip_banned(f->dir, "192.0.2.1"), 0);
	assert_int_equal(auth(f, "alice", "right", "192.0.2.1"), DIRECTORY_AUTH_OK);
	fixture_free(f);
}

static void test_ban_bad_exempt(void **state)
{
	const char *error = NULL;
	struct config *cfg = config_load_string(
		"security = { auth-ban = { exempt = [ \"10.0.0.0/33\" ]; }; };", "test", &error);

	/* either the config check or the directory refuses it */
	if (cfg != NULL) {
		struct fixture *f = fixture_new("");
		struct directory *dir = NULL;
		char *generated = NULL;
		assert_int_equal(directory_open(f->store, cfg, &dir, &generated, &error), -1);
		assert_null(dir);
		config_free(&cfg);
		fixture_free(f);
	}
	assert_non_null(error);
}

/* ---- the fallback admin ---- */

static void test_fallback_generated(void **state)
{
	struct fixture *f = fixture_new("");
	struct directory_identity id;
	char *stored = NULL;

	assert_non_null(f->generated);
	char *password = xstrdup(f->generated);
	assert_true(strlen(password) >= 20);
	assert_int_equal(directory_authenticate(f->dir, "admin", password, "192.0.2.1", &id),
			 DIRECTORY_AUTH_OK);
	assert_int_equal(id.principal_id, 0);
	assert_true(id.is_admin);
	assert_string_equal(id.name, "admin");
	assert_int_equal(auth(f, "admin", "guess", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	/* only the hash is kept */
	assert_int_equal(store_setting_get(f->store, "directory.fallback-admin.hash", &stored), 1);
	assert_memory_equal(stored, "$y$", 3);
	assert_null(strstr(stored, password));
	free(stored);

	directory_close(&f->dir);
	fixture_open_directory(f);
	assert_null(f->generated);
	assert_int_equal(auth(f, "admin", password, "192.0.2.1"), DIRECTORY_AUTH_OK);
	free(password);
	fixture_free(f);
}

static void test_fallback_config(void **state)
{
	struct fixture *f = fixture_new(
		"authentication = { fallback-admin = { user = \"Root\"; secret = \"plain pw\"; }; };");
	struct directory_identity id;

	assert_null(f->generated);
	assert_int_equal(directory_authenticate(f->dir, "root", "plain pw", "192.0.2.1", &id),
			 DIRECTORY_AUTH_OK);
	assert_true(id.is_admin);
	assert_int_equal(id.principal_id, 0);
	assert_int_equal(auth(f, "admin", "plain pw", "192.0.2.1"), DIRECTORY_AUTH_FAILED);
	fixture_free(f);

	char *text = xasprintf("authentication = { fallback-admin = { user = \"admin\"; "
			       "secret = \"%s\"; }; };", known_hashes[0].hash);
	f = fixture_new(text);
	free(text);
	assert_null(f->generated);
	assert_int_equal(auth(f, "admin", "Hello world!", "192.0.2.1"), DIRECTORY_AUTH_OK);
	assert_int_equal(auth(f, "admin", known_hashes[0].hash, "192.0.2.1"),
			 DIRECTORY_AUTH_FAILED);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_hashes),
		cmocka_unit_test(test_generated_hashes),
		cmocka_unit_test(test_new_hash_is_yescrypt),
		cmocka_unit_test(test_is_hash_malformed),
		cmocka_unit_test(test_principal_validation),
		cmocka_unit_test(test_principal_delete),
		cmocka_unit_test(test_authenticate),
		cmocka_unit_test(test_auth_cache),
		cmocka_unit_test(test_auth_cache_disabled),
		cmocka_unit_test(test_ban),
		cmocka_unit_test(test_ban_loopback_and_v6),
		cmocka_unit_test(test_ban_exempt),
		cmocka_unit_test(test_ban_expiry),
		cmocka_unit_test(test_ban_bad_exempt),
		cmocka_unit_test(test_fallback_generated),
		cmocka_unit_test(test_fallback_config),
	};

	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
