/* Submission: mail from an authenticated user goes through
 * EmailSubmission/set into the outbound queue, local recipients
 * included (the queue delivers those with smtp_deliver_local). The
 * submission needs an email: the message is imported into the user's
 * Drafts ($draft, $seen) and destroyed by onSuccessDestroyEmail once
 * queued; SMTP submission keeps no copy in Sent, the client does. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_deliver_private.h"

static void submit_temp_failure(struct smtp_reply *reply_r)
{
	deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
}

/* Identity/get: the list of the user's identities (new reference). */
static json_object *submit_identities(struct smtp_deliver *d,
				      const struct directory_identity *user)
{
	char *error_type = NULL;
	json_object *resp = deliver_jmap_call(d, user, "Identity/get", json_object_new_object(),
					      &error_type);
	json_object *list = json_object_object_get(resp, "list");

	list = json_object_is_type(list, json_type_array) ? json_object_get(list) : NULL;
	free(error_type);
	json_object_put(resp);
	return list;
}

/* The identity whose email is address, else the first; borrowed. */
static json_object *submit_identity_find(json_object *list, const char *address)
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++) {
		json_object *identity = json_object_array_get_idx(list, i);
		const char *email = json_object_get_string(json_object_object_get(identity, "email"));

		if (email != NULL && strcasecmp(email, address) == 0)
			return identity;
	}
	return NULL;
}

int deliver_submit_owns(struct smtp_deliver *d, const struct directory_identity *user,
			const char *address)
{
	json_object *list = submit_identities(d, user);
	int ret = list == NULL ? -1 : submit_identity_find(list, address) != NULL ? 1 : 0;

	json_object_put(list);
	return ret;
}

/* The identity to send as (caller frees), or NULL. */
static char *submit_identity_id(struct smtp_deliver *d, const struct directory_identity *user,
				const char *mail_from)
{
	json_object *list = submit_identities(d, user), *identity;
	char *id = NULL;

	if (list == NULL)
		return NULL;
	identity = submit_identity_find(list, mail_from);
	if (identity == NULL && json_object_array_length(list) > 0)
		identity = json_object_array_get_idx(list, 0);
	if (identity != NULL)
		id = xstrdup(json_object_get_string(json_object_object_get(identity, "id")));
	json_object_put(list);
	return id;
}

/* ---- the copy in Drafts ---- */

static json_object *submit_import_args(const char *blob_id, const char *mailbox_id)
{
	json_object *args = json_object_new_object(), *emails = json_object_new_object();
	json_object *item = json_object_new_object(), *mailboxes = json_object_new_object();
	json_object *keywords = json_object_new_object();

	json_object_object_add(item, "blobId", json_object_new_string(blob_id));
	json_object_object_add(mailboxes, mailbox_id, json_object_new_boolean(true));
	json_object_object_add(item, "mailboxIds", mailboxes);
	json_object_object_add(keywords, "$draft", json_object_new_boolean(true));
	json_object_object_add(keywords, "$seen", json_object_new_boolean(true));
	json_object_object_add(item, "keywords", keywords);
	json_object_object_add(emails, "m", item);
	json_object_object_add(args, "emails", emails);
	return args;
}

/* Email/import into Drafts (the Inbox when the user deleted Drafts):
 * the email id (caller frees), or NULL with the reply set. */
static char *submit_import(struct smtp_deliver *d, const struct directory_identity *user,
			   const char *blob_id, size_t len, struct smtp_reply *reply_r)
{
	char *mailbox_id = NULL, *error_type = NULL, *email_id = NULL;
	json_object *resp;
	const char *type;
	int ret = deliver_mailbox_role(d, user, "drafts", &mailbox_id);

	/* a user who deleted Drafts still sends: the copy lives for a moment */
	if (ret == 0)
		ret = deliver_inbox(d, user, &mailbox_id);
	if (ret <= 0) {
		submit_temp_failure(reply_r);
		return NULL;
	}
	resp = deliver_jmap_call(d, user, "Email/import", submit_import_args(blob_id, mailbox_id),
				 &error_type);
	type = resp != NULL ? deliver_set_error(resp, "created", "m") : error_type;
	if (type == NULL)
		email_id = xstrdup(json_object_get_string(
			json_object_object_get(json_object_object_get(
				json_object_object_get(resp, "created"), "m"), "id")));
	else
		deliver_import_refused(d, user, type, len, reply_r);
	json_object_put(resp);
	free(error_type);
	free(mailbox_id);
	return email_id;
}

/* Removes the copy in Drafts when no submission took it. */
static void submit_discard(struct smtp_deliver *d, const struct directory_identity *user,
			   const char *email_id)
{
	json_object *args = json_object_new_object(), *ids = json_object_new_array(), *resp;
	char *error_type = NULL;

	json_object_array_add(ids, json_object_new_string(email_id));
	json_object_object_add(args, "destroy", ids);
	resp = deliver_jmap_call(d, user, "Email/set", args, &error_type);
	if (resp == NULL || deliver_set_error(resp, "destroyed", email_id) != NULL)
		log_warn("smtp.submit_discard", "account=%u email=%s", user->account_id,
			 log_q(email_id));
	json_object_put(resp);
	free(error_type);
}

