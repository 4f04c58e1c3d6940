/* Identity, EmailSubmission, VacationResponse, Quota and the Blob
 * methods through jmap_invoke() over a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/config.h"
#include "jmap/jmap.h"
#include "mail/mail.h"
#include "store/store.h"
#include "store/store_objects.h"

#include "jmap_fixture.h"

static const char msg_draft[] =
	"From: Alice Smith <alice@example.com>\r\n"
	"To: Bob <bob@example.org>, carol@example.org\r\n"
	"Cc: Bob <BOB@example.org>\r\n"
	"Bcc: dave@example.net\r\n"
	"Subject: Plans\r\n"
	"Date: Tue, 1 Oct 2024 09:59:00 +0200\r\n"
	"Message-ID: <plans@example.com>\r\n"
	"\r\n"
	"Shall we?\r\n";

static const char msg_foreign[] =
	"From: Mallory <mallory@evil.example>\r\n"
	"To: bob@example.org\r\n"
	"Subject: Not yours\r\n"
	"\r\n"
	"Hi.\r\n";

static const char msg_two_from[] =
	"From: alice@example.com\r\n"
	"From: alice.smith@example.com\r\n"
	"To: bob@example.org\r\n"
	"Subject: Twice\r\n"
	"\r\n"
	"Hi.\r\n";

static const char fox[] = "The quick brown fox jumped over the lazy dog.";

/* ---- fixture ---- */

static int setup(void **state)
{
	struct jmap_fixture *f = calloc(1, sizeof(*f));
	char *emails[] = { "alice@example.com", "alice.smith@example.com" };
	struct store_principal p = {
		.type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice", .role = "user",
		.description = "Alice Smith", .emails = emails, .email_count = 2,
	};

	mail_init();
	jmap_fixture_open(f, "objects", "jmap = { max-size-upload = \"4K\"; };", &p);
	*state = f;
	return 0;
}

/* ---- helpers ---- */

/* Runs one call with arguments from fmt (printf); returns every
 * response (new reference). */
