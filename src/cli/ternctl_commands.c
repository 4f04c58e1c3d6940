/* ternctl's commands: each builds its API request and prints the
 * answer; the table at the end is what the command line matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ternctl.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static void ternctl_print_api_error(const struct ternctl_response *resp, json_object *obj)
{
	json_object *error, *details;

	if (obj != NULL && json_object_object_get_ex(obj, "error", &error)) {
		if (json_object_object_get_ex(obj, "details", &details))
			fprintf(stderr, "ternctl: %s: %s\n", json_object_get_string(error),
				json_object_get_string(details));
		else
			fprintf(stderr, "ternctl: %s\n", json_object_get_string(error));
		return;
	}
	fprintf(stderr, "ternctl: the server answered HTTP %d%s%.200s\n", resp->status,
		resp->body_len > 0 ? ": " : "", resp->body);
}

static json_object *ternctl_json_parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	json_object *obj = json_tokener_parse_ex(tok, text, (int)len);

	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* One API call. Returns 0 with *data_r (a new reference; NULL for JSON
 * null) on success, or an exit status after printing why. */
int ternctl_call(struct ternctl *t, const char *method, const char *path,
		 json_object *body, json_object **data_r)
{
	const char *text = body != NULL ? json_object_to_json_string_ext(body,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	struct ternctl_response resp;
	const char *error;
	json_object *obj, *data;
	char *full = xasprintf("/api%s", path);
	int ret;

	ret = ternctl_http_request(&t->server, method, full, text, &resp, &error);
	free(full);
	if (ret < 0) {
		fprintf(stderr, "ternctl: %s\n", error);
		return TERNCTL_EXIT_FAIL;
	}
	obj = ternctl_json_parse(resp.body, resp.body_len);
	if (resp.status < 200 || resp.status > 299 || obj == NULL ||
	    !json_object_object_get_ex(obj, "data", &data)) {
		ternctl_print_api_error(&resp, obj);
		json_object_put(obj);
		ternctl_response_free(&resp);
		return TERNCTL_EXIT_FAIL;
	}
	*data_r = json_object_get(data);
	json_object_put(obj);
	ternctl_response_free(&resp);
	return 0;
}

char *ternctl_path_segment(const char *s)
{
	struct strbuf b = { 0 };

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~@", *p) != NULL)
			strbuf_putc(&b, (char)*p);
		else
			strbuf_printf(&b, "%%%02X", *p);
	}
	return strbuf_steal(&b);
}

static char *ternctl_principal_path(const char *name)
{
	char *seg = ternctl_path_segment(name);
	char *path = xasprintf("/principal/%s", seg);

	free(seg);
	return path;
}

/* The command's --password, or one read now; NULL when none is given. */
static char *ternctl_new_secret(struct ternctl *t)
{
	if ((t->given & OPT_PASSWORD) != 0)
		return t->password[0] != '\0' ? xstrdup(t->password) : NULL;
	return ternctl_read_secret("New password: ");
}

/* ---- commands ---- */

/* 0 when name is a principal of that type; else an exit status. */
static int ternctl_expect_type(struct ternctl *t, const char *name, const char *type)
{
	char *path = ternctl_principal_path(name);
	json_object *data = NULL;
	int ret = ternctl_call(t, "GET", path, NULL, &data);

	free(path);
	if (ret == 0 && strcmp(ternctl_str(data, "type"), type) != 0) {
		fprintf(stderr, "ternctl: %s is not a%s %s (its type is %s)\n", name,
			type[0] == 'i' ? "n" : "", type, ternctl_str(data, "type"));
		ret = TERNCTL_EXIT_FAIL;
	}
	json_object_put(data);
	return ret;
}

static int ternctl_principal_delete(struct ternctl *t, const char *name, const char *type)
{
	char *path, *line;
	json_object *data = NULL;
	int ret;

	if ((ret = ternctl_expect_type(t, name, type)) != 0)
		return ret;
	path = ternctl_principal_path(name);
	ret = ternctl_call(t, "DELETE", path, NULL, &data);
	free(path);
	if (ret != 0)
		return ret;
	line = xasprintf("deleted %s %s", strcmp(type, "domain") == 0 ? "domain" : "account", name);
	ret = ternctl_done(t, data, line);
	free(line);
	return ret;
}

