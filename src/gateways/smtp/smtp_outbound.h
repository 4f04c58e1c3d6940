#ifndef TERN_SMTP_OUTBOUND_H
#define TERN_SMTP_OUTBOUND_H

/* The outbound queue's senders: threads that take due entries of the
 * queue (jmap/outbound.h), deliver local recipients through
 * smtp_deliver_local(), and send to remote ones over SMTP (MX lookup,
 * fallback A/AAAA, opportunistic STARTTLS, or queue.outbound.next-hop
 * with optional AUTH), DKIM-signed with the sender domain's keys;
 * record each recipient's outcome, retry on the configured schedule and
 * send a DSN (RFC 3464) to the sender on permanent failure or expiry. */

struct config;
struct directory;
struct dns;
struct jmap_server;
struct smtp_deliver;
struct smtp_outbound;

/* Reads queue.outbound.*; entries a crashed process left claimed are
 * made pending again. Returns 0, or -1 with *error_r. */
int smtp_outbound_start(struct jmap_server *jmap, struct directory *dir, struct dns *dns,
			struct smtp_deliver *deliver, const struct config *cfg,
			struct smtp_outbound **ob_r, const char **error_r);
/* Stops the threads: a delivery under way finishes its SMTP
 * transaction (bounded by the command timeouts) or is left pending. */
void smtp_outbound_stop(struct smtp_outbound **ob);

#endif
