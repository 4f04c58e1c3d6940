/* Foo/queryChanges (RFC 8620 §5.6): the query is run again now; every
 * object changed since the old state is removed, and put back at its
 * current index if it is in the results. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/std_private.h"

static const char *const qc_known_args[] = {
	"accountId", "filter", "sort", "sinceQueryState", "maxChanges", "upToId",
	"calculateTotal", NULL,
};

struct qc_added {
	size_t index;
	const char *id;		/* borrowed from the query's ids */
};

struct qc_state {
	json_object *index;	/* id -> index in the current results */
	size_t up_to;		/* highest index to report (SIZE_MAX: all) */
	json_object *removed;
	struct qc_added *added;
	size_t added_count;
};

static int qc_since(struct jmap_call *call, uint64_t *since_r)
{
	json_object *since;
	enum store_type store_type = call->def->type->store_type;

	if (jmap_arg_get(call, "sinceQueryState", json_type_string, &since) < 0)
		return -1;
	if (since == NULL)
		return jmap_call_error(call, "invalidArguments", "sinceQueryState is required");
	if (jmap_state_parse(json_object_get_string(since), since_r) < 0 ||
	    *since_r < store_tombstone_floor(call->acct) ||
	    *since_r > store_type_state(call->acct, store_type))
		return jmap_call_error(call, "cannotCalculateChanges", NULL);
	return 0;
}

static void qc_index_build(struct qc_state *st, json_object *ids)
{
	size_t n = json_object_array_length(ids);

	st->index = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(st->index, json_object_get_string(json_object_array_get_idx(ids, i)),
				       json_object_new_int64((int64_t)i));
}

static bool qc_index_find(const struct qc_state *st, const char *id, size_t *index_r)
{
	json_object *v;

	if (!json_object_object_get_ex(st->index, id, &v))
		return false;
	*index_r = (size_t)json_object_get_int64(v);
	return true;
}

/* upToId counts only when no change can move an object in the results
 * (filter and sort on immutable properties only). */
static int qc_up_to(struct jmap_call *call, const struct jmap_query *q, struct qc_state *st)
{
	json_object *up_to;
	const char *id;

	st->up_to = SIZE_MAX;
	if (jmap_arg_get(call, "upToId", json_type_string, &up_to) < 0)
		return -1;
	if (up_to == NULL || !jmap_query_immutable(call->def->type, q))
		return 0;
	id = jmap_id_resolve(call, json_object_get_string(up_to));
	if (id != NULL && !qc_index_find(st, id, &st->up_to))
		st->up_to = SIZE_MAX;
	return 0;
}

static void qc_record(const struct jmap_type *type, const struct store_change *c,
		      struct qc_state *st, json_object *ids)
{
	char id[24];
	size_t index;
	bool present;

	if (c->created && c->destroyed)
		return;
	jmap_id_format(type->id_prefix, c->id, id);
	present = qc_index_find(st, id, &index);
	if (present && index > st->up_to)
		return;
	if (!c->created)
		json_object_array_add(st->removed, json_object_new_string(id));
	if (present) {
		st->added[st->added_count].index = index;
		st->added[st->added_count].id =
			json_object_get_string(json_object_array_get_idx(ids, index));
		st->added_count++;
	}
}

static int qc_added_compare(const void *a, const void *b)
{
	size_t ia = ((const struct qc_added *)a)->index, ib = ((const struct qc_added *)b)->index;

	return (ia > ib) - (ia < ib);
}

static int qc_u64_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool qc_changed(const struct store_change *list, size_t count, uint64_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (list[i].id == id)
			return true;
	}
	return false;
}

/* The type's related objects count as updated (not created): removed,
 * and added back where they are now. */
static int qc_collect_related(struct jmap_call *call, uint64_t since, json_object *ids,
			      struct qc_state *st, const struct store_change *list, size_t count)
{
	const struct jmap_type *type = call->def->type;
	uint64_t *related;
	size_t n;

