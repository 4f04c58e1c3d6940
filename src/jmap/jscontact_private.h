#ifndef TERN_JMAP_JSCONTACT_PRIVATE_H
#define TERN_JMAP_JSCONTACT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "core/strbuf.h"
#include "jmap/vcard.h"

/* Inside the vCard <-> JSContact conversion (jscontact*.c) only.
 *
 * A Card is cut into slots: a property that is one whole ("name",
 * "keywords", "uid") is one slot, and each entry of a map of objects is
 * its own ("emails/e1"). The reader records which vCard lines made
 * which slots; the writer writes one slot at a time. An edit then
 * rewrites only the lines of the slots that changed. */

/* Reads card into a new Card. *slots_r gets a new array with one item
 * per property of card: null if the line was not converted, else the
 * array of the slots it made. */
json_object *jscontact_read(const struct vcard *card, json_object **slots_r);

struct jsc_writer {
	enum vcard_version version;
	struct strbuf *out;
	json_object *card;	/* the Card being written (borrowed) */
	struct strbuf line;	/* the content line being built */
	const char *group;	/* group of the slot's lines (NULL: none yet) */
	char group_buf[32];
	unsigned next_group;	/* itemN groups made so far */
	const char *prop;	/* the top-level property being written */
	const char *bad;	/* the first invalid property */
};

/* Writes the lines of one slot of card (a slot card does not have
 * writes nothing, except "name": a vCard always gets its FN). Returns
 * 0, or -1 with w->bad set. */
int jscontact_write_slot(struct jsc_writer *w, json_object *card, const char *slot);
/* Every slot of card in writing order, "name" always included (new
 * array of strings). Properties that are JMAP's, not JSContact's, are
 * left out. */
json_object *jscontact_card_slots(json_object *card);
/* The value of slot in card (borrowed), NULL if it has none. */
json_object *jscontact_slot_value(json_object *card, const char *slot);
/* Whether Card property name is a map of entries, one slot each
 * ("emails"), rather than one whole ("name"). */
bool jscontact_prop_is_map(const char *name);
/* Whether Card property name has vCard properties of its own (a JSPROP
 * line may add to it, never replace it). */
bool jscontact_prop_is_native(const char *name);
/* Whether a top-level member of a ContactCard is JMAP's own or the
 * Card's frame (@type, version), never written as a vCard line. */
bool jscontact_prop_is_frame(const char *name);

/* ---- shared helpers (jscontact_util.c) ---- */

/* JSON member helpers: NULL when absent or of another type. */
const char *jsc_get_string(json_object *obj, const char *name);
json_object *jsc_get_object(json_object *obj, const char *name);
/* Whether member name is absent, or present with the JSON type. */
bool jsc_member_ok(json_object *obj, const char *name, enum json_type type);
/* Whether value is an object whose members are all true. */
bool jsc_is_true_set(json_object *value);

/* Appends "~"-escaped JSON Pointer token s. */
void jsc_pointer_append(struct strbuf *b, const char *s);

/* vCard dates (BDAY, ANNIVERSARY: 4.0 date-and-or-time, 3.0 date or
 * date-time) to a JSContact PartialDate or Timestamp; NULL if the value
 * is none of those. omit_year: Apple's X-APPLE-OMIT-YEAR year, or 0. */
json_object *jsc_date_from_vcard(const char *value, int omit_year);
/* A PartialDate/Timestamp written for version; -1 if date is not one.
 * *omit_year_r is set when 3.0 needs a placeholder year (Apple's). */
int jsc_date_to_vcard(json_object *date, enum vcard_version version, struct strbuf *out,
		      int *omit_year_r);
/* vCard TIMESTAMP (REV) in either version's form to time_t. */
int jsc_timestamp_parse(const char *value, time_t *t_r);
void jsc_timestamp_format(time_t t, enum vcard_version version, struct strbuf *out);

#endif
