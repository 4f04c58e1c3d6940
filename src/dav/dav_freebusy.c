/* free-busy-query (RFC 4791 §7.10): a VFREEBUSY of the busy time in a
 * range, from the instances of the events that are opaque and not
 * cancelled; tentative ones as BUSY-TENTATIVE. */
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/xalloc.h"
#include "dav/dav_cal.h"
#include "jmap/jscalendar.h"

struct dav_busy {
	int64_t start;
	int64_t end;
	bool tentative;
};

struct dav_fb {
	int64_t start, end;
	struct dav_busy *list;
	size_t count;
};

static void dav_fb_instance(icalcomponent *comp, int64_t start, int64_t end, int64_t recurid,
			    bool recurring, void *data)
{
	struct dav_fb *fb = data;
	icalproperty *transp = icalcomponent_get_first_property(comp, ICAL_TRANSP_PROPERTY);
	icalproperty *status = icalcomponent_get_first_property(comp, ICAL_STATUS_PROPERTY);
	enum icalproperty_status st = status != NULL ? icalproperty_get_status(status) :
		ICAL_STATUS_NONE;

	if (icalcomponent_isa(comp) != ICAL_VEVENT_COMPONENT || end <= start ||
	    st == ICAL_STATUS_CANCELLED ||
	    (transp != NULL && icalproperty_get_transp(transp) == ICAL_TRANSP_TRANSPARENT))
		return;
	fb->list = xrealloc(fb->list, (fb->count + 1) * sizeof(*fb->list));
	fb->list[fb->count++] = (struct dav_busy) {
		.start = start < fb->start ? fb->start : start,
		.end = end > fb->end ? fb->end : end,
		.tentative = st == ICAL_STATUS_TENTATIVE,
	};
}

static int dav_fb_compare(const void *a, const void *b)
{
	const struct dav_busy *x = a, *y = b;

	if (x->tentative != y->tentative)
		return x->tentative ? 1 : -1;
	return (x->start > y->start) - (x->start < y->start);
}

static void dav_fb_time(struct strbuf *b, int64_t t)
{
	struct icaltimetype it = icaltime_from_timet_with_zone((time_t)t, 0,
		icaltimezone_get_utc_timezone());

	strbuf_puts(b, icaltime_as_ical_string(it));
}

/* Sorted, then merged where periods of one kind touch. */
static void dav_fb_write_periods(struct dav_fb *fb, struct strbuf *b)
{
	qsort(fb->list, fb->count, sizeof(*fb->list), dav_fb_compare);
	for (size_t i = 0; i < fb->count;) {
		struct dav_busy cur = fb->list[i++];

		while (i < fb->count && fb->list[i].tentative == cur.tentative &&
		       fb->list[i].start <= cur.end) {
			if (fb->list[i].end > cur.end)
				cur.end = fb->list[i].end;
			i++;
		}
		strbuf_printf(b, "FREEBUSY;FBTYPE=%s:", cur.tentative ? "BUSY-TENTATIVE" : "BUSY");
		dav_fb_time(b, cur.start);
		strbuf_putc(b, '/');
		dav_fb_time(b, cur.end);
		strbuf_puts(b, "\r\n");
	}
}

static void dav_fb_answer(struct dav_ctx *ctx, struct dav_fb *fb)
{
	struct strbuf b = { 0 };
	char *uid = rand_token(16);

	strbuf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tern//CalDAV//EN\r\n"
		    "BEGIN:VFREEBUSY\r\n");
	strbuf_printf(&b, "UID:%s\r\nDTSTAMP:", uid);
	dav_fb_time(&b, (int64_t)time(NULL));
	strbuf_puts(&b, "\r\nDTSTART:");
	dav_fb_time(&b, fb->start);
	strbuf_puts(&b, "\r\nDTEND:");
	dav_fb_time(&b, fb->end);
	strbuf_puts(&b, "\r\n");
	dav_fb_write_periods(fb, &b);
	strbuf_puts(&b, "END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
	free(uid);
	dav_set_body(ctx, &b, "text/calendar; charset=utf-8");
	dav_respond(ctx, 200);
}

void dav_report_free_busy(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	xmlNode *tr = dav_xml_child(root, DAV_NS_CALDAV, "time-range");
	struct dav_fb fb = { 0 };
	json_object *members;
	size_t n;

	if (tr == NULL || dav_cal_time_range(tr, &fb.start, &fb.end) < 0 ||
	    fb.start == INT64_MIN || fb.end == INT64_MAX) {
		dav_respond_text(ctx, 400, "free-busy-query needs a time-range with start and end");
		return;
	}
	if ((members = dav_report_candidates(ctx, res)) == NULL)
		return;
	n = json_object_array_length(members);
	for (size_t i = 0; i < n; i++) {
		json_object *data = json_object_object_get(json_object_array_get_idx(members, i),
							   "davData");
		icalcomponent *cal;
		const char *error;

		if (data == NULL || jscalendar_ical_parse(json_object_get_string(data),
				(size_t)json_object_get_string_len(data), &cal, &error) != 0)
			continue;
		dav_cal_instances(cal, fb.start, fb.end, dav_fb_instance, &fb);
		icalcomponent_free(cal);
	}
	json_object_put(members);
	dav_fb_answer(ctx, &fb);
	free(fb.list);
}
