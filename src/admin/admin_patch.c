/* PATCH /api/principal/{name}: an array of actions
 * {"action": "set"|"addItem"|"removeItem", "field": F, "value": V}
 * applied in order to a copy of the principal. */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_private.h"
#include "core/error.h"

static const char *const admin_patch_set_fields[] = {
	"description", "quota", "role", "name", "secrets", "emails", "members",
};

static void admin_patch_lowercase(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* A secret is named by its hash or by the password it verifies. */
static void admin_patch_remove_secret(struct store_principal *p, const char *value)
{
	for (size_t i = 0; i < p->secret_count;) {
		if (strcmp(p->secrets[i], value) == 0 ||
		    directory_password_verify(value, p->secrets[i]) == 1) {
			free(p->secrets[i]);
			memmove(&p->secrets[i], &p->secrets[i + 1],
				(p->secret_count - i - 1) * sizeof(*p->secrets));
			p->secret_count--;
		} else {
			i++;
		}
	}
}

static int admin_patch_item(struct store_principal *p, bool add, const char *field,
			    json_object *v, const char **error_r)
{
	char ***list;
	size_t *count;
	char **items;
	size_t n;

	if (strcmp(field, "emails") == 0) {
		list = &p->emails, count = &p->email_count;
	} else if (strcmp(field, "members") == 0) {
		list = &p->members, count = &p->member_count;
	} else if (strcmp(field, "secrets") == 0) {
		list = &p->secrets, count = &p->secret_count;
	} else {
		*error_r = "addItem and removeItem take the field emails, members or secrets";
		return -1;
	}
	if (admin_json_string_list(v, false, &items, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (list != &p->secrets)
			admin_patch_lowercase(items[i]);
		if (add)
			admin_list_add(list, count, items[i]);
		else if (list == &p->secrets)
			admin_patch_remove_secret(p, items[i]);
		else
			admin_list_remove(*list, count, items[i]);
	}
	admin_list_free(&items, &n);
	return 0;
}

static int admin_patch_set(struct store_principal *p, const char *field, json_object *v,
			   const char **error_r)
{
	size_t n = sizeof(admin_patch_set_fields) / sizeof(admin_patch_set_fields[0]);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(field, admin_patch_set_fields[i]) == 0)
			return admin_json_principal_set(p, field, v, error_r);
	}
	*error_r = "set takes the field description, quota, role, name, secrets, emails or members";
	return -1;
}

static int admin_patch_action(json_object *a, struct store_principal *p, const char **error_r)
{
	json_object *action = NULL, *field = NULL, *value = NULL;

	if (!json_object_is_type(a, json_type_object)) {
		*error_r = "an action must be an object";
		return -1;
	}
	json_object_object_foreach(a, key, v) {
		if (strcmp(key, "action") == 0)
			action = v;
		else if (strcmp(key, "field") == 0)
			field = v;
		else if (strcmp(key, "value") == 0)
			value = v;
		else {
			*error_r = err_fmt("unknown key \"%.64s\" in an action", key);
			return -1;
		}
	}
	const char *name = admin_json_string(action), *field_name = admin_json_string(field);
	if (name == NULL || field_name == NULL) {
		*error_r = "an action needs the strings \"action\" and \"field\"";
		return -1;
	}
	if (strcmp(name, "set") == 0)
		return admin_patch_set(p, field_name, value, error_r);
	if (strcmp(name, "addItem") == 0 || strcmp(name, "removeItem") == 0)
		return admin_patch_item(p, name[0] == 'a', field_name, value, error_r);
	*error_r = "action must be \"set\", \"addItem\" or \"removeItem\"";
	return -1;
}

int admin_patch_apply(json_object *actions, struct store_principal *p, const char **error_r)
{
	const char *error;

	if (!json_object_is_type(actions, json_type_array)) {
		*error_r = "the body must be a JSON array of actions";
		return -1;
	}
	size_t n = json_object_array_length(actions);
	if (n > ADMIN_PATCH_ACTIONS_MAX) {
		*error_r = err_fmt("more than %d actions", ADMIN_PATCH_ACTIONS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (admin_patch_action(json_object_array_get_idx(actions, i), p, &error) < 0) {
			*error_r = err_fmt("action %zu: %s", i, error);
			return -1;
		}
	}
	return 0;
}
