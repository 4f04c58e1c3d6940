#ifndef TERN_MAILAUTH_H
#define TERN_MAILAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"

/* The checks of one inbound message (SPF, DKIM, DMARC) and the
 * Authentication-Results header field (RFC 8601) that reports them. */

struct dns;

struct mailauth_inbound {
	struct spf_outcome spf;
	struct dkim_verdict *dkim;
	size_t dkim_count;
	struct dmarc_outcome dmarc;
	/* "Authentication-Results: <authserv_id>;\r\n\tspf=pass
	 * smtp.mailfrom=...;\r\n\tdkim=pass header.d=... header.s=...
	 * header.b=...;\r\n\tdmarc=pass header.from=...\r\n" (every
	 * signature listed; "dkim=none" when there is none), folded,
	 * ending CRLF */
	char *header;
};

/* Runs SPF (client_ip, helo, mail_from), DKIM over msg and DMARC over
 * the message's From domain, and builds the header for authserv_id
 * (the server's hostname). Release with mailauth_inbound_clear(). */
void mailauth_check_inbound(struct dns *dns, const char *authserv_id, const char *client_ip,
			    const char *helo, const char *mail_from, const char *msg, size_t len,
			    time_t now, struct mailauth_inbound *result_r);
void mailauth_inbound_clear(struct mailauth_inbound *result);

/* The domain of the single address in msg's From header field
 * (lowercase, caller-owned), or NULL when there is none or several. */
char *mailauth_from_domain(const char *msg, size_t len);

#endif
