#ifndef TERN_SMTP_CLIENT_H
#define TERN_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "gateways/smtp/smtp_deliver.h"

/* A blocking SMTP client connection for the outbound queue's sender
 * threads: connect with a timeout, send, read replies (each read and
 * write bounded by the same timeout), STARTTLS. */

struct smtp_client;

/* Connects to ip (IPv4 or IPv6 text) on port. NULL with *error_r. */
struct smtp_client *smtp_client_connect(const char *ip, int port, int timeout,
					const char **error_r);
void smtp_client_free(struct smtp_client **c);

/* Sends bytes as they are. 0 or -1. */
int smtp_client_send(struct smtp_client *c, const void *data, size_t len, const char **error_r);
/* Sends one command line (CRLF added). 0 or -1. */
int smtp_client_command(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads one reply, every line of it: 0 with *reply_r (the code, the
 * enhanced code of the first line if any, the text of the first line),
 * -1 with *error_r when the connection broke, timed out or sent no
 * reply (malformed, or more than the bounds allow). */
int smtp_client_reply(struct smtp_client *c, struct smtp_reply *reply_r, const char **error_r);
/* The lines of the last reply without code and separator ("SIZE
 * 1000"): count, and line i (owned by c until the next reply). */
size_t smtp_client_reply_lines(const struct smtp_client *c);
const char *smtp_client_reply_line(const struct smtp_client *c, size_t i);

/* Starts TLS (after a 220 to STARTTLS) with host as SNI; with verify,
 * the certificate must be valid for host. 0 or -1. */
int smtp_client_starttls(struct smtp_client *c, SSL_CTX *ctx, const char *host, bool verify,
			 const char **error_r);
bool smtp_client_is_tls(const struct smtp_client *c);

#endif
