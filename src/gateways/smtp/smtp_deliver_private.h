#ifndef TERN_SMTP_DELIVER_PRIVATE_H
#define TERN_SMTP_DELIVER_PRIVATE_H

#include <pthread.h>

#include <json-c/json.h>

#include "core/strbuf.h"
#include "gateways/smtp/smtp_deliver.h"

/* Inside smtp_deliver*.c only: the context, the JMAP calls, the trace
 * header fields, local delivery and submission. */

/* Inbox ids remembered per account; past this the cache starts over. */
#define DELIVER_INBOX_CACHE_MAX 4096

struct deliver_inbox {
	uint32_t account_id;
	char mailbox_id[32];
};

struct smtp_deliver {
	struct jmap_server *jmap;
	struct directory *dir;
	struct dns *dns;
	char *hostname;
	bool check_sender;
	bool inbound_checks;
	bool dmarc_reject;
	pthread_mutex_t lock;	/* guards the inbox cache */
	struct deliver_inbox *inboxes;	/* sorted by account_id */
	size_t inbox_count;
};

/* A piece of a message to upload: the prepended header fields, then
 * the spans of the received message that are kept. */
struct deliver_span {
	const char *data;
	size_t len;
};

/* ---- replies (smtp_deliver.c) ---- */

void deliver_reply(struct smtp_reply *reply, int code, const char *enhanced, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
bool deliver_reply_ok(const struct smtp_reply *reply);

/* ---- JMAP calls (smtp_deliver_jmap.c) ---- */

/* The identity mail is delivered as: the account's own, not an admin's. */
void deliver_identity(uint32_t account_id, const char *name, struct directory_identity *id_r);
/* Runs method with args (taken) in user's account. Returns the method's
 * arguments (new reference), or NULL with *error_type_r (a method error
 * type, caller frees). */
json_object *deliver_jmap_call(struct smtp_deliver *d, const struct directory_identity *user,
			       const char *method, json_object *args, char **error_type_r);
/* The SetError type of id in a /set or /import response under verb
 * ("created", "destroyed"); NULL when id succeeded. Borrowed. */
const char *deliver_set_error(json_object *resp, const char *verb, const char *id);
/* Uploads the spans into user's account as one blob. Returns its id
 * (caller frees), or NULL with the HTTP-like status in *status_r. */
char *deliver_upload(struct smtp_deliver *d, const struct directory_identity *user,
		     const struct deliver_span *spans, size_t count, int *status_r);
/* The account's quota: 1 with *used_r and *limit_r, 0 when it has
 * none, -1 on failure. */
int deliver_quota(struct smtp_deliver *d, const struct directory_identity *user,
		  uint64_t *used_r, uint64_t *limit_r);
/* The id of the account's mailbox with role (caller frees): 1, 0 when
 * there is none, -1 on failure. */
int deliver_mailbox_role(struct smtp_deliver *d, const struct directory_identity *user,
			 const char *role, char **id_r);

/* ---- Inbox ids (smtp_deliver_inbox.c) ---- */

/* The id of user's Inbox (caller frees): 1, 0 when the account has
 * none even after provisioning, -1 on failure. */
int deliver_inbox(struct smtp_deliver *d, const struct directory_identity *user, char **id_r);
/* Drops a remembered id that turned out stale. */
void deliver_inbox_forget(struct smtp_deliver *d, uint32_t account_id);

/* ---- trace fields (smtp_deliver_trace.c) ---- */

/* Appends "Received: from ... by ... with ... id ...; date". rcpt may
 * be NULL (no "for" clause). */
void deliver_trace_received(const struct smtp_deliver *d, const struct smtp_envelope *env,
			    const char *rcpt, time_t now, struct strbuf *out);
/* Appends Return-Path and Delivered-To. */
void deliver_trace_delivery(const char *mail_from, const char *rcpt, struct strbuf *out);
/* Splits msg into the spans to keep: all of it but the
 * Authentication-Results fields claiming authserv_id (RFC 8601 §5).
 * Returns the number of spans in *spans_r (caller frees; they point
 * into msg). */
size_t deliver_trace_keep(const char *msg, size_t len, const char *authserv_id,
			  struct deliver_span **spans_r);

/* ---- local delivery (smtp_deliver_local.c) ---- */

/* Imports header + msg (Authentication-Results fields of ours dropped)
 * into account_id's Inbox, delivered for rcpt (the Delivered-To and log
 * name). Fills reply: 250, 452 4.2.2/552 5.2.2 over quota, 552 5.3.4,
 * 451 4.3.0. */
void deliver_local_import(struct smtp_deliver *d, uint32_t account_id, const char *rcpt,
			  const char *header, size_t header_len, const char *msg, size_t len,
			  struct smtp_reply *reply_r);
/* The reply for a SetError type of Email/import into user's account
 * of a message of len bytes. */
void deliver_import_refused(struct smtp_deliver *d, const struct directory_identity *user,
			    const char *type, size_t len, struct smtp_reply *reply_r);
/* The inbound message to every local account of env. */
void deliver_local_message(struct smtp_deliver *d, const struct smtp_envelope *env,
			   const char *msg, size_t len, struct smtp_reply *reply_r);

/* ---- submission (smtp_deliver_submit.c) ---- */

/* env->user owns the address (one of its identities): 1, 0, -1. */
int deliver_submit_owns(struct smtp_deliver *d, const struct directory_identity *user,
			const char *address);
/* The message to every recipient through EmailSubmission/set. */
void deliver_submit_message(struct smtp_deliver *d, const struct smtp_envelope *env,
			    const char *msg, size_t len, struct smtp_reply *reply_r);

/* ---- envelope parameters (smtp_deliver_params.c) ---- */

/* The JMAP Envelope {mailFrom, rcptTo} of env, with its DSN and other
 * ESMTP parameters (new reference). */
json_object *deliver_params_envelope(const struct smtp_envelope *env);

#endif
