#ifndef TERN_JMAP_EMAIL_H
#define TERN_JMAP_EMAIL_H

#include <json-c/json.h>

#include "jmap/stdmethods.h"

/* Email (RFC 8621 §4) and Thread (§3). email.c holds the type and
 * /get; email_set.c, email_import.c, email_copy.c, email_parse.c the
 * writing methods; email_query.c and search_snippet.c the searching
 * ones. Ids: 'e' + number for emails, 't' + number for threads. */

#define EMAIL_ID_PREFIX 'e'
#define THREAD_ID_PREFIX 't'

extern const struct jmap_type jmap_email_type;
extern const struct jmap_type jmap_thread_type;
extern const struct jmap_type jmap_search_snippet_type;

/* The blobId of leaf partId of the email stored as blob_id:
 * "<blob_id>_<partId>" (both Id-safe). Into out (>= 96 bytes). */
void email_part_blob_id(const char *blob_id, const char *part_id, char *out, size_t size);

/* Whether blob_id names a part ("<blobId>_<partId>[_<partId>...]"). */
bool email_blob_id_is_part(const char *blob_id);
/* The content of blob_id in acct: a plain blob, or the decoded part a
 * part blob id names. Returns 1 with a caller-owned buffer, 0 if there
 * is no such blob or part, -1 on a store failure. */
int email_blob_read(struct store_account *acct, const char *blob_id, void **data_r,
		    size_t *len_r);
/* Opens a part blob for download, as store_blob_open() does a plain
 * one: returns an fd (an anonymous file holding the decoded part) the
 * caller closes, or -1 with *found_r 0 if there is no such part. */
int email_part_blob_open(struct store_account *acct, const char *blob_id, uint64_t *size_r,
			 int *found_r);

/* email_query.c: Email/query's hooks. */
int jmap_email_filter_check(json_object *condition, const char **error_type_r);
int jmap_email_query(struct jmap_call *call, struct jmap_query *query);
/* Email/queryChanges: every email of the threads that changed. */
int jmap_email_query_changes_related(struct jmap_call *call, uint64_t since,
				     const struct store_change *changes, size_t count,
				     uint64_t **ids_r, size_t *count_r);
extern const char *const jmap_email_sort_props[];
/* Email/query's extra arguments (collapseThreads) and the Comparator's
 * "keyword", for the type's query_args and comparator_args. */
extern const struct jmap_arg jmap_email_query_args[];
extern const struct jmap_arg jmap_email_comparator_args[];

#endif
