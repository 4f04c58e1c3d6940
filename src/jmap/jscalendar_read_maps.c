/* iCalendar to JSCalendar: the map-valued members (participants and
 * replyTo, locations, virtual locations, links, alerts, keywords,
 * relatedTo). An entry's id is its X-JMAP-ID, else one derived from its
 * content. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

/* A parameter's value by name (caller frees), NULL if absent. */
static char *jscal_param(icalproperty *prop, const char *name)
{
	return icalproperty_get_parameter_as_string_r(prop, name);
}

static void jscal_add_param(json_object *obj, const char *member, icalproperty *prop,
			    const char *param, bool lower)
{
	char *value = jscal_param(prop, param);

	if (value != NULL && *value != '\0') {
		for (char *c = value; lower && *c != '\0'; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		json_object_object_add(obj, member, json_object_new_string(value));
	}
	free(value);
}

/* The entry id: X-JMAP-ID, else derived from content. */
static void jscal_entry_id(icalproperty *prop, const char *content, char *out, size_t size)
{
	char *id = jscal_param(prop, "X-JMAP-ID");
	char derived[JSCAL_ID_LEN + 1];

	if (id != NULL && *id != '\0') {
		snprintf(out, size, "%s", id);
	} else {
		jscal_derived_id(content, derived);
		snprintf(out, size, "%s", derived);
	}
	free(id);
}

static json_object *jscal_typed(const char *type)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "@type", json_object_new_string(type));
	return obj;
}

static json_object *jscal_map_of(json_object *js, const char *name)
{
	json_object *map;

	if (json_object_object_get_ex(js, name, &map))
		return map;
	map = json_object_new_object();
	json_object_object_add(js, name, map);
	return map;
}

/* ---- participants ---- */

static char *jscal_lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *c = l; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	return l;
}

static void jscal_read_address(json_object *part, icalproperty *prop, const char *uri)
{
	json_object *send_to = json_object_new_object();
	bool mailto = strncasecmp(uri, "mailto:", 7) == 0;
	char *email = jscal_param(prop, "EMAIL");
	const char *cn = NULL;
	icalparameter *p = icalproperty_get_first_parameter(prop, ICAL_CN_PARAMETER);

	if (p != NULL)
		cn = icalparameter_get_cn(p);
	if (cn != NULL && *cn != '\0')
		json_object_object_add(part, "name", json_object_new_string(cn));
	if (email != NULL || mailto)
		json_object_object_add(part, "email", json_object_new_string(email != NULL ? email :
								     uri + 7));
	json_object_object_add(send_to, mailto ? "imip" : "other", json_object_new_string(uri));
	json_object_object_add(part, "sendTo", send_to);
	json_object_object_add(part, "scheduleId", json_object_new_string(uri));
	free(email);
}

static void jscal_read_roles(json_object *part, icalproperty *prop)
{
	json_object *roles = json_object_new_object();
	char *role = jscal_param(prop, "ROLE");

	if (role == NULL || strcasecmp(role, "REQ-PARTICIPANT") == 0) {
		json_object_object_add(roles, "attendee", json_object_new_boolean(1));
	} else if (strcasecmp(role, "CHAIR") == 0) {
		json_object_object_add(roles, "attendee", json_object_new_boolean(1));
		json_object_object_add(roles, "chair", json_object_new_boolean(1));
	} else if (strcasecmp(role, "OPT-PARTICIPANT") == 0) {
		json_object_object_add(roles, "attendee", json_object_new_boolean(1));
		json_object_object_add(roles, "optional", json_object_new_boolean(1));
	} else if (strcasecmp(role, "NON-PARTICIPANT") == 0) {
		json_object_object_add(roles, "informational", json_object_new_boolean(1));
	} else {
		json_object_object_add(roles, "attendee", json_object_new_boolean(1));
	}
	json_object_object_add(part, "roles", roles);
	free(role);
}

static void jscal_read_kind(json_object *part, icalproperty *prop)
{
	static const char *const kinds[] = {
		"INDIVIDUAL", "individual", "GROUP", "group", "RESOURCE", "resource",
		"ROOM", "location", NULL,
	};
	char *cutype = jscal_param(prop, "CUTYPE");

	for (size_t i = 0; cutype != NULL && kinds[i] != NULL; i += 2) {
		if (strcasecmp(cutype, kinds[i]) == 0)
			json_object_object_add(part, "kind", json_object_new_string(kinds[i + 1]));
	}
	free(cutype);
}

