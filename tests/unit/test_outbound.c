/* The outbound queue: the core's API (jmap/outbound.h) over a real
 * store — claim, record, finish, reset, retry, cancel — and the
 * senders' pieces that need no network: settings, the retry schedule,
 * the DSN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_outbound_private.h"
#include "jmap/outbound.h"
#include "jmap_fixture.h"
#include "mail/mail.h"

static const char msg_draft[] =
	"From: alice@example.com\r\n"
	"To: bob@example.org, carol@example.net\r\n"
	"Subject: Outbound\r\n"
	"Message-ID: <outbound@example.com>\r\n"
	"\r\n"
	"Hello.\r\n";

static int setup(void **state)
{
	struct jmap_fixture *f = calloc(1, sizeof(*f));
	char *emails[] = { "alice@example.com" };
	struct store_principal p = {
		.type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice", .role = "user",
		.emails = emails, .email_count = 1,
	};

	mail_init();
	jmap_fixture_open(f, "outbound", "", &p);
	*state = f;
	return 0;
}

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

/* A string at path of a new reference, copied; the reference is put. */
static char *take_str(json_object *r, const char *path)
{
	const char *s = jstr(r, path);
	char *copy;

	if (s == NULL)
		fail_msg("no %s in %s", path, json_object_to_json_string(r));
	copy = xstrdup(s);
	json_object_put(r);
	return copy;
}

static char *role_mailbox(struct jmap_fixture *f, const char *role)
{
	json_object *r = invoke(f, "Mailbox/query", "{\"accountId\":\"%s\",\"filter\":"
				"{\"role\":\"%s\"}}", f->account, role);

	return take_str(r, "ids/0");
}

/* Submits a draft to bob@example.org and carol@example.net; returns
 * the submission id (caller frees). */
static char *submit(struct jmap_fixture *f)
{
	json_object *data = json_object_new_string(msg_draft);
	char *blob = take_str(invoke(f, "Blob/upload", "{\"accountId\":\"%s\",\"create\":{\"b\":"
				     "{\"data\":[{\"data:asText\":%s}]}}}", f->account,
				     json_object_to_json_string(data)), "created/b/id");
	char *drafts = role_mailbox(f, "drafts");
	char *email = take_str(invoke(f, "Email/import", "{\"accountId\":\"%s\",\"emails\":"
				      "{\"m\":{\"blobId\":\"%s\",\"mailboxIds\":{\"%s\":true}}}}",
				      f->account, blob, drafts), "created/m/id");
	char *ident = take_str(invoke(f, "Identity/get", "{\"accountId\":\"%s\"}", f->account),
			       "list/0/id");
	char *sub = take_str(invoke(f, "EmailSubmission/set", "{\"accountId\":\"%s\",\"create\":"
				    "{\"k\":{\"identityId\":\"%s\",\"emailId\":\"%s\","
				    "\"envelope\":{\"mailFrom\":{\"email\":\"alice@example.com\","
				    "\"parameters\":{\"ENVID\":\"env 1\",\"RET\":\"HDRS\"}},"
				    "\"rcptTo\":[{\"email\":\"bob@example.org\"},"
				    "{\"email\":\"carol@example.net\",\"parameters\":"
				    "{\"NOTIFY\":\"FAILURE\",\"ORCPT\":\"rfc822;carol@example.net\"}}"
				    "]}}}}", f->account, ident, email), "created/k/id");

	json_object_put(data);
	free(blob);
	free(drafts);
	free(email);
	free(ident);
	return sub;
}

static json_object *get_submission(struct jmap_fixture *f, const char *id)
{
	json_object *r = invoke(f, "EmailSubmission/get", "{\"accountId\":\"%s\",\"ids\":[\"%s\"]}",
				f->account, id);
	json_object *s = json_object_get(jpath(r, "list/0"));

	json_object_put(r);
	assert_non_null(s);
	return s;
}

static void assert_path(json_object *obj, const char *path, const char *want)
{
	const char *have = jstr(obj, path);

	if (have == NULL || strcmp(have, want) != 0)
		fail_msg("%s: want \"%s\", have \"%s\" in %s", path, want,
			 have != NULL ? have : "(none)", json_object_to_json_string(obj));
}

static void set_rcpt(struct jmap_outbound_msg *msg, size_t i, enum jmap_outbound_status status,
		     const char *reply)
{
	msg->rcpts[i].status = status;
	free(msg->rcpts[i].reply);
	msg->rcpts[i].reply = xstrdup(reply);
}

static void claim(struct jmap_fixture *f, time_t now, struct jmap_outbound_msg *msg)
{
	const char *error;

	assert_int_equal(jmap_outbound_claim(f->srv, now, msg, &error), 1);
	assert_true(msg->sending);
}

