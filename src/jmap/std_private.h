#ifndef TERN_JMAP_STD_PRIVATE_H
#define TERN_JMAP_STD_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jmap/stdmethods.h"

/* Helpers shared by the standard methods (std_*.c). Each function that
 * can fail sets the method error on call and returns -1. */

/* Fails with invalidArguments if call->args has an argument in neither
 * list (both NULL-terminated; extra may be NULL). */
int jmap_args_check(struct jmap_call *call, const char *const *known,
		    const struct jmap_arg *extra);

/* The argument name if present and not null, else NULL in *value_r;
 * fails with invalidArguments if it has another JSON type. */
int jmap_arg_get(struct jmap_call *call, const char *name, enum json_type type,
		 json_object **value_r);
/* An Int argument (|n| < 2^53), def when absent or null. */
int jmap_arg_int(struct jmap_call *call, const char *name, int64_t def, int64_t *value_r);
/* An UnsignedInt|null argument: -1 in *value_r when absent or null. */
int jmap_arg_uint_or_null(struct jmap_call *call, const char *name, int64_t *value_r);
int jmap_arg_bool(struct jmap_call *call, const char *name, bool def, bool *value_r);

/* A new response object starting with "accountId". */
json_object *jmap_std_response(const struct jmap_call *call);
/* The state string of call's type in call's account. */
void jmap_std_state(const struct jmap_call *call, char out[24]);

/* Whether value is a valid value of prop (kind and nullability). */
bool jmap_prop_value_valid(const struct jmap_prop *prop, json_object *value);

/* /set: checks a create object against the type's properties. Returns
 * NULL, or an invalidProperties SetError naming every bad property. */
json_object *jmap_set_check_create(const struct jmap_type *type, json_object *obj);
/* /set: checks a PatchObject's keys (syntax, prefixes, properties,
 * values). Server-set and immutable properties may appear only with
 * their current value, and are then dropped. Returns 0 and the patch to
 * apply in *patch_r (new reference); -1 and a SetError in *error_r; or
 * -1 with *error_r NULL when the method failed (error set on call). */
int jmap_set_check_update(struct jmap_call *call, const char *id, json_object *patch,
			  json_object **patch_r, json_object **error_r);

/* /query and /queryChanges: validates "filter" and "sort" and runs the
 * type's query; q->ids is then every matching id in order (owned by q,
 * freed with jmap_query_clear()). */
int jmap_query_run(struct jmap_call *call, struct jmap_query *q);
void jmap_query_clear(struct jmap_query *q);
/* Whether the filter and sort of q name only immutable properties, so
 * that an object's place in the results can never move (RFC 8620 §5.6,
 * upToId). */
bool jmap_query_immutable(const struct jmap_type *type, const struct jmap_query *q);

#endif
