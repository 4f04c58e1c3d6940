/* SQL text built at run time with its parameters alongside: every value
 * is bound, never spliced into the text. */

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
