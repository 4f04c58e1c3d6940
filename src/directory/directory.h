#ifndef TERN_DIRECTORY_H
#define TERN_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

/* The directory: principals, addresses, passwords, roles, the
 * authentication cache and the brute-force guard, over store.h.
 *
 * Return conventions follow store.h. Thread-safe. */

struct config;
struct directory;

enum directory_auth_result {
	DIRECTORY_AUTH_OK = 0,
	DIRECTORY_AUTH_FAILED,		/* unknown user or wrong password */
	DIRECTORY_AUTH_BANNED,		/* the client IP is blocked */
	DIRECTORY_AUTH_INTERNAL,	/* store failure */
};

/* What a successful authentication yields. */
struct directory_identity {
	uint32_t principal_id;	/* 0 for the fallback admin */
	uint32_t account_id;	/* == principal_id for individuals */
	char name[256];
	bool is_admin;
};

/* Reads security.auth-ban.*, authentication.cache.ttl and
 * authentication.fallback-admin.* from cfg. The fallback admin's secret
 * may be a crypt(3) hash or plaintext (hashed at start). When the config
 * names no fallback admin, one named "admin" is kept in the store's
 * settings: on first start a random password is generated, its hash
 * stored, and the password handed back once through
 * *generated_password_r (caller frees; NULL on every later start). */
int directory_open(struct store *store, const struct config *cfg,
		   struct directory **dir_r, char **generated_password_r,
		   const char **error_r);
void directory_close(struct directory **dir);

/* Verifies name (a principal name or one of its addresses) and password
 * for a client at ip (textual IPv4/IPv6). Counts failures per IP and
 * bans the IP past the configured threshold; a banned IP is refused
 * even with correct credentials. Successful verifications are cached
 * (keyed by an HMAC of the credentials under a per-process key) so that
 * repeated Basic auth does not pay for yescrypt every time. */
enum directory_auth_result directory_authenticate(struct directory *dir, const char *name,
						  const char *password, const char *ip,
						  struct directory_identity *id_r);
/* 1 if ip is banned now. */
int directory_ip_banned(struct directory *dir, const char *ip);

/* ---- passwords ---- */

/* A new yescrypt hash of password; caller frees. NULL on failure. */
char *directory_password_hash(const char *password);
/* 1 if password matches hash (yescrypt, bcrypt $2b$/$2y$/$2a$,
 * sha512-crypt $6$, sha256-crypt $5$), 0 if not or unsupported. */
int directory_password_verify(const char *password, const char *hash);
/* true if s looks like a crypt(3) hash we can verify. */
bool directory_password_is_hash(const char *s);

/* ---- principals ---- */

/* Validates and creates p. Secrets in p->secrets may be plaintext or
 * hashes; plaintext ones are hashed. Names and addresses are
 * lowercased; every address must be in an existing domain principal;
 * role defaults to "user". On failure *error_r says why and *status_r
 * is an HTTP-like status (400 invalid, 404 unknown domain, 409 exists,
 * 500). */
int directory_principal_create(struct directory *dir, struct store_principal *p,
			       int *status_r, const char **error_r);
/* Applies an update (same validation); drops cached authentications of
 * the principal when its secrets change. */
int directory_principal_update(struct directory *dir, struct store_principal *p,
			       int *status_r, const char **error_r);
/* Deletes the principal and its account data; refuses to delete a domain
 * that still has addresses (409). */
int directory_principal_delete(struct directory *dir, const char *name, int *status_r,
			       const char **error_r);

struct store *directory_store(struct directory *dir);

#endif
