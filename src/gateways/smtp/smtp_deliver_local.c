/* Local delivery: one copy per account, with the trace fields
 * prepended, stored into its Inbox as the account's user by
 * Email/deliver (blob and Email in one transaction). Used for mail from
 * other servers (smtp_deliver_message) and by the outbound queue for
 * local recipients and DSNs (smtp_deliver_local). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "directory/directory_rcpt.h"
#include "gateways/smtp/smtp_deliver_private.h"
#include "jmap/jmap.h"
#include "mailauth/mailauth.h"

/* ---- one account ---- */

/* Email/deliver of one message into mailbox_id: the blob and the Email
 * in one transaction, durable at its one commit. */
static json_object *local_deliver_args(const struct strbuf *msg, const char *mailbox_id)
{
	json_object *args = json_object_new_object(), *emails = json_object_new_object();
	json_object *item = json_object_new_object(), *mailboxes = json_object_new_object();
	char date[21];

	json_object_object_add(item, "message", json_object_new_string_len(msg->s, (int)msg->len));
	json_object_object_add(mailboxes, mailbox_id, json_object_new_boolean(true));
	json_object_object_add(item, "mailboxIds", mailboxes);
	time_format_utc(time(NULL), date);
	json_object_object_add(item, "receivedAt", json_object_new_string(date));
	json_object_object_add(emails, "m", item);
	json_object_object_add(args, "emails", emails);
	return args;
}

/* Over quota: permanent when the message alone is past the limit. */
static void local_over_quota(struct smtp_deliver *d, const struct directory_identity *user,
			     size_t len, struct smtp_reply *reply_r)
{
	uint64_t used = 0, limit = 0;

	if (deliver_quota(d, user, &used, &limit) > 0 && len > limit)
		deliver_reply(reply_r, 552, "5.2.2", "Message larger than the mailbox quota");
	else
		deliver_reply(reply_r, 452, "4.2.2", "Mailbox full");
}

void deliver_import_refused(struct smtp_deliver *d, const struct directory_identity *user,
			    const char *type, size_t len, struct smtp_reply *reply_r)
{
	if (strcmp(type, "overQuota") == 0)
		local_over_quota(d, user, len, reply_r);
	else if (strcmp(type, "tooLarge") == 0)
		deliver_reply(reply_r, 552, "5.3.4", "Message too large");
	else if (strcmp(type, "invalidEmail") == 0)
		deliver_reply(reply_r, 554, "5.6.0", "Message not accepted");
	else
		deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
}

/* One Email/deliver: 1 stored, 0 refused (reply set), -1 the Inbox id
 * went stale. */
static int local_deliver_once(struct smtp_deliver *d, const struct directory_identity *user,
			      const struct strbuf *msg, struct smtp_reply *reply_r)
{
	char *mailbox_id = NULL, *error_type = NULL;
	json_object *resp;
	const char *type;
	int ret = deliver_inbox(d, user, &mailbox_id);

	if (ret <= 0) {
		deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
		return 0;
	}
	resp = deliver_jmap_call(d, user, "Email/deliver", local_deliver_args(msg, mailbox_id),
				 &error_type);
	free(mailbox_id);
	type = resp != NULL ? deliver_set_error(resp, "created", "m") : error_type;
	if (type == NULL) {
		ret = 1;
	} else if (strcmp(type, "notFound") == 0 || strcmp(type, "invalidProperties") == 0) {
		ret = -1;
	} else {
		deliver_import_refused(d, user, type, msg->len, reply_r);
		ret = 0;
	}
	json_object_put(resp);
	free(error_type);
	return ret;
}

static void local_deliver_msg(struct smtp_deliver *d, const struct directory_identity *user,
			      const struct strbuf *msg, struct smtp_reply *reply_r)
{
	int ret = local_deliver_once(d, user, msg, reply_r);

	if (ret < 0) {
		/* the Inbox we remembered is gone: look it up again */
		deliver_inbox_forget(d, user->account_id);
		ret = local_deliver_once(d, user, msg, reply_r);
		if (ret < 0)
			deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
	}
	if (ret > 0)
		deliver_reply(reply_r, 250, "2.0.0", "Delivered");
}

