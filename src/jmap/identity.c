/* Identity (RFC 8621 §6): the type, Identity/get and the default
 * identities. Each address of the account has one default identity,
 * made on first access (named after the principal) and kept in step
 * with the addresses; the client may add more for those addresses. */
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/xalloc.h"
#include "jmap/objects.h"
#include "jmap/patch.h"

/* Properties clients may set, and their bounds. */
#define IDENTITY_MAX_NAME 1024
#define IDENTITY_MAX_SIGNATURE (64 * 1024)
#define IDENTITY_MAX_ADDRESSES 100

static const struct jmap_prop identity_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "name", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	{ "email", JMAP_KIND_STRING, JMAP_PROP_IMMUTABLE },
	{ "replyTo", JMAP_KIND_ARRAY, JMAP_PROP_NULLABLE },
	{ "bcc", JMAP_KIND_ARRAY, JMAP_PROP_NULLABLE },
	{ "textSignature", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	{ "htmlSignature", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	{ "mayDelete", JMAP_KIND_BOOL, JMAP_PROP_SERVER_SET },
	{ NULL, 0, 0 },
};

static json_object *identity_json_text(const char *text)
{
	return text != NULL ? json_tokener_parse(text) : NULL;
}

static json_object *identity_to_json(const struct store_identity *ident)
{
	json_object *obj = json_object_new_object();
	char id[24];

	jmap_id_format(IDENTITY_ID_PREFIX, ident->id, id);
	json_object_object_add(obj, "id", json_object_new_string(id));
	json_object_object_add(obj, "name", json_object_new_string(ident->name));
	json_object_object_add(obj, "email", json_object_new_string(ident->email));
	json_object_object_add(obj, "replyTo", identity_json_text(ident->reply_to));
	json_object_object_add(obj, "bcc", identity_json_text(ident->bcc));
	json_object_object_add(obj, "textSignature", json_object_new_string(ident->text_signature));
	json_object_object_add(obj, "htmlSignature", json_object_new_string(ident->html_signature));
	json_object_object_add(obj, "mayDelete", json_object_new_boolean(!ident->is_default));
	return obj;
}

static const struct store_identity *identity_list_find(const struct store_identity *list,
						       size_t count, uint64_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (list[i].id == id)
			return &list[i];
	}
	return NULL;
}

static bool identity_default_exists(const struct store_identity *list, size_t count,
				    const char *email)
{
	for (size_t i = 0; i < count; i++) {
		if (list[i].is_default && strcmp(list[i].email, email) == 0)
			return true;
	}
	return false;
}

/* Whether the default identities are exactly one per address of p. */
static bool identity_defaults_current(const struct store_principal *p,
				      const struct store_identity *list, size_t count)
{
	for (size_t i = 0; i < p->email_count; i++) {
		if (!identity_default_exists(list, count, p->emails[i]))
			return false;
	}
	for (size_t i = 0; i < count; i++) {
		if (list[i].is_default && !jmap_principal_has_address(p, list[i].email))
			return false;
	}
	return true;
}

static int identity_default_create(struct store_account *acct, const struct store_principal *p,
				   const char *email, const char **error_r)
{
	const char *name = p->description != NULL && p->description[0] != '\0' ?
			   p->description : p->name;
	struct store_identity ident = {
		.name = (char *)name, .email = (char *)email,
		.text_signature = (char *)"", .html_signature = (char *)"",
		.is_default = true,
	};

	return store_identity_create(acct, &ident, error_r);
}

/* Inside a write transaction: adds the missing default identities and
 * drops those of addresses the account lost. */