	if (type->query_changes_related(call, since, list, count, &related, &n) < 0)
		return -1;
	qsort(related, n, sizeof(*related), qc_u64_compare);
	st->added = xrealloc(st->added, (st->added_count + n + 1) * sizeof(*st->added));
	for (size_t i = 0; i < n; i++) {
		struct store_change c = { .id = related[i] };

		if ((i > 0 && related[i] == related[i - 1]) || qc_changed(list, count, c.id))
			continue;
		qc_record(type, &c, st, ids);
	}
	free(related);
	return 0;
}

static int qc_collect(struct jmap_call *call, uint64_t since, json_object *ids, bool related,
		      struct qc_state *st)
{
	const struct jmap_type *type = call->def->type;
	struct store_change *list;
	size_t count;
	const char *error;
	bool more;
	int ret = 0;

	if (store_changes(call->acct, type->store_type, since, 0, &list, &count, &more, &error) < 0)
		return jmap_call_error(call, "serverFail", "changes: %s", error);
	st->removed = json_object_new_array();
	st->added = xcalloc(count + 1, sizeof(*st->added));
	for (size_t i = 0; i < count; i++)
		qc_record(type, &list[i], st, ids);
	if (related && type->query_changes_related != NULL)
		ret = qc_collect_related(call, since, ids, st, list, count);
	free(list);
	qsort(st->added, st->added_count, sizeof(*st->added), qc_added_compare);
	return ret;
}

static json_object *qc_response(struct jmap_call *call, const struct jmap_query *q,
				struct qc_state *st, bool total)
{
	json_object *resp = jmap_std_response(call);
	json_object *added = json_object_new_array();
	char state[24];

	jmap_std_state(call, state);
	json_object_object_add(resp, "oldQueryState",
			       json_object_get(json_object_object_get(call->args, "sinceQueryState")));
	json_object_object_add(resp, "newQueryState", json_object_new_string(state));
	if (total)
		json_object_object_add(resp, "total",
				       json_object_new_int64((int64_t)json_object_array_length(q->ids)));
	json_object_object_add(resp, "removed", json_object_get(st->removed));
	for (size_t i = 0; i < st->added_count; i++) {
		json_object *item = json_object_new_object();

		json_object_object_add(item, "id", json_object_new_string(st->added[i].id));
		json_object_object_add(item, "index", json_object_new_int64((int64_t)st->added[i].index));
		json_object_array_add(added, item);
	}
	json_object_object_add(resp, "added", added);
	return resp;
}

static int qc_run(struct jmap_call *call, struct jmap_query *q, struct qc_state *st)
{
	int64_t max_changes;
	uint64_t since;
	bool total;

	if (jmap_args_check(call, qc_known_args, call->def->type->query_args) < 0 ||
	    jmap_arg_uint_or_null(call, "maxChanges", &max_changes) < 0 ||
	    jmap_arg_bool(call, "calculateTotal", false, &total) < 0 ||
	    qc_since(call, &since) < 0 || jmap_query_run(call, q) < 0)
		return -1;
	if (!q->can_calculate_changes)
		return jmap_call_error(call, "cannotCalculateChanges", NULL);
	qc_index_build(st, q->ids);
	if (qc_up_to(call, q, st) < 0 || qc_collect(call, since, q->ids, q->related_changes, st) < 0)
		return -1;
	if (max_changes >= 0 &&
	    json_object_array_length(st->removed) + st->added_count > (size_t)max_changes)
		return jmap_call_error(call, "tooManyChanges", NULL);
	call->response = qc_response(call, q, st, total);
	return 0;
}

int jmap_std_query_changes(struct jmap_call *call)
{
	struct jmap_query q = { 0 };
	struct qc_state st = { 0 };
	int ret = qc_run(call, &q, &st);

	json_object_put(st.index);
	json_object_put(st.removed);
	free(st.added);
	jmap_query_clear(&q);
	return ret;
}
