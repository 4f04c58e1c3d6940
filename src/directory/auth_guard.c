/* The brute-force guard: authentication failures counted per client IP
 * in a sliding window; past the threshold the IP is banned for a while,
 * in memory and in the store (so that a restart does not lift it).
 *
 * The window is cut into at most AUTH_GUARD_SLOTS slots, each counting
 * the failures of one slot-length period: memory per IP stays constant
 * whatever the threshold, and the window slides one slot at a time.
 * At most AUTH_GUARD_MAX_IPS addresses are tracked; the least recently
 * seen is dropped first (its ban, if any, is still in the store). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/ipnet.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "directory/directory_private.h"

#define AUTH_GUARD_SLOTS 10
#define AUTH_GUARD_MAX_IPS 8192
#define AUTH_GUARD_BUCKETS 8192
#define AUTH_GUARD_IP_MAX IPNET_ADDR_TEXT_MAX

struct auth_guard_ip {
	char ip[AUTH_GUARD_IP_MAX];
	uint32_t slot_count[AUTH_GUARD_SLOTS];
	int64_t slot_period[AUTH_GUARD_SLOTS];
	time_t banned_until;
	bool ban_known;		/* the store's ban was read or written */
	struct auth_guard_ip *hash_next;
	struct auth_guard_ip *older, *newer;
};

struct auth_guard {
	struct store *store;
	int64_t failures_max;	/* <= 0: never ban */
	int64_t slot_seconds;
	int64_t window_slots;	/* slots that make up the window */
	int64_t duration;
	struct ipnet_list *exempt;
	pthread_mutex_t lock;
	uint32_t hash_seed;
	size_t count;
	struct auth_guard_ip *buckets[AUTH_GUARD_BUCKETS];
	struct auth_guard_ip *oldest, *newest;
};

struct auth_guard *auth_guard_new(struct store *store, const struct config *cfg,
				  const char **error_r)
{
	struct auth_guard *guard = xcalloc(1, sizeof(*guard));
	int64_t window = config_duration(cfg, "security.auth-ban.window", 600);

	guard->store = store;
	guard->failures_max = config_int(cfg, "security.auth-ban.failures", 25);
	guard->duration = config_duration(cfg, "security.auth-ban.duration", 3600);
	if (window <= 0)
		window = 600;
	if (guard->duration <= 0)
		guard->duration = 3600;
	guard->slot_seconds = (window + AUTH_GUARD_SLOTS - 1) / AUTH_GUARD_SLOTS;
	guard->window_slots = (window + guard->slot_seconds - 1) / guard->slot_seconds;
	pthread_mutex_init(&guard->lock, NULL);
	rand_bytes(&guard->hash_seed, sizeof(guard->hash_seed));
	if (ipnet_list_from_config(cfg, "security.auth-ban.exempt", NULL, &guard->exempt,
				   error_r) < 0) {
		auth_guard_free(&guard);
		return NULL;
	}
	return guard;
}

static void auth_guard_unlink(struct auth_guard *guard, struct auth_guard_ip *rec);

void auth_guard_free(struct auth_guard **guardp)
{
	struct auth_guard *guard = *guardp;

	if (guard == NULL)
		return;
	while (guard->oldest != NULL) {
		struct auth_guard_ip *rec = guard->oldest;
		auth_guard_unlink(guard, rec);
		free(rec);
	}
	pthread_mutex_destroy(&guard->lock);
	ipnet_list_free(&guard->exempt);
	free(guard);
	*guardp = NULL;
}

/* The canonical text of ip in key_r; false if ip is exempt or unusable. */
static bool auth_guard_key(const struct auth_guard *guard, const char *ip,
			   char key_r[AUTH_GUARD_IP_MAX])
{
	struct ipnet_addr addr;

	if (ip == NULL || ipnet_addr_parse(ip, &addr) < 0 ||
	    ipnet_list_match(guard->exempt, &addr))
		return false;
	ipnet_addr_format(&addr, key_r);
	return key_r[0] != '\0';
}

static size_t auth_guard_hash(const struct auth_guard *guard, const char *key)
{
	uint32_t h = 2166136261u ^ guard->hash_seed;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h % AUTH_GUARD_BUCKETS;
}

static void auth_guard_unlink(struct auth_guard *guard, struct auth_guard_ip *rec)
{
	for (struct auth_guard_ip **pp = &guard->buckets[auth_guard_hash(guard, rec->ip)];
	     *pp != NULL; pp = &(*pp)->hash_next) {
		if (*pp == rec) {
			*pp = rec->hash_next;
			break;
		}
	}
	if (rec->older != NULL)
		rec->older->newer = rec->newer;
	else
		guard->oldest = rec->newer;
	if (rec->newer != NULL)
		rec->newer->older = rec->older;
	else
		guard->newest = rec->older;
	rec->older = rec->newer = NULL;
	guard->count--;
}

