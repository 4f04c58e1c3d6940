/* The SQL of an email query: where the rows come from, the filter tree
 * as one expression, the sort keys, and the "sorted before the anchor"
 * condition. Emails are alias e; a query within one mailbox walks its
 * memberships, alias em, whose (mailbox, received_at, email) index
 * gives the usual page in order without a sort, and joins the email
 * rows only when a condition or sort needs them. A text condition is
 * rendered from its matches, read beforehand from the full-text index
 * (which SQL on the account's connection cannot see). */

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_mail_private.h"

/* SQL templates: ID stands for the email id column, PARAM for the
 * bound parameter, RECEIVED for the receivedAt column; a walk of one
 * mailbox has the first and last in its index, without the email row. */
#define ID "\x01"
#define PARAM "\x02"
#define RECEIVED "\x03"

#define STORE_SQL_HAS_KEYWORD \
	"EXISTS (SELECT 1 FROM email_keywords k WHERE k.email_id = " ID " AND k.keyword = " PARAM ")"
#define STORE_SQL_SOME_IN_THREAD \
	"EXISTS (SELECT 1 FROM emails t JOIN email_keywords k ON k.email_id = t.id" \
	" WHERE t.thread_id = e.thread_id AND k.keyword = " PARAM ")"
#define STORE_SQL_ALL_IN_THREAD \
	"NOT EXISTS (SELECT 1 FROM emails t WHERE t.thread_id = e.thread_id AND NOT EXISTS" \
	" (SELECT 1 FROM email_keywords k WHERE k.email_id = t.id AND k.keyword = " PARAM "))"

enum store_cond_param {
	STORE_COND_NUMBER,
	STORE_COND_BOOL,
	STORE_COND_TEXT,
	STORE_COND_MAILBOX,
	STORE_COND_IDS,
	STORE_COND_MATCH,
};

struct store_cond_sql {
	const char *sql;	/* NULL for a text condition: see store_cond_text_sql() */
	enum store_cond_param param;
	bool needs_email;	/* reads the email row (alias e) */
};

static const struct store_cond_sql store_cond_sqls[] = {
	[STORE_EMAIL_IN_MAILBOX] = {
		"EXISTS (SELECT 1 FROM email_mailboxes x WHERE x.email_id = " ID
		" AND x.mailbox_id = " PARAM ")", STORE_COND_MAILBOX, false },
	[STORE_EMAIL_IN_MAILBOX_OTHER_THAN] = {
		"EXISTS (SELECT 1 FROM email_mailboxes x WHERE x.email_id = " ID
		" AND x.mailbox_id NOT IN (SELECT value FROM json_each(" PARAM ")))",
		STORE_COND_IDS, false },
	[STORE_EMAIL_BEFORE] = { RECEIVED " < " PARAM, STORE_COND_NUMBER, false },
	[STORE_EMAIL_AFTER] = { RECEIVED " >= " PARAM, STORE_COND_NUMBER, false },
	[STORE_EMAIL_MIN_SIZE] = { "e.size >= " PARAM, STORE_COND_NUMBER, true },
	[STORE_EMAIL_MAX_SIZE] = { "e.size < " PARAM, STORE_COND_NUMBER, true },
	[STORE_EMAIL_ALL_IN_THREAD_HAVE_KEYWORD] = { STORE_SQL_ALL_IN_THREAD, STORE_COND_TEXT, true },
	[STORE_EMAIL_SOME_IN_THREAD_HAVE_KEYWORD] = { STORE_SQL_SOME_IN_THREAD, STORE_COND_TEXT, true },
	[STORE_EMAIL_NONE_IN_THREAD_HAVE_KEYWORD] = {
		"NOT " STORE_SQL_SOME_IN_THREAD, STORE_COND_TEXT, true },
	[STORE_EMAIL_HAS_KEYWORD] = { STORE_SQL_HAS_KEYWORD, STORE_COND_TEXT, false },
	[STORE_EMAIL_NOT_KEYWORD] = { "NOT " STORE_SQL_HAS_KEYWORD, STORE_COND_TEXT, false },
	[STORE_EMAIL_HAS_ATTACHMENT] = { "e.has_attachment = " PARAM, STORE_COND_BOOL, true },
	[STORE_EMAIL_TEXT] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_FROM] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_TO] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_CC] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_BCC] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_SUBJECT] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_BODY] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_HEADER] = { NULL, STORE_COND_MATCH, false },
	[STORE_EMAIL_ID_IN] = {
		ID " IN (SELECT value FROM json_each(" PARAM "))", STORE_COND_IDS, false },
	[STORE_EMAIL_SENT_BEFORE] = { "e.sent_at < " PARAM, STORE_COND_NUMBER, true },
	[STORE_EMAIL_SENT_SINCE] = { "e.sent_at >= " PARAM, STORE_COND_NUMBER, true },
};