static json_object *jscal_read_attendee(icalproperty *prop, const char *uri)
{
	json_object *part = jscal_typed("Participant");
	char *rsvp = jscal_param(prop, "RSVP"), *sent_by = jscal_param(prop, "SENT-BY");

	jscal_read_address(part, prop, uri);
	jscal_read_kind(part, prop);
	jscal_read_roles(part, prop);
	jscal_add_param(part, "participationStatus", prop, "PARTSTAT", true);
	jscal_add_param(part, "scheduleAgent", prop, "SCHEDULE-AGENT", true);
	if (rsvp != NULL && strcasecmp(rsvp, "TRUE") == 0)
		json_object_object_add(part, "expectReply", json_object_new_boolean(1));
	if (sent_by != NULL)
		json_object_object_add(part, "sentBy", json_object_new_string(
			strncasecmp(sent_by, "mailto:", 7) == 0 ? sent_by + 7 : sent_by));
	free(rsvp);
	free(sent_by);
	return part;
}

/* The participant of map whose scheduleId is uri (case-insensitive). */
static json_object *jscal_find_participant(json_object *map, const char *uri)
{
	json_object_object_foreach(map, key, part) {
		const char *id = jscal_string(part, "scheduleId");

		(void)key;
		if (id != NULL && strcasecmp(id, uri) == 0)
			return part;
	}
	return NULL;
}

static void jscal_add_entry(json_object *map, icalproperty *prop, const char *content,
			    json_object *entry)
{
	char id[256];

	jscal_entry_id(prop, content, id, sizeof(id));
	jscal_map_add_unique(map, id, entry);
}

/* ORGANIZER: replyTo, and the owner role of its participant. */
static void jscal_read_organizer(icalcomponent *comp, json_object *js, json_object *map)
{
	icalproperty *prop = icalcomponent_get_first_property(comp, ICAL_ORGANIZER_PROPERTY);
	const char *uri = prop != NULL ? icalproperty_get_organizer(prop) : NULL;
	json_object *reply_to, *part, *roles;
	char *lower;

	if (uri == NULL || *uri == '\0')
		return;
	reply_to = json_object_new_object();
	json_object_object_add(reply_to, strncasecmp(uri, "mailto:", 7) == 0 ? "imip" : "other",
			       json_object_new_string(uri));
	json_object_object_add(js, "replyTo", reply_to);
	if ((part = jscal_find_participant(map, uri)) == NULL) {
		part = jscal_typed("Participant");
		jscal_read_address(part, prop, uri);
		json_object_object_add(part, "roles", json_object_new_object());
		lower = jscal_lower(uri);
		jscal_add_entry(map, prop, lower, part);
		free(lower);
	}
	roles = json_object_object_get(part, "roles");
	json_object_object_add(roles, "owner", json_object_new_boolean(1));
}

static void jscal_read_participants(icalcomponent *comp, json_object *js)
{
	json_object *map = json_object_new_object();

	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ATTENDEE_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(comp, ICAL_ATTENDEE_PROPERTY)) {
		const char *uri = icalproperty_get_attendee(p);
		char *lower;

		if (uri == NULL || *uri == '\0' || jscal_find_participant(map, uri) != NULL)
			continue;
		lower = jscal_lower(uri);
		jscal_add_entry(map, p, lower, jscal_read_attendee(p, uri));
		free(lower);
	}
	jscal_read_organizer(comp, js, map);
	if (json_object_object_length(map) > 0)
		json_object_object_add(js, "participants", map);
	else
		json_object_put(map);
}

/* ---- locations ---- */

static json_object *jscal_location(const char *name)
{
	json_object *loc = jscal_typed("Location");

	json_object_object_add(loc, "name", json_object_new_string(name));
	return loc;
}

static void jscal_read_locations(icalcomponent *comp, json_object *js)
{
	icalproperty *main = icalcomponent_get_first_property(comp, ICAL_LOCATION_PROPERTY);
	icalproperty *geo = icalcomponent_get_first_property(comp, ICAL_GEO_PROPERTY);
	json_object *main_loc = NULL;
	char coords[96];

	if (main != NULL && icalproperty_get_location(main) != NULL) {
		main_loc = jscal_location(icalproperty_get_location(main));
		jscal_add_entry(jscal_map_of(js, "locations"), main, icalproperty_get_location(main),
				json_object_get(main_loc));
	}
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY)) {
		if (strcasecmp(icalproperty_get_x_name(p), "X-JMAP-LOCATION") == 0)
			jscal_add_entry(jscal_map_of(js, "locations"), p, icalproperty_get_x(p),
					jscal_location(icalproperty_get_x(p)));
	}
	if (geo != NULL) {
		struct icalgeotype g = icalproperty_get_geo(geo);

		snprintf(coords, sizeof(coords), "geo:%.6f,%.6f", g.lat, g.lon);
		if (main_loc == NULL) {
			main_loc = jscal_typed("Location");
			jscal_add_entry(jscal_map_of(js, "locations"), geo, coords,
					json_object_get(main_loc));
		}
		json_object_object_add(main_loc, "coordinates", json_object_new_string(coords));
	}
	json_object_put(main_loc);
}

