/* Per-principal in-flight counters: a small hash of the principals that
 * have something in progress, under one mutex held for a few
 * instructions. An entry goes away when both its counts reach zero, so
 * the table holds only active principals. */
#include <pthread.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/inflight.h"

#define INFLIGHT_BUCKETS 64

struct inflight_entry {
	struct inflight_entry *next;
	uint32_t principal_id;
	int64_t count[2];
};

struct jmap_inflight {
	pthread_mutex_t lock;
	struct inflight_entry *buckets[INFLIGHT_BUCKETS];
};

struct jmap_inflight *jmap_inflight_new(void)
{
	struct jmap_inflight *inflight = xcalloc(1, sizeof(*inflight));

	pthread_mutex_init(&inflight->lock, NULL);
	return inflight;
}

void jmap_inflight_free(struct jmap_inflight **inflight)
{
	if (*inflight == NULL)
		return;
	for (size_t i = 0; i < INFLIGHT_BUCKETS; i++) {
		while ((*inflight)->buckets[i] != NULL) {
			struct inflight_entry *e = (*inflight)->buckets[i];

			(*inflight)->buckets[i] = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&(*inflight)->lock);
	free(*inflight);
	*inflight = NULL;
}

static struct inflight_entry **inflight_slot(struct jmap_inflight *inflight, uint32_t principal_id)
{
	struct inflight_entry **p = &inflight->buckets[principal_id % INFLIGHT_BUCKETS];

	while (*p != NULL && (*p)->principal_id != principal_id)
		p = &(*p)->next;
	return p;
}

static void inflight_total(struct jmap_server *srv, enum jmap_inflight_kind kind, int delta)
{
	if (kind == JMAP_INFLIGHT_REQUEST)
		srv->requests_in_flight += delta;
	else
		srv->uploads_in_flight += delta;
}

bool jmap_inflight_acquire(struct jmap_server *srv, uint32_t principal_id,
			   enum jmap_inflight_kind kind, int64_t limit)
{
	struct jmap_inflight *inflight = srv->inflight;
	struct inflight_entry **slot;
	bool ok = false;

	pthread_mutex_lock(&inflight->lock);
	slot = inflight_slot(inflight, principal_id);
	if (*slot == NULL) {
		*slot = xcalloc(1, sizeof(**slot));
		(*slot)->principal_id = principal_id;
	}
	if ((*slot)->count[kind] < limit) {
		(*slot)->count[kind]++;
		inflight_total(srv, kind, 1);
		ok = true;
	} else if ((*slot)->count[0] == 0 && (*slot)->count[1] == 0) {
		struct inflight_entry *e = *slot;

		*slot = e->next;
		free(e);
	}
	pthread_mutex_unlock(&inflight->lock);
	return ok;
}

void jmap_inflight_release(struct jmap_server *srv, uint32_t principal_id,
			   enum jmap_inflight_kind kind)
{
	struct jmap_inflight *inflight = srv->inflight;
	struct inflight_entry **slot;

	pthread_mutex_lock(&inflight->lock);
	slot = inflight_slot(inflight, principal_id);
	if (*slot != NULL && (*slot)->count[kind] > 0) {
		(*slot)->count[kind]--;
		inflight_total(srv, kind, -1);
		if ((*slot)->count[0] == 0 && (*slot)->count[1] == 0) {
			struct inflight_entry *e = *slot;

			*slot = e->next;
			free(e);
		}
	}
	pthread_mutex_unlock(&inflight->lock);
}
