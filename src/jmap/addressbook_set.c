/* AddressBook/set (RFC 9610 §2.3): names, the default address book
 * (onSuccessSetIsDefault; the default is not destroyed unless another
 * takes its place), and onDestroyRemoveContents. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/hash.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "jmap/contacts.h"
#include "jmap/patch.h"
#include "jmap/std_private.h"

/* RFC 9610: a name is 1 to 255 octets. */
#define ADDRESSBOOK_NAME_MAX 255

static const char *const addressbook_dav_props[] = { "davName", "davProperties", NULL };

static int ab_store_fail(struct jmap_call *call, const char *error, json_object **error_r)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s", error);
}

static bool ab_string(json_object *v)
{
	return json_object_is_type(v, json_type_string) &&
	       strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
}

static int ab_parse_name(json_object *obj, struct store_address_book *ab, json_object **error_r)
{
	json_object *v;
	const char *name;

	if (!json_object_object_get_ex(obj, "name", &v))
		return 0;
	name = json_object_get_string(v);
	if (!ab_string(v) || *name == '\0' || strlen(name) > ADDRESSBOOK_NAME_MAX ||
	    !g_utf8_validate(name, -1, NULL)) {
		*error_r = jmap_prop_error("name", "name must be 1 to 255 octets of UTF-8");
		return -1;
	}
	free(ab->name);
	ab->name = xstrdup(name);
	return 0;
}

static int ab_parse_description(json_object *obj, struct store_address_book *ab,
				json_object **error_r)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, "description", &v))
		return 0;
	if (v != NULL && !ab_string(v)) {
		*error_r = jmap_prop_error("description", "description must be a String or null");
		return -1;
	}
	free(ab->description);
	ab->description = v != NULL ? xstrdup(json_object_get_string(v)) : NULL;
	return 0;
}

static int ab_parse_scalars(json_object *obj, struct store_address_book *ab,
			    json_object **error_r)
{
	json_object *v;

	if (json_object_object_get_ex(obj, "sortOrder", &v) && v != NULL) {
		int64_t order = json_object_get_int64(v);

		if (order < 0 || order >= (1LL << 31)) {
			*error_r = jmap_prop_error("sortOrder", "sortOrder must be in 0..2^31-1");
			return -1;
		}
		ab->sort_order = (uint32_t)order;
	}
	if (json_object_object_get_ex(obj, "isSubscribed", &v) && v != NULL)
		ab->is_subscribed = json_object_get_boolean(v);
	if (json_object_object_get_ex(obj, "shareWith", &v) && v != NULL) {
		*error_r = jmap_set_error("forbidden", "Address books are not shared", NULL);
		return -1;
	}
	return 0;
}

/* davName: a null keeps what there is (or makes one up on create). */
static int ab_parse_dav(json_object *obj, struct store_address_book *ab, json_object **error_r)
{
	json_object *v;

	if (json_object_object_get_ex(obj, "davName", &v) && v != NULL) {
		if (!ab_string(v) || !contacts_dav_name_valid(json_object_get_string(v))) {
			*error_r = jmap_prop_error("davName", "Not a valid DAV collection name");
			return -1;
		}
		free(ab->dav_name);
		ab->dav_name = xstrdup(json_object_get_string(v));
	}
	if (json_object_object_get_ex(obj, "davProperties", &v)) {
		free(ab->dead_props);
		ab->dead_props = v != NULL ? xstrdup(json_object_to_json_string_ext(
			v, JSON_C_TO_STRING_PLAIN)) : NULL;
	}
	return 0;
}

/* What an HTTP caller sent must not name a urn:tern:dav property. */
static int ab_dav_check(struct jmap_call *call, json_object *sent, json_object **error_r)
{
	const char *dav = contacts_dav_prop_used(call, sent, addressbook_dav_props);

	if (dav == NULL)
		return 0;
	*error_r = jmap_prop_error(dav, NULL);
	return -1;
}

static int ab_parse(json_object *obj, struct store_address_book *ab, json_object **error_r)
{
	if (ab_parse_name(obj, ab, error_r) < 0 || ab_parse_description(obj, ab, error_r) < 0 ||
	    ab_parse_scalars(obj, ab, error_r) < 0 || ab_parse_dav(obj, ab, error_r) < 0)
		return -1;
	return 0;
}

static char *ab_random_dav_name(void)
{
	uint8_t bytes[8];
	char hex[sizeof(bytes) * 2 + 1];

	rand_bytes(bytes, sizeof(bytes));
	hex_encode(bytes, sizeof(bytes), hex);
	return xstrdup(hex);
}

/* The first address book becomes the default. */
static int ab_has_default(struct jmap_call *call, bool *has_r, const char **error_r)
{
	struct store_address_book *list;
	size_t count;

	if (store_address_book_list(call->acct, &list, &count, error_r) < 0)
		return -1;
	*has_r = false;
	for (size_t i = 0; i < count; i++)
		*has_r = *has_r || list[i].is_default;
	store_address_book_list_free(&list, count);
	return 0;
}

