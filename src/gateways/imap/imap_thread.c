/* THREAD and UID THREAD (RFC 5256): the search runs first, then one
 * Email/get per batch of matches for the ids, subject and dates, and the
 * gateway threads them with ORDEREDSUBJECT or REFERENCES exactly as
 * §BASE.6.4.THREAD describes. Trees are walked with explicit stacks, so
 * a long reply chain cannot exhaust the thread's stack. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

/* References of one message beyond this are ignored (the oldest ones:
 * the last reference is the parent). */
#define THREAD_MAX_REFS 256
#define THREAD_NONE ((size_t)-1)

struct thread_msg {
	size_t index;		/* in the view */
	char *msgid;		/* NULL: none */
	char **refs;
	size_t ref_count;
	char *base;		/* base subject, uppercased */
	bool reply;
	time_t date;		/* sent date, else internal date */
};

struct thread_node {
	size_t msg;		/* into msgs, THREAD_NONE for a dummy */
	size_t parent;
	size_t *children;
	size_t count, alloc;
};

/* Strings to node numbers, open addressing; keys are borrowed. */
struct thread_table {
	const char **keys;
	size_t *vals;
	size_t cap;		/* a power of two */
};

struct thread_ctx {
	struct thread_msg *msgs;
	size_t msg_count;
	struct thread_node *nodes;	/* nodes[0] is the root */
	size_t node_count, node_alloc;
	struct thread_table ids;
};

/* ---- tables ---- */

static void thread_table_init(struct thread_table *t, size_t entries)
{
	t->cap = 16;
	while (t->cap < entries * 2)
		t->cap *= 2;
	t->keys = xcalloc(t->cap, sizeof(*t->keys));
	t->vals = xcalloc(t->cap, sizeof(*t->vals));
}

static void thread_table_free(struct thread_table *t)
{
	free(t->keys);
	free(t->vals);
}

/* The slot of key: where it is, or the empty one where it would go. */
static size_t thread_table_slot(const struct thread_table *t, const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *c = (const unsigned char *)key; *c != '\0'; c++)
		h = (h ^ *c) * 1099511628211ULL;
	for (size_t i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->keys[i] == NULL || strcmp(t->keys[i], key) == 0)
			return i;
	}
}

static size_t thread_table_get(const struct thread_table *t, const char *key)
{
	size_t i = thread_table_slot(t, key);

	return t->keys[i] != NULL ? t->vals[i] : THREAD_NONE;
}

static void thread_table_put(struct thread_table *t, const char *key, size_t val)
{
	size_t i = thread_table_slot(t, key);

	t->keys[i] = key;
	t->vals[i] = val;
}

/* ---- nodes ---- */

static size_t thread_node_new(struct thread_ctx *c, size_t msg)
{
	struct thread_node *node;

	if (c->node_count == c->node_alloc) {
		c->node_alloc = c->node_alloc == 0 ? 64 : c->node_alloc * 2;
		c->nodes = xrealloc(c->nodes, c->node_alloc * sizeof(*c->nodes));
	}
	node = &c->nodes[c->node_count];
	memset(node, 0, sizeof(*node));
	node->msg = msg;
	node->parent = THREAD_NONE;
	return c->node_count++;
}

static bool thread_is_dummy(const struct thread_ctx *c, size_t n)
{
	return c->nodes[n].msg == THREAD_NONE;
}

static void thread_child_add(struct thread_ctx *c, size_t parent, size_t child)
{
	struct thread_node *p = &c->nodes[parent];

	if (p->count == p->alloc) {
		p->alloc = p->alloc == 0 ? 4 : p->alloc * 2;
		p->children = xrealloc(p->children, p->alloc * sizeof(*p->children));
	}
	p->children[p->count++] = child;
	c->nodes[child].parent = parent;
}

static void thread_unlink(struct thread_ctx *c, size_t child)
{
	size_t parent = c->nodes[child].parent;
	struct thread_node *p;

	if (parent == THREAD_NONE)
		return;
	p = &c->nodes[parent];
	for (size_t i = 0; i < p->count; i++) {
		if (p->children[i] == child) {
			memmove(&p->children[i], &p->children[i + 1],
				(p->count - i - 1) * sizeof(*p->children));
			p->count--;
			break;
		}
	}
	c->nodes[child].parent = THREAD_NONE;
}

/* Linking parent above child would make a loop: parent is child or
 * one of its descendants. */
static bool thread_would_loop(const struct thread_ctx *c, size_t parent, size_t child)
{
	for (size_t n = parent; n != THREAD_NONE; n = c->nodes[n].parent) {
		if (n == child)
			return true;
	}
	return false;
}

