/* The outbound queue for the admin API: the list and "retry now"
 * (canceling is in outbound_finish.c, beside the end of an attempt). */
#include <stdlib.h>
#include <time.h>

#include "core/bus.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/outbound_private.h"

int jmap_outbound_list(struct jmap_server *srv, struct jmap_outbound_msg **list_r,
		       size_t *count_r, const char **error_r)
{
	struct store_queue_entry *entries;
	struct jmap_outbound_msg *list;
	size_t count;

	if (store_queue_list(srv->store, &entries, &count, error_r) < 0)
		return -1;
	list = xcalloc(count + 1, sizeof(*list));
	for (size_t i = 0; i < count; i++)
		outbound_msg_from_entry(&entries[i], &list[i]);
	store_queue_list_free(&entries, count);
	*list_r = list;
	*count_r = count;
	return 0;
}

int jmap_outbound_retry(struct jmap_server *srv, uint64_t id, bool *sending_r,
			const char **error_r)
{
	struct store_queue_entry e;
	int ret = store_queue_get_by_id(srv->store, id, &e);
	struct bus_event event = { .types = JMAP_OUTBOUND_BUS_TYPE };

	*sending_r = false;
	if (ret <= 0) {
		*error_r = "cannot read the queue";
		return ret;
	}
	event.account_id = e.account_id;
	store_queue_entry_clear(&e);
	ret = store_queue_retry_now(srv->store, id, (int64_t)time(NULL), sending_r, error_r);
	if (ret > 0)
		bus_publish(&event);
	return ret;
}
