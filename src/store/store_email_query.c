/* Email/query in SQL: the window is pushed down (LIMIT/OFFSET over an
 * index walk), the total is counted only when asked (and read from the
 * mailbox counts when the filter is one mailbox, or from the matches
 * when it is one text condition), an anchor's index is a counting
 * query, and collapsed threads are read in sort order, keeping the
 * first email of each thread and stopping at the window's end. The
 * matches of a text condition every result meets are read once, and
 * their count chooses between reading them first and walking the sort
 * order. */

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_mail_private.h"

/* A set of thread ids (never 0): open addressing, linear probing. */
struct store_id_set {
	uint64_t *slots;
	size_t cap, count;
};

static bool store_id_set_insert(uint64_t *slots, size_t cap, uint64_t id)
{
	size_t i = (size_t)((id * 11400714819323198485ULL) >> 20) & (cap - 1);

	while (slots[i] != 0) {
		if (slots[i] == id)
			return false;
		i = (i + 1) & (cap - 1);
	}
	slots[i] = id;
	return true;
}

/* true if id was not in the set yet. */
static bool store_id_set_add(struct store_id_set *set, uint64_t id)
{
	uint64_t *old = set->slots;
	size_t old_cap = set->cap;

	if (2 * (set->count + 1) > set->cap) {
		set->cap = set->cap == 0 ? 256 : set->cap * 2;
		set->slots = xcalloc(set->cap, sizeof(uint64_t));
		for (size_t i = 0; i < old_cap; i++) {
			if (old[i] != 0)
				store_id_set_insert(set->slots, set->cap, old[i]);
		}
		free(old);
	}
	if (!store_id_set_insert(set->slots, set->cap, id))
		return false;
	set->count++;
	return true;
}

static void store_result_push(struct store_email_result *r, size_t *cap, uint64_t id)
{
	if (r->count == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		r->ids = xrealloc(r->ids, *cap * sizeof(uint64_t));
	}
	r->ids[r->count++] = id;
}

/* Runs a query whose one row is one number. */
static int store_sql_number(struct store_account *acct, struct store_sql *q, uint64_t *value_r,
			    const char **error_r)
{
	sqlite3_stmt *stmt;
	int ret;

	if (store_sql_prepare(&acct->db, q, &stmt, error_r) < 0)
		return -1;
	ret = sqlite3_step(stmt);
	if (ret == SQLITE_ROW)
		*value_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	else
		*error_r = store_db_error(&acct->db, "email query");
	sqlite3_finalize(stmt);
	return ret == SQLITE_ROW ? 0 : -1;
}

static int store_query_window_flat(struct store_account *acct,
				   const struct store_query_plan *plan, uint64_t start,
				   struct store_email_result *r, const char **error_r)
{
	struct store_sql q = { 0 };
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int ret;

	strbuf_printf(&q.text, "SELECT %s", store_query_id_column(plan));
	store_query_from_where(plan, &q);
	store_query_order(plan, &q);
	strbuf_puts(&q.text, " LIMIT ");
	store_sql_int(&q, plan->q->limit == 0 ? -1 : (int64_t)plan->q->limit);
	strbuf_puts(&q.text, " OFFSET ");
	store_sql_int(&q, (int64_t)start);
	ret = store_sql_prepare(&acct->db, &q, &stmt, error_r);
	store_sql_free(&q);
	if (ret < 0)
		return -1;
	while ((ret = sqlite3_step(stmt)) == SQLITE_ROW)
		store_result_push(r, &cap, (uint64_t)sqlite3_column_int64(stmt, 0));
	if (ret != SQLITE_DONE)
		*error_r = store_db_error(&acct->db, "email query");
	sqlite3_finalize(stmt);
	return ret == SQLITE_DONE ? 0 : -1;
}

/* Reads (email, thread) in sort order; the first row of each thread is
 * a result, and the window takes those from index start. */
static int store_query_window_collapsed(struct store_account *acct,
					const struct store_query_plan *plan, uint64_t start,
					struct store_email_result *r, const char **error_r)
{
	struct store_sql q = { 0 };
	struct store_id_set seen = { 0 };
	sqlite3_stmt *stmt;
	uint64_t index = 0;
	size_t cap = 0, limit = plan->q->limit;
	int ret;

