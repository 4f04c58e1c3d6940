/* ContactCard (RFC 9610 §3): the type and ContactCard/get. Each card is
 * read from its vCard text and shown as a JSContact Card. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "jmap/contacts.h"
#include "jmap/jscontact.h"

#define CONTACTCARD_MAP(name) { name, JMAP_KIND_OBJECT, JMAP_PROP_NULLABLE }

static const struct jmap_prop contactcard_props[] = {
	{ "id", JMAP_KIND_ID, JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE },
	{ "addressBookIds", JMAP_KIND_OBJECT, 0 },
	{ "@type", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	{ "version", JMAP_KIND_STRING, JMAP_PROP_DEFAULTED },
	{ "uid", JMAP_KIND_STRING, JMAP_PROP_IMMUTABLE | JMAP_PROP_DEFAULTED },
	{ "kind", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	{ "created", JMAP_KIND_DATE, JMAP_PROP_NULLABLE },
	{ "updated", JMAP_KIND_DATE, JMAP_PROP_NULLABLE | JMAP_PROP_DEFAULTED },
	{ "language", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	{ "prodId", JMAP_KIND_STRING, JMAP_PROP_NULLABLE },
	CONTACTCARD_MAP("members"),
	CONTACTCARD_MAP("relatedTo"),
	CONTACTCARD_MAP("name"),
	CONTACTCARD_MAP("speakToAs"),
	CONTACTCARD_MAP("keywords"),
	CONTACTCARD_MAP("localizations"),
	CONTACTCARD_MAP("personalInfo"),
	CONTACTCARD_MAP("nicknames"),
	CONTACTCARD_MAP("organizations"),
	CONTACTCARD_MAP("titles"),
	CONTACTCARD_MAP("emails"),
	CONTACTCARD_MAP("onlineServices"),
	CONTACTCARD_MAP("phones"),
	CONTACTCARD_MAP("preferredLanguages"),
	CONTACTCARD_MAP("calendars"),
	CONTACTCARD_MAP("schedulingAddresses"),
	CONTACTCARD_MAP("addresses"),
	CONTACTCARD_MAP("cryptoKeys"),
	CONTACTCARD_MAP("directories"),
	CONTACTCARD_MAP("links"),
	CONTACTCARD_MAP("media"),
	CONTACTCARD_MAP("anniversaries"),
	CONTACTCARD_MAP("notes"),
	{ "davName", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_DEFAULTED },
	{ "davEtag", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT | JMAP_PROP_SERVER_SET },
	{ "davData", JMAP_KIND_STRING, JMAP_PROP_NOT_DEFAULT },
	{ NULL, 0, 0 },
};

static const char *const contactcard_dav_props[] = { "davName", "davEtag", "davData", NULL };

static void contactcard_add_ids(json_object *js, const struct store_contact_card *card)
{
	json_object *books = json_object_new_object();
	char id[24];

	jmap_id_format(ADDRESSBOOK_ID_PREFIX, card->address_book_id, id);
	json_object_object_add(books, id, json_object_new_boolean(1));
	jmap_id_format(CONTACTCARD_ID_PREFIX, card->id, id);
	json_object_object_add(js, "id", json_object_new_string(id));
	json_object_object_add(js, "addressBookIds", books);
}

json_object *contactcard_to_json(const struct store_contact_card *card, bool with_dav)
{
	struct vcard *vc;
	json_object *js;
	const char *error;

	if (vcard_parse(card->vcard, card->vcard_len, NULL, &vc, &error) < 0) {
		log_error("contacts.stored_vcard", "card=%llu error=%s",
			  (unsigned long long)card->id, log_q(error));
		return NULL;
	}
	js = jscontact_from_vcard(vc);
	vcard_free(&vc);
	contactcard_add_ids(js, card);
	if (with_dav) {
		json_object_object_add(js, "davName", json_object_new_string(card->dav_name));
		json_object_object_add(js, "davEtag", json_object_new_string(card->etag));
		json_object_object_add(js, "davData",
				       json_object_new_string_len(card->vcard, (int)card->vcard_len));
	}
	return js;
}

/* Properties the row has without parsing the vCard: a DAV listing asks
 * only for these. */
static const char *const contactcard_row_props[] = {
	"id", "addressBookIds", "uid", "davName", "davEtag", "davData", NULL,
};

