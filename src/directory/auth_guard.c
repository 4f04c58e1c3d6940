/* The brute-force guard: authentication failures counted per client IP
 * in a sliding window; past the threshold the IP is banned for a while,
 * in memory and in the store (so that a restart does not lift it).
 *
 * The window is cut into at most AUTH_GUARD_SLOTS slots, each counting
 * the failures of one slot-length period: memory per IP stays constant
 * whatever the threshold, and the window slides one slot at a time.
 * At most AUTH_GUARD_MAX_IPS addresses are tracked; the least recently
 * seen is dropped first (its ban, if any, is still in the store). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "directory/directory_private.h"

#define AUTH_GUARD_SLOTS 10
#define AUTH_GUARD_MAX_IPS 8192
#define AUTH_GUARD_BUCKETS 8192
#define AUTH_GUARD_EXEMPT_MAX 256
#define AUTH_GUARD_IP_MAX 64

struct auth_guard_net {
	int family;
	uint8_t addr[16];
	unsigned prefix;
};

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
	struct auth_guard_net *exempt;
	size_t exempt_count;
	pthread_mutex_t lock;
	uint32_t hash_seed;
	size_t count;
	struct auth_guard_ip *buckets[AUTH_GUARD_BUCKETS];
	struct auth_guard_ip *oldest, *newest;
};

/* Parses an address into family and 16 bytes; IPv4-mapped IPv6
 * addresses become IPv4, so that both spellings count as one client. */
static int auth_guard_addr_parse(const char *s, int *family_r, uint8_t addr_r[16])
{
	memset(addr_r, 0, 16);
	if (inet_pton(AF_INET, s, addr_r) == 1) {
		*family_r = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr_r) != 1)
		return -1;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(addr_r, mapped, 12) == 0) {
		memmove(addr_r, addr_r + 12, 4);
		memset(addr_r + 4, 0, 12);
		*family_r = AF_INET;
	} else {
		*family_r = AF_INET6;
	}
	return 0;
}

static int auth_guard_net_parse(const char *s, struct auth_guard_net *net_r)
{
	char buf[AUTH_GUARD_IP_MAX];
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (auth_guard_addr_parse(buf, &net_r->family, net_r->addr) < 0)
		return -1;
	unsigned max = net_r->family == AF_INET ? 32 : 128;
	net_r->prefix = max;
	if (slash != NULL) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		unsigned long prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || prefix > max)
			return -1;
		net_r->prefix = (unsigned)prefix;
	}
	return 0;
}

static bool auth_guard_net_match(const struct auth_guard_net *net, int family,
				 const uint8_t addr[16])
{
	unsigned bytes = net->prefix / 8, bits = net->prefix % 8;

	if (net->family != family || memcmp(net->addr, addr, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (net->addr[bytes] & mask) == (addr[bytes] & mask);
}

static int auth_guard_exempt_load(struct auth_guard *guard, const struct config *cfg,
				  const char **error_r)
{
	size_t n = config_list_count(cfg, "security.auth-ban.exempt");

	if (n > AUTH_GUARD_EXEMPT_MAX) {
		*error_r = err_fmt("security.auth-ban.exempt: more than %d entries",
				   AUTH_GUARD_EXEMPT_MAX);
		return -1;
	}
	guard->exempt = xcalloc(n > 0 ? n : 1, sizeof(*guard->exempt));
	for (size_t i = 0; i < n; i++) {
		const char *s = config_list_string(cfg, "security.auth-ban.exempt", i);
		if (s == NULL || auth_guard_net_parse(s, &guard->exempt[i]) < 0) {
			*error_r = err_fmt("security.auth-ban.exempt: \"%s\" is not an IP address or CIDR",
					   s != NULL ? s : "");
			return -1;
		}
	}
	guard->exempt_count = n;
	return 0;
}

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
	if (auth_guard_exempt_load(guard, cfg, error_r) < 0) {
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
	free(guard->exempt);
	free(guard);
	*guardp = NULL;
}

/* The canonical text of ip in key_r; false if ip is exempt or unusable. */
static bool auth_guard_key(const struct auth_guard *guard, const char *ip,
			   char key_r[AUTH_GUARD_IP_MAX])
{
	uint8_t addr[16];
	int family;

	if (ip == NULL || auth_guard_addr_parse(ip, &family, addr) < 0)
		return false;
	for (size_t i = 0; i < guard->exempt_count; i++) {
		if (auth_guard_net_match(&guard->exempt[i], family, addr))
			return false;
	}
	return inet_ntop(family, addr, key_r, AUTH_GUARD_IP_MAX) != NULL;
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
