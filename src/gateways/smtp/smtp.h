#ifndef TERN_SMTP_H
#define TERN_SMTP_H

#include "gateways/net.h"

/* The SMTP gateway as ternd sees it: the ESMTP server (inbound MTA on
 * listeners with protocol "smtp", submission where "submission = true"),
 * the resolver and the inbound checks it uses, and the outbound queue's
 * senders. */

struct config;
struct directory;
struct jmap_server;
struct smtp_gateway;

/* Opens the resolver (resolver.*), the delivery context (smtp.*) and
 * starts the outbound queue's sender threads (queue.outbound.*).
 * Returns 0, or -1 with *error_r. The result must be freed after
 * net_stop(). */
int smtp_gateway_new(struct jmap_server *jmap, struct directory *dir, const struct config *cfg,
		     struct smtp_gateway **gw_r, const char **error_r);
/* The protocol to hand to net_start(); owned by gw. */
const struct net_protocol *smtp_gateway_protocol(struct smtp_gateway *gw);
/* Stops the senders (an attempt in progress is finished or left to be
 * retried after restart) and frees everything. */
void smtp_gateway_free(struct smtp_gateway **gw);

#endif