/* The nodes under root, children before their parent. */
static size_t *thread_post_order(const struct thread_ctx *c, size_t *count_r)
{
	size_t *order = xmalloc(c->node_count * sizeof(*order));
	size_t *stack = xmalloc(c->node_count * sizeof(*stack));
	size_t *next = xcalloc(c->node_count, sizeof(*next));
	size_t depth = 0, n = 0;

	stack[depth++] = 0;
	while (depth > 0) {
		size_t top = stack[depth - 1];

		if (next[top] < c->nodes[top].count) {
			stack[depth++] = c->nodes[top].children[next[top]++];
			continue;
		}
		order[n++] = top;
		depth--;
	}
	free(stack);
	free(next);
	*count_r = n;
	return order;
}

/* ---- sorting siblings by sent date ---- */

/* The message a node sorts by: its own, or a dummy's first child's. */
static const struct thread_msg *thread_sort_msg(const struct thread_ctx *c, size_t n)
{
	while (thread_is_dummy(c, n) && c->nodes[n].count > 0)
		n = c->nodes[n].children[0];
	return thread_is_dummy(c, n) ? NULL : &c->msgs[c->nodes[n].msg];
}

static int thread_cmp(const void *pa, const void *pb, void *context)
{
	const struct thread_ctx *c = context;
	const struct thread_msg *a = thread_sort_msg(c, *(const size_t *)pa);
	const struct thread_msg *b = thread_sort_msg(c, *(const size_t *)pb);

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

static void thread_sort_children(struct thread_ctx *c, size_t n)
{
	if (c->nodes[n].count > 1)
		qsort_r(c->nodes[n].children, c->nodes[n].count, sizeof(size_t), thread_cmp, c);
}

/* Step 6 (and ORDEREDSUBJECT): every set of siblings, youngest first. */
static void thread_sort_all(struct thread_ctx *c)
{
	size_t count, *order = thread_post_order(c, &count);

	for (size_t i = 0; i < count; i++)
		thread_sort_children(c, order[i]);
	free(order);
}

/* ---- REFERENCES ---- */

/* The node of a referenced id: found, or a new dummy. */
static size_t thread_ref_node(struct thread_ctx *c, const char *id)
{
	size_t n = thread_table_get(&c->ids, id);

	if (n == THREAD_NONE) {
		n = thread_node_new(c, THREAD_NONE);
		thread_table_put(&c->ids, id, n);
	}
	return n;
}

/* The node of message m: a dummy made for its id earlier becomes it; a
 * duplicate or missing id gets a node no reference can reach. */
static size_t thread_msg_node(struct thread_ctx *c, size_t m)
{
	const char *id = c->msgs[m].msgid;
	size_t n = id != NULL ? thread_table_get(&c->ids, id) : THREAD_NONE;

	if (n != THREAD_NONE && thread_is_dummy(c, n)) {
		c->nodes[n].msg = m;
		return n;
	}
	n = thread_node_new(c, m);
	if (id != NULL && thread_table_get(&c->ids, id) == THREAD_NONE)
		thread_table_put(&c->ids, id, n);
	return n;
}

/* Step 1 for message m: (A) chain its references, (B) hang it under
 * the last one. */
static void thread_link_msg(struct thread_ctx *c, size_t m)
{
	const struct thread_msg *msg = &c->msgs[m];
	size_t node = thread_msg_node(c, m), prev = THREAD_NONE;

	for (size_t i = 0; i < msg->ref_count; i++) {
		size_t ref = thread_ref_node(c, msg->refs[i]);

		if (prev != THREAD_NONE && c->nodes[ref].parent == THREAD_NONE &&
		    !thread_would_loop(c, prev, ref))
			thread_child_add(c, prev, ref);
		prev = ref;
	}
	thread_unlink(c, node);
	if (prev != THREAD_NONE && !thread_would_loop(c, prev, node))
		thread_child_add(c, prev, node);
}

/* Step 2: the parentless nodes become the root's children. */
static void thread_gather_root(struct thread_ctx *c)
{
	for (size_t n = 1; n < c->node_count; n++) {
		if (c->nodes[n].parent == THREAD_NONE)
			thread_child_add(c, 0, n);
	}
}

/* Step 3 for node n, whose children were pruned already: dummies among
 * its children go, or give it their children (under the root only when
 * there is one). */
static void thread_prune_node(struct thread_ctx *c, size_t n)
{
	struct thread_node *p = &c->nodes[n];
	size_t *old = p->children, count = p->count;

	p->children = NULL;
	p->count = p->alloc = 0;
	for (size_t i = 0; i < count; i++) {
		size_t child = old[i];
		struct thread_node *d = &c->nodes[child];

		if (!thread_is_dummy(c, child) || (n == 0 && d->count > 1)) {
			thread_child_add(c, n, child);
			continue;
		}
		for (size_t k = 0; k < d->count; k++)
			thread_child_add(c, n, d->children[k]);
		d->count = 0;
		d->parent = THREAD_NONE;
	}
	free(old);
}

static void thread_prune(struct thread_ctx *c)
{
	size_t count, *order = thread_post_order(c, &count);

	for (size_t i = 0; i < count; i++)
		thread_prune_node(c, order[i]);
	free(order);
}

/* The thread subject of a child of the root (5.B.i). */
static const struct thread_msg *thread_subject_msg(const struct thread_ctx *c, size_t n)
{
	if (thread_is_dummy(c, n))
		return c->nodes[n].count > 0 && !thread_is_dummy(c, c->nodes[n].children[0]) ?
		       &c->msgs[c->nodes[c->nodes[n].children[0]].msg] : NULL;
	return &c->msgs[c->nodes[n].msg];
}

/* 5.B: one root child per base subject. */
static void thread_subject_table(struct thread_ctx *c, struct thread_table *t)
{
	for (size_t i = 0; i < c->nodes[0].count; i++) {
		size_t n = c->nodes[0].children[i], old;
		const struct thread_msg *msg = thread_subject_msg(c, n);

		if (msg == NULL || msg->base[0] == '\0')
			continue;
		old = thread_table_get(t, msg->base);
		if (old == THREAD_NONE ||
		    (!thread_is_dummy(c, old) &&
		     (thread_is_dummy(c, n) ||
		      (c->msgs[c->nodes[old].msg].reply && !c->msgs[c->nodes[n].msg].reply))))
			thread_table_put(t, msg->base, n);
	}
}

/* 5.C: merges root child n into the table's node old. */
static void thread_merge(struct thread_ctx *c, struct thread_table *t, const char *subject,
			 size_t n, size_t old)
{
	bool n_dummy = thread_is_dummy(c, n), old_dummy = thread_is_dummy(c, old);
	size_t dummy;

	thread_unlink(c, n);
	if (n_dummy && old_dummy) {
		for (size_t k = 0; k < c->nodes[n].count; k++)
			thread_child_add(c, old, c->nodes[n].children[k]);
		c->nodes[n].count = 0;
	} else if (old_dummy ||
		   (!n_dummy && c->msgs[c->nodes[n].msg].reply &&
		    !c->msgs[c->nodes[old].msg].reply)) {
		thread_child_add(c, old, n);
	} else {
		dummy = thread_node_new(c, THREAD_NONE);
		thread_unlink(c, old);
		thread_child_add(c, 0, dummy);
		thread_child_add(c, dummy, old);
		thread_child_add(c, dummy, n);
		thread_table_put(t, subject, dummy);
	}
}

static void thread_merge_subjects(struct thread_ctx *c)
{
	struct thread_table t;
	size_t count = c->nodes[0].count;
	size_t *roots = xmalloc((count > 0 ? count : 1) * sizeof(*roots));

	thread_table_init(&t, count);
	thread_subject_table(c, &t);
	if (count > 0)
		memcpy(roots, c->nodes[0].children, count * sizeof(*roots));
	for (size_t i = 0; i < count; i++) {
		const struct thread_msg *msg = thread_subject_msg(c, roots[i]);
		size_t old;

		if (msg == NULL || msg->base[0] == '\0' || c->nodes[roots[i]].parent != 0)
			continue;
		old = thread_table_get(&t, msg->base);
		if (old != roots[i] && old != THREAD_NONE)
			thread_merge(c, &t, msg->base, roots[i], old);
	}
	free(roots);
	thread_table_free(&t);
}

static void thread_references(struct thread_ctx *c)
{
	size_t entries = c->msg_count;

	for (size_t m = 0; m < c->msg_count; m++)
		entries += c->msgs[m].ref_count;
	thread_table_init(&c->ids, entries);
	for (size_t m = 0; m < c->msg_count; m++)
		thread_link_msg(c, m);
	thread_gather_root(c);
	thread_prune(c);
	/* step 4: a dummy sorts by its first child once its children are */
	for (size_t i = 0; i < c->nodes[0].count; i++) {
		if (thread_is_dummy(c, c->nodes[0].children[i]))
			thread_sort_children(c, c->nodes[0].children[i]);
	}
	thread_sort_children(c, 0);
	thread_merge_subjects(c);
	thread_sort_all(c);
}

/* ---- ORDEREDSUBJECT ---- */

static int thread_subject_cmp(const void *pa, const void *pb, void *context)
{
	const struct thread_ctx *c = context;
	const struct thread_msg *a = &c->msgs[*(const size_t *)pa];
	const struct thread_msg *b = &c->msgs[*(const size_t *)pb];
	int cmp = strcmp(a->base, b->base);

	if (cmp != 0)
		return cmp;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/* Sorted by base subject then date, each run of one base subject is a
 * thread: the first message at the top, the others its children. */
static void thread_ordered_subject(struct thread_ctx *c)
{
	size_t *order = xmalloc((c->msg_count > 0 ? c->msg_count : 1) * sizeof(*order));
	size_t top = THREAD_NONE;

	for (size_t m = 0; m < c->msg_count; m++)
		order[m] = m;
	qsort_r(order, c->msg_count, sizeof(*order), thread_subject_cmp, c);
	for (size_t i = 0; i < c->msg_count; i++) {
		size_t n = thread_node_new(c, order[i]);

		if (i > 0 && strcmp(c->msgs[order[i]].base, c->msgs[order[i - 1]].base) == 0) {
			thread_child_add(c, top, n);
		} else {
			thread_child_add(c, 0, n);
			top = n;
		}
	}
	free(order);
	thread_sort_children(c, 0);
}

/* ---- the response ---- */

struct thread_writer {
	const struct thread_ctx *c;
	const struct imap_view *view;
	bool uid;
	struct evbuffer *out;
	size_t *stack;		/* open lists ending in a branching node */
	size_t *next;		/* per node: the next child to write */
	size_t depth;
};

static void thread_write_number(struct thread_writer *w, size_t n)
{
	size_t index = w->c->msgs[w->c->nodes[n].msg].index;

	evbuffer_add_printf(w->out, "%u", w->uid ? w->view->msgs[index].uid : (uint32_t)(index + 1));
}

/* Opens the thread-list of node n: its chain of single children, then
 * either ")" or a frame whose children follow as nested lists. */
static void thread_write_open(struct thread_writer *w, size_t n)
{
	const struct thread_ctx *c = w->c;

	evbuffer_add(w->out, "(", 1);
	while (!thread_is_dummy(c, n)) {
		thread_write_number(w, n);
		if (c->nodes[n].count == 0) {
			evbuffer_add(w->out, ")", 1);
			return;
		}
		evbuffer_add(w->out, " ", 1);
		if (c->nodes[n].count > 1 || thread_is_dummy(c, c->nodes[n].children[0]))
			break;
		n = c->nodes[n].children[0];
	}
	w->stack[w->depth++] = n;
}

static void thread_write(const struct thread_ctx *c, const struct imap_view *view, bool uid,
			 struct evbuffer *out)
{
	struct thread_writer w = { c, view, uid, out, NULL, NULL, 0 };

	w.stack = xmalloc(c->node_count * sizeof(*w.stack));
	w.next = xcalloc(c->node_count, sizeof(*w.next));
	evbuffer_add_printf(out, "* THREAD");
	if (c->nodes[0].count > 0)
		evbuffer_add(out, " ", 1);
	for (size_t i = 0; i < c->nodes[0].count; i++) {
		thread_write_open(&w, c->nodes[0].children[i]);
		while (w.depth > 0) {
			size_t top = w.stack[w.depth - 1];

			if (w.next[top] < c->nodes[top].count) {
				thread_write_open(&w, c->nodes[top].children[w.next[top]++]);
				continue;
			}
			evbuffer_add(out, ")", 1);
			w.depth--;
		}
	}
	evbuffer_add(out, "\r\n", 2);
	free(w.stack);
	free(w.next);
}

/* ---- loading ---- */

static char *thread_first_string(json_object *array)
{
	const char *s = NULL;

	if (json_object_is_type(array, json_type_array) && json_object_array_length(array) > 0)
		s = json_object_get_string(json_object_array_get_idx(array, 0));
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* References, or else the first In-Reply-To id (at most the last
 * THREAD_MAX_REFS). */
static void thread_msg_refs(struct thread_msg *msg, json_object *email)
{
	json_object *refs = json_object_object_get(email, "references");
	size_t n = json_object_is_type(refs, json_type_array) ? json_object_array_length(refs) : 0;
	size_t start = n > THREAD_MAX_REFS ? n - THREAD_MAX_REFS : 0;
	char *parent;

	msg->refs = xcalloc(n > 0 ? n - start : 1, sizeof(*msg->refs));
	for (size_t i = start; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(refs, i));

		if (id != NULL && *id != '\0')
			msg->refs[msg->ref_count++] = xstrdup(id);
	}
	if (msg->ref_count == 0 &&
	    (parent = thread_first_string(json_object_object_get(email, "inReplyTo"))) != NULL)
		msg->refs[msg->ref_count++] = parent;
}

static void thread_msg_fill(struct thread_msg *msg, json_object *email)
{
	const char *sent = json_object_get_string(json_object_object_get(email, "sentAt"));

	msg->msgid = thread_first_string(json_object_object_get(email, "messageId"));
	thread_msg_refs(msg, email);
	msg->base = imap_base_subject(json_object_get_string(json_object_object_get(email,
										      "subject")),
				      &msg->reply);
	if (!imap_msgcmd_date(sent, &msg->date))
		msg->date = imap_msgcmd_utc_date(email, "receivedAt");
}

static json_object *thread_properties(void)
{
	static const char *const props[] = {
		"messageId", "inReplyTo", "references", "subject", "sentAt", "receivedAt",
	};
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		json_object_array_add(array, json_object_new_string(props[i]));
	return array;
}

static int thread_load(struct imap_session *s, struct thread_ctx *c, char **error_type_r)
{
	size_t batch[IMAP_JMAP_BATCH];

	for (size_t start = 0; start < c->msg_count; start += IMAP_JMAP_BATCH) {
		size_t n = c->msg_count - start;
		json_object *map;

		n = n < IMAP_JMAP_BATCH ? n : IMAP_JMAP_BATCH;
		for (size_t i = 0; i < n; i++)
			batch[i] = c->msgs[start + i].index;
		map = imap_msgcmd_get(s, imap_msgcmd_ids(s->view, batch, n), thread_properties(),
				      error_type_r);
		if (map == NULL)
			return -1;
		for (size_t i = 0; i < n; i++) {
			const char *id = imap_view_email_id(s->view, &s->view->msgs[batch[i]]);

			thread_msg_fill(&c->msgs[start + i], json_object_object_get(map, id));
		}
		json_object_put(map);
	}
	return 0;
}

static void thread_ctx_free(struct thread_ctx *c)
{
	for (size_t m = 0; m < c->msg_count; m++) {
		for (size_t r = 0; r < c->msgs[m].ref_count; r++)
			free(c->msgs[m].refs[r]);
		free(c->msgs[m].refs);
		free(c->msgs[m].msgid);
		free(c->msgs[m].base);
	}
	free(c->msgs);
	for (size_t n = 0; n < c->node_count; n++)
		free(c->nodes[n].children);
	free(c->nodes);
	if (c->ids.keys != NULL)
		thread_table_free(&c->ids);
}

/* ---- the command ---- */

static void thread_run(struct imap_session *s, bool uid, bool references,
		       const struct imap_search *search)
{
	struct thread_ctx c = { 0 };
	size_t *indexes;
	char *error_type;

	if (imap_search_run(s, search, &indexes, &c.msg_count, &error_type) < 0) {
		imap_msgcmd_fail(s, "THREAD", error_type);
		return;
	}
	c.msgs = xcalloc(c.msg_count > 0 ? c.msg_count : 1, sizeof(*c.msgs));
	for (size_t m = 0; m < c.msg_count; m++)
		c.msgs[m].index = indexes[m];
	free(indexes);
	if (thread_load(s, &c, &error_type) < 0) {
		thread_ctx_free(&c);
		imap_msgcmd_fail(s, "THREAD", error_type);
		return;
	}
	thread_node_new(&c, THREAD_NONE);
	if (references)
		thread_references(&c);
	else
		thread_ordered_subject(&c);
	thread_write(&c, s->view, uid, net_conn_output(s->conn));
	thread_ctx_free(&c);
	imap_cmd_done(s, "OK", "Thread completed");
}

void imap_cmd_thread(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_search *search;
	bool references;

	if (cmd->count < 3 || !(imap_arg_atom_is(&cmd->args[0], "REFERENCES") ||
				imap_arg_atom_is(&cmd->args[0], "ORDEREDSUBJECT"))) {
		imap_cmd_bad(s, "Unknown threading algorithm");
		return;
	}
	references = imap_arg_atom_is(&cmd->args[0], "REFERENCES");
	if ((search = imap_search_parse_cmd(s, cmd->args + 1, cmd->count - 1, true)) == NULL)
		return;
	thread_run(s, cmd->uid, references, search);
	imap_search_free(&search);
}
