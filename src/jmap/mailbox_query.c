/* Mailbox/query (RFC 8621 §2.3): filters, sorts, sortAsTree and
 * filterAsTree, over the account's mailboxes in memory. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/collation.h"
#include "jmap/mailbox.h"

struct mailbox_filter_ctx {
	struct jmap_call *call;
	const struct store_mailbox *mb;
};

struct mailbox_sort_key {
	const char *property;	/* "sortOrder" or "name" */
	const char *collation;
	bool ascending;
};

struct mailbox_entry {
	const struct store_mailbox *mb;
	char **keys;		/* one collation key per sort key (name only) */
	bool included;
};

struct mailbox_sort {
	struct mailbox_sort_key *keys;
	size_t key_count;
};

int jmap_mailbox_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		enum json_type type = json_object_get_type(value);
		bool ok;

		if (strcmp(key, "parentId") == 0 || strcmp(key, "role") == 0)
			ok = type == json_type_null || type == json_type_string;
		else if (strcmp(key, "name") == 0)
			ok = type == json_type_string;
		else if (strcmp(key, "hasAnyRole") == 0 || strcmp(key, "isSubscribed") == 0)
			ok = type == json_type_boolean;
		else {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (!ok) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

static bool mailbox_match_parent(struct mailbox_filter_ctx *ctx, json_object *value)
{
	const char *id;
	uint64_t n;

	if (value == NULL)
		return ctx->mb->parent_id == 0;
	id = jmap_id_resolve(ctx->call, json_object_get_string(value));
	return id != NULL && jmap_id_parse(MAILBOX_ID_PREFIX, id, &n) == 0 &&
	       ctx->mb->parent_id == n;
}

static bool mailbox_match_role(const struct store_mailbox *mb, json_object *value)
{
	if (value == NULL)
		return mb->role == NULL;
	return mb->role != NULL && strcmp(mb->role, json_object_get_string(value)) == 0;
}

static bool mailbox_match(json_object *condition, void *context)
{
	struct mailbox_filter_ctx *ctx = context;
	const struct store_mailbox *mb = ctx->mb;

	json_object_object_foreach(condition, key, value) {
		bool ok = true;

		if (strcmp(key, "parentId") == 0)
			ok = mailbox_match_parent(ctx, value);
		else if (strcmp(key, "name") == 0)
			ok = jmap_collation_contains(mb->name, json_object_get_string(value));
		else if (strcmp(key, "role") == 0)
			ok = mailbox_match_role(mb, value);
		else if (strcmp(key, "hasAnyRole") == 0)
			ok = (mb->role != NULL) == json_object_get_boolean(value);
		else if (strcmp(key, "isSubscribed") == 0)
			ok = mb->is_subscribed == json_object_get_boolean(value);
		if (!ok)
			return false;
	}
	return true;
}

static void mailbox_sort_parse(json_object *sort, struct mailbox_sort *s)
{
	size_t n = sort != NULL ? json_object_array_length(sort) : 0;

	s->key_count = n;
	s->keys = xcalloc(n + 1, sizeof(*s->keys));
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(sort, i), *v;

		s->keys[i].property = json_object_get_string(json_object_object_get(c, "property"));
		s->keys[i].ascending = !json_object_object_get_ex(c, "isAscending", &v) ||
				       json_object_get_boolean(v);
		s->keys[i].collation = json_object_object_get_ex(c, "collation", &v) ?
			json_object_get_string(v) : JMAP_COLLATION_DEFAULT;
	}
}

static void mailbox_entries_init(struct mailbox_entry *entries, const struct store_mailbox *list,
				 size_t count, const struct mailbox_sort *s)
{
	for (size_t i = 0; i < count; i++) {
		entries[i].mb = &list[i];
		entries[i].keys = xcalloc(s->key_count + 1, sizeof(char *));
		for (size_t k = 0; k < s->key_count; k++) {
			if (strcmp(s->keys[k].property, "name") == 0)
				entries[i].keys[k] = jmap_collation_key(s->keys[k].collation,
									list[i].name);
		}
	}
}

static void mailbox_entries_free(struct mailbox_entry *entries, size_t count,
				 const struct mailbox_sort *s)
{
	for (size_t i = 0; i < count; i++) {
		for (size_t k = 0; k < s->key_count; k++)
			free(entries[i].keys[k]);
		free(entries[i].keys);
	}
	free(entries);
}

/* The comparators in order, then the id so that results are stable. */
static int mailbox_entry_compare(const void *pa, const void *pb, void *context)
{
	const struct mailbox_entry *a = *(struct mailbox_entry *const *)pa;
	const struct mailbox_entry *b = *(struct mailbox_entry *const *)pb;
	const struct mailbox_sort *s = context;

	for (size_t k = 0; k < s->key_count; k++) {
		const struct mailbox_sort_key *key = &s->keys[k];
		int cmp;

		if (strcmp(key->property, "sortOrder") == 0)
			cmp = (a->mb->sort_order > b->mb->sort_order) -
			      (a->mb->sort_order < b->mb->sort_order);
		else
			cmp = jmap_collation_compare(key->collation, a->keys[k], b->keys[k]);
		if (cmp != 0)
			return key->ascending ? cmp : -cmp;
	}
	return (a->mb->id > b->mb->id) - (a->mb->id < b->mb->id);
}

