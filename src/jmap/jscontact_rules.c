/* vCard -> JSContact: one reader per vCard property (RFC 9555 §2),
 * and their table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/jscontact_read.h"

/* N's fields in vCard order, then the order a name is shown in. */
static const char *const jsc_n_kinds[] = {
	"surname", "given", "given2", "title", "credential", "surname2", "generation",
};
static const size_t jsc_n_order[] = { 3, 1, 2, 0, 5, 6, 4 };

/* ADR's fields in vCard order, then the order an address reads in. */
static const char *const jsc_adr_kinds[] = {
	"postOfficeBox", "apartment", "name", "locality", "region", "postcode", "country",
};
static const size_t jsc_adr_order[] = { 2, 1, 0, 3, 4, 5, 6 };

/* TEL TYPE values and the Phone features they mean. */
static const struct {
	const char *type, *feature;
} jsc_tel_features[] = {
	{ "cell", "mobile" }, { "iphone", "mobile" }, { "voice", "voice" }, { "fax", "fax" },
	{ "pager", "pager" }, { "text", "text" }, { "video", "video" },
	{ "textphone", "textphone" }, { "main-number", "main-number" }, { "main", "main-number" },
};

/* ASCII lowercase in place (vCard names and types are ASCII). */
static char *jsc_lower(char *s)
{
	for (char *c = s; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	return s;
}

static void jsc_add_string(json_object *obj, const char *name, const char *value)
{
	json_object_object_add(obj, name, json_object_new_string(value));
}

static void jsc_read_text_scalar(struct jsc_reader *r, const struct vcard_prop *p,
				 const struct jsc_read_rule *rule)
{
	char *text;

	if (json_object_object_get_ex(r->out, rule->js_prop, NULL))
		return;
	text = jsc_prop_text(p);
	if (*text != '\0') {
		jsc_add_string(r->out, rule->js_prop, text);
		jsc_slot_add(r, r->index, rule->js_prop);
	}
	free(text);
}

static void jsc_read_kind(struct jsc_reader *r, const struct vcard_prop *p,
			  const struct jsc_read_rule *rule)
{
	char *text;

	if (json_object_object_get_ex(r->out, "kind", NULL))
		return;
	text = jsc_lower(jsc_prop_text(p));
	if (*text != '\0') {
		jsc_add_string(r->out, "kind", text);
		jsc_slot_add(r, r->index, rule->js_prop);
	}
	free(text);
}

static void jsc_read_timestamp(struct jsc_reader *r, const struct vcard_prop *p,
			       const struct jsc_read_rule *rule)
{
	char utc[21];
	time_t t;

	if (json_object_object_get_ex(r->out, rule->js_prop, NULL) ||
	    jsc_timestamp_parse(p->value, &t) < 0)
		return;
	time_format_utc(t, utc);
	jsc_add_string(r->out, rule->js_prop, utc);
	jsc_slot_add(r, r->index, rule->js_prop);
}

/* An FN marked DERIVED (RFC 9554) was made from other properties: it
 * belongs to the name but says nothing of its own. */
static void jsc_read_full_name(struct jsc_reader *r, const struct vcard_prop *p,
			const struct jsc_read_rule *rule)
{
	const char *derived = vcard_prop_param_value(p, "DERIVED");
	json_object *name = jsc_out_member(r, "name");
	char *text;

	if (derived != NULL && strcasecmp(derived, "true") == 0) {
		jsc_slot_add(r, r->index, rule->js_prop);
		return;
	}
	if (json_object_object_get_ex(name, "full", NULL))
		return;
	text = jsc_prop_text(p);
	jsc_add_string(name, "full", text);
	free(text);
	jsc_slot_add(r, r->index, rule->js_prop);
}

static void jsc_add_components(json_object *components, const char *field, const char *kind)
{
	char **values;
	size_t count;

	vcard_value_split(field, ',', &values, &count);
	for (size_t i = 0; i < count; i++) {
		json_object *c;

		if (values[i][0] == '\0')
			continue;
		c = json_object_new_object();
		jsc_add_string(c, "kind", kind);
		jsc_add_string(c, "value", values[i]);
		json_object_array_add(components, c);
	}
	vcard_strings_free(values, count);
}

/* Splits value at ';' into fields of which kinds[] names each, and
 * adds their components in order[]. */
static json_object *jsc_structured(const char *value, const char *const *kinds,
				   const size_t *order, size_t n)
{
	json_object *components = json_object_new_array();
	char **fields;
	size_t count;

	vcard_value_split_raw(value, ';', &fields, &count);
	for (size_t i = 0; i < n; i++) {
		if (order[i] < count)
			jsc_add_components(components, fields[order[i]], kinds[order[i]]);
	}
	vcard_strings_free(fields, count);
	return components;
}

static void jsc_read_n(struct jsc_reader *r, const struct vcard_prop *p,
		       const struct jsc_read_rule *rule)
{
	json_object *name = jsc_out_member(r, "name"), *components;

	if (json_object_object_get_ex(name, "components", NULL))
		return;
	components = jsc_structured(p->value, jsc_n_kinds, jsc_n_order,
				    sizeof(jsc_n_order) / sizeof(jsc_n_order[0]));
	if (json_object_array_length(components) > 0)
		json_object_object_add(name, "components", components);
	else
		json_object_put(components);
	jsc_slot_add(r, r->index, rule->js_prop);
}

static void jsc_read_nickname(struct jsc_reader *r, const struct vcard_prop *p,
			      const struct jsc_read_rule *rule)
{
	char **values;
	size_t count;

	vcard_value_split(p->value, ',', &values, &count);
	for (size_t i = 0; i < count; i++) {
		json_object *entry;

		if (values[i][0] == '\0')
			continue;
		entry = json_object_new_object();
		jsc_add_string(entry, "name", values[i]);
		jsc_add_entry(r, p, rule, entry);
	}
	vcard_strings_free(values, count);
}

static json_object *jsc_org_units(char **fields, size_t count)
{
	json_object *units = json_object_new_array();

	for (size_t i = 1; i < count; i++) {
		json_object *unit;

		if (fields[i][0] == '\0')
			continue;
		unit = json_object_new_object();
		jsc_add_string(unit, "name", fields[i]);
		json_object_array_add(units, unit);
	}
	return units;
}

static void jsc_read_org(struct jsc_reader *r, const struct vcard_prop *p,
			 const struct jsc_read_rule *rule)
{
	json_object *entry, *units;
	char **fields;
	size_t count;

	vcard_value_split(p->value, ';', &fields, &count);
	units = jsc_org_units(fields, count);
	if (fields[0][0] == '\0' && json_object_array_length(units) == 0) {
		json_object_put(units);
	} else {
		entry = json_object_new_object();
		if (fields[0][0] != '\0')
			jsc_add_string(entry, "name", fields[0]);
		if (json_object_array_length(units) > 0)
			json_object_object_add(entry, "units", units);
		else
			json_object_put(units);
		jsc_add_entry(r, p, rule, entry);
	}
	vcard_strings_free(fields, count);
}

/* Lines whose whole value is one text member of the entry. */
static void jsc_read_text_entry(struct jsc_reader *r, const struct vcard_prop *p,
				const struct jsc_read_rule *rule, const char *member)
{
	char *text = jsc_prop_text(p);
	json_object *entry;

	if (*text != '\0') {
		entry = json_object_new_object();
		jsc_add_string(entry, member, text);
		if (rule->kind != NULL)
			jsc_add_string(entry, "kind", rule->kind);
		jsc_add_entry(r, p, rule, entry);
	}
	free(text);
}

static void jsc_read_title(struct jsc_reader *r, const struct vcard_prop *p,
			   const struct jsc_read_rule *rule)
{
	jsc_read_text_entry(r, p, rule, "name");
}

static void jsc_read_email(struct jsc_reader *r, const struct vcard_prop *p,
			   const struct jsc_read_rule *rule)
{
	jsc_read_text_entry(r, p, rule, "address");
}

static void jsc_read_note(struct jsc_reader *r, const struct vcard_prop *p,
			  const struct jsc_read_rule *rule)
{
	jsc_read_text_entry(r, p, rule, "note");
}

static void jsc_read_lang(struct jsc_reader *r, const struct vcard_prop *p,
			  const struct jsc_read_rule *rule)
{
	jsc_read_text_entry(r, p, rule, "language");
}

/* Whether the VALUE parameter says type. */
static bool jsc_value_is(const struct vcard_prop *p, const char *type)
{
	const char *value = vcard_prop_param_value(p, "VALUE");

	return value != NULL && strcasecmp(value, type) == 0;
}

static void jsc_read_tel(struct jsc_reader *r, const struct vcard_prop *p,
			 const struct jsc_read_rule *rule)
{
	char *number = jsc_value_is(p, "uri") ? xstrdup(p->value) : jsc_prop_text(p);
	json_object *entry, *features;
	size_t n = sizeof(jsc_tel_features) / sizeof(jsc_tel_features[0]);

	if (*number == '\0') {
		free(number);
		return;
	}
	entry = json_object_new_object();
	features = json_object_new_object();
	jsc_add_string(entry, "number", number);
	for (size_t i = 0; i < n; i++) {
		if (vcard_prop_has_type(p, jsc_tel_features[i].type))
			json_object_object_add(features, jsc_tel_features[i].feature,
					       json_object_new_boolean(1));
	}
	if (json_object_object_length(features) > 0)
		json_object_object_add(entry, "features", features);
	else
		json_object_put(features);
	jsc_add_entry(r, p, rule, entry);
	free(number);
}

/* ADR's parameters that JSContact Address has members for. */
static void jsc_adr_params(const struct vcard_prop *p, json_object *entry)
{
	static const struct {
		const char *param, *member;
	} map[] = {
		{ "LABEL", "full" }, { "GEO", "coordinates" }, { "TZ", "timeZone" },
		{ "CC", "countryCode" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *value = vcard_prop_param_value(p, map[i].param);

		if (value != NULL && *value != '\0')
			jsc_add_string(entry, map[i].member, value);
	}
}

static void jsc_read_adr(struct jsc_reader *r, const struct vcard_prop *p,
			 const struct jsc_read_rule *rule)
{
	json_object *components = jsc_structured(p->value, jsc_adr_kinds, jsc_adr_order,
						 sizeof(jsc_adr_order) / sizeof(jsc_adr_order[0]));
	json_object *entry = json_object_new_object();

	if (json_object_array_length(components) > 0)
		json_object_object_add(entry, "components", components);
	else
		json_object_put(components);
	jsc_adr_params(p, entry);
	if (json_object_object_length(entry) == 0)
		json_object_put(entry);
	else
		jsc_add_entry(r, p, rule, entry);
}

static void jsc_read_date(struct jsc_reader *r, const struct vcard_prop *p,
			  const struct jsc_read_rule *rule)
{
	const char *omit = vcard_prop_param_value(p, "X-APPLE-OMIT-YEAR");
	json_object *date, *entry;

	if (jsc_value_is(p, "text"))
		return;
	date = jsc_date_from_vcard(p->value, omit != NULL ? atoi(omit) : 0);
	if (date == NULL)
		return;
	entry = json_object_new_object();
	jsc_add_string(entry, "kind", rule->kind);
	json_object_object_add(entry, "date", date);
	jsc_add_entry(r, p, rule, entry);
}

/* vCard 3.0 inline binary (ENCODING=b, TYPE=JPEG) becomes a data: URI;
 * the media type is the MEDIATYPE (4.0) or made from TYPE (3.0). */
static char *jsc_media_type(const struct vcard_prop *p, const char *top)
{
	const char *mt = vcard_prop_param_value(p, "MEDIATYPE");
	const struct vcard_param *type = vcard_prop_param(p, "TYPE");
	char *out;

	if (mt != NULL)
		return xstrdup(mt);
	if (type == NULL || type->value_count == 0 || top == NULL)
		return NULL;
	if (strchr(type->values[0], '/') != NULL)
		return xstrdup(type->values[0]);
	out = xasprintf("%s/%s", top, type->values[0]);
	return jsc_lower(out);
}

static bool jsc_inline_binary(const struct vcard_prop *p)
{
	const char *encoding = vcard_prop_param_value(p, "ENCODING");

	return encoding != NULL && (strcasecmp(encoding, "b") == 0 ||
				    strcasecmp(encoding, "base64") == 0);
}

static void jsc_read_uri_entry(struct jsc_reader *r, const struct vcard_prop *p,
			       const struct jsc_read_rule *rule, const char *top)
{
	char *mt = jsc_media_type(p, top), *uri;
	json_object *entry;

	if (p->value[0] == '\0') {
		free(mt);
		return;
	}
	if (jsc_inline_binary(p))
		uri = xasprintf("data:%s;base64,%s", mt != NULL ? mt : "application/octet-stream",
				p->value);
	else
		uri = xstrdup(p->value);
	entry = json_object_new_object();
	if (rule->kind != NULL)
		jsc_add_string(entry, "kind", rule->kind);
	jsc_add_string(entry, "uri", uri);
	if (mt != NULL)
		jsc_add_string(entry, "mediaType", mt);
	jsc_add_entry(r, p, rule, entry);
	free(uri);
	free(mt);
}

static void jsc_read_media(struct jsc_reader *r, const struct vcard_prop *p,
			   const struct jsc_read_rule *rule)
{
	jsc_read_uri_entry(r, p, rule, strcmp(rule->kind, "sound") == 0 ? "audio" : "image");
}

static void jsc_read_resource(struct jsc_reader *r, const struct vcard_prop *p,
			      const struct jsc_read_rule *rule)
{
	jsc_read_uri_entry(r, p, rule, NULL);
}

/* Apple's X-SOCIALPROFILE names the service in TYPE, beside the
 * contexts. */
static const char *jsc_social_service(const struct vcard_prop *p)
{
	for (size_t k = 0; k < p->param_count; k++) {
		const struct vcard_param *type = &p->params[k];

		for (size_t i = 0; strcmp(type->name, "TYPE") == 0 && i < type->value_count; i++) {
			const char *v = type->values[i];

			if (strcasecmp(v, "home") != 0 && strcasecmp(v, "work") != 0 &&
			    strcasecmp(v, "pref") != 0)
				return v;
		}
	}
	return NULL;
}

/* IMPP, SOCIALPROFILE (RFC 9554) and Apple's X-SOCIALPROFILE. */
static void jsc_read_online(struct jsc_reader *r, const struct vcard_prop *p,
			    const struct jsc_read_rule *rule)
{
	const char *service = vcard_prop_param_value(p, "SERVICE-TYPE");
	const char *user = vcard_prop_param_value(p, "USERNAME");
	json_object *entry = json_object_new_object();
	bool text = jsc_value_is(p, "text");
	char *value = text ? jsc_prop_text(p) : xstrdup(p->value);

	if (service == NULL)
		service = vcard_prop_param_value(p, "X-SERVICE-TYPE");
	if (strcmp(p->name, "X-SOCIALPROFILE") == 0) {
		if (service == NULL)
			service = jsc_social_service(p);
		user = vcard_prop_param_value(p, "X-USER");
	}
	if (service != NULL)
		jsc_add_string(entry, "service", service);
	if (*value != '\0')
		jsc_add_string(entry, text ? "user" : "uri", value);
	if (user != NULL && !text)
		jsc_add_string(entry, "user", user);
	if (strcmp(p->name, "IMPP") == 0)
		jsc_add_string(entry, "vCardName", "impp");
	free(value);
	jsc_add_entry(r, p, rule, entry);
}

static void jsc_read_categories(struct jsc_reader *r, const struct vcard_prop *p,
				const struct jsc_read_rule *rule)
{
	json_object *keywords = jsc_out_member(r, "keywords");
	char **values;
	size_t count;

	vcard_value_split(p->value, ',', &values, &count);
	for (size_t i = 0; i < count; i++) {
		if (values[i][0] != '\0')
			json_object_object_add(keywords, values[i], json_object_new_boolean(1));
	}
	vcard_strings_free(values, count);
	jsc_slot_add(r, r->index, rule->js_prop);
}

static void jsc_read_member(struct jsc_reader *r, const struct vcard_prop *p,
			    const struct jsc_read_rule *rule)
{
	if (p->value[0] == '\0')
		return;
	json_object_object_add(jsc_out_member(r, "members"), p->value,
			       json_object_new_boolean(1));
	jsc_slot_add(r, r->index, rule->js_prop);
}

static void jsc_read_related(struct jsc_reader *r, const struct vcard_prop *p,
			     const struct jsc_read_rule *rule)
{
	const struct vcard_param *type = vcard_prop_param(p, "TYPE");
	json_object *relation = json_object_new_object(), *types = json_object_new_object();
	char *value = jsc_prop_text(p);

	for (size_t i = 0; type != NULL && i < type->value_count; i++) {
		char *t = jsc_lower(xstrdup(type->values[i]));

		json_object_object_add(types, t, json_object_new_boolean(1));
		free(t);
	}
	json_object_object_add(relation, "relation", types);
	if (*value != '\0') {
		json_object_object_add(jsc_out_member(r, "relatedTo"), value, relation);
		jsc_slot_add(r, r->index, rule->js_prop);
	} else {
		json_object_put(relation);
	}
	free(value);
}

const struct jsc_read_rule jsc_read_rules[] = {
	{ "UID", "uid", 0, NULL, jsc_read_text_scalar },
	{ "PRODID", "prodId", 0, NULL, jsc_read_text_scalar },
	{ "LANGUAGE", "language", 0, NULL, jsc_read_text_scalar },
	{ "KIND", "kind", 0, NULL, jsc_read_kind },
	{ "X-ADDRESSBOOKSERVER-KIND", "kind", 0, NULL, jsc_read_kind },
	{ "REV", "updated", 0, NULL, jsc_read_timestamp },
	{ "CREATED", "created", 0, NULL, jsc_read_timestamp },
	{ "FN", "name", 0, NULL, jsc_read_full_name },
	{ "N", "name", 0, NULL, jsc_read_n },
	{ "NICKNAME", "nicknames", 'k', NULL, jsc_read_nickname },
	{ "ORG", "organizations", 'o', NULL, jsc_read_org },
	{ "TITLE", "titles", 't', "title", jsc_read_title },
	{ "ROLE", "titles", 't', "role", jsc_read_title },
	{ "EMAIL", "emails", 'e', NULL, jsc_read_email },
	{ "TEL", "phones", 'p', NULL, jsc_read_tel },
	{ "ADR", "addresses", 'a', NULL, jsc_read_adr },
	{ "NOTE", "notes", 'n', NULL, jsc_read_note },
	{ "BDAY", "anniversaries", 'd', "birth", jsc_read_date },
	{ "ANNIVERSARY", "anniversaries", 'd', "wedding", jsc_read_date },
	{ "DEATHDATE", "anniversaries", 'd', "death", jsc_read_date },
	{ "PHOTO", "media", 'm', "photo", jsc_read_media },
	{ "LOGO", "media", 'm', "logo", jsc_read_media },
	{ "SOUND", "media", 'm', "sound", jsc_read_media },
	{ "URL", "links", 'l', NULL, jsc_read_resource },
	{ "CONTACT-URI", "links", 'l', "contact", jsc_read_resource },
	{ "SOURCE", "directories", 'r', "entry", jsc_read_resource },
	{ "ORG-DIRECTORY", "directories", 'r', "directory", jsc_read_resource },
	{ "KEY", "cryptoKeys", 'c', NULL, jsc_read_resource },
	{ "CALURI", "calendars", 'c', "calendar", jsc_read_resource },
	{ "FBURL", "calendars", 'c', "freeBusy", jsc_read_resource },
	{ "CALADRURI", "schedulingAddresses", 's', NULL, jsc_read_resource },
	{ "IMPP", "onlineServices", 's', NULL, jsc_read_online },
	{ "SOCIALPROFILE", "onlineServices", 's', NULL, jsc_read_online },
	{ "X-SOCIALPROFILE", "onlineServices", 's', NULL, jsc_read_online },
	{ "LANG", "preferredLanguages", 'l', NULL, jsc_read_lang },
	{ "CATEGORIES", "keywords", 0, NULL, jsc_read_categories },
	{ "MEMBER", "members", 0, NULL, jsc_read_member },
	{ "X-ADDRESSBOOKSERVER-MEMBER", "members", 0, NULL, jsc_read_member },
	{ "RELATED", "relatedTo", 0, NULL, jsc_read_related },
	{ NULL, NULL, 0, NULL, NULL },
};