struct store_sort_sql {
	const char *sql;
	bool needs_email;
};

static const struct store_sort_sql store_sort_sqls[] = {
	[STORE_SORT_RECEIVED_AT] = { RECEIVED, false },
	[STORE_SORT_SENT_AT] = { "e.sent_at", true },
	[STORE_SORT_SIZE] = { "e.size", true },
	[STORE_SORT_FROM] = { "coalesce(e.from_sort, '')", true },
	[STORE_SORT_TO] = { "coalesce(e.to_sort, '')", true },
	[STORE_SORT_SUBJECT] = { "coalesce(e.subject, '')", true },
	[STORE_SORT_HAS_KEYWORD] = { STORE_SQL_HAS_KEYWORD, false },
	[STORE_SORT_ALL_IN_THREAD_HAVE_KEYWORD] = { STORE_SQL_ALL_IN_THREAD, true },
	[STORE_SORT_SOME_IN_THREAD_HAVE_KEYWORD] = { STORE_SQL_SOME_IN_THREAD, true },
};

/* What stands for PARAM: a condition's value, or a sort's keyword. */
struct store_template_param {
	const struct store_email_filter *cond;
	const char *keyword;
};

static void store_cond_param_sql(const struct store_email_filter *f, struct store_sql *q);

static void store_query_template(const struct store_query_plan *plan, const char *sql,
				 const struct store_template_param *param, struct store_sql *q)
{
	bool walk = plan->mailbox_cond != NULL;

	for (const char *p = sql; *p != '\0'; p++) {
		if (*p == ID[0])
			strbuf_puts(&q->text, walk ? "em.email_id" : "e.id");
		else if (*p == RECEIVED[0])
			strbuf_puts(&q->text, walk ? "em.received_at" : "e.received_at");
		else if (*p == PARAM[0] && param->cond != NULL)
			store_cond_param_sql(param->cond, q);
		else if (*p == PARAM[0])
			store_sql_text(q, param->keyword);
		else
			strbuf_putc(&q->text, *p);
	}
}

static bool store_filter_is_mailbox(const struct store_email_filter *f)
{
	return f->op == STORE_FILTER_COND && f->cond == STORE_EMAIL_IN_MAILBOX &&
	       f->id_count > 0;
}

static const struct store_email_filter *store_filter_find_mailbox(
	const struct store_email_filter *f)
{
	if (f == NULL || store_filter_is_mailbox(f))
		return f;
	for (size_t i = 0; f->op == STORE_FILTER_AND && i < f->child_count; i++) {
		if (store_filter_is_mailbox(&f->children[i]))
			return &f->children[i];
	}
	return NULL;
}

static bool store_filter_needs_email(const struct store_email_filter *f)
{
	if (f->op == STORE_FILTER_COND)
		return store_cond_sqls[f->cond].needs_email;
	for (size_t i = 0; i < f->child_count; i++) {
		if (store_filter_needs_email(&f->children[i]))
			return true;
	}
	return false;
}

/* Whether a walk of one mailbox must also read the email rows. */
static bool store_query_needs_email(const struct store_email_query *q)
{
	if (q->collapse_threads || (q->filter != NULL && store_filter_needs_email(q->filter)))
		return true;
	for (size_t i = 0; i < q->sort_count; i++) {
		if (store_sort_sqls[q->sorts[i].key].needs_email)
			return true;
	}
	return false;
}

static bool store_filter_is_text(const struct store_email_filter *f)
{
	return f->op == STORE_FILTER_COND && store_cond_sqls[f->cond].param == STORE_COND_MATCH;
}

/* A text condition every result meets, if the sort order has an index
 * to walk (receivedAt first, or the id alone): that of all emails, or
 * of one mailbox's memberships. */
