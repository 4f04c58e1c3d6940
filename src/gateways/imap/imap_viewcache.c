/* The process's cache of mailbox views: the latest view of a mailbox
 * that a session loaded or brought up to date, kept so that the next
 * SELECT of it, by any session on any worker thread, copies it and asks
 * Email/imapView only for what changed since (imap_view_sync.c). The
 * cached views are never changed in place: a newer one replaces an
 * older one. Entries are keyed by the gateway instance too, so that two
 * servers in one process (tests) never share a view. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* The mailboxes of the accounts in use (a lookup scans the table, a
 * microsecond); the messages bound the memory (about 32 bytes each:
 * 1,000,000 is some 32 MB). */
#define IMAP_VIEWCACHE_ENTRIES 1024
#define IMAP_VIEWCACHE_MESSAGES 1000000

struct imap_viewcache_entry {
	const struct imap_server *srv;
	char account_id[16];
	struct imap_view *view;	/* NULL: the slot is free */
	uint64_t used;		/* the tick of the last get or put */
};

static struct {
	pthread_mutex_t lock;
	struct imap_viewcache_entry entries[IMAP_VIEWCACHE_ENTRIES];
	size_t messages;	/* in all cached views */
	uint64_t tick;
} imap_viewcache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct imap_viewcache_entry *imap_viewcache_find(const struct imap_server *srv,
							const char *account_id,
							const char *mailbox_id)
{
	for (size_t i = 0; i < IMAP_VIEWCACHE_ENTRIES; i++) {
		struct imap_viewcache_entry *e = &imap_viewcache.entries[i];

		if (e->view != NULL && e->srv == srv && strcmp(e->account_id, account_id) == 0 &&
		    strcmp(e->view->mailbox_id, mailbox_id) == 0)
			return e;
	}
	return NULL;
}

static void imap_viewcache_drop(struct imap_viewcache_entry *e)
{
	imap_viewcache.messages -= e->view->count;
	imap_view_free(&e->view);
}

/* A free slot, emptying the least recently used one if none is. */
static struct imap_viewcache_entry *imap_viewcache_slot(void)
{
	struct imap_viewcache_entry *oldest = &imap_viewcache.entries[0];

	for (size_t i = 0; i < IMAP_VIEWCACHE_ENTRIES; i++) {
		struct imap_viewcache_entry *e = &imap_viewcache.entries[i];

		if (e->view == NULL)
			return e;
		if (e->used < oldest->used)
			oldest = e;
	}
	imap_viewcache_drop(oldest);
	return oldest;
}

/* Empties the least recently used slots until count more messages fit. */
static void imap_viewcache_make_room(size_t count)
{
	while (imap_viewcache.messages + count > IMAP_VIEWCACHE_MESSAGES) {
		struct imap_viewcache_entry *oldest = NULL;

		for (size_t i = 0; i < IMAP_VIEWCACHE_ENTRIES; i++) {
			struct imap_viewcache_entry *e = &imap_viewcache.entries[i];

			if (e->view != NULL && (oldest == NULL || e->used < oldest->used))
				oldest = e;
		}
		imap_viewcache_drop(oldest);
	}
}

struct imap_view *imap_viewcache_get(const struct imap_server *srv, const char *account_id,
				     const char *mailbox_id, const char *name, bool readonly)
{
	struct imap_viewcache_entry *e;
	struct imap_view *copy = NULL;

	pthread_mutex_lock(&imap_viewcache.lock);
	if ((e = imap_viewcache_find(srv, account_id, mailbox_id)) != NULL) {
		e->used = ++imap_viewcache.tick;
		copy = imap_view_copy(e->view, name, readonly);
	}
	pthread_mutex_unlock(&imap_viewcache.lock);
	return copy;
}

void imap_viewcache_put(const struct imap_server *srv, const char *account_id,
			const struct imap_view *view)
{
	struct imap_viewcache_entry *e;

	if (view->count > IMAP_VIEWCACHE_MESSAGES || strlen(account_id) >= sizeof(e->account_id))
		return;
	pthread_mutex_lock(&imap_viewcache.lock);
	e = imap_viewcache_find(srv, account_id, view->mailbox_id);
	if (e != NULL && e->view->uid_validity == view->uid_validity &&
	    e->view->highest_modseq >= view->highest_modseq) {
		pthread_mutex_unlock(&imap_viewcache.lock);
		return;
	}
	if (e != NULL)
		imap_viewcache_drop(e);
	imap_viewcache_make_room(view->count);
	if (e == NULL)
		e = imap_viewcache_slot();
	e->srv = srv;
	strcpy(e->account_id, account_id);
	e->view = imap_view_copy(view, view->name, false);
	e->used = ++imap_viewcache.tick;
	imap_viewcache.messages += view->count;
	pthread_mutex_unlock(&imap_viewcache.lock);
}