	strbuf_printf(&q.text, "SELECT %s, e.thread_id", store_query_id_column(plan));
	store_query_from_where(plan, &q);
	store_query_order(plan, &q);
	ret = store_sql_prepare(&acct->db, &q, &stmt, error_r);
	store_sql_free(&q);
	if (ret < 0)
		return -1;
	while ((limit == 0 || r->count < limit) && (ret = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!store_id_set_add(&seen, (uint64_t)sqlite3_column_int64(stmt, 1)))
			continue;
		if (index++ >= start)
			store_result_push(r, &cap, (uint64_t)sqlite3_column_int64(stmt, 0));
	}
	if (ret != SQLITE_DONE && ret != SQLITE_ROW)
		*error_r = store_db_error(&acct->db, "email query");
	sqlite3_finalize(stmt);
	free(seen.slots);
	return ret == SQLITE_DONE || ret == SQLITE_ROW ? 0 : -1;
}

/* The emails (or threads) in the mailbox the plan walks. */
static int store_query_mailbox_total(struct store_account *acct,
				     const struct store_query_plan *plan, bool threads,
				     uint64_t *total_r, const char **error_r)
{
	struct store_mailbox mb;
	int ret = store_mailbox_get(acct, plan->mailbox_cond->ids[0], &mb);

	*total_r = 0;
	if (ret < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "email query", "cannot read the mailbox");
		return -1;
	}
	if (ret > 0) {
		*total_r = threads ? mb.total_threads : mb.total_emails;
		store_mailbox_clear(&mb);
	}
	return 0;
}

/* The anchor's place: how many results sort before it (threads, when
 * collapsed). With collapsed threads the anchor is a result only when
 * no email of its thread in the filtered set sorts before it. */
static int store_query_anchor_count(struct store_account *acct,
				    const struct store_query_plan *plan,
				    sqlite3_value *const *values, uint64_t thread_id,
				    uint64_t *index_r, bool *found_r, const char **error_r)
{
	struct store_sql q = { 0 };
	uint64_t earlier = 0;
	int ret = 0;

	if (plan->q->collapse_threads) {
		strbuf_puts(&q.text, "SELECT count(*)");
		store_query_from_where(plan, &q);
		strbuf_puts(&q.text, " AND e.thread_id = ");
		store_sql_int(&q, (int64_t)thread_id);
		strbuf_puts(&q.text, " AND ");
		store_query_before(plan, &q, values, plan->q->anchor_id);
		ret = store_sql_number(acct, &q, &earlier, error_r);
		store_sql_free(&q);
	}
	*found_r = ret == 0 && earlier == 0;
	if (ret < 0 || !*found_r)
		return ret;
	strbuf_puts(&q.text, plan->q->collapse_threads ?
		    "SELECT count(DISTINCT e.thread_id)" : "SELECT count(*)");
	store_query_from_where(plan, &q);
	strbuf_puts(&q.text, " AND ");
	store_query_before(plan, &q, values, plan->q->anchor_id);
	ret = store_sql_number(acct, &q, index_r, error_r);
	store_sql_free(&q);
	return ret;
}

/* Reads the anchor's thread and sort values, if it is in the filtered
 * set, and counts what sorts before it. */
