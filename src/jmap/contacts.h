#ifndef TERN_JMAP_CONTACTS_H
#define TERN_JMAP_CONTACTS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jmap/stdmethods.h"
#include "store/store_contacts.h"

/* JMAP for Contacts (RFC 9610): AddressBook (addressbook.c, its /set in
 * addressbook_set.c) and ContactCard (contactcard.c; contactcard_set.c,
 * contactcard_query.c, contactcard_index.c). A card's canonical form is
 * its vCard text; JMAP sees it as a JSContact Card (jscontact.h).
 *
 * For the DAV face, the vendor capability urn:tern:dav adds properties
 * that only in-process callers (jmap_invoke) may read or write:
 * AddressBook "davName" (its URL segment) and "davProperties" (DAV dead
 * properties, any JSON object); ContactCard "davName" (resource name,
 * "<uid>.vcf" by default), "davEtag" (server-set: hex SHA-256 of the
 * text) and "davData" (the vCard text itself: set it to store a vCard
 * as sent, get it to have the same bytes back). ContactCard/query takes
 * a "davName" condition from in-process callers only (with
 * inAddressBook, a single lookup, as is uid). Ids: 'b' + number for
 * address books, 'k' + number for cards. */

#define JMAP_CAP_CONTACTS "urn:ietf:params:jmap:contacts"
#define JMAP_CAP_TERN_DAV "urn:tern:dav"

#define ADDRESSBOOK_ID_PREFIX 'b'
#define CONTACTCARD_ID_PREFIX 'k'

extern const struct jmap_type jmap_addressbook_type;
extern const struct jmap_type jmap_contactcard_type;

/* The account's value of urn:ietf:params:jmap:contacts (new reference). */
json_object *jmap_contacts_account_capability(const struct jmap_server *srv,
					      uint32_t account_id);

/* Inside a write transaction: creates the default address book
 * "Contacts" (DAV name "default") unless the account ever had an
 * address book. *created_r says whether it did. */
int addressbook_provision(struct store_account *acct, bool *created_r, const char **error_r);

/* For methods of either type: gives an account that never had an
 * address book its default one (accounts provisioned before contacts
 * existed), inside the call's transaction, or in a write transaction
 * of its own for a read-only method. Fails the call on error. */
int addressbook_ensure_default(struct jmap_call *call);

/* The AddressBook object as JMAP shows it, dav* members included (new
 * reference). */
json_object *addressbook_to_json(const struct store_address_book *ab);

/* Whether name is acceptable as a DAV resource or collection name: 1 to
 * 255 bytes, no "/", no control character, not "." or "..". */
bool contacts_dav_name_valid(const char *name);

/* Fails with invalidArguments if an HTTP caller asked /get for a
 * urn:tern:dav property (names listed, NULL-terminated). */
int contacts_check_dav_get(struct jmap_call *call, const struct jmap_get *get,
			   const char *const *dav_props);
/* The first urn:tern:dav property (of dav_props) that obj or a patch
 * names, for an HTTP caller; NULL if none or in-process. */
const char *contacts_dav_prop_used(const struct jmap_call *call, json_object *obj,
				   const char *const *dav_props);

/* ContactCard's and CalendarEvent's changes_extra hook: for in-process
 * callers, "davDestroyed" maps each updated or destroyed id to the
 * places it left in those changes, oldest first: [{"collectionId",
 * "davName"}, ...] (destroyed, moved to another collection, renamed),
 * so that DAV sync reports those hrefs gone, across restarts. An id
 * absent from it left no place (changed where it stays, or was
 * destroyed before the server kept places). */
int contacts_dav_changes_gone(struct jmap_call *call, uint64_t since, uint64_t until,
			      json_object *resp);

/* ---- ContactCard internals ---- */

/* The Card of a stored card as JMAP shows it: JSContact from its vCard,
 * id, addressBookIds, and the dav* members when with_dav (new
 * reference). NULL if the stored text does not parse. */
json_object *contactcard_to_json(const struct store_contact_card *card, bool with_dav);
/* Fills card's kind, search fields and times from its Card; created_at
 * is set only when 0 (a new card). */
void contactcard_index(json_object *js, struct store_contact_card *card, time_t now);

int jmap_contactcard_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			    json_object **created_r, json_object **error_r);
int jmap_contactcard_update(struct jmap_call *call, const char *id, json_object *patch,
			    json_object **updated_r, json_object **error_r);
int jmap_contactcard_destroy(struct jmap_call *call, const char *id, json_object **error_r);
int jmap_contactcard_filter_check(json_object *condition, const char **error_type_r);
int jmap_contactcard_query(struct jmap_call *call, struct jmap_query *query);
extern const char *const jmap_contactcard_sort_props[];

/* AddressBook/set's hooks (addressbook_set.c). */
int jmap_addressbook_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			    json_object **created_r, json_object **error_r);
int jmap_addressbook_update(struct jmap_call *call, const char *id, json_object *patch,
			    json_object **updated_r, json_object **error_r);
int jmap_addressbook_destroy(struct jmap_call *call, const char *id, json_object **error_r);
/* AddressBook/set itself: the standard /set, then onSuccessSetIsDefault. */
int jmap_addressbook_set(struct jmap_call *call);

#endif
