/* Checks a parsed configuration against the schema. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_schema.h"
#include "core/error.h"
#include "core/log.h"
#include "core/xalloc.h"

struct config_check {
	/* stands in for the file of settings read from a string */
	const char *name;
	const char **error_r;
};

static const char *const config_kind_expected[] = {
	[CONFIG_KIND_GROUP] = "expected a group",
	[CONFIG_KIND_STRING] = "expected a string",
	[CONFIG_KIND_INT] = "expected a non-negative integer",
	[CONFIG_KIND_BOOL] = "expected a boolean",
	[CONFIG_KIND_STRINGS] = "expected a string or a list of strings",
	[CONFIG_KIND_DURATION] =
		"expected a duration: seconds, or a string like \"30s\", \"10m\", \"1h\", \"1d\"",
	[CONFIG_KIND_SIZE] =
		"expected a size: bytes, or a string like \"512\", \"64K\", \"50M\", \"1G\"",
};

static int config_check_group(struct config_check *ctx, const config_setting_t *group,
			      const char *path);

static const char *config_setting_file(const struct config_check *ctx,
				       const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);

	return file != NULL ? file : ctx->name;
}

static int config_check_fail(struct config_check *ctx, const config_setting_t *s,
			     const char *path, const char *what)
{
	*ctx->error_r = err_fmt("%s:%u: key %s: %s", config_setting_file(ctx, s),
				config_setting_source_line(s), path, what);
	return -1;
}

static bool config_is_int(const config_setting_t *s)
{
	int type = config_setting_type(s);

	return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
}

/* A string, or an array or list holding only strings. */
static bool config_is_strings(const config_setting_t *s)
{
	int type = config_setting_type(s);
	int n;

	if (type == CONFIG_TYPE_STRING)
		return true;
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return false;
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		if (config_setting_type(config_setting_get_elem(s, (unsigned int)i)) != CONFIG_TYPE_STRING)
			return false;
	}
	return true;
}

/* An integer >= 0, or a string parse accepts. */
static bool config_is_scaled(const config_setting_t *s,
			     int (*parse)(const char *s, int64_t *value_r))
{
	int64_t v;

	if (config_is_int(s))
		return config_setting_get_int64(s) >= 0;
	return config_setting_type(s) == CONFIG_TYPE_STRING &&
		parse(config_setting_get_string(s), &v) == 0;
}

static bool config_kind_matches(const config_setting_t *s, enum config_kind kind)
{
	switch (kind) {
	case CONFIG_KIND_GROUP:
		return config_setting_is_group(s);
	case CONFIG_KIND_STRING:
		return config_setting_type(s) == CONFIG_TYPE_STRING;
	case CONFIG_KIND_INT:
		return config_is_int(s) && config_setting_get_int64(s) >= 0;
	case CONFIG_KIND_BOOL:
		return config_setting_type(s) == CONFIG_TYPE_BOOL;
	case CONFIG_KIND_STRINGS:
		return config_is_strings(s);
	case CONFIG_KIND_DURATION:
		return config_is_scaled(s, config_parse_duration);
	case CONFIG_KIND_SIZE:
		return config_is_scaled(s, config_parse_size);
	}
	return false;
}

/* Runs the key's value check over its string, or each string of its list. */
static int config_check_values(struct config_check *ctx, const config_setting_t *s,
			       const char *path, const struct config_schema_key *key)
{
	const char *what;
	int n;

	if (key->check == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (key->check(config_setting_get_string(s), &what) < 0)
			return config_check_fail(ctx, s, path, what);
		return 0;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *elem = config_setting_get_elem(s, (unsigned int)i);

		if (key->check(config_setting_get_string(elem), &what) < 0)
			return config_check_fail(ctx, elem, path, what);
	}
	return 0;
}

static int config_check_setting(struct config_check *ctx, const config_setting_t *s,
				const char *path)
{
	const struct config_schema_key *key = config_schema_find(path);

	if (key == NULL && config_schema_is_group(path)) {
		if (!config_setting_is_group(s))
			return config_check_fail(ctx, s, path, config_kind_expected[CONFIG_KIND_GROUP]);
		return config_check_group(ctx, s, path);
	}
	if (key == NULL) {
		log_warn("config.unknown", "file=%s line=%u key=%s",
			 log_q(config_setting_file(ctx, s)), config_setting_source_line(s),
			 log_q(path));
		return 0;
	}
	if (!config_kind_matches(s, key->kind))
		return config_check_fail(ctx, s, path, config_kind_expected[key->kind]);
	if (key->kind == CONFIG_KIND_GROUP)
		return config_check_group(ctx, s, path);
	return config_check_values(ctx, s, path, key);
}

/* Keys the schema marks required must be in every group they belong to. */
static int config_check_required(struct config_check *ctx, const config_setting_t *group,
				 const char *path)
{
	for (size_t i = 0; i < config_schema_count; i++) {
		const struct config_schema_key *key = &config_schema[i];
		const char *name = strrchr(key->path, '.');

		name = name != NULL ? name + 1 : key->path;
		if ((key->flags & CONFIG_FLAG_REQUIRED) == 0 ||
		    !config_schema_parent_matches(key->path, path) ||
		    config_setting_get_member(group, name) != NULL)
			continue;
		return config_check_fail(ctx, group, path,
					 err_fmt("%s is missing and required here", name));
	}
	return 0;
}

static int config_check_group(struct config_check *ctx, const config_setting_t *group,
			      const char *path)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *child = config_setting_get_elem(group, (unsigned int)i);
		const char *name = config_setting_name(child);
		char *child_path = path[0] == '\0' ? xstrdup(name) :
			xasprintf("%s.%s", path, name);
		int ret = config_check_setting(ctx, child, child_path);

		free(child_path);
		if (ret < 0)
			return -1;
	}
	return config_check_required(ctx, group, path);
}

int config_check_tree(const config_t *lc, const char *name, const char **error_r)
{
	struct config_check ctx = { .name = name, .error_r = error_r };

	return config_check_group(&ctx, config_root_setting(lc), "");
}