static json_object *invoke_all(struct jmap_fixture *f, const char *method, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static json_object *invoke_all(struct jmap_fixture *f, const char *method, const char *fmt, ...)
{
	json_object *args, *responses;
	va_list ap;

	va_start(ap, fmt);
	args = jmap_fixture_vparse(fmt, ap);
	va_end(ap);
	responses = jmap_fixture_invoke_all(f, method, args);
	json_object_put(args);
	return responses;
}

/* The arguments of response i (borrowed from responses) and its name. */
static json_object *response_args(json_object *responses, size_t i, const char **name_r)
{
	json_object *resp = json_object_array_get_idx(responses, i);

	assert_non_null(resp);
	if (name_r != NULL)
		*name_r = json_object_get_string(json_object_array_get_idx(resp, 0));
	return json_object_array_get_idx(resp, 1);
}

/* Runs one call and returns the arguments of its first response (new
 * reference), failing unless it is named like the method. */
static json_object *invoke(struct jmap_fixture *f, const char *method, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static json_object *invoke(struct jmap_fixture *f, const char *method, const char *fmt, ...)
{
	json_object *args, *result;
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	args = jmap_fixture_vparse(fmt, ap);
	va_end(ap);
	result = jmap_fixture_invoke(f, method, args, name);
	if (strcmp(name, method) != 0)
		fail_msg("%s answered %s: %s", method, name, json_object_to_json_string(result));
	json_object_put(args);
	return result;
}

static void assert_jstr(json_object *obj, const char *path, const char *want)
{
	const char *have = jstr(obj, path);

	if (have == NULL || strcmp(have, want) != 0)
		fail_msg("%s: want \"%s\", have \"%s\" in %s", path, want,
			 have != NULL ? have : "(none)", json_object_to_json_string(obj));
}

/* The SetError type in r's kind map ("notCreated", ...) under key. */
static void assert_set_error(json_object *r, const char *kind, const char *key, const char *type)
{
	json_object *error = json_object_object_get(json_object_object_get(r, kind), key);

	if (error == NULL)
		fail_msg("no %s/%s in %s", kind, key, json_object_to_json_string(r));
	assert_jstr(error, "type", type);
}

static size_t jlen(json_object *obj, const char *path)
{
	json_object *v = jpath(obj, path);

	return json_object_is_type(v, json_type_array) ? json_object_array_length(v) :
	       json_object_is_type(v, json_type_object) ? (size_t)json_object_object_length(v) : 0;
}

static char *mailbox_id(struct jmap_fixture *f, const char *role)
{
	json_object *r = invoke(f, "Mailbox/get", "{\"accountId\":\"%s\"}", f->account);
	char *id = NULL;

	for (size_t i = 0; i < jlen(r, "list"); i++) {
		json_object *mb = json_object_array_get_idx(jpath(r, "list"), i);

		if (jstr(mb, "role") != NULL && strcmp(jstr(mb, "role"), role) == 0)
			id = strdup(jstr(mb, "id"));
	}
	json_object_put(r);
	assert_non_null(id);
	return id;
}

/* Uploads text through Blob/upload; returns the blob id (caller frees). */
static char *upload_text(struct jmap_fixture *f, const char *text)
{
	json_object *data = json_object_new_string(text);
	json_object *r = invoke(f, "Blob/upload",
				"{\"accountId\":\"%s\",\"create\":{\"b\":{\"data\":[{\"data:asText\":%s}]}}}",
				f->account, json_object_to_json_string(data));
	char *id = strdup(jstr(r, "created/b/id"));

	json_object_put(data);
	json_object_put(r);
	return id;
}

/* Imports raw into the mailbox of role with keywords (JSON object);
 * returns the Email object of the created email (new reference). */
static json_object *import_email(struct jmap_fixture *f, const char *raw, const char *role,
				 const char *keywords)
{
	char *blob = upload_text(f, raw), *mb = mailbox_id(f, role);
	json_object *r = invoke(f, "Email/import",
				"{\"accountId\":\"%s\",\"emails\":{\"m\":{\"blobId\":\"%s\","
				"\"mailboxIds\":{\"%s\":true},\"keywords\":%s}}}",
				f->account, blob, mb, keywords);
	json_object *created = json_object_get(jpath(r, "created/m"));

	if (created == NULL)
		fail_msg("import failed: %s", json_object_to_json_string(r));
	json_object_put(r);
	free(blob);
	free(mb);
	return created;
}

static char *default_identity(struct jmap_fixture *f, const char *email)
{
	json_object *r = invoke(f, "Identity/get", "{\"accountId\":\"%s\"}", f->account);
	char *id = NULL;

	for (size_t i = 0; i < jlen(r, "list"); i++) {
		json_object *ident = json_object_array_get_idx(jpath(r, "list"), i);

		if (strcmp(jstr(ident, "email"), email) == 0 &&
		    !json_object_get_boolean(jpath(ident, "mayDelete")))
			id = strdup(jstr(ident, "id"));
	}
	json_object_put(r);
	assert_non_null(id);
	return id;
}

static void principal_update(struct jmap_fixture *f, uint64_t quota, char **emails, size_t count)
{
	struct store_principal *p;
	const char *error;

	assert_int_equal(store_principal_get_by_id(f->store, f->user.principal_id, &p), 1);
	p->quota = quota;
	if (emails != NULL) {
		for (size_t i = 0; i < p->email_count; i++)
			free(p->emails[i]);
		free(p->emails);
		p->emails = calloc(count, sizeof(char *));
		for (size_t i = 0; i < count; i++)
			p->emails[i] = strdup(emails[i]);
		p->email_count = count;
	}
	assert_int_equal(store_principal_update(f->store, p, &error), 0);
	store_principal_free(&p);
}

/* Runs sql (one integer column, one row) on the system database as
 * another process would see it: what was committed to disk. */
static int64_t system_db_int(struct jmap_fixture *f, const char *sql)
{
	char path[300];
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int64_t value = -1;

	snprintf(path, sizeof(path), "%s/system.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

static void system_db_exec(struct jmap_fixture *f, const char *sql)
{
	char path[300];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/system.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---- session ---- */

static void test_capabilities(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *s = jmap_session_resource(f->srv, &f->user, "http://localhost");
	json_object *caps = jpath(jpath(jpath(s, "accounts"), f->account), "accountCapabilities");

	assert_non_null(jpath(s, "capabilities/urn:ietf:params:jmap:submission"));
	assert_non_null(jpath(s, "capabilities/urn:ietf:params:jmap:vacationresponse"));
	assert_non_null(jpath(s, "capabilities/urn:ietf:params:jmap:quota"));
	assert_non_null(jpath(s, "capabilities/urn:ietf:params:jmap:blob"));
	assert_int_equal(json_object_get_int(jpath(caps,
		"urn:ietf:params:jmap:submission/maxDelayedSend")), 0);
	assert_int_equal(jlen(caps, "urn:ietf:params:jmap:submission/submissionExtensions"), 0);
	assert_int_equal(json_object_get_int(jpath(caps,
		"urn:ietf:params:jmap:blob/maxSizeBlobSet")), 4096);
	assert_int_equal(jlen(caps, "urn:ietf:params:jmap:blob/supportedTypeNames"), 3);
	assert_jstr(caps, "urn:ietf:params:jmap:blob/supportedDigestAlgorithms/1", "sha-256");
	assert_jstr(s, "primaryAccounts/urn:ietf:params:jmap:submission", f->account);
	assert_jstr(s, "primaryAccounts/urn:ietf:params:jmap:blob", f->account);
	json_object_put(s);
}

/* ---- identities ---- */

static void test_identity_defaults(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = invoke(f, "Identity/get", "{\"accountId\":\"%s\",\"ids\":null}",
				f->account);
	const char *state0;

	assert_int_equal(jlen(r, "list"), 2);
	assert_jstr(r, "list/0/email", "alice@example.com");
	assert_jstr(r, "list/1/email", "alice.smith@example.com");
	assert_jstr(r, "list/0/name", "Alice Smith");
	assert_jstr(r, "list/0/textSignature", "");
	assert_true(json_object_is_type(jpath(r, "list/0/replyTo"), json_type_null));
	assert_false(json_object_get_boolean(jpath(r, "list/0/mayDelete")));
	json_object_put(r);

	/* the defaults were created once and /changes says so */
	r = invoke(f, "Identity/changes", "{\"accountId\":\"%s\",\"sinceState\":\"0\"}", f->account);
	assert_int_equal(jlen(r, "created"), 2);
	state0 = jstr(r, "newState");
	json_object_put(invoke(f, "Identity/get", "{\"accountId\":\"%s\"}", f->account));
	json_object *again = invoke(f, "Identity/changes",
				    "{\"accountId\":\"%s\",\"sinceState\":\"%s\"}", f->account,
				    state0);
	assert_int_equal(jlen(again, "created") + jlen(again, "updated") +
			 jlen(again, "destroyed"), 0);
	json_object_put(again);
	json_object_put(r);

	/* the defaults follow the account's addresses */
	char *now[] = { "alice@example.com", "a.smith@example.com" };

	principal_update(f, 0, now, 2);
	r = invoke(f, "Identity/get", "{\"accountId\":\"%s\"}", f->account);
	assert_int_equal(jlen(r, "list"), 2);
	assert_jstr(r, "list/0/email", "alice@example.com");
	assert_jstr(r, "list/1/email", "a.smith@example.com");
	json_object_put(r);
}

static void test_identity_set(void **state)
{
	struct jmap_fixture *f = *state;
	char *def = default_identity(f, "alice@example.com");
	json_object *r = invoke(f, "Identity/set",
		"{\"accountId\":\"%s\",\"create\":{"
		"\"work\":{\"email\":\"Alice.Smith@example.com\",\"name\":\"Work\","
		"\"bcc\":[{\"name\":null,\"email\":\"archive@example.com\"}]},"
		"\"evil\":{\"email\":\"bob@example.org\"},"
		"\"none\":{\"name\":\"No address\"},"
		"\"badbcc\":{\"email\":\"alice@example.com\",\"bcc\":[{\"email\":\"not an address\"}]}}}",
		f->account);
	char work[64];

	assert_non_null(jstr(r, "created/work/id"));
	snprintf(work, sizeof(work), "%s", jstr(r, "created/work/id"));
	assert_true(json_object_get_boolean(jpath(r, "created/work/mayDelete")));
	assert_jstr(r, "created/work/textSignature", "");
	assert_jstr(r, "notCreated/evil/type", "forbiddenFrom");
	assert_jstr(r, "notCreated/none/type", "invalidProperties");
	assert_jstr(r, "notCreated/badbcc/type", "invalidProperties");
	assert_jstr(r, "notCreated/badbcc/properties/0", "bcc");
	json_object_put(r);

	r = invoke(f, "Identity/set",
		   "{\"accountId\":\"%s\",\"update\":{\"%s\":{\"name\":\"Alice\","
		   "\"textSignature\":\"-- \\nAlice\",\"replyTo\":[{\"name\":\"A\","
		   "\"email\":\"alice@example.com\"}]},\"%s\":{\"email\":\"x@example.com\"},"
		   "\"i999\":{\"name\":\"x\"}},\"destroy\":[\"%s\",\"%s\"]}",
		   f->account, def, work, def, work);
	assert_true(json_object_object_get_ex(jpath(r, "updated"), def, NULL));
	assert_set_error(r, "notUpdated", work, "invalidProperties");
	assert_jstr(r, "notUpdated/i999/type", "notFound");
	assert_set_error(r, "notDestroyed", def, "forbidden");
	assert_jstr(r, "destroyed/0", work);
	json_object_put(r);

	r = invoke(f, "Identity/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"]}", f->account, def);
	assert_jstr(r, "list/0/name", "Alice");
	assert_jstr(r, "list/0/textSignature", "-- \nAlice");
	assert_jstr(r, "list/0/replyTo/0/email", "alice@example.com");
	json_object_put(r);

	/* a null name is the default, "" */
	json_object_put(invoke(f, "Identity/set", "{\"accountId\":\"%s\",\"update\":{\"%s\":"
			       "{\"name\":null}}}", f->account, def));
	r = invoke(f, "Identity/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"]}", f->account, def);
	assert_jstr(r, "list/0/name", "");
	assert_jstr(r, "list/0/textSignature", "-- \nAlice");
	json_object_put(r);
	free(def);
}

/* ---- submissions ---- */

/* EmailSubmission/set create of one submission "k" with extra members
 * (JSON text after the emailId); returns the response arguments. */
static json_object *submit(struct jmap_fixture *f, const char *identity, const char *email,
			   const char *extra)
{
	return invoke(f, "EmailSubmission/set",
		      "{\"accountId\":\"%s\",\"create\":{\"k\":{\"identityId\":\"%s\","
		      "\"emailId\":\"%s\"%s}}}", f->account, identity, email, extra);
}

static void assert_not_created(struct jmap_fixture *f, const char *identity, const char *email,
			       const char *extra, const char *type)
{
	json_object *r = submit(f, identity, email, extra);

	assert_jstr(r, "notCreated/k/type", type);
	json_object_put(r);
}

static void test_submission_checks(void **state)
{
	struct jmap_fixture *f = *state;
	char *ident = default_identity(f, "alice@example.com");
	json_object *mine = import_email(f, msg_draft, "drafts", "{\"$draft\":true}");
	json_object *foreign = import_email(f, msg_foreign, "drafts", "{}");
	json_object *twice = import_email(f, msg_two_from, "drafts", "{}");
	const char *e = jstr(mine, "id");
	char many[8192];
	size_t len;

	assert_not_created(f, "i999", e, "", "invalidProperties");
	assert_not_created(f, ident, "e999", "", "invalidProperties");
	assert_not_created(f, ident, jstr(foreign, "id"), "", "forbiddenFrom");
	assert_not_created(f, ident, jstr(twice, "id"), "", "invalidEmail");
	assert_not_created(f, ident, e, ",\"envelope\":{\"mailFrom\":{\"email\":"
			   "\"mallory@evil.example\"},\"rcptTo\":[{\"email\":\"bob@example.org\"}]}",
			   "forbiddenMailFrom");
	assert_not_created(f, ident, e, ",\"envelope\":{\"mailFrom\":{\"email\":"
			   "\"alice@example.com\"},\"rcptTo\":[]}", "noRecipients");
	assert_not_created(f, ident, e, ",\"envelope\":{\"mailFrom\":{\"email\":"
			   "\"alice@example.com\"},\"rcptTo\":[{\"email\":\"bob@example.org\"},"
			   "{\"email\":\"not an address\"}]}", "invalidRecipients");
	assert_not_created(f, ident, e, ",\"envelope\":{\"mailFrom\":{\"email\":"
			   "\"alice@example.com\"}}", "invalidProperties");
	assert_not_created(f, ident, e, ",\"envelope\":{\"mailFrom\":{\"email\":"
			   "\"alice@example.com\",\"parameters\":{\"bad key\":null}},\"rcptTo\":"
			   "[{\"email\":\"bob@example.org\"}]}", "invalidProperties");
	assert_not_created(f, ident, e, ",\"undoStatus\":\"final\"", "invalidProperties");

	len = (size_t)snprintf(many, sizeof(many), ",\"envelope\":{\"mailFrom\":{\"email\":"
			       "\"alice@example.com\"},\"rcptTo\":[");
	for (int i = 0; i < 101; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%s{\"email\":\"r%d@example.org\"}",
					i > 0 ? "," : "", i);
	snprintf(many + len, sizeof(many) - len, "]}");
	json_object *r = submit(f, ident, e, many);
	assert_jstr(r, "notCreated/k/type", "tooManyRecipients");
	assert_int_equal(json_object_get_int(jpath(r, "notCreated/k/maxRecipients")), 100);
	json_object_put(r);

	r = submit(f, ident, e, ",\"envelope\":{\"mailFrom\":{\"email\":\"alice@example.com\"},"
		   "\"rcptTo\":[{\"email\":\"x\"},{\"email\":\"bob@example.org\"}]}");
	assert_jstr(r, "notCreated/k/invalidRecipients/0", "x");
	assert_int_equal(jlen(r, "notCreated/k/invalidRecipients"), 1);
	json_object_put(r);

	json_object *resp = invoke_all(f, "EmailSubmission/set", "{\"accountId\":\"%s\","
				       "\"create\":{\"k\":{\"identityId\":\"%s\",\"emailId\":\"%s\"}},"
				       "\"onSuccessUpdateEmail\":{\"#k\":true}}", f->account, ident, e);

	assert_jstr(response_args(resp, 0, NULL), "type", "invalidArguments");
	json_object_put(resp);

	/* nothing was stored or queued */
	assert_int_equal(system_db_int(f, "SELECT count(*) FROM outbound_queue"), 0);
	r = invoke(f, "EmailSubmission/get", "{\"accountId\":\"%s\"}", f->account);
	assert_int_equal(jlen(r, "list"), 0);
	json_object_put(r);
	json_object_put(mine);
	json_object_put(foreign);
	json_object_put(twice);
	free(ident);
}

/* Submits email from the default identity of alice@example.com; the new
 * submission's id into sub (64 bytes). */
static void create_submission(struct jmap_fixture *f, json_object *email, char *sub)
{
	char *ident = default_identity(f, "alice@example.com");
	json_object *r = submit(f, ident, jstr(email, "id"), "");

	if (jstr(r, "created/k/id") == NULL)
		fail_msg("not created: %s", json_object_to_json_string(r));
	snprintf(sub, 64, "%s", jstr(r, "created/k/id"));
	json_object_put(r);
	free(ident);
}

static void test_submission_queue(void **state)
{
	struct jmap_fixture *f = *state;
	char *ident = default_identity(f, "alice@example.com");
	json_object *mine = import_email(f, msg_draft, "drafts", "{\"$draft\":true}");
	json_object *r = submit(f, ident, jstr(mine, "id"), "");
	struct store_queue_entry q;
	char sql[256];
	uint64_t sub_id;

	assert_non_null(jstr(r, "created/k/id"));
	sub_id = strtoull(jstr(r, "created/k/id") + 1, NULL, 10);
	assert_jstr(r, "created/k/undoStatus", "pending");
	assert_jstr(r, "created/k/threadId", jstr(mine, "threadId"));
	/* derived: From, and To + Cc + Bcc without duplicates */
	assert_jstr(r, "created/k/envelope/mailFrom/email", "alice@example.com");
	assert_int_equal(jlen(r, "created/k/envelope/rcptTo"), 3);
	assert_jstr(r, "created/k/envelope/rcptTo/2/email", "dave@example.net");
	assert_jstr(r, "created/k/deliveryStatus/bob@example.org/delivered", "queued");
	assert_jstr(r, "created/k/deliveryStatus/bob@example.org/smtpReply", "250 2.1.5 Queued");
	assert_jstr(r, "created/k/deliveryStatus/carol@example.org/displayed", "unknown");
	json_object_put(r);

	/* the queue row holds what a sender needs, on disk */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbound_recipients r JOIN outbound_queue q"
		 " ON q.id = r.queue_id WHERE q.submission_id = %llu AND q.state = 0",
		 (unsigned long long)sub_id);
	assert_int_equal(system_db_int(f, sql), 3);
	assert_int_equal(store_queue_get(f->store, f->user.principal_id, sub_id, &q), 1);
	assert_string_equal(q.mail_from, "alice@example.com");
	assert_string_equal(q.blob_id, jstr(mine, "blobId"));
	assert_int_equal(q.size, json_object_get_int64(jpath(mine, "size")));
	assert_int_equal(q.rcpt_count, 3);
	assert_string_equal(q.rcpts[0].address, "bob@example.org");
	assert_string_equal(q.rcpts[0].status, "queued");
	assert_true(q.next_attempt_at > 0);
	store_queue_entry_clear(&q);
	json_object_put(mine);
	free(ident);
}

static void test_submission_query(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *mine = import_email(f, msg_draft, "drafts", "{}");
	json_object *r;
	char sub[64];

	create_submission(f, mine, sub);
	r = invoke(f, "EmailSubmission/query", "{\"accountId\":\"%s\",\"filter\":{\"undoStatus\":"
		   "\"pending\",\"emailIds\":[\"%s\"]},\"sort\":[{\"property\":\"sentAt\"}]}",
		   f->account, jstr(mine, "id"));
	assert_jstr(r, "ids/0", sub);
	json_object_put(r);
	r = invoke(f, "EmailSubmission/query", "{\"accountId\":\"%s\",\"filter\":{\"undoStatus\":"
		   "\"final\"}}", f->account);
	assert_int_equal(jlen(r, "ids"), 0);
	json_object_put(r);
	r = invoke(f, "EmailSubmission/changes", "{\"accountId\":\"%s\",\"sinceState\":\"0\"}",
		   f->account);
	assert_jstr(r, "created/0", sub);
	json_object_put(r);
	r = invoke(f, "EmailSubmission/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\",\"s999\"],"
		   "\"properties\":[\"emailId\",\"sendAt\"]}", f->account, sub);
	assert_jstr(r, "list/0/emailId", jstr(mine, "id"));
	assert_non_null(jstr(r, "list/0/sendAt"));
	assert_null(jpath(r, "list/0/envelope"));
	assert_jstr(r, "notFound/0", "s999");
	json_object_put(r);
	json_object_put(mine);
}

static void test_submission_cancel(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *mine = import_email(f, msg_draft, "drafts", "{}");
	struct store_queue_entry q;
	json_object *r;
	char sub[64], sql[256];

	/* cancel while pending: the row goes */
	create_submission(f, mine, sub);
	r = invoke(f, "EmailSubmission/set", "{\"accountId\":\"%s\",\"update\":{\"%s\":"
		   "{\"undoStatus\":\"canceled\"}}}", f->account, sub);
	assert_true(json_object_object_get_ex(jpath(r, "updated"), sub, NULL));
	json_object_put(r);
	assert_int_equal(store_queue_get(f->store, f->user.principal_id,
					 strtoull(sub + 1, NULL, 10), &q),
			 0);
	r = invoke(f, "EmailSubmission/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"]}",
		   f->account, sub);
	assert_jstr(r, "list/0/undoStatus", "canceled");
	json_object_put(r);
	r = invoke(f, "EmailSubmission/set", "{\"accountId\":\"%s\",\"update\":{\"%s\":"
		   "{\"undoStatus\":\"pending\"}}}", f->account, sub);
	assert_set_error(r, "notUpdated", sub, "invalidProperties");
	json_object_put(r);

	/* a row a sender holds cannot be canceled */
	create_submission(f, mine, sub);
	snprintf(sql, sizeof(sql), "UPDATE outbound_queue SET state = 1 WHERE submission_id = %s",
		 sub + 1);
	system_db_exec(f, sql);
	r = invoke(f, "EmailSubmission/set", "{\"accountId\":\"%s\",\"update\":{\"%s\":"
		   "{\"undoStatus\":\"canceled\"}}}", f->account, sub);
	assert_set_error(r, "notUpdated", sub, "cannotUnsend");
	json_object_put(r);

	/* destroying the record leaves the delivery */
	r = invoke(f, "EmailSubmission/set", "{\"accountId\":\"%s\",\"destroy\":[\"%s\"]}",
		   f->account, sub);
	assert_jstr(r, "destroyed/0", sub);
	json_object_put(r);
	assert_int_equal(store_queue_get(f->store, f->user.principal_id,
					 strtoull(sub + 1, NULL, 10), &q),
			 1);
	store_queue_entry_clear(&q);
	json_object_put(mine);
}

static void test_submission_on_success(void **state)
{
	struct jmap_fixture *f = *state;
	char *ident = default_identity(f, "alice@example.com");
	char *drafts = mailbox_id(f, "drafts"), *sent = mailbox_id(f, "sent");
	json_object *one = import_email(f, msg_draft, "drafts", "{\"$draft\":true}");
	json_object *two = import_email(f, msg_draft, "drafts", "{\"$draft\":true}");
	json_object *responses, *r, *email_set;
	const char *name;

	responses = invoke_all(f, "EmailSubmission/set",
		"{\"accountId\":\"%s\",\"create\":{"
		"\"k1\":{\"identityId\":\"%s\",\"emailId\":\"%s\"},"
		"\"k2\":{\"identityId\":\"%s\",\"emailId\":\"%s\"},"
		"\"k3\":{\"identityId\":\"%s\",\"emailId\":\"e999\"}},"
		"\"onSuccessUpdateEmail\":{\"#k1\":{\"mailboxIds/%s\":null,\"mailboxIds/%s\":true,"
		"\"keywords/$draft\":null},\"#k3\":{\"keywords/$seen\":true}},"
		"\"onSuccessDestroyEmail\":[\"#k2\"]}",
		f->account, ident, jstr(one, "id"), ident, jstr(two, "id"), ident, drafts, sent);
	assert_int_equal(json_object_array_length(responses), 2);
	r = response_args(responses, 0, &name);
	assert_string_equal(name, "EmailSubmission/set");
	assert_non_null(jstr(r, "created/k1/id"));
	assert_non_null(jstr(r, "created/k2/id"));
	assert_jstr(r, "notCreated/k3/type", "invalidProperties");
	email_set = response_args(responses, 1, &name);
	assert_string_equal(name, "Email/set");
	assert_true(json_object_object_get_ex(jpath(email_set, "updated"), jstr(one, "id"), NULL));
	assert_jstr(email_set, "destroyed/0", jstr(two, "id"));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
		json_object_array_get_idx(responses, 1), 2)), "0");
	json_object_put(responses);

	r = invoke(f, "Email/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\",\"%s\"],"
		   "\"properties\":[\"mailboxIds\",\"keywords\"]}", f->account, jstr(one, "id"),
		   jstr(two, "id"));
	assert_int_equal(jlen(r, "list"), 1);
	assert_int_equal(jlen(r, "list/0/keywords"), 0);
	assert_non_null(jpath(jpath(r, "list/0/mailboxIds"), sent));
	assert_null(jpath(jpath(r, "list/0/mailboxIds"), drafts));
	assert_jstr(r, "notFound/0", jstr(two, "id"));
	json_object_put(r);

	/* the destroyed email's message stays for its pending delivery */
	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"],\"properties\":"
		   "[\"size\"]}", f->account, jstr(two, "blobId"));
	assert_int_equal(jlen(r, "list"), 1);
	json_object_put(r);
	json_object_put(one);
	json_object_put(two);
	free(drafts);
	free(sent);
	free(ident);
}

