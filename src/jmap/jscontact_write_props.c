/* JSContact -> vCard: the writers of the Card's scalar and whole
 * properties (uid, kind, name, keywords, members, ...) and the table
 * of every writer, in writing order. The entry writers are in
 * jscontact_write_entries.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/jscontact_write.h"
#include "jmap/jscontact_write_entries.h"

/* N's fields in vCard order; 4.0 cards use the last two (RFC 9554)
 * only when a name has such components. */
static const char *const jsc_n_fields[] = {
	"surname", "given", "given2", "title", "credential", "surname2", "generation",
};
#define JSC_N_FIELDS 7
#define JSC_N_FIELDS_BASIC 5

static const char *const jsc_name_members[] = { "components", "full", NULL };
static const char *const jsc_no_members[] = { NULL };

static int jsc_write_text(struct jsc_writer *w, const char *key, json_object *value,
			  const char *name)
{
	const char *s = json_object_get_string(value);

	(void)key;
	if (!json_object_is_type(value, json_type_string) ||
	    strlen(s) != (size_t)json_object_get_string_len(value))
		return jsc_w_bad(w);
	vcard_line_begin(&w->line, w->group, name);
	jsc_line_text(w, s);
	return 0;
}

static int jsc_write_uid(struct jsc_writer *w, const char *key, json_object *value,
			 const struct jsc_write_rule *rule)
{
	(void)rule;
	return jsc_write_text(w, key, value, "UID");
}

static int jsc_write_prodid(struct jsc_writer *w, const char *key, json_object *value,
			    const struct jsc_write_rule *rule)
{
	(void)rule;
	return jsc_write_text(w, key, value, "PRODID");
}

static int jsc_write_language(struct jsc_writer *w, const char *key, json_object *value,
			      const struct jsc_write_rule *rule)
{
	(void)rule;
	return jsc_write_text(w, key, value, "LANGUAGE");
}

static bool jsc_token_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	}
	return true;
}

/* 3.0 has no KIND: Apple's X-ADDRESSBOOKSERVER-KIND says it there. */
static int jsc_write_kind(struct jsc_writer *w, const char *key, json_object *value,
			  const struct jsc_write_rule *rule)
{
	(void)key;
	(void)rule;
	if (!json_object_is_type(value, json_type_string) ||
	    !jsc_token_ok(json_object_get_string(value)))
		return jsc_w_bad(w);
	vcard_line_begin(&w->line, w->group, w->version == VCARD_VERSION_3 ?
			 "X-ADDRESSBOOKSERVER-KIND" : "KIND");
	jsc_line_raw(w, json_object_get_string(value));
	return 0;
}

static int jsc_write_time(struct jsc_writer *w, json_object *value, const char *name)
{
	struct strbuf text = { 0 };
	time_t t;

	if (!json_object_is_type(value, json_type_string) ||
	    time_parse_utc(json_object_get_string(value), &t) < 0)
		return jsc_w_bad(w);
	jsc_timestamp_format(t, w->version, &text);
	vcard_line_begin(&w->line, w->group, name);
	jsc_line_raw(w, text.s);
	strbuf_free(&text);
	return 0;
}

static int jsc_write_updated(struct jsc_writer *w, const char *key, json_object *value,
			     const struct jsc_write_rule *rule)
{
	(void)key;
	(void)rule;
	return jsc_write_time(w, value, "REV");
}

static int jsc_write_created(struct jsc_writer *w, const char *key, json_object *value,
			     const struct jsc_write_rule *rule)
{
	(void)key;
	(void)rule;
	return jsc_write_time(w, value, "CREATED");
}

static int jsc_n_field(const char *kind)
{
	for (int i = 0; i < JSC_N_FIELDS; i++) {
		if (strcmp(jsc_n_fields[i], kind) == 0)
			return i;
	}
	return -1;
}

/* Fills fields[] (escaped, comma-joined) and the shown form of the
 * name; -1 if components is not an array of {kind, value}. */
static int jsc_name_components(struct jsc_writer *w, json_object *components,
			       struct strbuf *fields, struct strbuf *shown)
{
	size_t n = json_object_array_length(components);

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(components, i);
		const char *kind, *value;
		int field;

