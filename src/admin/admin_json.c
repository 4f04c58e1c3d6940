/* The JSON of the admin API (docs/http-api.md): envelopes, errors and
 * principals. */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_private.h"
#include "core/config.h"
#include "core/error.h"
#include "core/xalloc.h"

static const char *const admin_type_names[] = {
	[STORE_PRINCIPAL_INDIVIDUAL] = "individual",
	[STORE_PRINCIPAL_GROUP] = "group",
	[STORE_PRINCIPAL_DOMAIN] = "domain",
};

int admin_error(int status, const char *code, const char *details, json_object **response_r)
{
	json_object *o = json_object_new_object();
	char *text = xstrdup(details != NULL ? details : "");

	/* details may quote client input: keep the answer plain ASCII */
	for (unsigned char *p = (unsigned char *)text; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	}
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "details", json_object_new_string(text));
	free(text);
	*response_r = o;
	return status;
}

int admin_data(int status, json_object *data, json_object **response_r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "data", data);
	*response_r = o;
	return status;
}

int admin_directory_error(int status, const char *error, const char *conflict_code,
			  json_object **response_r)
{
	switch (status) {
	case 400:
		return admin_error(400, "invalidRequest", error, response_r);
	case 404:
		return admin_error(404, "notFound", error, response_r);
	case 409:
		return admin_error(409, conflict_code, error, response_r);
	default:
		/* the directory logged the detail */
		return admin_error(500, "internalError", "internal error", response_r);
	}
}

static json_object *admin_json_strings(char *const *list, size_t count)
{
	json_object *a = json_object_new_array_ext((int)count);

	for (size_t i = 0; i < count; i++)
		json_object_array_add(a, json_object_new_string(list[i]));
	return a;
}

json_object *admin_json_principal(const struct store_principal *p)
{
	json_object *o = json_object_new_object();
	char account_id[16];

	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "type", json_object_new_string(admin_type_names[p->type]));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "description", p->description != NULL ?
			       json_object_new_string(p->description) : NULL);
	json_object_object_add(o, "role", json_object_new_string(p->role != NULL ? p->role : "user"));
	json_object_object_add(o, "quota", json_object_new_uint64(p->quota));
	json_object_object_add(o, "emails", admin_json_strings(p->emails, p->email_count));
	json_object_object_add(o, "members", admin_json_strings(p->members, p->member_count));
	if (p->type == STORE_PRINCIPAL_DOMAIN) {
		json_object_object_add(o, "accountId", NULL);
	} else {
		jmap_account_id_format(p->id, account_id);
		json_object_object_add(o, "accountId", json_object_new_string(account_id));
	}
	return o;
}

const char *admin_json_string(json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	if (len > ADMIN_STRING_MAX || strlen(s) != len)
		return NULL;
	return s;
}

void admin_list_free(char ***listp, size_t *count)
{
	char **list = *listp;

	for (size_t i = 0; list != NULL && i < *count; i++) {
		explicit_bzero(list[i], strlen(list[i]));
		free(list[i]);
	}
	free(list);
	*listp = NULL;
	*count = 0;
}

void admin_list_add(char ***list, size_t *count, const char *s)
{
	for (size_t i = 0; i < *count; i++) {
		if (strcmp((*list)[i], s) == 0)
			return;
	}
	*list = xrealloc(*list, (*count + 1) * sizeof(**list));
	(*list)[(*count)++] = xstrdup(s);
}

