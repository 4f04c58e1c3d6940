/* recurrenceOverrides (RFC 8984 §4.3.5) both ways. Each key is the
 * recurrence id of an instance, as a LocalDateTime in the main
 * component's zone; its value patches the main object (with "start"
 * at the recurrence id) into that instance. An empty patch is an RDATE,
 * {"excluded": true} an EXDATE, any other patch an override component
 * with a RECURRENCE-ID. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "jmap/jscalendar_private.h"
#include "jmap/patch.h"

/* Members of the main object that are not those of its instances. */
static const char *const jscal_not_inherited[] = {
	"recurrenceRules", "excludedRecurrenceRules", "recurrenceOverrides", "recurrenceId",
	"recurrenceIdTimeZone", "prodId", NULL,
};
/* Members an override never patches: those, and the identity. */
static const char *const jscal_not_patched[] = { "@type", "uid", NULL };

static bool jscal_key_in(const char *key, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		size_t len = strlen(list[i]);

		if (strncmp(key, list[i], len) == 0 && (key[len] == '\0' || key[len] == '/'))
			return true;
	}
	return false;
}

static bool jscal_not_patched_key(const char *key)
{
	return jscal_key_in(key, jscal_not_inherited) || jscal_key_in(key, jscal_not_patched);
}

/* The main object less what its instances do not inherit (new
 * reference; the member values are shared with main). */
static json_object *jscal_override_base(json_object *main)
{
	json_object *base = json_object_new_object();

	json_object_object_foreach(main, key, value) {
		if (!jscal_key_in(key, jscal_not_inherited))
			json_object_object_add(base, key, json_object_get(value));
	}
	return base;
}

/* ---- reading ---- */

/* How deep a patch goes into objects ("participants/p1/roles"). */
#define JSCAL_DIFF_DEPTH 3

/* prefix + "/" + key escaped as a JSON Pointer token (caller frees). */
static char *jscal_path(const char *prefix, const char *key)
{
	struct strbuf b = { 0 };

	if (prefix != NULL) {
		strbuf_puts(&b, prefix);
		strbuf_putc(&b, '/');
	}
	for (const char *c = key; *c != '\0'; c++) {
		if (*c == '~')
			strbuf_puts(&b, "~0");
		else if (*c == '/')
			strbuf_puts(&b, "~1");
		else
			strbuf_putc(&b, *c);
	}
	return strbuf_steal(&b);
}

/* Adds to patch what turns base into inst, as paths under prefix (NULL
 * at the top): nested objects both have are compared member by member. */
static void jscal_diff_into(json_object *patch, const char *prefix, json_object *base,
			    json_object *inst, int depth)
{
	json_object *v;

	json_object_object_foreach(inst, key, value) {
		char *path;

		if (prefix == NULL && jscal_not_patched_key(key))
			continue;
		if (json_object_object_get_ex(base, key, &v) && json_object_equal(v, value))
			continue;
		path = jscal_path(prefix, key);
		if (v != NULL && depth < JSCAL_DIFF_DEPTH && json_object_is_type(v, json_type_object) &&
		    json_object_is_type(value, json_type_object))
			jscal_diff_into(patch, path, v, value, depth + 1);
		else
			json_object_object_add(patch, path, json_object_get(value));
		free(path);
	}
	json_object_object_foreach(base, bkey, bvalue) {
		char *path;

		(void)bvalue;
		if ((prefix == NULL && jscal_not_patched_key(bkey)) ||
		    json_object_object_get_ex(inst, bkey, NULL))
			continue;
		path = jscal_path(prefix, bkey);
		json_object_object_add(patch, path, NULL);
		free(path);
	}
}

static json_object *jscal_diff(json_object *base, json_object *inst)
{
	json_object *patch = json_object_new_object();

	jscal_diff_into(patch, NULL, base, inst, 1);
	return patch;
}

static void jscal_read_dates_of(const struct jscal_read *r, icalcomponent *main,
				icalproperty_kind kind, json_object *overrides)
{
	for (icalproperty *p = icalcomponent_get_first_property(main, kind); p != NULL;
	     p = icalcomponent_get_next_property(main, kind)) {
		struct icaltimetype t = jscal_prop_time(p);
		char key[JSCAL_LOCAL_LEN + 1];
		json_object *value;

		if (icaltime_is_null_time(t))
			continue;
		jscal_read_local(r, t, jscal_prop_tzid(p), key);
		value = json_object_new_object();
		if (kind == ICAL_EXDATE_PROPERTY)
			json_object_object_add(value, "excluded", json_object_new_boolean(1));
		json_object_object_add(overrides, key, value);
	}
}