/* ---- vacation response ---- */

static void test_vacation(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = invoke(f, "VacationResponse/get", "{\"accountId\":\"%s\"}", f->account);
	char before[24];

	snprintf(before, sizeof(before), "%s", jstr(r, "state"));
	assert_int_equal(jlen(r, "list"), 1);
	assert_jstr(r, "list/0/id", "singleton");
	assert_false(json_object_get_boolean(jpath(r, "list/0/isEnabled")));
	assert_true(json_object_is_type(jpath(r, "list/0/subject"), json_type_null));
	json_object_put(r);

	r = invoke(f, "VacationResponse/set",
		   "{\"accountId\":\"%s\",\"update\":{\"singleton\":{\"isEnabled\":true,"
		   "\"fromDate\":\"2024-07-01T00:00:00Z\",\"subject\":\"Away\","
		   "\"textBody\":\"Back in August.\"},\"other\":{\"isEnabled\":true}},"
		   "\"create\":{\"x\":{\"isEnabled\":false}},\"destroy\":[\"singleton\"]}",
		   f->account);
	assert_true(json_object_object_get_ex(jpath(r, "updated"), "singleton", NULL));
	assert_jstr(r, "notUpdated/other/type", "notFound");
	assert_jstr(r, "notCreated/x/type", "singleton");
	assert_jstr(r, "notDestroyed/singleton/type", "singleton");
	json_object_put(r);

	r = invoke(f, "VacationResponse/set", "{\"accountId\":\"%s\",\"update\":{\"singleton\":"
		   "{\"toDate\":\"tomorrow\"}}}", f->account);
	assert_jstr(r, "notUpdated/singleton/type", "invalidProperties");
	json_object_put(r);

	r = invoke(f, "VacationResponse/get", "{\"accountId\":\"%s\",\"ids\":[\"singleton\","
		   "\"nope\"],\"properties\":[\"isEnabled\",\"fromDate\",\"subject\",\"htmlBody\"]}",
		   f->account);
	assert_true(json_object_get_boolean(jpath(r, "list/0/isEnabled")));
	assert_jstr(r, "list/0/fromDate", "2024-07-01T00:00:00Z");
	assert_jstr(r, "list/0/subject", "Away");
	assert_true(json_object_is_type(jpath(r, "list/0/htmlBody"), json_type_null));
	assert_null(jpath(r, "list/0/textBody"));
	assert_jstr(r, "notFound/0", "nope");
	assert_string_not_equal(jstr(r, "state"), before);
	json_object_put(r);

	json_object *resp = invoke_all(f, "VacationResponse/changes",
				       "{\"accountId\":\"%s\",\"sinceState\":\"0\"}", f->account);
	const char *name;

	assert_jstr(response_args(resp, 0, &name), "type", "unknownMethod");
	json_object_put(resp);
}

