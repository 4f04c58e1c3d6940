/* Foo/query (RFC 8620 §5.5): the type finds and orders every match; this
 * file windows the result (position, anchor, limit). */
#include <string.h>

#include "jmap/std_private.h"

static const char *const query_known_args[] = {
	"accountId", "filter", "sort", "position", "anchor", "anchorOffset", "limit",
	"calculateTotal", NULL,
};

struct query_window {
	int64_t position;
	int64_t limit;		/* -1: none asked */
	bool limit_capped;
	bool total;
	const char *anchor;	/* NULL: none */
	int64_t anchor_offset;
};

static int query_window_args(struct jmap_call *call, struct query_window *w)
{
	json_object *anchor;
	int64_t cap = call->req->srv->limits.max_objects_in_get;

	if (jmap_arg_int(call, "position", 0, &w->position) < 0 ||
	    jmap_arg_get(call, "anchor", json_type_string, &anchor) < 0 ||
	    jmap_arg_int(call, "anchorOffset", 0, &w->anchor_offset) < 0 ||
	    jmap_arg_uint_or_null(call, "limit", &w->limit) < 0 ||
	    jmap_arg_bool(call, "calculateTotal", false, &w->total) < 0)
		return -1;
	w->anchor = anchor != NULL ? jmap_id_resolve(call, json_object_get_string(anchor)) : NULL;
	if (anchor != NULL && w->anchor == NULL)
		return jmap_call_error(call, "anchorNotFound", NULL);
	/* The cap is maxObjectsInGet, so that the ids fit a /get by result
	 * reference; RFC 8620 §5.5 lets the server clamp and say so.
	 * In-process callers have no cap on /get, so none here either. */
	if (call->req->in_process) {
		if (w->limit < 0)
			w->limit = INT64_MAX;
	} else if (w->limit < 0 || w->limit > cap) {
		w->limit = cap;
		w->limit_capped = true;
	}
	return 0;
}

static int64_t query_index_of(json_object *ids, const char *id)
{
	size_t n = json_object_array_length(ids);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(ids, i)), id) == 0)
			return (int64_t)i;
	}
	return -1;
}

/* The index of the first id to return (RFC 8620 §5.5). */
static int query_start(struct jmap_call *call, json_object *ids, const struct query_window *w,
		       int64_t *start_r)
{
	int64_t total = (int64_t)json_object_array_length(ids);
	int64_t start = w->position;

	if (w->anchor != NULL) {
		int64_t idx = query_index_of(ids, w->anchor);

		if (idx < 0)
			return jmap_call_error(call, "anchorNotFound", NULL);
		start = idx + w->anchor_offset;
	} else if (start < 0) {
		start += total;
	}
	*start_r = start < 0 ? 0 : start;
	return 0;
}

static json_object *query_slice(json_object *ids, int64_t start, int64_t limit)
{
	int64_t total = (int64_t)json_object_array_length(ids);
	json_object *out = json_object_new_array();

	for (int64_t i = start; i < total && i - start < limit; i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(ids, (size_t)i)));
	return out;
}

static json_object *query_response(struct jmap_call *call, const struct jmap_query *q,
				   const struct query_window *w, int64_t start)
{
	json_object *resp = jmap_std_response(call);
	char state[24];

	jmap_std_state(call, state);
	json_object_object_add(resp, "queryState", json_object_new_string(state));
	json_object_object_add(resp, "canCalculateChanges",
			       json_object_new_boolean(q->can_calculate_changes));
	json_object_object_add(resp, "position", json_object_new_int64(start));
	json_object_object_add(resp, "ids", q->windowed ? json_object_get(q->ids) :
			       query_slice(q->ids, start, w->limit));
	if (w->total)
		json_object_object_add(resp, "total", json_object_new_int64(
			q->windowed ? q->total : (int64_t)json_object_array_length(q->ids)));
	if (w->limit_capped)
		json_object_object_add(resp, "limit", json_object_new_int64(w->limit));
	return resp;
}

int jmap_std_query(struct jmap_call *call)
{
	struct jmap_query q = { 0 };
	struct query_window w = { 0 };
	int64_t start = 0;
	int ret = -1;

	if (jmap_args_check(call, query_known_args, call->def->type->query_args) < 0 ||
	    query_window_args(call, &w) < 0)
		return -1;
	q.may_window = true;
	q.position = w.position;
	q.anchor = w.anchor;
	q.anchor_offset = w.anchor_offset;
	q.limit = w.limit;
	q.calculate_total = w.total;
	if (jmap_query_run(call, &q) < 0)
		goto out;
	if (q.windowed) {
		if (q.anchor_not_found) {
			jmap_call_error(call, "anchorNotFound", NULL);
			goto out;
		}
		call->response = query_response(call, &q, &w, q.start);
		ret = 0;
	} else if (query_start(call, q.ids, &w, &start) == 0) {
		call->response = query_response(call, &q, &w, start);
		ret = 0;
	}
out:
	jmap_query_clear(&q);
	return ret;
}
