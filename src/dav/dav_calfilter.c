/* calendar-query's filter (RFC 4791 §9.7): comp-filter, prop-filter,
 * param-filter, is-not-defined, text-match and time-range, checked
 * whole first and then evaluated on each parsed resource. A time-range
 * on a VEVENT, VTODO or VJOURNAL looks at every instance (dav_calinst.c);
 * on a VALARM it is not narrowed (every alarm counts as in range). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "dav/dav_cal.h"

#define DAV_CAL_COLLATION "i;ascii-casemap"
#define DAV_CAL_FILTER_DEPTH 6

int dav_cal_time_range(xmlNode *node, int64_t *start_r, int64_t *end_r)
{
	char *attrs[2] = { dav_xml_attr(node, "start"), dav_xml_attr(node, "end") };
	int64_t *out[2] = { start_r, end_r };
	int ret = attrs[0] != NULL || attrs[1] != NULL ? 0 : -1;

	*start_r = INT64_MIN;
	*end_r = INT64_MAX;
	for (size_t i = 0; i < 2; i++) {
		struct icaltimetype t;

		if (attrs[i] == NULL)
			continue;
		t = icaltime_from_string(attrs[i]);
		if (icaltime_is_null_time(t) || t.is_date || !icaltime_is_utc(t))
			ret = -1;
		else
			*out[i] = (int64_t)icaltime_as_timet_with_zone(t,
				icaltimezone_get_utc_timezone());
		free(attrs[i]);
	}
	if (ret == 0 && *end_r <= *start_r)
		ret = -1;
	return ret;
}

/* ---- checking ---- */

static int dav_cal_check_node(struct dav_ctx *ctx, xmlNode *node, int depth);

static int dav_cal_refuse(struct dav_ctx *ctx, const char *precondition)
{
	dav_respond_error(ctx, 403, DAV_NS_CALDAV, precondition);
	return -1;
}

static int dav_cal_check_child(struct dav_ctx *ctx, xmlNode *c, int depth)
{
	struct dav_text_match m;
	const char *pre;
	int64_t s, e;
	char *name;

	if (dav_xml_is(c, DAV_NS_CALDAV, "is-not-defined"))
		return 0;
	if (dav_xml_is(c, DAV_NS_CALDAV, "time-range"))
		return dav_cal_time_range(c, &s, &e) < 0 ? dav_cal_refuse(ctx, "valid-filter") : 0;
	if (dav_xml_is(c, DAV_NS_CALDAV, "text-match")) {
		if (dav_text_match_parse(c, DAV_CAL_COLLATION, &m, &pre) < 0)
			return dav_cal_refuse(ctx, pre != NULL ? pre : "valid-filter");
		dav_text_match_clear(&m);
		return 0;
	}
	if (!dav_xml_is(c, DAV_NS_CALDAV, "comp-filter") &&
	    !dav_xml_is(c, DAV_NS_CALDAV, "prop-filter") &&
	    !dav_xml_is(c, DAV_NS_CALDAV, "param-filter"))
		return dav_cal_refuse(ctx, "valid-filter");
	if ((name = dav_xml_attr(c, "name")) == NULL || depth >= DAV_CAL_FILTER_DEPTH) {
		free(name);
		return dav_cal_refuse(ctx, "valid-filter");
	}
	free(name);
	return dav_cal_check_node(ctx, c, depth + 1);
}

static int dav_cal_check_node(struct dav_ctx *ctx, xmlNode *node, int depth)
{
	for (xmlNode *c = dav_xml_first(node); c != NULL; c = dav_xml_next(c)) {
		if (dav_cal_check_child(ctx, c, depth) < 0)
			return -1;
	}
	return 0;
}

int dav_cal_filter_check(struct dav_ctx *ctx, xmlNode *filter)
{
	xmlNode *top = dav_xml_first(filter);
	char *name = top != NULL ? dav_xml_attr(top, "name") : NULL;
	bool ok = top != NULL && dav_xml_next(top) == NULL &&
		dav_xml_is(top, DAV_NS_CALDAV, "comp-filter") && name != NULL &&
		strcasecmp(name, "VCALENDAR") == 0;

	free(name);
	if (!ok)
		return dav_cal_refuse(ctx, "valid-filter");
	return dav_cal_check_node(ctx, top, 1);
}

/* ---- evaluating ---- */

static bool dav_cal_comp_filter(xmlNode *cf, icalcomponent *cal, icalcomponent *comp);

static bool dav_cal_text_match(xmlNode *node, const char *value)
{
	struct dav_text_match m;
	const char *pre;
	bool found;

	if (dav_text_match_parse(node, DAV_CAL_COLLATION, &m, &pre) < 0)
		return false;
	found = dav_text_match_eval(&m, value);
	dav_text_match_clear(&m);
	return found;
}

static bool dav_cal_param_filter(xmlNode *pf, icalproperty *prop)
{
	char *name = dav_xml_attr(pf, "name");
	char *value = name != NULL ? icalproperty_get_parameter_as_string_r(prop, name) : NULL;
	xmlNode *test = dav_xml_first(pf);
	bool ok;

	if (dav_xml_is(test, DAV_NS_CALDAV, "is-not-defined"))
		ok = value == NULL;
	else
		ok = value != NULL && (test == NULL || dav_cal_text_match(test, value));
	free(name);
	free(value);
	return ok;
}

