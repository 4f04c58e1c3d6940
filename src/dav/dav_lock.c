/* The lock table (RFC 4918 §6, §7): write locks, exclusive or shared,
 * depth 0 or infinity, held in memory with timeouts. A restart releases
 * every lock, which clients see as an expired lock. Bounded by
 * dav.lock.max-locks; timeouts by dav.lock.max-timeout. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "dav/dav_private.h"

struct dav_locks {
	pthread_mutex_t lock;
	struct dav_lock_info *list;
	size_t count;
	size_t max;
	int64_t max_timeout;
};

struct dav_locks *dav_locks_new(size_t max_locks, int64_t max_timeout)
{
	struct dav_locks *locks = xcalloc(1, sizeof(*locks));

	pthread_mutex_init(&locks->lock, NULL);
	locks->max = max_locks;
	locks->max_timeout = max_timeout;
	return locks;
}

void dav_lock_info_clear(struct dav_lock_info *info)
{
	free(info->root);
	free(info->owner);
	memset(info, 0, sizeof(*info));
}

void dav_locks_free(struct dav_locks **_locks)
{
	struct dav_locks *locks = *_locks;

	if (locks == NULL)
		return;
	*_locks = NULL;
	for (size_t i = 0; i < locks->count; i++)
		dav_lock_info_clear(&locks->list[i]);
	free(locks->list);
	pthread_mutex_destroy(&locks->lock);
	free(locks);
}

void dav_lock_list_free(struct dav_lock_info **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		dav_lock_info_clear(&(*list)[i]);
	free(*list);
	*list = NULL;
}

static void dav_lock_copy(struct dav_lock_info *dst, const struct dav_lock_info *src)
{
	*dst = *src;
	dst->root = xstrdup(src->root);
	dst->owner = src->owner != NULL ? xstrdup(src->owner) : NULL;
}

/* Under the lock: drops expired locks. */
static void dav_locks_expire(struct dav_locks *locks)
{
	int64_t now = time_mono_ms();
	size_t kept = 0;

	for (size_t i = 0; i < locks->count; i++) {
		if (locks->list[i].expires_ms <= now)
			dav_lock_info_clear(&locks->list[i]);
		else
			locks->list[kept++] = locks->list[i];
	}
	locks->count = kept;
}

static bool dav_href_under(const char *href, const char *dir)
{
	size_t len = strlen(dir);

	return len > 0 && dir[len - 1] == '/' && strncmp(href, dir, len) == 0 &&
		href[len] != '\0';
}

/* Whether l bears on href: on it, above it at depth infinity, or (with
 * members) below it. */
static bool dav_lock_covers(const struct dav_lock_info *l, const char *href, bool members)
{
	return strcmp(l->root, href) == 0 || (l->infinite && dav_href_under(href, l->root)) ||
		(members && dav_href_under(l->root, href));
}

