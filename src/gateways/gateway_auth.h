#ifndef TERN_GATEWAY_AUTH_H
#define TERN_GATEWAY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "directory/directory.h"

/* Logging in on a gateway (IMAP, POP3, SMTP AUTH): the rules every face
 * shares, so that they behave alike. */

struct net_conn;

enum gateway_auth_result {
	GATEWAY_AUTH_OK,
	GATEWAY_AUTH_FAILED,	/* wrong name or password: "authentication failed" */
	GATEWAY_AUTH_BANNED,	/* the client IP is blocked by the brute-force guard */
	GATEWAY_AUTH_REFUSED,	/* right password, but an admin principal: no mail login */
	GATEWAY_AUTH_INTERNAL,	/* store failure: tell the client to try later */
};

/* Whether a password may be sent on conn now: over TLS, from a client
 * network in authentication.secure-networks (loopback by default), or
 * when authentication.allow-plaintext is true in the configuration
 * (allow_plaintext). IMAP advertises LOGINDISABLED and POP3/SMTP hide
 * USER/AUTH PLAIN while this is false. */
bool gateway_auth_plaintext_ok(const struct net_conn *conn, bool allow_plaintext);

/* Verifies name/password through the directory (brute-force guard
 * included, the peer's IP from conn) and refuses admin principals.
 * Fills *id_r on GATEWAY_AUTH_OK. Logs the outcome. */
enum gateway_auth_result gateway_auth_login(struct directory *dir, struct net_conn *conn,
					    const char *protocol, const char *name,
					    const char *password,
					    struct directory_identity *id_r);
/* The same with the peer's address given (net_conn_peer_ip), for work
 * offloaded to a worker thread, which must not call net_conn_*(). */
enum gateway_auth_result gateway_auth_login_ip(struct directory *dir, const char *ip,
					       const char *protocol, const char *name,
					       const char *password,
					       struct directory_identity *id_r);

/* Decodes a SASL PLAIN response (RFC 4616; base64 text, "=" for empty)
 * into authcid and password. An authzid other than empty or equal to
 * authcid is refused (no proxy login). Returns 0 with caller-owned
 * strings, or -1 when malformed or a part is too long (> 1024). */
int gateway_sasl_plain_decode(const char *b64, size_t len, char **name_r, char **password_r);

#endif
