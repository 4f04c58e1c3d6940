#ifndef TERN_JMAP_JSCONTACT_WRITE_ENTRIES_H
#define TERN_JMAP_JSCONTACT_WRITE_ENTRIES_H

#include "jmap/jscontact_write.h"

/* The writers of map entries (jscontact_write_entries.c), each with the
 * members it writes, for the rule table in jscontact_write_props.c. */

jsc_write_fn jsc_write_nickname, jsc_write_organization, jsc_write_title, jsc_write_email,
	jsc_write_phone, jsc_write_address, jsc_write_online, jsc_write_resource,
	jsc_write_media, jsc_write_anniversary, jsc_write_note, jsc_write_language_pref;

extern const char *const jsc_nickname_members[];
extern const char *const jsc_organization_members[];
extern const char *const jsc_title_members[];
extern const char *const jsc_email_members[];
extern const char *const jsc_phone_members[];
extern const char *const jsc_address_members[];
extern const char *const jsc_online_members[];
extern const char *const jsc_resource_members[];
extern const char *const jsc_anniversary_members[];
extern const char *const jsc_note_members[];
extern const char *const jsc_language_members[];

/* What an FN says when the Card has no name to show: its first
 * organization, else its first email address, else "". Borrowed. */
const char *jsc_write_fallback_name(json_object *card);

#endif
