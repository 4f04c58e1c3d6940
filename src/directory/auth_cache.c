/* The cache of successful password verifications, so that repeated
 * Basic authentication does not pay for yescrypt every time.
 *
 * Entries are keyed by HMAC-SHA256(per-process key, name NUL password):
 * the cache never holds a password, and its keys are worthless outside
 * this process. An entry is valid only while its principal's
 * secret_version is the newest one seen, and forgetting a principal
 * drops its entries at once. The oldest entry is evicted when full. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "directory/directory_private.h"

/* The newest secret_version seen for one principal, shared by its
 * entries. */
struct auth_cache_principal {
	uint32_t id;
	uint64_t secret_version;
	unsigned refs;
	struct auth_cache_principal *next;
};

struct auth_cache_entry {
	uint8_t key[SHA256_LEN];
	struct directory_identity id;
	uint64_t secret_version;
	int64_t expires_ms;
	struct auth_cache_principal *principal;
	struct auth_cache_entry *hash_next;
	struct auth_cache_entry *older, *newer;
};

struct auth_cache {
	pthread_mutex_t lock;
	uint8_t hmac_key[SHA256_LEN];
	int64_t ttl_ms;
	size_t max_entries;
	size_t count;
	uint64_t generation;
	size_t bucket_mask;
	struct auth_cache_entry **buckets;
	struct auth_cache_principal **principals;
	struct auth_cache_entry *oldest, *newest;
};

struct auth_cache *auth_cache_new(int64_t ttl_seconds, size_t max_entries)
{
	struct auth_cache *cache = xcalloc(1, sizeof(*cache));
	size_t buckets = 16;

	pthread_mutex_init(&cache->lock, NULL);
	rand_bytes(cache->hmac_key, sizeof(cache->hmac_key));
	cache->ttl_ms = ttl_seconds > 0 ? ttl_seconds * 1000 : 0;
	cache->max_entries = max_entries > 0 ? max_entries : 1;
	while (buckets < cache->max_entries)
		buckets *= 2;
	cache->bucket_mask = buckets - 1;
	cache->buckets = xcalloc(buckets, sizeof(*cache->buckets));
	cache->principals = xcalloc(buckets, sizeof(*cache->principals));
	return cache;
}

/* The HMAC output is uniform and its key secret, so its first bytes
 * make a hash no client can steer. */
