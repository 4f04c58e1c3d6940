/* JSContact -> vCard: one writer per kind of map entry (emails,
 * phones, addresses, ...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "jmap/jscontact_write_entries.h"

const char *const jsc_nickname_members[] = { "name", NULL };
const char *const jsc_organization_members[] = { "name", "units", NULL };
const char *const jsc_title_members[] = { "name", "kind", NULL };
const char *const jsc_email_members[] = { "address", NULL };
const char *const jsc_phone_members[] = { "number", "features", NULL };
const char *const jsc_address_members[] = {
	"components", "full", "countryCode", "coordinates", "timeZone", NULL,
};
const char *const jsc_online_members[] = { "service", "uri", "user", "vCardName", NULL };
const char *const jsc_resource_members[] = { "kind", "uri", "mediaType", NULL };
const char *const jsc_anniversary_members[] = { "kind", "date", NULL };
const char *const jsc_note_members[] = { "note", NULL };
const char *const jsc_language_members[] = { "language", NULL };

/* An entry whose vCard value is one text member. */
static int jsc_write_text_entry(struct jsc_writer *w, const char *key, json_object *entry,
				const struct jsc_write_rule *rule, const char *name,
				const char *member)
{
	const char *text;

	if (jsc_w_string(w, entry, member, true, &text) < 0 ||
	    jsc_entry_begin(w, name, key, entry, NULL, 0) < 0)
		return -1;
	jsc_line_text(w, text);
	return jsc_entry_end(w, key, entry, rule);
}

int jsc_write_nickname(struct jsc_writer *w, const char *key, json_object *entry,
		       const struct jsc_write_rule *rule)
{
	return jsc_write_text_entry(w, key, entry, rule, "NICKNAME", "name");
}

int jsc_write_note(struct jsc_writer *w, const char *key, json_object *entry,
		   const struct jsc_write_rule *rule)
{
	return jsc_write_text_entry(w, key, entry, rule, "NOTE", "note");
}

int jsc_write_email(struct jsc_writer *w, const char *key, json_object *entry,
		    const struct jsc_write_rule *rule)
{
	static const char *const internet[] = { "INTERNET" };
	const char *address;

	if (jsc_w_string(w, entry, "address", true, &address) < 0 ||
	    jsc_entry_begin(w, "EMAIL", key, entry, internet,
			    w->version == VCARD_VERSION_3 ? 1 : 0) < 0)
		return -1;
	jsc_line_text(w, address);
	return jsc_entry_end(w, key, entry, rule);
}

int jsc_write_title(struct jsc_writer *w, const char *key, json_object *entry,
		    const struct jsc_write_rule *rule)
{
	const char *kind;

	if (jsc_w_string(w, entry, "kind", false, &kind) < 0)
		return -1;
	if (kind != NULL && strcmp(kind, "title") != 0 && strcmp(kind, "role") != 0)
		return jsc_w_bad(w);
	return jsc_write_text_entry(w, key, entry, rule,
				    kind != NULL && strcmp(kind, "role") == 0 ? "ROLE" : "TITLE",
				    "name");
}

int jsc_write_language_pref(struct jsc_writer *w, const char *key, json_object *entry,
			    const struct jsc_write_rule *rule)
{
	const char *language;

	if (jsc_w_string(w, entry, "language", true, &language) < 0)
		return -1;
	if (!jsc_raw_ok(language))
		return jsc_w_bad(w);
	return jsc_write_text_entry(w, key, entry, rule, "LANG", "language");
}

static int jsc_org_units(struct jsc_writer *w, json_object *units, struct strbuf *value)
{
	size_t n;

	if (units == NULL)
		return 0;
	if (!json_object_is_type(units, json_type_array))
		return jsc_w_bad(w);
	n = json_object_array_length(units);
	for (size_t i = 0; i < n; i++) {
		json_object *unit = json_object_array_get_idx(units, i);
		const char *name;

		if (!json_object_is_type(unit, json_type_object) ||
		    jsc_w_string(w, unit, "name", true, &name) < 0)
			return jsc_w_bad(w);
		strbuf_putc(value, ';');
		vcard_escape_text(value, name);
	}
	return 0;
}

