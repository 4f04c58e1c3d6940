#ifndef TERN_BUS_H
#define TERN_BUS_H

#include <stdint.h>

/* The event bus: any writer publishes "account A's objects of these
 * types changed, new modseq M"; every subscriber of that account hears
 * it (push, IMAP IDLE), on the publisher's thread. Callbacks must be
 * quick and must not call bus_subscribe/unsubscribe. */

struct bus_event {
	uint32_t account_id;
	/* bit i set: object type i changed (the JMAP layer names the bits) */
	uint64_t types;
	uint64_t modseq;
};

typedef void bus_callback_t(const struct bus_event *event, void *context);
struct bus_subscription;

/* account_id 0 subscribes to every account. Returns a handle the caller
 * owns and frees with bus_unsubscribe(); after bus_unsubscribe() returns,
 * the callback is not running and will not run again. */
struct bus_subscription *bus_subscribe(uint32_t account_id, bus_callback_t *cb, void *context);
void bus_unsubscribe(struct bus_subscription **sub);
void bus_publish(const struct bus_event *event);

#endif
