/* Email/query (RFC 8621 §4.4): checks FilterConditions and Comparators,
 * translates them into the store's filter tree and sort keys, and lets
 * the store run the query in SQL with the window pushed down, so that a
 * page of a large mailbox never lists the whole mailbox in memory. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/mailbox.h"
#include "store/store_mail.h"

/* I-JSON (RFC 7493 §2.2) integers. */
#define EMAIL_QUERY_INT_MAX ((1LL << 53) - 1)
/* Bounds on one condition's values: a client never needs more. */
#define EMAIL_QUERY_MAX_TEXT 4096
#define EMAIL_QUERY_MAX_IDS 1024
#define EMAIL_QUERY_MAX_HEADER_NAME 256
/* More comparators than sort properties make no sense. */
#define EMAIL_QUERY_MAX_SORTS 16
/* The store runs filter trees of at most this depth and size; a
 * condition of several properties is one level more. */
#define EMAIL_QUERY_MAX_DEPTH 32
#define EMAIL_QUERY_MAX_NODES 1024

const char *const jmap_email_sort_props[] = {
	"receivedAt", "sentAt", "size", "from", "to", "subject",
	"hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword", NULL,
};

const struct jmap_arg jmap_email_query_args[] = {
	{ "collapseThreads", json_type_boolean, false },
	{ NULL, 0, false },
};

const struct jmap_arg jmap_email_comparator_args[] = {
	{ "keyword", json_type_string, false },
	{ NULL, 0, false },
};

enum email_arg {
	EMAIL_ARG_ID,
	EMAIL_ARG_IDS,
	EMAIL_ARG_DATE,
	EMAIL_ARG_SIZE,
	EMAIL_ARG_KEYWORD,
	EMAIL_ARG_THREAD_KEYWORD,	/* depends on the other emails of the thread */
	EMAIL_ARG_BOOL,
	EMAIL_ARG_TEXT,
	EMAIL_ARG_HEADER,
};

struct email_cond_def {
	const char *name;
	enum email_arg arg;
	enum store_email_cond cond;
};

/* The urn:tern:imap conditions, for in-process callers only, are those
 * named "imap...". */
#define EMAIL_IMAP_COND_PREFIX "imap"

static const struct email_cond_def email_cond_defs[] = {
	{ "inMailbox", EMAIL_ARG_ID, STORE_EMAIL_IN_MAILBOX },
	{ "inMailboxOtherThan", EMAIL_ARG_IDS, STORE_EMAIL_IN_MAILBOX_OTHER_THAN },
	{ "before", EMAIL_ARG_DATE, STORE_EMAIL_BEFORE },
	{ "after", EMAIL_ARG_DATE, STORE_EMAIL_AFTER },
	{ "minSize", EMAIL_ARG_SIZE, STORE_EMAIL_MIN_SIZE },
	{ "maxSize", EMAIL_ARG_SIZE, STORE_EMAIL_MAX_SIZE },
	{ "allInThreadHaveKeyword", EMAIL_ARG_THREAD_KEYWORD,
	  STORE_EMAIL_ALL_IN_THREAD_HAVE_KEYWORD },
	{ "someInThreadHaveKeyword", EMAIL_ARG_THREAD_KEYWORD,
	  STORE_EMAIL_SOME_IN_THREAD_HAVE_KEYWORD },
	{ "noneInThreadHaveKeyword", EMAIL_ARG_THREAD_KEYWORD,
	  STORE_EMAIL_NONE_IN_THREAD_HAVE_KEYWORD },
	{ "hasKeyword", EMAIL_ARG_KEYWORD, STORE_EMAIL_HAS_KEYWORD },
	{ "notKeyword", EMAIL_ARG_KEYWORD, STORE_EMAIL_NOT_KEYWORD },
	{ "hasAttachment", EMAIL_ARG_BOOL, STORE_EMAIL_HAS_ATTACHMENT },
	{ "text", EMAIL_ARG_TEXT, STORE_EMAIL_TEXT },
	{ "from", EMAIL_ARG_TEXT, STORE_EMAIL_FROM },
	{ "to", EMAIL_ARG_TEXT, STORE_EMAIL_TO },
	{ "cc", EMAIL_ARG_TEXT, STORE_EMAIL_CC },
	{ "bcc", EMAIL_ARG_TEXT, STORE_EMAIL_BCC },
	{ "subject", EMAIL_ARG_TEXT, STORE_EMAIL_SUBJECT },
	{ "body", EMAIL_ARG_TEXT, STORE_EMAIL_BODY },
	{ "header", EMAIL_ARG_HEADER, STORE_EMAIL_HEADER },
	{ "imapSentBefore", EMAIL_ARG_DATE, STORE_EMAIL_SENT_BEFORE },
	{ "imapSentSince", EMAIL_ARG_DATE, STORE_EMAIL_SENT_SINCE },
};