/* ---- quota ---- */

static void test_quota(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *r = invoke(f, "Quota/get", "{\"accountId\":\"%s\",\"ids\":null}", f->account);
	json_object *email;
	char before[24];
	int http;

	assert_int_equal(jlen(r, "list"), 0);
	json_object_put(r);
	principal_update(f, 1000000, NULL, 0);
	r = invoke(f, "Quota/get", "{\"accountId\":\"%s\"}", f->account);
	assert_int_equal(jlen(r, "list"), 1);
	assert_jstr(r, "list/0/resourceType", "octets");
	assert_jstr(r, "list/0/scope", "account");
	assert_jstr(r, "list/0/types/0", "Email");
	assert_jstr(r, "list/0/name", "alice@example.com");
	assert_int_equal(json_object_get_int64(jpath(r, "list/0/hardLimit")), 1000000);
	assert_int_equal(json_object_get_int64(jpath(r, "list/0/used")), 0);
	snprintf(before, sizeof(before), "%s", jstr(r, "state"));
	json_object_put(r);

	email = import_email(f, msg_draft, "inbox", "{}");
	r = invoke(f, "Quota/get", "{\"accountId\":\"%s\",\"ids\":[\"q1\",\"q2\"],"
		   "\"properties\":[\"used\"]}", f->account);
	assert_int_equal(json_object_get_int64(jpath(r, "list/0/used")),
			 json_object_get_int64(jpath(email, "size")));
	assert_null(jpath(r, "list/0/hardLimit"));
	assert_jstr(r, "notFound/0", "q2");
	json_object_put(r);

	r = invoke(f, "Quota/changes", "{\"accountId\":\"%s\",\"sinceState\":\"%s\"}", f->account,
		   before);
	assert_jstr(r, "updated/0", "q1");
	assert_jstr(r, "updatedProperties/0", "used");
	assert_false(json_object_get_boolean(jpath(r, "hasMoreChanges")));
	json_object_put(r);
	r = invoke_all(f, "Quota/changes", "{\"accountId\":\"%s\",\"sinceState\":\"99999\"}",
		       f->account);
	assert_jstr(response_args(r, 0, NULL), "type", "cannotCalculateChanges");
	json_object_put(r);

	r = invoke(f, "Quota/query", "{\"accountId\":\"%s\",\"filter\":{\"type\":\"Email\","
		   "\"scope\":\"account\"},\"sort\":[{\"property\":\"used\"}]}", f->account);
	assert_jstr(r, "ids/0", "q1");
	json_object_put(r);
	r = invoke(f, "Quota/query", "{\"accountId\":\"%s\",\"filter\":{\"resourceType\":"
		   "\"count\"}}", f->account);
	assert_int_equal(jlen(r, "ids"), 0);
	json_object_put(r);
	r = invoke(f, "Quota/queryChanges", "{\"accountId\":\"%s\",\"sinceQueryState\":\"%s\"}",
		   f->account, before);
	assert_jstr(r, "removed/0", "q1");
	assert_jstr(r, "added/0/id", "q1");
	json_object_put(r);

	/* a client that did not ask for mail sees no quota on mail */
	char body[256];

	snprintf(body, sizeof(body), "{\"using\":[\"urn:ietf:params:jmap:core\","
		 "\"urn:ietf:params:jmap:quota\"],\"methodCalls\":[[\"Quota/get\","
		 "{\"accountId\":\"%s\"},\"0\"]]}", f->account);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &http);
	assert_int_equal(http, 200);
	assert_int_equal(jlen(r, "methodResponses/0/1/list"), 0);
	json_object_put(r);
	json_object_put(email);
}

