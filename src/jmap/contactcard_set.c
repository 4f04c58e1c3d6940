/* ContactCard/set: create and destroy, and what update shares with
 * them. A card comes either as a JSContact Card (written as vCard 4.0)
 * or, from the DAV face, as vCard text in davData (kept as sent). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/contactcard_set.h"
#include "jmap/jscontact.h"

const char *const contactcard_dav_props[] = { "davName", "davEtag", "davData", NULL };

/* ContactCard members that are JMAP's, not the Card's. */
static const char *const cc_jmap_props[] = {
	"id", "addressBookIds", "davName", "davEtag", "davData", NULL,
};

int cc_store_fail(struct jmap_call *call, const char *error, json_object **error_r)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s", error);
}

static bool cc_is_jmap_prop(const char *key)
{
	for (size_t i = 0; cc_jmap_props[i] != NULL; i++) {
		size_t len = strlen(cc_jmap_props[i]);

		if (strncmp(key, cc_jmap_props[i], len) == 0 && (key[len] == '\0' || key[len] == '/'))
			return true;
	}
	return false;
}

bool cc_has_card_members(json_object *obj)
{
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (!cc_is_jmap_prop(key))
			return true;
	}
	return false;
}

json_object *cc_card_part(json_object *obj)
{
	json_object *card = json_object_new_object();

	json_object_object_foreach(obj, key, value) {
		if (value != NULL && !cc_is_jmap_prop(key))
			json_object_object_add(card, key, json_object_get(value));
	}
	return card;
}

int cc_parse_book(struct jmap_call *call, json_object *value, uint64_t *book_r,
		  json_object **error_r)
{
	struct store_address_book ab;
	const char *id;
	int ret = 0;

	if (!json_object_is_type(value, json_type_object) || json_object_object_length(value) != 1) {
		*error_r = jmap_prop_error("addressBookIds", "A card is in exactly one address book");
		return -1;
	}
	json_object_object_foreach(value, key, flag) {
		if (!json_object_is_type(flag, json_type_boolean) || !json_object_get_boolean(flag) ||
		    (id = jmap_id_resolve(call, key)) == NULL ||
		    jmap_id_parse(ADDRESSBOOK_ID_PREFIX, id, book_r) < 0 ||
		    (ret = store_address_book_get(call->acct, *book_r, &ab)) <= 0) {
			if (ret < 0)
				return cc_store_fail(call, "address book read failed", error_r);
			*error_r = jmap_prop_error("addressBookIds", "No such address book");
			return -1;
		}
		store_address_book_clear(&ab);
	}
	return 0;
}

int cc_parse_dav_data(json_object *value, struct vcard **vc_r, json_object **error_r)
{
	const char *error;

	if (!json_object_is_type(value, json_type_string)) {
		*error_r = jmap_prop_error("davData", "davData must be a String");
		return -1;
	}
	if (vcard_parse(json_object_get_string(value), (size_t)json_object_get_string_len(value),
			NULL, vc_r, &error) < 0) {
		*error_r = jmap_prop_error("davData", error);
		return -1;
	}
	return 0;
}

/* What jscontact wrote is parsed again: only a card over the vCard
 * limits fails here. */
int cc_parse_written(char *text, size_t len, struct vcard **vc_r, json_object **error_r)
{
	const char *error;

	if (vcard_parse(text, len, NULL, vc_r, &error) < 0) {
		*error_r = jmap_set_error("tooLarge", error, NULL);
		return -1;
	}
	return 0;
}