		if (!json_object_is_type(c, json_type_object) ||
		    jsc_w_string(w, c, "kind", true, &kind) < 0 ||
		    jsc_w_string(w, c, "value", true, &value) < 0)
			return jsc_w_bad(w);
		if ((field = jsc_n_field(kind)) < 0)
			continue;
		if (fields[field].len > 0)
			strbuf_putc(&fields[field], ',');
		vcard_escape_text(&fields[field], value);
		if (shown->len > 0)
			strbuf_putc(shown, ' ');
		strbuf_puts(shown, value);
	}
	return 0;
}

static bool jsc_fields_used(const struct strbuf *fields, int from, int to)
{
	for (int i = from; i < to; i++) {
		if (fields[i].len > 0)
			return true;
	}
	return false;
}

static void jsc_write_n(struct jsc_writer *w, const struct strbuf *fields)
{
	int count = jsc_fields_used(fields, JSC_N_FIELDS_BASIC, JSC_N_FIELDS) ?
		    JSC_N_FIELDS : JSC_N_FIELDS_BASIC;

	if (w->version == VCARD_VERSION_4 && !jsc_fields_used(fields, 0, JSC_N_FIELDS))
		return;
	vcard_line_begin(&w->line, w->group, "N");
	strbuf_putc(&w->line, ':');
	for (int i = 0; i < count; i++) {
		if (i > 0)
			strbuf_putc(&w->line, ';');
		if (fields[i].len > 0)
			strbuf_append(&w->line, fields[i].s, fields[i].len);
	}
	vcard_fold(w->out, w->line.s, w->line.len);
}

/* Every vCard needs an FN: without name.full one is made from the
 * components, else the first organization or email, and marked
 * DERIVED (RFC 9554) so that reading it back adds nothing. */
static void jsc_write_full_name(struct jsc_writer *w, const char *full, const char *shown,
			 json_object *card)
{
	vcard_line_begin(&w->line, w->group, "FN");
	if (full != NULL) {
		jsc_line_text(w, full);
		return;
	}
	vcard_line_param(&w->line, "DERIVED", "TRUE");
	jsc_line_text(w, *shown != '\0' ? shown : jsc_write_fallback_name(card));
}

static int jsc_write_name(struct jsc_writer *w, const char *key, json_object *value,
			  const struct jsc_write_rule *rule)
{
	struct strbuf fields[JSC_N_FIELDS] = { 0 }, shown = { 0 };
	json_object *components = NULL;
	const char *full = NULL;
	int ret = 0;

	(void)key;
	if (value != NULL && (!json_object_is_type(value, json_type_object) ||
			      jsc_w_string(w, value, "full", false, &full) < 0))
		return jsc_w_bad(w);
	if (value != NULL && json_object_object_get_ex(value, "components", &components) &&
	    components != NULL && (!json_object_is_type(components, json_type_array) ||
				   jsc_name_components(w, components, fields, &shown) < 0))
		ret = jsc_w_bad(w);
	if (ret == 0) {
		jsc_write_n(w, fields);
		jsc_write_full_name(w, full, shown.s != NULL ? shown.s : "", w->card);
		if (value != NULL)
			jsc_write_unknown(w, NULL, value, rule->members, false);
	}
	for (int i = 0; i < JSC_N_FIELDS; i++)
		strbuf_free(&fields[i]);
	strbuf_free(&shown);
	return ret;
}

static int jsc_write_keywords(struct jsc_writer *w, const char *key, json_object *value,
			      const struct jsc_write_rule *rule)
{
	bool first = true;

	(void)key;
	(void)rule;
	if (!jsc_is_true_set(value))
		return jsc_w_bad(w);
	if (json_object_object_length(value) == 0)
		return 0;
	vcard_line_begin(&w->line, w->group, "CATEGORIES");
	strbuf_putc(&w->line, ':');
	json_object_object_foreach(value, word, v) {
		(void)v;
		if (!first)
			strbuf_putc(&w->line, ',');
		vcard_escape_text(&w->line, word);
		first = false;
	}
	vcard_fold(w->out, w->line.s, w->line.len);
	return 0;
}