static void jscal_read_features(json_object *vloc, icalproperty *prop)
{
	char *features = jscal_param(prop, "FEATURE");
	json_object *map;
	char *save = NULL;

	if (features == NULL)
		return;
	map = json_object_new_object();
	for (char *f = strtok_r(features, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
		char *lower = jscal_lower(f);

		json_object_object_add(map, lower, json_object_new_boolean(1));
		free(lower);
	}
	json_object_object_add(vloc, "features", map);
	free(features);
}

static void jscal_read_virtual_locations(icalcomponent *comp, json_object *js)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_CONFERENCE_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(comp, ICAL_CONFERENCE_PROPERTY)) {
		const char *uri = icalproperty_get_conference(p);
		json_object *vloc;

		if (uri == NULL)
			continue;
		vloc = jscal_typed("VirtualLocation");
		json_object_object_add(vloc, "uri", json_object_new_string(uri));
		jscal_add_param(vloc, "name", p, "LABEL", false);
		jscal_read_features(vloc, p);
		jscal_add_entry(jscal_map_of(js, "virtualLocations"), p, uri, vloc);
	}
}

/* ---- links ---- */

static void jscal_read_links(icalcomponent *comp, json_object *js)
{
	icalproperty *url = icalcomponent_get_first_property(comp, ICAL_URL_PROPERTY);

	if (url != NULL && icalproperty_get_url(url) != NULL) {
		json_object *link = jscal_typed("Link");

		json_object_object_add(link, "href", json_object_new_string(icalproperty_get_url(url)));
		json_object_object_add(link, "rel", json_object_new_string("describedby"));
		jscal_add_entry(jscal_map_of(js, "links"), url, icalproperty_get_url(url), link);
	}
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ATTACH_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(comp, ICAL_ATTACH_PROPERTY)) {
		icalattach *attach = icalproperty_get_attach(p);
		json_object *link;

		if (attach == NULL || !icalattach_get_is_url(attach))
			continue;
		link = jscal_typed("Link");
		json_object_object_add(link, "href", json_object_new_string(icalattach_get_url(attach)));
		jscal_add_param(link, "contentType", p, "FMTTYPE", false);
		jscal_add_param(link, "title", p, "LABEL", false);
		json_object_object_add(link, "rel", json_object_new_string("enclosure"));
		jscal_add_entry(jscal_map_of(js, "links"), p, icalattach_get_url(attach), link);
	}
}

/* ---- alerts ---- */

static icalproperty *jscal_first_x_in(icalcomponent *comp, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY)) {
		if (strcasecmp(icalproperty_get_x_name(p), name) == 0)
			return p;
	}
	return NULL;
}

static json_object *jscal_read_trigger(icalproperty *prop)
{
	struct icaltriggertype trigger = icalproperty_get_trigger(prop);
	json_object *obj;
	char *related;
	char out[JSCAL_DURATION_MAX];

	if (!icaltime_is_null_time(trigger.time)) {
		obj = jscal_typed("AbsoluteTrigger");
		time_format_utc((time_t)jscal_time_utc(NULL, trigger.time, jscal_prop_tzid(prop),
						       NULL, NULL), out);
		json_object_object_add(obj, "when", json_object_new_string(out));
		return obj;
	}
	obj = jscal_typed("OffsetTrigger");
	jscal_duration_format(trigger.duration, out);
	json_object_object_add(obj, "offset", json_object_new_string(out));
	related = jscal_param(prop, "RELATED");
	if (related != NULL && strcasecmp(related, "END") == 0)
		json_object_object_add(obj, "relativeTo", json_object_new_string("end"));
	free(related);
	return obj;
}

/* A VALARM's X- property value called name, NULL if none or empty. */
static const char *jscal_alarm_x(icalcomponent *alarm, const char *name)
{
	icalproperty *p = jscal_first_x_in(alarm, name);
	const char *value = p != NULL ? icalproperty_get_x(p) : NULL;

	return value != NULL && *value != '\0' ? value : NULL;
}

