#ifndef TERN_SMTP_SERVER_H
#define TERN_SMTP_SERVER_H

#include "gateways/net.h"

/* The ESMTP server (RFC 5321) over net.h: one state machine per
 * connection; MAIL, RCPT and the message go to smtp_deliver.h. */

struct config;
struct directory;
struct smtp_deliver;

/* Reads smtp.* and authentication.allow-plaintext of cfg. dir and
 * deliver must outlive the result, which the caller frees after
 * net_stop(). */
struct net_protocol *smtp_protocol_new(struct directory *dir, struct smtp_deliver *deliver,
				       const struct config *cfg);
void smtp_protocol_free(struct net_protocol **proto);

#endif
