/* The /principal handlers of the admin API. */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_private.h"
#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"

static const char *const admin_type_query_names[] = {
	[STORE_PRINCIPAL_INDIVIDUAL] = "individual",
	[STORE_PRINCIPAL_GROUP] = "group",
	[STORE_PRINCIPAL_DOMAIN] = "domain",
};

static struct store *admin_store(const struct admin_request *req)
{
	return directory_store(req->api->dir);
}

static int admin_internal_error(const char *what, json_object **response_r)
{
	log_error("admin.error", "error=%s", log_q(what));
	return admin_error(500, "internalError", "internal error", response_r);
}

/* The principal named by the path (lowercased, as stored). 1, 0 or -1. */
static int admin_principal_load(const struct admin_request *req, struct store_principal **p_r)
{
	char *name = xstrdup(req->name);

	for (char *c = name; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	int ret = store_principal_get_by_name(admin_store(req), name, p_r);
	free(name);
	return ret;
}

static int admin_not_found(const struct admin_request *req, json_object **response_r)
{
	return admin_error(404, "notFound", err_fmt("no principal named \"%.255s\"", req->name),
			   response_r);
}

/* Gives a new individual its account, or takes the principal back. */
static int admin_principal_provision(struct admin_request *req, struct store_principal *p,
				     json_object **response_r)
{
	const char *error;
	int status;

	if (jmap_account_provision(req->api->jmap, p->id, &error) == 0)
		return 0;
	log_error("admin.provision", "id=%u name=%s error=%s", p->id, log_q(p->name), log_q(error));
	if (directory_principal_delete(req->api->dir, p->name, &status, &error) < 0)
		log_error("admin.provision", "id=%u name=%s error=%s", p->id, log_q(p->name),
			  log_q(error));
	return admin_error(500, "internalError", "cannot create the account", response_r);
}

int admin_principal_create(struct admin_request *req, json_object **response_r)
{
	struct store_principal *p = NULL;
	const char *error;
	int status;

	if (admin_json_principal_parse(req->body, &p, &error) < 0)
		return admin_error(400, "invalidRequest", error, response_r);
	if (directory_principal_create(req->api->dir, p, &status, &error) < 0) {
		store_principal_free(&p);
		return admin_directory_error(status, error, "alreadyExists", response_r);
	}
	if (p->type == STORE_PRINCIPAL_INDIVIDUAL) {
		status = admin_principal_provision(req, p, response_r);
		if (status != 0) {
			store_principal_free(&p);
			return status;
		}
	}
	status = admin_data(201, admin_json_principal(p), response_r);
	store_principal_free(&p);
	return status;
}

/* ?types=individual,group,domain into a store_principal_list() mask. */
static int admin_types_mask(json_object *query, unsigned *mask_r, const char **error_r)
{
	json_object *v = NULL;
	const char *s;

	*mask_r = 0;
	if (query == NULL || !json_object_object_get_ex(query, "types", &v))
		return 0;
	if ((s = admin_json_string(v)) == NULL) {
		*error_r = "types must be a comma-separated list";
		return -1;
	}
	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		int t;
		for (t = STORE_PRINCIPAL_INDIVIDUAL; n > 0 && t <= STORE_PRINCIPAL_DOMAIN; t++) {
			if (strlen(admin_type_query_names[t]) == n &&
			    strncmp(s, admin_type_query_names[t], n) == 0)
				break;
		}
		if (n > 0 && t > STORE_PRINCIPAL_DOMAIN) {
			*error_r = err_fmt("unknown type \"%.*s\"", (int)(n < 64 ? n : 64), s);
			return -1;
		}
		if (n > 0)
			*mask_r |= 1u << t;
		s += n + (s[n] == ',' ? 1 : 0);
	}
	return 0;
}

int admin_principal_list(struct admin_request *req, json_object **response_r)
{
	struct store_principal **list = NULL;
	size_t count = 0;
	const char *error;
	unsigned mask;

	if (admin_types_mask(req->query, &mask, &error) < 0)
		return admin_error(400, "invalidRequest", error, response_r);
	if (store_principal_list(admin_store(req), mask, &list, &count) < 0)
		return admin_internal_error("cannot list the principals", response_r);
	json_object *items = json_object_new_array_ext((int)count);
	for (size_t i = 0; i < count; i++)
		json_object_array_add(items, admin_json_principal(list[i]));
	store_principal_list_free(&list, count);
	json_object *data = json_object_new_object();
	json_object_object_add(data, "items", items);
	json_object_object_add(data, "total", json_object_new_int64((int64_t)count));
	return admin_data(200, data, response_r);
}

int admin_principal_get(struct admin_request *req, json_object **response_r)
{
	struct store_principal *p = NULL;
	int ret = admin_principal_load(req, &p);

	if (ret < 0)
		return admin_internal_error("cannot read the principal", response_r);
	if (ret == 0)
		return admin_not_found(req, response_r);
	int status = admin_data(200, admin_json_principal(p), response_r);
	store_principal_free(&p);
	return status;
}

/* A 409 from renaming a domain is alreadyExists if the new name is
 * taken, else inUse: its addresses still use the old name. */
static const char *admin_patch_conflict(const struct admin_request *req,
					const struct store_principal *p, const char *old_name)
{
	struct store_principal *other = NULL;

	if (p->type != STORE_PRINCIPAL_DOMAIN || strcmp(p->name, old_name) == 0)
		return "alreadyExists";
	int ret = store_principal_get_by_name(admin_store(req), p->name, &other);
	store_principal_free(&other);
	return ret != 0 ? "alreadyExists" : "inUse";
}

int admin_principal_patch(struct admin_request *req, json_object **response_r)
{
	struct store_principal *p = NULL;
	const char *error;
	int status;

	int ret = admin_principal_load(req, &p);
	if (ret < 0)
		return admin_internal_error("cannot read the principal", response_r);
	if (ret == 0)
		return admin_not_found(req, response_r);
	char *old_name = xstrdup(p->name);
	if (admin_patch_apply(req->body, p, &error) < 0)
		status = admin_error(400, "invalidRequest", error, response_r);
	else if (directory_principal_update(req->api->dir, p, &status, &error) < 0)
		status = admin_directory_error(status, error, admin_patch_conflict(req, p, old_name),
					       response_r);
	else
		status = admin_data(200, admin_json_principal(p), response_r);
	free(old_name);
	store_principal_free(&p);
	return status;
}

int admin_principal_delete(struct admin_request *req, json_object **response_r)
{
	const char *error;
	int status;

	if (directory_principal_delete(req->api->dir, req->name, &status, &error) < 0)
		return admin_directory_error(status, error, "inUse", response_r);
	return admin_data(200, NULL, response_r);
}
