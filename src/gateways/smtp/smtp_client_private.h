#ifndef TERN_SMTP_CLIENT_PRIVATE_H
#define TERN_SMTP_CLIENT_PRIVATE_H

#include "gateways/smtp/smtp_client.h"
#include "gateways/smtp/smtp_outbound_private.h"

/* What the outbound session's files share. */

/* The extensions a server announced in its EHLO reply. */
struct smtp_ehlo {
	bool esmtp;
	bool starttls, size, eightbit, smtputf8, dsn, chunking, auth_plain;
};

/* One session with one server. */
struct smtp_session {
	struct smtp_attempt *a;
	const struct smtp_target *t;
	const size_t *idx;	/* the recipients of this session */
	size_t n;
	struct smtp_client *c;
	struct smtp_ehlo ehlo;
};

/* MAIL, RCPT, DATA or BDAT (smtp_client_mail.c): every recipient of s
 * gets its outcome, temporary when the connection broke. */
void smtp_client_transaction(struct smtp_session *s);

#endif