static void dav_lock_make_token(char out[64])
{
	uint8_t b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 64, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int64_t dav_locks_clamp(const struct dav_locks *locks, int64_t timeout)
{
	return timeout < 1 || timeout > locks->max_timeout ? locks->max_timeout : timeout;
}

int dav_locks_take(struct dav_locks *locks, const char *href, uint32_t account_id,
		   bool exclusive, bool infinite, int64_t timeout, const char *owner,
		   struct dav_lock_info *info_r)
{
	struct dav_lock_info *l;
	int ret = 1;

	pthread_mutex_lock(&locks->lock);
	dav_locks_expire(locks);
	for (size_t i = 0; i < locks->count && ret > 0; i++) {
		if (dav_lock_covers(&locks->list[i], href, infinite) &&
		    (exclusive || locks->list[i].exclusive))
			ret = 0;
	}
	if (ret > 0 && locks->count >= locks->max)
		ret = -1;
	if (ret > 0) {
		locks->list = xrealloc(locks->list, (locks->count + 1) * sizeof(*locks->list));
		l = &locks->list[locks->count++];
		memset(l, 0, sizeof(*l));
		dav_lock_make_token(l->token);
		l->root = xstrdup(href);
		l->owner = owner != NULL ? xstrdup(owner) : NULL;
		l->account_id = account_id;
		l->exclusive = exclusive;
		l->infinite = infinite;
		l->timeout = dav_locks_clamp(locks, timeout);
		l->expires_ms = time_mono_ms() + l->timeout * 1000;
		dav_lock_copy(info_r, l);
	}
	pthread_mutex_unlock(&locks->lock);
	return ret;
}

int dav_locks_refresh(struct dav_locks *locks, const char *href, const char *token,
		      int64_t timeout, struct dav_lock_info *info_r)
{
	int ret = 0;

	pthread_mutex_lock(&locks->lock);
	dav_locks_expire(locks);
	for (size_t i = 0; i < locks->count && ret == 0; i++) {
		struct dav_lock_info *l = &locks->list[i];

		if (strcmp(l->token, token) != 0 || !dav_lock_covers(l, href, false))
			continue;
		l->timeout = dav_locks_clamp(locks, timeout);
		l->expires_ms = time_mono_ms() + l->timeout * 1000;
		dav_lock_copy(info_r, l);
		ret = 1;
	}
	pthread_mutex_unlock(&locks->lock);
	return ret;
}

int dav_locks_release(struct dav_locks *locks, const char *href, const char *token)
{
	int ret = 0;

	pthread_mutex_lock(&locks->lock);
	dav_locks_expire(locks);
	for (size_t i = 0; i < locks->count && ret == 0; i++) {
		if (strcmp(locks->list[i].token, token) != 0 ||
		    !dav_lock_covers(&locks->list[i], href, false))
			continue;
		dav_lock_info_clear(&locks->list[i]);
		locks->list[i] = locks->list[--locks->count];
		ret = 1;
	}
	pthread_mutex_unlock(&locks->lock);
	return ret;
}

void dav_locks_covering(struct dav_locks *locks, const char *href, bool members,
			struct dav_lock_info **list_r, size_t *count_r)
{
	*list_r = NULL;
	*count_r = 0;
	pthread_mutex_lock(&locks->lock);
	dav_locks_expire(locks);
	for (size_t i = 0; i < locks->count; i++) {
		if (!dav_lock_covers(&locks->list[i], href, members))
			continue;
		*list_r = xrealloc(*list_r, (*count_r + 1) * sizeof(**list_r));
		dav_lock_copy(&(*list_r)[(*count_r)++], &locks->list[i]);
	}
	pthread_mutex_unlock(&locks->lock);
}

void dav_locks_drop(struct dav_locks *locks, const char *href)
{
	size_t kept = 0;

	pthread_mutex_lock(&locks->lock);
	for (size_t i = 0; i < locks->count; i++) {
		struct dav_lock_info *l = &locks->list[i];

		if (strcmp(l->root, href) == 0 || dav_href_under(l->root, href))
			dav_lock_info_clear(l);
		else
			locks->list[kept++] = *l;
	}
	locks->count = kept;
	pthread_mutex_unlock(&locks->lock);
}

void dav_lock_write_active(struct strbuf *out, const struct dav_lock_info *info)
{
	int64_t left = (info->expires_ms - time_mono_ms()) / 1000;

	strbuf_puts(out, "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>");
	strbuf_puts(out, info->exclusive ? "<D:exclusive/>" : "<D:shared/>");
	strbuf_printf(out, "</D:lockscope><D:depth>%s</D:depth>",
		      info->infinite ? "infinity" : "0");
	if (info->owner != NULL)
		strbuf_puts(out, info->owner);
	strbuf_printf(out, "<D:timeout>Second-%lld</D:timeout><D:locktoken>",
		      (long long)(left > 0 ? left : 0));
	dav_xml_href(out, info->token);
	strbuf_puts(out, "</D:locktoken><D:lockroot>");
	dav_xml_href(out, info->root);
	strbuf_puts(out, "</D:lockroot></D:activelock>");
}

void dav_lock_discovery(struct dav_ctx *ctx, const char *href, struct strbuf *out)
{
	struct dav_lock_info *list;
	size_t count;

	dav_locks_covering(ctx->srv->locks, href, false, &list, &count);
	for (size_t i = 0; i < count; i++)
		dav_lock_write_active(out, &list[i]);
	dav_lock_list_free(&list, count);
}
