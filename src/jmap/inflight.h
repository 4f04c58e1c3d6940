#ifndef TERN_JMAP_INFLIGHT_H
#define TERN_JMAP_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

/* Per-principal counters of requests and uploads in progress, for the
 * maxConcurrentRequests and maxConcurrentUpload limits (RFC 8620 §2).
 * Thread-safe. */

struct jmap_server;
struct jmap_inflight;

enum jmap_inflight_kind {
	JMAP_INFLIGHT_REQUEST = 0,
	JMAP_INFLIGHT_UPLOAD = 1,
};

struct jmap_inflight *jmap_inflight_new(void);
void jmap_inflight_free(struct jmap_inflight **inflight);

/* Takes a slot of kind for principal_id. Returns false (and takes
 * nothing) when the principal already holds limit of them. */
bool jmap_inflight_acquire(struct jmap_server *srv, uint32_t principal_id,
			   enum jmap_inflight_kind kind, int64_t limit);
/* Gives back a slot taken by jmap_inflight_acquire(). */
void jmap_inflight_release(struct jmap_server *srv, uint32_t principal_id,
			   enum jmap_inflight_kind kind);

#endif