/* ---- the senders' cycle ---- */

static void test_claim_record_finish(void **state)
{
	struct jmap_fixture *f = *state;
	char *sub = submit(f);
	struct jmap_outbound_msg msg, none;
	time_t now = time(NULL), at;
	const char *error;
	json_object *s;

	claim(f, now, &msg);
	assert_string_equal(msg.mail_from, "alice@example.com");
	assert_int_equal(msg.rcpt_count, 2);
	assert_string_equal(msg.rcpts[1].address, "carol@example.net");
	assert_string_equal(json_object_get_string(json_object_object_get(msg.rcpts[1].parameters,
									  "NOTIFY")), "FAILURE");
	assert_int_equal(msg.rcpts[0].status, JMAP_OUTBOUND_QUEUED);
	s = get_submission(f, sub);
	assert_path(s, "undoStatus", "final");
	json_object_put(s);

	/* a second sender finds nothing: the entry is claimed */
	assert_int_equal(jmap_outbound_claim(f->srv, now, &none, &error), 0);

	set_rcpt(&msg, 0, JMAP_OUTBOUND_YES, "250 2.0.0 OK");
	set_rcpt(&msg, 1, JMAP_OUTBOUND_QUEUED, "451 4.3.2 Later");
	assert_int_equal(jmap_outbound_record(f->srv, &msg, &error), 0);
	assert_int_equal(jmap_outbound_finish(f->srv, &msg, now + 100, NULL, 0, &error), 0);
	assert_int_equal(msg.attempts, 1);
	jmap_outbound_msg_clear(&msg);

	s = get_submission(f, sub);
	assert_path(s, "deliveryStatus/bob@example.org/delivered", "yes");
	assert_path(s, "deliveryStatus/carol@example.net/delivered", "queued");
	assert_path(s, "deliveryStatus/carol@example.net/smtpReply", "451 4.3.2 Later");
	json_object_put(s);
	assert_int_equal(jmap_outbound_next_due(f->srv, &at), 1);
	assert_int_equal(at, now + 100);
	assert_int_equal(jmap_outbound_claim(f->srv, now, &none, &error), 0);

	claim(f, now + 100, &msg);
	assert_int_equal(msg.attempts, 1);
	assert_int_equal(msg.rcpts[0].status, JMAP_OUTBOUND_YES);
	set_rcpt(&msg, 1, JMAP_OUTBOUND_NO, "550 5.1.1 No such user");
	assert_int_equal(jmap_outbound_finish(f->srv, &msg, 0, "DSN\r\n", 5, &error), 0);
	jmap_outbound_msg_clear(&msg);

	assert_int_equal(jmap_outbound_next_due(f->srv, &at), 0);
	s = get_submission(f, sub);
	assert_path(s, "deliveryStatus/carol@example.net/delivered", "no");
	assert_int_equal(json_object_array_length(jpath(s, "dsnBlobIds")), 1);
	json_object_put(s);
	free(sub);
}

static void test_reset_after_a_crash(void **state)
{
	struct jmap_fixture *f = *state;
	char *sub = submit(f);
	struct jmap_outbound_msg msg, again;
	const char *error;
	uint64_t id;

	claim(f, time(NULL), &msg);
	id = msg.id;
	jmap_outbound_msg_clear(&msg);
	assert_int_equal(jmap_outbound_reset(f->srv, &error), 0);
	claim(f, time(NULL), &again);
	assert_int_equal(again.id, id);
	jmap_outbound_msg_clear(&again);
	free(sub);
}

static void test_destroyed_submission_still_goes(void **state)
{
	struct jmap_fixture *f = *state;
	char *sub = submit(f);
	struct jmap_outbound_msg msg;
	const char *error;

	json_object_put(invoke(f, "EmailSubmission/set", "{\"accountId\":\"%s\",\"destroy\":"
			       "[\"%s\"]}", f->account, sub));
	claim(f, time(NULL), &msg);
	set_rcpt(&msg, 0, JMAP_OUTBOUND_YES, "250 OK");
	set_rcpt(&msg, 1, JMAP_OUTBOUND_YES, "250 OK");
	assert_int_equal(jmap_outbound_finish(f->srv, &msg, 0, NULL, 0, &error), 0);
	jmap_outbound_msg_clear(&msg);
	free(sub);
}

/* ---- administration ---- */

static uint64_t only_entry(struct jmap_fixture *f)
{
	struct jmap_outbound_msg *list;
	const char *error;
	size_t count;
	uint64_t id;

	assert_int_equal(jmap_outbound_list(f->srv, &list, &count, &error), 0);
	assert_int_equal(count, 1);
	id = list[0].id;
	jmap_outbound_list_free(&list, count);
	return id;
}

