/* AddressBook (RFC 9610 §2): the type, AddressBook/get, the default
 * address book of an account, and the contacts capability. */
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/log.h"
#include "jmap/contacts.h"

static const struct jmap_prop addressbook_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "name", JMAP_KIND_STRING, 0 },
	{ "description", JMAP_KIND_STRING, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "sortOrder", JMAP_KIND_UINT, JMAP_PROP_DEFAULTED },
	{ "isDefault", JMAP_KIND_BOOL, JMAP_PROP_SERVER_SET },
	{ "isSubscribed", JMAP_KIND_BOOL, JMAP_PROP_DEFAULTED },
	{ "shareWith", JMAP_KIND_OBJECT, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "myRights", JMAP_KIND_OBJECT, JMAP_PROP_SERVER_SET },
	{ "davName", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_DEFAULTED },
	{ "davProperties", JMAP_KIND_OBJECT, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_NULLABLE },
	{ NULL, 0, 0 },
};

static const char *const addressbook_dav_props[] = { "davName", "davProperties", NULL };

static const struct jmap_arg addressbook_set_args[] = {
	{ "onDestroyRemoveContents", json_type_boolean, false },
	{ "onSuccessSetIsDefault", json_type_string, false },
	{ NULL, 0, false },
};

json_object *jmap_contacts_account_capability(const struct jmap_server *srv,
					      uint32_t account_id)
{
	json_object *value = json_object_new_object();

	(void)srv;
	(void)account_id;
	/* a card is one DAV resource: it lives in exactly one address book */
	json_object_object_add(value, "maxAddressBooksPerCard", json_object_new_int(1));
	json_object_object_add(value, "mayCreateAddressBook", json_object_new_boolean(1));
	return value;
}

/* The account is the user's own and nothing is shared: every right but
 * mayAdmin (shareWith stays null). */
static json_object *addressbook_rights_json(void)
{
	json_object *rights = json_object_new_object();

	json_object_object_add(rights, "mayRead", json_object_new_boolean(1));
	json_object_object_add(rights, "mayWrite", json_object_new_boolean(1));
	json_object_object_add(rights, "mayAdmin", json_object_new_boolean(0));
	json_object_object_add(rights, "mayDelete", json_object_new_boolean(1));
	return rights;
}

json_object *addressbook_to_json(const struct store_address_book *ab)
{
	json_object *obj = json_object_new_object();
	char id[24];

	jmap_id_format(ADDRESSBOOK_ID_PREFIX, ab->id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "name", json_object_new_string(ab->name));
	json_object_object_add(obj, "description", ab->description != NULL ?
			       json_object_new_string(ab->description) : NULL);
	json_object_object_add(obj, "sortOrder", json_object_new_int64(ab->sort_order));
	json_object_object_add(obj, "isDefault", json_object_new_boolean(ab->is_default));
	json_object_object_add(obj, "isSubscribed", json_object_new_boolean(ab->is_subscribed));
	json_object_object_add(obj, "shareWith", NULL);
	json_object_object_add(obj, "myRights", addressbook_rights_json());
	json_object_object_add(obj, "davName", json_object_new_string(ab->dav_name));
	json_object_object_add(obj, "davProperties", ab->dead_props != NULL ?
			       json_tokener_parse(ab->dead_props) : NULL);
	return obj;
}

int addressbook_provision(struct store_account *acct, bool *created_r, const char **error_r)
{
	struct store_address_book ab = {
		.name = (char *)"Contacts",
		.dav_name = (char *)"default",
		.is_default = true,
		.is_subscribed = true,
	};

	*created_r = false;
	if (store_type_state(acct, STORE_TYPE_ADDRESS_BOOK) != 0)
		return 0;
	if (store_address_book_create(acct, &ab, error_r) < 0)
		return -1;
	*created_r = true;
	return 0;
}

/* A read-only method swaps its read transaction for a write one for the
 * time of the creation, and announces the change itself. */
