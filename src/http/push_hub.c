/* The push hub: every push client by account, the limits on their
 * number, the one bus subscription that feeds them, and the one timer
 * thread that wakes them at their deadlines (EventSource pings). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/bus.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/push_private.h"

#define PUSH_HUB_BUCKETS 256
/* The timer looks at the deadlines at most this often: it bounds the
 * work of many clients whose deadlines fall apart. */
#define PUSH_HUB_TICK_MS 100
/* How long the timer sleeps when no client has a deadline. */
#define PUSH_HUB_IDLE_MS 3600000

struct push_hub {
	pthread_mutex_t lock;
	pthread_cond_t timer_cond;
	pthread_t timer;
	bool timer_started;
	bool stopping;
	/* when the timer will look next */
	int64_t timer_next_ms;
	unsigned int max_total, max_per_user;
	unsigned int count;
	struct push_client *buckets[PUSH_HUB_BUCKETS];
	struct bus_subscription *sub;
};

static struct push_client **push_hub_bucket(struct push_hub *hub, uint32_t account_id)
{
	return &hub->buckets[account_id % PUSH_HUB_BUCKETS];
}

static void push_hub_bus(const struct bus_event *event, void *context)
{
	struct push_hub *hub = context;

	pthread_mutex_lock(&hub->lock);
	for (struct push_client *c = *push_hub_bucket(hub, event->account_id); c != NULL;
	     c = c->next) {
		if (c->account_id != event->account_id || (c->types & event->types) == 0)
			continue;
		c->pending |= c->types & event->types;
		c->wake(c);
	}
	pthread_mutex_unlock(&hub->lock);
}

/* Wakes the clients whose deadline passed; returns the next deadline. */
static int64_t push_hub_expire(struct push_hub *hub, int64_t now)
{
	int64_t next = now + PUSH_HUB_IDLE_MS;

	for (size_t i = 0; i < PUSH_HUB_BUCKETS; i++) {
		for (struct push_client *c = hub->buckets[i]; c != NULL; c = c->next) {
			if (c->deadline_ms == 0)
				continue;
			if (c->deadline_ms <= now) {
				c->deadline_ms = 0;
				c->wake(c);
			} else if (c->deadline_ms < next) {
				next = c->deadline_ms;
			}
		}
	}
	return next;
}

static void push_hub_sleep_until(struct push_hub *hub, int64_t until_ms)
{
	int64_t wait_ms = until_ms - time_mono_ms();
	struct timespec ts;

	if (wait_ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&hub->timer_cond, &hub->lock, &ts);
}

static void *push_hub_timer_main(void *context)
{
	struct push_hub *hub = context;

	pthread_mutex_lock(&hub->lock);
	while (!hub->stopping) {
		int64_t now = time_mono_ms(), next = push_hub_expire(hub, now);

		if (next < now + PUSH_HUB_TICK_MS)
			next = now + PUSH_HUB_TICK_MS;
		hub->timer_next_ms = next;
		push_hub_sleep_until(hub, next);
	}
	pthread_mutex_unlock(&hub->lock);
	return NULL;
}

struct push_hub *push_hub_new(unsigned int max_total, unsigned int max_per_user)
{
	struct push_hub *hub = xcalloc(1, sizeof(*hub));
	pthread_condattr_t attr;

	pthread_mutex_init(&hub->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&hub->timer_cond, &attr);
	pthread_condattr_destroy(&attr);
	hub->max_total = max_total;
	hub->max_per_user = max_per_user;
	hub->timer_next_ms = time_mono_ms() + PUSH_HUB_IDLE_MS;
	if (pthread_create(&hub->timer, NULL, push_hub_timer_main, hub) == 0)
		hub->timer_started = true;
	else
		log_error("push.timer", "error=%s", log_q("cannot start the push timer thread"));
	hub->sub = bus_subscribe(0, push_hub_bus, hub);
	return hub;
}

void push_hub_stop(struct push_hub *hub)
{
	pthread_mutex_lock(&hub->lock);
	hub->stopping = true;
	for (size_t i = 0; i < PUSH_HUB_BUCKETS; i++) {
		for (struct push_client *c = hub->buckets[i]; c != NULL; c = c->next)
			c->wake(c);
	}
	pthread_cond_signal(&hub->timer_cond);
	pthread_mutex_unlock(&hub->lock);
}