/* ---- blobs ---- */

static void test_blob_upload(void **state)
{
	struct jmap_fixture *f = *state;
	char body[2048];
	json_object *r;
	int http;

	/* RFC 9404 §4.1.2: ranges of a blob made earlier in the same call */
	snprintf(body, sizeof(body),
		"{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:blob\"],"
		"\"methodCalls\":[[\"Blob/upload\",{\"accountId\":\"%s\",\"create\":{"
		"\"b4\":{\"data\":[{\"data:asText\":\"%s\"}]},"
		"\"cat\":{\"type\":\"text/plain\",\"data\":[{\"data:asText\":\"How\"},"
		"{\"blobId\":\"#b4\",\"length\":7,\"offset\":3},{\"data:asText\":\"was t\"},"
		"{\"blobId\":\"#b4\",\"length\":1,\"offset\":1},{\"data:asBase64\":\"YXQ/\"}]}}},\"S4\"],"
		"[\"Blob/get\",{\"accountId\":\"%s\",\"ids\":[\"#cat\"],\"properties\":"
		"[\"data:asText\",\"size\"]},\"G4\"]]}", f->account, fox, f->account);
	r = jmap_api_request(f->srv, &f->user, "application/json", body, strlen(body), &http);
	assert_int_equal(http, 200);
	assert_jstr(r, "methodResponses/0/1/created/cat/type", "text/plain");
	assert_int_equal(json_object_get_int(jpath(r, "methodResponses/0/1/created/cat/size")), 19);
	assert_jstr(r, "methodResponses/0/1/created/b4/type", "application/octet-stream");
	assert_jstr(r, "methodResponses/1/1/list/0/data:asText", "How quick was that?");
	assert_int_equal(json_object_get_int(jpath(r, "methodResponses/1/1/list/0/size")), 19);
	json_object_put(r);

	char *b4 = upload_text(f, fox);

	r = invoke(f, "Blob/upload", "{\"accountId\":\"%s\",\"create\":{"
		   "\"range\":{\"data\":[{\"blobId\":\"%s\",\"offset\":40,\"length\":10}]},"
		   "\"base\":{\"data\":[{\"data:asBase64\":\"not base64!\"}]},"
		   "\"two\":{\"data\":[{\"data:asText\":\"a\",\"data:asBase64\":\"YQ==\"}]},"
		   "\"none\":{\"data\":[]},"
		   "\"gone\":{\"data\":[{\"blobId\":\"G%064d\"}]},"
		   "\"big\":{\"data\":[{\"blobId\":\"%s\"},{\"blobId\":\"%s\"},{\"blobId\":\"%s\"},"
		   "{\"data:asText\":\"%04000d\"}]}}}", f->account, b4, 0, b4, b4, b4, 0);
	assert_jstr(r, "notCreated/range/type", "invalidProperties");
	assert_jstr(r, "notCreated/base/type", "invalidProperties");
	assert_jstr(r, "notCreated/two/type", "invalidProperties");
	assert_jstr(r, "notCreated/none/type", "invalidProperties");
	assert_jstr(r, "notCreated/gone/type", "blobNotFound");
	assert_jstr(r, "notCreated/big/type", "tooLarge");
	assert_null(jpath(r, "created"));
	json_object_put(r);
	free(b4);
}

