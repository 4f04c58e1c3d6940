#ifndef TERN_SMTP_OUTBOUND_PRIVATE_H
#define TERN_SMTP_OUTBOUND_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "gateways/smtp/smtp_deliver.h"
#include "gateways/smtp/smtp_outbound.h"
#include "jmap/outbound.h"

/* What the outbound queue's sender files share: the settings, the
 * senders' state, and one attempt on one queue entry. */

struct bus_subscription;

struct smtp_outbound_settings {
	char *hostname;			/* server.hostname: EHLO, Reporting-MTA */
	char *next_hop;			/* host of queue.outbound.next-hop, or NULL */
	int next_hop_port;
	char *auth_user, *auth_secret;	/* NULL unless the next hop wants AUTH */
	int port;			/* of remote MX hosts */
	bool require_tls;
	unsigned threads;
	int timeout;			/* seconds per reply */
	int64_t *retry;			/* delays (seconds) before each retry */
	size_t retry_count;
	int64_t retry_every;
	int64_t expire;
};

struct smtp_outbound {
	struct jmap_server *jmap;
	struct directory *dir;
	struct dns *dns;
	struct smtp_deliver *deliver;
	struct smtp_outbound_settings set;
	SSL_CTX *tls;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* the senders wait here */
	uint64_t wakes;			/* bumped by every wake-up */
	bool stopping;
	pthread_t *threads;
	size_t thread_count;
	struct bus_subscription *sub;
};

/* Reads queue.outbound.* and server.hostname into set. */
int smtp_outbound_settings_read(const struct config *cfg, struct smtp_outbound_settings *set,
				const char **error_r);
void smtp_outbound_settings_clear(struct smtp_outbound_settings *set);

/* Whether the senders are asked to stop. */
bool smtp_outbound_stopping(struct smtp_outbound *ob);

/* One attempt on a claimed entry, to its end: every queued recipient
 * tried, outcomes recorded, DSN sent, the entry finished. */
void smtp_outbound_attempt(struct smtp_outbound *ob, struct jmap_outbound_msg *msg);

/* The state of one attempt (smtp_outbound_attempt.c). */
struct smtp_attempt {
	struct smtp_outbound *ob;
	struct jmap_outbound_msg *msg;
	time_t now;
	char *data;			/* the message, CRLF line ends */
	size_t len;
	char *signed_data;		/* DKIM-signed, made for the first remote domain */
	size_t signed_len;
	bool signed_done;
	bool *failed_now;		/* per recipient: failed in this attempt */
	char **remote_mta;		/* per recipient: the server that answered, or NULL */
};

/* Sets recipient i's outcome from reply: 2xx yes, 4xx queued, 5xx no
 * (failed_now). remote_mta names the server (NULL for local). */
void smtp_attempt_outcome(struct smtp_attempt *a, size_t i, const struct smtp_reply *reply,
			  const char *remote_mta);
/* The message to send to other servers: DKIM-signed when the sender's
 * domain is local, else as submitted. */
const char *smtp_attempt_message(struct smtp_attempt *a, size_t *len_r);

/* One server to try (smtp_outbound_remote.c picks them). */
struct smtp_target {
	const char *host;	/* its name: SNI, certificate check, Remote-MTA */
	const char *ip;
	int port;
	bool relay;		/* queue.outbound.next-hop: AUTH when configured */
};

enum smtp_session_result {
	SMTP_SESSION_DONE = 0,	/* every recipient has its outcome from this server */
	SMTP_SESSION_NEXT,	/* the server could not be used: try another */
	SMTP_SESSION_PLAIN,	/* its TLS handshake failed: again without STARTTLS */
};

/* One SMTP session with t for the recipients idx[0..n)
 * (smtp_client_session.c); starttls false skips STARTTLS. On
 * SMTP_SESSION_NEXT, *why_r is the reply to record should no other
 * server do better. */
enum smtp_session_result smtp_client_deliver(struct smtp_attempt *a, const struct smtp_target *t,
					     const size_t *idx, size_t n, bool starttls,
					     struct smtp_reply *why_r);

/* Sends to the recipients idx[0..n) of domain (smtp_outbound_remote.c):
 * every one gets an outcome, temporary when no server could be
 * reached. */
void smtp_outbound_remote(struct smtp_attempt *a, const char *domain, const size_t *idx,
			  size_t n);

/* When the attempt after attempt number `attempts` (1 for the first)
 * is due, for an entry created at created: never past its expiry. */
time_t smtp_outbound_next_attempt(const struct smtp_outbound_settings *set, uint32_t attempts,
				  time_t created, time_t now);
/* Whether an entry created at created has expired by now. */
bool smtp_outbound_expired(const struct smtp_outbound_settings *set, time_t created, time_t now);

/* The DSN (RFC 3464) of the recipients that failed in this attempt
 * (smtp_dsn.c), from MAILER-DAEMON@hostname to the envelope sender;
 * NULL when there is none to send (null sender, NOTIFY without
 * FAILURE). Caller frees. */
char *smtp_dsn_build(const struct smtp_attempt *a, size_t *len_r);

/* DKIM-Signature fields for msg from every key of the signing domain:
 * the From header's domain if it is local, else the envelope sender's
 * (smtp_outbound_sign.c). NULL when neither is local. Caller frees. */
char *smtp_outbound_sign(struct directory *dir, const char *mail_from, const char *msg,
			 size_t len, time_t now);

#endif
