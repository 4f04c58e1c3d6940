#ifndef TERN_STORE_OBJECTS_PRIVATE_H
#define TERN_STORE_OBJECTS_PRIVATE_H

/* What the files behind store_objects.h share, and nothing else. */

#include "store/store_objects.h"
#include "store/store_private.h"

/* Inside a write transaction: the modseq of one object change, or 0 with
 * *error_r set. */
uint64_t store_object_modseq(struct store_account *acct, const char *what,
			     const char **error_r);
/* Binds value at col, or NULL when value is NULL. */
void store_bind_text_or_null(sqlite3_stmt *stmt, int col, const char *value);

#endif