/* ---- EmailSubmission/set ---- */

static const struct {
	const char *type;
	int code;
	const char *enhanced;
	const char *text;
} submit_errors[] = {
	{ "forbiddenFrom", 550, "5.7.1", "From address not owned by the authenticated user" },
	{ "forbiddenMailFrom", 550, "5.7.1", "Sender address not owned by the authenticated user" },
	{ "forbiddenToSend", 550, "5.7.1", "Not allowed to send mail" },
	{ "tooLarge", 552, "5.3.4", "Message too large" },
	{ "tooManyRecipients", 452, "4.5.3", "Too many recipients" },
	{ "noRecipients", 554, "5.5.1", "No valid recipients" },
	{ "invalidRecipients", 553, "5.1.3", "Invalid recipient address" },
	{ "invalidEmail", 554, "5.6.0", "Message not accepted" },
	{ "overQuota", 552, "5.2.2", "Sending quota exceeded" },
};

static void submit_refused(const char *type, struct smtp_reply *reply_r)
{
	for (size_t i = 0; i < sizeof(submit_errors) / sizeof(submit_errors[0]); i++) {
		if (strcmp(type, submit_errors[i].type) == 0) {
			deliver_reply(reply_r, submit_errors[i].code, submit_errors[i].enhanced, "%s",
				      submit_errors[i].text);
			return;
		}
	}
	submit_temp_failure(reply_r);
}

static json_object *submit_set_args(const struct smtp_envelope *env, const char *identity_id,
				    const char *email_id)
{
	json_object *args = json_object_new_object(), *create = json_object_new_object();
	json_object *sub = json_object_new_object(), *destroy = json_object_new_array();

	json_object_object_add(sub, "identityId", json_object_new_string(identity_id));
	json_object_object_add(sub, "emailId", json_object_new_string(email_id));
	json_object_object_add(sub, "envelope", deliver_params_envelope(env));
	json_object_object_add(create, "s", sub);
	json_object_object_add(args, "create", create);
	json_object_array_add(destroy, json_object_new_string("#s"));
	json_object_object_add(args, "onSuccessDestroyEmail", destroy);
	return args;
}

/* EmailSubmission/set: true when queued (reply 250 with its id). */
static bool submit_queue(struct smtp_deliver *d, const struct smtp_envelope *env,
			 const char *email_id, struct smtp_reply *reply_r)
{
	char *identity_id = submit_identity_id(d, env->user, env->mail_from), *error_type = NULL;
	json_object *resp;
	const char *type, *id;

	if (identity_id == NULL) {
		deliver_reply(reply_r, 550, "5.7.1", "The account has no identity to send as");
		return false;
	}
	resp = deliver_jmap_call(d, env->user, "EmailSubmission/set",
				 submit_set_args(env, identity_id, email_id), &error_type);
	type = resp != NULL ? deliver_set_error(resp, "created", "s") : error_type;
	if (type == NULL) {
		id = json_object_get_string(json_object_object_get(json_object_object_get(
			json_object_object_get(resp, "created"), "s"), "id"));
		deliver_reply(reply_r, 250, "2.0.0", "Queued as %s", id != NULL ? id : "-");
	} else {
		log_info("smtp.submit_refused", "session=%s user=%s error=%s",
			 log_q(env->session_id), log_q(env->user->name), log_q(type));
		submit_refused(type, reply_r);
	}
	json_object_put(resp);
	free(error_type);
	free(identity_id);
	return deliver_reply_ok(reply_r);
}

void deliver_submit_message(struct smtp_deliver *d, const struct smtp_envelope *env,
			    const char *msg, size_t len, struct smtp_reply *reply_r)
{
	struct strbuf received = { 0 };
	struct deliver_span spans[2];
	char *blob_id, *email_id = NULL;
	int status = 0;

	deliver_trace_received(d, env, env->rcpt_count == 1 ? env->rcpts[0].address : NULL,
			       time(NULL), &received);
	spans[0] = (struct deliver_span){ received.s, received.len };
	spans[1] = (struct deliver_span){ msg, len };
	blob_id = deliver_upload(d, env->user, spans, 2, &status);
	if (blob_id == NULL) {
		if (status == 413)
			deliver_reply(reply_r, 552, "5.3.4", "Message too large");
		else
			submit_temp_failure(reply_r);
	} else if ((email_id = submit_import(d, env->user, blob_id, received.len + len,
					     reply_r)) != NULL &&
		   !submit_queue(d, env, email_id, reply_r)) {
		submit_discard(d, env->user, email_id);
	}
	log_info("smtp.submitted", "session=%s user=%s from=%s rcpts=%zu size=%zu reply=%d",
		 log_q(env->session_id), log_q(env->user->name), log_q(env->mail_from),
		 env->rcpt_count, len, reply_r->code);
	free(email_id);
	free(blob_id);
	strbuf_free(&received);
}
