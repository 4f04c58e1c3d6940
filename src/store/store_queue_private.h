#ifndef TERN_STORE_QUEUE_PRIVATE_H
#define TERN_STORE_QUEUE_PRIVATE_H

/* What the outbound queue's files in src/store/ share: reading a row
 * and its recipients. */

#include "store/store_objects.h"
#include "store/store_private.h"

/* The columns store_queue_read() reads, in its order. */
#define STORE_QUEUE_COLUMNS \
	"id, account_id, blob_id, size, mail_from, mail_from_parameters, state," \
	" attempts, next_attempt_at, created_at, submission_id"

/* Fills e (zeroed) from a row of STORE_QUEUE_COLUMNS, recipients aside. */
void store_queue_read(sqlite3_stmt *stmt, struct store_queue_entry *e);
/* Reads the recipients of row e->id into e, in their order. */
int store_queue_read_rcpts(struct store_db *db, struct store_queue_entry *e,
			   const char **error_r);
void store_queue_rcpt_clear(void *item);

#endif
