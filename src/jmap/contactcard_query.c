/* ContactCard/query (RFC 9610 §3.3): the filters and sorts, over the
 * search fields the store keeps of every card (no vCard is parsed).
 * In-process callers (the DAV face) may also filter on davName; a
 * davName or uid with inAddressBook is a single lookup. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/collation.h"
#include "jmap/contacts.h"

const char *const jmap_contactcard_sort_props[] = {
	"created", "updated", "name/given", "name/surname", "name/surname2", NULL,
};

/* String filters and the field each one searches. */
static const struct {
	const char *name;
	enum store_card_field field;
} cc_text_filters[] = {
	{ "text", STORE_CARD_TEXT },
	{ "name", STORE_CARD_NAMES },
	{ "name/given", STORE_CARD_GIVEN },
	{ "name/surname", STORE_CARD_SURNAME },
	{ "name/surname2", STORE_CARD_SURNAME2 },
	{ "nickName", STORE_CARD_NICKNAMES },
	{ "organization", STORE_CARD_ORGANIZATIONS },
	{ "email", STORE_CARD_EMAILS },
	{ "phone", STORE_CARD_PHONES },
	{ "onlineService", STORE_CARD_ONLINE },
	{ "address", STORE_CARD_ADDRESSES },
	{ "note", STORE_CARD_NOTES },
};
#define CC_TEXT_FILTERS (sizeof(cc_text_filters) / sizeof(cc_text_filters[0]))

static const char *const cc_date_filters[] = {
	"createdBefore", "createdAfter", "updatedBefore", "updatedAfter", NULL,
};
static const char *const cc_exact_filters[] = {
	"inAddressBook", "uid", "hasMember", "kind", "davName", NULL,
};

static bool cc_in(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], name) == 0)
			return true;
	}
	return false;
}

static int cc_text_filter(const char *name)
{
	for (size_t i = 0; i < CC_TEXT_FILTERS; i++) {
		if (strcmp(cc_text_filters[i].name, name) == 0)
			return (int)cc_text_filters[i].field;
	}
	return -1;
}

int jmap_contactcard_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		time_t t;

		if (cc_text_filter(key) < 0 && !cc_in(key, cc_date_filters) &&
		    !cc_in(key, cc_exact_filters)) {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (!json_object_is_type(value, json_type_string) ||
		    (cc_in(key, cc_date_filters) &&
		     time_parse_utc(json_object_get_string(value), &t) < 0)) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

static bool cc_has_line(const char *list, const char *item)
{
	size_t len = strlen(item);

	for (const char *p = list; p != NULL; p = strchr(p, '\n') != NULL ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, item, len) == 0 && (p[len] == '\0' || p[len] == '\n'))
			return true;
	}
	return false;
}

struct cc_filter_ctx {
	struct jmap_call *call;
	const struct store_contact_card *card;
};

static bool cc_match_date(const struct store_contact_card *card, const char *key,
			  const char *value)
{
	time_t t;
	int64_t at = strncmp(key, "created", 7) == 0 ? card->created_at : card->updated_at;

	if (time_parse_utc(value, &t) < 0)
		return false;
	return strstr(key, "Before") != NULL ? at < (int64_t)t : at >= (int64_t)t;
}

static bool cc_match_exact(struct cc_filter_ctx *ctx, const char *key, const char *value)
{
	const struct store_contact_card *card = ctx->card;
	const char *id;
	uint64_t n;

	if (strcmp(key, "inAddressBook") == 0)
		return (id = jmap_id_resolve(ctx->call, value)) != NULL &&
		       jmap_id_parse(ADDRESSBOOK_ID_PREFIX, id, &n) == 0 && card->address_book_id == n;
	if (strcmp(key, "uid") == 0)
		return strcmp(card->uid, value) == 0;
	if (strcmp(key, "davName") == 0)
		return strcmp(card->dav_name, value) == 0;
	if (strcmp(key, "hasMember") == 0)
		return card->fields[STORE_CARD_MEMBERS] != NULL &&
		       cc_has_line(card->fields[STORE_CARD_MEMBERS], value);
	return strcmp(card->kind != NULL ? card->kind : "individual", value) == 0;
}

