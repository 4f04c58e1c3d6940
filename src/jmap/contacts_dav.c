/* The urn:tern:dav properties of AddressBook and ContactCard: only
 * in-process callers (the DAV face) may see or set them. */
#include <string.h>

#include "jmap/calendars.h"
#include "jmap/contacts.h"
#include "store/store_dav_gone.h"

#define CONTACTS_DAV_NAME_MAX 255

bool contacts_dav_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CONTACTS_DAV_NAME_MAX || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (const char *c = name; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '/')
			return false;
	}
	return true;
}

int contacts_check_dav_get(struct jmap_call *call, const struct jmap_get *get,
			   const char *const *dav_props)
{
	if (call->req->in_process)
		return 0;
	for (size_t i = 0; dav_props[i] != NULL; i++) {
		if (jmap_get_wants(get, dav_props[i]))
			return jmap_call_error(call, "invalidArguments", "Unknown property: %s",
					       dav_props[i]);
	}
	return 0;
}

/* A patch key names a property by its first segment. */
static bool contacts_key_names(const char *key, const char *prop)
{
	size_t len = strlen(prop);

	return strncmp(key, prop, len) == 0 && (key[len] == '\0' || key[len] == '/');
}

const char *contacts_dav_prop_used(const struct jmap_call *call, json_object *obj,
				   const char *const *dav_props)
{
	if (call->req->in_process)
		return NULL;
	json_object_object_foreach(obj, key, value) {
		(void)value;
		for (size_t i = 0; dav_props[i] != NULL; i++) {
			if (contacts_key_names(key, dav_props[i]))
				return dav_props[i];
		}
	}
	return NULL;
}

/* The ids of a /changes list as keys of seen. */
static void contacts_dav_ids_add(json_object *seen, json_object *list)
{
	size_t n = list != NULL ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++)
		json_object_object_add(seen, json_object_get_string(json_object_array_get_idx(list, i)),
				       NULL);
}

/* Appends one place to the places of id in by_id. */
static void contacts_dav_gone_add(json_object *by_id, const char *id, char coll_prefix,
				  const struct store_dav_gone *g)
{
	json_object *places, *place = json_object_new_object();
	char coll[24];

	if (!json_object_object_get_ex(by_id, id, &places)) {
		places = json_object_new_array();
		json_object_object_add(by_id, id, places);
	}
	jmap_id_format(coll_prefix, g->collection_id, coll);
	json_object_object_add(place, "collectionId", json_object_new_string(coll));
	json_object_object_add(place, "davName", json_object_new_string(g->dav_name));
	json_object_array_add(places, place);
}

int contacts_dav_changes_gone(struct jmap_call *call, uint64_t since, uint64_t until,
			      json_object *resp)
{
	const struct jmap_type *type = call->def->type;
	char coll_prefix = type->store_type == STORE_TYPE_CONTACT_CARD ? ADDRESSBOOK_ID_PREFIX :
			   CALENDAR_ID_PREFIX;
	struct store_dav_gone *list;
	json_object *seen, *by_id;
	const char *error;
	size_t count;

	if (!call->req->in_process)
		return 0;
	if (store_dav_gone_list(call->acct, type->store_type, since, until, &list, &count,
				&error) < 0)
		return jmap_call_error(call, "serverFail", "changes: %s", error);
	seen = json_object_new_object();
	contacts_dav_ids_add(seen, json_object_object_get(resp, "updated"));
	contacts_dav_ids_add(seen, json_object_object_get(resp, "destroyed"));
	by_id = json_object_new_object();
	for (size_t i = 0; i < count; i++) {
		char id[24];

		jmap_id_format(type->id_prefix, list[i].id, id);
		if (json_object_object_get_ex(seen, id, NULL))
			contacts_dav_gone_add(by_id, id, coll_prefix, &list[i]);
	}
	json_object_object_add(resp, "davDestroyed", by_id);
	json_object_put(seen);
	store_dav_gone_list_free(&list, count);
	return 0;
}