static int addressbook_ensure_in_own_txn(struct jmap_call *call)
{
	const char *error;
	bool created = false;
	int ret;

	store_txn_rollback(call->acct);
	ret = store_txn_begin(call->acct, true, &error);
	if (ret == 0 && (ret = addressbook_provision(call->acct, &created, &error)) == 0)
		ret = store_txn_commit(call->acct, &error);
	else
		store_txn_rollback(call->acct);
	if (ret < 0 || store_txn_begin(call->acct, false, &error) < 0)
		return jmap_call_error(call, "serverFail", "default address book: %s", error);
	if (created) {
		struct bus_event event = {
			.account_id = call->account_id,
			.types = 1ULL << STORE_TYPE_ADDRESS_BOOK,
			.modseq = store_modseq_current(call->acct),
		};

		bus_publish(&event);
		log_info("contacts.default_address_book", "account=%u", call->account_id);
	}
	return 0;
}

int addressbook_ensure_default(struct jmap_call *call)
{
	const char *error;
	bool created;

	if (store_type_state(call->acct, STORE_TYPE_ADDRESS_BOOK) != 0)
		return 0;
	if ((call->def->flags & JMAP_METHOD_WRITE) == 0)
		return addressbook_ensure_in_own_txn(call);
	if (addressbook_provision(call->acct, &created, &error) < 0)
		return jmap_call_error(call, "serverFail", "default address book: %s", error);
	if (created)
		call->changed_types |= 1ULL << STORE_TYPE_ADDRESS_BOOK;
	return 0;
}

static void addressbook_get_one(struct jmap_get *get, const struct store_address_book *list,
				size_t count, const char *id)
{
	uint64_t n;

	if (jmap_id_parse(ADDRESSBOOK_ID_PREFIX, id, &n) == 0) {
		for (size_t i = 0; i < count; i++) {
			if (list[i].id == n) {
				json_object_array_add(get->list, addressbook_to_json(&list[i]));
				return;
			}
		}
	}
	json_object_array_add(get->not_found, json_object_new_string(id));
}

static int jmap_addressbook_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_address_book *list;
	const char *error;
	size_t count;

	if (contacts_check_dav_get(call, get, addressbook_dav_props) < 0 ||
	    addressbook_ensure_default(call) < 0)
		return -1;
	if (store_address_book_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (get->ids == NULL) {
		for (size_t i = 0; i < count; i++)
			json_object_array_add(get->list, addressbook_to_json(&list[i]));
	} else {
		size_t n = json_object_array_length(get->ids);

		for (size_t i = 0; i < n; i++)
			addressbook_get_one(get, list, count, json_object_get_string(
				json_object_array_get_idx(get->ids, i)));
	}
	store_address_book_list_free(&list, count);
	return 0;
}

/* AddressBook/set is a method of its own (the standard /set followed by
 * onSuccessSetIsDefault); the type it runs with has the hooks. */
static const struct jmap_type addressbook_set_type = {
	.name = "AddressBook",
	.capability = JMAP_CAP_CONTACTS,
	.store_type = STORE_TYPE_ADDRESS_BOOK,
	.id_prefix = ADDRESSBOOK_ID_PREFIX,
	.props = addressbook_props,
	.set_args = addressbook_set_args,
	.get = jmap_addressbook_get,
	.create = jmap_addressbook_create,
	.update = jmap_addressbook_update,
	.destroy = jmap_addressbook_destroy,
};

static const struct jmap_method addressbook_methods[] = {
	{ "AddressBook/set", JMAP_CAP_CONTACTS, jmap_addressbook_set, &addressbook_set_type,
	  JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

/* RFC 9610 gives AddressBook /get, /changes and /set only. */
const struct jmap_type jmap_addressbook_type = {
	.name = "AddressBook",
	.capability = JMAP_CAP_CONTACTS,
	.store_type = STORE_TYPE_ADDRESS_BOOK,
	.id_prefix = ADDRESSBOOK_ID_PREFIX,
	.props = addressbook_props,
	.get = jmap_addressbook_get,
	.methods = addressbook_methods,
};
