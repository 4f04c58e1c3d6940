/* One writer at a time per account, queued inside the process.
 *
 * SQLite lets a second writer find the database locked and poll for it
 * with growing sleeps (up to 100 ms each), so under a steady stream of
 * writes the lock sits free while the next writer sleeps. Writers of
 * this process wait on a mutex of the account instead and start the
 * moment the previous one ends; SQLite's own lock still orders them
 * against other processes. */

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/xalloc.h"
#include "store/store_private.h"

struct store_writer {
	struct store_writer *next;	/* store->writers, under store->mutex */
	uint32_t account_id;
	unsigned refs;			/* account handles using it */
	pthread_mutex_t mutex;		/* held for a write transaction */
	/* Held to write the full-text index, taken before mutex is given
	 * up so that the index follows the commits in their order. */
	pthread_mutex_t fts_mutex;
	/* An index write failed: the index is behind its recorded modseq
	 * until a catch-up (under both locks) repairs it. */
	atomic_bool fts_stale;
};

struct store_writer *store_writer_ref(struct store *store, uint32_t account_id)
{
	struct store_writer *w;

	pthread_mutex_lock(&store->mutex);
	for (w = store->writers; w != NULL; w = w->next) {
		if (w->account_id == account_id)
			break;
	}
	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		w->account_id = account_id;
		pthread_mutex_init(&w->mutex, NULL);
		pthread_mutex_init(&w->fts_mutex, NULL);
		atomic_init(&w->fts_stale, false);
		w->next = store->writers;
		store->writers = w;
	}
	w->refs++;
	pthread_mutex_unlock(&store->mutex);
	return w;
}

void store_writer_unref(struct store *store, struct store_writer **wp)
{
	struct store_writer *w = *wp, **link;

	if (w == NULL)
		return;
	*wp = NULL;
	pthread_mutex_lock(&store->mutex);
	if (--w->refs == 0) {
		for (link = &store->writers; *link != w; link = &(*link)->next)
			;
		*link = w->next;
		pthread_mutex_destroy(&w->mutex);
		pthread_mutex_destroy(&w->fts_mutex);
		free(w);
	}
	pthread_mutex_unlock(&store->mutex);
}

int store_writer_lock(struct store_writer *w, const char **error_r)
{
	struct timespec deadline;
	int ret;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STORE_BUSY_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (long)(STORE_BUSY_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while ((ret = pthread_mutex_timedlock(&w->mutex, &deadline)) == EINTR)
		;
	if (ret == 0)
		return 0;
	*error_r = store_fail(ret == ETIMEDOUT ? STORE_ERR_BUSY : STORE_ERR_INTERNAL, "begin write",
			      "another writer holds the account");
	return -1;
}

void store_writer_unlock(struct store_writer *w)
{
	pthread_mutex_unlock(&w->mutex);
}

void store_writer_fts_lock(struct store_writer *w)
{
	pthread_mutex_lock(&w->fts_mutex);
}

void store_writer_fts_unlock(struct store_writer *w)
{
	pthread_mutex_unlock(&w->fts_mutex);
}

void store_writer_fts_set_stale(struct store_writer *w, bool stale)
{
	atomic_store(&w->fts_stale, stale);
}

bool store_writer_fts_stale(struct store_writer *w)
{
	return atomic_load(&w->fts_stale);
}