static void test_cancel_before_the_first_attempt(void **state)
{
	struct jmap_fixture *f = *state;
	char *sub = submit(f);
	uint64_t id = only_entry(f);
	struct jmap_outbound_msg *list;
	const char *error;
	bool sending;
	size_t count;
	json_object *s;

	assert_int_equal(jmap_outbound_cancel(f->srv, id + 100, &sending, &error), 0);
	assert_false(sending);
	assert_int_equal(jmap_outbound_cancel(f->srv, id, &sending, &error), 1);
	s = get_submission(f, sub);
	assert_path(s, "undoStatus", "canceled");
	json_object_put(s);
	assert_int_equal(jmap_outbound_list(f->srv, &list, &count, &error), 0);
	assert_int_equal(count, 0);
	jmap_outbound_list_free(&list, count);
	free(sub);
}

static void test_retry_and_cancel_after_an_attempt(void **state)
{
	struct jmap_fixture *f = *state;
	char *sub = submit(f);
	struct jmap_outbound_msg msg;
	const char *error;
	bool sending;
	time_t at;
	json_object *s;

	claim(f, time(NULL), &msg);
	assert_int_equal(jmap_outbound_retry(f->srv, msg.id, &sending, &error), 0);
	assert_true(sending);
	assert_int_equal(jmap_outbound_cancel(f->srv, msg.id, &sending, &error), 0);
	assert_true(sending);
	set_rcpt(&msg, 0, JMAP_OUTBOUND_YES, "250 OK");
	assert_int_equal(jmap_outbound_finish(f->srv, &msg, time(NULL) + 3600, NULL, 0, &error), 0);

	assert_int_equal(jmap_outbound_retry(f->srv, msg.id, &sending, &error), 1);
	assert_int_equal(jmap_outbound_next_due(f->srv, &at), 1);
	assert_true(at <= time(NULL));
	assert_int_equal(jmap_outbound_cancel(f->srv, msg.id, &sending, &error), 1);
	s = get_submission(f, sub);
	assert_path(s, "undoStatus", "final");
	assert_path(s, "deliveryStatus/bob@example.org/delivered", "yes");
	assert_path(s, "deliveryStatus/carol@example.net/delivered", "no");
	assert_non_null(strstr(jstr(s, "deliveryStatus/carol@example.net/smtpReply"), "554"));
	json_object_put(s);
	assert_int_equal(jmap_outbound_next_due(f->srv, &at), 0);
	jmap_outbound_msg_clear(&msg);
	free(sub);
}

/* ---- the senders' settings and schedule ---- */

static void settings(const char *text, struct smtp_outbound_settings *set, int want)
{
	const char *error;
	struct config *cfg = config_load_string(text, "test", &error);

	assert_non_null(cfg);
	assert_int_equal(smtp_outbound_settings_read(cfg, set, &error), want);
	config_free(&cfg);
}

static void test_settings_and_schedule(void **state)
{
	struct smtp_outbound_settings set;

	(void)state;
	settings("", &set, 0);
	assert_null(set.next_hop);
	assert_int_equal(set.port, 25);
	assert_int_equal(set.retry_count, 7);
	assert_int_equal(smtp_outbound_next_attempt(&set, 1, 1000, 1000), 1000 + 120);
	assert_int_equal(smtp_outbound_next_attempt(&set, 7, 1000, 1000), 1000 + 7200);
	assert_int_equal(smtp_outbound_next_attempt(&set, 8, 1000, 1000), 1000 + 6 * 3600);
	/* never past the expiry */
	assert_int_equal(smtp_outbound_next_attempt(&set, 9, 0, 5 * 86400 - 10), 5 * 86400);
	assert_false(smtp_outbound_expired(&set, 0, 5 * 86400 - 1));
	assert_true(smtp_outbound_expired(&set, 0, 5 * 86400));
	smtp_outbound_settings_clear(&set);

	settings("queue = { outbound = { next-hop = \"[::1]:2525\"; retry = [ \"1s\", \"1m\" ];"
		 " retry-every = \"1h\"; auth = { user = \"u\"; secret = \"s\"; }; }; };", &set, 0);
	assert_string_equal(set.next_hop, "::1");
	assert_int_equal(set.next_hop_port, 2525);
	assert_string_equal(set.auth_user, "u");
	assert_int_equal(smtp_outbound_next_attempt(&set, 2, 1000, 1000), 1060);
	assert_int_equal(smtp_outbound_next_attempt(&set, 3, 1000, 1000), 4600);
	smtp_outbound_settings_clear(&set);

	settings("queue = { outbound = { next-hop = \"relay.example:587\"; }; };", &set, 0);
	assert_string_equal(set.next_hop, "relay.example");
	assert_int_equal(set.next_hop_port, 587);
	smtp_outbound_settings_clear(&set);

	settings("queue = { outbound = { next-hop = \"relay:99999\"; }; };", &set, -1);
	smtp_outbound_settings_clear(&set);
	settings("queue = { outbound = { retry = [ \"soon\" ]; }; };", &set, -1);
	smtp_outbound_settings_clear(&set);
	settings("queue = { outbound = { threads = 1000; }; };", &set, -1);
	smtp_outbound_settings_clear(&set);
	settings("queue = { outbound = { threads = 0; }; };", &set, 0);
	assert_int_equal(set.threads, 0);
	smtp_outbound_settings_clear(&set);
}

