/* Creating, updating and deleting principals: every field is checked
 * before anything is written (check, then proceed). The check helpers
 * return 0 or the HTTP-like status of the failure, with *error_r set. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "directory/directory_dkim.h"
#include "directory/directory_private.h"

static const char *const principal_type_names[] = {
	[STORE_PRINCIPAL_INDIVIDUAL] = "individual",
	[STORE_PRINCIPAL_GROUP] = "group",
	[STORE_PRINCIPAL_DOMAIN] = "domain",
};

static int principal_store_status(void)
{
	switch (store_last_error()) {
	case STORE_ERR_EXISTS:
		return 409;
	case STORE_ERR_NOT_FOUND:
		return 404;
	default:
		return 500;
	}
}

static int principal_check_kind(const struct store_principal *p, const char **error_r)
{
	switch (p->type) {
	case STORE_PRINCIPAL_INDIVIDUAL:
		*error_r = p->member_count > 0 ? "only groups have members" : NULL;
		break;
	case STORE_PRINCIPAL_GROUP:
		*error_r = p->secret_count > 0 ? "a group has no secrets" : NULL;
		break;
	case STORE_PRINCIPAL_DOMAIN:
		*error_r = p->secret_count > 0 || p->email_count > 0 || p->member_count > 0 ?
			"a domain has no secrets, addresses or members" : NULL;
		break;
	default:
		*error_r = "unknown principal type";
		break;
	}
	return *error_r != NULL ? 400 : 0;
}

static int principal_check_secrets(const struct store_principal *p, const char **error_r)
{
	if (p->secret_count > DIRECTORY_SECRETS_MAX) {
		*error_r = err_fmt("more than %d secrets", DIRECTORY_SECRETS_MAX);
		return 400;
	}
	for (size_t i = 0; i < p->secret_count; i++) {
		const char *s = p->secrets[i];
		if (s == NULL || s[0] == '\0') {
			*error_r = "a secret is empty";
			return 400;
		}
		if (strlen(s) > DIRECTORY_PASSWORD_MAX) {
			*error_r = err_fmt("a secret is longer than %d bytes", DIRECTORY_PASSWORD_MAX);
			return 400;
		}
	}
	return 0;
}

/* Type, name, description, role and the sizes of the lists. */
static int principal_check_fields(struct store_principal *p, const char **error_r)
{
	int status = principal_check_kind(p, error_r);

	if (status != 0)
		return status;
	if (p->name == NULL) {
		*error_r = "the name is missing";
		return 400;
	}
	directory_lowercase(p->name);
	*error_r = p->type == STORE_PRINCIPAL_DOMAIN ? directory_domain_check(p->name) :
		directory_name_check(p->name);
	if (*error_r != NULL)
		return 400;
	if (p->description != NULL && (strlen(p->description) > DIRECTORY_DESCRIPTION_MAX ||
				       !directory_utf8_valid(p->description))) {
		*error_r = "the description is longer than 1024 bytes or not UTF-8";
		return 400;
	}
	if (p->role == NULL)
		p->role = xstrdup("user");
	directory_lowercase(p->role);
	if (strcmp(p->role, "user") != 0 && strcmp(p->role, "admin") != 0) {
		*error_r = "the role must be \"user\" or \"admin\"";
		return 400;
	}
	if (p->email_count > DIRECTORY_EMAILS_MAX || p->member_count > DIRECTORY_MEMBERS_MAX) {
		*error_r = err_fmt("more than %d addresses or members", DIRECTORY_EMAILS_MAX);
		return 400;
	}
	return principal_check_secrets(p, error_r);
}

/* 0 if no principal other than self_id is called name or owns the
 * address name; 409 or 500 otherwise. */
static int principal_check_taken(struct directory *dir, const char *name, uint32_t self_id,
				 const char **error_r)
{
	struct store_principal *other = NULL;
	int ret = store_principal_get_by_name(dir->store, name, &other);

	if (ret == 0 && strchr(name, '@') != NULL)
		ret = store_principal_get_by_email(dir->store, name, &other);
	if (ret < 0) {
		*error_r = "cannot read the directory";
		return 500;
	}
	bool taken = ret > 0 && other->id != self_id;
	store_principal_free(&other);
	if (taken) {
		*error_r = err_fmt("\"%.100s\" is already taken", name);
		return 409;
	}
	return 0;
}