static const struct store_email_filter *store_query_find_text(const struct store_email_query *q)
{
	const struct store_email_filter *f = q->filter;

	if (f == NULL || (q->sort_count > 0 && q->sorts[0].key != STORE_SORT_RECEIVED_AT))
		return NULL;
	if (store_filter_is_text(f))
		return f;
	for (size_t i = 0; f->op == STORE_FILTER_AND && i < f->child_count; i++) {
		if (store_filter_is_text(&f->children[i]))
			return &f->children[i];
	}
	return NULL;
}

/* Adds f and the text conditions below it to plan->texts, which has
 * room for every node of the (checked) tree. */
static void store_query_texts_list(struct store_query_plan *plan,
				   const struct store_email_filter *f)
{
	char *match;

	if (f->op != STORE_FILTER_COND) {
		for (size_t i = 0; i < f->child_count; i++)
			store_query_texts_list(plan, &f->children[i]);
		return;
	}
	if (!store_filter_is_text(f) ||
	    (match = store_fts_match(f->cond, f->text, f->header_name)) == NULL)
		return;
	plan->texts[plan->text_count++] = (struct store_query_text){ .cond = f, .match = match };
}

static size_t store_filter_text_count(const struct store_email_filter *f)
{
	size_t count = store_filter_is_text(f) ? 1 : 0;

	for (size_t i = 0; f->op != STORE_FILTER_COND && i < f->child_count; i++)
		count += store_filter_text_count(&f->children[i]);
	return count;
}

/* After store_query_check(). */
void store_query_plan_init(struct store_query_plan *plan, const struct store_email_query *q)
{
	size_t count = q->filter == NULL ? 0 : store_filter_text_count(q->filter);

	memset(plan, 0, sizeof(*plan));
	plan->q = q;
	plan->mailbox_cond = store_filter_find_mailbox(q->filter);
	plan->join_emails = plan->mailbox_cond == NULL || store_query_needs_email(q);
	if (count > 0) {
		plan->texts = xcalloc(count, sizeof(*plan->texts));
		store_query_texts_list(plan, q->filter);
	}
	plan->text_cond = store_query_find_text(q);
	if (plan->text_cond != NULL)
		plan->text_ids = store_query_text_ids(plan, plan->text_cond);
}

void store_query_plan_free(struct store_query_plan *plan)
{
	for (size_t i = 0; i < plan->text_count; i++) {
		free(plan->texts[i].match);
		free(plan->texts[i].ids.ids);
	}
	free(plan->texts);
	plan->texts = NULL;
	plan->text_count = 0;
	plan->text_ids = NULL;
}

const struct store_id_array *store_query_text_ids(const struct store_query_plan *plan,
						  const struct store_email_filter *f)
{
	for (size_t i = 0; i < plan->text_count; i++) {
		if (plan->texts[i].cond == f)
			return &plan->texts[i].ids;
	}
	return NULL;
}

bool store_query_plan_mailbox_only(const struct store_query_plan *plan)
{
	const struct store_email_filter *f = plan->q->filter;

	return plan->mailbox_cond != NULL &&
	       (f == plan->mailbox_cond || (f->op == STORE_FILTER_AND && f->child_count == 1));
}

static int store_filter_check(const struct store_email_filter *f, unsigned depth,
			      size_t *nodes, const char **error_r)
{
	const char *problem = NULL;

	if (depth > STORE_QUERY_MAX_DEPTH || ++*nodes > STORE_QUERY_MAX_NODES)
		problem = "filter too large";
	else if (f->op == STORE_FILTER_COND &&
		 (unsigned)f->cond >= STORE_N_ELEMENTS(store_cond_sqls))
		problem = "unknown condition";
	else if (f->op != STORE_FILTER_COND && f->child_count > 0 && f->children == NULL)
		problem = "no children";
	else if ((unsigned)f->op > STORE_FILTER_NOT)
		problem = "unknown operator";
	if (problem != NULL) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "email query", problem);
		return -1;
	}
	for (size_t i = 0; f->op != STORE_FILTER_COND && i < f->child_count; i++) {
		if (store_filter_check(&f->children[i], depth + 1, nodes, error_r) < 0)
			return -1;
	}
	return 0;
}

