#ifndef TERN_DAV_CAL_H
#define TERN_DAV_CAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>

#include "dav/dav_private.h"

/* What the CalDAV files share over libical: times in UTC, the instances
 * of a resource (dav_calinst.c), filters (dav_calfilter.c). */

/* Instances visited at most per resource and request. */
#define DAV_CAL_MAX_INSTANCES 20000

/* The children of parent, or its properties of kind, as an array
 * (caller frees): libical's iterators live in the component, so a walk
 * that calls out must not hold one. */
size_t dav_cal_components(icalcomponent *parent, icalcomponent ***list_r);
size_t dav_cal_properties(icalcomponent *comp, icalproperty_kind kind, icalproperty ***list_r);

/* t (with the TZID of its property, or NULL) as unix seconds UTC;
 * floating times count as UTC. */
int64_t dav_cal_utc(icalcomponent *cal, struct icaltimetype t, const char *tzid);
int64_t dav_cal_prop_utc(icalcomponent *cal, icalproperty *prop);
/* RFC 4791 §9.9: [start, end) overlaps the range; an instance without
 * duration does when it starts in it. */
bool dav_cal_overlaps(int64_t start, int64_t end, int64_t range_start, int64_t range_end);
/* The first instance of comp: false when it has no date at all. */
bool dav_cal_span(icalcomponent *cal, icalcomponent *comp, int64_t *start_r, int64_t *end_r);

/* One instance: the component holding it (the master or an override),
 * its start and end, and its recurrence id (its start when it does not
 * recur). */
typedef void dav_instance_fn(icalcomponent *comp, int64_t start, int64_t end, int64_t recurid,
			     bool recurring, void *data);
/* Calls fn for each instance in [start, end) of the VEVENTs, VTODOs and
 * VJOURNALs of cal (a task with no date at all counts as one in every
 * range). Returns how many, at most DAV_CAL_MAX_INSTANCES. */
size_t dav_cal_instances(icalcomponent *cal, int64_t start, int64_t end, dav_instance_fn *fn,
			 void *data);

/* A time-range element: 0 with its bounds (open ends as INT64_MIN and
 * INT64_MAX), -1 when malformed. */
int dav_cal_time_range(xmlNode *node, int64_t *start_r, int64_t *end_r);

/* calendar-query's filter (dav_calfilter.c): 0, or -1 after answering
 * 403 with valid-filter, supported-filter or supported-collation. */
int dav_cal_filter_check(struct dav_ctx *ctx, xmlNode *filter);
/* Whether the resource cal passes filter. */
bool dav_cal_filter_eval(xmlNode *filter, icalcomponent *cal);

/* The calendar-data property, as a REPORT's calendar-data element asks
 * (expand, limit-recurrence-set) or whole (dav_caldata.c). */
int dav_prop_calendar_data(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);

#endif
