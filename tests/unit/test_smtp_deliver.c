/* Recipients (directory_rcpt.h) and delivery (smtp_deliver.h) over a
 * real store: addresses, aliases, groups, sub-addresses, catch-alls;
 * local delivery into the Inbox with its trace fields; quota; relay
 * refusal; submission through EmailSubmission/set; the queue's local
 * delivery. */
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
#include "directory/directory_rcpt.h"
#include "dns/dns.h"
#include "gateways/smtp/smtp_deliver.h"
#include "jmap/jmap.h"
#include "store/store.h"

#include "jmap_fixture.h"

#define HOSTNAME "mx.example.org"

#define MAX_UPLOAD 100000

static const char test_config[] = "server = { hostname = \"" HOSTNAME "\"; };\n"
	"jmap = { max-size-upload = 100000; };";

static const char msg_hello[] =
	"From: Rene <rene@remote.test>\r\n"
	"To: alice@example.org\r\n"
	"Subject: Hello\r\n"
	"Message-ID: <hello@remote.test>\r\n"
	"Authentication-Results: " HOSTNAME "; dkim=pass header.d=example.org\r\n"
	"Authentication-Results: other.test; spf=pass\r\n"
	"authentication-results: (forged)\r\n \"" HOSTNAME "\"; dmarc=pass\r\n"
	"Authentication-Results: " HOSTNAME ".other.test; spf=none\r\n"
	"\r\n"
	"Hello there.\r\n";

static const char msg_sent[] =
	"From: Alice <alice@example.org>\r\n"
	"To: someone@remote.test\r\n"
	"Subject: Out\r\n"
	"Message-ID: <out@example.org>\r\n"
	"\r\n"
	"Going out.\r\n";

struct deliver_fixture {
	struct jmap_fixture fx;
	struct directory *dir;
	struct smtp_deliver *d;
	uint32_t bob, carol, dave;
};

/* ---- setup ---- */

static uint32_t add_principal(struct deliver_fixture *f, enum store_principal_type type,
			      const char *name, const char *email1, const char *email2,
			      const char *member1, const char *member2)
{
	char *emails[2] = { (char *)email1, (char *)email2 };
	char *members[2] = { (char *)member1, (char *)member2 };
	struct store_principal p = {
		.type = type, .name = (char *)name, .role = "user",
		.emails = emails, .email_count = email2 != NULL ? 2 : email1 != NULL ? 1 : 0,
		.members = members, .member_count = member2 != NULL ? 2 : member1 != NULL ? 1 : 0,
	};
	const char *error;

	assert_int_equal(store_principal_create(f->fx.store, &p, &error), 0);
	if (type == STORE_PRINCIPAL_INDIVIDUAL)
		assert_int_equal(jmap_account_provision(f->fx.srv, p.id, &error), 0);
	return p.id;
}

static int deliver_setup(void **state)
{
	struct deliver_fixture *f = calloc(1, sizeof(*f));
	char *alice_emails[] = { "alice@example.org" };
	struct store_principal alice = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
					 .role = "user", .emails = alice_emails, .email_count = 1 };
	char *password = NULL;
	const char *error;

	jmap_fixture_open(&f->fx, "smtp", test_config, &alice);
	assert_int_equal(directory_open(f->fx.store, f->fx.cfg, &f->dir, &password, &error), 0);
	free(password);
	add_principal(f, STORE_PRINCIPAL_DOMAIN, "example.org", NULL, NULL, NULL, NULL);
	add_principal(f, STORE_PRINCIPAL_DOMAIN, "catch.test", NULL, NULL, NULL, NULL);
	add_principal(f, STORE_PRINCIPAL_DOMAIN, "empty.test", NULL, NULL, NULL, NULL);
	f->bob = add_principal(f, STORE_PRINCIPAL_INDIVIDUAL, "bob", "bob@example.org",
			       "robert@example.org", NULL, NULL);
	f->carol = add_principal(f, STORE_PRINCIPAL_INDIVIDUAL, "carol", "carol@example.org",
				 NULL, NULL, NULL);
	add_principal(f, STORE_PRINCIPAL_GROUP, "team", "team@example.org", NULL, "alice", "bob");
	add_principal(f, STORE_PRINCIPAL_GROUP, "all", "all@example.org", NULL, "team", "carol");
	add_principal(f, STORE_PRINCIPAL_GROUP, "nobody", "nobody@example.org", NULL, NULL, NULL);
	f->d = smtp_deliver_new(f->fx.srv, f->dir, NULL, f->fx.cfg);
	*state = f;
	return 0;
}