size_t admin_list_remove(char **list, size_t *count, const char *s)
{
	size_t removed = 0;

	for (size_t i = 0; i < *count;) {
		if (strcmp(list[i], s) == 0) {
			free(list[i]);
			memmove(&list[i], &list[i + 1], (*count - i - 1) * sizeof(*list));
			(*count)--;
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

int admin_json_string_list(json_object *v, bool as_list_only, char ***list_r,
			   size_t *count_r, const char **error_r)
{
	*list_r = NULL;
	*count_r = 0;
	if (!as_list_only && admin_json_string(v) != NULL) {
		admin_list_add(list_r, count_r, admin_json_string(v));
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > ADMIN_LIST_MAX) {
		*error_r = as_list_only ? "expected a list of strings" :
			"expected a string or a list of strings";
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		const char *s = admin_json_string(json_object_array_get_idx(v, i));
		if (s == NULL) {
			admin_list_free(list_r, count_r);
			*error_r = "expected a list of strings (each at most 1024 bytes)";
			return -1;
		}
		admin_list_add(list_r, count_r, s);
	}
	return 0;
}

/* ---- POST body ---- */

typedef int admin_field_parse_t(json_object *v, struct store_principal *p, const char **error_r);

static int admin_field_type(json_object *v, struct store_principal *p, const char **error_r)
{
	const char *s = admin_json_string(v);

	for (int t = STORE_PRINCIPAL_INDIVIDUAL; s != NULL && t <= STORE_PRINCIPAL_DOMAIN; t++) {
		if (strcmp(s, admin_type_names[t]) == 0) {
			p->type = (enum store_principal_type)t;
			return 0;
		}
	}
	*error_r = "must be \"individual\", \"group\" or \"domain\"";
	return -1;
}

static int admin_field_text(json_object *v, char **field, bool nullable, const char **error_r)
{
	const char *s = admin_json_string(v);

	if (s == NULL && !(nullable && v == NULL)) {
		*error_r = nullable ? "expected a string (at most 1024 bytes) or null" :
			"expected a string (at most 1024 bytes)";
		return -1;
	}
	free(*field);
	*field = s != NULL ? xstrdup(s) : NULL;
	return 0;
}

static int admin_field_name(json_object *v, struct store_principal *p, const char **error_r)
{
	return admin_field_text(v, &p->name, false, error_r);
}

static int admin_field_description(json_object *v, struct store_principal *p,
				   const char **error_r)
{
	return admin_field_text(v, &p->description, true, error_r);
}

static int admin_field_role(json_object *v, struct store_principal *p, const char **error_r)
{
	return admin_field_text(v, &p->role, false, error_r);
}

/* A non-negative integer of bytes, or a size string like "1G". */
static int admin_field_quota(json_object *v, struct store_principal *p, const char **error_r)
{
	int64_t bytes = -1;

	if (json_object_is_type(v, json_type_int))
		bytes = json_object_get_int64(v);
	else if (admin_json_string(v) == NULL ||
		 config_parse_size(admin_json_string(v), &bytes) < 0)
		bytes = -1;
	if (bytes < 0) {
		*error_r = "must be a non-negative integer of bytes";
		return -1;
	}
	p->quota = (uint64_t)bytes;
	return 0;
}

static int admin_field_list(json_object *v, bool as_list_only, char ***list, size_t *count,
			    const char **error_r)
{
	char **items;
	size_t n;

	if (admin_json_string_list(v, as_list_only, &items, &n, error_r) < 0)
		return -1;
	admin_list_free(list, count);
	*list = items;
	*count = n;
	return 0;
}

static int admin_field_secrets(json_object *v, struct store_principal *p, const char **error_r)
{
	return admin_field_list(v, false, &p->secrets, &p->secret_count, error_r);
}

static int admin_field_emails(json_object *v, struct store_principal *p, const char **error_r)
{
	return admin_field_list(v, true, &p->emails, &p->email_count, error_r);
}

static int admin_field_members(json_object *v, struct store_principal *p, const char **error_r)
{
	return admin_field_list(v, true, &p->members, &p->member_count, error_r);
}

static const struct admin_field {
	const char *name;
	admin_field_parse_t *parse;
} admin_principal_fields[] = {
	{ "type", admin_field_type },
	{ "name", admin_field_name },
	{ "description", admin_field_description },
	{ "role", admin_field_role },
	{ "quota", admin_field_quota },
	{ "secrets", admin_field_secrets },
	{ "emails", admin_field_emails },
	{ "members", admin_field_members },
};

int admin_json_principal_set(struct store_principal *p, const char *field, json_object *v,
			     const char **error_r)
{
	const char *error;

	for (size_t i = 0; i < sizeof(admin_principal_fields) / sizeof(admin_principal_fields[0]); i++) {
		const struct admin_field *f = &admin_principal_fields[i];
		if (strcmp(f->name, field) != 0)
			continue;
		if (f->parse(v, p, &error) == 0)
			return 0;
		*error_r = err_fmt("%s: %s", f->name, error);
		return -1;
	}
	*error_r = err_fmt("unknown field \"%.64s\"", field);
	return -1;
}

int admin_json_principal_parse(json_object *obj, struct store_principal **p_r,
			       const char **error_r)
{
	struct store_principal *p;

	if (!json_object_is_type(obj, json_type_object)) {
		*error_r = "the body must be a JSON object";
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	json_object_object_foreach(obj, key, v) {
		if (admin_json_principal_set(p, key, v, error_r) < 0) {
			store_principal_free(&p);
			return -1;
		}
	}
	if (p->type == 0 || p->name == NULL) {
		*error_r = p->type == 0 ? "type is missing" : "name is missing";
		store_principal_free(&p);
		return -1;
	}
	*p_r = p;
	return 0;
}