/* The value of prop as text (caller frees). */
static char *dav_cal_prop_text(icalproperty *prop)
{
	icalvalue *v = icalproperty_get_value(prop);

	if (v != NULL && icalvalue_isa(v) == ICAL_TEXT_VALUE)
		return xstrdup(icalvalue_get_text(v));
	return v != NULL ? icalvalue_as_ical_string_r(v) : xstrdup("");
}

static bool dav_cal_prop_test(xmlNode *t, icalcomponent *cal, icalproperty *prop)
{
	int64_t s, e, u;
	char *text;
	bool ok;

	if (dav_xml_is(t, DAV_NS_CALDAV, "param-filter"))
		return dav_cal_param_filter(t, prop);
	if (dav_xml_is(t, DAV_NS_CALDAV, "time-range")) {
		if (dav_cal_time_range(t, &s, &e) < 0)
			return false;
		u = dav_cal_prop_utc(cal, prop);
		return u >= s && u < e;
	}
	text = dav_cal_prop_text(prop);
	ok = dav_cal_text_match(t, text);
	free(text);
	return ok;
}

static bool dav_cal_prop_filter(xmlNode *pf, icalcomponent *cal, icalcomponent *comp)
{
	char *name = dav_xml_attr(pf, "name");
	bool defined = false, matched = false;
	icalproperty **props;
	size_t n = dav_cal_properties(comp, ICAL_ANY_PROPERTY, &props);

	for (size_t i = 0; i < n && name != NULL && !matched; i++) {
		bool all = true;

		if (strcasecmp(icalproperty_get_property_name(props[i]), name) != 0)
			continue;
		defined = true;
		for (xmlNode *t = dav_xml_first(pf); t != NULL && all; t = dav_xml_next(t))
			all = dav_cal_prop_test(t, cal, props[i]);
		matched = all;
	}
	free(props);
	free(name);
	if (dav_xml_child(pf, DAV_NS_CALDAV, "is-not-defined") != NULL)
		return !defined;
	return matched;
}

struct dav_cal_hit {
	icalcomponent *comp;
	bool hit;
};

static void dav_cal_hit_fn(icalcomponent *comp, int64_t start, int64_t end, int64_t recurid,
			   bool recurring, void *data)
{
	struct dav_cal_hit *h = data;

	if (comp == h->comp)
		h->hit = true;
}

/* A time-range on comp: some instance it holds overlaps. */
static bool dav_cal_comp_in_range(xmlNode *tr, icalcomponent *cal, icalcomponent *comp)
{
	struct dav_cal_hit h = { .comp = comp };
	icalcomponent_kind k = icalcomponent_isa(comp);
	int64_t s, e;

	if (dav_cal_time_range(tr, &s, &e) < 0)
		return false;
	if (k != ICAL_VEVENT_COMPONENT && k != ICAL_VTODO_COMPONENT &&
	    k != ICAL_VJOURNAL_COMPONENT)
		return true;
	dav_cal_instances(cal, s, e, dav_cal_hit_fn, &h);
	return h.hit;
}

/* comp passes every test of cf. */
static bool dav_cal_comp_tests(xmlNode *cf, icalcomponent *cal, icalcomponent *comp)
{
	for (xmlNode *t = dav_xml_first(cf); t != NULL; t = dav_xml_next(t)) {
		bool ok = true;

		if (dav_xml_is(t, DAV_NS_CALDAV, "time-range"))
			ok = dav_cal_comp_in_range(t, cal, comp);
		else if (dav_xml_is(t, DAV_NS_CALDAV, "prop-filter"))
			ok = dav_cal_prop_filter(t, cal, comp);
		else if (dav_xml_is(t, DAV_NS_CALDAV, "comp-filter"))
			ok = dav_cal_comp_filter(t, cal, comp);
		if (!ok)
			return false;
	}
	return true;
}

/* cf against the components of its kind in parent. */
static bool dav_cal_comp_filter(xmlNode *cf, icalcomponent *cal, icalcomponent *parent)
{
	char *name = dav_xml_attr(cf, "name");
	icalcomponent_kind kind = name != NULL ? icalcomponent_string_to_kind(name) :
		ICAL_NO_COMPONENT;
	bool defined = false, matched = false;
	icalcomponent **comps;
	size_t n = dav_cal_components(parent, &comps);

	for (size_t i = 0; i < n && !matched; i++) {
		icalcomponent *c = comps[i];
		bool same = kind == ICAL_X_COMPONENT || kind == ICAL_NO_COMPONENT ?
			name != NULL && strcasecmp(icalcomponent_kind_to_string(icalcomponent_isa(c)),
						   name) == 0 : icalcomponent_isa(c) == kind;

		if (!same)
			continue;
		defined = true;
		matched = dav_cal_comp_tests(cf, cal, c);
	}
	free(comps);
	free(name);
	if (dav_xml_child(cf, DAV_NS_CALDAV, "is-not-defined") != NULL)
		return !defined;
	return matched;
}

bool dav_cal_filter_eval(xmlNode *filter, icalcomponent *cal)
{
	return dav_cal_comp_tests(dav_xml_first(filter), cal, cal);
}