static void test_blob_get(void **state)
{
	struct jmap_fixture *f = *state;
	char *b = upload_text(f, fox);
	json_object *r = invoke(f, "Blob/upload", "{\"accountId\":\"%s\",\"create\":{\"bin\":"
				"{\"data\":[{\"data:asBase64\":\"/wABAg==\"}]}}}", f->account);
	char bin[80];

	snprintf(bin, sizeof(bin), "%s", jstr(r, "created/bin/id"));
	json_object_put(r);

	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\",\"Gnope\"]}", f->account, b);
	assert_jstr(r, "list/0/data:asText", fox);
	assert_int_equal(json_object_get_int(jpath(r, "list/0/size")), (int)strlen(fox));
	assert_null(jpath(r, "list/0/isTruncated"));
	assert_jstr(r, "notFound/0", "Gnope");
	json_object_put(r);

	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"],\"offset\":4,\"length\":9,"
		   "\"properties\":[\"data:asText\",\"data:asBase64\",\"digest:sha\","
		   "\"digest:sha-256\",\"size\"]}", f->account, b);
	assert_jstr(r, "list/0/data:asText", "quick bro");
	assert_jstr(r, "list/0/data:asBase64", "cXVpY2sgYnJv");
	assert_jstr(r, "list/0/digest:sha", "QiRAPtfyX8K6tm1iOAtZ87Xj3Ww=");
	assert_jstr(r, "list/0/digest:sha-256", "gdg9INW7lwHK6OQ9u0dwDz2ZY/gubi0En0xlFpKt0OA=");
	assert_int_equal(json_object_get_int(jpath(r, "list/0/size")), (int)strlen(fox));
	json_object_put(r);

	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"],\"offset\":40,"
		   "\"length\":100,\"properties\":[\"data\",\"digest:sha\"]}", f->account, b);
	assert_jstr(r, "list/0/data:asText", " dog.");
	assert_true(json_object_get_boolean(jpath(r, "list/0/isTruncated")));
	json_object_put(r);

	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"],\"properties\":"
		   "[\"digest:sha\",\"digest:sha-256\"]}", f->account, b);
	assert_jstr(r, "list/0/digest:sha", "wIVPufsDxBzOOALLDSIFKebu+U4=");
	assert_jstr(r, "list/0/digest:sha-256", "aLEoK5HeLAVMNmKcuN1EfxLwltPjxYeXjcIkhERjNIM=");
	assert_null(jpath(r, "list/0/data:asText"));
	json_object_put(r);

	/* bytes that are not UTF-8 */
	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"]}", f->account, bin);
	assert_jstr(r, "list/0/data:asBase64", "/wABAg==");
	assert_null(jpath(r, "list/0/data:asText"));
	assert_true(json_object_get_boolean(jpath(r, "list/0/isEncodingProblem")));
	json_object_put(r);
	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"],\"properties\":"
		   "[\"data:asText\"]}", f->account, bin);
	assert_true(json_object_is_type(jpath(r, "list/0/data:asText"), json_type_null));
	assert_true(json_object_get_boolean(jpath(r, "list/0/isEncodingProblem")));
	json_object_put(r);

	json_object *resp = invoke_all(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"],"
				       "\"properties\":[\"digest:md5\"]}", f->account, b);
	const char *name;

	assert_jstr(response_args(resp, 0, &name), "type", "invalidArguments");
	json_object_put(resp);
	free(b);
}