static int principal_check_domain_exists(struct directory *dir, const char *domain,
					 const char **error_r)
{
	struct store_principal *d = NULL;
	int ret = store_principal_get_by_name(dir->store, domain, &d);

	if (ret < 0) {
		*error_r = "cannot read the directory";
		return 500;
	}
	bool exists = ret > 0 && d->type == STORE_PRINCIPAL_DOMAIN;
	store_principal_free(&d);
	if (!exists) {
		*error_r = err_fmt("the domain %.253s does not exist", domain);
		return 404;
	}
	return 0;
}

static int principal_check_email(struct directory *dir, const struct store_principal *p,
				 size_t idx, const char **error_r)
{
	char *address = p->emails[idx];
	const char *why;

	if (address == NULL) {
		*error_r = "an address is missing";
		return 400;
	}
	directory_lowercase(address);
	why = directory_address_check(address);
	if (why != NULL) {
		*error_r = err_fmt("address \"%.100s\": %s", address, why);
		return 400;
	}
	for (size_t j = 0; j < idx; j++) {
		if (strcmp(p->emails[j], address) == 0) {
			*error_r = err_fmt("address %s is listed twice", address);
			return 400;
		}
	}
	int status = principal_check_domain_exists(dir, directory_address_domain(address), error_r);
	if (status == 0)
		status = principal_check_taken(dir, address, p->id, error_r);
	return status;
}

static int principal_check_member(struct directory *dir, const struct store_principal *p,
				  size_t idx, const char **error_r)
{
	char *member = p->members[idx];
	struct store_principal *m = NULL;

	if (member == NULL) {
		*error_r = "a member is missing";
		return 400;
	}
	directory_lowercase(member);
	if (strcmp(member, p->name) == 0) {
		*error_r = "a group cannot be its own member";
		return 400;
	}
	for (size_t j = 0; j < idx; j++) {
		if (strcmp(p->members[j], member) == 0) {
			*error_r = err_fmt("member %.100s is listed twice", member);
			return 400;
		}
	}
	int ret = store_principal_get_by_name(dir->store, member, &m);
	if (ret < 0) {
		*error_r = "cannot read the directory";
		return 500;
	}
	int status = ret == 0 ? 404 : m->type == STORE_PRINCIPAL_DOMAIN ? 400 : 0;
	store_principal_free(&m);
	if (status != 0)
		*error_r = err_fmt(status == 404 ? "member %.100s does not exist" :
				   "member %.100s is a domain", member);
	return status;
}

static int principal_validate(struct directory *dir, struct store_principal *p,
			      const char **error_r)
{
	int status = principal_check_fields(p, error_r);

	if (status == 0)
		status = principal_check_taken(dir, p->name, p->id, error_r);
	for (size_t i = 0; status == 0 && i < p->email_count; i++)
		status = principal_check_email(dir, p, i, error_r);
	for (size_t i = 0; status == 0 && i < p->member_count; i++)
		status = principal_check_member(dir, p, i, error_r);
	return status;
}

/* Replaces every plaintext secret by its yescrypt hash. */
static int principal_hash_secrets(struct store_principal *p, const char **error_r)
{
	for (size_t i = 0; i < p->secret_count; i++) {
		if (directory_password_is_hash(p->secrets[i]))
			continue;
		char *hash = directory_password_hash(p->secrets[i]);
		if (hash == NULL) {
			*error_r = "cannot hash the secret";
			return 500;
		}
		explicit_bzero(p->secrets[i], strlen(p->secrets[i]));
		free(p->secrets[i]);
		p->secrets[i] = hash;
	}
	return 0;
}

static int principal_fail(int status, int *status_r, const char **error_r, const char *error)
{
	if (status == 500)
		log_error("directory.principal", "error=%s", log_q(error));
	*status_r = status;
	*error_r = error;
	return -1;
}

int directory_principal_create(struct directory *dir, struct store_principal *p,
			       int *status_r, const char **error_r)
{
	const char *error = NULL;
	int status;

	p->id = 0;
	status = principal_validate(dir, p, &error);
	if (status == 0)
		status = principal_hash_secrets(p, &error);
	if (status == 0 && store_principal_create(dir->store, p, &error) < 0) {
		status = principal_store_status();
		if (status == 409)
			error = "the name or an address is already taken";
	}
	if (status != 0)
		return principal_fail(status, status_r, error_r, error);
	log_info("directory.principal.create", "id=%u type=%s name=%s", p->id,
		 principal_type_names[p->type], log_q(p->name));
	/* a domain whose keys cannot be made now gets them on first lookup */
	if (p->type == STORE_PRINCIPAL_DOMAIN && directory_dkim_keys_create(dir, p->id, &error) < 0)
		log_warn("directory.dkim", "domain=%s error=%s", log_q(p->name), log_q(error));
	*status_r = 200;
	return 0;
}

