/* What an update through JSCalendar keeps of the iCalendar it replaces:
 * every property the conversion does not read (X- properties, and IANA
 * ones like COMMENT, CONTACT, RESOURCES, REQUEST-STATUS or an inline
 * ATTACH) of the VCALENDAR, of the master, of each override whose
 * RECURRENCE-ID is still there and of each alarm whose id is; the
 * parameters it does not read on the ATTENDEE and ORGANIZER lines of
 * participants still there; and the subcomponents it does not read (X-
 * components). */
#include <string.h>
#include <strings.h>

#include "jmap/jscalendar_private.h"

/* X- properties the conversion itself writes and reads. */
static const char *const jscal_own_x[] = {
	"X-JMAP-ID", "X-JMAP-LOCATION", "X-JMAP-USEDEFAULTALERTS", NULL,
};

static bool jscal_own_x_prop(icalproperty *prop)
{
	const char *name = icalproperty_get_x_name(prop);

	for (size_t i = 0; name != NULL && jscal_own_x[i] != NULL; i++) {
		if (strcasecmp(name, jscal_own_x[i]) == 0)
			return true;
	}
	return false;
}

static bool jscal_item_prop(icalproperty *prop)
{
	static const icalproperty_kind kinds[] = {
		ICAL_UID_PROPERTY, ICAL_SUMMARY_PROPERTY, ICAL_DESCRIPTION_PROPERTY,
		ICAL_COLOR_PROPERTY, ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY,
		ICAL_DURATION_PROPERTY, ICAL_DUE_PROPERTY, ICAL_RRULE_PROPERTY, ICAL_EXRULE_PROPERTY,
		ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY, ICAL_RECURRENCEID_PROPERTY,
		ICAL_STATUS_PROPERTY, ICAL_TRANSP_PROPERTY, ICAL_CLASS_PROPERTY,
		ICAL_SEQUENCE_PROPERTY, ICAL_PRIORITY_PROPERTY, ICAL_PERCENTCOMPLETE_PROPERTY,
		ICAL_CREATED_PROPERTY, ICAL_LASTMODIFIED_PROPERTY, ICAL_DTSTAMP_PROPERTY,
		ICAL_ORGANIZER_PROPERTY, ICAL_ATTENDEE_PROPERTY, ICAL_LOCATION_PROPERTY,
		ICAL_GEO_PROPERTY, ICAL_CONFERENCE_PROPERTY, ICAL_URL_PROPERTY,
		ICAL_CATEGORIES_PROPERTY, ICAL_RELATEDTO_PROPERTY,
	};
	icalproperty_kind kind = icalproperty_isa(prop);
	icalattach *attach;

	if (kind == ICAL_ATTACH_PROPERTY)
		return (attach = icalproperty_get_attach(prop)) != NULL && icalattach_get_is_url(attach);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i] == kind)
			return true;
	}
	return false;
}

bool jscal_prop_converted(icalcomponent_kind kind, icalproperty *prop)
{
	icalproperty_kind pk = icalproperty_isa(prop);

	if (pk == ICAL_XLICERROR_PROPERTY || (pk == ICAL_X_PROPERTY && jscal_own_x_prop(prop)))
		return true;
	if (kind == ICAL_VCALENDAR_COMPONENT)
		return pk == ICAL_VERSION_PROPERTY || pk == ICAL_PRODID_PROPERTY ||
		       pk == ICAL_METHOD_PROPERTY;
	if (kind == ICAL_VALARM_COMPONENT)
		return pk == ICAL_ACTION_PROPERTY || pk == ICAL_TRIGGER_PROPERTY ||
		       pk == ICAL_DESCRIPTION_PROPERTY || pk == ICAL_SUMMARY_PROPERTY ||
		       pk == ICAL_ACKNOWLEDGED_PROPERTY;
	return jscal_item_prop(prop);
}

/* Parameters the conversion reads and writes on a calendar address. */
static const icalparameter_kind jscal_address_params[] = {
	ICAL_CN_PARAMETER, ICAL_ROLE_PARAMETER, ICAL_PARTSTAT_PARAMETER, ICAL_RSVP_PARAMETER,
	ICAL_CUTYPE_PARAMETER, ICAL_EMAIL_PARAMETER, ICAL_SENTBY_PARAMETER,
	ICAL_SCHEDULEAGENT_PARAMETER,
};

static bool jscal_param_kept(icalparameter *param)
{
	icalparameter_kind kind = icalparameter_isa(param);

	if (kind == ICAL_X_PARAMETER)
		return strcasecmp(icalparameter_get_xname(param), "X-JMAP-ID") != 0;
	for (size_t i = 0; i < sizeof(jscal_address_params) / sizeof(jscal_address_params[0]); i++) {
		if (jscal_address_params[i] == kind)
			return false;
	}
	return true;
}

