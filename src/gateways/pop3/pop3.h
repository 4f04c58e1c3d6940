#ifndef TERN_POP3_H
#define TERN_POP3_H

#include "gateways/net.h"

/* The POP3 gateway (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034
 * SASL): the maildrop is the account's Inbox, read and changed through
 * JMAP calls. */

struct config;
struct directory;
struct jmap_server;

/* Reads pop3.* and authentication.allow-plaintext from cfg. The result
 * is owned by the caller and must outlive net_stop(). */
struct net_protocol *pop3_protocol_new(struct jmap_server *jmap, struct directory *dir,
				       const struct config *cfg);
void pop3_protocol_free(struct net_protocol **proto);

#endif
