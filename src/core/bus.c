/* The event bus. Subscribers live in a list guarded by one mutex.
 * Callbacks run with the mutex released, so a slow callback holds up
 * nobody but its own publisher; each subscription counts the callbacks
 * running on it, and bus_unsubscribe() first hides the subscription,
 * then waits for that count to reach zero before unlinking it. A node
 * with a running callback is therefore never unlinked, which is what
 * lets a publisher continue from it after relocking. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/bus.h"
#include "core/xalloc.h"

struct bus_subscription {
	struct bus_subscription *prev, *next;
	uint32_t account_id;
	bus_callback_t *cb;
	void *context;
	unsigned int running;
	bool dead;
};

static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bus_idle = PTHREAD_COND_INITIALIZER;
static struct bus_subscription *bus_head, *bus_tail;

struct bus_subscription *bus_subscribe(uint32_t account_id, bus_callback_t *cb, void *context)
{
	struct bus_subscription *sub = xcalloc(1, sizeof(*sub));

	sub->account_id = account_id;
	sub->cb = cb;
	sub->context = context;
	pthread_mutex_lock(&bus_lock);
	sub->prev = bus_tail;
	if (bus_tail != NULL)
		bus_tail->next = sub;
	else
		bus_head = sub;
	bus_tail = sub;
	pthread_mutex_unlock(&bus_lock);
	return sub;
}

static void bus_unlink(struct bus_subscription *sub)
{
	if (sub->prev != NULL)
		sub->prev->next = sub->next;
	else
		bus_head = sub->next;
	if (sub->next != NULL)
		sub->next->prev = sub->prev;
	else
		bus_tail = sub->prev;
}

void bus_unsubscribe(struct bus_subscription **subp)
{
	struct bus_subscription *sub = *subp;

	if (sub == NULL)
		return;
	*subp = NULL;
	pthread_mutex_lock(&bus_lock);
	sub->dead = true;
	while (sub->running > 0)
		pthread_cond_wait(&bus_idle, &bus_lock);
	bus_unlink(sub);
	pthread_mutex_unlock(&bus_lock);
	free(sub);
}

static bool bus_matches(const struct bus_subscription *sub, const struct bus_event *event)
{
	return !sub->dead && (sub->account_id == 0 || sub->account_id == event->account_id);
}

void bus_publish(const struct bus_event *event)
{
	struct bus_subscription *sub;

	pthread_mutex_lock(&bus_lock);
	for (sub = bus_head; sub != NULL; sub = sub->next) {
		if (!bus_matches(sub, event))
			continue;
		sub->running++;
		pthread_mutex_unlock(&bus_lock);
		sub->cb(event, sub->context);
		pthread_mutex_lock(&bus_lock);
		if (--sub->running == 0 && sub->dead)
			pthread_cond_broadcast(&bus_idle);
	}
	pthread_mutex_unlock(&bus_lock);
}
