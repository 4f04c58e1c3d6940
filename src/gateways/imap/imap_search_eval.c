/* Running a search program over the selected view: flags, keywords,
 * numbers and MODSEQ are tested in memory; the content keys (text,
 * dates, sizes, header fields) are JMAP FilterConditions, and the ones
 * ANDed together run as one Email/query in the mailbox. Results combine
 * as bitmaps over the view. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_search.h"

struct search_eval {
	struct imap_session *s;
	const struct imap_view *view;
	struct imap_id_index index;
	bool indexed;
	size_t words;
	char *error_type;
};

static uint64_t *search_bits_new(const struct search_eval *e, bool all)
{
	uint64_t *bits = xcalloc(e->words > 0 ? e->words : 1, sizeof(*bits));

	if (all) {
		for (size_t i = 0; i < e->view->count; i++)
			bits[i / 64] |= 1ULL << (i % 64);
	}
	return bits;
}

static void search_bits_set(uint64_t *bits, size_t i)
{
	bits[i / 64] |= 1ULL << (i % 64);
}

static bool search_bits_get(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/* The filter of one Email/query: the mailbox and every condition. */
static json_object *search_filter(const struct search_eval *e, json_object *conds)
{
	json_object *in = json_object_new_object(), *filter, *list;

	json_object_object_add(in, "inMailbox", json_object_new_string(e->view->mailbox_id));
	if (json_object_array_length(conds) == 1) {
		json_object_object_foreach(json_object_array_get_idx(conds, 0), key, value)
			json_object_object_add(in, key, json_object_get(value));
		return in;
	}
	list = json_object_new_array();
	json_object_array_add(list, in);
	for (size_t i = 0; i < json_object_array_length(conds); i++)
		json_object_array_add(list, json_object_get(json_object_array_get_idx(conds, i)));
	filter = json_object_new_object();
	json_object_object_add(filter, "operator", json_object_new_string("AND"));
	json_object_object_add(filter, "conditions", list);
	return filter;
}

/* Runs Email/query with conds (borrowed) and marks the view messages
 * found. */
static int search_query(struct search_eval *e, json_object *conds, uint64_t *bits)
{
	json_object *ids = imap_msgcmd_query(e->s, search_filter(e, conds), &e->error_type);
	size_t n;

	if (ids == NULL)
		return -1;
	if (!e->indexed) {
		imap_id_index_init(&e->index, e->view);
		e->indexed = true;
	}
	n = json_object_array_length(ids);
	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
		ssize_t idx = id != NULL ? imap_id_index_find(&e->index, id) : -1;

		if (idx >= 0)
			search_bits_set(bits, (size_t)idx);
	}
	json_object_put(ids);
	return 0;
}

static uint32_t search_last_uid(const struct imap_view *view)
{
	return view->count > 0 ? view->msgs[view->count - 1].uid : 0;
}

/* The keys tested on the view alone. */
static uint64_t *search_eval_view(struct search_eval *e, const struct search_node *node)
{
	const struct imap_view *view = e->view;
	uint64_t *bits = search_bits_new(e, node->kind == NODE_ALL);
	struct imap_seqset set = { NULL, 0 };

	if (node->kind == NODE_SEQSET)
		imap_seqset_parse(node->text, (uint32_t)view->count, &set);
	else if (node->kind == NODE_UIDSET)
		imap_view_parse_uids(view, node->text, search_last_uid(view), &set);
	for (size_t i = 0; i < view->count && node->kind != NODE_ALL; i++) {
		const struct imap_msg *msg = &view->msgs[i];
		bool match = false;

		if (node->kind == NODE_KEYWORD)
			match = imap_msgcmd_has_keyword(view, msg, node->text);
		else if (node->kind == NODE_SEQSET)
			match = imap_seqset_contains(&set, (uint32_t)(i + 1));
		else if (node->kind == NODE_UIDSET)
			match = imap_seqset_contains(&set, msg->uid);
		else if (node->kind == NODE_MODSEQ)
			match = msg->modseq >= node->modseq;
		if (match)
			search_bits_set(bits, i);
	}
	imap_seqset_free(&set);
	return bits;
}

static int search_eval_node(struct search_eval *e, const struct search_node *node,
			    uint64_t **bits_r);

static void search_bits_and(const struct search_eval *e, uint64_t *bits, const uint64_t *other)
{
	for (size_t w = 0; w < e->words; w++)
		bits[w] &= other[w];
}

/* AND: the content keys among the children run as one query. */
static int search_eval_and(struct search_eval *e, const struct search_node *node,
			   uint64_t *bits)
{
	json_object *conds = json_object_new_array();
	uint64_t *child;
	int ret = 0;

	for (size_t i = 0; i < node->count && ret == 0; i++) {
		if (node->children[i]->kind == NODE_JMAP) {
			json_object_array_add(conds, json_object_get(node->children[i]->cond));
			continue;
		}
		if ((ret = search_eval_node(e, node->children[i], &child)) == 0) {
			search_bits_and(e, bits, child);
			free(child);
		}
	}
	if (ret == 0 && json_object_array_length(conds) > 0) {
		child = search_bits_new(e, false);
		if ((ret = search_query(e, conds, child)) == 0)
			search_bits_and(e, bits, child);
		free(child);
	}
	json_object_put(conds);
	return ret;
}

static int search_eval_node(struct search_eval *e, const struct search_node *node,
			    uint64_t **bits_r)
{
	uint64_t *bits, *other;
	int ret = 0;

	if (node->kind != NODE_AND && node->kind != NODE_OR && node->kind != NODE_NOT &&
	    node->kind != NODE_JMAP) {
		*bits_r = search_eval_view(e, node);
		return 0;
	}
	bits = search_bits_new(e, node->kind == NODE_AND);
	if (node->kind == NODE_AND) {
		ret = search_eval_and(e, node, bits);
	} else if (node->kind == NODE_JMAP) {
		json_object *conds = json_object_new_array();

		json_object_array_add(conds, json_object_get(node->cond));
		ret = search_query(e, conds, bits);
		json_object_put(conds);
	} else {
		for (size_t i = 0; i < node->count && ret == 0; i++) {
			if ((ret = search_eval_node(e, node->children[i], &other)) < 0)
				break;
			for (size_t w = 0; w < e->words; w++)
				bits[w] |= other[w];
			free(other);
		}
		if (ret == 0 && node->kind == NODE_NOT) {
			for (size_t i = 0; i < e->view->count; i++)
				bits[i / 64] ^= 1ULL << (i % 64);
		}
	}
	if (ret < 0)
		free(bits);
	else
		*bits_r = bits;
	return ret;
}

int imap_search_run(struct imap_session *s, const struct imap_search *search,
		    size_t **indexes_r, size_t *count_r, char **error_type_r)
{
	struct search_eval e = { .s = s, .view = s->view };
	uint64_t *bits;
	size_t n = 0;

	e.words = (s->view->count + 63) / 64;
	if (search_eval_node(&e, search->root, &bits) < 0) {
		if (e.indexed)
			imap_id_index_free(&e.index);
		*error_type_r = e.error_type;
		return -1;
	}
	*indexes_r = xmalloc((s->view->count > 0 ? s->view->count : 1) * sizeof(**indexes_r));
	for (size_t i = 0; i < s->view->count; i++) {
		if (search_bits_get(bits, i))
			(*indexes_r)[n++] = i;
	}
	*count_r = n;
	free(bits);
	if (e.indexed)
		imap_id_index_free(&e.index);
	return 0;
}