/* 1 if an individual or group has an address in domain, 0 if none,
 * -1 on error. */
static int principal_domain_in_use(struct directory *dir, const char *domain)
{
	struct store_principal **list = NULL;
	size_t count = 0;
	int ret = 0;

	if (store_principal_list(dir->store, 1u << STORE_PRINCIPAL_INDIVIDUAL |
				 1u << STORE_PRINCIPAL_GROUP, &list, &count) < 0)
		return -1;
	for (size_t i = 0; ret == 0 && i < count; i++) {
		for (size_t j = 0; j < list[i]->email_count; j++) {
			if (strcmp(directory_address_domain(list[i]->emails[j]), domain) == 0) {
				ret = 1;
				break;
			}
		}
	}
	store_principal_list_free(&list, count);
	return ret;
}

static int principal_check_domain_free(struct directory *dir, const char *domain,
				       const char **error_r)
{
	int ret = principal_domain_in_use(dir, domain);

	if (ret < 0) {
		*error_r = "cannot read the directory";
		return 500;
	}
	if (ret > 0) {
		*error_r = err_fmt("the domain %.253s still has addresses", domain);
		return 409;
	}
	return 0;
}

static int principal_update_checked(struct directory *dir, struct store_principal *p,
				    const struct store_principal *old, const char **error_r)
{
	bool renamed;
	int status;

	if (old->type != p->type) {
		*error_r = "the type of a principal cannot change";
		return 400;
	}
	status = principal_validate(dir, p, error_r);
	renamed = status == 0 && strcmp(old->name, p->name) != 0;
	if (renamed && old->type == STORE_PRINCIPAL_DOMAIN)
		status = principal_check_domain_free(dir, old->name, error_r);
	if (status == 0)
		status = principal_hash_secrets(p, error_r);
	if (status == 0 && store_principal_update(dir->store, p, error_r) < 0) {
		status = principal_store_status();
		if (status == 409)
			*error_r = "the name or an address is already taken";
	}
	return status;
}

int directory_principal_update(struct directory *dir, struct store_principal *p,
			       int *status_r, const char **error_r)
{
	struct store_principal *old = NULL;
	const char *error = NULL;
	int status;

	int ret = store_principal_get_by_id(dir->store, p->id, &old);
	if (ret <= 0)
		return principal_fail(ret < 0 ? 500 : 404, status_r, error_r,
				      ret < 0 ? "cannot read the directory" : "no such principal");
	status = principal_update_checked(dir, p, old, &error);
	store_principal_free(&old);
	if (status != 0)
		return principal_fail(status, status_r, error_r, error);
	auth_cache_forget_principal(dir->cache, p->id);
	log_info("directory.principal.update", "id=%u name=%s", p->id, log_q(p->name));
	*status_r = 200;
	return 0;
}

static int principal_delete_checked(struct directory *dir, const struct store_principal *p,
				    const char **error_r)
{
	/* the store drops the memberships of a deleted principal */
	if (p->type == STORE_PRINCIPAL_DOMAIN) {
		int status = principal_check_domain_free(dir, p->name, error_r);
		if (status != 0)
			return status;
	}
	int ret = store_principal_delete(dir->store, p->id, error_r);
	if (ret == 0)
		*error_r = "no such principal";
	return ret > 0 ? 0 : ret == 0 ? 404 : 500;
}

int directory_principal_delete(struct directory *dir, const char *name, int *status_r,
			       const char **error_r)
{
	struct store_principal *p = NULL;
	const char *error = NULL;

	if (name == NULL || strlen(name) > DIRECTORY_NAME_MAX)
		return principal_fail(404, status_r, error_r, "no such principal");
	char *lname = xstrdup(name);
	directory_lowercase(lname);
	int ret = store_principal_get_by_name(dir->store, lname, &p);
	free(lname);
	if (ret <= 0)
		return principal_fail(ret < 0 ? 500 : 404, status_r, error_r,
				      ret < 0 ? "cannot read the directory" : "no such principal");
	int status = principal_delete_checked(dir, p, &error);
	if (status == 0) {
		auth_cache_forget_principal(dir->cache, p->id);
		log_info("directory.principal.delete", "id=%u name=%s", p->id, log_q(p->name));
	}
	store_principal_free(&p);
	if (status != 0)
		return principal_fail(status, status_r, error_r, error);
	*status_r = 200;
	return 0;
}