static int deliver_teardown(void **state)
{
	struct deliver_fixture *f = *state;

	smtp_deliver_free(&f->d);
	assert_null(f->d);
	directory_close(&f->dir);
	jmap_fixture_close(&f->fx);
	free(f);
	return 0;
}

/* dave owns the catch-all of catch.test, made through the directory so
 * that the "@domain" form passes its validation. */
static void add_catch_all(struct deliver_fixture *f)
{
	char *emails[] = { strdup("dave@catch.test"), strdup("@catch.test") };
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = strdup("dave"),
				     .role = strdup("user"), .emails = emails, .email_count = 2 };
	const char *error;
	int status = 0;

	assert_int_equal(directory_principal_create(f->dir, &p, &status, &error), 0);
	assert_int_equal(jmap_account_provision(f->fx.srv, p.id, &error), 0);
	f->dave = p.id;
	free(emails[0]);
	free(emails[1]);
	free(p.name);
	free(p.role);
}

static void set_quota(struct deliver_fixture *f, uint32_t id, uint64_t quota)
{
	struct store_principal *p = NULL;
	const char *error;

	assert_int_equal(store_principal_get_by_id(f->fx.store, id, &p), 1);
	p->quota = quota;
	assert_int_equal(store_principal_update(f->fx.store, p, &error), 0);
	store_principal_free(&p);
}

/* ---- reading what was delivered ---- */

static struct directory_identity as_user(uint32_t account_id)
{
	struct directory_identity id = { .principal_id = account_id, .account_id = account_id };

	snprintf(id.name, sizeof(id.name), "u%u", account_id);
	return id;
}

