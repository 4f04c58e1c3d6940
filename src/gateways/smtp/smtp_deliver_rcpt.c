/* RCPT TO: the directory says where the address goes; local accounts
 * must have room, remote domains need an authenticated user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "directory/directory_rcpt.h"
#include "gateways/smtp/smtp_deliver_private.h"

/* Whether account_id can take a message of declared size: 250, or
 * the over-quota reply in *reply_r. A quota that cannot be read lets
 * the message through: the import at the end of DATA decides then. */
static bool rcpt_account_has_room(struct smtp_deliver *d, uint32_t account_id,
				  const char *address, uint64_t declared,
				  struct smtp_reply *reply_r)
{
	struct directory_identity user;
	uint64_t used = 0, limit = 0;

	deliver_identity(account_id, address, &user);
	if (deliver_quota(d, &user, &used, &limit) <= 0)
		return true;
	if (declared > limit) {
		deliver_reply(reply_r, 552, "5.2.2", "Message larger than the mailbox quota");
		return false;
	}
	if (used >= limit || declared > limit - used) {
		deliver_reply(reply_r, 452, "4.2.2", "Mailbox full");
		return false;
	}
	return true;
}

/* A group is refused only when none of its accounts has room. */
static bool rcpt_local_accept(struct smtp_deliver *d, const struct smtp_envelope *env,
			      struct smtp_rcpt *rcpt, struct directory_rcpt *found,
			      struct smtp_reply *reply_r)
{
	for (size_t i = 0; i < found->count; i++) {
		if (rcpt_account_has_room(d, found->account_ids[i], rcpt->address,
					  env->declared_size, reply_r)) {
			rcpt->account_ids = found->account_ids;
			rcpt->account_count = found->count;
			found->account_ids = NULL;
			found->count = 0;
			deliver_reply(reply_r, 250, "2.1.5", "Recipient OK");
			return true;
		}
	}
	log_info("smtp.rcpt_over_quota", "session=%s rcpt=%s", log_q(env->session_id),
		 log_q(rcpt->address));
	return false;
}

static bool rcpt_remote(const struct smtp_envelope *env, struct smtp_rcpt *rcpt,
			struct smtp_reply *reply_r)
{
	if (env->user == NULL) {
		log_info("smtp.relay_refused", "session=%s ip=%s rcpt=%s", log_q(env->session_id),
			 log_q(env->client_ip), log_q(rcpt->address));
		deliver_reply(reply_r, 554, "5.7.1", "Relay access denied");
		return false;
	}
	rcpt->remote = true;
	deliver_reply(reply_r, 250, "2.1.5", "Recipient OK");
	return true;
}

bool smtp_deliver_rcpt(struct smtp_deliver *d, const struct smtp_envelope *env,
		       struct smtp_rcpt *rcpt, struct smtp_reply *reply_r)
{
	struct directory_rcpt found;
	char postmaster[300];
	const char *address = rcpt->address;
	bool ok = false;

	rcpt->account_ids = NULL;
	rcpt->account_count = 0;
	rcpt->remote = false;
	/* RFC 5321 §4.5.1: <Postmaster> without a domain is ours */
	if (strcasecmp(address, "postmaster") == 0) {
		snprintf(postmaster, sizeof(postmaster), "postmaster@%s", d->hostname);
		address = postmaster;
	}
	switch (directory_rcpt_resolve(d->dir, address, &found)) {
	case DIRECTORY_RCPT_LOCAL:
		ok = rcpt_local_accept(d, env, rcpt, &found, reply_r);
		break;
	case DIRECTORY_RCPT_UNKNOWN:
		deliver_reply(reply_r, 550, "5.1.1", "No such user here");
		break;
	case DIRECTORY_RCPT_REMOTE:
		ok = rcpt_remote(env, rcpt, reply_r);
		break;
	default:
		deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
		break;
	}
	directory_rcpt_clear(&found);
	return ok;
}
