#ifndef TERN_JMAP_JSCONTACT_WRITE_H
#define TERN_JMAP_JSCONTACT_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "jmap/jscontact_private.h"

/* The JSContact -> vCard writer's insides (jscontact_write*.c). Every
 * function that can fail returns -1 with w->bad set to w->prop. */

struct jsc_write_rule;

/* Writes one slot: an entry (key set) or a whole property (key NULL;
 * value may be NULL only for "name"). */
typedef int jsc_write_fn(struct jsc_writer *w, const char *key, json_object *value,
			 const struct jsc_write_rule *rule);

struct jsc_write_rule {
	const char *js_prop;
	bool map;		/* Id[Object]: one slot per entry */
	jsc_write_fn *write;
	/* members written as vCard (besides @type, contexts, pref, label of
	 * entries); the others go to JSPROP lines; NULL-terminated */
	const char *const *members;
};

/* In writing order, terminated by {NULL}. */
extern const struct jsc_write_rule jsc_write_rules[];

/* Marks the property being written invalid; returns -1. */
int jsc_w_bad(struct jsc_writer *w);
/* A string member: 0 with *s_r (NULL when absent and !required), or -1
 * if it is of another type, holds NUL, or is required and absent. */
int jsc_w_string(struct jsc_writer *w, json_object *obj, const char *member, bool required,
		 const char **s_r);
/* Whether s can be written as a raw (unescaped) value or parameter:
 * no control characters. */
bool jsc_raw_ok(const char *s);

/* Entry lines: begin picks the group (a new itemN if the entry has a
 * label and the slot none), adds PROP-ID, TYPE from contexts plus
 * extra types, and the preference; the writer then adds its parameters
 * and emits the line with its value. end adds the label's X-ABLabel
 * line and a JSPROP line per member the rule does not know. */
int jsc_entry_begin(struct jsc_writer *w, const char *name, const char *key,
		    json_object *entry, const char *const *extra, size_t extra_count);
int jsc_entry_end(struct jsc_writer *w, const char *key, json_object *entry,
		  const struct jsc_write_rule *rule);
/* Ends the line with ":" and text escaped / raw, and emits it. */
void jsc_line_text(struct jsc_writer *w, const char *text);
void jsc_line_raw(struct jsc_writer *w, const char *value);
/* A JSPROP line: pointer from prop (and key, member when not NULL). */
void jsc_write_jsprop(struct jsc_writer *w, const char *key, const char *member,
		      json_object *value);
/* JSPROP lines for the members of value not in members (nor @type). */
void jsc_write_unknown(struct jsc_writer *w, const char *key, json_object *value,
		       const char *const *members, bool entry);

#endif