json_object *jscal_read_overrides(const struct jscal_read *r, icalcomponent *main,
				  json_object *main_js)
{
	icalcomponent_kind kind = icalcomponent_isa(main);
	json_object *overrides = json_object_new_object(), *base = jscal_override_base(main_js);

	if (icalcomponent_get_first_property(main, ICAL_RECURRENCEID_PROPERTY) == NULL) {
		jscal_read_dates_of(r, main, ICAL_RDATE_PROPERTY, overrides);
		jscal_read_dates_of(r, main, ICAL_EXDATE_PROPERTY, overrides);
	}
	for (icalcomponent *c = icalcomponent_get_first_component(r->cal, kind); c != NULL;
	     c = icalcomponent_get_next_component(r->cal, kind)) {
		icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
		char key[JSCAL_LOCAL_LEN + 1];
		json_object *inst;

		if (c == main || rid == NULL || icaltime_is_null_time(jscal_prop_time(rid)))
			continue;
		jscal_read_local(r, jscal_prop_time(rid), jscal_prop_tzid(rid), key);
		inst = jscal_read_component(r, c);
		json_object_object_add(base, "start", json_object_new_string(key));
		json_object_object_add(overrides, key, jscal_diff(base, inst));
		json_object_put(inst);
	}
	json_object_put(base);
	if (json_object_object_length(overrides) > 0)
		return overrides;
	json_object_put(overrides);
	return NULL;
}

/* ---- writing ---- */

static bool jscal_patch_allowed(json_object *patch)
{
	json_object_object_foreach(patch, key, value) {
		(void)value;
		if (jscal_not_patched_key(key))
			return false;
	}
	return true;
}

/* The instance key stands for: the main object, started at key, with
 * patch applied (new reference); NULL if the patch does not apply. */
static json_object *jscal_instance(json_object *base, const char *key, json_object *patch)
{
	json_object *inst = NULL, *changes;
	const char *bad;

	if (json_object_deep_copy(base, &inst, NULL) != 0)
		return NULL;
	json_object_object_add(inst, "start", json_object_new_string(key));
	changes = json_object_new_object();
	json_object_object_foreach(patch, pkey, pvalue) {
		if (strcmp(pkey, "excluded") != 0)
			json_object_object_add(changes, pkey, json_object_get(pvalue));
	}
	if (jmap_patch_apply(inst, changes, &bad) < 0) {
		json_object_put(inst);
		inst = NULL;
	} else {
		json_object_object_add(inst, "recurrenceId", json_object_new_string(key));
	}
	json_object_put(changes);
	return inst;
}

static int jscal_write_instance(struct jscal_write *w, json_object *base, const char *key,
				json_object *patch)
{
	json_object *inst;
	icalcomponent *comp;
	int ret;

	if (!jscal_patch_allowed(patch) || (inst = jscal_instance(base, key, patch)) == NULL)
		return -1;
	comp = icalcomponent_new(w->kind);
	ret = jscal_write_component(w, inst, comp);
	json_object_put(inst);
	if (ret < 0) {
		icalcomponent_free(comp);
		return -1;
	}
	icalcomponent_add_component(w->cal, comp);
	return 0;
}

static int jscal_write_override(struct jscal_write *w, icalcomponent *master, json_object *base,
				const char *key, json_object *patch)
{
	json_object *excluded = json_object_object_get(patch, "excluded");
	size_t n = (size_t)json_object_object_length(patch);
	icalproperty *p;

	if (json_object_get_boolean(excluded) || n == 0 || (n == 1 && excluded != NULL)) {
		p = jscal_write_time(w, json_object_get_boolean(excluded) ? ICAL_EXDATE_PROPERTY :
				     ICAL_RDATE_PROPERTY, key, w->tz_name, w->is_date);
		if (p == NULL)
			return -1;
		icalcomponent_add_property(master, p);
		return 0;
	}
	return jscal_write_instance(w, base, key, patch);
}

int jscal_write_overrides(struct jscal_write *w, json_object *js, icalcomponent *master)
{
	json_object *overrides, *base;
	struct icaltimetype t;
	int ret = 0;

	if (!json_object_object_get_ex(js, "recurrenceOverrides", &overrides) || overrides == NULL)
		return 0;
	if (!json_object_is_type(overrides, json_type_object) ||
	    json_object_object_length(overrides) >= JSCALENDAR_MAX_COMPONENTS) {
		w->bad = "recurrenceOverrides";
		return -1;
	}
	base = jscal_override_base(js);
	json_object_object_foreach(overrides, key, patch) {
		if (!jscal_local_parse(key, &t) || !json_object_is_type(patch, json_type_object) ||
		    jscal_write_override(w, master, base, key, patch) < 0) {
			ret = -1;
			break;
		}
	}
	json_object_put(base);
	if (ret < 0)
		w->bad = "recurrenceOverrides";
	return ret;
}