static const char *jscal_address(icalproperty *prop)
{
	return icalproperty_isa(prop) == ICAL_ATTENDEE_PROPERTY ? icalproperty_get_attendee(prop) :
	       icalproperty_get_organizer(prop);
}

/* The ATTENDEE or ORGANIZER of comp with that address. */
static icalproperty *jscal_find_address(icalcomponent *comp, icalproperty_kind kind,
					const char *address)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, kind); p != NULL;
	     p = icalcomponent_get_next_property(comp, kind)) {
		const char *other = jscal_address(p);

		if (other != NULL && strcasecmp(other, address) == 0)
			return p;
	}
	return NULL;
}

/* A participant still there keeps the parameters of its line that the
 * conversion does not know (SCHEDULE-STATUS, DELEGATED-TO, X-NUM-GUESTS,
 * ...). */
static void jscal_keep_address_params(icalcomponent *from, icalcomponent *to,
				      icalproperty_kind kind)
{
	for (icalproperty *p = icalcomponent_get_first_property(to, kind); p != NULL;
	     p = icalcomponent_get_next_property(to, kind)) {
		const char *address = jscal_address(p);
		icalproperty *old = address != NULL ? jscal_find_address(from, kind, address) : NULL;

		for (icalparameter *param = old != NULL ?
			icalproperty_get_first_parameter(old, ICAL_ANY_PARAMETER) : NULL;
		     param != NULL; param = icalproperty_get_next_parameter(old, ICAL_ANY_PARAMETER)) {
			if (jscal_param_kept(param))
				icalproperty_add_parameter(p, icalparameter_new_clone(param));
		}
	}
}

static void jscal_keep_props(icalcomponent *from, icalcomponent *to)
{
	icalcomponent_kind kind = icalcomponent_isa(from);

	for (icalproperty *p = icalcomponent_get_first_property(from, ICAL_ANY_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(from, ICAL_ANY_PROPERTY)) {
		if (!jscal_prop_converted(kind, p))
			icalcomponent_add_property(to, icalproperty_new_clone(p));
	}
}

static bool jscal_is_item(icalcomponent_kind kind)
{
	return kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT ||
	       kind == ICAL_VJOURNAL_COMPONENT;
}

/* The alarm of comp whose id is id. */
static icalcomponent *jscal_find_alarm(icalcomponent *comp, const char *id)
{
	char other[256];

	for (icalcomponent *a = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT);
	     a != NULL; a = icalcomponent_get_next_component(comp, ICAL_VALARM_COMPONENT)) {
		jscal_alarm_id(a, other, sizeof(other));
		if (strcmp(other, id) == 0)
			return a;
	}
	return NULL;
}

static void jscal_keep_item(icalcomponent *from, icalcomponent *to)
{
	char id[256];

	jscal_keep_props(from, to);
	jscal_keep_address_params(from, to, ICAL_ATTENDEE_PROPERTY);
	jscal_keep_address_params(from, to, ICAL_ORGANIZER_PROPERTY);
	for (icalcomponent *c = icalcomponent_get_first_component(from, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(from, ICAL_ANY_COMPONENT)) {
		icalcomponent *alarm;

		if (icalcomponent_isa(c) != ICAL_VALARM_COMPONENT) {
			icalcomponent_add_component(to, icalcomponent_new_clone(c));
			continue;
		}
		jscal_alarm_id(c, id, sizeof(id));
		if ((alarm = jscal_find_alarm(to, id)) != NULL)
			jscal_keep_props(c, alarm);
	}
}

/* The recurrence id of an item as unix seconds; INT64_MIN for none. */
static int64_t jscal_item_rid(icalcomponent *cal, icalcomponent *item)
{
	icalproperty *p = icalcomponent_get_first_property(item, ICAL_RECURRENCEID_PROPERTY);

	if (p == NULL)
		return INT64_MIN;
	return jscal_time_utc(cal, jscal_prop_time(p), jscal_prop_tzid(p), NULL, NULL);
}

/* The item of cal with that recurrence id. */
static icalcomponent *jscal_find_item(icalcomponent *cal, int64_t rid)
{
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		if (jscal_is_item(icalcomponent_isa(c)) && jscal_item_rid(cal, c) == rid)
			return c;
	}
	return NULL;
}

void jscal_keep_unknown(icalcomponent *old, icalcomponent *new_cal)
{
	jscal_keep_props(old, new_cal);
	for (icalcomponent *c = icalcomponent_get_first_component(old, ICAL_ANY_COMPONENT);
	     c != NULL; c = icalcomponent_get_next_component(old, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind kind = icalcomponent_isa(c);
		icalcomponent *match;

		if (kind == ICAL_X_COMPONENT)
			icalcomponent_add_component(new_cal, icalcomponent_new_clone(c));
		else if (jscal_is_item(kind) &&
			 (match = jscal_find_item(new_cal, jscal_item_rid(old, c))) != NULL)
			jscal_keep_item(c, match);
	}
}
