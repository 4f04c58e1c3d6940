/* JSContact -> vCard (RFC 9555 §3): the writer's frame — slots, entry
 * lines with their parameters, labels and JSPROP lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/jscontact_write.h"

/* Members every entry has that the frame writes itself. */
static const char *const jsc_entry_common[] = { "@type", "contexts", "pref", "label", NULL };

/* ContactCard members that are JMAP's, and the Card's frame. */
static const char *const jsc_frame_props[] = {
	"id", "addressBookIds", "davName", "davEtag", "davData", "@type", "version", NULL,
};

static bool jsc_name_in(const char *name, const char *const *list)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		if (strcmp(list[i], name) == 0)
			return true;
	}
	return false;
}

bool jscontact_prop_is_frame(const char *name)
{
	return jsc_name_in(name, jsc_frame_props);
}

static const struct jsc_write_rule *jsc_write_rule_find(const char *name)
{
	for (const struct jsc_write_rule *rule = jsc_write_rules; rule->js_prop != NULL; rule++) {
		if (strcmp(rule->js_prop, name) == 0)
			return rule;
	}
	return NULL;
}

bool jscontact_prop_is_native(const char *name)
{
	return jsc_write_rule_find(name) != NULL;
}

bool jscontact_prop_is_map(const char *name)
{
	const struct jsc_write_rule *rule = jsc_write_rule_find(name);

	return rule != NULL && rule->map;
}

int jsc_w_bad(struct jsc_writer *w)
{
	if (w->bad == NULL)
		w->bad = w->prop;
	return -1;
}

int jsc_w_string(struct jsc_writer *w, json_object *obj, const char *member, bool required,
		 const char **s_r)
{
	json_object *v = NULL;

	*s_r = NULL;
	if (!json_object_object_get_ex(obj, member, &v) || v == NULL)
		return required ? jsc_w_bad(w) : 0;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return jsc_w_bad(w);
	*s_r = json_object_get_string(v);
	return 0;
}

bool jsc_raw_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20)
			return false;
	}
	return true;
}

static void jsc_emit(struct jsc_writer *w)
{
	vcard_fold(w->out, w->line.s, w->line.len);
}

void jsc_line_text(struct jsc_writer *w, const char *text)
{
	strbuf_putc(&w->line, ':');
	vcard_escape_text(&w->line, text);
	jsc_emit(w);
}

void jsc_line_raw(struct jsc_writer *w, const char *value)
{
	strbuf_putc(&w->line, ':');
	strbuf_puts(&w->line, value);
	jsc_emit(w);
}

