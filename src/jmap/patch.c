/* PatchObject (RFC 8620 §5.3). Patches go to a copy first so that a bad
 * path leaves the object as it was. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/json_pointer.h"
#include "jmap/patch.h"

/* Whether some other key of patch is key's prefix up to a '/'. */
static bool patch_has_prefix_key(json_object *patch, const char *key)
{
	char *prefix = xstrdup(key);
	bool found = false;

	for (char *slash = strchr(prefix, '/'); slash != NULL && !found;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		found = json_object_object_get_ex(patch, prefix, NULL);
		*slash = '/';
	}
	free(prefix);
	return found;
}

/* Sets or removes (value NULL) the last token of key under its parent,
 * which must exist and be an object, reached through objects only. */
static int patch_apply_one(json_object *obj, const char *key, json_object *value)
{
	json_object *parent = obj;
	const char *p = key;
	const char *slash;
	char *token;

	if (*key == '\0')
		return -1;
	while ((slash = strchr(p, '/')) != NULL) {
		json_object *child;

		token = json_pointer_unescape(p, (size_t)(slash - p));
		if (token == NULL)
			return -1;
		if (!json_object_object_get_ex(parent, token, &child) ||
		    !json_object_is_type(child, json_type_object)) {
			free(token);
			return -1;
		}
		free(token);
		parent = child;
		p = slash + 1;
	}
	if ((token = json_pointer_unescape(p, strlen(p))) == NULL)
		return -1;
	if (value == NULL)
		json_object_object_del(parent, token);
	else
		json_object_object_add(parent, token, json_object_get(value));
	free(token);
	return 0;
}

/* Makes obj hold exactly the members of from. */
static void patch_replace_members(json_object *obj, json_object *from)
{
	size_t n = (size_t)json_object_object_length(obj), i = 0;
	char **keys = xcalloc(n + 1, sizeof(*keys));

	json_object_object_foreach(obj, key, value) {
		(void)value;
		keys[i++] = xstrdup(key);
	}
	for (i = 0; i < n; i++) {
		json_object_object_del(obj, keys[i]);
		free(keys[i]);
	}
	free(keys);
	json_object_object_foreach(from, fkey, fvalue)
		json_object_object_add(obj, fkey, json_object_get(fvalue));
}

int jmap_patch_apply(json_object *obj, json_object *patch, const char **bad_path_r)
{
	json_object *copy = NULL;

	*bad_path_r = "";
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_is_type(patch, json_type_object) ||
	    json_object_deep_copy(obj, &copy, NULL) < 0)
		return -1;
	json_object_object_foreach(patch, key, value) {
		if (patch_has_prefix_key(patch, key) || patch_apply_one(copy, key, value) < 0) {
			*bad_path_r = key;
			json_object_put(copy);
			return -1;
		}
	}
	patch_replace_members(obj, copy);
	json_object_put(copy);
	return 0;
}

void jmap_patch_key_property(const char *key, char *out, size_t size)
{
	const char *slash = strchr(key, '/');
	size_t len = slash != NULL ? (size_t)(slash - key) : strlen(key);
	char *token;

	if (size == 0)
		return;
	token = json_pointer_unescape(key, len);
	if (token == NULL) {
		out[0] = '\0';
		return;
	}
	strncpy(out, token, size - 1);
	out[size - 1] = '\0';
	free(token);
}
