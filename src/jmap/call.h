#ifndef TERN_JMAP_CALL_H
#define TERN_JMAP_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jmap/jmap.h"
#include "store/store.h"

/* Inside the JMAP core: the server, one request, one method call, and
 * the method table. Not for faces (they use jmap.h). */

#define JMAP_CAP_CORE "urn:ietf:params:jmap:core"
#define JMAP_CAP_MAIL "urn:ietf:params:jmap:mail"
#define JMAP_CAP_TERN_IMAP "urn:tern:imap"
/* In-process mail methods for the gateways' local delivery. */
#define JMAP_CAP_TERN_MAIL "urn:tern:mail"

struct jmap_limits {
	int64_t max_size_upload;
	int64_t max_concurrent_upload;
	int64_t max_size_request;
	int64_t max_concurrent_requests;
	int64_t max_calls_in_request;
	int64_t max_objects_in_get;
	int64_t max_objects_in_set;
	int64_t upload_ttl;		/* seconds an unreferenced upload lives */
	int64_t changes_ttl;		/* seconds a change record (tombstone) lives */
	int64_t max_mailbox_depth;
	int64_t max_mailbox_name;	/* bytes of a Mailbox name */
	/* EmailSubmission, the one way into the outbound queue, with the
	 * SMTP face's bounds: smtp.max-recipients, smtp.max-message-size;
	 * and smtp.submission.check-sender (false lets a user send as any
	 * address, From header and envelope sender alike) */
	int64_t submission_max_recipients;
	int64_t submission_max_size;
	bool submission_check_sender;
};

struct jmap_server {
	struct store *store;
	struct directory *dir;
	struct jmap_limits limits;
	char *hostname;			/* server.hostname: Message-ID domain */
	/* in-flight counters for maxConcurrentRequests / maxConcurrentUpload:
	 * server totals, changed under inflight's lock; the limits apply per
	 * principal, through inflight (jmap/inflight.h) */
	int requests_in_flight;
	int uploads_in_flight;
	struct jmap_inflight *inflight;
};

/* One API request (or one jmap_invoke()). */
struct jmap_request {
	struct jmap_server *srv;
	const struct directory_identity *user;
	json_object *using;		/* array of capability URIs; borrowed */
	bool in_process;		/* jmap_invoke(): every capability */
	json_object *created_ids;	/* creation id -> id, shared by all calls */
	json_object *method_responses;	/* the responses so far */
};

/* One method call. The dispatcher parses accountId, opens the account,
 * runs the method's prepare hook if it has one, then runs the handler
 * inside a transaction (a write one for methods flagged
 * JMAP_METHOD_WRITE); it commits only if the handler succeeded, then
 * publishes changed_types on the event bus. */
struct jmap_call {
	struct jmap_request *req;
	const char *method;		/* "Mailbox/get" */
	const char *call_id;
	json_object *args;		/* arguments, result references resolved */
	const struct jmap_method *def;
	uint32_t account_id;		/* 0 if the method takes none */
	struct store_account *acct;	/* open account, or NULL */
	/* Set by the handler: the response arguments (owned by the call),
	 * or an error through jmap_call_error(). */
	json_object *response;
	json_object *error;
	/* Responses to append after this one (e.g. an implicit /set after
	 * /copy): array of [name, args] pairs; owned by the call. */
	json_object *extra_responses;
	uint64_t changed_types;		/* bit (1 << store_type) */
	/* What the prepare hook left for the handler, freed with
	 * prepared_free when the call ends (both NULL if none). */
	void *prepared;
	void (*prepared_free)(void *prepared);
};

typedef int jmap_method_fn(struct jmap_call *call);

/* A write method's optional prepare hook: work that does not depend on
 * the account's current state (reading blobs, parsing messages), done
 * before the write transaction so that requests of one account do not
 * queue behind it. It runs with call->acct open and no transaction: its
 * reads see committed data, which may change before the handler runs.
 * It reports nothing and never writes to the account (temporary blob
 * files it stages are placed by the handler or removed by
 * prepared_free): it only leaves results in call->prepared, and the
 * handler must check that they still hold and redo whatever is missing,
 * so that a call answers the same with or without them. */
typedef void jmap_prepare_fn(struct jmap_call *call);

enum jmap_method_flags {
	JMAP_METHOD_ACCOUNT = 1 << 0,	/* takes "accountId" */
	JMAP_METHOD_WRITE = 1 << 1,	/* changes data: write transaction */
};

struct jmap_type;

struct jmap_method {
	const char *name;
	const char *capability;
	jmap_method_fn *fn;
	const struct jmap_type *type;	/* for the standard methods */
	unsigned flags;
	jmap_prepare_fn *prepare;	/* or NULL */
};

/* Looks a method up in the table built from every type. NULL if none. */
const struct jmap_method *jmap_method_find(const char *name);
/* Adds a type's standard methods next to those of jmap_types (for
 * tests). Call before the first jmap_method_find(); aborts after it. */
void jmap_methods_register_type(const struct jmap_type *type);

/* The session state string (RFC 8620 §2) of user's session: it changes
 * whenever the session resource would (limits, accounts, username). */
#define JMAP_SESSION_STATE_LEN 16
void jmap_session_state(const struct jmap_server *srv, const struct directory_identity *user,
			char out[JMAP_SESSION_STATE_LEN + 1]);

/* Runs one call: checks its capability against req->using, resolves
 * nothing (the envelope did), opens the account, runs the handler in a
 * transaction. Appends the response(s) to req->method_responses. */
void jmap_call_run(struct jmap_request *req, const char *method, json_object *args,
		   const char *call_id);

/* Sets a method-level error (RFC 8620 §3.6.2): type like
 * "invalidArguments"; description may be NULL. A serverFail's
 * description goes to the log and the client gets a generic one.
 * Returns -1 so that a handler can `return jmap_call_error(...)`. */
int jmap_call_error(struct jmap_call *call, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A SetError object {"type":..., "description":...} (new reference);
 * properties (NULL-terminated, may be NULL) adds "properties". */
json_object *jmap_set_error(const char *type, const char *description,
			    const char *const *properties);
/* An invalidProperties SetError naming one property (new reference). */
json_object *jmap_prop_error(const char *prop, const char *description);

/* Records creation_id -> id for the rest of the request. */
void jmap_created_id_add(struct jmap_call *call, const char *creation_id, const char *id);
/* Resolves "#creation-id" through the request's created ids; other
 * strings come back as they are. NULL if a reference is unknown. */
const char *jmap_id_resolve(struct jmap_call *call, const char *id);

/* Object ids: a type letter and a decimal number ("m12"). */
void jmap_id_format(char prefix, uint64_t n, char out[24]);
/* Returns 0 and *n_r if s is prefix + a decimal number > 0, else -1. */
int jmap_id_parse(char prefix, const char *s, uint64_t *n_r);
/* RFC 8620 §1.2: 1-255 chars of [A-Za-z0-9_-]. */
bool jmap_id_valid(const char *s);

/* Whether the request declared capability (always true in-process). */
bool jmap_request_uses(const struct jmap_request *req, const char *capability);

#endif