static size_t auth_cache_bucket(const struct auth_cache *cache, const uint8_t key[SHA256_LEN])
{
	uint32_t h = (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 |
		     (uint32_t)key[3] << 24;

	return h & cache->bucket_mask;
}

static struct auth_cache_principal *auth_cache_principal_ref(struct auth_cache *cache,
							     uint32_t id)
{
	struct auth_cache_principal **head = &cache->principals[id & cache->bucket_mask];

	for (struct auth_cache_principal *p = *head; p != NULL; p = p->next) {
		if (p->id == id) {
			p->refs++;
			return p;
		}
	}
	struct auth_cache_principal *p = xcalloc(1, sizeof(*p));
	p->id = id;
	p->refs = 1;
	p->next = *head;
	*head = p;
	return p;
}

static void auth_cache_principal_unref(struct auth_cache *cache, struct auth_cache_principal *p)
{
	if (--p->refs > 0)
		return;
	for (struct auth_cache_principal **pp = &cache->principals[p->id & cache->bucket_mask];
	     *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	free(p);
}

static struct auth_cache_entry *auth_cache_find(struct auth_cache *cache,
						const uint8_t key[SHA256_LEN])
{
	for (struct auth_cache_entry *e = cache->buckets[auth_cache_bucket(cache, key)];
	     e != NULL; e = e->hash_next) {
		if (mem_equal_ct(e->key, key, SHA256_LEN))
			return e;
	}
	return NULL;
}

static void auth_cache_remove(struct auth_cache *cache, struct auth_cache_entry *e)
{
	for (struct auth_cache_entry **pp = &cache->buckets[auth_cache_bucket(cache, e->key)];
	     *pp != NULL; pp = &(*pp)->hash_next) {
		if (*pp == e) {
			*pp = e->hash_next;
			break;
		}
	}
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		cache->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		cache->newest = e->older;
	auth_cache_principal_unref(cache, e->principal);
	cache->count--;
	explicit_bzero(e, sizeof(*e));
	free(e);
}

void auth_cache_free(struct auth_cache **cachep)
{
	struct auth_cache *cache = *cachep;

	if (cache == NULL)
		return;
	while (cache->oldest != NULL)
		auth_cache_remove(cache, cache->oldest);
	pthread_mutex_destroy(&cache->lock);
	explicit_bzero(cache->hmac_key, sizeof(cache->hmac_key));
	free(cache->buckets);
	free(cache->principals);
	free(cache);
	*cachep = NULL;
}

void auth_cache_key(struct auth_cache *cache, const char *name, const char *password,
		    uint8_t key_r[SHA256_LEN])
{
	size_t name_len = strlen(name), password_len = strlen(password);
	size_t len = name_len + 1 + password_len;
	char *buf = xmalloc(len);

	memcpy(buf, name, name_len);
	buf[name_len] = '\0';
	memcpy(buf + name_len + 1, password, password_len);
	hmac_sha256(cache->hmac_key, sizeof(cache->hmac_key), buf, len, key_r);
	explicit_bzero(buf, len);
	free(buf);
}

uint64_t auth_cache_generation(struct auth_cache *cache)
{
	pthread_mutex_lock(&cache->lock);
	uint64_t generation = cache->generation;
	pthread_mutex_unlock(&cache->lock);
	return generation;
}

int auth_cache_get(struct auth_cache *cache, const uint8_t key[SHA256_LEN],
		   struct directory_identity *id_r)
{
	int ret = 0;

	if (cache->ttl_ms == 0)
		return 0;
	pthread_mutex_lock(&cache->lock);
	struct auth_cache_entry *e = auth_cache_find(cache, key);
	if (e != NULL) {
		if (e->expires_ms <= time_mono_ms() ||
		    e->secret_version != e->principal->secret_version) {
			auth_cache_remove(cache, e);
		} else {
			*id_r = e->id;
			ret = 1;
		}
	}
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

static void auth_cache_insert(struct auth_cache *cache, const uint8_t key[SHA256_LEN],
			      const struct directory_identity *id, uint64_t secret_version)
{
	struct auth_cache_entry *e = auth_cache_find(cache, key);

	if (e != NULL)
		auth_cache_remove(cache, e);
	if (cache->count >= cache->max_entries)
		auth_cache_remove(cache, cache->oldest);
	e = xcalloc(1, sizeof(*e));
	memcpy(e->key, key, SHA256_LEN);
	e->id = *id;
	e->secret_version = secret_version;
	e->expires_ms = time_mono_ms() + cache->ttl_ms;
	e->principal = auth_cache_principal_ref(cache, id->principal_id);
	/* the caller read secret_version from the store just now */
	e->principal->secret_version = secret_version;
	size_t b = auth_cache_bucket(cache, key);
	e->hash_next = cache->buckets[b];
	cache->buckets[b] = e;
	e->older = cache->newest;
	if (cache->newest != NULL)
		cache->newest->newer = e;
	else
		cache->oldest = e;
	cache->newest = e;
	cache->count++;
}

void auth_cache_put(struct auth_cache *cache, const uint8_t key[SHA256_LEN],
		    const struct directory_identity *id, uint64_t secret_version,
		    uint64_t generation)
{
	if (cache->ttl_ms == 0)
		return;
	pthread_mutex_lock(&cache->lock);
	if (generation == cache->generation)
		auth_cache_insert(cache, key, id, secret_version);
	pthread_mutex_unlock(&cache->lock);
}

void auth_cache_forget_principal(struct auth_cache *cache, uint32_t principal_id)
{
	pthread_mutex_lock(&cache->lock);
	cache->generation++;
	struct auth_cache_entry *e = cache->oldest;
	while (e != NULL) {
		struct auth_cache_entry *next = e->newer;
		if (e->id.principal_id == principal_id)
			auth_cache_remove(cache, e);
		e = next;
	}
	pthread_mutex_unlock(&cache->lock);
}
