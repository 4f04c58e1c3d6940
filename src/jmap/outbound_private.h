#ifndef TERN_JMAP_OUTBOUND_PRIVATE_H
#define TERN_JMAP_OUTBOUND_PRIVATE_H

#include "jmap/outbound.h"
#include "store/store_objects.h"

/* What the outbound queue's files in src/jmap/ share. */

/* "queued", "yes", "no". */
const char *outbound_status_name(enum jmap_outbound_status status);
/* A new msg (cleared with jmap_outbound_msg_clear()) from a store row. */
void outbound_msg_from_entry(const struct store_queue_entry *e, struct jmap_outbound_msg *msg);
/* Writes msg's attempts, next attempt and recipients to its entry, which
 * stays claimed (sending) or is given back. */
int outbound_entry_write(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
			 bool sending, const char **error_r);
/* After a commit in acct: tells the bus. */
void outbound_publish(struct store_account *acct, uint64_t types);

#endif