static void test_blob_lookup(void **state)
{
	struct jmap_fixture *f = *state;
	json_object *email = import_email(f, msg_draft, "inbox", "{}");
	char *inbox = mailbox_id(f, "inbox"), part[160];
	json_object *r, *resp;
	const char *name;

	char *lone = upload_text(f, "nobody refers to me");

	snprintf(part, sizeof(part), "%s_1", jstr(email, "blobId"));
	r = invoke(f, "Blob/lookup", "{\"accountId\":\"%s\",\"typeNames\":[\"Email\",\"Thread\","
		   "\"Mailbox\"],\"ids\":[\"%s\",\"Gnothing\",\"%s\",\"%s\"]}", f->account,
		   jstr(email, "blobId"), part, lone);
	assert_jstr(r, "list/0/id", jstr(email, "blobId"));
	assert_jstr(r, "list/0/matchedIds/Email/0", jstr(email, "id"));
	assert_jstr(r, "list/0/matchedIds/Thread/0", jstr(email, "threadId"));
	assert_jstr(r, "list/0/matchedIds/Mailbox/0", inbox);
	assert_int_equal(jlen(r, "list/1/matchedIds/Email"), 0);
	assert_int_equal(jlen(r, "list/1/matchedIds/Mailbox"), 0);
	assert_jstr(r, "list/2/matchedIds/Email/0", jstr(email, "id"));
	assert_int_equal(jlen(r, "list/3/matchedIds/Thread"), 0);
	assert_non_null(jpath(r, "list/3/matchedIds/Mailbox"));
	assert_int_equal(jlen(r, "notFound"), 0);
	json_object_put(r);

	r = invoke(f, "Blob/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"]}", f->account, part);
	assert_jstr(r, "list/0/data:asText", "Shall we?\r\n");
	json_object_put(r);

	resp = invoke_all(f, "Blob/lookup", "{\"accountId\":\"%s\",\"typeNames\":[\"Calendar\"],"
			  "\"ids\":[\"%s\"]}", f->account, jstr(email, "blobId"));
	assert_jstr(response_args(resp, 0, &name), "type", "unknownDataType");
	json_object_put(resp);
	json_object_put(email);
	free(inbox);
	free(lone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test_setup(test_capabilities, setup),
		jmap_fixture_test_setup(test_identity_defaults, setup),
		jmap_fixture_test_setup(test_identity_set, setup),
		jmap_fixture_test_setup(test_submission_checks, setup),
		jmap_fixture_test_setup(test_submission_queue, setup),
		jmap_fixture_test_setup(test_submission_query, setup),
		jmap_fixture_test_setup(test_submission_cancel, setup),
		jmap_fixture_test_setup(test_submission_on_success, setup),
		jmap_fixture_test_setup(test_vacation, setup),
		jmap_fixture_test_setup(test_quota, setup),
		jmap_fixture_test_setup(test_blob_upload, setup),
		jmap_fixture_test_setup(test_blob_get, setup),
		jmap_fixture_test_setup(test_blob_lookup, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
