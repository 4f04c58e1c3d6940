/* JSCalendar to iCalendar: the map-valued members. An entry whose id is
 * not the one reading would derive keeps it in an X-JMAP-ID parameter
 * (alarms always carry one). Members of entries that iCalendar cannot
 * hold are left out. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/jscalendar_private.h"

#define JSCAL_MAP_MAX 1000	/* entries of one map */

static int jscal_bad(struct jscal_write *w, const char *prop)
{
	if (w->bad == NULL)
		w->bad = prop;
	return -1;
}

/* A map member: 1 and *map_r, 0 absent or null, -1 bad. Every entry
 * must be an object (a boolean true for sets) with a usable id. */
static int jscal_member_map(struct jscal_write *w, json_object *js, const char *name,
			    bool is_set, json_object **map_r)
{
	json_object *map;

	if (!json_object_object_get_ex(js, name, &map) || map == NULL)
		return 0;
	if (!json_object_is_type(map, json_type_object) ||
	    json_object_object_length(map) > JSCAL_MAP_MAX)
		return jscal_bad(w, name);
	json_object_object_foreach(map, key, value) {
		bool ok = is_set ? json_object_is_type(value, json_type_boolean) &&
				   json_object_get_boolean(value) :
				   json_object_is_type(value, json_type_object);

		if (!ok || *key == '\0' || strlen(key) > 255 || strchr(key, '"') != NULL)
			return jscal_bad(w, name);
		for (const char *c = key; *c != '\0'; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return jscal_bad(w, name);
		}
	}
	*map_r = map;
	return 1;
}

/* A parameter value iCalendar can carry: no DQUOTE, no control
 * characters (caller frees). */
static char *jscal_param_text(const char *s)
{
	char *copy = xstrdup(s);

	for (char *c = copy; *c != '\0'; c++) {
		if (*c == '"')
			*c = '\'';
		else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	}
	return copy;
}

static void jscal_set_param(icalproperty *prop, const char *name, const char *value)
{
	char *text = jscal_param_text(value);

	icalproperty_set_parameter_from_string(prop, name, text);
	free(text);
}

/* X-JMAP-ID when id is not what reading derives from content. */
static void jscal_set_id(icalproperty *prop, const char *id, const char *content)
{
	char derived[JSCAL_ID_LEN + 1];
	icalparameter *param;

	jscal_derived_id(content, derived);
	if (strcmp(id, derived) == 0)
		return;
	param = icalparameter_new_x(id);
	icalparameter_set_xname(param, "X-JMAP-ID");
	icalproperty_add_parameter(prop, param);
}

static char *jscal_lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *c = l; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	return l;
}

static char *jscal_upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *c = u; *c != '\0'; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	return u;
}

static bool jscal_in(const char *s, const char *const *list)
{
	for (size_t i = 0; s != NULL && list[i] != NULL; i++) {
		if (strcmp(s, list[i]) == 0)
			return true;
	}
	return false;
}

