/* Periodic cleanup: expired uploads, old change and expunge records. */
#include "core/log.h"
#include "jmap/call.h"
#include "store/store_imap.h"

static int maintenance_account(struct jmap_server *srv, uint32_t account_id, time_t now)
{
	struct store_account *acct;
	const char *error;
	int ret = 0;

	if (store_account_open(srv->store, account_id, &acct, &error) < 0) {
		log_warn("maintenance.account", "account=%u error=%s", account_id, log_q(error));
		return -1;
	}
	if (store_blobs_expire(acct, now - srv->limits.upload_ttl, &error) < 0 ||
	    store_tombstones_expire(acct, now - srv->limits.changes_ttl, &error) < 0 ||
	    store_imap_expunges_expire(acct, now - srv->limits.changes_ttl, &error) < 0) {
		log_warn("maintenance.account", "account=%u error=%s", account_id, log_q(error));
		ret = -1;
	}
	store_account_release(&acct);
	return ret;
}

int jmap_maintenance_run(struct jmap_server *srv, time_t now)
{
	unsigned types = (1u << STORE_PRINCIPAL_INDIVIDUAL) | (1u << STORE_PRINCIPAL_GROUP);
	struct store_principal **list;
	size_t count;
	int ret = 0;

	if (store_principal_list(srv->store, types, &list, &count) < 0) {
		log_warn("maintenance.list", "error=%s", log_q("cannot list principals"));
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (maintenance_account(srv, list[i]->id, now) < 0)
			ret = -1;
	}
	store_principal_list_free(&list, count);
	log_debug("maintenance.done", "accounts=%zu", count);
	return ret;
}