static json_object *ab_created_json(const struct store_address_book *ab, json_object *sent,
				    bool in_process)
{
	json_object *obj = addressbook_to_json(ab);

	json_object_object_foreach(sent, key, value) {
		(void)value;
		json_object_object_del(obj, key);
	}
	if (!in_process) {
		json_object_object_del(obj, "davName");
		json_object_object_del(obj, "davProperties");
	}
	return obj;
}

static int ab_create_store(struct jmap_call *call, struct store_address_book *ab,
			   json_object **error_r)
{
	const char *error;
	bool has_default;

	if (ab_has_default(call, &has_default, &error) < 0)
		return ab_store_fail(call, error, error_r);
	ab->is_default = !has_default;
	if (ab->dav_name == NULL)
		ab->dav_name = ab_random_dav_name();
	if (store_address_book_create(call->acct, ab, &error) == 0)
		return 0;
	if (store_last_error() == STORE_ERR_EXISTS) {
		*error_r = jmap_prop_error("davName", "Another address book has this DAV name");
		return -1;
	}
	return ab_store_fail(call, error, error_r);
}

int jmap_addressbook_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			    json_object **created_r, json_object **error_r)
{
	struct store_address_book ab = { .is_subscribed = true };
	int ret = -1;

	(void)creation_id;
	if (ab_dav_check(call, obj, error_r) < 0 || ab_parse(obj, &ab, error_r) < 0)
		goto out;
	if (ab.name == NULL) {
		*error_r = jmap_prop_error("name", "name is required");
		goto out;
	}
	if (ab_create_store(call, &ab, error_r) < 0)
		goto out;
	*created_r = ab_created_json(&ab, obj, call->req->in_process);
	ret = 0;
out:
	store_address_book_clear(&ab);
	return ret;
}

