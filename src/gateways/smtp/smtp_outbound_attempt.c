/* One attempt on one queue entry: local recipients through
 * smtp_deliver_local(), remote ones one domain at a time, each outcome
 * recorded as soon as it is known; then expiry, the DSN, and the end of
 * the attempt. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "directory/directory_rcpt.h"
#include "gateways/smtp/smtp_outbound_private.h"

#define SMTP_EXPIRED_REPLY_TEXT "Delivery time expired"

void smtp_attempt_outcome(struct smtp_attempt *a, size_t i, const struct smtp_reply *reply,
			  const char *remote_mta)
{
	struct jmap_outbound_rcpt *r = &a->msg->rcpts[i];

	free(r->reply);
	r->reply = reply->enhanced[0] != '\0' ?
		   xasprintf("%d %s %s", reply->code, reply->enhanced, reply->text) :
		   xasprintf("%d %s", reply->code, reply->text);
	if (reply->code >= 200 && reply->code < 300)
		r->status = JMAP_OUTBOUND_YES;
	else if (reply->code >= 500) {
		r->status = JMAP_OUTBOUND_NO;
		a->failed_now[i] = true;
	}
	free(a->remote_mta[i]);
	a->remote_mta[i] = remote_mta != NULL ? xstrdup(remote_mta) : NULL;
	log_info("queue.rcpt", "entry=%llu rcpt=%s status=%s reply=%s",
		 (unsigned long long)a->msg->id, log_q(r->address),
		 r->status == JMAP_OUTBOUND_YES ? "yes" : r->status == JMAP_OUTBOUND_NO ? "no" :
		 "queued", log_q(r->reply));
}

static void smtp_attempt_record(struct smtp_attempt *a)
{
	const char *error;

	if (jmap_outbound_record(a->ob->jmap, a->msg, &error) < 0)
		log_error("queue.record", "entry=%llu error=%s", (unsigned long long)a->msg->id,
			  log_q(error));
}

/* The message with every line ending in CRLF, and a last CRLF. */
static char *smtp_attempt_crlf(const char *in, size_t len, size_t *len_r)
{
	char *out = xmalloc(2 * len + 3);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[n++] = '\r';
		out[n++] = in[i];
	}
	if (n > 0 && (n < 2 || out[n - 2] != '\r' || out[n - 1] != '\n')) {
		out[n++] = '\r';
		out[n++] = '\n';
	}
	out[n] = '\0';
	*len_r = n;
	return out;
}

const char *smtp_attempt_message(struct smtp_attempt *a, size_t *len_r)
{
	if (!a->signed_done) {
		char *fields = smtp_outbound_sign(a->ob->dir, a->msg->mail_from, a->data, a->len,
						  a->now);

		a->signed_done = true;
		if (fields != NULL) {
			size_t flen = strlen(fields);

			a->signed_len = flen + a->len;
			a->signed_data = xmalloc(a->signed_len + 1);
			memcpy(a->signed_data, fields, flen);
			memcpy(a->signed_data + flen, a->data, a->len + 1);
			free(fields);
		}
	}
	*len_r = a->signed_data != NULL ? a->signed_len : a->len;
	return a->signed_data != NULL ? a->signed_data : a->data;
}

static const char *smtp_address_domain(const char *address)
{
	const char *at = strrchr(address, '@');

	return at != NULL ? at + 1 : "";
}

static void smtp_attempt_local_one(struct smtp_attempt *a, size_t i)
{
	struct smtp_reply reply = { 451, "4.3.0", "Local delivery failed for now" };

	smtp_deliver_local(a->ob->deliver, a->msg->mail_from, a->msg->rcpts[i].address, a->data,
			   a->len, &reply);
	smtp_attempt_outcome(a, i, &reply, NULL);
}

/* Local recipients first; marks the others remote. */
static void smtp_attempt_local(struct smtp_attempt *a, bool *remote)
{
	static const struct smtp_reply unknown = {
		451, "4.3.0", "The recipient's domain cannot be looked up for now"
	};
	bool changed = false;

	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		char *domain;
		int local;

		if (a->msg->rcpts[i].status != JMAP_OUTBOUND_QUEUED)
			continue;
		domain = xstrdup(smtp_address_domain(a->msg->rcpts[i].address));
		for (char *p = domain; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		local = directory_domain_is_local(a->ob->dir, domain);
		free(domain);
		if (local == 0)
			remote[i] = true;
		else if (local > 0)
			smtp_attempt_local_one(a, i);
		else
			smtp_attempt_outcome(a, i, &unknown, NULL);
		changed |= local != 0;
	}
	if (changed)
		smtp_attempt_record(a);
}

static bool smtp_domain_equal(const char *a, const char *b)
{
	return strcasecmp(smtp_address_domain(a), smtp_address_domain(b)) == 0;
}

