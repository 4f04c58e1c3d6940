#ifndef TERN_JMAP_JSCONTACT_H
#define TERN_JMAP_JSCONTACT_H

#include <stddef.h>

#include <json-c/json.h>

#include "jmap/vcard.h"

/* JSContact Card (RFC 9553) from and to vCard, by the rules of RFC 9555
 * for what both know: uid, kind, name (components, full), nicknames,
 * organizations, titles, emails, phones, addresses, online services
 * (IMPP, SOCIALPROFILE), links (URL), media (PHOTO, LOGO, SOUND by URI;
 * 3.0 inline pictures as data: URIs), anniversaries (BDAY, ANNIVERSARY,
 * DEATHDATE), notes, keywords, members, relatedTo, preferred languages,
 * calendars, scheduling addresses, crypto keys, directories, language,
 * prodId, created and updated. Other Card members travel in JSPROP
 * lines (RFC 9555 §3.3.1); vCard lines with no JSContact form stay in
 * the vCard text, which is the canonical form. Members of a ContactCard
 * that are JMAP's (id, addressBookIds, dav*) are never written. */

/* The Card of a parsed vCard (new reference). Lines it cannot convert
 * are left out. */
json_object *jscontact_from_vcard(const struct vcard *card);

/* A new vCard 4.0 text for card (caller frees). Returns 0, or -1 with
 * the first invalid Card property in *bad_prop_r (see core/error.h for
 * its lifetime). */
int jscontact_to_vcard(json_object *card, char **text_r, size_t *len_r,
		       const char **bad_prop_r);

/* The text of old edited to say card, in old's version: the lines of
 * every part of the Card that did not change are kept byte for byte,
 * vCard lines JSContact does not know (X- properties, Apple's groups)
 * are kept, the changed parts are written again where they were and
 * new parts are added at the end. Returns as jscontact_to_vcard(). */
int jscontact_update_vcard(const struct vcard *old, json_object *card, char **text_r,
			   size_t *len_r, const char **bad_prop_r);

#endif