int jsc_write_organization(struct jsc_writer *w, const char *key, json_object *entry,
			   const struct jsc_write_rule *rule)
{
	struct strbuf value = { 0 };
	json_object *units = NULL;
	const char *name;
	int ret = -1;

	json_object_object_get_ex(entry, "units", &units);
	if (jsc_w_string(w, entry, "name", false, &name) == 0) {
		vcard_escape_text(&value, name != NULL ? name : "");
		if (jsc_org_units(w, units, &value) == 0 &&
		    jsc_entry_begin(w, "ORG", key, entry, NULL, 0) == 0) {
			jsc_line_raw(w, value.s);
			ret = jsc_entry_end(w, key, entry, rule);
		}
	}
	strbuf_free(&value);
	return ret;
}

/* Phone features as TEL types. */
static const char *jsc_feature_type(const char *feature, enum vcard_version version)
{
	if (strcmp(feature, "mobile") == 0)
		return "cell";
	if (strcmp(feature, "main-number") == 0 && version == VCARD_VERSION_3)
		return "main";
	return jsc_raw_ok(feature) && strpbrk(feature, ";:,\"") == NULL ? feature : NULL;
}

static int jsc_phone_begin(struct jsc_writer *w, const char *key, json_object *entry)
{
	json_object *features = NULL;
	const char **types;
	size_t n = 0;
	int ret;

	if (json_object_object_get_ex(entry, "features", &features) && features != NULL &&
	    !jsc_is_true_set(features))
		return jsc_w_bad(w);
	types = xcalloc((size_t)(features != NULL ? json_object_object_length(features) : 0) + 1,
			sizeof(char *));
	if (features != NULL) {
		json_object_object_foreach(features, feature, v) {
			(void)v;
			if ((types[n] = jsc_feature_type(feature, w->version)) != NULL)
				n++;
		}
	}
	ret = jsc_entry_begin(w, "TEL", key, entry, types, n);
	free(types);
	return ret;
}

int jsc_write_phone(struct jsc_writer *w, const char *key, json_object *entry,
		    const struct jsc_write_rule *rule)
{
	const char *number;
	bool uri;

	if (jsc_w_string(w, entry, "number", true, &number) < 0 ||
	    jsc_phone_begin(w, key, entry) < 0)
		return -1;
	uri = w->version == VCARD_VERSION_4 && strncasecmp(number, "tel:", 4) == 0 &&
	      jsc_raw_ok(number);
	if (uri) {
		vcard_line_param(&w->line, "VALUE", "uri");
		jsc_line_raw(w, number);
	} else {
		jsc_line_text(w, number);
	}
	return jsc_entry_end(w, key, entry, rule);
}

/* The ADR field of an address component kind; -1 for separators. */
static int jsc_adr_field(const char *kind)
{
	static const struct {
		const char *kind;
		int field;
	} map[] = {
		{ "postOfficeBox", 0 }, { "apartment", 1 }, { "room", 1 }, { "floor", 1 },
		{ "extension", 1 }, { "locality", 3 }, { "region", 4 }, { "postcode", 5 },
		{ "country", 6 }, { "separator", -1 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(map[i].kind, kind) == 0)
			return map[i].field;
	}
	return 2;	/* the street: name, number, building, district, ... */
}

static int jsc_adr_value(struct jsc_writer *w, json_object *components, struct strbuf *value)
{
	struct strbuf fields[7] = { 0 };
	size_t n = components != NULL ? json_object_array_length(components) : 0;
	int ret = 0;

	if (components != NULL && !json_object_is_type(components, json_type_array))
		return jsc_w_bad(w);
	for (size_t i = 0; i < n && ret == 0; i++) {
		json_object *c = json_object_array_get_idx(components, i);
		const char *kind, *text;
		int field;

		if (!json_object_is_type(c, json_type_object) ||
		    jsc_w_string(w, c, "kind", true, &kind) < 0 ||
		    jsc_w_string(w, c, "value", true, &text) < 0)
			ret = jsc_w_bad(w);
		else if ((field = jsc_adr_field(kind)) >= 0) {
			if (fields[field].len > 0)
				strbuf_putc(&fields[field], ',');
			vcard_escape_text(&fields[field], text);
		}
	}
	for (int i = 0; i < 7; i++) {
		if (i > 0)
			strbuf_putc(value, ';');
		if (fields[i].len > 0)
			strbuf_append(value, fields[i].s, fields[i].len);
		strbuf_free(&fields[i]);
	}
	return ret;
}