int store_query_check(const struct store_email_query *q, const char **error_r)
{
	size_t nodes = 0;

	if (q->sort_count > STORE_QUERY_MAX_SORTS || (q->sort_count > 0 && q->sorts == NULL)) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "email query", "bad sorts");
		return -1;
	}
	for (size_t i = 0; i < q->sort_count; i++) {
		if ((unsigned)q->sorts[i].key > STORE_SORT_SOME_IN_THREAD_HAVE_KEYWORD) {
			*error_r = store_fail(STORE_ERR_INTERNAL, "email query", "unknown sort");
			return -1;
		}
	}
	if (q->position > INT64_MAX || q->limit > INT64_MAX || q->anchor_id > INT64_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "email query", "window out of range");
		return -1;
	}
	return q->filter == NULL ? 0 : store_filter_check(q->filter, 0, &nodes, error_r);
}

static void store_cond_param_sql(const struct store_email_filter *f, struct store_sql *q)
{
	switch (store_cond_sqls[f->cond].param) {
	case STORE_COND_NUMBER:
		store_sql_int(q, f->number);
		break;
	case STORE_COND_BOOL:
		store_sql_int(q, f->number != 0);
		break;
	case STORE_COND_TEXT:
		store_sql_text(q, f->text);
		break;
	case STORE_COND_MAILBOX:
		store_sql_int(q, f->id_count > 0 ? (int64_t)f->ids[0] : 0);
		break;
	case STORE_COND_IDS:
		store_sql_ids(q, f->ids, f->id_count);
		break;
	case STORE_COND_MATCH:
		/* Rendered from its matches, never from a template. */
		break;
	}
}

/* A text condition's matches at most this many are looked up by id
 * (SQLite reads the rows they name, as it would from the full-text
 * index, which keeps rare words fast); more are tested row by row with
 * tern_id_in(). */
size_t store_text_lookup_max = 2000;

/* A text condition from its matches, read beforehand. The plan's text
 * condition follows the plan: walked, each row is tested against the
 * array, and SQLite goes on in the sort order, stopping after the
 * window; read first, its matches are looked up. */
static void store_cond_text_sql(const struct store_query_plan *plan,
				const struct store_email_filter *f, struct store_sql *q)
{
	const struct store_id_array *ids = store_query_text_ids(plan, f);
	const char *id = store_query_id_column(plan);
	bool lookup;

	if (ids == NULL) {
		/* Text without a word to look for restricts nothing. */
		strbuf_puts(&q->text, "1");
		return;
	}
	if (ids->count == 0) {
		strbuf_puts(&q->text, "0");
		return;
	}
	lookup = f == plan->text_cond ? !plan->text_walk : ids->count <= store_text_lookup_max;
	if (lookup) {
		strbuf_printf(&q->text, "%s IN (SELECT value FROM json_each(", id);
		store_sql_ids(q, ids->ids, ids->count);
		strbuf_puts(&q->text, "))");
	} else {
		strbuf_printf(&q->text, "tern_id_in(%s, ", id);
		store_sql_id_array(q, ids);
		strbuf_putc(&q->text, ')');
	}
}

static void store_cond_sql(const struct store_query_plan *plan,
			   const struct store_email_filter *f, struct store_sql *q)
{
	const struct store_cond_sql *c = &store_cond_sqls[f->cond];
	struct store_template_param param = { .cond = f };

	if (c->param == STORE_COND_MATCH)
		store_cond_text_sql(plan, f, q);
	else if (f->cond == STORE_EMAIL_IN_MAILBOX && f->id_count == 0)
		strbuf_puts(&q->text, "0");
	else
		store_query_template(plan, c->sql, &param, q);
}

static void store_filter_sql(const struct store_query_plan *plan,
			     const struct store_email_filter *f, struct store_sql *q);

/* The children joined by op ("AND"/"OR"), or empty if there are none
 * (the mailbox condition the plan walks is left out). */
static void store_filter_children_sql(const struct store_query_plan *plan,
				      const struct store_email_filter *f, const char *op,
				      const char *empty, struct store_sql *q)
{
	bool first = true;

	strbuf_putc(&q->text, '(');
	for (size_t i = 0; i < f->child_count; i++) {
		if (&f->children[i] == plan->mailbox_cond)
			continue;
		if (!first)
			strbuf_printf(&q->text, " %s ", op);
		store_filter_sql(plan, &f->children[i], q);
		first = false;
	}
	if (first)
		strbuf_puts(&q->text, empty);
	strbuf_putc(&q->text, ')');
}