/* Remote recipients, one domain at a time. */
static void smtp_attempt_remote(struct smtp_attempt *a, bool *remote)
{
	size_t *idx = xcalloc(a->msg->rcpt_count + 1, sizeof(*idx));

	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		const char *address = a->msg->rcpts[i].address;
		size_t n = 0;

		if (!remote[i] || smtp_outbound_stopping(a->ob))
			continue;
		for (size_t j = i; j < a->msg->rcpt_count; j++) {
			if (remote[j] && smtp_domain_equal(address, a->msg->rcpts[j].address)) {
				idx[n++] = j;
				remote[j] = false;
			}
		}
		smtp_outbound_remote(a, smtp_address_domain(address), idx, n);
		smtp_attempt_record(a);
	}
	free(idx);
}

/* Recipients still queued past the expiry fail. */
static void smtp_attempt_expire(struct smtp_attempt *a)
{
	if (!smtp_outbound_expired(&a->ob->set, a->msg->created_at, a->now))
		return;
	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		struct jmap_outbound_rcpt *r = &a->msg->rcpts[i];
		char *last = r->reply;

		if (r->status != JMAP_OUTBOUND_QUEUED)
			continue;
		r->status = JMAP_OUTBOUND_NO;
		r->reply = xasprintf("%.3s 4.4.7 %s; last reply: %s",
				     last != NULL && last[0] == '4' ? last : "451",
				     SMTP_EXPIRED_REPLY_TEXT, last != NULL ? last : "none");
		free(last);
		a->failed_now[i] = true;
	}
}

/* Builds the DSN of the recipients that failed now, if there is one to
 * send, and delivers it to a local sender. Caller frees. */
static char *smtp_attempt_dsn(struct smtp_attempt *a, size_t *len_r)
{
	struct smtp_reply reply = { 0, "", "" };
	char *dsn = smtp_dsn_build(a, len_r);

	if (dsn == NULL)
		return NULL;
	if (directory_domain_is_local(a->ob->dir, smtp_address_domain(a->msg->mail_from)) > 0) {
		smtp_deliver_local(a->ob->deliver, "", a->msg->mail_from, dsn, *len_r, &reply);
		log_info("queue.dsn", "entry=%llu to=%s reply=%d", (unsigned long long)a->msg->id,
			 log_q(a->msg->mail_from), reply.code);
	} else
		log_warn("queue.dsn", "entry=%llu to=%s reason=%s", (unsigned long long)a->msg->id,
			 log_q(a->msg->mail_from), log_q("the sender is not local: kept in dsnBlobIds"));
	return dsn;
}

static void smtp_attempt_end(struct smtp_attempt *a)
{
	time_t next = smtp_outbound_next_attempt(&a->ob->set, a->msg->attempts + 1,
						 a->msg->created_at, a->now);
	size_t dsn_len = 0;
	char *dsn;
	const char *error;

	/* recipients a stop left untried go first after the restart */
	if (smtp_outbound_stopping(a->ob))
		next = a->now;
	smtp_attempt_expire(a);
	dsn = smtp_attempt_dsn(a, &dsn_len);
	if (jmap_outbound_finish(a->ob->jmap, a->msg, next, dsn, dsn_len, &error) < 0)
		log_error("queue.finish", "entry=%llu error=%s", (unsigned long long)a->msg->id,
			  log_q(error));
	free(dsn);
}

static void smtp_attempt_free(struct smtp_attempt *a)
{
	for (size_t i = 0; i < a->msg->rcpt_count; i++)
		free(a->remote_mta[i]);
	free(a->remote_mta);
	free(a->failed_now);
	free(a->data);
	free(a->signed_data);
}

/* The message could not be read: every queued recipient waits. */
static void smtp_attempt_unreadable(struct smtp_attempt *a, const char *error)
{
	struct smtp_reply reply = { 451, "4.3.0", "The message cannot be read for now" };

	log_error("queue.read", "entry=%llu error=%s", (unsigned long long)a->msg->id,
		  log_q(error));
	for (size_t i = 0; i < a->msg->rcpt_count; i++) {
		if (a->msg->rcpts[i].status == JMAP_OUTBOUND_QUEUED)
			smtp_attempt_outcome(a, i, &reply, NULL);
	}
}

void smtp_outbound_attempt(struct smtp_outbound *ob, struct jmap_outbound_msg *msg)
{
	struct smtp_attempt a = { .ob = ob, .msg = msg, .now = time(NULL) };
	bool *remote = xcalloc(msg->rcpt_count + 1, sizeof(*remote));
	const char *error;
	char *raw;
	size_t raw_len;

	a.failed_now = xcalloc(msg->rcpt_count + 1, sizeof(*a.failed_now));
	a.remote_mta = xcalloc(msg->rcpt_count + 1, sizeof(*a.remote_mta));
	log_info("queue.attempt", "entry=%llu account=%u submission=%llu attempt=%u",
		 (unsigned long long)msg->id, msg->account_id,
		 (unsigned long long)msg->submission_id, msg->attempts + 1);
	if (jmap_outbound_read(ob->jmap, msg, &raw, &raw_len, &error) < 0)
		smtp_attempt_unreadable(&a, error);
	else {
		a.data = smtp_attempt_crlf(raw, raw_len, &a.len);
		free(raw);
		smtp_attempt_local(&a, remote);
		smtp_attempt_remote(&a, remote);
	}
	smtp_attempt_end(&a);
	free(remote);
	smtp_attempt_free(&a);
}