static int identity_defaults_write(struct store_account *acct, const struct store_principal *p,
				   const char **error_r)
{
	struct store_identity *list;
	size_t count;
	int ret = 0;

	if (store_identity_list(acct, &list, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < p->email_count && ret == 0; i++) {
		if (!identity_default_exists(list, count, p->emails[i]))
			ret = identity_default_create(acct, p, p->emails[i], error_r);
	}
	for (size_t i = 0; i < count && ret == 0; i++) {
		if (list[i].is_default && !jmap_principal_has_address(p, list[i].email))
			ret = store_identity_destroy(acct, list[i].id, error_r);
	}
	store_identity_list_free(&list, count);
	return ret;
}

/* A read-only method (Identity/get) cannot write in its transaction: it
 * steps out, writes the defaults in a transaction of its own, tells the
 * subscribers, and reads on in a new one. */
static int identity_defaults_write_apart(struct jmap_call *call, const struct store_principal *p)
{
	struct bus_event event = {
		.account_id = call->account_id,
		.types = 1ULL << STORE_TYPE_IDENTITY,
	};
	const char *error;

	store_txn_rollback(call->acct);
	if (store_txn_begin(call->acct, true, &error) < 0)
		return jmap_call_error(call, "serverFail", "identity defaults: %s", error);
	if (identity_defaults_write(call->acct, p, &error) < 0) {
		store_txn_rollback(call->acct);
		return jmap_call_error(call, "serverFail", "identity defaults: %s", error);
	}
	if (store_txn_commit(call->acct, &error) < 0)
		return jmap_call_error(call, "serverFail", "identity defaults: %s", error);
	event.modseq = store_modseq_current(call->acct);
	bus_publish(&event);
	if (store_txn_begin(call->acct, false, &error) < 0)
		return jmap_call_error(call, "serverFail", "identity defaults: %s", error);
	return 0;
}

static int identity_defaults_sync(struct jmap_call *call, const struct store_principal *p)
{
	struct store_identity *list;
	const char *error;
	size_t count;
	bool current;

	if (store_identity_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "identities: %s", error);
	current = identity_defaults_current(p, list, count);
	store_identity_list_free(&list, count);
	if (current)
		return 0;
	if ((call->def->flags & JMAP_METHOD_WRITE) == 0)
		return identity_defaults_write_apart(call, p);
	if (identity_defaults_write(call->acct, p, &error) < 0)
		return jmap_call_error(call, "serverFail", "identity defaults: %s", error);
	call->changed_types |= 1ULL << STORE_TYPE_IDENTITY;
	return 0;
}

/* The identities of call's account, its defaults made current first. */
static int identity_load(struct jmap_call *call, struct store_identity **list_r,
			 size_t *count_r)
{
	struct store_principal *p;
	const char *error;
	int ret;

	if (jmap_account_principal(call, &p) < 0)
		return -1;
	ret = identity_defaults_sync(call, p);
	store_principal_free(&p);
	if (ret == 0 && store_identity_list(call->acct, list_r, count_r, &error) < 0)
		ret = jmap_call_error(call, "serverFail", "identities: %s", error);
	return ret;
}

int jmap_identity_find(struct jmap_call *call, uint64_t id, struct store_identity *ident_r)
{
	struct store_identity *list;
	size_t count;
	int found = 0;

	if (identity_load(call, &list, &count) < 0)
		return -1;
	for (size_t i = 0; i < count && !found; i++) {
		if (list[i].id == id) {
			/* the caller takes this one over from the list */
			*ident_r = list[i];
			memset(&list[i], 0, sizeof(list[i]));
			found = 1;
		}
	}
	store_identity_list_free(&list, count);
	return found;
}

static int jmap_identity_get(struct jmap_call *call, struct jmap_get *get)
{
	struct store_identity *list;
	size_t count, n;

	if (identity_load(call, &list, &count) < 0)
		return -1;
	n = get->ids != NULL ? json_object_array_length(get->ids) : count;
	for (size_t i = 0; i < n; i++) {
		const struct store_identity *ident = &list[i];
		const char *id = NULL;
		uint64_t num;

		if (get->ids != NULL) {
			id = json_object_get_string(json_object_array_get_idx(get->ids, i));
			ident = jmap_id_parse(IDENTITY_ID_PREFIX, id, &num) == 0 ?
				identity_list_find(list, count, num) : NULL;
		}
		if (ident != NULL)
			json_object_array_add(get->list, identity_to_json(ident));
		else
			json_object_array_add(get->not_found, json_object_new_string(id));
	}
	store_identity_list_free(&list, count);
	return 0;
}

static int identity_parse_string(json_object *obj, const char *name, size_t max, char **out,
				 json_object **error_r)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, name, &value))
		return 0;
	if (value == NULL) {
		free(*out);
		*out = xstrdup("");
		return 0;
	}
	if (!json_object_is_type(value, json_type_string) ||
	    (size_t)json_object_get_string_len(value) > max ||
	    strlen(json_object_get_string(value)) != (size_t)json_object_get_string_len(value)) {
		*error_r = jmap_prop_error(name, "Not a String, too long, or with NUL");
		return -1;
	}
	free(*out);
	*out = xstrdup(json_object_get_string(value));
	return 0;
}