void push_hub_free(struct push_hub **_hub)
{
	struct push_hub *hub = *_hub;

	if (hub == NULL)
		return;
	*_hub = NULL;
	bus_unsubscribe(&hub->sub);
	pthread_mutex_lock(&hub->lock);
	hub->stopping = true;
	pthread_cond_signal(&hub->timer_cond);
	pthread_mutex_unlock(&hub->lock);
	if (hub->timer_started)
		pthread_join(hub->timer, NULL);
	if (hub->count != 0)
		log_error("push.hub", "error=%s clients=%u", log_q("clients left at free"),
			  hub->count);
	pthread_cond_destroy(&hub->timer_cond);
	pthread_mutex_destroy(&hub->lock);
	free(hub);
}

static unsigned int push_hub_user_count(struct push_hub *hub, uint32_t account_id)
{
	unsigned int n = 0;

	for (struct push_client *c = *push_hub_bucket(hub, account_id); c != NULL; c = c->next)
		n += c->account_id == account_id;
	return n;
}

/* A client that left while its connection slept may still hold a place:
 * the user's clients are woken, which has each look whether its client
 * is still there, so that a retry finds the places of those gone. */
static void push_hub_probe_user(struct push_hub *hub, uint32_t account_id)
{
	for (struct push_client *c = *push_hub_bucket(hub, account_id); c != NULL; c = c->next) {
		if (c->account_id == account_id)
			c->wake(c);
	}
}

static const char *push_hub_refusal(struct push_hub *hub, uint32_t account_id)
{
	if (hub->stopping)
		return "the server is shutting down";
	if (hub->count >= hub->max_total)
		return "too many push connections on this server";
	if (push_hub_user_count(hub, account_id) >= hub->max_per_user) {
		push_hub_probe_user(hub, account_id);
		return "too many push connections for this user";
	}
	return NULL;
}

bool push_hub_has_room(struct push_hub *hub, uint32_t account_id)
{
	bool room;

	pthread_mutex_lock(&hub->lock);
	room = push_hub_refusal(hub, account_id) == NULL;
	pthread_mutex_unlock(&hub->lock);
	return room;
}

int push_hub_attach(struct push_hub *hub, struct push_client *client, const char **error_r)
{
	struct push_client **bucket;

	pthread_mutex_lock(&hub->lock);
	if ((*error_r = push_hub_refusal(hub, client->account_id)) != NULL) {
		pthread_mutex_unlock(&hub->lock);
		return -1;
	}
	bucket = push_hub_bucket(hub, client->account_id);
	client->prev = NULL;
	client->next = *bucket;
	if (*bucket != NULL)
		(*bucket)->prev = client;
	*bucket = client;
	hub->count++;
	pthread_mutex_unlock(&hub->lock);
	return 0;
}

void push_hub_detach(struct push_hub *hub, struct push_client *client)
{
	pthread_mutex_lock(&hub->lock);
	if (client->prev != NULL)
		client->prev->next = client->next;
	else
		*push_hub_bucket(hub, client->account_id) = client->next;
	if (client->next != NULL)
		client->next->prev = client->prev;
	client->prev = client->next = NULL;
	hub->count--;
	pthread_mutex_unlock(&hub->lock);
}

void push_hub_lock(struct push_hub *hub)
{
	pthread_mutex_lock(&hub->lock);
}

void push_hub_unlock(struct push_hub *hub)
{
	pthread_mutex_unlock(&hub->lock);
}

bool push_hub_stopping(const struct push_hub *hub)
{
	return hub->stopping;
}

uint64_t push_hub_take(struct push_client *client)
{
	uint64_t pending = client->pending & client->types;

	client->pending = 0;
	return pending;
}

void push_hub_set_types(struct push_client *client, uint64_t types)
{
	client->types = types;
	client->pending &= types;
}

void push_hub_set_deadline(struct push_hub *hub, struct push_client *client,
			   int64_t deadline_ms)
{
	client->deadline_ms = deadline_ms;
	if (deadline_ms != 0 && deadline_ms < hub->timer_next_ms)
		pthread_cond_signal(&hub->timer_cond);
}