static bool cc_match(json_object *condition, void *context)
{
	struct cc_filter_ctx *ctx = context;

	json_object_object_foreach(condition, key, v) {
		const char *value = json_object_get_string(v);
		int field = cc_text_filter(key);
		bool ok;

		if (field >= 0)
			ok = jmap_collation_text_matches(ctx->card->fields[field], value);
		else if (cc_in(key, cc_date_filters))
			ok = cc_match_date(ctx->card, key, value);
		else
			ok = cc_match_exact(ctx, key, value);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- sorting ---- */

struct cc_sort_key {
	const char *property;
	const char *collation;
	bool ascending;
	int field;		/* name sorts: the field, else -1 */
};

struct cc_entry {
	const struct store_contact_card *card;
	char **keys;		/* collation keys of the name sorts */
};

struct cc_sort {
	struct cc_sort_key *keys;
	size_t count;
};

static void cc_sort_parse(json_object *sort, struct cc_sort *s)
{
	size_t n = sort != NULL ? json_object_array_length(sort) : 0;

	s->count = n;
	s->keys = xcalloc(n + 1, sizeof(*s->keys));
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(sort, i), *v;

		s->keys[i].property = json_object_get_string(json_object_object_get(c, "property"));
		s->keys[i].ascending = !json_object_object_get_ex(c, "isAscending", &v) ||
				       json_object_get_boolean(v);
		s->keys[i].collation = json_object_object_get_ex(c, "collation", &v) ?
			json_object_get_string(v) : JMAP_COLLATION_DEFAULT;
		s->keys[i].field = cc_text_filter(s->keys[i].property);
	}
}

/* The first value of a field (its first line). */
static char *cc_first_line(const char *list)
{
	const char *nl = list != NULL ? strchr(list, '\n') : NULL;

	if (list == NULL)
		return xstrdup("");
	return nl != NULL ? xstrndup(list, (size_t)(nl - list)) : xstrdup(list);
}

static void cc_entry_init(struct cc_entry *e, const struct store_contact_card *card,
			  const struct cc_sort *s)
{
	e->card = card;
	e->keys = xcalloc(s->count + 1, sizeof(char *));
	for (size_t k = 0; k < s->count; k++) {
		char *first;

		if (s->keys[k].field < 0)
			continue;
		first = cc_first_line(card->fields[s->keys[k].field]);
		e->keys[k] = jmap_collation_key(s->keys[k].collation, first);
		free(first);
	}
}

static int cc_entry_compare(const void *pa, const void *pb, void *context)
{
	const struct cc_entry *a = pa, *b = pb;
	const struct cc_sort *s = context;

	for (size_t k = 0; k < s->count; k++) {
		const struct cc_sort_key *key = &s->keys[k];
		int cmp;

		if (key->field >= 0)
			cmp = jmap_collation_compare(key->collation, a->keys[k], b->keys[k]);
		else if (strcmp(key->property, "created") == 0)
			cmp = (a->card->created_at > b->card->created_at) -
			      (a->card->created_at < b->card->created_at);
		else
			cmp = (a->card->updated_at > b->card->updated_at) -
			      (a->card->updated_at < b->card->updated_at);
		if (cmp != 0)
			return key->ascending ? cmp : -cmp;
	}
	return (a->card->id > b->card->id) - (a->card->id < b->card->id);
}

static void cc_query_emit(struct jmap_query *query, struct cc_entry *entries, size_t count,
			  struct cc_sort *s)
{
	char id[24];

	qsort_r(entries, count, sizeof(*entries), cc_entry_compare, s);
	for (size_t i = 0; i < count; i++) {
		jmap_id_format(CONTACTCARD_ID_PREFIX, entries[i].card->id, id);
		json_object_array_add(query->ids, json_object_new_string(id));
		for (size_t k = 0; k < s->count; k++)
			free(entries[i].keys[k]);
		free(entries[i].keys);
	}
}

/* ---- the query ---- */

/* Whether a filter (operators included) has a condition on name. */
static bool cc_filter_names(json_object *filter, const char *name)
{
	json_object *conditions;

	if (filter == NULL)
		return false;
	if (!json_object_object_get_ex(filter, "conditions", &conditions))
		return json_object_object_get_ex(filter, name, NULL);
	for (size_t i = 0; i < json_object_array_length(conditions); i++) {
		if (cc_filter_names(json_object_array_get_idx(conditions, i), name))
			return true;
	}
	return false;
}

/* A lone condition with inAddressBook and a davName or uid is one
 * lookup: 1 with the list (of at most one card, which the condition's
 * other keys still judge), 0 when the filter is not that, -1 on error. */
static int cc_candidate_lookup(struct jmap_call *call, json_object *filter,
			       struct store_contact_card **list_r, size_t *count_r)
{
	json_object *book, *v;
	const char *book_id;
	uint64_t n, id;
	int ret;

	if (filter == NULL || json_object_object_get_ex(filter, "operator", NULL) ||
	    !json_object_object_get_ex(filter, "inAddressBook", &book) ||
	    (book_id = jmap_id_resolve(call, json_object_get_string(book))) == NULL ||
	    jmap_id_parse(ADDRESSBOOK_ID_PREFIX, book_id, &n) < 0)
		return 0;
	if (json_object_object_get_ex(filter, "davName", &v))
		ret = store_contact_card_find_dav_name(call->acct, n, json_object_get_string(v), &id);
	else if (json_object_object_get_ex(filter, "uid", &v))
		ret = store_contact_card_find_uid(call->acct, n, json_object_get_string(v), &id);
	else
		return 0;
	*list_r = xcalloc(1, sizeof(**list_r));
	*count_r = 0;
	if (ret > 0 && (ret = store_contact_card_get(call->acct, id, 0, *list_r)) > 0)
		*count_r = 1;
	if (ret < 0) {
		store_contact_card_list_free(list_r, 0);
		return jmap_call_error(call, "serverFail", "card lookup failed");
	}
	return 1;
}

static int cc_candidates(struct jmap_call *call, json_object *filter,
			 struct store_contact_card **list_r, size_t *count_r)
{
	const char *error;
	int ret;

	/* davName is urn:tern:dav's: for the DAV face only */
	if (!call->req->in_process && cc_filter_names(filter, "davName"))
		return jmap_call_error(call, "unsupportedFilter", "Unknown filter: davName");
	if ((ret = cc_candidate_lookup(call, filter, list_r, count_r)) != 0)
		return ret < 0 ? -1 : 0;
	if (store_contact_card_list(call->acct, 0, 0, list_r, count_r, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	return 0;
}

int jmap_contactcard_query(struct jmap_call *call, struct jmap_query *query)
{
	struct store_contact_card *list;
	struct cc_entry *entries;
	struct cc_sort s;
	size_t count, matched = 0;

	if (cc_candidates(call, query->filter, &list, &count) < 0)
		return -1;
	cc_sort_parse(query->sort, &s);
	entries = xcalloc(count + 1, sizeof(*entries));
	for (size_t i = 0; i < count; i++) {
		struct cc_filter_ctx ctx = { call, &list[i] };

		if (query->filter == NULL || jmap_filter_eval(query->filter, cc_match, &ctx))
			cc_entry_init(&entries[matched++], &list[i], &s);
	}
	cc_query_emit(query, entries, matched, &s);
	free(entries);
	free(s.keys);
	store_contact_card_list_free(&list, count);
	return 0;
}
