/* What the store keeps of a card for ContactCard/query: its kind, its
 * times, and one list of values per filter (RFC 9610 §3.3.1). */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/contacts.h"

struct contactcard_fields {
	struct strbuf f[STORE_CARD_FIELD__COUNT];
};

static const char *idx_string(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Adds s to field and to the all-text field. */
static void idx_add(struct contactcard_fields *x, enum store_card_field field, const char *s)
{
	struct strbuf *targets[2] = { &x->f[field], &x->f[STORE_CARD_TEXT] };

	if (s == NULL || *s == '\0')
		return;
	for (size_t i = 0; i < 2; i++) {
		if (targets[i]->len > 0)
			strbuf_putc(targets[i], '\n');
		strbuf_puts(targets[i], s);
	}
}

/* The named members of every entry of the map prop. */
static void idx_map(struct contactcard_fields *x, json_object *card, const char *prop,
		    enum store_card_field field, const char *const *members)
{
	json_object *map;

	if (!json_object_object_get_ex(card, prop, &map) || !json_object_is_type(map, json_type_object))
		return;
	json_object_object_foreach(map, key, entry) {
		(void)key;
		for (size_t i = 0; members[i] != NULL; i++)
			idx_add(x, field, idx_string(entry, members[i]));
	}
}

/* The "value" of every object in array member name of each entry. */
static void idx_map_array(struct contactcard_fields *x, json_object *card, const char *prop,
			  const char *name, const char *member, enum store_card_field field)
{
	json_object *map, *array;

	if (!json_object_object_get_ex(card, prop, &map) || !json_object_is_type(map, json_type_object))
		return;
	json_object_object_foreach(map, key, entry) {
		(void)key;
		if (!json_object_object_get_ex(entry, name, &array) ||
		    !json_object_is_type(array, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(array); i++)
			idx_add(x, field, idx_string(json_object_array_get_idx(array, i), member));
	}
}

static void idx_name(struct contactcard_fields *x, json_object *card)
{
	json_object *name, *components;

	if (!json_object_object_get_ex(card, "name", &name))
		return;
	idx_add(x, STORE_CARD_FULL_NAME, idx_string(name, "full"));
	idx_add(x, STORE_CARD_NAMES, idx_string(name, "full"));
	if (!json_object_object_get_ex(name, "components", &components) ||
	    !json_object_is_type(components, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(components); i++) {
		json_object *c = json_object_array_get_idx(components, i);
		const char *kind = idx_string(c, "kind"), *value = idx_string(c, "value");

		if (kind == NULL || strcmp(kind, "separator") == 0)
			continue;
		idx_add(x, STORE_CARD_NAMES, value);
		if (strcmp(kind, "given") == 0)
			idx_add(x, STORE_CARD_GIVEN, value);
		else if (strcmp(kind, "surname") == 0)
			idx_add(x, STORE_CARD_SURNAME, value);
		else if (strcmp(kind, "surname2") == 0)
			idx_add(x, STORE_CARD_SURNAME2, value);
	}
}

static void idx_keys(struct contactcard_fields *x, json_object *card, const char *prop,
		     enum store_card_field field)
{
	json_object *set;

	if (!json_object_object_get_ex(card, prop, &set) || !json_object_is_type(set, json_type_object))
		return;
	json_object_object_foreach(set, key, value) {
		(void)value;
		idx_add(x, field, key);
	}
}

static void idx_all(struct contactcard_fields *x, json_object *card)
{
	static const char *const nick[] = { "name", NULL };
	static const char *const org[] = { "name", NULL };
	static const char *const email[] = { "address", "label", NULL };
	static const char *const phone[] = { "number", "label", NULL };
	static const char *const online[] = { "service", "uri", "user", "label", NULL };
	static const char *const address[] = { "full", "countryCode", NULL };
	static const char *const note[] = { "note", NULL };
	static const char *const title[] = { "name", NULL };

	idx_name(x, card);
	idx_map(x, card, "nicknames", STORE_CARD_NICKNAMES, nick);
	idx_map(x, card, "organizations", STORE_CARD_ORGANIZATIONS, org);
	idx_map_array(x, card, "organizations", "units", "name", STORE_CARD_ORGANIZATIONS);
	idx_map(x, card, "emails", STORE_CARD_EMAILS, email);
	idx_map(x, card, "phones", STORE_CARD_PHONES, phone);
	idx_map(x, card, "onlineServices", STORE_CARD_ONLINE, online);
	idx_map_array(x, card, "addresses", "components", "value", STORE_CARD_ADDRESSES);
	idx_map(x, card, "addresses", STORE_CARD_ADDRESSES, address);
	idx_map(x, card, "notes", STORE_CARD_NOTES, note);
	idx_keys(x, card, "members", STORE_CARD_MEMBERS);
	/* the text filter also finds titles and keywords */
	idx_map(x, card, "titles", STORE_CARD_TEXT, title);
	idx_keys(x, card, "keywords", STORE_CARD_TEXT);
}

static int64_t idx_time(json_object *card, const char *name, int64_t fallback)
{
	const char *s = idx_string(card, name);
	time_t t;

	return s != NULL && time_parse_utc(s, &t) == 0 ? (int64_t)t : fallback;
}

void contactcard_index(json_object *js, struct store_contact_card *card, time_t now)
{
	struct contactcard_fields x = { 0 };
	const char *kind = idx_string(js, "kind");

	idx_all(&x, js);
	for (int i = 0; i < STORE_CARD_FIELD__COUNT; i++) {
		free(card->fields[i]);
		card->fields[i] = x.f[i].len > 0 ? strbuf_steal(&x.f[i]) : NULL;
		strbuf_free(&x.f[i]);
	}
	free(card->kind);
	card->kind = kind != NULL ? xstrdup(kind) : NULL;
	card->created_at = idx_time(js, "created", card->created_at != 0 ? card->created_at :
				    (int64_t)now);
	card->updated_at = idx_time(js, "updated", (int64_t)now);
}
