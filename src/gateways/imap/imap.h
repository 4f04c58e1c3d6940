#ifndef TERN_IMAP_H
#define TERN_IMAP_H

#include "gateways/net.h"

/* The IMAP4rev2 gateway (RFC 9051, with IMAP4rev1 clients served too):
 * a net_protocol whose every command becomes JMAP calls. */

struct config;
struct directory;
struct jmap_server;

/* Reads imap.* and authentication.allow-plaintext from cfg. The result
 * is owned by the caller and must outlive net_stop(). */
struct net_protocol *imap_protocol_new(struct jmap_server *jmap, struct directory *dir,
				       const struct config *cfg);
void imap_protocol_free(struct net_protocol **proto);

#endif
