#ifndef TERN_JMAP_EMAIL_SUBMISSION_H
#define TERN_JMAP_EMAIL_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "jmap/objects.h"

/* What the EmailSubmission files share. email_submission.c holds the
 * type, /get and /query; email_submission_set.c the /set hooks and the
 * set method (outbound queue, onSuccess* implicit Email/set);
 * email_submission_envelope.c the envelope and its checks. */

/* What a recipient's deliveryStatus says until a sender tried it. */
#define SUBMISSION_QUEUED_REPLY "250 2.1.5 Queued"

/* The submission as JMAP shows it (new reference). */
json_object *submission_to_json(const struct store_submission *s);

/* The type the set method runs on: the same properties and /get as
 * jmap_email_submission_type, with the /set hooks. */
extern const struct jmap_type jmap_email_submission_set_type;

int jmap_submission_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			   json_object **created_r, json_object **error_r);
int jmap_submission_update(struct jmap_call *call, const char *id, json_object *patch,
			   json_object **updated_r, json_object **error_r);
int jmap_submission_destroy(struct jmap_call *call, const char *id, json_object **error_r);
/* EmailSubmission/set: the standard /set, then onSuccessUpdateEmail and
 * onSuccessDestroyEmail as one implicit Email/set, then the queue. */
int jmap_submission_set(struct jmap_call *call);

/* ---- envelopes (email_submission_envelope.c) ---- */

/* What the checks need of the email to send and of the sender. */
struct submission_check {
	const struct store_principal *principal;	/* the account's owner */
	const char *identity_email;
	json_object *model;	/* the email's cached model (borrowed) */
	uint64_t size;
	const struct jmap_limits *limits;	/* the submission bounds and rules */
};

/* The envelope to store: the given one (validated) or, when given is
 * NULL, the one derived from the email (RFC 8621 §7). Then every check
 * of §7 against the account: From header and mailFrom addresses,
 * recipients and size. Returns the normalized envelope (new reference),
 * or NULL with a SetError in *error_r. */
json_object *submission_envelope(const struct submission_check *check, json_object *given,
				 json_object **error_r);

/* The initial deliveryStatus of an envelope: every recipient queued. */
json_object *submission_delivery_queued(json_object *envelope);

#endif