static int ab_find(struct jmap_call *call, const char *id, struct store_address_book *ab_r,
		   json_object **error_r)
{
	uint64_t n;
	int ret;

	if (jmap_id_parse(ADDRESSBOOK_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_address_book_get(call->acct, n, ab_r)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (ret < 0)
		return ab_store_fail(call, "address book read failed", error_r);
	return 0;
}

static bool ab_changed(const struct store_address_book *a, const struct store_address_book *b)
{
	return strcmp(a->name, b->name) != 0 || a->sort_order != b->sort_order ||
	       a->is_subscribed != b->is_subscribed || strcmp(a->dav_name, b->dav_name) != 0 ||
	       (a->description == NULL) != (b->description == NULL) ||
	       (a->description != NULL && strcmp(a->description, b->description) != 0) ||
	       (a->dead_props == NULL) != (b->dead_props == NULL) ||
	       (a->dead_props != NULL && strcmp(a->dead_props, b->dead_props) != 0);
}

/* The patched object says what every property becomes; one patched to
 * null is left out of it and takes its default. */
static int ab_update_apply(struct jmap_call *call, const struct store_address_book *old,
			   json_object *patch, json_object **error_r)
{
	struct store_address_book ab = {
		.id = old->id, .is_subscribed = true, .is_default = old->is_default,
		.dav_name = xstrdup(old->dav_name),
	};
	json_object *obj = addressbook_to_json(old);
	const char *bad_path, *error;
	int ret = -1;

	if (jmap_patch_apply(obj, patch, &bad_path) < 0)
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
	else if (ab_dav_check(call, patch, error_r) == 0 && ab_parse(obj, &ab, error_r) == 0) {
		if (ab.name == NULL)
			*error_r = jmap_prop_error("name", "name cannot be null");
		else if (!ab_changed(&ab, old))
			ret = 0;
		else if (store_address_book_update(call->acct, &ab, &error) == 0)
			ret = 0;
		else if (store_last_error() == STORE_ERR_EXISTS)
			*error_r = jmap_prop_error("davName", "Another address book has this DAV name");
		else
			ab_store_fail(call, error, error_r);
	}
	json_object_put(obj);
	store_address_book_clear(&ab);
	return ret;
}

int jmap_addressbook_update(struct jmap_call *call, const char *id, json_object *patch,
			    json_object **updated_r, json_object **error_r)
{
	struct store_address_book old = { 0 };
	int ret;

	*updated_r = NULL;
	if (ab_find(call, id, &old, error_r) < 0)
		return -1;
	ret = ab_update_apply(call, &old, patch, error_r);
	store_address_book_clear(&old);
	return ret;
}

/* The default may go only when onSuccessSetIsDefault names another
 * existing address book. */
static bool ab_default_moves_away(struct jmap_call *call, uint64_t id)
{
	json_object *target = json_object_object_get(call->args, "onSuccessSetIsDefault");
	struct store_address_book other;
	const char *resolved;
	uint64_t n;

	if (!json_object_is_type(target, json_type_string) ||
	    (resolved = jmap_id_resolve(call, json_object_get_string(target))) == NULL ||
	    jmap_id_parse(ADDRESSBOOK_ID_PREFIX, resolved, &n) < 0 || n == id ||
	    store_address_book_get(call->acct, n, &other) <= 0)
		return false;
	store_address_book_clear(&other);
	return true;
}

static int ab_destroy_check(struct jmap_call *call, const struct store_address_book *ab,
			    json_object **error_r)
{
	json_object *remove = json_object_object_get(call->args, "onDestroyRemoveContents");
	const char *error;
	uint64_t cards;

	if (ab->is_default && !ab_default_moves_away(call, ab->id)) {
		*error_r = jmap_set_error("forbidden", "The default address book stays unless "
					  "onSuccessSetIsDefault names another", NULL);
		return -1;
	}
	if (store_address_book_card_count(call->acct, ab->id, &cards, &error) < 0)
		return ab_store_fail(call, error, error_r);
	if (cards > 0 && !json_object_get_boolean(remove)) {
		*error_r = jmap_set_error("addressBookHasContents", NULL, NULL);
		return -1;
	}
	if (cards > 0)
		call->changed_types |= 1ULL << STORE_TYPE_CONTACT_CARD;
	return 0;
}

int jmap_addressbook_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_address_book ab = { 0 };
	const char *error;
	int ret = -1;

	if (ab_find(call, id, &ab, error_r) < 0)
		return -1;
	if (ab_destroy_check(call, &ab, error_r) == 0) {
		if (store_address_book_destroy(call->acct, ab.id, &error) < 0)
			ab_store_fail(call, error, error_r);
		else
			ret = 0;
	}
	store_address_book_clear(&ab);
	return ret;
}

/* ---- onSuccessSetIsDefault ---- */

static bool ab_set_all_succeeded(json_object *resp)
{
	return json_object_object_get(resp, "notCreated") == NULL &&
	       json_object_object_get(resp, "notUpdated") == NULL &&
	       json_object_object_get(resp, "notDestroyed") == NULL;
}

/* Reports isDefault of id: in its "created" object if it was created by
 * this call, else in "updated". */
static void ab_report_default(json_object *resp, const char *id, bool value)
{
	json_object *created = json_object_object_get(resp, "created"), *updated, *entry;

	if (created != NULL) {
		json_object_object_foreach(created, cid, obj) {
			(void)cid;
			if (strcmp(json_object_get_string(json_object_object_get(obj, "id")), id) == 0) {
				json_object_object_add(obj, "isDefault", json_object_new_boolean(value));
				return;
			}
		}
	}
	if ((updated = json_object_object_get(resp, "updated")) == NULL) {
		updated = json_object_new_object();
		json_object_object_add(resp, "updated", updated);
	}
	if ((entry = json_object_object_get(updated, id)) == NULL) {
		entry = json_object_new_object();
		json_object_object_add(updated, id, entry);
	}
	json_object_object_add(entry, "isDefault", json_object_new_boolean(value));
}

static int ab_current_default(struct jmap_call *call, uint64_t *id_r)
{
	struct store_address_book *list;
	const char *error;
	size_t count;

	if (store_address_book_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	*id_r = 0;
	for (size_t i = 0; i < count; i++) {
		if (list[i].is_default)
			*id_r = list[i].id;
	}
	store_address_book_list_free(&list, count);
	return 0;
}

/* RFC 9610: an id that is not found is ignored, with no error. */
static int ab_apply_default(struct jmap_call *call, const char *target)
{
	const char *id = jmap_id_resolve(call, target), *error;
	struct store_address_book ab;
	uint64_t n, old = 0;
	char old_id[24], state[24];

	if (id == NULL || jmap_id_parse(ADDRESSBOOK_ID_PREFIX, id, &n) < 0 ||
	    store_address_book_get(call->acct, n, &ab) <= 0)
		return 0;
	store_address_book_clear(&ab);
	if (ab_current_default(call, &old) < 0)
		return -1;
	if (old == n)
		return 0;
	if (store_address_book_set_default(call->acct, n, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	call->changed_types |= 1ULL << STORE_TYPE_ADDRESS_BOOK;
	ab_report_default(call->response, id, true);
	if (old != 0) {
		jmap_id_format(ADDRESSBOOK_ID_PREFIX, old, old_id);
		ab_report_default(call->response, old_id, false);
	}
	jmap_std_state(call, state);
	json_object_object_add(call->response, "newState", json_object_new_string(state));
	return 0;
}

/* The arguments less a null onSuccessSetIsDefault (Id|null), which the
 * standard argument check would take for a wrong type. */
static json_object *ab_args_without_null_default(json_object *args)
{
	json_object *copy = json_object_new_object();

	json_object_object_foreach(args, key, value) {
		if (strcmp(key, "onSuccessSetIsDefault") != 0 || value != NULL)
			json_object_object_add(copy, key, json_object_get(value));
	}
	return copy;
}

int jmap_addressbook_set(struct jmap_call *call)
{
	json_object *args = call->args, *target = NULL;
	int ret;

	if (addressbook_ensure_default(call) < 0)
		return -1;
	json_object_object_get_ex(args, "onSuccessSetIsDefault", &target);
	call->args = ab_args_without_null_default(args);
	ret = jmap_std_set(call);
	json_object_put(call->args);
	call->args = args;
	if (ret == 0 && json_object_is_type(target, json_type_string) &&
	    ab_set_all_succeeded(call->response))
		ret = ab_apply_default(call, json_object_get_string(target));
	return ret;
}
