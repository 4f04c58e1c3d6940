/* Email/imapView (urn:tern:imap): one mailbox as IMAP sees it, its
 * messages in UID order with their modseqs and keywords, or what
 * changed since a modseq and the UIDs that vanished (CONDSTORE,
 * QRESYNC, and every NOOP and IDLE wake-up of the gateway). */
#include <stdlib.h>

#include "jmap/imap_vendor.h"
#include "jmap/mailbox.h"
#include "jmap/std_private.h"
#include "store/store_imap.h"

static const char *const imap_view_known_args[] = {
	"accountId", "mailboxId", "sinceModSeq", "withKeywords", NULL,
};

struct imap_view_args {
	uint64_t mailbox_id;
	uint64_t since;
	bool with_keywords;
};

/* invalidArguments naming the argument, as RFC 8620 §3.6.2 allows. */
static int imap_view_bad_mailbox(struct jmap_call *call)
{
	json_object *arguments = json_object_new_array();

	jmap_call_error(call, "invalidArguments", "No such mailbox");
	json_object_array_add(arguments, json_object_new_string("mailboxId"));
	json_object_object_add(call->error, "arguments", arguments);
	return -1;
}

static int imap_view_args_parse(struct jmap_call *call, struct imap_view_args *a)
{
	json_object *value;
	const char *id = NULL;
	int64_t since;

	if (jmap_args_check(call, imap_view_known_args, NULL) < 0 ||
	    jmap_arg_get(call, "mailboxId", json_type_string, &value) < 0 ||
	    jmap_arg_int(call, "sinceModSeq", 0, &since) < 0 ||
	    jmap_arg_bool(call, "withKeywords", true, &a->with_keywords) < 0)
		return -1;
	if (since < 0)
		return jmap_call_error(call, "invalidArguments", "sinceModSeq must be an UnsignedInt");
	a->since = (uint64_t)since;
	if (value != NULL)
		id = jmap_id_resolve(call, json_object_get_string(value));
	if (id == NULL || jmap_id_parse(MAILBOX_ID_PREFIX, id, &a->mailbox_id) < 0)
		return imap_view_bad_mailbox(call);
	return 0;
}

static json_object *imap_view_keywords(const struct store_imap_message *m)
{
	json_object *keywords = json_object_new_array_ext((int)m->keyword_count);

	for (size_t i = 0; i < m->keyword_count; i++)
		json_object_array_add(keywords, json_object_new_string(m->keywords[i]));
	return keywords;
}

struct imap_view_walk {
	json_object *messages;
	bool with_keywords;
};

/* [uid, emailId, modSeq, keywords] */
static void imap_view_message(const struct store_imap_message *m, void *context)
{
	struct imap_view_walk *w = context;
	json_object *row = json_object_new_array_ext(w->with_keywords ? 4 : 3);
	char id[24];

	jmap_id_format(EMAIL_ID_PREFIX, m->email_id, id);
	json_object_array_add(row, json_object_new_int64(m->uid));
	json_object_array_add(row, json_object_new_string(id));
	json_object_array_add(row, json_object_new_int64((int64_t)m->modseq));
	if (w->with_keywords)
		json_object_array_add(row, imap_view_keywords(m));
	json_object_array_add(w->messages, row);
}

static json_object *imap_view_uids(const uint32_t *uids, size_t count)
{
	json_object *list = json_object_new_array_ext((int)count);

	for (size_t i = 0; i < count; i++)
		json_object_array_add(list, json_object_new_int64(uids[i]));
	return list;
}

/* messages, and vanished when the view is of changes. */
static int imap_view_lists(struct jmap_call *call, const struct imap_view_args *a,
			   json_object *resp)
{
	struct imap_view_walk w = {
		.messages = json_object_new_array(), .with_keywords = a->with_keywords,
	};
	const char *error;
	uint32_t *uids;
	size_t count;

	json_object_object_add(resp, "messages", w.messages);
	if (store_imap_messages(call->acct, a->mailbox_id, a->since, a->with_keywords,
				imap_view_message, &w, &error) < 0)
		return jmap_call_error(call, "serverFail", "imap view: %s", error);
	if (a->since == 0)
		return 0;
	if (store_imap_vanished(call->acct, a->mailbox_id, a->since, &uids, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "imap vanished: %s", error);
	json_object_object_add(resp, "vanished", imap_view_uids(uids, count));
	free(uids);
	return 0;
}

static json_object *imap_view_response(const struct jmap_call *call,
				       const struct store_mailbox *mb,
				       const struct store_imap_mailbox *imb)
{
	json_object *resp = jmap_std_response(call);
	char id[24];

	jmap_id_format(MAILBOX_ID_PREFIX, mb->id, id);
	json_object_object_add(resp, "mailboxId", json_object_new_string(id));
	json_object_object_add(resp, "uidValidity", json_object_new_int64(mb->uid_validity));
	json_object_object_add(resp, "uidNext", json_object_new_int64(mb->uid_next));
	json_object_object_add(resp, "highestModSeq",
			       json_object_new_int64((int64_t)imb->highest_modseq));
	json_object_object_add(resp, "total", json_object_new_int64(mb->total_emails));
	return resp;
}

static int imap_view_run(struct jmap_call *call, const struct imap_view_args *a,
			 const struct store_mailbox *mb)
{
	struct store_imap_mailbox imb;
	const char *error = "no such mailbox";
	json_object *resp;

	if (store_imap_mailbox_get(call->acct, a->mailbox_id, 0, &imb, &error) <= 0)
		return jmap_call_error(call, "serverFail", "imap mailbox: %s", error);
	if (a->since > 0 && a->since < imb.expunge_floor)
		return jmap_call_error(call, "cannotCalculateChanges",
				       "Removals before modseq %llu have expired",
				       (unsigned long long)imb.expunge_floor);
	resp = imap_view_response(call, mb, &imb);
	if (imap_view_lists(call, a, resp) < 0) {
		json_object_put(resp);
		return -1;
	}
	call->response = resp;
	return 0;
}

int jmap_email_imap_view(struct jmap_call *call)
{
	struct imap_view_args a;
	struct store_mailbox mb;
	int ret;

	if (imap_view_args_parse(call, &a) < 0)
		return -1;
	ret = store_mailbox_get(call->acct, a.mailbox_id, &mb);
	if (ret < 0)
		return jmap_call_error(call, "serverFail", "mailbox m%llu: cannot read",
				       (unsigned long long)a.mailbox_id);
	if (ret == 0)
		return imap_view_bad_mailbox(call);
	ret = imap_view_run(call, &a, &mb);
	store_mailbox_clear(&mb);
	return ret;
}
