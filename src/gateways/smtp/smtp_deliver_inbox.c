/* The Inbox of each account, remembered: one Mailbox/query per account
 * rather than one per message. An account without mailboxes (made
 * before it was provisioned) is provisioned on its first mail. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_deliver_private.h"
#include "jmap/jmap.h"

static struct deliver_inbox *inbox_find(struct smtp_deliver *d, uint32_t account_id,
					      size_t *pos_r)
{
	size_t lo = 0, hi = d->inbox_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->inboxes[mid].account_id == account_id)
			return &d->inboxes[mid];
		if (d->inboxes[mid].account_id < account_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos_r = lo;
	return NULL;
}

static void inbox_remember(struct smtp_deliver *d, uint32_t account_id, const char *id)
{
	struct deliver_inbox *found;
	size_t pos = 0;

	if (strlen(id) >= sizeof(found->mailbox_id))
		return;
	pthread_mutex_lock(&d->lock);
	if (d->inbox_count >= DELIVER_INBOX_CACHE_MAX)
		d->inbox_count = 0;
	if ((found = inbox_find(d, account_id, &pos)) == NULL) {
		d->inboxes = xrealloc(d->inboxes, (d->inbox_count + 1) * sizeof(*d->inboxes));
		memmove(&d->inboxes[pos + 1], &d->inboxes[pos],
			(d->inbox_count - pos) * sizeof(*d->inboxes));
		d->inbox_count++;
		found = &d->inboxes[pos];
		found->account_id = account_id;
	}
	memcpy(found->mailbox_id, id, strlen(id) + 1);
	pthread_mutex_unlock(&d->lock);
}

void deliver_inbox_forget(struct smtp_deliver *d, uint32_t account_id)
{
	struct deliver_inbox *found;
	size_t pos = 0;

	pthread_mutex_lock(&d->lock);
	if ((found = inbox_find(d, account_id, &pos)) != NULL) {
		pos = (size_t)(found - d->inboxes);
		memmove(found, found + 1, (d->inbox_count - pos - 1) * sizeof(*d->inboxes));
		d->inbox_count--;
	}
	pthread_mutex_unlock(&d->lock);
}

int deliver_inbox(struct smtp_deliver *d, const struct directory_identity *user, char **id_r)
{
	struct deliver_inbox *found;
	size_t pos;
	int ret;

	pthread_mutex_lock(&d->lock);
	found = inbox_find(d, user->account_id, &pos);
	*id_r = found != NULL ? xstrdup(found->mailbox_id) : NULL;
	pthread_mutex_unlock(&d->lock);
	if (*id_r != NULL)
		return 1;
	ret = deliver_mailbox_role(d, user, "inbox", id_r);
	if (ret == 0) {
		/* an account made before it was provisioned gets its mailboxes now */
		const char *error;

		if (jmap_account_provision(d->jmap, user->account_id, &error) < 0)
			log_error("smtp.provision", "account=%u error=%s", user->account_id,
				  log_q(error));
		else
			ret = deliver_mailbox_role(d, user, "inbox", id_r);
	}
	if (ret > 0)
		inbox_remember(d, user->account_id, *id_r);
	return ret;
}
