/* The urn:tern:dav properties of AddressBook and ContactCard: only
 * in-process callers (the DAV face) may see or set them. */
#include <string.h>

#include "jmap/contacts.h"

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
