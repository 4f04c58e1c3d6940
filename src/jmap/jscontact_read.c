/* vCard -> JSContact Card (RFC 9555 §2): the reader's frame — slots,
 * entry keys, contexts, labels and JSPROP — and its table of rules. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "jmap/jscontact_read.h"

/* JSPROP values are JSON; nesting is bounded like a request's. */
#define JSC_JSPROP_MAX_DEPTH 32

void jsc_slot_add(struct jsc_reader *r, size_t index, const char *slot)
{
	json_object *list = json_object_array_get_idx(r->slots, index);

	if (list == NULL) {
		list = json_object_new_array();
		json_object_array_put_idx(r->slots, index, list);
	}
	json_object_array_add(list, json_object_new_string(slot));
}

json_object *jsc_out_member(struct jsc_reader *r, const char *name)
{
	json_object *obj;

	if (!json_object_object_get_ex(r->out, name, &obj) || obj == NULL) {
		obj = json_object_new_object();
		json_object_object_add(r->out, name, obj);
	}
	return obj;
}

static bool jsc_key_usable(json_object *map, const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len > 255 || json_object_object_get_ex(map, key, NULL))
		return false;
	for (const char *c = key; *c != '\0'; c++) {
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return false;
	}
	return true;
}

/* RFC 9555 §2.1.2: PROP-ID if it is a free Id, else a made-up one. */
static void jsc_entry_key(json_object *map, const struct vcard_prop *p, char prefix,
			  char *key, size_t size)
{
	const char *prop_id = vcard_prop_param_value(p, "PROP-ID");

	if (prop_id != NULL && strlen(prop_id) < size && jsc_key_usable(map, prop_id)) {
		snprintf(key, size, "%s", prop_id);
		return;
	}
	for (size_t n = (size_t)json_object_object_length(map) + 1;; n++) {
		snprintf(key, size, "%c%zu", prefix, n);
		if (!json_object_object_get_ex(map, key, NULL))
			return;
	}
}

static void jsc_entry_contexts(const struct vcard_prop *p, json_object *entry)
{
	json_object *contexts = json_object_new_object();

	if (vcard_prop_has_type(p, "home"))
		json_object_object_add(contexts, "private", json_object_new_boolean(1));
	if (vcard_prop_has_type(p, "work"))
		json_object_object_add(contexts, "work", json_object_new_boolean(1));
	if (json_object_object_length(contexts) > 0)
		json_object_object_add(entry, "contexts", contexts);
	else
		json_object_put(contexts);
}

static void jsc_entry_pref(const struct vcard_prop *p, json_object *entry)
{
	const char *pref = vcard_prop_param_value(p, "PREF");
	int n = 0;

	if (pref != NULL)
		n = atoi(pref);
	else if (vcard_prop_has_type(p, "pref"))
		n = 1;
	if (n >= 1 && n <= 100)
		json_object_object_add(entry, "pref", json_object_new_int(n));
}

/* The X-ABLabel line in p's group, -1 if none. */
static int jsc_label_index(const struct jsc_reader *r, const struct vcard_prop *p)
{
	for (size_t i = 0; p->group != NULL && i < r->card->prop_count; i++) {
		const struct vcard_prop *q = &r->card->props[i];

		if (q->group != NULL && strcasecmp(q->group, p->group) == 0 &&
		    strcmp(q->name, "X-ABLABEL") == 0)
			return (int)i;
	}
	return -1;
}

void jsc_add_entry(struct jsc_reader *r, const struct vcard_prop *p,
		   const struct jsc_read_rule *rule, json_object *entry)
{
	json_object *map = jsc_out_member(r, rule->js_prop);
	int label = jsc_label_index(r, p);
	char key[64], slot[128];

	jsc_entry_key(map, p, rule->key_prefix, key, sizeof(key));
	jsc_entry_contexts(p, entry);
	jsc_entry_pref(p, entry);
	if (label >= 0) {
		const char *value = r->card->props[label].value;
		char *text = vcard_text_unescape(value, strlen(value));

		json_object_object_add(entry, "label", json_object_new_string(text));
		free(text);
	}
	json_object_object_add(map, key, entry);
	snprintf(slot, sizeof(slot), "%s/%s", rule->js_prop, key);
	jsc_slot_add(r, r->index, slot);
	if (label >= 0)
		jsc_slot_add(r, (size_t)label, slot);
}

char *jsc_prop_text(const struct vcard_prop *p)
{
	return vcard_text_unescape(p->value, strlen(p->value));
}

/* ---- JSPROP (RFC 9555 §3.3.1) ---- */