static struct mailbox_entry *mailbox_entry_find(struct mailbox_entry *entries, size_t count,
						uint64_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (entries[i].mb->id == id)
			return &entries[i];
	}
	return NULL;
}

/* filterAsTree: a mailbox stays only if every ancestor matched too. */
static void mailbox_filter_as_tree(struct mailbox_entry *entries, size_t count,
				   const bool *matched)
{
	for (size_t i = 0; i < count; i++) {
		bool keep = matched[i];
		uint64_t parent = entries[i].mb->parent_id;

		for (size_t depth = 0; keep && parent != 0 && depth <= count; depth++) {
			struct mailbox_entry *p = mailbox_entry_find(entries, count, parent);

			keep = p != NULL && matched[p - entries];
			parent = p != NULL ? p->mb->parent_id : 0;
		}
		entries[i].included = keep;
	}
}

static void mailbox_emit(json_object *ids, const struct store_mailbox *mb)
{
	char id[24];

	jmap_id_format(MAILBOX_ID_PREFIX, mb->id, id);
	json_object_array_add(ids, json_object_new_string(id));
}

/* sortAsTree: depth first from the roots, each set of siblings sorted by
 * the comparators; only included mailboxes are emitted. */
static void mailbox_emit_tree(json_object *ids, struct mailbox_entry **sorted, size_t count,
			      uint64_t parent_id, size_t depth)
{
	if (depth > count)
		return;
	for (size_t i = 0; i < count; i++) {
		if (sorted[i]->mb->parent_id != parent_id)
			continue;
		if (sorted[i]->included)
			mailbox_emit(ids, sorted[i]->mb);
		mailbox_emit_tree(ids, sorted, count, sorted[i]->mb->id, depth + 1);
	}
}

static bool mailbox_query_flag(struct jmap_call *call, const char *name)
{
	json_object *value;

	return json_object_object_get_ex(call->args, name, &value) &&
	       json_object_get_boolean(value);
}

static void mailbox_query_match(struct jmap_call *call, struct jmap_query *query,
				struct mailbox_entry *entries, size_t count)
{
	bool *matched = xcalloc(count + 1, sizeof(bool));

	for (size_t i = 0; i < count; i++) {
		struct mailbox_filter_ctx ctx = { call, entries[i].mb };

		matched[i] = query->filter == NULL ||
			     jmap_filter_eval(query->filter, mailbox_match, &ctx);
		entries[i].included = matched[i];
	}
	if (mailbox_query_flag(call, "filterAsTree"))
		mailbox_filter_as_tree(entries, count, matched);
	free(matched);
}

static void mailbox_query_order(struct jmap_call *call, struct jmap_query *query,
				struct mailbox_entry *entries, size_t count,
				struct mailbox_sort *s)
{
	struct mailbox_entry **sorted = xcalloc(count + 1, sizeof(*sorted));

	for (size_t i = 0; i < count; i++)
		sorted[i] = &entries[i];
	qsort_r(sorted, count, sizeof(*sorted), mailbox_entry_compare, s);
	if (mailbox_query_flag(call, "sortAsTree")) {
		mailbox_emit_tree(query->ids, sorted, count, 0, 0);
	} else {
		for (size_t i = 0; i < count; i++) {
			if (sorted[i]->included)
				mailbox_emit(query->ids, sorted[i]->mb);
		}
	}
	free(sorted);
}

int jmap_mailbox_query(struct jmap_call *call, struct jmap_query *query)
{
	struct store_mailbox *list;
	struct mailbox_entry *entries;
	struct mailbox_sort s;
	const char *error;
	size_t count;

	if (store_mailbox_list(call->acct, &list, &count, &error) < 0)
		return jmap_call_error(call, "serverFail", "%s", error);
	if (query->ids == NULL)
		query->ids = json_object_new_array();
	mailbox_sort_parse(query->sort, &s);
	entries = xcalloc(count + 1, sizeof(*entries));
	mailbox_entries_init(entries, list, count, &s);
	mailbox_query_match(call, query, entries, count);
	mailbox_query_order(call, query, entries, count, &s);
	/* Under either tree option a change to one mailbox moves others. */
	query->can_calculate_changes = !mailbox_query_flag(call, "sortAsTree") &&
				       !mailbox_query_flag(call, "filterAsTree");
	mailbox_entries_free(entries, count, &s);
	free(s.keys);
	store_mailbox_list_free(&list, count);
	return 0;
}
