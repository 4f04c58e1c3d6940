/* What a new account starts with. */
#include "core/bus.h"
#include "core/log.h"
#include "jmap/calendars.h"
#include "jmap/call.h"
#include "jmap/contacts.h"
#include "jmap/mailbox.h"

static const struct {
	const char *name;
	const char *role;
} account_default_mailboxes[] = {
	{ "Inbox", "inbox" },
	{ "Drafts", "drafts" },
	{ "Sent", "sent" },
	{ "Archive", "archive" },
	{ "Junk", "junk" },
	{ "Trash", "trash" },
};

static int account_create_mailboxes(struct store_account *acct, const char **error_r)
{
	size_t n = sizeof(account_default_mailboxes) / sizeof(account_default_mailboxes[0]);

	for (size_t i = 0; i < n; i++) {
		struct store_mailbox mb = {
			.name = (char *)account_default_mailboxes[i].name,
			.role = (char *)account_default_mailboxes[i].role,
			.sort_order = (uint32_t)i,
			.is_subscribed = true,
		};

		if (store_mailbox_create(acct, &mb, error_r) < 0)
			return -1;
	}
	return 0;
}

/* An account is new while its modseq is 0: nothing was ever written, so
 * a user who later deletes every mailbox does not get them back. */
static int account_provision_txn(struct store_account *acct, bool *created_r,
				 const char **error_r)
{
	*created_r = false;
	if (store_txn_begin(acct, true, error_r) < 0)
		return -1;
	if (store_modseq_current(acct) == 0) {
		bool book, calendar;

		if (addressbook_provision(acct, &book, error_r) < 0 ||
		    calendar_provision(acct, &calendar, error_r) < 0 ||
		    account_create_mailboxes(acct, error_r) < 0) {
			store_txn_rollback(acct);
			return -1;
		}
		*created_r = true;
	}
	return store_txn_commit(acct, error_r);
}

int jmap_account_provision(struct jmap_server *srv, uint32_t account_id, const char **error_r)
{
	struct store_account *acct;
	bool created;
	int ret;

	if (store_account_open(srv->store, account_id, &acct, error_r) < 0)
		return -1;
	ret = account_provision_txn(acct, &created, error_r);
	if (ret == 0 && created) {
		struct bus_event event = {
			.account_id = account_id,
			.types = (1ULL << STORE_TYPE_MAILBOX) | (1ULL << STORE_TYPE_ADDRESS_BOOK) |
				 (1ULL << STORE_TYPE_CALENDAR),
			.modseq = store_modseq_current(acct),
		};

		bus_publish(&event);
		log_info("account.provision", "account=%u mailboxes=6", account_id);
	}
	store_account_release(&acct);
	return ret;
}
