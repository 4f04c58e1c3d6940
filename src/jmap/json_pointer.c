/* JSON Pointer (RFC 6901) with the JMAP "*" rule (RFC 8620 §3.7). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/json_pointer.h"

/* "*" can fan out over arrays that share subtrees: bound the items one
 * evaluation may produce so that no input makes it run unbounded. */
#define JSON_POINTER_MAX_ITEMS 1000000

struct pointer_eval {
	size_t items;
	const char *error;
};

char *json_pointer_unescape(const char *token, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (token[i] != '~') {
			*o++ = token[i];
		} else if (i + 1 < len && (token[i + 1] == '0' || token[i + 1] == '1')) {
			*o++ = token[i + 1] == '0' ? '~' : '/';
			i++;
		} else {
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

/* Reads the token after the '/' at *p and moves *p to the next '/' or
 * the end. Returns NULL on a bad escape. */
static char *pointer_token(const char **p)
{
	const char *start = *p + 1;
	const char *end = strchr(start, '/');
	size_t len = end != NULL ? (size_t)(end - start) : strlen(start);

	*p = start + len;
	return json_pointer_unescape(start, len);
}

/* RFC 6901 §4: an array index is "0" or digits without a leading zero. */
static int pointer_index(const char *token, size_t length, size_t *idx_r)
{
	size_t idx = 0;

	if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
		return -1;
	for (const char *c = token; *c != '\0'; c++) {
		if (*c < '0' || *c > '9' || idx > length)
			return -1;
		idx = idx * 10 + (size_t)(*c - '0');
	}
	if (idx >= length)
		return -1;
	*idx_r = idx;
	return 0;
}

static int pointer_eval_rest(json_object *cur, const char *p, struct pointer_eval *ev,
			     json_object **value_r);

static void pointer_append(json_object *out, json_object *value, struct pointer_eval *ev)
{
	if (json_object_is_type(value, json_type_array)) {
		size_t n = json_object_array_length(value);

		for (size_t i = 0; i < n; i++)
			json_object_array_add(out, json_object_get(json_object_array_get_idx(value, i)));
		ev->items += n;
		json_object_put(value);
	} else {
		json_object_array_add(out, value);
		ev->items++;
	}
}

/* "*": the rest of the path over every item, arrays flattened. */
static int pointer_map(json_object *array, const char *rest, struct pointer_eval *ev,
		       json_object **value_r)
{
	json_object *out = json_object_new_array();
	size_t n = json_object_array_length(array);

	for (size_t i = 0; i < n; i++) {
		json_object *value;

		if (pointer_eval_rest(json_object_array_get_idx(array, i), rest, ev, &value) < 0) {
			json_object_put(out);
			return -1;
		}
		pointer_append(out, value, ev);
		if (ev->items > JSON_POINTER_MAX_ITEMS) {
			ev->error = "The path selects too many values";
			json_object_put(out);
			return -1;
		}
	}
	*value_r = out;
	return 0;
}

static int pointer_step(json_object **cur, const char *token, struct pointer_eval *ev)
{
	json_object *next;
	size_t idx;

	switch (json_object_get_type(*cur)) {
	case json_type_object:
		if (!json_object_object_get_ex(*cur, token, &next)) {
			ev->error = "The path names a property that does not exist";
			return -1;
		}
		*cur = next;
		return 0;
	case json_type_array:
		if (pointer_index(token, json_object_array_length(*cur), &idx) < 0) {
			ev->error = "The path has an array index that is not valid";
			return -1;
		}
		*cur = json_object_array_get_idx(*cur, idx);
		return 0;
	default:
		ev->error = "The path goes through a value that is not an object or array";
		return -1;
	}
}

static int pointer_eval_rest(json_object *cur, const char *p, struct pointer_eval *ev,
			     json_object **value_r)
{
	while (*p != '\0') {
		char *token = pointer_token(&p);
		int ret;

		if (token == NULL) {
			ev->error = "The path has a '~' not followed by 0 or 1";
			return -1;
		}
		if (json_object_is_type(cur, json_type_array) && strcmp(token, "*") == 0) {
			free(token);
			return pointer_map(cur, p, ev, value_r);
		}
		ret = pointer_step(&cur, token, ev);
		free(token);
		if (ret < 0)
			return -1;
	}
	*value_r = json_object_get(cur);
	return 0;
}

json_object *json_pointer_eval(json_object *root, const char *pointer, const char **error_r)
{
	struct pointer_eval ev = { 0, NULL };
	json_object *value;

	*error_r = NULL;
	if (pointer[0] != '\0' && pointer[0] != '/') {
		*error_r = "The path does not start with '/'";
		return NULL;
	}
	if (pointer_eval_rest(root, pointer, &ev, &value) < 0) {
		*error_r = ev.error;
		return NULL;
	}
	return value;
}