static int identity_parse_addresses(json_object *obj, const char *name, char **out,
				    json_object **error_r)
{
	json_object *value, *norm;

	if (!json_object_object_get_ex(obj, name, &value))
		return 0;
	free(*out);
	*out = NULL;
	if (value == NULL)
		return 0;
	if ((norm = jmap_email_addresses_normalize(value, IDENTITY_MAX_ADDRESSES)) == NULL) {
		*error_r = jmap_prop_error(name, "Not a valid EmailAddress[]");
		return -1;
	}
	*out = xstrdup(json_object_to_json_string_ext(norm, JSON_C_TO_STRING_PLAIN));
	json_object_put(norm);
	return 0;
}

/* Reads the settable properties present in obj over ident. */
static int identity_parse(json_object *obj, struct store_identity *ident, json_object **error_r)
{
	if (identity_parse_string(obj, "name", IDENTITY_MAX_NAME, &ident->name, error_r) < 0 ||
	    identity_parse_string(obj, "textSignature", IDENTITY_MAX_SIGNATURE,
				  &ident->text_signature, error_r) < 0 ||
	    identity_parse_string(obj, "htmlSignature", IDENTITY_MAX_SIGNATURE,
				  &ident->html_signature, error_r) < 0 ||
	    identity_parse_addresses(obj, "replyTo", &ident->reply_to, error_r) < 0 ||
	    identity_parse_addresses(obj, "bcc", &ident->bcc, error_r) < 0)
		return -1;
	return 0;
}

/* The email of a new identity: one of the account's own addresses. */
static int identity_parse_email(struct jmap_call *call, json_object *obj,
				struct store_identity *ident, json_object **error_r)
{
	json_object *value = json_object_object_get(obj, "email");
	struct store_principal *p;
	bool allowed;