void jsc_write_jsprop(struct jsc_writer *w, const char *key, const char *member,
		      json_object *value)
{
	struct strbuf ptr = { 0 };

	jsc_pointer_append(&ptr, w->prop);
	if (key != NULL) {
		strbuf_putc(&ptr, '/');
		jsc_pointer_append(&ptr, key);
	}
	if (member != NULL) {
		strbuf_putc(&ptr, '/');
		jsc_pointer_append(&ptr, member);
	}
	vcard_line_begin(&w->line, w->group, "JSPROP");
	vcard_line_param(&w->line, "JSPTR", ptr.s);
	jsc_line_text(w, json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	strbuf_free(&ptr);
}

void jsc_write_unknown(struct jsc_writer *w, const char *key, json_object *value,
		       const char *const *members, bool entry)
{
	json_object_object_foreach(value, member, v) {
		if (strcmp(member, "@type") == 0 || jsc_name_in(member, members) ||
		    (entry && jsc_name_in(member, jsc_entry_common)))
			continue;
		jsc_write_jsprop(w, key, member, v);
	}
}

/* ---- entries ---- */

static int jsc_entry_check(struct jsc_writer *w, json_object *entry, const char **label_r)
{
	json_object *contexts = NULL, *pref = NULL;

	if (json_object_object_get_ex(entry, "contexts", &contexts) && contexts != NULL &&
	    !jsc_is_true_set(contexts))
		return jsc_w_bad(w);
	if (json_object_object_get_ex(entry, "pref", &pref) && pref != NULL &&
	    (!json_object_is_type(pref, json_type_int) || json_object_get_int64(pref) < 1 ||
	     json_object_get_int64(pref) > 100))
		return jsc_w_bad(w);
	return jsc_w_string(w, entry, "label", false, label_r);
}

static void jsc_entry_group(struct jsc_writer *w, const char *label)
{
	if (label == NULL || w->group != NULL)
		return;
	snprintf(w->group_buf, sizeof(w->group_buf), "item%u", ++w->next_group);
	w->group = w->group_buf;
}

/* TYPE values: the contexts (private is "home"), then extra, then
 * "pref" in 3.0, which has no PREF parameter. */
static void jsc_entry_types(struct jsc_writer *w, json_object *entry, const char *const *extra,
			    size_t extra_count)
{
	json_object *contexts = jsc_get_object(entry, "contexts");
	const char **types = xcalloc(extra_count + 2 + (contexts != NULL ?
					(size_t)json_object_object_length(contexts) : 0),
				     sizeof(char *));
	size_t n = 0;

	if (contexts != NULL) {
		json_object_object_foreach(contexts, context, v) {
			(void)v;
			if (jsc_raw_ok(context))
				types[n++] = strcmp(context, "private") == 0 ? "home" : context;
		}
	}
	for (size_t i = 0; i < extra_count; i++)
		types[n++] = extra[i];
	if (w->version == VCARD_VERSION_3 && json_object_object_get_ex(entry, "pref", NULL))
		types[n++] = "pref";
	if (n > 0)
		vcard_line_param_list(&w->line, "TYPE", (char *const *)types, n);
	free(types);
}

int jsc_entry_begin(struct jsc_writer *w, const char *name, const char *key,
		    json_object *entry, const char *const *extra, size_t extra_count)
{
	json_object *pref;
	const char *label;
	char text[16];

	if (jsc_entry_check(w, entry, &label) < 0)
		return -1;
	jsc_entry_group(w, label);
	vcard_line_begin(&w->line, w->group, name);
	/* RFC 9554's PROP-ID keeps the entry's key; 3.0 readers skip an
	 * unknown parameter as they do X- ones */
	vcard_line_param(&w->line, "PROP-ID", key);
	jsc_entry_types(w, entry, extra, extra_count);
	if (w->version == VCARD_VERSION_4 && json_object_object_get_ex(entry, "pref", &pref) &&
	    pref != NULL) {
		snprintf(text, sizeof(text), "%d", json_object_get_int(pref));
		vcard_line_param(&w->line, "PREF", text);
	}
	return 0;
}

int jsc_entry_end(struct jsc_writer *w, const char *key, json_object *entry,
		  const struct jsc_write_rule *rule)
{
	const char *label = jsc_get_string(entry, "label");

	if (label != NULL) {
		vcard_line_begin(&w->line, w->group, "X-ABLabel");
		jsc_line_text(w, label);
	}
	jsc_write_unknown(w, key, entry, rule->members, true);
	return 0;
}

/* ---- slots ---- */

json_object *jscontact_slot_value(json_object *card, const char *slot)
{
	const char *slash = strchr(slot, '/');
	json_object *value = NULL;
	char *prop;

	if (slash == NULL) {
		json_object_object_get_ex(card, slot, &value);
		return value;
	}
	prop = xstrndup(slot, (size_t)(slash - slot));
	if (json_object_object_get_ex(card, prop, &value) &&
	    json_object_is_type(value, json_type_object))
		json_object_object_get_ex(value, slash + 1, &value);
	else
		value = NULL;
	free(prop);
	return value;
}

static void jsc_slots_of_rule(json_object *card, const struct jsc_write_rule *rule,
			      json_object *slots)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(card, rule->js_prop, &value) || value == NULL) {
		if (strcmp(rule->js_prop, "name") == 0)
			json_object_array_add(slots, json_object_new_string("name"));
		return;
	}
	if (!rule->map || !json_object_is_type(value, json_type_object)) {
		json_object_array_add(slots, json_object_new_string(rule->js_prop));
		return;
	}
	json_object_object_foreach(value, key, entry) {
		char *slot = xasprintf("%s/%s", rule->js_prop, key);

		(void)entry;
		json_object_array_add(slots, json_object_new_string(slot));
		free(slot);
	}
}

json_object *jscontact_card_slots(json_object *card)
{
	json_object *slots = json_object_new_array();

	for (const struct jsc_write_rule *rule = jsc_write_rules; rule->js_prop != NULL; rule++)
		jsc_slots_of_rule(card, rule, slots);
	json_object_object_foreach(card, name, value) {
		if (value != NULL && jsc_write_rule_find(name) == NULL &&
		    !jscontact_prop_is_frame(name))
			json_object_array_add(slots, json_object_new_string(name));
	}
	return slots;
}

static bool jsc_key_valid(const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len > 255)
		return false;
	for (const char *c = key; *c != '\0'; c++) {
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return false;
	}
	return true;
}

static int jsc_write_entry_slot(struct jsc_writer *w, json_object *card,
				const struct jsc_write_rule *rule, const char *key)
{
	json_object *map = NULL, *entry = NULL;

	json_object_object_get_ex(card, rule->js_prop, &map);
	if (map == NULL)
		return 0;
	if (key == NULL || !json_object_is_type(map, json_type_object) || !jsc_key_valid(key))
		return jsc_w_bad(w);
	if (!json_object_object_get_ex(map, key, &entry) || entry == NULL)
		return 0;
	if (!json_object_is_type(entry, json_type_object))
		return jsc_w_bad(w);
	return rule->write(w, key, entry, rule);
}

int jscontact_write_slot(struct jsc_writer *w, json_object *card, const char *slot)
{
	const char *slash = strchr(slot, '/');
	char *prop = slash != NULL ? xstrndup(slot, (size_t)(slash - slot)) : xstrdup(slot);
	const struct jsc_write_rule *rule = jsc_write_rule_find(prop);
	json_object *value = NULL;
	int ret = 0;

	w->prop = rule != NULL ? rule->js_prop : slot;
	if (rule != NULL && rule->map) {
		ret = jsc_write_entry_slot(w, card, rule, slash != NULL ? slash + 1 : NULL);
	} else if (slash == NULL) {
		json_object_object_get_ex(card, prop, &value);
		if (rule != NULL && (value != NULL || strcmp(prop, "name") == 0))
			ret = rule->write(w, NULL, value, rule);
		else if (rule == NULL && value != NULL && !jscontact_prop_is_frame(prop))
			jsc_write_jsprop(w, NULL, NULL, value);
	}
	free(prop);
	return ret;
}
