/* Which objects of an account refer to a blob (RFC 9404 Blob/lookup):
 * the emails stored as that blob, their threads and mailboxes. */

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_objects.h"
#include "store/store_private.h"

void store_blob_refs_clear(struct store_blob_refs *refs)
{
	free(refs->email_ids);
	free(refs->thread_ids);
	free(refs->mailbox_ids);
	memset(refs, 0, sizeof(*refs));
}

static int store_u64_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts and drops duplicates in place. */
static void store_u64_unique(uint64_t *list, size_t *count)
{
	size_t out = 0;

	if (*count == 0)
		return;
	qsort(list, *count, sizeof(*list), store_u64_compare);
	for (size_t i = 0; i < *count; i++) {
		if (out == 0 || list[out - 1] != list[i])
			list[out++] = list[i];
	}
	*count = out;
}

static void store_u64_push(uint64_t **list, size_t *count, size_t *cap, uint64_t value)
{
	if (*count == *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		*list = xrealloc(*list, *cap * sizeof(**list));
	}
	(*list)[(*count)++] = value;
}

/* A blob is rarely looked up: a scan of the emails costs less than an
 * index every import would pay for. */
static int store_blob_refs_emails(struct store_account *acct, const char *blob_id,
				  struct store_blob_refs *refs, const char **error_r)
{
	static const char sql[] = "SELECT id, thread_id FROM emails WHERE blob_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	size_t email_cap = 0, thread_cap = 0;
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	while ((ret = store_db_row(&acct->db, stmt, "blob refs", error_r)) > 0) {
		store_u64_push(&refs->email_ids, &refs->email_count, &email_cap,
			       (uint64_t)sqlite3_column_int64(stmt, 0));
		store_u64_push(&refs->thread_ids, &refs->thread_count, &thread_cap,
			       (uint64_t)sqlite3_column_int64(stmt, 1));
	}
	return ret;
}

static int store_blob_refs_mailboxes(struct store_account *acct, struct store_blob_refs *refs,
				     const char **error_r)
{
	static const char sql[] = "SELECT mailbox_id FROM email_mailboxes WHERE email_id = ?1";
	size_t cap = 0;
	int ret = 0;

	for (size_t i = 0; i < refs->email_count && ret == 0; i++) {
		sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

		if (stmt == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, (int64_t)refs->email_ids[i]);
		while ((ret = store_db_row(&acct->db, stmt, "blob ref mailboxes", error_r)) > 0)
			store_u64_push(&refs->mailbox_ids, &refs->mailbox_count, &cap,
				       (uint64_t)sqlite3_column_int64(stmt, 0));
	}
	return ret;
}

int store_blob_refs(struct store_account *acct, const char *blob_id,
		    struct store_blob_refs *refs_r, const char **error_r)
{
	memset(refs_r, 0, sizeof(*refs_r));
	if (store_blob_refs_emails(acct, blob_id, refs_r, error_r) < 0 ||
	    store_blob_refs_mailboxes(acct, refs_r, error_r) < 0) {
		store_blob_refs_clear(refs_r);
		return -1;
	}
	store_u64_unique(refs_r->email_ids, &refs_r->email_count);
	store_u64_unique(refs_r->thread_ids, &refs_r->thread_count);
	store_u64_unique(refs_r->mailbox_ids, &refs_r->mailbox_count);
	return 0;
}