static int jsc_adr_params(struct jsc_writer *w, json_object *entry)
{
	static const struct {
		const char *member, *param;
	} map[] = {
		{ "full", "LABEL" }, { "coordinates", "GEO" }, { "timeZone", "TZ" },
		{ "countryCode", "CC" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *value;

		if (jsc_w_string(w, entry, map[i].member, false, &value) < 0)
			return -1;
		if (value != NULL)
			vcard_line_param(&w->line, map[i].param, value);
	}
	return 0;
}

int jsc_write_address(struct jsc_writer *w, const char *key, json_object *entry,
		      const struct jsc_write_rule *rule)
{
	struct strbuf value = { 0 };
	json_object *components = NULL;
	int ret = -1;

	json_object_object_get_ex(entry, "components", &components);
	if (jsc_adr_value(w, components, &value) == 0 &&
	    jsc_entry_begin(w, "ADR", key, entry, NULL, 0) == 0 &&
	    jsc_adr_params(w, entry) == 0) {
		jsc_line_raw(w, value.s);
		ret = jsc_entry_end(w, key, entry, rule);
	}
	strbuf_free(&value);
	return ret;
}

int jsc_write_anniversary(struct jsc_writer *w, const char *key, json_object *entry,
			  const struct jsc_write_rule *rule)
{
	struct strbuf date = { 0 };
	const char *kind, *name;
	json_object *value = NULL;
	int omit_year, ret = -1;
	char year[8];

	if (jsc_w_string(w, entry, "kind", true, &kind) < 0)
		return -1;
	name = strcmp(kind, "birth") == 0 ? "BDAY" : strcmp(kind, "death") == 0 ? "DEATHDATE" :
	       strcmp(kind, "wedding") == 0 ? "ANNIVERSARY" : NULL;
	json_object_object_get_ex(entry, "date", &value);
	if (name == NULL || jsc_date_to_vcard(value, w->version, &date, &omit_year) < 0)
		return jsc_w_bad(w);
	if (jsc_entry_begin(w, name, key, entry, NULL, 0) == 0) {
		if (omit_year != 0) {
			snprintf(year, sizeof(year), "%d", omit_year);
			vcard_line_param(&w->line, "X-APPLE-OMIT-YEAR", year);
		}
		jsc_line_raw(w, date.s);
		ret = jsc_entry_end(w, key, entry, rule);
	}
	strbuf_free(&date);
	return ret;
}

/* The vCard name of a resource entry, by its map and kind. */
static const char *jsc_resource_name(const char *prop, const char *kind)
{
	bool has = kind != NULL;

	if (strcmp(prop, "links") == 0)
		return has && strcmp(kind, "contact") == 0 ? "CONTACT-URI" : "URL";
	if (strcmp(prop, "calendars") == 0)
		return has && strcmp(kind, "freeBusy") == 0 ? "FBURL" : "CALURI";
	if (strcmp(prop, "directories") == 0)
		return has && strcmp(kind, "directory") == 0 ? "ORG-DIRECTORY" : "SOURCE";
	if (strcmp(prop, "cryptoKeys") == 0)
		return "KEY";
	return "CALADRURI";
}

static int jsc_uri_entry_check(struct jsc_writer *w, json_object *entry, const char **kind_r,
			       const char **uri_r, const char **media_type_r)
{
	if (jsc_w_string(w, entry, "kind", false, kind_r) < 0 ||
	    jsc_w_string(w, entry, "uri", true, uri_r) < 0 ||
	    jsc_w_string(w, entry, "mediaType", false, media_type_r) < 0)
		return -1;
	if (**uri_r == '\0' || !jsc_raw_ok(*uri_r))
		return jsc_w_bad(w);
	return 0;
}

int jsc_write_resource(struct jsc_writer *w, const char *key, json_object *entry,
		       const struct jsc_write_rule *rule)
{
	const char *kind, *uri, *media_type;

	if (jsc_uri_entry_check(w, entry, &kind, &uri, &media_type) < 0 ||
	    jsc_entry_begin(w, jsc_resource_name(rule->js_prop, kind), key, entry, NULL, 0) < 0)
		return -1;
	if (media_type != NULL && w->version == VCARD_VERSION_4)
		vcard_line_param(&w->line, "MEDIATYPE", media_type);
	jsc_line_raw(w, uri);
	return jsc_entry_end(w, key, entry, rule);
}

/* 3.0 keeps pictures inline: a base64 data: URI goes back to
 * ENCODING=b with its TYPE ("JPEG"). */
static bool jsc_write_inline(struct jsc_writer *w, const char *uri)
{
	const char *b64 = strstr(uri, ";base64,"), *slash = strchr(uri, '/');
	char *type;

	if (w->version != VCARD_VERSION_3 || strncmp(uri, "data:", 5) != 0 || b64 == NULL)
		return false;
	vcard_line_param(&w->line, "ENCODING", "b");
	if (slash != NULL && slash < b64) {
		type = xstrndup(slash + 1, (size_t)(b64 - slash - 1));
		for (char *c = type; *c != '\0'; c++) {
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		}
		vcard_line_param(&w->line, "TYPE", type);
		free(type);
	}
	jsc_line_raw(w, b64 + strlen(";base64,"));
	return true;
}

int jsc_write_media(struct jsc_writer *w, const char *key, json_object *entry,
		    const struct jsc_write_rule *rule)
{
	const char *kind, *uri, *media_type, *name;

	if (jsc_uri_entry_check(w, entry, &kind, &uri, &media_type) < 0)
		return -1;
	name = kind == NULL ? NULL : strcmp(kind, "photo") == 0 ? "PHOTO" :
	       strcmp(kind, "logo") == 0 ? "LOGO" : strcmp(kind, "sound") == 0 ? "SOUND" : NULL;
	if (name == NULL)
		return jsc_w_bad(w);
	if (jsc_entry_begin(w, name, key, entry, NULL, 0) < 0)
		return -1;
	if (!jsc_write_inline(w, uri)) {
		if (media_type != NULL && w->version == VCARD_VERSION_4)
			vcard_line_param(&w->line, "MEDIATYPE", media_type);
		if (w->version == VCARD_VERSION_3)
			vcard_line_param(&w->line, "VALUE", "uri");
		jsc_line_raw(w, uri);
	}
	return jsc_entry_end(w, key, entry, rule);
}

/* IMPP stays IMPP; other services are SOCIALPROFILE (RFC 9554), or
 * Apple's X-SOCIALPROFILE in 3.0. */
static void jsc_online_params(struct jsc_writer *w, bool impp, const char *service,
			      const char *user, bool has_uri)
{
	bool v3 = w->version == VCARD_VERSION_3;

	if (service != NULL)
		vcard_line_param(&w->line, impp ? (v3 ? "X-SERVICE-TYPE" : "SERVICE-TYPE") :
				 (v3 ? "TYPE" : "SERVICE-TYPE"), service);
	if (user != NULL && has_uri)
		vcard_line_param(&w->line, !impp && v3 ? "X-USER" : "USERNAME", user);
	if (!has_uri && !v3)
		vcard_line_param(&w->line, "VALUE", "text");
}

int jsc_write_online(struct jsc_writer *w, const char *key, json_object *entry,
		     const struct jsc_write_rule *rule)
{
	const char *service, *uri, *user, *vcard_name;
	bool impp;

	if (jsc_w_string(w, entry, "service", false, &service) < 0 ||
	    jsc_w_string(w, entry, "uri", false, &uri) < 0 ||
	    jsc_w_string(w, entry, "user", false, &user) < 0 ||
	    jsc_w_string(w, entry, "vCardName", false, &vcard_name) < 0)
		return -1;
	impp = vcard_name != NULL && strcasecmp(vcard_name, "impp") == 0;
	if ((uri == NULL && (user == NULL || impp)) || (uri != NULL && !jsc_raw_ok(uri)))
		return jsc_w_bad(w);
	if (jsc_entry_begin(w, impp ? "IMPP" : w->version == VCARD_VERSION_3 ?
			    "X-SOCIALPROFILE" : "SOCIALPROFILE", key, entry, NULL, 0) < 0)
		return -1;
	jsc_online_params(w, impp, service, user, uri != NULL);
	if (uri != NULL)
		jsc_line_raw(w, uri);
	else
		jsc_line_text(w, user);
	return jsc_entry_end(w, key, entry, rule);
}

static const char *jsc_first_member(json_object *card, const char *map, const char *member)
{
	json_object *entries = jsc_get_object(card, map);

	if (entries == NULL)
		return NULL;
	json_object_object_foreach(entries, key, entry) {
		const char *s = jsc_get_string(entry, member);

		(void)key;
		if (s != NULL && *s != '\0')
			return s;
	}
	return NULL;
}

const char *jsc_write_fallback_name(json_object *card)
{
	const char *s = jsc_first_member(card, "organizations", "name");

	if (s == NULL)
		s = jsc_first_member(card, "emails", "address");
	return s != NULL ? s : "";
}