static int ternctl_principal_list(struct ternctl *t, const char *type,
				  const char *const *titles, const char *const *keys,
				  size_t ncols)
{
	char *path = xasprintf("/principal?types=%s", type);
	json_object *data = NULL;
	int ret = ternctl_call(t, "GET", path, NULL, &data);

	free(path);
	if (ret != 0)
		return ret;
	if (t->json)
		ternctl_print_json(data);
	else
		ternctl_print_principals(data, titles, keys, ncols);
	json_object_put(data);
	return 0;
}

static int ternctl_cmd_domain_add(struct ternctl *t, char **args)
{
	json_object *body = json_object_new_object(), *data = NULL;
	char *line;
	int ret;

	json_object_object_add(body, "type", json_object_new_string("domain"));
	json_object_object_add(body, "name", json_object_new_string(args[0]));
	if ((t->given & OPT_DESCRIPTION) != 0)
		json_object_object_add(body, "description", json_object_new_string(t->description));
	ret = ternctl_call(t, "POST", "/principal", body, &data);
	json_object_put(body);
	if (ret != 0)
		return ret;
	line = xasprintf("added domain %s", ternctl_str(data, "name"));
	ret = ternctl_done(t, data, line);
	free(line);
	return ret;
}

static int ternctl_cmd_domain_list(struct ternctl *t, char **args)
{
	static const char *const titles[] = { "DOMAIN", "DESCRIPTION" };
	static const char *const keys[] = { "name", "description" };

	return ternctl_principal_list(t, "domain", titles, keys, 2);
}

static int ternctl_cmd_domain_delete(struct ternctl *t, char **args)
{
	return ternctl_principal_delete(t, args[0], "domain");
}

static json_object *ternctl_account_body(struct ternctl *t, const char *address, char *secret)
{
	json_object *body = json_object_new_object();
	json_object *secrets = json_object_new_array(), *emails = json_object_new_array();
	const char *at = strrchr(address, '@');
	char *name = (t->given & OPT_NAME) != 0 ? xstrdup(t->name) :
		at != NULL ? xstrndup(address, (size_t)(at - address)) : xstrdup(address);

	json_object_array_add(secrets, json_object_new_string(secret));
	if (at != NULL)
		json_object_array_add(emails, json_object_new_string(address));
	json_object_object_add(body, "type", json_object_new_string("individual"));
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "secrets", secrets);
	json_object_object_add(body, "emails", emails);
	if ((t->given & OPT_QUOTA) != 0)
		json_object_object_add(body, "quota", json_object_new_int64(t->quota));
	if ((t->given & OPT_DESCRIPTION) != 0)
		json_object_object_add(body, "description", json_object_new_string(t->description));
	if ((t->given & OPT_ADMIN) != 0)
		json_object_object_add(body, "role", json_object_new_string("admin"));
	free(name);
	return body;
}

static int ternctl_cmd_account_add(struct ternctl *t, char **args)
{
	char *secret = ternctl_new_secret(t), *line;
	json_object *body, *data = NULL;
	int ret;

	if (secret == NULL)
		return ternctl_usage_error("account add needs --password");
	body = ternctl_account_body(t, args[0], secret);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	ret = ternctl_call(t, "POST", "/principal", body, &data);
	json_object_put(body);
	if (ret != 0)
		return ret;
	line = xasprintf("added account %s (account id %s)", ternctl_str(data, "name"),
			 ternctl_str(data, "accountId"));
	ret = ternctl_done(t, data, line);
	free(line);
	return ret;
}

static int ternctl_cmd_account_list(struct ternctl *t, char **args)
{
	static const char *const titles[] = { "NAME", "ROLE", "QUOTA", "EMAILS" };
	static const char *const keys[] = { "name", "role", "quota", "emails" };

	return ternctl_principal_list(t, "individual", titles, keys, 4);
}