/* The first response's arguments of method for account_id (new ref). */
static json_object *call_as(struct deliver_fixture *f, uint32_t account_id, const char *method,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static json_object *call_as(struct deliver_fixture *f, uint32_t account_id, const char *method,
			    const char *fmt, ...)
{
	struct directory_identity user = as_user(account_id);
	json_object *args, *responses, *result;
	char account[16];
	va_list ap;

	va_start(ap, fmt);
	args = jmap_fixture_vparse(fmt, ap);
	va_end(ap);
	jmap_account_id_format(account_id, account);
	json_object_object_add(args, "accountId", json_object_new_string(account));
	responses = jmap_invoke(f->fx.srv, &user, method, args);
	json_object_put(args);
	if (strcmp(jstr(responses, "0/0"), method) != 0)
		fail_msg("%s: %s", method, json_object_to_json_string(responses));
	result = json_object_get(jpath(responses, "0/1"));
	json_object_put(responses);
	return result;
}

/* The emails of account_id's mailbox with role, newest first, with the
 * trace fields (new reference: the Email/get list). */
static json_object *mailbox_emails(struct deliver_fixture *f, uint32_t account_id,
				   const char *role)
{
	json_object *r = call_as(f, account_id, "Mailbox/query", "{\"filter\":{\"role\":\"%s\"}}",
				 role);
	char mailbox[64];
	json_object *q, *g, *list;

	snprintf(mailbox, sizeof(mailbox), "%s", jstr(r, "ids/0"));
	json_object_put(r);
	q = call_as(f, account_id, "Email/query", "{\"filter\":{\"inMailbox\":\"%s\"},"
		    "\"sort\":[{\"property\":\"receivedAt\",\"isAscending\":false}]}", mailbox);
	g = call_as(f, account_id, "Email/get", "{\"ids\":%s,\"properties\":[\"subject\","
		    "\"keywords\",\"header:Return-Path\",\"header:Delivered-To:asText\","
		    "\"header:Received:all\",\"header:Authentication-Results:asText:all\"]}",
		    json_object_to_json_string(jpath(q, "ids")));
	list = json_object_get(jpath(g, "list"));
	json_object_put(q);
	json_object_put(g);
	return list;
}

static size_t inbox_count(struct deliver_fixture *f, uint32_t account_id)
{
	json_object *list = mailbox_emails(f, account_id, "inbox");
	size_t n = json_object_array_length(list);

	json_object_put(list);
	return n;
}

/* ---- sessions ---- */

struct session {
	struct smtp_envelope env;
	struct smtp_rcpt rcpts[8];
	char addresses[8][128];
};

static void session_start(struct session *s, const char *mail_from,
			  const struct directory_identity *user)
{
	memset(s, 0, sizeof(*s));
	s->env.client_ip = "192.0.2.1";
	s->env.helo = "mx.remote.test";
	s->env.esmtp = true;
	s->env.user = user;
	s->env.mail_from = mail_from;
	s->env.session_id = "S1";
	s->env.rcpts = s->rcpts;
}

static void session_end(struct session *s)
{
	for (size_t i = 0; i < s->env.rcpt_count; i++)
		free(s->rcpts[i].account_ids);
}

/* RCPT TO; the recipient is kept when accepted. Returns the code. */
static int session_rcpt(struct deliver_fixture *f, struct session *s, const char *address,
			struct smtp_reply *reply)
{
	struct smtp_rcpt *rcpt = &s->rcpts[s->env.rcpt_count];

	assert_true(s->env.rcpt_count < 8);
	snprintf(s->addresses[s->env.rcpt_count], sizeof(s->addresses[0]), "%s", address);
	memset(rcpt, 0, sizeof(*rcpt));
	rcpt->address = s->addresses[s->env.rcpt_count];
	if (smtp_deliver_rcpt(f->d, &s->env, rcpt, reply))
		s->env.rcpt_count++;
	else
		assert_null(rcpt->account_ids);
	return reply->code;
}

static void assert_reply(const struct smtp_reply *reply, int code, const char *enhanced)
{
	if (reply->code != code || strcmp(reply->enhanced, enhanced) != 0)
		fail_msg("reply %d %s %s, expected %d %s", reply->code, reply->enhanced,
			 reply->text, code, enhanced);
}

/* One inbound transaction to the recipients; returns the DATA reply. */
static struct smtp_reply deliver_inbound(struct deliver_fixture *f, const char *msg, size_t len,
					 const char *const *rcpts)
{
	struct session s;
	struct smtp_reply reply;

	session_start(&s, "rene@remote.test", NULL);
	assert_true(smtp_deliver_mail(f->d, &s.env, &reply));
	for (size_t i = 0; rcpts[i] != NULL; i++)
		assert_int_equal(session_rcpt(f, &s, rcpts[i], &reply), 250);
	smtp_deliver_message(f->d, &s.env, msg, len, &reply);
	session_end(&s);
	return reply;
}

/* ---- recipients ---- */

static void assert_resolves(struct deliver_fixture *f, const char *address,
			    enum directory_rcpt_status status, size_t count, uint32_t first)
{
	struct directory_rcpt rcpt;
	enum directory_rcpt_status got = directory_rcpt_resolve(f->dir, address, &rcpt);
	bool found = count == 0;

	if (got != status || rcpt.count != count)
		fail_msg("%s: status %d count %zu, expected %d %zu", address, got, rcpt.count,
			 status, count);
	for (size_t i = 0; i < rcpt.count; i++)
		found = found || rcpt.account_ids[i] == first;
	assert_true(found);
	directory_rcpt_clear(&rcpt);
	assert_null(rcpt.account_ids);
}

static void test_rcpt_resolve(void **state)
{
	struct deliver_fixture *f = *state;
	uint32_t alice = f->fx.user.account_id;

	assert_resolves(f, "alice@example.org", DIRECTORY_RCPT_LOCAL, 1, alice);
	assert_resolves(f, "Alice@EXAMPLE.org", DIRECTORY_RCPT_LOCAL, 1, alice);
	assert_resolves(f, "robert@example.org", DIRECTORY_RCPT_LOCAL, 1, f->bob);
	assert_resolves(f, "alice+lists@example.org", DIRECTORY_RCPT_LOCAL, 1, alice);
	assert_resolves(f, "alice+a+b@example.org", DIRECTORY_RCPT_LOCAL, 1, alice);
	assert_resolves(f, "team@example.org", DIRECTORY_RCPT_LOCAL, 2, alice);
	assert_resolves(f, "team+x@example.org", DIRECTORY_RCPT_LOCAL, 2, alice);
	/* nested: all = team (alice, bob) + carol */
	assert_resolves(f, "all@example.org", DIRECTORY_RCPT_LOCAL, 3, alice);
	assert_resolves(f, "nobody@example.org", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	assert_resolves(f, "zed@example.org", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	assert_resolves(f, "+tag@example.org", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	assert_resolves(f, "zed@empty.test", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	assert_resolves(f, "someone@remote.test", DIRECTORY_RCPT_REMOTE, 0, 0);
	assert_resolves(f, "no-at-sign", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	assert_resolves(f, "trailing@", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	/* the catch-all takes what nobody else has */
	assert_resolves(f, "zed@catch.test", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	add_catch_all(f);
	assert_resolves(f, "zed@catch.test", DIRECTORY_RCPT_LOCAL, 1, f->dave);
	assert_resolves(f, "dave+x@catch.test", DIRECTORY_RCPT_LOCAL, 1, f->dave);
	assert_resolves(f, "zed@example.org", DIRECTORY_RCPT_UNKNOWN, 0, 0);
	assert_int_equal(directory_domain_is_local(f->dir, "example.org"), 1);
	assert_int_equal(directory_domain_is_local(f->dir, "remote.test"), 0);
	assert_int_equal(directory_domain_is_local(f->dir, "alice"), 0);
}

static void test_rcpt_catch_all_syntax(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const bad[] = { "@", "@-bad.test", "@nosuch.test", "a@@catch.test" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *emails[] = { strdup(bad[i]) };
		struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL,
					     .name = strdup("eve"), .role = strdup("user"),
					     .emails = emails, .email_count = 1 };
		const char *error;
		int status = 0;

		assert_int_equal(directory_principal_create(f->dir, &p, &status, &error), -1);
		assert_true(status == 400 || status == 404);
		free(emails[0]);
		free(p.name);
		free(p.role);
	}
}

/* ---- local delivery ---- */

static void test_deliver_inbox(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const rcpts[] = { "alice@example.org", NULL };
	struct smtp_reply reply = deliver_inbound(f, msg_hello, sizeof(msg_hello) - 1, rcpts);
	json_object *list = mailbox_emails(f, f->fx.user.account_id, "inbox");
	const char *received;

	assert_reply(&reply, 250, "2.0.0");
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(jstr(list, "0/subject"), "Hello");
	assert_string_equal(jstr(list, "0/header:Return-Path"), " <rene@remote.test>");
	assert_string_equal(jstr(list, "0/header:Delivered-To:asText"), "alice@example.org");
	received = jstr(list, "0/header:Received:all/0");
	assert_non_null(strstr(received, "from mx.remote.test ([192.0.2.1])"));
	assert_non_null(strstr(received, "by " HOSTNAME " with ESMTP id S1"));
	assert_non_null(strstr(received, "for <alice@example.org>;"));
	assert_non_null(strstr(received, "+0000"));
	/* the forged result claiming to be ours is gone, the other stays */
	assert_int_equal(json_object_array_length(
		jpath(list, "0/header:Authentication-Results:asText:all")), 2);
	assert_non_null(strstr(jstr(list, "0/header:Authentication-Results:asText:all/0"),
			       "other.test; spf=pass"));
	assert_non_null(strstr(jstr(list, "0/header:Authentication-Results:asText:all/1"),
			       HOSTNAME ".other.test"));
	json_object_put(list);
}

static void test_deliver_unknown_user(void **state)
{
	struct deliver_fixture *f = *state;
	struct session s;
	struct smtp_reply reply;

	session_start(&s, "rene@remote.test", NULL);
	assert_int_equal(session_rcpt(f, &s, "zed@example.org", &reply), 550);
	assert_reply(&reply, 550, "5.1.1");
	assert_int_equal(session_rcpt(f, &s, "nobody@example.org", &reply), 550);
	smtp_deliver_message(f->d, &s.env, msg_hello, sizeof(msg_hello) - 1, &reply);
	assert_int_equal(reply.code / 100, 5);
	session_end(&s);
}

static void test_deliver_alias_and_subaddress(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const rcpts[] = { "robert@example.org", "alice+news@example.org",
					     NULL };
	struct smtp_reply reply = deliver_inbound(f, msg_hello, sizeof(msg_hello) - 1, rcpts);
	json_object *list;

	assert_reply(&reply, 250, "2.0.0");
	list = mailbox_emails(f, f->bob, "inbox");
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(jstr(list, "0/header:Delivered-To:asText"), "robert@example.org");
	json_object_put(list);
	list = mailbox_emails(f, f->fx.user.account_id, "inbox");
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(jstr(list, "0/header:Delivered-To:asText"), "alice+news@example.org");
	json_object_put(list);
}

/* A group and a member named directly: one copy per account. */
static void test_deliver_group(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const rcpts[] = { "alice@example.org", "all@example.org",
					     "team@example.org", NULL };
	struct smtp_reply reply = deliver_inbound(f, msg_hello, sizeof(msg_hello) - 1, rcpts);
	json_object *list;

	assert_reply(&reply, 250, "2.0.0");
	assert_int_equal(inbox_count(f, f->fx.user.account_id), 1);
	assert_int_equal(inbox_count(f, f->bob), 1);
	assert_int_equal(inbox_count(f, f->carol), 1);
	list = mailbox_emails(f, f->bob, "inbox");
	assert_string_equal(jstr(list, "0/header:Delivered-To:asText"), "all@example.org");
	json_object_put(list);
}

static void test_deliver_catch_all(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const rcpts[] = { "whoever@catch.test", NULL };
	struct smtp_reply reply;

	add_catch_all(f);
	reply = deliver_inbound(f, msg_hello, sizeof(msg_hello) - 1, rcpts);
	assert_reply(&reply, 250, "2.0.0");
	assert_int_equal(inbox_count(f, f->dave), 1);
}

static void test_deliver_over_quota(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const rcpts[] = { "carol@example.org", NULL };
	struct smtp_reply reply;
	struct session s;

	set_quota(f, f->carol, 700);
	reply = deliver_inbound(f, msg_hello, sizeof(msg_hello) - 1, rcpts);
	assert_reply(&reply, 250, "2.0.0");
	/* full: refused at RCPT with a declared size, at DATA without */
	session_start(&s, "rene@remote.test", NULL);
	s.env.declared_size = 5000;
	assert_int_equal(session_rcpt(f, &s, "carol@example.org", &reply), 552);
	assert_reply(&reply, 552, "5.2.2");
	s.env.declared_size = 400;
	assert_int_equal(session_rcpt(f, &s, "carol@example.org", &reply), 452);
	assert_reply(&reply, 452, "4.2.2");
	s.env.declared_size = 0;
	assert_int_equal(session_rcpt(f, &s, "carol@example.org", &reply), 250);
	smtp_deliver_message(f->d, &s.env, msg_hello, sizeof(msg_hello) - 1, &reply);
	assert_reply(&reply, 452, "4.2.2");
	session_end(&s);
	assert_int_equal(inbox_count(f, f->carol), 1);
}

/* One account out of room does not stop the others: 250, no retry. */
static void test_deliver_partial(void **state)
{
	struct deliver_fixture *f = *state;
	static const char *const rcpts[] = { "carol@example.org", "bob@example.org", NULL };
	struct smtp_reply reply;

	set_quota(f, f->carol, 10);
	reply = deliver_inbound(f, msg_hello, sizeof(msg_hello) - 1, rcpts);
	assert_reply(&reply, 250, "2.0.0");
	assert_int_equal(inbox_count(f, f->bob), 1);
	assert_int_equal(inbox_count(f, f->carol), 0);
}

static void test_relay_refused(void **state)
{
	struct deliver_fixture *f = *state;
	struct directory_identity alice = f->fx.user;
	struct session s;
	struct smtp_reply reply;

	session_start(&s, "rene@remote.test", NULL);
	assert_true(smtp_deliver_mail(f->d, &s.env, &reply));
	assert_int_equal(session_rcpt(f, &s, "someone@remote.test", &reply), 554);
	assert_reply(&reply, 554, "5.7.1");
	session_end(&s);
	session_start(&s, "alice@example.org", &alice);
	assert_int_equal(session_rcpt(f, &s, "someone@remote.test", &reply), 250);
	assert_true(s.rcpts[0].remote);
	session_end(&s);
}

/* ---- submission ---- */

static void test_submission_sender(void **state)
{
	struct deliver_fixture *f = *state;
	struct directory_identity alice = f->fx.user, admin = { .is_admin = true };
	struct session s;
	struct smtp_reply reply;

	session_start(&s, "alice@example.org", NULL);
	s.env.submission = true;
	assert_false(smtp_deliver_mail(f->d, &s.env, &reply));
	assert_reply(&reply, 530, "5.7.0");
	s.env.user = &alice;
	assert_true(smtp_deliver_mail(f->d, &s.env, &reply));
	assert_reply(&reply, 250, "2.1.0");
	s.env.mail_from = "ALICE@example.org";
	assert_true(smtp_deliver_mail(f->d, &s.env, &reply));
	s.env.mail_from = "bob@example.org";
	assert_false(smtp_deliver_mail(f->d, &s.env, &reply));
	assert_reply(&reply, 550, "5.7.1");
	s.env.mail_from = "";
	assert_false(smtp_deliver_mail(f->d, &s.env, &reply));
	s.env.mail_from = "alice@example.org";
	s.env.user = &admin;
	assert_false(smtp_deliver_mail(f->d, &s.env, &reply));
	assert_reply(&reply, 550, "5.7.1");
}

static void test_submission_queued(void **state)
{
	struct deliver_fixture *f = *state;
	struct directory_identity alice = f->fx.user;
	struct session s;
	struct smtp_reply reply;
	json_object *r, *drafts;

	session_start(&s, "alice@example.org", &alice);
	s.env.submission = true;
	s.env.ret = "HDRS";
	s.env.envid = "env+1";
	assert_int_equal(session_rcpt(f, &s, "someone@remote.test", &reply), 250);
	s.rcpts[0].notify = SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE;
	s.rcpts[0].orcpt = "rfc822;someone@remote.test";
	assert_int_equal(session_rcpt(f, &s, "bob@example.org", &reply), 250);
	smtp_deliver_message(f->d, &s.env, msg_sent, sizeof(msg_sent) - 1, &reply);
	assert_reply(&reply, 250, "2.0.0");
	session_end(&s);
	r = call_as(f, alice.account_id, "EmailSubmission/get", "{}");
	assert_int_equal(json_object_array_length(jpath(r, "list")), 1);
	assert_string_equal(jstr(r, "list/0/undoStatus"), "pending");
	assert_string_equal(jstr(r, "list/0/envelope/mailFrom/email"), "alice@example.org");
	assert_string_equal(jstr(r, "list/0/envelope/mailFrom/parameters/RET"), "HDRS");
	assert_string_equal(jstr(r, "list/0/envelope/mailFrom/parameters/ENVID"), "env+1");
	assert_string_equal(jstr(r, "list/0/envelope/rcptTo/0/parameters/NOTIFY"),
			    "SUCCESS,FAILURE");
	assert_string_equal(jstr(r, "list/0/envelope/rcptTo/0/parameters/ORCPT"),
			    "rfc822;someone@remote.test");
	assert_string_equal(jstr(r, "list/0/envelope/rcptTo/1/email"), "bob@example.org");
	assert_non_null(strstr(reply.text, jstr(r, "list/0/id")));
	json_object_put(r);
	/* the copy the submission needed is gone from Drafts; bob gets his
	 * through the queue, not here */
	drafts = mailbox_emails(f, alice.account_id, "drafts");
	assert_int_equal(json_object_array_length(drafts), 0);
	json_object_put(drafts);
	assert_int_equal(inbox_count(f, f->bob), 0);
}

static void test_submission_forbidden_from(void **state)
{
	struct deliver_fixture *f = *state;
	struct directory_identity bob = as_user(f->bob);
	struct session s;
	struct smtp_reply reply;
	json_object *r, *drafts;

	session_start(&s, "bob@example.org", &bob);
	assert_true(smtp_deliver_mail(f->d, &s.env, &reply));
	assert_int_equal(session_rcpt(f, &s, "someone@remote.test", &reply), 250);
	/* msg_sent's From is alice's */
	smtp_deliver_message(f->d, &s.env, msg_sent, sizeof(msg_sent) - 1, &reply);
	assert_reply(&reply, 550, "5.7.1");
	session_end(&s);
	r = call_as(f, f->bob, "EmailSubmission/get", "{}");
	assert_int_equal(json_object_array_length(jpath(r, "list")), 0);
	json_object_put(r);
	drafts = mailbox_emails(f, f->bob, "drafts");
	assert_int_equal(json_object_array_length(drafts), 0);
	json_object_put(drafts);
}

/* ---- inbound checks ---- */

static const char zone_text[] =
	"$ORIGIN test.\n"
	"remote.test. IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
	"reject.test. IN TXT \"v=spf1 ip4:198.51.100.7 -all\"\n"
	"_dmarc.reject.test. IN TXT \"v=DMARC1; p=reject\"\n";

static const char msg_reject[] =
	"From: Spoof <ceo@reject.test>\r\n"
	"To: alice@example.org\r\n"
	"Subject: Pay now\r\n"
	"\r\n"
	"Wire the money.\r\n";

/* A delivery context with a resolver over a zone file; dmarc_reject
 * as given. Returns the inbound DATA reply for msg from mail_from. */
static struct smtp_reply deliver_checked(struct deliver_fixture *f, bool dmarc_reject,
					 const char *mail_from, const char *msg, size_t len)
{
	char zone[300], text[600];
	struct config *cfg;
	struct dns *dns;
	struct smtp_deliver *d;
	struct smtp_reply reply;
	struct session s;
	const char *error;
	FILE *fp;

	snprintf(zone, sizeof(zone), "%s/zone.txt", f->fx.dir);
	assert_non_null(fp = fopen(zone, "w"));
	fputs(zone_text, fp);
	fclose(fp);
	snprintf(text, sizeof(text), "%s resolver = { zone-file = \"%s\"; };"
		 " smtp = { inbound = { dmarc-reject = %s; }; };", test_config, zone,
		 dmarc_reject ? "true" : "false");
	assert_non_null(cfg = config_load_string(text, "test", &error));
	assert_int_equal(dns_open(cfg, &dns, &error), 0);
	d = smtp_deliver_new(f->fx.srv, f->dir, dns, cfg);
	session_start(&s, mail_from, NULL);
	s.rcpts[0].address = s.addresses[0];
	snprintf(s.addresses[0], sizeof(s.addresses[0]), "alice@example.org");
	assert_true(smtp_deliver_rcpt(d, &s.env, &s.rcpts[0], &reply));
	s.env.rcpt_count = 1;
	smtp_deliver_message(d, &s.env, msg, len, &reply);
	session_end(&s);
	smtp_deliver_free(&d);
	dns_close(&dns);
	config_free(&cfg);
	return reply;
}

static void test_inbound_checks(void **state)
{
	struct deliver_fixture *f = *state;
	struct smtp_reply reply;
	json_object *list;
	const char *results;

	reply = deliver_checked(f, true, "rene@remote.test", msg_hello, sizeof(msg_hello) - 1);
	assert_reply(&reply, 250, "2.0.0");
	list = mailbox_emails(f, f->fx.user.account_id, "inbox");
	/* ours first, the foreign one of the message after it */
	results = jstr(list, "0/header:Authentication-Results:asText:all/0");
	assert_non_null(strstr(results, HOSTNAME ";"));
	assert_non_null(strstr(results, "spf=pass"));
	assert_non_null(strstr(results, "dkim=none"));
	assert_non_null(strstr(jstr(list, "0/header:Authentication-Results:asText:all/1"),
			       "other.test"));
	json_object_put(list);
	reply = deliver_checked(f, true, "ceo@reject.test", msg_reject, sizeof(msg_reject) - 1);
	assert_reply(&reply, 550, "5.7.1");
	assert_int_equal(inbox_count(f, f->fx.user.account_id), 1);
	reply = deliver_checked(f, false, "ceo@reject.test", msg_reject, sizeof(msg_reject) - 1);
	assert_reply(&reply, 250, "2.0.0");
	list = mailbox_emails(f, f->fx.user.account_id, "inbox");
	assert_non_null(strstr(jstr(list, "0/header:Authentication-Results:asText:all/0"),
			       "dmarc=fail"));
	json_object_put(list);
}

/* ---- the queue's local delivery ---- */

static void test_deliver_local_for_queue(void **state)
{
	struct deliver_fixture *f = *state;
	struct smtp_reply reply;
	json_object *list;

	smtp_deliver_local(f->d, "", "team@example.org", msg_sent, sizeof(msg_sent) - 1, &reply);
	assert_reply(&reply, 250, "2.0.0");
	list = mailbox_emails(f, f->bob, "inbox");
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(jstr(list, "0/header:Return-Path"), " <>");
	assert_string_equal(jstr(list, "0/header:Delivered-To:asText"), "team@example.org");
	json_object_put(list);
	assert_int_equal(inbox_count(f, f->fx.user.account_id), 1);
	smtp_deliver_local(f->d, "x@remote.test", "zed@example.org", msg_sent,
			   sizeof(msg_sent) - 1, &reply);
	assert_reply(&reply, 550, "5.1.1");
	smtp_deliver_local(f->d, "x@remote.test", "x@remote.test", msg_sent,
			   sizeof(msg_sent) - 1, &reply);
	assert_int_equal(reply.code, 550);
}

/* ---- Email/deliver ---- */

/* One Email/deliver of len bytes of raw into the Inbox of account_id,
 * with an extra property when extra is not NULL: the response (new
 * reference). */
static json_object *email_deliver(struct deliver_fixture *f, uint32_t account_id,
				  const char *raw, size_t len, const char *extra)
{
	json_object *r = call_as(f, account_id, "Mailbox/query", "{\"filter\":{\"role\":\"inbox\"}}");
	json_object *item = json_object_new_object(), *mailboxes = json_object_new_object();
	json_object *args, *emails = json_object_new_object(), *responses, *result;
	struct directory_identity user = as_user(account_id);
	char account[16];

	json_object_object_add(mailboxes, jstr(r, "ids/0"), json_object_new_boolean(true));
	json_object_put(r);
	json_object_object_add(item, "message", json_object_new_string_len(raw, (int)len));
	json_object_object_add(item, "mailboxIds", mailboxes);
	if (extra != NULL)
		json_object_object_add(item, extra, json_object_new_boolean(true));
	json_object_object_add(emails, "m", item);
	args = json_object_new_object();
	jmap_account_id_format(account_id, account);
	json_object_object_add(args, "accountId", json_object_new_string(account));
	json_object_object_add(args, "emails", emails);
	responses = jmap_invoke(f->fx.srv, &user, "Email/deliver", args);
	json_object_put(args);
	assert_string_equal(jstr(responses, "0/0"), "Email/deliver");
	result = json_object_get(jpath(responses, "0/1"));
	json_object_put(responses);
	return result;
}

/* The bytes of blob_id of account_id (caller frees). */
static char *blob_bytes(struct deliver_fixture *f, uint32_t account_id, const char *blob_id,
			size_t *len_r)
{
	struct directory_identity user = as_user(account_id);
	char account[16], *data;
	uint64_t size = 0;
	int status = 0, fd;

	jmap_account_id_format(account_id, account);
	fd = jmap_download_open(f->fx.srv, &user, account, blob_id, &size, &status);
	assert_true(fd >= 0);
	data = malloc(size + 1);
	assert_int_equal(pread(fd, data, size, 0), (ssize_t)size);
	close(fd);
	*len_r = (size_t)size;
	return data;
}

/* The message goes in as bytes (8-bit, a NUL included) and comes out
 * the same; bad items are refused one by one; HTTP clients cannot ask
 * for the method's capability. */
static void test_email_deliver_method(void **state)
{
	struct deliver_fixture *f = *state;
	static const char raw[] = "Subject: bytes\r\n\r\ncaf\xc3\xa9 \xff\x00 end\r\n";
	static const char http_body[] =
		"{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:tern:mail\"],"
		"\"methodCalls\":[[\"Email/deliver\",{},\"0\"]]}";
	json_object *resp = email_deliver(f, f->bob, raw, sizeof(raw) - 1, NULL), *problem;
	char *big = calloc(1, MAX_UPLOAD + 1), *got;
	int status = 0;
	size_t len;

	assert_non_null(jpath(resp, "created/m/id"));
	assert_null(jpath(resp, "notCreated"));
	got = blob_bytes(f, f->bob, jstr(resp, "created/m/blobId"), &len);
	assert_int_equal(len, sizeof(raw) - 1);
	assert_memory_equal(got, raw, len);
	free(got);
	json_object_put(resp);
	assert_int_equal(inbox_count(f, f->bob), 1);
	resp = email_deliver(f, f->bob, raw, sizeof(raw) - 1, "keywords");
	assert_string_equal(jstr(resp, "notCreated/m/type"), "invalidProperties");
	json_object_put(resp);
	memset(big, 'x', MAX_UPLOAD + 1);
	resp = email_deliver(f, f->bob, big, MAX_UPLOAD + 1, NULL);
	assert_string_equal(jstr(resp, "notCreated/m/type"), "tooLarge");
	json_object_put(resp);
	free(big);
	assert_int_equal(inbox_count(f, f->bob), 1);
	problem = jmap_api_request(f->fx.srv, &f->fx.user, "application/json", http_body,
				   sizeof(http_body) - 1, &status);
	assert_int_equal(status, 400);
	assert_string_equal(jstr(problem, "type"), "urn:ietf:params:jmap:error:unknownCapability");
	json_object_put(problem);
}

#define deliver_test(fn) cmocka_unit_test_setup_teardown(fn, deliver_setup, deliver_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		deliver_test(test_rcpt_resolve),
		deliver_test(test_rcpt_catch_all_syntax),
		deliver_test(test_deliver_inbox),
		deliver_test(test_deliver_unknown_user),
		deliver_test(test_deliver_alias_and_subaddress),
		deliver_test(test_deliver_group),
		deliver_test(test_deliver_catch_all),
		deliver_test(test_deliver_over_quota),
		deliver_test(test_deliver_partial),
		deliver_test(test_relay_refused),
		deliver_test(test_submission_sender),
		deliver_test(test_submission_queued),
		deliver_test(test_submission_forbidden_from),
		deliver_test(test_inbound_checks),
		deliver_test(test_deliver_local_for_queue),
		deliver_test(test_email_deliver_method),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