/* 3.0 has no MEMBER: Apple's X-ADDRESSBOOKSERVER-MEMBER says it. */
static int jsc_write_members(struct jsc_writer *w, const char *key, json_object *value,
			     const struct jsc_write_rule *rule)
{
	(void)key;
	(void)rule;
	if (!jsc_is_true_set(value))
		return jsc_w_bad(w);
	json_object_object_foreach(value, uid, v) {
		(void)v;
		if (*uid == '\0' || !jsc_raw_ok(uid))
			return jsc_w_bad(w);
		vcard_line_begin(&w->line, w->group, w->version == VCARD_VERSION_3 ?
				 "X-ADDRESSBOOKSERVER-MEMBER" : "MEMBER");
		jsc_line_raw(w, uid);
	}
	return 0;
}

static int jsc_write_relation(struct jsc_writer *w, const char *target, json_object *relation)
{
	json_object *types = NULL;
	const char **list;
	size_t n = 0;

	if (*target == '\0' || !jsc_raw_ok(target) ||
	    !json_object_is_type(relation, json_type_object) ||
	    (json_object_object_get_ex(relation, "relation", &types) && types != NULL &&
	     !jsc_is_true_set(types)))
		return jsc_w_bad(w);
	vcard_line_begin(&w->line, w->group, "RELATED");
	list = xcalloc((size_t)(types != NULL ? json_object_object_length(types) : 0) + 1,
		       sizeof(char *));
	if (types != NULL) {
		json_object_object_foreach(types, type, v) {
			(void)v;
			if (jsc_raw_ok(type))
				list[n++] = type;
		}
	}
	if (n > 0)
		vcard_line_param_list(&w->line, "TYPE", (char *const *)list, n);
	free(list);
	jsc_line_raw(w, target);
	return 0;
}

static int jsc_write_related(struct jsc_writer *w, const char *key, json_object *value,
			     const struct jsc_write_rule *rule)
{
	(void)key;
	(void)rule;
	if (!json_object_is_type(value, json_type_object))
		return jsc_w_bad(w);
	json_object_object_foreach(value, target, relation) {
		if (jsc_write_relation(w, target, relation) < 0)
			return -1;
	}
	return 0;
}

const struct jsc_write_rule jsc_write_rules[] = {
	{ "uid", false, jsc_write_uid, jsc_no_members },
	{ "kind", false, jsc_write_kind, jsc_no_members },
	{ "name", false, jsc_write_name, jsc_name_members },
	{ "nicknames", true, jsc_write_nickname, jsc_nickname_members },
	{ "organizations", true, jsc_write_organization, jsc_organization_members },
	{ "titles", true, jsc_write_title, jsc_title_members },
	{ "emails", true, jsc_write_email, jsc_email_members },
	{ "phones", true, jsc_write_phone, jsc_phone_members },
	{ "addresses", true, jsc_write_address, jsc_address_members },
	{ "onlineServices", true, jsc_write_online, jsc_online_members },
	{ "links", true, jsc_write_resource, jsc_resource_members },
	{ "media", true, jsc_write_media, jsc_resource_members },
	{ "anniversaries", true, jsc_write_anniversary, jsc_anniversary_members },
	{ "notes", true, jsc_write_note, jsc_note_members },
	{ "keywords", false, jsc_write_keywords, jsc_no_members },
	{ "members", false, jsc_write_members, jsc_no_members },
	{ "relatedTo", false, jsc_write_related, jsc_no_members },
	{ "preferredLanguages", true, jsc_write_language_pref, jsc_language_members },
	{ "calendars", true, jsc_write_resource, jsc_resource_members },
	{ "schedulingAddresses", true, jsc_write_resource, jsc_resource_members },
	{ "cryptoKeys", true, jsc_write_resource, jsc_resource_members },
	{ "directories", true, jsc_write_resource, jsc_resource_members },
	{ "language", false, jsc_write_language, jsc_no_members },
	{ "prodId", false, jsc_write_prodid, jsc_no_members },
	{ "created", false, jsc_write_created, jsc_no_members },
	{ "updated", false, jsc_write_updated, jsc_no_members },
	{ NULL, false, NULL, NULL },
};