static char *cc_uuid_urn(void)
{
	uint8_t b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);	/* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	return xasprintf("urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
			 b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void cc_set_updated_now(json_object *card, json_object *report)
{
	char now[21];

	time_format_utc(time(NULL), now);
	json_object_object_add(card, "updated", json_object_new_string(now));
	json_object_object_add(report, "updated", json_object_new_string(now));
}

/* "<uid>.vcf" when the UID makes a plain file name, else random. */
static char *cc_default_dav_name(const char *uid, bool taken)
{
	const char *s = strncasecmp(uid, "urn:uuid:", 9) == 0 ? uid + 9 : uid;
	size_t len = strlen(s);
	uint8_t bytes[8];
	char hex[sizeof(bytes) * 2 + 1];
	bool plain = !taken && len > 0 && len <= 200 && s[0] != '.';

	for (size_t i = 0; plain && i < len; i++)
		plain = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || strchr("-_.@", s[i]) != NULL;
	if (plain)
		return xasprintf("%s.vcf", s);
	rand_bytes(bytes, sizeof(bytes));
	hex_encode(bytes, sizeof(bytes), hex);
	return xasprintf("%s.vcf", hex);
}

int cc_parse_dav_name(json_object *value, char **name_r, json_object **error_r)
{
	if (!json_object_is_type(value, json_type_string) ||
	    strlen(json_object_get_string(value)) != (size_t)json_object_get_string_len(value) ||
	    !contacts_dav_name_valid(json_object_get_string(value))) {
		*error_r = jmap_prop_error("davName", "Not a valid DAV resource name");
		return -1;
	}
	free(*name_r);
	*name_r = xstrdup(json_object_get_string(value));
	return 0;
}

/* The uid and DAV name must be free in the card's address book (the
 * card itself aside). */
int cc_check_unique(struct jmap_call *call, const struct store_contact_card *card,
		    json_object **error_r)
{
	uint64_t other;
	char id[24];
	int ret;

	ret = store_contact_card_find_uid(call->acct, card->address_book_id, card->uid, &other);
	if (ret > 0 && other != card->id) {
		*error_r = jmap_set_error("alreadyExists",
					  "A card with this uid is in the address book", NULL);
		jmap_id_format(CONTACTCARD_ID_PREFIX, other, id);
		json_object_object_add(*error_r, "existingId", json_object_new_string(id));
		return -1;
	}
	if (ret == 0)
		ret = store_contact_card_find_dav_name(call->acct, card->address_book_id,
						       card->dav_name, &other);
	if (ret > 0 && other != card->id) {
		*error_r = jmap_prop_error("davName", "Another card in the address book has this name");
		return -1;
	}
	return ret < 0 ? cc_store_fail(call, "card lookup failed", error_r) : 0;
}

/* Card members the client did not send and the server chose. */
static int cc_create_card(json_object *obj, json_object *created, char **text_r,
			  size_t *len_r, json_object **error_r)
{
	json_object *card = cc_card_part(obj);
	const char *bad;
	char *uid;
	int ret = 0;

	if (!json_object_object_get_ex(card, "uid", NULL)) {
		uid = cc_uuid_urn();
		json_object_object_add(card, "uid", json_object_new_string(uid));
		json_object_object_add(created, "uid", json_object_new_string(uid));
		free(uid);
	}
	if (!json_object_object_get_ex(card, "updated", NULL))
		cc_set_updated_now(card, created);
	if (!json_object_object_get_ex(card, "@type", NULL))
		json_object_object_add(created, "@type", json_object_new_string("Card"));
	if (!json_object_object_get_ex(card, "version", NULL))
		json_object_object_add(created, "version", json_object_new_string("1.0"));
	if (jscontact_to_vcard(card, text_r, len_r, &bad) < 0) {
		*error_r = jmap_prop_error(bad, "Not a valid JSContact value");
		ret = -1;
	}
	json_object_put(card);
	return ret;
}

/* The vCard of the new card: davData as sent, or written from the Card. */
static int cc_create_vcard(json_object *obj, json_object *created,
			   struct store_contact_card *card, struct vcard **vc_r,
			   json_object **error_r)
{
	json_object *data;

	if (!json_object_object_get_ex(obj, "davData", &data))
		return cc_create_card(obj, created, &card->vcard, &card->vcard_len, error_r) < 0 ?
		       -1 : cc_parse_written(card->vcard, card->vcard_len, vc_r, error_r);
	if (cc_has_card_members(obj)) {
		*error_r = jmap_prop_error("davData", "davData replaces every Card property");
		return -1;
	}
	if (cc_parse_dav_data(data, vc_r, error_r) < 0)
		return -1;
	card->vcard = xstrdup((*vc_r)->text);
	card->vcard_len = (*vc_r)->text_len;
	return 0;
}

