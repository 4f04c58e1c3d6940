#ifndef TERN_JMAP_JSCONTACT_READ_H
#define TERN_JMAP_JSCONTACT_READ_H

#include <stddef.h>

#include <json-c/json.h>

#include "jmap/jscontact_private.h"

/* The vCard -> JSContact reader's insides (jscontact_read*.c). */

struct jsc_reader {
	const struct vcard *card;
	json_object *out;	/* the Card */
	json_object *slots;	/* per vCard line: null or its slots */
	size_t index;		/* the line being read */
};

struct jsc_read_rule;

/* Converts line p, recording its slots; a line it cannot convert gets
 * none (its bytes still live in the vCard text). */
typedef void jsc_read_fn(struct jsc_reader *r, const struct vcard_prop *p,
			 const struct jsc_read_rule *rule);

struct jsc_read_rule {
	const char *vcard_name;	/* "EMAIL" */
	const char *js_prop;	/* "emails" */
	char key_prefix;	/* maps: the first letter of made-up keys */
	const char *kind;	/* the entry's "kind", when the rule sets one */
	jsc_read_fn *read;
};

/* Every vCard property the reader converts, terminated by {NULL}. */
extern const struct jsc_read_rule jsc_read_rules[];

/* Records that line index made slot. */
void jsc_slot_add(struct jsc_reader *r, size_t index, const char *slot);
/* The Card's object member name, created empty if missing (borrowed). */
json_object *jsc_out_member(struct jsc_reader *r, const char *name);
/* Adds entry (taken) to the rule's map under a key from PROP-ID or made
 * up, with contexts, pref and the group's X-ABLabel as label; records
 * its slot for the line (and its label line). */
void jsc_add_entry(struct jsc_reader *r, const struct vcard_prop *p,
		   const struct jsc_read_rule *rule, json_object *entry);
/* The line's value as TEXT, unescaped (caller frees). */
char *jsc_prop_text(const struct vcard_prop *p);

#endif
