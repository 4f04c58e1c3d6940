/* ContactCard/set update: a patch to the Card rewrites only the vCard
 * lines of what changed (unknown lines, X- properties and groups stay as
 * the client sent them); davData replaces the text as a whole; a new
 * addressBookIds moves the card. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/contactcard_set.h"
#include "jmap/jscontact.h"
#include "jmap/patch.h"

struct cc_update {
	struct jmap_call *call;
	struct store_contact_card *card;	/* the stored card, changed in place */
	json_object *patch;
	json_object *old_full;		/* the ContactCard before the patch */
	json_object *full;		/* and after it */
	json_object *report;		/* what changed other than as asked */
	json_object *js;		/* the Card of the new text, when it changed */
	bool text_changed, place_changed;
};

static void cc_update_set_text(struct cc_update *u, char *text, size_t len, struct vcard *vc)
{
	free(u->card->vcard);
	u->card->vcard = text;
	u->card->vcard_len = len;
	u->js = jscontact_from_vcard(vc);
	u->text_changed = true;
}

static int cc_update_dav_data(struct cc_update *u, json_object **error_r)
{
	json_object *data = json_object_object_get(u->full, "davData");
	const char *uid;
	struct vcard *vc;
	json_object *js;
	int ret = 0;

	if (cc_has_card_members(u->patch)) {
		*error_r = jmap_prop_error("davData", "davData replaces every Card property");
		return -1;
	}
	if (cc_parse_dav_data(data, &vc, error_r) < 0)
		return -1;
	js = jscontact_from_vcard(vc);
	uid = json_object_get_string(json_object_object_get(js, "uid"));
	if (uid == NULL || strcmp(uid, u->card->uid) != 0) {
		*error_r = jmap_prop_error("davData", "The UID of a card cannot change");
		ret = -1;
	} else if (vc->text_len != u->card->vcard_len ||
		   memcmp(vc->text, u->card->vcard, vc->text_len) != 0) {
		cc_update_set_text(u, xstrndup(vc->text, vc->text_len), vc->text_len, vc);
	}
	json_object_put(js);
	vcard_free(&vc);
	return ret;
}

static int cc_update_edit(struct cc_update *u, json_object *card, json_object **error_r)
{
	struct vcard *old, *vc;
	const char *error, *bad;
	char *text;
	size_t len;

	if (vcard_parse(u->card->vcard, u->card->vcard_len, NULL, &old, &error) < 0)
		return cc_store_fail(u->call, error, error_r);
	if (jscontact_update_vcard(old, card, &text, &len, &bad) < 0) {
		vcard_free(&old);
		*error_r = jmap_prop_error(bad, "Not a valid JSContact value");
		return -1;
	}
	vcard_free(&old);
	if (cc_parse_written(text, len, &vc, error_r) < 0) {
		free(text);
		return -1;
	}
	cc_update_set_text(u, text, len, vc);
	vcard_free(&vc);
	return 0;
}

/* The Card changed: "updated" moves to now unless the patch set it. */
static int cc_update_card(struct cc_update *u, json_object **error_r)
{
	json_object *before = cc_card_part(u->old_full), *after = cc_card_part(u->full);
	int ret = 0;

	if (!json_object_equal(before, after)) {
		if (!json_object_object_get_ex(u->patch, "updated", NULL))
			cc_set_updated_now(after, u->report);
		ret = cc_update_edit(u, after, error_r);
	}
	json_object_put(before);
	json_object_put(after);
	return ret;
}

static int cc_update_place(struct cc_update *u, json_object **error_r)
{
	json_object *books = json_object_object_get(u->full, "addressBookIds");
	json_object *name = json_object_object_get(u->full, "davName");
	uint64_t book;

	if (cc_parse_book(u->call, books, &book, error_r) < 0)
		return -1;
	if (book != u->card->address_book_id) {
		u->card->address_book_id = book;
		u->place_changed = true;
	}
	if (name == NULL || strcmp(json_object_get_string(name), u->card->dav_name) == 0)
		return 0;
	u->place_changed = true;
	return cc_parse_dav_name(name, &u->card->dav_name, error_r);
}

static int cc_update_store(struct cc_update *u, json_object **error_r)
{
	const char *error;

	if (!u->text_changed && !u->place_changed)
		return 0;
	if (u->place_changed && cc_check_unique(u->call, u->card, error_r) < 0)
		return -1;
	if (u->text_changed)
		contactcard_index(u->js, u->card, time(NULL));
	if (store_contact_card_update(u->call->acct, u->card, &error) < 0)
		return cc_store_fail(u->call, error, error_r);
	if (u->call->req->in_process)
		json_object_object_add(u->report, "davEtag", json_object_new_string(u->card->etag));
	return 0;
}

static int cc_update_run(struct cc_update *u, json_object **error_r)
{
	const char *dav = contacts_dav_prop_used(u->call, u->patch, contactcard_dav_props);
	const char *bad_path;

	if (dav != NULL) {
		*error_r = jmap_prop_error(dav, NULL);
		return -1;
	}
	u->old_full = contactcard_to_json(u->card, true);
	u->full = contactcard_to_json(u->card, true);
	if (u->full == NULL)
		return cc_store_fail(u->call, "a stored vCard does not parse", error_r);
	if (jmap_patch_apply(u->full, u->patch, &bad_path) < 0) {
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
		return -1;
	}
	if (json_object_object_get_ex(u->patch, "davData", NULL) ?
	    cc_update_dav_data(u, error_r) < 0 : cc_update_card(u, error_r) < 0)
		return -1;
	if (cc_update_place(u, error_r) < 0)
		return -1;
	return cc_update_store(u, error_r);
}

int jmap_contactcard_update(struct jmap_call *call, const char *id, json_object *patch,
			    json_object **updated_r, json_object **error_r)
{
	struct store_contact_card card = { 0 };
	struct cc_update u = {
		.call = call, .card = &card, .patch = patch, .report = json_object_new_object(),
	};
	uint64_t n;
	int ret = -1;

	*updated_r = NULL;
	if (jmap_id_parse(CONTACTCARD_ID_PREFIX, id, &n) < 0 ||
	    (ret = store_contact_card_get(call->acct, n, STORE_CARD_WITH_VCARD, &card)) == 0) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
		ret = -1;
	} else if (ret < 0) {
		cc_store_fail(call, "card read failed", error_r);
	} else if ((ret = cc_update_run(&u, error_r)) == 0 &&
		   json_object_object_length(u.report) > 0) {
		*updated_r = json_object_get(u.report);
	}
	json_object_put(u.report);
	json_object_put(u.old_full);
	json_object_put(u.full);
	json_object_put(u.js);
	store_contact_card_clear(&card);
	return ret;
}