void deliver_local_import(struct smtp_deliver *d, uint32_t account_id, const char *rcpt,
			  const char *header, size_t header_len, const char *msg, size_t len,
			  struct smtp_reply *reply_r)
{
	struct directory_identity user;
	struct deliver_span *kept = NULL;
	size_t count = deliver_trace_keep(msg, len, d->hostname, &kept);
	struct strbuf copy = { 0 };

	/* a json-c string holds at most INT_MAX bytes */
	if (header_len + len > INT_MAX) {
		deliver_reply(reply_r, 552, "5.3.4", "Message too large");
		free(kept);
		return;
	}
	strbuf_append(&copy, header, header_len);
	for (size_t i = 0; i < count; i++)
		strbuf_append(&copy, kept[i].data, kept[i].len);
	free(kept);
	deliver_identity(account_id, rcpt, &user);
	local_deliver_msg(d, &user, &copy, reply_r);
	if (!deliver_reply_ok(reply_r))
		log_warn("smtp.deliver_failed", "account=%u rcpt=%s reply=%d", account_id,
			 log_q(rcpt), reply_r->code);
	strbuf_free(&copy);
}

/* ---- every account of a transaction ---- */

/* What the copies of one message came to: 250 as soon as one account
 * has it (a retry would duplicate it there), else the first temporary
 * failure, else the first permanent one. */
struct local_outcome {
	size_t delivered;
	size_t failed;
	struct smtp_reply temp;
	struct smtp_reply perm;
};

static void local_outcome_add(struct local_outcome *o, const struct smtp_reply *reply)
{
	if (deliver_reply_ok(reply)) {
		o->delivered++;
		return;
	}
	o->failed++;
	if (reply->code < 500 && o->temp.code == 0)
		o->temp = *reply;
	else if (reply->code >= 500 && o->perm.code == 0)
		o->perm = *reply;
}

static void local_outcome_reply(const struct local_outcome *o, struct smtp_reply *reply_r)
{
	if (o->delivered > 0)
		deliver_reply(reply_r, 250, "2.0.0", "Delivered");
	else
		*reply_r = o->temp.code != 0 ? o->temp : o->perm;
}

/* The header of one copy: Return-Path, Delivered-To, our
 * Authentication-Results, Received. */
static void local_copy_header(struct smtp_deliver *d, const struct smtp_envelope *env,
			      const char *auth_results, const char *rcpt, time_t now,
			      struct strbuf *out)
{
	deliver_trace_delivery(env->mail_from, rcpt, out);
	if (auth_results != NULL)
		strbuf_puts(out, auth_results);
	deliver_trace_received(d, env, rcpt, now, out);
}

/* One copy per account, delivered for the first recipient that
 * reached it. */
struct local_copy {
	uint32_t account_id;
	size_t rcpt;
};

static int local_copy_cmp(const void *a, const void *b)
{
	const struct local_copy *x = a, *y = b;

	if (x->account_id != y->account_id)
		return x->account_id < y->account_id ? -1 : 1;
	return x->rcpt < y->rcpt ? -1 : x->rcpt > y->rcpt ? 1 : 0;
}

/* The copies to make (caller frees), one per distinct account. */
static struct local_copy *local_copies(const struct smtp_envelope *env, size_t *count_r)
{
	struct local_copy *copies;
	size_t n = 0, kept = 0;

	for (size_t r = 0; r < env->rcpt_count; r++)
		n += env->rcpts[r].account_count;
	copies = xcalloc(n + 1, sizeof(*copies));
	n = 0;
	for (size_t r = 0; r < env->rcpt_count; r++) {
		for (size_t j = 0; j < env->rcpts[r].account_count; j++) {
			copies[n].account_id = env->rcpts[r].account_ids[j];
			copies[n++].rcpt = r;
		}
	}
	qsort(copies, n, sizeof(*copies), local_copy_cmp);
	for (size_t i = 0; i < n; i++) {
		if (kept == 0 || copies[kept - 1].account_id != copies[i].account_id)
			copies[kept++] = copies[i];
	}
	*count_r = kept;
	return copies;
}

static void local_deliver_all(struct smtp_deliver *d, const struct smtp_envelope *env,
			      const char *auth_results, const char *msg, size_t len,
			      struct local_outcome *o)
{
	time_t now = time(NULL);
	struct strbuf header = { 0 };
	struct smtp_reply reply;
	size_t count;
	struct local_copy *copies = local_copies(env, &count);