#define EMAIL_COND_DEF_COUNT (sizeof(email_cond_defs) / sizeof(email_cond_defs[0]))

static const struct email_cond_def *email_cond_def_find(const char *name)
{
	for (size_t i = 0; i < EMAIL_COND_DEF_COUNT; i++) {
		if (strcmp(email_cond_defs[i].name, name) == 0)
			return &email_cond_defs[i];
	}
	return NULL;
}

static bool email_id_or_reference(json_object *value)
{
	const char *s;

	if (!json_object_is_type(value, json_type_string))
		return false;
	s = json_object_get_string(value);
	return jmap_id_valid(s[0] == '#' ? s + 1 : s);
}

static bool email_ids_valid(json_object *value)
{
	size_t n;

	if (!json_object_is_type(value, json_type_array))
		return false;
	n = json_object_array_length(value);
	if (n > EMAIL_QUERY_MAX_IDS)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!email_id_or_reference(json_object_array_get_idx(value, i)))
			return false;
	}
	return true;
}

static bool email_text_valid(json_object *value)
{
	return json_object_is_type(value, json_type_string) &&
	       json_object_get_string_len(value) <= EMAIL_QUERY_MAX_TEXT;
}

/* RFC 5322 §3.6.8: printable ASCII but the colon. */
static bool email_header_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > EMAIL_QUERY_MAX_HEADER_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == ':')
			return false;
	}
	return true;
}

static bool email_header_valid(json_object *value)
{
	json_object *name;
	size_t n;

	if (!json_object_is_type(value, json_type_array))
		return false;
	n = json_object_array_length(value);
	if (n < 1 || n > 2)
		return false;
	name = json_object_array_get_idx(value, 0);
	if (!json_object_is_type(name, json_type_string) ||
	    !email_header_name_valid(json_object_get_string(name)))
		return false;
	return n == 1 || email_text_valid(json_object_array_get_idx(value, 1));
}

static bool email_arg_valid(enum email_arg arg, json_object *value)
{
	time_t t;

	switch (arg) {
	case EMAIL_ARG_ID:
		return email_id_or_reference(value);
	case EMAIL_ARG_IDS:
		return email_ids_valid(value);
	case EMAIL_ARG_DATE:
		return json_object_is_type(value, json_type_string) &&
		       time_parse_utc(json_object_get_string(value), &t) == 0;
	case EMAIL_ARG_SIZE:
		return json_object_is_type(value, json_type_int) &&
		       json_object_get_int64(value) >= 0 &&
		       json_object_get_int64(value) <= EMAIL_QUERY_INT_MAX;
	case EMAIL_ARG_KEYWORD:
	case EMAIL_ARG_THREAD_KEYWORD:
		return json_object_is_type(value, json_type_string) &&
		       email_keyword_valid(json_object_get_string(value));
	case EMAIL_ARG_BOOL:
		return json_object_is_type(value, json_type_boolean);
	case EMAIL_ARG_TEXT:
		return email_text_valid(value);
	case EMAIL_ARG_HEADER:
		return email_header_valid(value);
	}
	return false;
}

int jmap_email_filter_check(json_object *condition, const char **error_type_r)
{
	json_object_object_foreach(condition, key, value) {
		const struct email_cond_def *def = email_cond_def_find(key);

		if (def == NULL) {
			*error_type_r = "unsupportedFilter";
			return -1;
		}
		if (!email_arg_valid(def->arg, value)) {
			*error_type_r = "invalidArguments";
			return -1;
		}
	}
	return 0;
}

/* ---- translation into the store's filter tree ---- */

/* Every allocation of one translation, freed together. */
struct email_pool {
	void **ptrs;
	size_t count;
	size_t alloc;
};