static int store_query_anchor(struct store_account *acct, const struct store_query_plan *plan,
			      uint64_t *index_r, bool *found_r, const char **error_r)
{
	size_t n = plan->q->sort_count;
	sqlite3_value *values[STORE_QUERY_MAX_SORTS];
	struct store_sql q = { 0 };
	sqlite3_stmt *stmt;
	uint64_t thread_id;
	int ret;

	strbuf_puts(&q.text, plan->q->collapse_threads ? "SELECT e.thread_id" : "SELECT 0");
	strbuf_puts(&q.text, n > 0 ? ", " : "");
	store_query_sort_values(plan, &q);
	store_query_from_where(plan, &q);
	strbuf_printf(&q.text, " AND %s = ", store_query_id_column(plan));
	store_sql_int(&q, (int64_t)plan->q->anchor_id);
	ret = store_sql_prepare(&acct->db, &q, &stmt, error_r);
	store_sql_free(&q);
	if (ret < 0)
		return -1;
	if ((ret = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (ret != SQLITE_DONE)
			*error_r = store_db_error(&acct->db, "email query anchor");
		sqlite3_finalize(stmt);
		*found_r = false;
		return ret == SQLITE_DONE ? 0 : -1;
	}
	thread_id = (uint64_t)sqlite3_column_int64(stmt, 0);
	for (size_t i = 0; i < n; i++)
		values[i] = sqlite3_value_dup(sqlite3_column_value(stmt, (int)i + 1));
	sqlite3_finalize(stmt);
	ret = store_query_anchor_count(acct, plan, values, thread_id, index_r, found_r, error_r);
	for (size_t i = 0; i < n; i++)
		sqlite3_value_free(values[i]);
	return ret;
}

enum store_text_plan store_text_plan_force = STORE_TEXT_PLAN_AUTO;

/* The emails a walk of the sort order passes over: those of the
 * mailbox walked, or all, bounded by the ends of the id index (counting
 * them would read them all). */
static int store_query_candidates(struct store_account *acct,
				  const struct store_query_plan *plan, uint64_t *count_r,
				  const char **error_r)
{
	struct store_sql q = { 0 };
	int ret;

	if (plan->mailbox_cond != NULL)
		return store_query_mailbox_total(acct, plan, false, count_r, error_r);
	strbuf_puts(&q.text, "SELECT coalesce((SELECT max(id) FROM emails) -"
		    " (SELECT min(id) FROM emails) + 1, 0)");
	ret = store_sql_number(acct, &q, count_r, error_r);
	store_sql_free(&q);
	return ret;
}

/* The matches a query's text conditions may hold in all (8 bytes
 * each: 64 MB), so that a filter of many common words cannot take the
 * server's memory. */
#define STORE_QUERY_MAX_MATCHES (1U << 23)

/* Reads the matches of every text condition of the filter, once for the
 * query. Those of the plan's text condition also choose its plan, a
 * walk tests rows against them, and a filter of that condition alone
 * has their count as its total. */
static int store_query_texts_read(struct store_account *acct, struct store_query_plan *plan,
				  const char **error_r)
{
	size_t total = 0;

	for (size_t i = 0; i < plan->text_count; i++) {
		if (store_fts_ids(acct, plan->texts[i].match, &plan->texts[i].ids, error_r) < 0)
			return -1;
		total += plan->texts[i].ids.count;
		if (total > STORE_QUERY_MAX_MATCHES) {
			*error_r = store_fail(STORE_ERR_INTERNAL, "email query",
					      "full-text conditions match too many emails");
			return -1;
		}
	}
	if (plan->text_ids == NULL || store_text_plan_force != STORE_TEXT_PLAN_AUTO ||
	    plan->text_ids->count == 0)
		return 0;
	return store_query_candidates(acct, plan, &plan->candidates, error_r);
}

/* Rows a walk of the sort order passes for the cost of looking up one
 * match by id: measured on 100,000 emails, where a page of 50 broke
 * even at about 500 matches and a count at about 3,000. */
#define STORE_QUERY_LOOKUP_ROWS 32

/* Reading the text matches first costs about one lookup per match;
 * walking the sort order and testing each row against the array of
 * matches passes about window * candidates / matches rows, and every
 * candidate when the window reaches past the matches (as a count
 * does). So the walk wins when LOOKUP_ROWS * matches^2 >= window *
 * candidates: for a page of 50 among 100,000 emails, above some 400
 * matches; for a count, above some 3,000. */
static void store_query_choose_text(struct store_query_plan *plan, uint64_t window)
{
	uint64_t matches = plan->text_ids == NULL ? 0 : plan->text_ids->count;

	if (store_text_plan_force != STORE_TEXT_PLAN_AUTO) {
		plan->text_walk = store_text_plan_force == STORE_TEXT_PLAN_WALK;
		return;
	}
	if (window > matches)
		window = matches;
	plan->text_walk = plan->text_ids != NULL &&
			  (double)STORE_QUERY_LOOKUP_ROWS * (double)matches * (double)matches >=
			  (double)window * (double)plan->candidates;
}

/* The results a window from start needs: all of them without a limit. */
static uint64_t store_query_window_end(const struct store_query_plan *plan, uint64_t start)
{
	return plan->q->limit == 0 ? UINT64_MAX : start + plan->q->limit;
}

static int store_query_total(struct store_account *acct, struct store_query_plan *plan,
			     uint64_t *total_r, const char **error_r)
{
	const struct store_email_filter *f = plan->q->filter;
	const struct store_id_array *ids;
	struct store_sql q = { 0 };
	int ret;

	if (store_query_plan_mailbox_only(plan))
		return store_query_mailbox_total(acct, plan, plan->q->collapse_threads, total_r,
						 error_r);
	/* The full-text index holds live emails only: the matches of a
	 * lone text condition are its results. */
	if (f != NULL && f->op == STORE_FILTER_COND && !plan->q->collapse_threads &&
	    (ids = store_query_text_ids(plan, f)) != NULL) {
		*total_r = ids->count;
		return 0;
	}
	/* A count is a window of every result. */
	store_query_choose_text(plan, UINT64_MAX);
	strbuf_puts(&q.text, plan->q->collapse_threads ?
		    "SELECT count(DISTINCT e.thread_id)" : "SELECT count(*)");
	store_query_from_where(plan, &q);
	ret = store_sql_number(acct, &q, total_r, error_r);
	store_sql_free(&q);
	return ret;
}

/* Where the window starts: the position, or the anchor's index plus its
 * offset. *found_r is false when the anchor is not a result. */
static int store_query_start(struct store_account *acct, struct store_query_plan *plan,
			     uint64_t *start_r, bool *found_r, const char **error_r)
{
	const struct store_email_query *q = plan->q;
	uint64_t index = 0;

	*start_r = q->position;
	*found_r = true;
	if (q->anchor_id == 0)
		return 0;
	/* The window is not known yet: the anchor is looked for as the
	 * first page would be. */
	store_query_choose_text(plan, store_query_window_end(plan, 0));
	if (store_query_anchor(acct, plan, &index, found_r, error_r) < 0)
		return -1;
	if (q->anchor_offset < 0 && (uint64_t)-(q->anchor_offset + 1) >= index)
		*start_r = 0;
	else
		*start_r = index + (uint64_t)q->anchor_offset;
	if (*start_r > INT64_MAX)
		*start_r = INT64_MAX;
	return 0;
}

static int store_query_run(struct store_account *acct, struct store_query_plan *plan,
			   struct store_email_result *r, const char **error_r)
{
	uint64_t start;
	bool found;
	int ret;

	if (store_query_texts_read(acct, plan, error_r) < 0)
		return -1;
	if (plan->text_ids != NULL && plan->text_ids->count == 0) {
		/* Nothing matches: no results, and no anchor among them. */
		r->position = plan->q->anchor_id != 0 ? 0 : plan->q->position;
		return 0;
	}
	if (store_query_start(acct, plan, &start, &found, error_r) < 0)
		return -1;
	r->anchor_found = found;
	if (!found)
		return 0;
	r->position = start;
	store_query_choose_text(plan, store_query_window_end(plan, start));
	ret = plan->q->collapse_threads ?
	      store_query_window_collapsed(acct, plan, start, r, error_r) :
	      store_query_window_flat(acct, plan, start, r, error_r);
	if (ret == 0 && plan->q->calculate_total)
		ret = store_query_total(acct, plan, &r->total, error_r);
	return ret;
}

int store_email_query(struct store_account *acct, const struct store_email_query *q,
		      struct store_email_result *result_r, const char **error_r)
{
	struct store_query_plan plan;
	bool own = acct->txn == STORE_TXN_NONE;
	int ret;

	memset(result_r, 0, sizeof(*result_r));
	if (store_query_check(q, error_r) < 0)
		return -1;
	store_query_plan_init(&plan, q);
	if (own && store_txn_begin(acct, false, error_r) < 0)
		return -1;
	ret = store_query_run(acct, &plan, result_r, error_r);
	store_query_plan_free(&plan);
	if (own)
		ret = store_txn_end(acct, true, ret, error_r);
	if (ret < 0) {
		free(result_r->ids);
		memset(result_r, 0, sizeof(*result_r));
	}
	return ret;
}