void jscal_alarm_id(icalcomponent *alarm, char *out, size_t size)
{
	icalproperty *uid = icalcomponent_get_first_property(alarm, ICAL_UID_PROPERTY);
	icalproperty *trigger = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
	const char *id = jscal_alarm_x(alarm, "X-JMAP-ID");
	char derived[JSCAL_ID_LEN + 1];
	json_object *trig;

	if (id == NULL && uid != NULL && icalproperty_get_uid(uid) != NULL &&
	    *icalproperty_get_uid(uid) != '\0')
		id = icalproperty_get_uid(uid);
	if (id == NULL)
		id = jscal_alarm_x(alarm, "X-WR-ALARMUID");
	if (id != NULL) {
		snprintf(out, size, "%s", id);
		return;
	}
	trig = trigger != NULL ? jscal_read_trigger(trigger) : NULL;
	jscal_derived_id(trig != NULL ? json_object_to_json_string_ext(trig, JSON_C_TO_STRING_PLAIN) :
			 "", derived);
	json_object_put(trig);
	snprintf(out, size, "%s", derived);
}

static void jscal_read_alarm(icalcomponent *alarm, json_object *map)
{
	icalproperty *trigger = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
	icalproperty *action = icalcomponent_get_first_property(alarm, ICAL_ACTION_PROPERTY);
	icalproperty *ack = icalcomponent_get_first_property(alarm, ICAL_ACKNOWLEDGED_PROPERTY);
	json_object *alert = jscal_typed("Alert"), *trig;
	char id[256], acked[21];

	if (trigger == NULL) {
		json_object_put(alert);
		return;
	}
	trig = jscal_read_trigger(trigger);
	json_object_object_add(alert, "trigger", trig);
	json_object_object_add(alert, "action", json_object_new_string(
		action != NULL && icalproperty_get_action(action) == ICAL_ACTION_EMAIL ?
		"email" : "display"));
	if (ack != NULL && !icaltime_is_null_time(jscal_prop_time(ack))) {
		time_format_utc((time_t)jscal_time_utc(NULL, jscal_prop_time(ack), NULL, NULL, NULL),
				acked);
		json_object_object_add(alert, "acknowledged", json_object_new_string(acked));
	}
	jscal_alarm_id(alarm, id, sizeof(id));
	jscal_map_add_unique(map, id, alert);
}

static void jscal_read_alerts(icalcomponent *comp, json_object *js)
{
	json_object *map = json_object_new_object();

	for (icalcomponent *a = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT);
	     a != NULL; a = icalcomponent_get_next_component(comp, ICAL_VALARM_COMPONENT))
		jscal_read_alarm(a, map);
	if (json_object_object_length(map) > 0)
		json_object_object_add(js, "alerts", map);
	else
		json_object_put(map);
}

/* ---- keywords, relatedTo ---- */

static void jscal_read_keywords(icalcomponent *comp, json_object *js)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_CATEGORIES_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(comp, ICAL_CATEGORIES_PROPERTY)) {
		const char *word = icalproperty_get_categories(p);

		if (word != NULL && *word != '\0')
			json_object_object_add(jscal_map_of(js, "keywords"), word,
					       json_object_new_boolean(1));
	}
}

static void jscal_read_related(icalcomponent *comp, json_object *js)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_RELATEDTO_PROPERTY);
	     p != NULL; p = icalcomponent_get_next_property(comp, ICAL_RELATEDTO_PROPERTY)) {
		const char *uid = icalproperty_get_relatedto(p);
		json_object *map, *rel, *relation;
		char *type, *lower;

		if (uid == NULL || *uid == '\0')
			continue;
		map = jscal_map_of(js, "relatedTo");
		if (!json_object_object_get_ex(map, uid, &rel)) {
			rel = jscal_typed("Relation");
			json_object_object_add(rel, "relation", json_object_new_object());
			json_object_object_add(map, uid, rel);
		}
		relation = json_object_object_get(rel, "relation");
		type = jscal_param(p, "RELTYPE");
		lower = jscal_lower(type != NULL ? type : "PARENT");
		json_object_object_add(relation, lower, json_object_new_boolean(1));
		free(lower);
		free(type);
	}
}

void jscal_read_maps(icalcomponent *comp, json_object *js)
{
	jscal_read_participants(comp, js);
	jscal_read_locations(comp, js);
	jscal_read_virtual_locations(comp, js);
	jscal_read_links(comp, js);
	jscal_read_alerts(comp, js);
	jscal_read_keywords(comp, js);
	jscal_read_related(comp, js);
}