static void auth_guard_link_newest(struct auth_guard *guard, struct auth_guard_ip *rec)
{
	size_t b = auth_guard_hash(guard, rec->ip);

	rec->hash_next = guard->buckets[b];
	guard->buckets[b] = rec;
	rec->older = guard->newest;
	rec->newer = NULL;
	if (guard->newest != NULL)
		guard->newest->newer = rec;
	else
		guard->oldest = rec;
	guard->newest = rec;
	guard->count++;
}

/* The record of key, moved to the newest end; created if create. */
static struct auth_guard_ip *auth_guard_lookup(struct auth_guard *guard, const char *key,
					       bool create)
{
	struct auth_guard_ip *rec;

	for (rec = guard->buckets[auth_guard_hash(guard, key)]; rec != NULL; rec = rec->hash_next) {
		if (strcmp(rec->ip, key) == 0)
			break;
	}
	if (rec != NULL) {
		auth_guard_unlink(guard, rec);
	} else {
		if (!create)
			return NULL;
		if (guard->count >= AUTH_GUARD_MAX_IPS) {
			struct auth_guard_ip *old = guard->oldest;
			auth_guard_unlink(guard, old);
			free(old);
		}
		rec = xcalloc(1, sizeof(*rec));
		memcpy(rec->ip, key, sizeof(rec->ip));
	}
	auth_guard_link_newest(guard, rec);
	return rec;
}

/* 1 banned, 0 not, -1 the record does not know the store's ban yet. */
static int auth_guard_banned_memory(struct auth_guard *guard, const char *key, time_t now)
{
	int ret = -1;

	pthread_mutex_lock(&guard->lock);
	struct auth_guard_ip *rec = auth_guard_lookup(guard, key, false);
	if (rec != NULL && rec->banned_until > now)
		ret = 1;
	else if (rec != NULL && rec->ban_known)
		ret = 0;
	pthread_mutex_unlock(&guard->lock);
	return ret;
}

int auth_guard_banned(struct auth_guard *guard, const char *ip)
{
	char key[AUTH_GUARD_IP_MAX];
	time_t now = time(NULL), until = 0;

	if (!auth_guard_key(guard, ip, key))
		return 0;
	int ret = auth_guard_banned_memory(guard, key, now);
	if (ret >= 0)
		return ret;
	ret = store_ban_get(guard->store, key, now, &until);
	if (ret < 0) {
		log_error("auth.ban", "ip=%s error=%s", log_q(key), log_q("cannot read the ban"));
		return 0;
	}
	pthread_mutex_lock(&guard->lock);
	struct auth_guard_ip *rec = auth_guard_lookup(guard, key, true);
	rec->ban_known = true;
	if (ret > 0 && until > rec->banned_until)
		rec->banned_until = until;
	ret = rec->banned_until > now ? 1 : 0;
	pthread_mutex_unlock(&guard->lock);
	return ret;
}

/* Adds one failure at now and returns the failures inside the window. */
static uint32_t auth_guard_count(struct auth_guard *guard, struct auth_guard_ip *rec, time_t now)
{
	int64_t period = (int64_t)now / guard->slot_seconds;
	size_t slot = (size_t)(period % AUTH_GUARD_SLOTS);
	uint32_t total = 0;

	if (rec->slot_period[slot] != period) {
		rec->slot_period[slot] = period;
		rec->slot_count[slot] = 0;
	}
	rec->slot_count[slot]++;
	for (size_t i = 0; i < AUTH_GUARD_SLOTS; i++) {
		if (period - rec->slot_period[i] < guard->window_slots)
			total += rec->slot_count[i];
	}
	return total;
}

static void auth_guard_ban(struct auth_guard *guard, const char *key, uint32_t failures,
			   time_t until)
{
	char until_text[21];
	const char *error;

	time_format_utc(until, until_text);
	if (store_ban_set(guard->store, key, until, &error) < 0)
		log_error("auth.ban", "ip=%s error=%s", log_q(key), log_q(error));
	log_warn("auth.ban", "ip=%s failures=%u until=%s", log_q(key), failures, until_text);
}

void auth_guard_failure(struct auth_guard *guard, const char *ip)
{
	char key[AUTH_GUARD_IP_MAX];
	time_t now = time(NULL), until = 0;
	uint32_t failures = 0;

	if (guard->failures_max <= 0 || !auth_guard_key(guard, ip, key))
		return;
	pthread_mutex_lock(&guard->lock);
	struct auth_guard_ip *rec = auth_guard_lookup(guard, key, true);
	if (rec->banned_until <= now) {
		failures = auth_guard_count(guard, rec, now);
		if (failures >= guard->failures_max) {
			until = now + guard->duration;
			rec->banned_until = until;
			rec->ban_known = true;
			memset(rec->slot_count, 0, sizeof(rec->slot_count));
		}
	}
	pthread_mutex_unlock(&guard->lock);
	if (until != 0)
		auth_guard_ban(guard, key, failures, until);
}