/* ---- the DSN ---- */

static void test_dsn(void **state)
{
	struct smtp_outbound ob = { .set = { .hostname = "mx.example.com" } };
	struct jmap_outbound_rcpt rcpts[2] = {
		{ "bob@example.org", NULL, JMAP_OUTBOUND_YES, "250 OK" },
		{ "carol@example.net", NULL, JMAP_OUTBOUND_NO, "550 5.1.1 No such user" },
	};
	struct jmap_outbound_msg msg = { .mail_from = "alice@example.com", .rcpts = rcpts,
					 .rcpt_count = 2, .created_at = 1700000000 };
	bool failed[2] = { false, true };
	char *mta[2] = { NULL, "mx.example.net" };
	struct smtp_attempt a = { .ob = &ob, .msg = &msg, .now = 1700000100,
				  .data = (char *)msg_draft, .len = sizeof(msg_draft) - 1,
				  .failed_now = failed, .remote_mta = mta };
	size_t len;
	char *dsn;

	(void)state;
	msg.parameters = json_tokener_parse("{\"ENVID\":\"env 1\",\"RET\":\"HDRS\"}");
	rcpts[1].parameters = json_tokener_parse("{\"ORCPT\":\"rfc822;Carol@example.net\"}");
	dsn = smtp_dsn_build(&a, &len);
	assert_non_null(dsn);
	assert_int_equal(strlen(dsn), len);
	assert_non_null(strstr(dsn, "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>"));
	assert_non_null(strstr(dsn, "To: <alice@example.com>"));
	assert_non_null(strstr(dsn, "multipart/report; report-type=delivery-status"));
	assert_non_null(strstr(dsn, "Reporting-MTA: dns; mx.example.com\r\n"));
	assert_non_null(strstr(dsn, "Original-Envelope-Id: env 1\r\n"));
	assert_non_null(strstr(dsn, "Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(strstr(dsn, "Final-Recipient: rfc822; carol@example.net\r\n"));
	assert_non_null(strstr(dsn, "Original-Recipient: rfc822;Carol@example.net\r\n"));
	assert_non_null(strstr(dsn, "Action: failed\r\nStatus: 5.1.1\r\n"));
	assert_non_null(strstr(dsn, "Remote-MTA: dns; mx.example.net\r\n"));
	assert_non_null(strstr(dsn, "Diagnostic-Code: smtp; 550 5.1.1 No such user\r\n"));
	assert_null(strstr(dsn, "Final-Recipient: rfc822; bob@example.org"));
	/* RET=HDRS: the header only */
	assert_non_null(strstr(dsn, "text/rfc822-headers"));
	assert_null(strstr(dsn, "Hello."));
	free(dsn);

	/* NOTIFY without FAILURE, and the null sender: no DSN */
	json_object_put(rcpts[1].parameters);
	rcpts[1].parameters = json_tokener_parse("{\"NOTIFY\":\"DELAY\"}");
	assert_null(smtp_dsn_build(&a, &len));
	json_object_put(rcpts[1].parameters);
	rcpts[1].parameters = NULL;
	msg.mail_from = "";
	assert_null(smtp_dsn_build(&a, &len));
	json_object_put(msg.parameters);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		jmap_fixture_test_setup(test_claim_record_finish, setup),
		jmap_fixture_test_setup(test_reset_after_a_crash, setup),
		jmap_fixture_test_setup(test_destroyed_submission_still_goes, setup),
		jmap_fixture_test_setup(test_cancel_before_the_first_attempt, setup),
		jmap_fixture_test_setup(test_retry_and_cancel_after_an_attempt, setup),
		cmocka_unit_test(test_settings_and_schedule),
		cmocka_unit_test(test_dsn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
