#ifndef TERN_STORE_CALENDARS_PRIVATE_H
#define TERN_STORE_CALENDARS_PRIVATE_H

/* Shared by store_calendars.c and store_calendars_event.c only. */

#include "store/store_calendars.h"
#include "store/store_private.h"

/* Tombstones every event of calendar id (each its own modseq). */
int store_calendar_events_destroy_in(struct store_account *acct, uint64_t calendar_id,
				     const char **error_r);

#endif
