#ifndef TERN_JMAP_CONTACTCARD_SET_H
#define TERN_JMAP_CONTACTCARD_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jmap/contacts.h"
#include "jmap/vcard.h"

/* Shared by contactcard_set.c (create, destroy) and
 * contactcard_update.c. Functions that fail return -1 with a SetError
 * in *error_r, or with *error_r NULL after failing the call. */

/* ContactCard's urn:tern:dav properties, NULL-terminated. */
extern const char *const contactcard_dav_props[];

int cc_store_fail(struct jmap_call *call, const char *error, json_object **error_r);
/* Whether obj (an object or a patch) names a Card member, not only
 * JMAP's own (id, addressBookIds, dav*). */
bool cc_has_card_members(json_object *obj);
/* The Card members of obj without the nulls (new reference). */
json_object *cc_card_part(json_object *obj);
/* addressBookIds: exactly one existing address book. */
int cc_parse_book(struct jmap_call *call, json_object *value, uint64_t *book_r,
		  json_object **error_r);
int cc_parse_dav_data(json_object *value, struct vcard **vc_r, json_object **error_r);
int cc_parse_dav_name(json_object *value, char **name_r, json_object **error_r);
/* Parses a text jscontact wrote; tooLarge past the vCard limits. */
int cc_parse_written(char *text, size_t len, struct vcard **vc_r, json_object **error_r);
/* Sets "updated" of card to now, and says so in report. */
void cc_set_updated_now(json_object *card, json_object *report);
/* uid and DAV name free in the card's address book (alreadyExists with
 * existingId for the uid). */
int cc_check_unique(struct jmap_call *call, const struct store_contact_card *card,
		    json_object **error_r);

#endif