static json_object *jsc_jsprop_value(const struct vcard_prop *p)
{
	char *text = jsc_prop_text(p);
	size_t len = strlen(text);
	struct json_tokener *tok = json_tokener_new_ex(JSC_JSPROP_MAX_DEPTH);
	/* the NUL included, so that a bare literal ("true", 12) ends */
	json_object *value = len < INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len + 1) : NULL;

	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		json_object_put(value);
		value = NULL;
	}
	json_tokener_free(tok);
	free(text);
	return value;
}

/* The pointer's tokens, "~"-escapes undone; NULL if malformed. */
static char **jsc_pointer_split(const char *ptr, size_t *count_r)
{
	char **tokens = NULL;
	size_t count = 0;

	if (*ptr == '/')
		ptr++;
	for (const char *p = ptr;; p++) {
		const char *end = strchr(p, '/');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		struct strbuf b = { 0 };

		for (size_t i = 0; i < len; i++) {
			if (p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1'))
				strbuf_putc(&b, p[++i] == '0' ? '~' : '/');
			else
				strbuf_putc(&b, p[i]);
		}
		tokens = xrealloc(tokens, (count + 1) * sizeof(char *));
		tokens[count++] = strbuf_steal(&b);
		if (end == NULL)
			break;
		p = end;
	}
	*count_r = count;
	return tokens;
}

/* Sets value at tokens in the Card: the parent must exist (the first
 * level excepted), and a property with vCard lines of its own is only
 * added to. Returns 0, or -1 (value left to the caller). */
static int jsc_jsprop_set(json_object *card, char **tokens, size_t count, json_object *value)
{
	json_object *parent = card;

	if (count == 0 || tokens[0][0] == '\0' || jscontact_prop_is_frame(tokens[0]) ||
	    (count == 1 && jscontact_prop_is_native(tokens[0])))
		return -1;
	for (size_t i = 0; i + 1 < count; i++) {
		if (!json_object_object_get_ex(parent, tokens[i], &parent) ||
		    !json_object_is_type(parent, json_type_object))
			return -1;
	}
	json_object_object_add(parent, tokens[count - 1], value);
	return 0;
}

static void jsc_jsprop_apply(struct jsc_reader *r, size_t index)
{
	const struct vcard_prop *p = &r->card->props[index];
	const char *ptr = vcard_prop_param_value(p, "JSPTR");
	json_object *value;
	char **tokens;
	size_t count;
	char slot[600];

	if (ptr == NULL || (value = jsc_jsprop_value(p)) == NULL)
		return;
	tokens = jsc_pointer_split(ptr, &count);
	if (jsc_jsprop_set(r->out, tokens, count, value) < 0) {
		json_object_put(value);
	} else {
		if (count >= 2 && jscontact_prop_is_map(tokens[0]))
			snprintf(slot, sizeof(slot), "%s/%s", tokens[0], tokens[1]);
		else
			snprintf(slot, sizeof(slot), "%s", tokens[0]);
		jsc_slot_add(r, index, slot);
	}
	vcard_strings_free(tokens, count);
}

/* ---- the reader ---- */

static const struct jsc_read_rule *jsc_rule_find(const char *name)
{
	for (const struct jsc_read_rule *rule = jsc_read_rules; rule->vcard_name != NULL; rule++) {
		if (strcmp(rule->vcard_name, name) == 0)
			return rule;
	}
	return NULL;
}

static void jsc_read_finish(struct jsc_reader *r)
{
	json_object *name;

	for (size_t i = 0; i < r->card->prop_count; i++) {
		if (strcmp(r->card->props[i].name, "JSPROP") == 0)
			jsc_jsprop_apply(r, i);
	}
	if (json_object_object_get_ex(r->out, "name", &name) &&
	    json_object_object_length(name) == 0)
		json_object_object_del(r->out, "name");
}

json_object *jscontact_read(const struct vcard *card, json_object **slots_r)
{
	struct jsc_reader r = {
		.card = card,
		.out = json_object_new_object(),
		.slots = json_object_new_array_ext((int)card->prop_count + 1),
	};

	json_object_object_add(r.out, "@type", json_object_new_string("Card"));
	json_object_object_add(r.out, "version", json_object_new_string("1.0"));
	for (size_t i = 0; i < card->prop_count; i++)
		json_object_array_add(r.slots, NULL);
	for (r.index = 0; r.index < card->prop_count; r.index++) {
		const struct vcard_prop *p = &card->props[r.index];
		const struct jsc_read_rule *rule = jsc_rule_find(p->name);

		if (rule != NULL)
			rule->read(&r, p, rule);
	}
	jsc_read_finish(&r);
	*slots_r = r.slots;
	return r.out;
}