static int cc_create_ids(struct jmap_call *call, json_object *obj, json_object *js,
			 struct store_contact_card *card, json_object **error_r)
{
	json_object *uid, *name;
	uint64_t other;
	bool taken;

	if (!json_object_object_get_ex(js, "uid", &uid)) {
		*error_r = jmap_prop_error("davData", "The vCard has no UID");
		return -1;
	}
	card->uid = xstrdup(json_object_get_string(uid));
	if (json_object_object_get_ex(obj, "davName", &name) && name != NULL)
		return cc_parse_dav_name(name, &card->dav_name, error_r);
	card->dav_name = cc_default_dav_name(card->uid, false);
	taken = store_contact_card_find_dav_name(call->acct, card->address_book_id,
						 card->dav_name, &other) > 0;
	if (taken) {
		free(card->dav_name);
		card->dav_name = cc_default_dav_name(card->uid, true);
	}
	return 0;
}

static int cc_create_store(struct jmap_call *call, struct store_contact_card *card,
			   json_object *created, json_object **error_r)
{
	const char *error;
	char id[24];

	if (cc_check_unique(call, card, error_r) < 0)
		return -1;
	if (store_contact_card_create(call->acct, card, &error) < 0)
		return cc_store_fail(call, error, error_r);
	jmap_id_format(CONTACTCARD_ID_PREFIX, card->id, id);
	json_object_object_add(created, "id", json_object_new_string(id));
	if (call->req->in_process) {
		json_object_object_add(created, "davName", json_object_new_string(card->dav_name));
		json_object_object_add(created, "davEtag", json_object_new_string(card->etag));
	}
	return 0;
}

static int cc_create_run(struct jmap_call *call, json_object *obj, json_object *created,
			 struct store_contact_card *card, json_object **error_r)
{
	const char *dav = contacts_dav_prop_used(call, obj, contactcard_dav_props);
	json_object *books = NULL, *js = NULL;
	struct vcard *vc = NULL;
	int ret = -1;

	if (addressbook_ensure_default(call) < 0)
		*error_r = NULL;
	else if (dav != NULL)
		*error_r = jmap_prop_error(dav, NULL);
	else if (!json_object_object_get_ex(obj, "addressBookIds", &books) || books == NULL)
		*error_r = jmap_prop_error("addressBookIds", "addressBookIds is required");
	else if (cc_parse_book(call, books, &card->address_book_id, error_r) == 0 &&
		 cc_create_vcard(obj, created, card, &vc, error_r) == 0) {
		js = jscontact_from_vcard(vc);
		if (cc_create_ids(call, obj, js, card, error_r) == 0) {
			contactcard_index(js, card, time(NULL));
			ret = cc_create_store(call, card, created, error_r);
		}
	}
	json_object_put(js);
	vcard_free(&vc);
	return ret;
}

int jmap_contactcard_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			    json_object **created_r, json_object **error_r)
{
	struct store_contact_card card = { 0 };
	json_object *created = json_object_new_object();
	int ret;

	(void)creation_id;
	ret = cc_create_run(call, obj, created, &card, error_r);
	store_contact_card_clear(&card);
	if (ret < 0) {
		json_object_put(created);
		return -1;
	}
	*created_r = created;
	return 0;
}

int jmap_contactcard_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	const char *error;
	uint64_t n;

	if (jmap_id_parse(CONTACTCARD_ID_PREFIX, id, &n) < 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	if (store_contact_card_destroy(call->acct, n, &error) == 0)
		return 0;
	if (store_last_error() == STORE_ERR_NOT_FOUND) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		return -1;
	}
	return cc_store_fail(call, error, error_r);
}
