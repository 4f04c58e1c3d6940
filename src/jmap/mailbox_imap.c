/* The urn:tern:imap properties of Mailbox: UIDVALIDITY, UIDNEXT,
 * HIGHESTMODSEQ, STATUS SIZE and UNSEEN. */
#include <string.h>

#include "jmap/imap_vendor.h"
#include "jmap/mailbox.h"
#include "store/store_imap.h"

#define MAILBOX_IMAP_FLAGS (JMAP_PROP_SERVER_SET | JMAP_PROP_NOT_DEFAULT)

static const struct jmap_prop mailbox_imap_props[] = {
	{ "imapUidValidity", JMAP_KIND_UINT, MAILBOX_IMAP_FLAGS },
	{ "imapUidNext", JMAP_KIND_UINT, MAILBOX_IMAP_FLAGS },
	{ "imapHighestModSeq", JMAP_KIND_UINT, MAILBOX_IMAP_FLAGS },
	{ "imapSize", JMAP_KIND_UINT, MAILBOX_IMAP_FLAGS },
	{ "imapUnseen", JMAP_KIND_UINT, MAILBOX_IMAP_FLAGS },
	{ NULL, 0, 0 },
};

const struct jmap_prop *mailbox_imap_prop_match(const char *name)
{
	for (const struct jmap_prop *p = mailbox_imap_props; p->name != NULL; p++) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

/* What the asked properties need from the store; the first asked one
 * in *asked_r (NULL if none). */
static unsigned mailbox_imap_needs(const struct jmap_get *get, const char **asked_r)
{
	unsigned what = 0;

	*asked_r = NULL;
	for (const struct jmap_prop *p = mailbox_imap_props; p->name != NULL; p++) {
		if (!jmap_get_wants(get, p->name))
			continue;
		if (*asked_r == NULL)
			*asked_r = p->name;
		if (strcmp(p->name, "imapSize") == 0)
			what |= STORE_IMAP_WITH_SIZE;
		else if (strcmp(p->name, "imapUnseen") == 0)
			what |= STORE_IMAP_WITH_UNSEEN;
	}
	return what;
}

static int mailbox_imap_add(struct jmap_call *call, const struct store_mailbox *mb,
			    unsigned what, json_object *obj)
{
	struct store_imap_mailbox imb;
	const char *error = "no such mailbox";

	if (store_imap_mailbox_get(call->acct, mb->id, what, &imb, &error) <= 0)
		return jmap_call_error(call, "serverFail", "mailbox m%llu: %s",
				       (unsigned long long)mb->id, error);
	json_object_object_add(obj, "imapUidValidity", json_object_new_int64(mb->uid_validity));
	json_object_object_add(obj, "imapUidNext", json_object_new_int64(mb->uid_next));
	json_object_object_add(obj, "imapHighestModSeq",
			       json_object_new_int64((int64_t)imb.highest_modseq));
	if ((what & STORE_IMAP_WITH_SIZE) != 0)
		json_object_object_add(obj, "imapSize", json_object_new_int64((int64_t)imb.size));
	if ((what & STORE_IMAP_WITH_UNSEEN) != 0)
		json_object_object_add(obj, "imapUnseen", json_object_new_int64(imb.unseen));
	return 0;
}

int mailbox_imap_fill(struct jmap_call *call, struct jmap_get *get,
		      const struct store_mailbox *list, size_t count)
{
	const char *asked;
	unsigned what = mailbox_imap_needs(get, &asked);
	size_t n = json_object_array_length(get->list);

	if (asked == NULL)
		return 0;
	if (!call->req->in_process)
		return jmap_call_error(call, "invalidArguments", "Unknown property: %s", asked);
	for (size_t i = 0; i < n; i++) {
		json_object *obj = json_object_array_get_idx(get->list, i);
		const char *id = json_object_get_string(json_object_object_get(obj, "id"));
		const struct store_mailbox *mb;
		uint64_t mailbox_id;

		if (jmap_id_parse(MAILBOX_ID_PREFIX, id, &mailbox_id) < 0 ||
		    (mb = mailbox_list_find(list, count, mailbox_id)) == NULL)
			continue;
		if (mailbox_imap_add(call, mb, what, obj) < 0)
			return -1;
	}
	return 0;
}