struct contactcard_get {
	struct jmap_call *call;
	struct jmap_get *get;
	bool from_row;		/* every asked property is the row's */
	unsigned what;		/* STORE_CARD_WITH_* to read */
};

static json_object *contactcard_row_json(const struct store_contact_card *card)
{
	json_object *js = json_object_new_object();

	json_object_object_add(js, "uid", json_object_new_string(card->uid));
	contactcard_add_ids(js, card);
	json_object_object_add(js, "davName", json_object_new_string(card->dav_name));
	json_object_object_add(js, "davEtag", json_object_new_string(card->etag));
	if (card->vcard != NULL)
		json_object_object_add(js, "davData",
				       json_object_new_string_len(card->vcard, (int)card->vcard_len));
	return js;
}

static int contactcard_get_add(struct contactcard_get *g, const struct store_contact_card *card)
{
	json_object *js = g->from_row ? contactcard_row_json(card) :
			  contactcard_to_json(card, g->call->req->in_process);

	if (js == NULL)
		return jmap_call_error(g->call, "serverFail", "card %llu does not parse",
				       (unsigned long long)card->id);
	json_object_array_add(g->get->list, js);
	return 0;
}

static int contactcard_get_all(struct contactcard_get *g)
{
	struct jmap_call *call = g->call;
	struct store_contact_card *list;
	const char *error;
	size_t count, shown;
	int ret = 0;

	if (store_contact_card_list(call->acct, 0, g->what, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	/* the generic code refuses more than maxObjectsInGet over HTTP: no
	 * need to convert them all first */
	shown = count;
	if (!call->req->in_process && (int64_t)shown > call->req->srv->limits.max_objects_in_get)
		shown = (size_t)call->req->srv->limits.max_objects_in_get + 1;
	for (size_t i = 0; i < shown && ret == 0; i++)
		ret = contactcard_get_add(g, &list[i]);
	store_contact_card_list_free(&list, count);
	return ret;
}

static int contactcard_get_one(struct contactcard_get *g, const char *id)
{
	struct store_contact_card card = { 0 };
	uint64_t n;
	int ret = 0;

	if (jmap_id_parse(CONTACTCARD_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_contact_card_get(g->call->acct, n, g->what, &card)) == 0) {
		json_object_array_add(g->get->not_found, json_object_new_string(id));
		return 0;
	}
	if (ret < 0)
		return jmap_call_error(g->call, "serverFail", "card read failed");
	ret = contactcard_get_add(g, &card);
	store_contact_card_clear(&card);
	return ret;
}

static bool contactcard_get_from_row(const struct jmap_get *get)
{
	size_t n = json_object_array_length(get->properties);

	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(get->properties, i));
		bool row = false;

		for (size_t k = 0; contactcard_row_props[k] != NULL && !row; k++)
			row = strcmp(name, contactcard_row_props[k]) == 0;
		if (!row)
			return false;
	}
	return true;
}

static int jmap_contactcard_get(struct jmap_call *call, struct jmap_get *get)
{
	struct contactcard_get g = { .call = call, .get = get,
				     .from_row = contactcard_get_from_row(get) };
	size_t n;

	if (contacts_check_dav_get(call, get, contactcard_dav_props) < 0)
		return -1;
	if (!g.from_row || jmap_get_wants(get, "davData"))
		g.what = STORE_CARD_WITH_VCARD;
	if (get->ids == NULL)
		return contactcard_get_all(&g);
	n = json_object_array_length(get->ids);
	for (size_t i = 0; i < n; i++) {
		if (contactcard_get_one(&g, json_object_get_string(
			json_object_array_get_idx(get->ids, i))) < 0)
			return -1;
	}
	return 0;
}

const struct jmap_type jmap_contactcard_type = {
	.name = "ContactCard",
	.capability = JMAP_CAP_CONTACTS,
	.store_type = STORE_TYPE_CONTACT_CARD,
	.id_prefix = CONTACTCARD_ID_PREFIX,
	.props = contactcard_props,
	.get = jmap_contactcard_get,
	.create = jmap_contactcard_create,
	.update = jmap_contactcard_update,
	.destroy = jmap_contactcard_destroy,
	.filter_check = jmap_contactcard_filter_check,
	.sort_props = jmap_contactcard_sort_props,
	.query = jmap_contactcard_query,
	.changes_extra = contacts_dav_changes_gone,
};