	for (size_t i = 0; i < count; i++) {
		const char *rcpt = env->rcpts[copies[i].rcpt].address;

		strbuf_reset(&header);
		local_copy_header(d, env, auth_results, rcpt, now, &header);
		deliver_local_import(d, copies[i].account_id, rcpt, header.s, header.len, msg, len,
				     &reply);
		local_outcome_add(o, &reply);
	}
	strbuf_free(&header);
	free(copies);
}

/* SPF, DKIM and DMARC of mail from another server: false (reply set)
 * when DMARC says reject and we are told to. */
static bool local_inbound_checks(struct smtp_deliver *d, const struct smtp_envelope *env,
				 const char *msg, size_t len, struct mailauth_inbound *auth,
				 struct smtp_reply *reply_r)
{
	mailauth_check_inbound(d->dns, d->hostname, env->client_ip, env->helo, env->mail_from,
			       msg, len, time(NULL), auth);
	if (d->dmarc_reject && auth->dmarc.result == DMARC_FAIL &&
	    auth->dmarc.policy == DMARC_POLICY_REJECT) {
		log_info("smtp.dmarc_reject", "session=%s from=%s domain=%s",
			 log_q(env->session_id), log_q(env->mail_from),
			 log_q(auth->dmarc.from_domain));
		deliver_reply(reply_r, 550, "5.7.1", "Rejected by the sender domain's DMARC policy");
		return false;
	}
	return true;
}

void deliver_local_message(struct smtp_deliver *d, const struct smtp_envelope *env,
			   const char *msg, size_t len, struct smtp_reply *reply_r)
{
	struct mailauth_inbound auth = { 0 };
	struct local_outcome o = { 0 };
	bool checked = d->inbound_checks && d->dns != NULL;

	if (checked && !local_inbound_checks(d, env, msg, len, &auth, reply_r)) {
		mailauth_inbound_clear(&auth);
		return;
	}
	local_deliver_all(d, env, checked ? auth.header : NULL, msg, len, &o);
	if (checked)
		mailauth_inbound_clear(&auth);
	if (o.delivered == 0 && o.failed == 0)
		deliver_reply(reply_r, 554, "5.5.1", "No valid recipients");
	else
		local_outcome_reply(&o, reply_r);
	log_info("smtp.delivered", "session=%s from=%s size=%zu copies=%zu failed=%zu reply=%d",
		 log_q(env->session_id), log_q(env->mail_from), len, o.delivered, o.failed,
		 reply_r->code);
}

/* ---- for the outbound queue ---- */

static bool local_resolve(struct smtp_deliver *d, const char *address, struct directory_rcpt *rcpt,
			  struct smtp_reply *reply_r)
{
	switch (directory_rcpt_resolve(d->dir, address, rcpt)) {
	case DIRECTORY_RCPT_LOCAL:
		return true;
	case DIRECTORY_RCPT_UNKNOWN:
		deliver_reply(reply_r, 550, "5.1.1", "No such user here");
		return false;
	case DIRECTORY_RCPT_REMOTE:
		deliver_reply(reply_r, 550, "5.1.2", "Not a local domain");
		return false;
	default:
		deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
		return false;
	}
}

void smtp_deliver_local(struct smtp_deliver *d, const char *mail_from, const char *address,
			const char *msg, size_t len, struct smtp_reply *reply_r)
{
	struct directory_rcpt rcpt;
	struct local_outcome o = { 0 };
	struct strbuf header = { 0 };
	struct smtp_reply reply;

	if (!local_resolve(d, address, &rcpt, reply_r))
		return;
	deliver_trace_delivery(mail_from, address, &header);
	for (size_t i = 0; i < rcpt.count; i++) {
		deliver_local_import(d, rcpt.account_ids[i], address, header.s, header.len, msg,
				     len, &reply);
		local_outcome_add(&o, &reply);
	}
	local_outcome_reply(&o, reply_r);
	log_info("smtp.delivered_local", "from=%s rcpt=%s size=%zu copies=%zu failed=%zu reply=%d",
		 log_q(mail_from), log_q(address), len, o.delivered, o.failed, reply_r->code);
	strbuf_free(&header);
	directory_rcpt_clear(&rcpt);
}