	if (value == NULL) {
		*error_r = jmap_prop_error("email", "email is required");
		return -1;
	}
	if (jmap_account_principal(call, &p) < 0) {
		*error_r = NULL;
		return -1;
	}
	allowed = jmap_principal_has_address(p, json_object_get_string(value));
	store_principal_free(&p);
	if (!allowed) {
		*error_r = jmap_set_error("forbiddenFrom", "Not an address of this account", NULL);
		return -1;
	}
	ident->email = xstrdup(json_object_get_string(value));
	for (char *c = ident->email; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	return 0;
}

/* The created object carries every property the client did not send. */
static json_object *identity_created_json(const struct store_identity *ident, json_object *sent)
{
	json_object *obj = identity_to_json(ident);

	json_object_object_foreach(sent, key, value) {
		(void)value;
		json_object_object_del(obj, key);
	}
	return obj;
}

static int jmap_identity_create(struct jmap_call *call, const char *creation_id, json_object *obj,
				json_object **created_r, json_object **error_r)
{
	struct store_identity ident = { 0 };
	const char *error;
	int ret = -1;

	(void)creation_id;
	ident.name = xstrdup("");
	ident.text_signature = xstrdup("");
	ident.html_signature = xstrdup("");
	if (identity_parse(obj, &ident, error_r) < 0 ||
	    identity_parse_email(call, obj, &ident, error_r) < 0)
		goto out;
	if (store_identity_create(call->acct, &ident, &error) < 0) {
		*error_r = NULL;
		jmap_call_error(call, "serverFail", "identity create: %s", error);
		goto out;
	}
	call->changed_types |= 1ULL << STORE_TYPE_IDENTITY;
	*created_r = identity_created_json(&ident, obj);
	ret = 0;
out:
	store_identity_clear(&ident);
	return ret;
}

/* The fixed part of old with every settable property at its default:
 * the patched object then says what each one becomes (a patch that sets
 * a property to null leaves it out, which means its default). */
static void identity_reset(struct store_identity *ident, const struct store_identity *old)
{
	memset(ident, 0, sizeof(*ident));
	ident->id = old->id;
	ident->email = xstrdup(old->email);
	ident->is_default = old->is_default;
	ident->name = xstrdup("");
	ident->text_signature = xstrdup("");
	ident->html_signature = xstrdup("");
}

static int identity_update_apply(struct jmap_call *call, const struct store_identity *old,
				 json_object *patch, json_object **error_r)
{
	struct store_identity ident;
	json_object *obj = identity_to_json(old);
	const char *bad_path, *error;
	int ret = -1;

	identity_reset(&ident, old);
	if (jmap_patch_apply(obj, patch, &bad_path) < 0) {
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
	} else if (identity_parse(obj, &ident, error_r) == 0) {
		if (store_identity_update(call->acct, &ident, &error) < 0) {
			*error_r = NULL;
			jmap_call_error(call, "serverFail", "identity update: %s", error);
		} else {
			call->changed_types |= 1ULL << STORE_TYPE_IDENTITY;
			ret = 0;
		}
	}
	store_identity_clear(&ident);
	json_object_put(obj);
	return ret;
}

static int jmap_identity_update(struct jmap_call *call, const char *id, json_object *patch,
				json_object **updated_r, json_object **error_r)
{
	struct store_identity ident;
	uint64_t n;
	int ret;

	*updated_r = NULL;
	if (jmap_id_parse(IDENTITY_ID_PREFIX, id, &n) < 0 ||
	    (ret = jmap_identity_find(call, n, &ident)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (ret < 0) {
		*error_r = NULL;
		return -1;
	}
	ret = identity_update_apply(call, &ident, patch, error_r);
	store_identity_clear(&ident);
	return ret;
}

static int jmap_identity_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_identity ident;
	const char *error;
	uint64_t n;
	int ret;

	if (jmap_id_parse(IDENTITY_ID_PREFIX, id, &n) < 0 ||
	    (ret = jmap_identity_find(call, n, &ident)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (ret < 0) {
		*error_r = NULL;
		return -1;
	}
	ret = -1;
	if (ident.is_default) {
		*error_r = jmap_set_error("forbidden", "The identity of an account address stays",
					  NULL);
	} else if (store_identity_destroy(call->acct, n, &error) < 0) {
		*error_r = NULL;
		jmap_call_error(call, "serverFail", "identity destroy: %s", error);
	} else {
		call->changed_types |= 1ULL << STORE_TYPE_IDENTITY;
		ret = 0;
	}
	store_identity_clear(&ident);
	return ret;
}

const struct jmap_type jmap_identity_type = {
	.name = "Identity",
	.capability = JMAP_CAP_SUBMISSION,
	.store_type = STORE_TYPE_IDENTITY,
	.id_prefix = IDENTITY_ID_PREFIX,
	.props = identity_props,
	.get = jmap_identity_get,
	.create = jmap_identity_create,
	.update = jmap_identity_update,
	.destroy = jmap_identity_destroy,
};