static void *email_pool_keep(struct email_pool *pool, void *ptr)
{
	if (pool->count == pool->alloc) {
		pool->alloc = pool->alloc == 0 ? 16 : pool->alloc * 2;
		pool->ptrs = xrealloc(pool->ptrs, pool->alloc * sizeof(*pool->ptrs));
	}
	pool->ptrs[pool->count++] = ptr;
	return ptr;
}

static void *email_pool_calloc(struct email_pool *pool, size_t count, size_t size)
{
	return email_pool_keep(pool, xcalloc(count + 1, size));
}

static void email_pool_free(struct email_pool *pool)
{
	for (size_t i = 0; i < pool->count; i++)
		free(pool->ptrs[i]);
	free(pool->ptrs);
	memset(pool, 0, sizeof(*pool));
}

/* One translation: the store query and what it is made of. */
struct email_query_build {
	struct jmap_call *call;
	struct email_pool pool;
	struct store_email_query query;
	bool thread_dependent;	/* a thread-keyword condition or sort */
	const char *imap_cond;	/* an urn:tern:imap condition used */
	size_t nodes;		/* of the filter tree, */
	bool too_large;		/* and whether it passed the bounds */
};

/* Store keywords are lowercase (RFC 8621 §4.1.1: case-insensitive). */
static const char *email_keyword_lower(struct email_pool *pool, const char *keyword)
{
	char *s = email_pool_keep(pool, xstrdup(keyword));

	for (char *p = s; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return s;
}

/* A mailbox id (or creation reference) as a store id; 0, which no
 * mailbox has, for one that does not resolve, so that it matches
 * nothing. */
static uint64_t email_mailbox_id(struct jmap_call *call, json_object *value)
{
	const char *id = jmap_id_resolve(call, json_object_get_string(value));
	uint64_t n;

	if (id == NULL || jmap_id_parse(MAILBOX_ID_PREFIX, id, &n) < 0)
		return 0;
	return n;
}

static void email_cond_ids(struct email_query_build *b, json_object *value,
			   struct store_email_filter *out)
{
	size_t n = json_object_array_length(value);
	uint64_t *ids = email_pool_calloc(&b->pool, n, sizeof(*ids));

	/* An unknown mailbox cannot hold the email: leaving it out of the
	 * list changes nothing. */
	for (size_t i = 0; i < n; i++) {
		uint64_t id = email_mailbox_id(b->call, json_object_array_get_idx(value, i));

		if (id != 0)
			ids[out->id_count++] = id;
	}
	out->ids = ids;
}

static void email_cond_fill(struct email_query_build *b, const struct email_cond_def *def,
			    json_object *value, struct store_email_filter *out)
{
	uint64_t *ids;
	time_t t = 0;

	out->op = STORE_FILTER_COND;
	out->cond = def->cond;
	if (strncmp(def->name, EMAIL_IMAP_COND_PREFIX, strlen(EMAIL_IMAP_COND_PREFIX)) == 0)
		b->imap_cond = def->name;
	switch (def->arg) {
	case EMAIL_ARG_ID:
		ids = email_pool_calloc(&b->pool, 1, sizeof(*ids));
		ids[0] = email_mailbox_id(b->call, value);
		out->ids = ids;
		out->id_count = 1;
		break;
	case EMAIL_ARG_IDS:
		email_cond_ids(b, value, out);
		break;
	case EMAIL_ARG_DATE:
		time_parse_utc(json_object_get_string(value), &t);
		out->number = (int64_t)t;
		break;
	case EMAIL_ARG_SIZE:
		out->number = json_object_get_int64(value);
		break;
	case EMAIL_ARG_THREAD_KEYWORD:
	case EMAIL_ARG_KEYWORD:
		b->thread_dependent |= def->arg == EMAIL_ARG_THREAD_KEYWORD;
		out->text = email_keyword_lower(&b->pool, json_object_get_string(value));
		break;
	case EMAIL_ARG_BOOL:
		out->number = json_object_get_boolean(value) ? 1 : 0;
		break;
	case EMAIL_ARG_TEXT:
		out->text = json_object_get_string(value);
		break;
	case EMAIL_ARG_HEADER:
		out->header_name = json_object_get_string(json_object_array_get_idx(value, 0));
		if (json_object_array_length(value) == 2)
			out->text = json_object_get_string(json_object_array_get_idx(value, 1));
		break;
	}
}

/* A condition with several properties is the AND of one-property
 * conditions (§4.4.1); with none it is always true (an empty AND). */
static void email_condition_fill(struct email_query_build *b, json_object *condition,
				 struct store_email_filter *out, unsigned depth)
{
	size_t n = (size_t)json_object_object_length(condition), i = 0;
	struct store_email_filter *children;

	b->nodes += n + 1;
	b->too_large |= depth + 1 > EMAIL_QUERY_MAX_DEPTH || b->nodes > EMAIL_QUERY_MAX_NODES;
	if (n == 1) {
		json_object_object_foreach(condition, key, value)
			email_cond_fill(b, email_cond_def_find(key), value, out);
		return;
	}
	children = email_pool_calloc(&b->pool, n, sizeof(*children));
	json_object_object_foreach(condition, key, value)
		email_cond_fill(b, email_cond_def_find(key), value, &children[i++]);
	out->op = STORE_FILTER_AND;
	out->children = children;
	out->child_count = n;
}

static enum store_filter_op email_operator(const char *name)
{
	if (strcmp(name, "OR") == 0)
		return STORE_FILTER_OR;
	if (strcmp(name, "NOT") == 0)
		return STORE_FILTER_NOT;
	return STORE_FILTER_AND;
}

static void email_filter_fill(struct email_query_build *b, json_object *filter,
			      struct store_email_filter *out, unsigned depth)
{
	json_object *op, *conditions;
	struct store_email_filter *children;
	size_t n;

	if (!json_object_object_get_ex(filter, "operator", &op)) {
		email_condition_fill(b, filter, out, depth);
		return;
	}
	b->nodes++;
	b->too_large |= depth > EMAIL_QUERY_MAX_DEPTH || b->nodes > EMAIL_QUERY_MAX_NODES;
	if (b->too_large)
		return;
	json_object_object_get_ex(filter, "conditions", &conditions);
	n = json_object_array_length(conditions);
	children = email_pool_calloc(&b->pool, n, sizeof(*children));
	for (size_t i = 0; i < n; i++)
		email_filter_fill(b, json_object_array_get_idx(conditions, i), &children[i],
				  depth + 1);
	out->op = email_operator(json_object_get_string(op));
	out->children = children;
	out->child_count = n;
}

static void email_query_build_clear(struct email_query_build *b)
{
	email_pool_free(&b->pool);
}

/* ---- sorts ---- */

static const struct {
	const char *property;
	enum store_email_sort_key key;
	bool keyword;		/* needs the Comparator's "keyword" */
	bool thread;		/* depends on the other emails of the thread */
} email_sort_defs[] = {
	{ "receivedAt", STORE_SORT_RECEIVED_AT, false, false },
	{ "sentAt", STORE_SORT_SENT_AT, false, false },
	{ "size", STORE_SORT_SIZE, false, false },
	{ "from", STORE_SORT_FROM, false, false },
	{ "to", STORE_SORT_TO, false, false },
	{ "subject", STORE_SORT_SUBJECT, false, false },
	{ "hasKeyword", STORE_SORT_HAS_KEYWORD, true, false },
	{ "allInThreadHaveKeyword", STORE_SORT_ALL_IN_THREAD_HAVE_KEYWORD, true, true },
	{ "someInThreadHaveKeyword", STORE_SORT_SOME_IN_THREAD_HAVE_KEYWORD, true, true },
};

#define EMAIL_SORT_DEF_COUNT (sizeof(email_sort_defs) / sizeof(email_sort_defs[0]))

/* One Comparator (already checked by the generic code: property known,
 * types right). Returns 0, or -1 with the method error set. */
static int email_sort_fill(struct email_query_build *b, json_object *c,
			   struct store_email_sort *out)
{
	const char *property = json_object_get_string(json_object_object_get(c, "property"));
	json_object *ascending, *keyword;

	for (size_t i = 0; i < EMAIL_SORT_DEF_COUNT; i++) {
		if (strcmp(email_sort_defs[i].property, property) != 0)
			continue;
		out->key = email_sort_defs[i].key;
		out->ascending = !json_object_object_get_ex(c, "isAscending", &ascending) ||
				 json_object_get_boolean(ascending);
		if (!email_sort_defs[i].keyword)
			return 0;
		if (!json_object_object_get_ex(c, "keyword", &keyword) ||
		    !json_object_is_type(keyword, json_type_string) ||
		    !email_keyword_valid(json_object_get_string(keyword)))
			return jmap_call_error(b->call, "invalidArguments",
					       "Sorting by %s needs a valid keyword", property);
		out->keyword = email_keyword_lower(&b->pool, json_object_get_string(keyword));
		b->thread_dependent |= email_sort_defs[i].thread;
		return 0;
	}
	return jmap_call_error(b->call, "unsupportedSort", "Cannot sort by %s", property);
}

/* The Comparators, or newest first when none are given (the order
 * clients expect of a mailbox); the store breaks ties by id. */
static int email_sorts_fill(struct email_query_build *b, json_object *sort,
			    struct store_email_query *sq)
{
	size_t n = sort != NULL ? json_object_array_length(sort) : 0;
	struct store_email_sort *sorts;

	if (n > EMAIL_QUERY_MAX_SORTS)
		return jmap_call_error(b->call, "invalidArguments", "Too many Comparators");
	sorts = email_pool_calloc(&b->pool, n == 0 ? 1 : n, sizeof(*sorts));
	sq->sorts = sorts;
	sq->sort_count = n == 0 ? 1 : n;
	if (n == 0) {
		sorts[0].key = STORE_SORT_RECEIVED_AT;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (email_sort_fill(b, json_object_array_get_idx(sort, i), &sorts[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- the query ---- */

static bool email_query_collapse(struct jmap_call *call)
{
	json_object *value;

	return json_object_object_get_ex(call->args, "collapseThreads", &value) &&
	       json_object_get_boolean(value);
}

static int email_query_build(struct jmap_call *call, json_object *filter, json_object *sort,
			     struct email_query_build *b)
{
	memset(b, 0, sizeof(*b));
	b->call = call;
	if (filter != NULL) {
		struct store_email_filter *root = email_pool_calloc(&b->pool, 1, sizeof(*root));

		email_filter_fill(b, filter, root, 1);
		b->query.filter = root;
		if (b->too_large)
			return jmap_call_error(call, "unsupportedFilter", "The filter is too large");
		if (b->imap_cond != NULL && !call->req->in_process)
			return jmap_call_error(call, "unsupportedFilter", "Unknown condition: %s",
					       b->imap_cond);
	}
	b->query.collapse_threads = email_query_collapse(call);
	return email_sorts_fill(b, sort, &b->query);
}

static void email_query_emit(json_object *ids, const struct store_email_result *result)
{
	char id[24];

	for (size_t i = 0; i < result->count; i++) {
		jmap_id_format(EMAIL_ID_PREFIX, result->ids[i], id);
		json_object_array_add(ids, json_object_new_string(id));
	}
}

static int email_query_store(struct jmap_call *call, const struct store_email_query *sq,
			     struct store_email_result *result)
{
	const char *error;

	memset(result, 0, sizeof(*result));
	if (store_email_query(call->acct, sq, result, &error) < 0)
		return jmap_call_error(call, "serverFail", "Email/query: %s", error);
	return 0;
}

/* A negative position counts from the end: the total comes first. */
static int email_query_position(struct jmap_call *call, struct store_email_query *sq,
				int64_t position, uint64_t *total_r)
{
	struct store_email_query count = *sq;
	struct store_email_result result;

	count.position = 0;
	count.limit = 1;
	count.anchor_id = 0;
	count.calculate_total = true;
	if (email_query_store(call, &count, &result) < 0)
		return -1;
	free(result.ids);
	*total_r = result.total;
	position += (int64_t)result.total;
	sq->position = position < 0 ? 0 : (uint64_t)position;
	return 0;
}

/* The window of /query, in SQL. A limit of 0 asks for no ids, but the
 * store reads 0 as "no limit": ask for one and drop it. */
static int email_query_windowed(struct jmap_call *call, struct jmap_query *query,
				struct store_email_query *sq)
{
	struct store_email_result result;
	uint64_t total = 0;
	bool have_total = false;

	query->windowed = true;
	if (query->anchor != NULL) {
		if (jmap_id_parse(EMAIL_ID_PREFIX, query->anchor, &sq->anchor_id) < 0) {
			query->anchor_not_found = true;
			return 0;
		}
		sq->anchor_offset = query->anchor_offset;
	} else if (query->position < 0) {
		if (email_query_position(call, sq, query->position, &total) < 0)
			return -1;
		have_total = true;
	} else {
		sq->position = (uint64_t)query->position;
	}
	sq->limit = query->limit == 0 ? 1 : (size_t)query->limit;
	sq->calculate_total = query->calculate_total && !have_total;
	if (email_query_store(call, sq, &result) < 0)
		return -1;
	if (query->limit == 0)
		result.count = 0;
	email_query_emit(query->ids, &result);
	query->start = (int64_t)result.position;
	query->total = (int64_t)(have_total ? total : result.total);
	query->anchor_not_found = sq->anchor_id != 0 && !result.anchor_found;
	free(result.ids);
	return 0;
}

static int email_query_all(struct jmap_call *call, struct jmap_query *query,
			   const struct store_email_query *sq)
{
	struct store_email_result result;

	if (email_query_store(call, sq, &result) < 0)
		return -1;
	email_query_emit(query->ids, &result);
	free(result.ids);
	return 0;
}

int jmap_email_query(struct jmap_call *call, struct jmap_query *query)
{
	struct email_query_build b;
	int ret;

	if (email_query_build(call, query->filter, query->sort, &b) < 0) {
		email_query_build_clear(&b);
		return -1;
	}
	/* When another email of the thread changes, this one may enter,
	 * leave or move: jmap_email_query_changes_related() hands the
	 * generic /queryChanges the rest of each changed thread. */
	query->can_calculate_changes = true;
	query->related_changes = b.thread_dependent || b.query.collapse_threads;
	if (query->may_window)
		ret = email_query_windowed(call, query, &b.query);
	else
		ret = email_query_all(call, query, &b.query);
	email_query_build_clear(&b);
	return ret;
}

/* Threads touched since `since`: those of the changed emails that still
 * exist, and those with a change record (a destroyed email's thread). */
static int email_related_threads(struct jmap_call *call, uint64_t since,
				 const struct store_change *changes, size_t count,
				 uint64_t **threads_r, size_t *thread_count_r)
{
	uint64_t *ids = xcalloc(count + 1, sizeof(*ids)), *threads;
	struct store_change *thread_changes;
	struct store_email *emails;
	size_t n = 0, thread_count, tn = 0;
	const char *error;
	bool more;

	for (size_t i = 0; i < count; i++) {
		if (!changes[i].destroyed)
			ids[n++] = changes[i].id;
	}
	if (store_email_get_many(call->acct, ids, n, 0, &emails, &error) < 0 ||
	    store_changes(call->acct, STORE_TYPE_THREAD, since, 0, &thread_changes, &thread_count,
			  &more, &error) < 0) {
		free(ids);
		return jmap_call_error(call, "serverFail", "%s", error);
	}
	threads = xcalloc(n + thread_count + 1, sizeof(*threads));
	for (size_t i = 0; i < n; i++) {
		if (emails[i].id != 0)
			threads[tn++] = emails[i].thread_id;
	}
	for (size_t i = 0; i < thread_count; i++) {
		if (!thread_changes[i].destroyed)
			threads[tn++] = thread_changes[i].id;
	}
	store_email_list_free(&emails, n);
	free(thread_changes);
	free(ids);
	*threads_r = threads;
	*thread_count_r = tn;
	return 0;
}

int jmap_email_query_changes_related(struct jmap_call *call, uint64_t since,
				     const struct store_change *changes, size_t count,
				     uint64_t **ids_r, size_t *count_r)
{
	uint64_t *threads = NULL, *out = NULL;
	size_t thread_count = 0, n = 0, cap = 0;

	if (email_related_threads(call, since, changes, count, &threads, &thread_count) < 0)
		return -1;
	for (size_t i = 0; i < thread_count; i++) {
		uint64_t *members;
		size_t member_count;

		if (store_thread_get(call->acct, threads[i], &members, &member_count) <= 0)
			continue;
		if (n + member_count > cap) {
			cap = (n + member_count) * 2;
			out = xrealloc(out, cap * sizeof(*out));
		}
		memcpy(out + n, members, member_count * sizeof(*members));
		n += member_count;
		free(members);
	}
	free(threads);
	*ids_r = out;
	*count_r = n;
	return 0;
}
