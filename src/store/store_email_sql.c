/* SQL text built at run time with its parameters alongside: every value
 * is bound, never spliced into the text. Arrays of ids pass by pointer,
 * which SQL text cannot forge, to the two functions registered here:
 * tern_id_in() tests rows against one, tern_id_collect() fills one. */

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_mail_private.h"

static struct store_sql_param *store_sql_push(struct store_sql *q,
					      enum store_sql_param_kind kind)
{
	struct store_sql_param *p;

	if (q->count == q->cap) {
		q->cap = q->cap == 0 ? 16 : q->cap * 2;
		q->params = xrealloc(q->params, q->cap * sizeof(*q->params));
	}
	p = &q->params[q->count++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	strbuf_printf(&q->text, "?%zu", q->count);
	return p;
}

void store_sql_int(struct store_sql *q, int64_t number)
{
	store_sql_push(q, STORE_SQL_INT)->number = number;
}

void store_sql_text(struct store_sql *q, const char *text)
{
	store_sql_push(q, STORE_SQL_TEXT)->text = text == NULL ? NULL : xstrdup(text);
}

void store_sql_value(struct store_sql *q, const sqlite3_value *value)
{
	store_sql_push(q, STORE_SQL_VALUE)->value = value;
}

void store_sql_ids(struct store_sql *q, const uint64_t *ids, size_t count)
{
	struct strbuf b = { 0 };

	strbuf_putc(&b, '[');
	for (size_t i = 0; i < count; i++)
		strbuf_printf(&b, "%s%llu", i > 0 ? "," : "", (unsigned long long)ids[i]);
	strbuf_putc(&b, ']');
	store_sql_push(q, STORE_SQL_TEXT)->text = strbuf_steal(&b);
}

/* The pointer type of an id array: SQLite hands the pointer only to
 * code asking for this same type. */
#define STORE_SQL_ID_ARRAY_TYPE "tern_id_array"

void store_sql_id_array(struct store_sql *q, const struct store_id_array *ids)
{
	store_sql_push(q, STORE_SQL_ID_ARRAY)->ids = ids;
}

static bool store_id_array_has(const struct store_id_array *a, uint64_t id)
{
	size_t lo = 0, hi = a->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->count && a->ids[lo] == id;
}

static void store_sql_id_in(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct store_id_array *a = sqlite3_value_pointer(argv[1], STORE_SQL_ID_ARRAY_TYPE);

	(void)argc;
	if (a == NULL) {
		sqlite3_result_error(ctx, "tern_id_in: the second argument is not an id array", -1);
		return;
	}
	if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	sqlite3_result_int(ctx, store_id_array_has(a, (uint64_t)sqlite3_value_int64(argv[0])));
}

/* The pointer type of an id sink. */
#define STORE_SQL_ID_SINK_TYPE "tern_id_sink"

void store_sql_bind_id_sink(sqlite3_stmt *stmt, int col, struct store_id_sink *sink)
{
	sqlite3_bind_pointer(stmt, col, sink, STORE_SQL_ID_SINK_TYPE, NULL);
}

/* One call of tern_id_collect(): its sink, looked up at the first row
 * (the pointer check compares type names), and its rows. */
struct store_id_collect {
	struct store_id_sink *sink;
	int64_t rows;
};

static void store_sql_id_collect_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store_id_collect *c = sqlite3_aggregate_context(ctx, sizeof(*c));
	struct store_id_array *a;

	(void)argc;
	if (c == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (c->sink == NULL &&
	    (c->sink = sqlite3_value_pointer(argv[1], STORE_SQL_ID_SINK_TYPE)) == NULL) {
		sqlite3_result_error(ctx, "tern_id_collect: the second argument is not a sink", -1);
		return;
	}
	a = &c->sink->array;
	if (a->count == c->sink->cap) {
		c->sink->cap = c->sink->cap == 0 ? 256 : c->sink->cap * 2;
		a->ids = xrealloc(a->ids, c->sink->cap * sizeof(*a->ids));
	}
	a->ids[a->count++] = (uint64_t)sqlite3_value_int64(argv[0]);
	c->rows++;
}

static void store_sql_id_collect_final(sqlite3_context *ctx)
{
	struct store_id_collect *c = sqlite3_aggregate_context(ctx, 0);

	sqlite3_result_int64(ctx, c != NULL ? c->rows : 0);
}

static int store_id_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void store_id_array_sort(struct store_id_array *a)
{
	for (size_t i = 1; i < a->count; i++) {
		if (a->ids[i - 1] > a->ids[i]) {
			qsort(a->ids, a->count, sizeof(*a->ids), store_id_compare);
			return;
		}
	}
}

int store_sql_functions_register(struct store_db *db, const char **error_r)
{
	int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;

	if (sqlite3_create_function_v2(db->handle, "tern_id_in", 2, flags, NULL,
				       store_sql_id_in, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(db->handle, "tern_id_collect", 2, flags, NULL, NULL,
				       store_sql_id_collect_step,
				       store_sql_id_collect_final, NULL) != SQLITE_OK) {
		*error_r = store_db_error(db, "register SQL functions");
		return -1;
	}
	return 0;
}

static void store_sql_bind(sqlite3_stmt *stmt, int col, const struct store_sql_param *p)
{
	switch (p->kind) {
	case STORE_SQL_INT:
		sqlite3_bind_int64(stmt, col, p->number);
		break;
	case STORE_SQL_TEXT:
		if (p->text != NULL)
			sqlite3_bind_text(stmt, col, p->text, -1, SQLITE_TRANSIENT);
		break;
	case STORE_SQL_VALUE:
		sqlite3_bind_value(stmt, col, p->value);
		break;
	case STORE_SQL_ID_ARRAY:
		sqlite3_bind_pointer(stmt, col, (void *)p->ids, STORE_SQL_ID_ARRAY_TYPE, NULL);
		break;
	}
}

int store_sql_prepare(struct store_db *db, const struct store_sql *q, sqlite3_stmt **stmt_r,
		      const char **error_r)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db->handle, q->text.s, (int)q->text.len, &stmt, NULL) != SQLITE_OK) {
		*error_r = store_db_error(db, "query prepare");
		return -1;
	}
	for (size_t i = 0; i < q->count; i++)
		store_sql_bind(stmt, (int)i + 1, &q->params[i]);
	*stmt_r = stmt;
	return 0;
}

void store_sql_free(struct store_sql *q)
{
	for (size_t i = 0; i < q->count; i++)
		free(q->params[i].text);
	free(q->params);
	strbuf_free(&q->text);
	memset(q, 0, sizeof(*q));
}