static bool jscal_flag(json_object *obj, const char *name)
{
	json_object *v;

	return json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

/* ---- participants ---- */

/* The calendar address of a participant (caller frees), NULL if none. */
static char *jscal_part_address(json_object *part)
{
	json_object *send_to;
	const char *s;

	if (json_object_object_get_ex(part, "sendTo", &send_to) &&
	    json_object_is_type(send_to, json_type_object)) {
		if ((s = jscal_string(send_to, "imip")) != NULL || (s = jscal_string(send_to, "other")))
			return xstrdup(s);
		json_object_object_foreach(send_to, method, uri) {
			(void)method;
			if (json_object_is_type(uri, json_type_string))
				return xstrdup(json_object_get_string(uri));
		}
	}
	if ((s = jscal_string(part, "scheduleId")) != NULL ||
	    (s = jscal_string(part, "calendarAddress")) != NULL)
		return xstrdup(s);
	if ((s = jscal_string(part, "email")) != NULL && *s != '\0')
		return xasprintf("mailto:%s", s);
	return NULL;
}

/* The organizer: replyTo's address, else the first owner's. */
static char *jscal_organizer(json_object *js, json_object *parts)
{
	json_object *reply_to;
	const char *s;

	if (json_object_object_get_ex(js, "replyTo", &reply_to) &&
	    json_object_is_type(reply_to, json_type_object)) {
		if ((s = jscal_string(reply_to, "imip")) != NULL ||
		    (s = jscal_string(reply_to, "other")) != NULL)
			return xstrdup(s);
		json_object_object_foreach(reply_to, method, uri) {
			(void)method;
			if (json_object_is_type(uri, json_type_string))
				return xstrdup(json_object_get_string(uri));
		}
	}
	if (parts == NULL)
		return NULL;
	json_object_object_foreach(parts, id, part) {
		json_object *roles = json_object_object_get(part, "roles");

		(void)id;
		if (jscal_flag(roles, "owner"))
			return jscal_part_address(part);
	}
	return NULL;
}

static const char *jscal_role(json_object *roles)
{
	if (jscal_flag(roles, "chair"))
		return "CHAIR";
	if (jscal_flag(roles, "informational") && !jscal_flag(roles, "attendee"))
		return "NON-PARTICIPANT";
	if (jscal_flag(roles, "optional"))
		return "OPT-PARTICIPANT";
	return "REQ-PARTICIPANT";
}

/* Whether a participant attends (an ATTENDEE line), not only owns. */
static bool jscal_attends(json_object *part)
{
	json_object *roles = json_object_object_get(part, "roles");
	size_t n = json_object_is_type(roles, json_type_object) ?
		   (size_t)json_object_object_length(roles) : 0;

	return n == 0 || jscal_flag(roles, "attendee") || jscal_flag(roles, "optional") ||
	       jscal_flag(roles, "informational") || jscal_flag(roles, "chair");
}

/* CUTYPE from a participant's kind. */
static void jscal_set_kind(icalproperty *p, const char *kind)
{
	static const char *const kinds[] = {
		"individual", "INDIVIDUAL", "group", "GROUP", "resource", "RESOURCE",
		"location", "ROOM", NULL,
	};

	for (size_t i = 0; kind != NULL && kinds[i] != NULL; i += 2) {
		if (strcmp(kind, kinds[i]) == 0)
			jscal_set_param(p, "CUTYPE", kinds[i + 1]);
	}
}

static int jscal_attendee_params(struct jscal_write *w, icalproperty *p, json_object *part,
				 const char *address)
{
	static const char *const partstats[] = {
		"needs-action", "accepted", "declined", "tentative", "delegated", NULL,
	};
	static const char *const agents[] = { "server", "client", "none", NULL };
	const char *stat = jscal_string(part, "participationStatus");
	const char *agent = jscal_string(part, "scheduleAgent");
	const char *email = jscal_string(part, "email"), *sent_by = jscal_string(part, "sentBy");
	char *upper;

	if ((stat != NULL && !jscal_in(stat, partstats)) || (agent != NULL && !jscal_in(agent, agents)))
		return jscal_bad(w, "participants");
	jscal_set_param(p, "ROLE", jscal_role(json_object_object_get(part, "roles")));
	jscal_set_kind(p, jscal_string(part, "kind"));
	if (stat != NULL) {
		upper = jscal_upper(stat);
		jscal_set_param(p, "PARTSTAT", upper);
		free(upper);
	}
	if (jscal_flag(part, "expectReply"))
		jscal_set_param(p, "RSVP", "TRUE");
	if (agent != NULL) {
		upper = jscal_upper(agent);
		jscal_set_param(p, "SCHEDULE-AGENT", upper);
		free(upper);
	}
	if (email != NULL && *email != '\0' && (strncasecmp(address, "mailto:", 7) != 0 ||
						strcasecmp(address + 7, email) != 0))
		jscal_set_param(p, "EMAIL", email);
	if (sent_by != NULL && *sent_by != '\0') {
		char *uri = xasprintf("mailto:%s", sent_by);

		jscal_set_param(p, "SENT-BY", uri);
		free(uri);
	}
	return 0;
}

static icalproperty *jscal_cal_address(icalproperty_kind kind, const char *address,
				       json_object *part, const char *id)
{
	icalproperty *p = kind == ICAL_ORGANIZER_PROPERTY ? icalproperty_new_organizer(address) :
			  icalproperty_new_attendee(address);
	const char *name = part != NULL ? jscal_string(part, "name") : NULL;
	char *lower;

	if (name != NULL && *name != '\0')
		jscal_set_param(p, "CN", name);
	if (id != NULL) {
		lower = jscal_lower(address);
		jscal_set_id(p, id, lower);
		free(lower);
	}
	return p;
}

static int jscal_write_attendees(struct jscal_write *w, icalcomponent *comp, json_object *parts,
				 const char *organizer, bool *organizer_attends_r)
{
	json_object_object_foreach(parts, id, part) {
		char *address = jscal_part_address(part);
		icalproperty *p;

		if (address == NULL || *address == '\0' || strlen(address) > 1024) {
			free(address);
			return jscal_bad(w, "participants");
		}
		if (!jscal_attends(part)) {
			free(address);
			continue;
		}
		if (organizer != NULL && strcasecmp(address, organizer) == 0)
			*organizer_attends_r = true;
		p = jscal_cal_address(ICAL_ATTENDEE_PROPERTY, address, part, id);
		icalcomponent_add_property(comp, p);
		if (jscal_attendee_params(w, p, part, address) < 0) {
			free(address);
			return -1;
		}
		free(address);
	}
	return 0;
}

/* The participant whose address is the organizer's, and its id. */
static json_object *jscal_organizer_part(json_object *parts, const char *organizer,
					 const char **id_r)
{
	*id_r = NULL;
	json_object_object_foreach(parts, id, part) {
		char *address = jscal_part_address(part);
		bool same = address != NULL && strcasecmp(address, organizer) == 0;

		free(address);
		if (same) {
			*id_r = id;
			return part;
		}
	}
	return NULL;
}

static int jscal_write_participants(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *parts = NULL, *reply_to, *owner;
	bool attends = false;
	const char *owner_id = NULL;
	char *organizer;
	int ret;

	if ((ret = jscal_member_map(w, js, "participants", false, &parts)) < 0)
		return -1;
	if (json_object_object_get_ex(js, "replyTo", &reply_to) && reply_to != NULL &&
	    !json_object_is_type(reply_to, json_type_object))
		return jscal_bad(w, "replyTo");
	if (ret > 0 && json_object_object_length(parts) > JSCALENDAR_MAX_PARTICIPANTS)
		return jscal_bad(w, "participants");
	organizer = jscal_organizer(js, parts);
	if (parts != NULL && jscal_write_attendees(w, comp, parts, organizer, &attends) < 0) {
		free(organizer);
		return -1;
	}
	if (organizer != NULL) {
		owner = parts != NULL ? jscal_organizer_part(parts, organizer, &owner_id) : NULL;
		icalcomponent_add_property(comp, jscal_cal_address(ICAL_ORGANIZER_PROPERTY, organizer,
				owner, attends ? NULL : owner_id));
	}
	free(organizer);
	return 0;
}

/* ---- locations ---- */

static int jscal_write_geo(struct jscal_write *w, icalcomponent *comp, const char *coords)
{
	struct icalgeotype geo;
	char *end;

	if (strncasecmp(coords, "geo:", 4) != 0)
		return jscal_bad(w, "locations");
	geo.lat = strtod(coords + 4, &end);
	if (*end != ',' || geo.lat < -90 || geo.lat > 90)
		return jscal_bad(w, "locations");
	geo.lon = strtod(end + 1, &end);
	if ((*end != '\0' && *end != ';' && *end != ',') || geo.lon < -180 || geo.lon > 180)
		return jscal_bad(w, "locations");
	icalcomponent_add_property(comp, icalproperty_new_geo(geo));
	return 0;
}

static int jscal_write_location(struct jscal_write *w, icalcomponent *comp, const char *id,
				json_object *loc, bool first)
{
	const char *name = jscal_string(loc, "name"), *coords = jscal_string(loc, "coordinates");
	icalproperty *p;

	if (name == NULL && !(first && coords != NULL))
		return jscal_bad(w, "locations");
	if (first && coords != NULL && jscal_write_geo(w, comp, coords) < 0)
		return -1;
	if (name == NULL)
		return 0;
	if (first) {
		p = icalproperty_new_location(name);
	} else {
		p = icalproperty_new_x(name);
		icalproperty_set_x_name(p, "X-JMAP-LOCATION");
	}
	jscal_set_id(p, id, name);
	icalcomponent_add_property(comp, p);
	return 0;
}

static int jscal_write_locations(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *map;
	bool first = true;
	int ret = jscal_member_map(w, js, "locations", false, &map);

	if (ret <= 0)
		return ret;
	json_object_object_foreach(map, id, loc) {
		if (jscal_write_location(w, comp, id, loc, first) < 0)
			return -1;
		first = false;
	}
	return 0;
}

/* FEATURE=AUDIO,VIDEO from {"audio": true, "video": true}. */
static void jscal_write_features(icalproperty *p, json_object *features)
{
	struct strbuf list = { 0 };

	if (!json_object_is_type(features, json_type_object))
		return;
	json_object_object_foreach(features, name, on) {
		bool word = *name != '\0' && strlen(name) <= 32;

		for (const char *c = name; word && *c != '\0'; c++)
			word = (*c >= 'a' && *c <= 'z') || *c == '-';
		if (!word || !json_object_get_boolean(on))
			continue;
		if (list.len > 0)
			strbuf_putc(&list, ',');
		for (const char *c = name; *c != '\0'; c++)
			strbuf_putc(&list, (char)(*c == '-' ? '-' : *c - 'a' + 'A'));
	}
	if (list.len > 0)
		jscal_set_param(p, "FEATURE", list.s);
	strbuf_free(&list);
}

static int jscal_write_virtual_locations(struct jscal_write *w, json_object *js,
					 icalcomponent *comp)
{
	json_object *map;
	int ret = jscal_member_map(w, js, "virtualLocations", false, &map);

	if (ret <= 0)
		return ret;
	json_object_object_foreach(map, id, vloc) {
		const char *uri = jscal_string(vloc, "uri"), *name = jscal_string(vloc, "name");
		icalproperty *p;

		if (uri == NULL || *uri == '\0')
			return jscal_bad(w, "virtualLocations");
		p = icalproperty_new_conference(uri);
		if (name != NULL && *name != '\0')
			jscal_set_param(p, "LABEL", name);
		jscal_write_features(p, json_object_object_get(vloc, "features"));
		jscal_set_id(p, id, uri);
		icalcomponent_add_property(comp, p);
	}
	return 0;
}

/* ---- links ---- */

static int jscal_write_links(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *map;
	bool url_done = false;
	int ret = jscal_member_map(w, js, "links", false, &map);

	if (ret <= 0)
		return ret;
	json_object_object_foreach(map, id, link) {
		const char *href = jscal_string(link, "href"), *rel = jscal_string(link, "rel");
		const char *type = jscal_string(link, "contentType"), *title = jscal_string(link, "title");
		icalproperty *p;

		if (href == NULL || *href == '\0')
			return jscal_bad(w, "links");
		if (!url_done && rel != NULL && strcmp(rel, "describedby") == 0) {
			p = icalproperty_new_url(href);
			url_done = true;
		} else {
			icalattach *attach = icalattach_new_from_url(href);

			p = icalproperty_new_attach(attach);
			icalattach_unref(attach);
			if (type != NULL && *type != '\0')
				jscal_set_param(p, "FMTTYPE", type);
			if (title != NULL && *title != '\0')
				jscal_set_param(p, "LABEL", title);
		}
		jscal_set_id(p, id, href);
		icalcomponent_add_property(comp, p);
	}
	return 0;
}

/* ---- alerts ---- */

static int jscal_alarm_trigger(struct jscal_write *w, icalcomponent *alarm, json_object *trig)
{
	struct icaltriggertype t = { icaltime_null_time(), icaldurationtype_null_duration() };
	const char *offset = jscal_string(trig, "offset"), *when = jscal_string(trig, "when");
	const char *relative = jscal_string(trig, "relativeTo");
	icalproperty *p;
	time_t at;

	if (offset != NULL) {
		if (!jscal_duration_parse(offset, true, &t.duration) ||
		    (relative != NULL && strcmp(relative, "start") != 0 && strcmp(relative, "end") != 0))
			return jscal_bad(w, "alerts");
	} else if (when != NULL && time_parse_utc(when, &at) == 0) {
		t.time = icaltime_from_timet_with_zone(at, 0, icaltimezone_get_utc_timezone());
	} else {
		return jscal_bad(w, "alerts");
	}
	p = icalproperty_new_trigger(t);
	if (offset != NULL && relative != NULL && strcmp(relative, "end") == 0)
		jscal_set_param(p, "RELATED", "END");
	icalcomponent_add_property(alarm, p);
	return 0;
}

static void jscal_alarm_text(struct jscal_write *w, icalcomponent *alarm, bool email)
{
	const char *text = w->title != NULL && *w->title != '\0' ? w->title : "Reminder";

	icalcomponent_add_property(alarm, icalproperty_new_description(text));
	if (email)
		icalcomponent_add_property(alarm, icalproperty_new_summary(text));
}

static int jscal_write_alert(struct jscal_write *w, icalcomponent *comp, const char *id,
			     json_object *alert)
{
	const char *action = jscal_string(alert, "action"), *ack = jscal_string(alert, "acknowledged");
	json_object *trig = json_object_object_get(alert, "trigger");
	bool email = action != NULL && strcmp(action, "email") == 0;
	icalcomponent *alarm;
	icalproperty *p;
	time_t at;

	if ((action != NULL && !email && strcmp(action, "display") != 0) ||
	    !json_object_is_type(trig, json_type_object) ||
	    (ack != NULL && time_parse_utc(ack, &at) < 0))
		return jscal_bad(w, "alerts");
	alarm = icalcomponent_new_valarm();
	icalcomponent_add_component(comp, alarm);
	p = icalproperty_new_x(id);
	icalproperty_set_x_name(p, "X-JMAP-ID");
	icalcomponent_add_property(alarm, p);
	icalcomponent_add_property(alarm, icalproperty_new_action(email ? ICAL_ACTION_EMAIL :
								  ICAL_ACTION_DISPLAY));
	if (jscal_alarm_trigger(w, alarm, trig) < 0)
		return -1;
	jscal_alarm_text(w, alarm, email);
	if (ack != NULL)
		icalcomponent_add_property(alarm, icalproperty_new_acknowledged(
			icaltime_from_timet_with_zone(at, 0, icaltimezone_get_utc_timezone())));
	return 0;
}

static int jscal_write_alerts(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *map;
	int ret = jscal_member_map(w, js, "alerts", false, &map);

	if (ret <= 0)
		return ret;
	json_object_object_foreach(map, id, alert) {
		if (jscal_write_alert(w, comp, id, alert) < 0)
			return -1;
	}
	return 0;
}

/* ---- keywords, relatedTo ---- */

static int jscal_write_keywords(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *map;
	int ret = jscal_member_map(w, js, "keywords", true, &map);

	if (ret <= 0)
		return ret;
	json_object_object_foreach(map, word, value) {
		(void)value;
		if (strchr(word, ',') != NULL)
			return jscal_bad(w, "keywords");
		icalcomponent_add_property(comp, icalproperty_new_categories(word));
	}
	return 0;
}

static int jscal_write_relation(struct jscal_write *w, icalcomponent *comp, const char *uid,
				json_object *relation)
{
	bool any = false;

	if (relation != NULL && !json_object_is_type(relation, json_type_object))
		return jscal_bad(w, "relatedTo");
	if (relation != NULL) {
		json_object_object_foreach(relation, type, on) {
			icalproperty *p;
			char *upper;

			if (!json_object_get_boolean(on) || *type == '\0')
				continue;
			p = icalproperty_new_relatedto(uid);
			upper = jscal_upper(type);
			jscal_set_param(p, "RELTYPE", upper);
			free(upper);
			icalcomponent_add_property(comp, p);
			any = true;
		}
	}
	if (!any)
		icalcomponent_add_property(comp, icalproperty_new_relatedto(uid));
	return 0;
}

static int jscal_write_related(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	json_object *map;
	int ret = jscal_member_map(w, js, "relatedTo", false, &map);

	if (ret <= 0)
		return ret;
	json_object_object_foreach(map, uid, rel) {
		if (jscal_write_relation(w, comp, uid, json_object_object_get(rel, "relation")) < 0)
			return -1;
	}
	return 0;
}

int jscal_write_maps(struct jscal_write *w, json_object *js, icalcomponent *comp)
{
	if (jscal_write_participants(w, js, comp) < 0 || jscal_write_locations(w, js, comp) < 0 ||
	    jscal_write_virtual_locations(w, js, comp) < 0 || jscal_write_links(w, js, comp) < 0 ||
	    jscal_write_alerts(w, js, comp) < 0 || jscal_write_keywords(w, js, comp) < 0 ||
	    jscal_write_related(w, js, comp) < 0)
		return -1;
	return 0;
}