static int ternctl_cmd_account_show(struct ternctl *t, char **args)
{
	char *path = ternctl_principal_path(args[0]);
	json_object *data = NULL;
	int ret = ternctl_call(t, "GET", path, NULL, &data);

	free(path);
	if (ret != 0)
		return ret;
	if (t->json)
		ternctl_print_json(data);
	else
		ternctl_print_principal(data);
	json_object_put(data);
	return 0;
}

/* PATCH one action on a principal; takes value. */
static int ternctl_patch(struct ternctl *t, const char *name, const char *action,
			 const char *field, json_object *value, const char *line)
{
	json_object *body = json_object_new_array(), *act = json_object_new_object();
	json_object *data = NULL;
	char *path = ternctl_principal_path(name);
	int ret;

	json_object_object_add(act, "action", json_object_new_string(action));
	json_object_object_add(act, "field", json_object_new_string(field));
	json_object_object_add(act, "value", value);
	json_object_array_add(body, act);
	ret = ternctl_call(t, "PATCH", path, body, &data);
	json_object_put(body);
	free(path);
	return ret != 0 ? ret : ternctl_done(t, data, line);
}

static int ternctl_cmd_account_passwd(struct ternctl *t, char **args)
{
	char *secret = ternctl_new_secret(t), *line;
	json_object *value;
	int ret;

	if (secret == NULL)
		return ternctl_usage_error("account passwd needs --password");
	value = json_object_new_array();
	json_object_array_add(value, json_object_new_string(secret));
	explicit_bzero(secret, strlen(secret));
	free(secret);
	line = xasprintf("changed the password of %s", args[0]);
	ret = ternctl_patch(t, args[0], "set", "secrets", value, line);
	free(line);
	return ret;
}

static int ternctl_cmd_alias_add(struct ternctl *t, char **args)
{
	char *line = xasprintf("added %s to %s", args[1], args[0]);
	int ret = ternctl_patch(t, args[0], "addItem", "emails",
				json_object_new_string(args[1]), line);

	free(line);
	return ret;
}

static int ternctl_cmd_alias_remove(struct ternctl *t, char **args)
{
	char *line = xasprintf("removed %s from %s", args[1], args[0]);
	int ret = ternctl_patch(t, args[0], "removeItem", "emails",
				json_object_new_string(args[1]), line);

	free(line);
	return ret;
}

static int ternctl_cmd_account_delete(struct ternctl *t, char **args)
{
	return ternctl_principal_delete(t, args[0], "individual");
}

const struct ternctl_command ternctl_commands[] = {
	{ "domain add", "DOMAIN", 1, OPT_DESCRIPTION, ternctl_cmd_domain_add },
	{ "domain list", "", 0, 0, ternctl_cmd_domain_list },
	{ "domain delete", "DOMAIN", 1, 0, ternctl_cmd_domain_delete },
	{ "domain dns", "DOMAIN", 1, 0, ternctl_cmd_domain_dns },
	{ "account add", "ADDRESS", 1,
	  OPT_PASSWORD | OPT_NAME | OPT_QUOTA | OPT_DESCRIPTION | OPT_ADMIN,
	  ternctl_cmd_account_add },
	{ "account list", "", 0, 0, ternctl_cmd_account_list },
	{ "account show", "NAME", 1, 0, ternctl_cmd_account_show },
	{ "account passwd", "NAME", 1, OPT_PASSWORD, ternctl_cmd_account_passwd },
	{ "account alias add", "NAME ADDRESS", 2, 0, ternctl_cmd_alias_add },
	{ "account alias remove", "NAME ADDRESS", 2, 0, ternctl_cmd_alias_remove },
	{ "account delete", "NAME", 1, 0, ternctl_cmd_account_delete },
};

const size_t ternctl_command_count = sizeof(ternctl_commands) / sizeof(ternctl_commands[0]);