static void store_filter_sql(const struct store_query_plan *plan,
			     const struct store_email_filter *f, struct store_sql *q)
{
	switch (f->op) {
	case STORE_FILTER_COND:
		store_cond_sql(plan, f, q);
		break;
	case STORE_FILTER_AND:
		store_filter_children_sql(plan, f, "AND", "1", q);
		break;
	case STORE_FILTER_OR:
		store_filter_children_sql(plan, f, "OR", "0", q);
		break;
	case STORE_FILTER_NOT:
		strbuf_puts(&q->text, "NOT ");
		store_filter_children_sql(plan, f, "OR", "0", q);
		break;
	}
}

void store_query_from_where(const struct store_query_plan *plan, struct store_sql *q)
{
	const struct store_email_filter *f = plan->q->filter;

	if (plan->mailbox_cond == NULL) {
		strbuf_puts(&q->text, " FROM emails e WHERE ");
		if (f == NULL)
			strbuf_puts(&q->text, "1");
		else
			store_filter_sql(plan, f, q);
		return;
	}
	strbuf_puts(&q->text, plan->join_emails ?
		    " FROM email_mailboxes em JOIN emails e ON e.id = em.email_id WHERE " :
		    " FROM email_mailboxes em WHERE ");
	/* The text matches looked up first are each tested for the
	 * mailbox: a unary plus keeps SQLite from walking it instead. */
	if (plan->text_ids != NULL && !plan->text_walk)
		strbuf_putc(&q->text, '+');
	strbuf_puts(&q->text, "em.mailbox_id = ");
	store_sql_int(q, (int64_t)plan->mailbox_cond->ids[0]);
	if (f != plan->mailbox_cond) {
		strbuf_puts(&q->text, " AND ");
		store_filter_sql(plan, f, q);
	}
}

const char *store_query_id_column(const struct store_query_plan *plan)
{
	return plan->mailbox_cond != NULL ? "em.email_id" : "e.id";
}

static void store_sort_expr(const struct store_query_plan *plan,
			    const struct store_email_sort *s, struct store_sql *q)
{
	struct store_template_param param = { .keyword = s->keyword };

	store_query_template(plan, store_sort_sqls[s->key].sql, &param, q);
}

void store_query_order(const struct store_query_plan *plan, struct store_sql *q)
{
	strbuf_puts(&q->text, " ORDER BY ");
	for (size_t i = 0; i < plan->q->sort_count; i++) {
		store_sort_expr(plan, &plan->q->sorts[i], q);
		strbuf_puts(&q->text, plan->q->sorts[i].ascending ? " ASC, " : " DESC, ");
	}
	strbuf_printf(&q->text, "%s DESC", store_query_id_column(plan));
}

void store_query_sort_values(const struct store_query_plan *plan, struct store_sql *q)
{
	for (size_t i = 0; i < plan->q->sort_count; i++) {
		if (i > 0)
			strbuf_puts(&q->text, ", ");
		store_sort_expr(plan, &plan->q->sorts[i], q);
	}
}

/* Lexicographic: sorted before on key i, or equal there and before on
 * the keys after it; last, ids descending. */
static void store_query_before_from(const struct store_query_plan *plan, struct store_sql *q,
				    sqlite3_value *const *values, uint64_t anchor_id, size_t i)
{
	const struct store_email_sort *s;

	if (i == plan->q->sort_count) {
		strbuf_printf(&q->text, "%s > ", store_query_id_column(plan));
		store_sql_int(q, (int64_t)anchor_id);
		return;
	}
	s = &plan->q->sorts[i];
	strbuf_putc(&q->text, '(');
	store_sort_expr(plan, s, q);
	strbuf_puts(&q->text, s->ascending ? " < " : " > ");
	store_sql_value(q, values[i]);
	strbuf_puts(&q->text, " OR (");
	store_sort_expr(plan, s, q);
	strbuf_puts(&q->text, " = ");
	store_sql_value(q, values[i]);
	strbuf_puts(&q->text, " AND ");
	store_query_before_from(plan, q, values, anchor_id, i + 1);
	strbuf_puts(&q->text, "))");
}

void store_query_before(const struct store_query_plan *plan, struct store_sql *q,
			sqlite3_value *const *values, uint64_t anchor_id)
{
	store_query_before_from(plan, q, values, anchor_id, 0);
}
