#ifndef TERN_JMAP_PATCH_H
#define TERN_JMAP_PATCH_H

#include <json-c/json.h>

/* PatchObject (RFC 8620 §5.3): each key is a JSON Pointer path (without
 * the leading "/") into obj, each value the new value, null to remove.
 * Paths may not go through arrays, and no path may be a prefix of
 * another.
 *
 * Applies patch to obj in place. Returns 0, or -1 with *bad_path_r set
 * to the offending key (borrowed from patch) and nothing changed. */
int jmap_patch_apply(json_object *obj, json_object *patch, const char **bad_path_r);

/* The first segment of a patch key ("keywords/$seen" -> "keywords") into
 * out (NUL-terminated, truncated to size). */
void jmap_patch_key_property(const char *key, char *out, size_t size);

#endif
