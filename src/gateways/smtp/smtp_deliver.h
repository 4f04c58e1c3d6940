#ifndef TERN_SMTP_DELIVER_H
#define TERN_SMTP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "directory/directory.h"

/* What the SMTP session asks of the core at MAIL, RCPT and the end of
 * DATA/BDAT, and local delivery for the outbound queue (local
 * recipients, DSNs). All of it through jmap_invoke() and the
 * directory: Email/import into each local recipient's Inbox, and
 * EmailSubmission/set for mail relayed for an authenticated user.
 * Thread-safe; calls block (jmap, DNS). */

struct config;
struct dns;
struct jmap_server;
struct smtp_deliver;

/* A reply: "250 2.0.0 text". enhanced is "" for replies without an
 * enhanced code (the greeting, EHLO). */
struct smtp_reply {
	int code;
	char enhanced[16];
	char text[256];
};

/* DSN NOTIFY (RFC 3461 §4.1) as bits; 0 when not given. */
enum smtp_notify {
	SMTP_NOTIFY_NEVER = 1 << 0,
	SMTP_NOTIFY_SUCCESS = 1 << 1,
	SMTP_NOTIFY_FAILURE = 1 << 2,
	SMTP_NOTIFY_DELAY = 1 << 3,
};

struct smtp_rcpt {
	char *address;		/* as given, without brackets; caller-owned */
	char *orcpt;		/* ORCPT= decoded ("rfc822;addr"), or NULL */
	unsigned notify;	/* enum smtp_notify bits */
	/* set by smtp_deliver_rcpt: the local accounts behind the
	 * address (caller-owned), or none when it is relayed */
	uint32_t *account_ids;
	size_t account_count;
	bool remote;
};

/* The transaction and what the session knows of its client. */
struct smtp_envelope {
	const char *client_ip;
	const char *helo;		/* EHLO/HELO argument */
	bool esmtp;			/* EHLO rather than HELO */
	bool tls;
	bool submission;		/* the listener is a submission port */
	const struct directory_identity *user;	/* NULL unless authenticated */
	const char *mail_from;		/* "" for the null sender */
	const char *ret;		/* RET= "FULL"/"HDRS", or NULL */
	const char *envid;		/* ENVID= decoded, or NULL */
	bool smtputf8;
	bool body_8bit;			/* BODY=8BITMIME or BINARYMIME */
	uint64_t declared_size;		/* SIZE=, 0 if not given */
	struct smtp_rcpt *rcpts;
	size_t rcpt_count;
	const char *session_id;		/* for Received "id" and logs */
};

/* Reads smtp.* of cfg (hostname, submission sender rule, DMARC
 * rejection). jmap, dir and dns must outlive it. */
struct smtp_deliver *smtp_deliver_new(struct jmap_server *jmap, struct directory *dir,
				      struct dns *dns, const struct config *cfg);
void smtp_deliver_free(struct smtp_deliver **d);

/* MAIL FROM: on a submission listener (or with a user) the user must
 * own the address (its addresses and aliases) unless
 * smtp.submission.check-sender is false: else 550 5.7.1. Returns true
 * when the reply is a 250. Blocks only when env->user is set (the
 * sender check); without a user it answers at once. */
bool smtp_deliver_mail(struct smtp_deliver *d, const struct smtp_envelope *env,
		       struct smtp_reply *reply_r);

/* RCPT TO for address: a local address fills rcpt->account_ids (250
 * 2.1.5); unknown local user 550 5.1.1; a remote domain needs an
 * authenticated user (rcpt->remote, 250) and is refused otherwise
 * (554 5.7.1, never an open relay); an account over quota 452 4.2.2
 * (or 552 5.2.2 when the declared SIZE alone exceeds it); store
 * trouble 451 4.3.0. Returns true when the reply is a 250. */
bool smtp_deliver_rcpt(struct smtp_deliver *d, const struct smtp_envelope *env,
		       struct smtp_rcpt *rcpt, struct smtp_reply *reply_r);

/* The message of the transaction is complete: msg is its bytes
 * (dot-unstuffed or BDAT chunks joined; CRLF line ends). Local
 * recipients: inbound checks (SPF, DKIM, DMARC, only for mail from
 * unauthenticated clients) with rejection on DMARC p=reject when
 * smtp.inbound.dmarc-reject is true (550 5.7.1), then Return-Path,
 * Delivered-To, Received and Authentication-Results are prepended and
 * the message imported into each account's Inbox. Remote recipients
 * (authenticated users only): one EmailSubmission/set through the
 * outbound queue. 250 only once every copy is durable; a temporary
 * failure for all 451/452, a permanent one 55x. */
void smtp_deliver_message(struct smtp_deliver *d, const struct smtp_envelope *env,
			  const char *msg, size_t len, struct smtp_reply *reply_r);

/* For the outbound queue: delivers msg to one local address (resolved
 * as for RCPT) with Return-Path mail_from and Delivered-To. Returns the
 * reply a remote server would have given (250, 4xx, 5xx). */
void smtp_deliver_local(struct smtp_deliver *d, const char *mail_from, const char *address,
			const char *msg, size_t len, struct smtp_reply *reply_r);

#endif
