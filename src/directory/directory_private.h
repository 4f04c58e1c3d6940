#ifndef TERN_DIRECTORY_PRIVATE_H
#define TERN_DIRECTORY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "directory/directory.h"

/* Inside the directory layer only: the authentication cache, the
 * brute-force guard, name validation and the directory itself. */

struct config;

/* Bounds of what the directory accepts. */
#define DIRECTORY_NAME_MAX 255
#define DIRECTORY_DESCRIPTION_MAX 1024
#define DIRECTORY_PASSWORD_MAX 1024
#define DIRECTORY_ADDRESS_MAX 254
#define DIRECTORY_LOCALPART_MAX 64
#define DIRECTORY_SECRETS_MAX 32
#define DIRECTORY_EMAILS_MAX 1000
#define DIRECTORY_MEMBERS_MAX 1000

struct auth_cache;
struct auth_guard;

struct directory {
	struct store *store;
	struct auth_cache *cache;
	struct auth_guard *guard;
	/* the fallback admin: lowercase name and crypt(3) hash */
	char *admin_name;
	char *admin_hash;
	/* verified against when the user does not exist, so that unknown
	 * and known names cost the same time */
	char *dummy_hash;
};

/* ---- authentication cache (auth_cache.c) ---- */

/* ttl_seconds <= 0 disables caching. */
struct auth_cache *auth_cache_new(int64_t ttl_seconds, size_t max_entries);
void auth_cache_free(struct auth_cache **cache);
/* The cache key of a credential pair: HMAC-SHA256 under the cache's
 * per-process key of name NUL password. */
void auth_cache_key(struct auth_cache *cache, const char *name, const char *password,
		    uint8_t key_r[SHA256_LEN]);
/* Read before looking the principal up in the store and passed to
 * auth_cache_put(), so that a verification that raced with a secret
 * change is not cached. */
uint64_t auth_cache_generation(struct auth_cache *cache);
/* 1 and *id_r if key is cached, unexpired and its secret_version is the
 * principal's current one; 0 otherwise. */
int auth_cache_get(struct auth_cache *cache, const uint8_t key[SHA256_LEN],
		   struct directory_identity *id_r);
void auth_cache_put(struct auth_cache *cache, const uint8_t key[SHA256_LEN],
		    const struct directory_identity *id, uint64_t secret_version,
		    uint64_t generation);
/* Drops every cached authentication of the principal (its secrets,
 * name or role changed, or it was deleted). */
void auth_cache_forget_principal(struct auth_cache *cache, uint32_t principal_id);

/* ---- brute-force guard (auth_guard.c) ---- */

/* Reads security.auth-ban.*; fails on a malformed exempt entry. */
struct auth_guard *auth_guard_new(struct store *store, const struct config *cfg,
				  const char **error_r);
void auth_guard_free(struct auth_guard **guard);
/* 1 if ip is banned now, 0 if not (also for exempt or NULL ips). */
int auth_guard_banned(struct auth_guard *guard, const char *ip);
/* Counts one failure of ip; bans it (in memory and in the store) when
 * the failures in the window reach the threshold. */
void auth_guard_failure(struct auth_guard *guard, const char *ip);

/* ---- names (principal_valid.c) ---- */

/* Each returns NULL if s is acceptable, else why not. */
const char *directory_name_check(const char *name);
const char *directory_domain_check(const char *domain);
const char *directory_address_check(const char *address);
bool directory_utf8_valid(const char *s);
/* Lowercases ASCII letters in place. */
void directory_lowercase(char *s);
/* The domain part of a checked address (after the '@'). */
const char *directory_address_domain(const char *address);

/* ---- fallback admin (fallback_admin.c) ---- */

int directory_fallback_admin_init(struct directory *dir, const struct config *cfg,
				  char **generated_password_r, const char **error_r);

#endif
