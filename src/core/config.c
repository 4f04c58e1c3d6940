/* Loading the configuration and reading its values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "core/config.h"
#include "core/config_schema.h"
#include "core/error.h"
#include "core/xalloc.h"

struct config {
	config_t lc;
};

static struct config *config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	config_init(&cfg->lc);
	return cfg;
}

/* Turns libconfig's parse error into "FILE:LINE: what". */
static const char *config_parse_error(const config_t *lc, const char *name)
{
	const char *file = config_error_file(lc) != NULL ? config_error_file(lc) : name;
	const char *text = config_error_text(lc) != NULL ? config_error_text(lc) : "cannot read";

	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		return err_fmt("%s: %s", file, text);
	return err_fmt("%s:%d: %s", file, config_error_line(lc), text);
}

/* Checks a parsed cfg; frees it and returns NULL on failure. */
static struct config *config_finish(struct config *cfg, const char *name, const char **error_r)
{
	if (config_check_tree(&cfg->lc, name, error_r) < 0) {
		config_free(&cfg);
		return NULL;
	}
	return cfg;
}

/* Relative @include paths are taken from the including file's folder. */
static void config_set_include_base(config_t *lc, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (slash == NULL)
		return;
	dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	config_set_include_dir(lc, dir);
	free(dir);
}

struct config *config_load_file(const char *path, const char **error_r)
{
	struct config *cfg;
	FILE *f = fopen(path, "r");

	/* libconfig reports I/O errors without errno: name it ourselves. */
	if (f == NULL) {
		*error_r = err_fmt("%s: %s", path, strerror(errno));
		return NULL;
	}
	fclose(f);
	cfg = config_new();
	config_set_include_base(&cfg->lc, path);
	if (config_read_file(&cfg->lc, path) != CONFIG_TRUE) {
		*error_r = config_parse_error(&cfg->lc, path);
		config_free(&cfg);
		return NULL;
	}
	return config_finish(cfg, path, error_r);
}

struct config *config_load_string(const char *text, const char *name, const char **error_r)
{
	struct config *cfg = config_new();

	if (config_read_string(&cfg->lc, text) != CONFIG_TRUE) {
		*error_r = config_parse_error(&cfg->lc, name);
		config_free(&cfg);
		return NULL;
	}
	return config_finish(cfg, name, error_r);
}

void config_free(struct config **cfgp)
{
	struct config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	*cfgp = NULL;
	config_destroy(&cfg->lc);
	free(cfg);
}

/* The setting at path ("" is the root), or NULL. */
static const config_setting_t *config_get(const struct config *cfg, const char *path)
{
	if (cfg == NULL || path == NULL)
		return NULL;
	if (path[0] == '\0')
		return config_root_setting(&cfg->lc);
	return config_lookup(&cfg->lc, path);
}

static int config_type(const config_setting_t *s)
{
	return s != NULL ? config_setting_type(s) : CONFIG_TYPE_NONE;
}

bool config_exists(const struct config *cfg, const char *path)
{
	return config_get(cfg, path) != NULL;
}

const char *config_string(const struct config *cfg, const char *path, const char *def)
{
	const config_setting_t *s = config_get(cfg, path);

	return config_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : def;
}

int64_t config_int(const struct config *cfg, const char *path, int64_t def)
{
	const config_setting_t *s = config_get(cfg, path);
	int type = config_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return def;
	return config_setting_get_int64(s);
}

bool config_bool(const struct config *cfg, const char *path, bool def)
{
	const config_setting_t *s = config_get(cfg, path);

	return config_type(s) == CONFIG_TYPE_BOOL ? config_setting_get_bool(s) != 0 : def;
}

/* An integer as it is, or a string through parse; def otherwise. */
static int64_t config_scaled(const struct config *cfg, const char *path, int64_t def,
			     int (*parse)(const char *s, int64_t *value_r))
{
	const config_setting_t *s = config_get(cfg, path);
	int type = config_type(s);
	int64_t v;

	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else if (type != CONFIG_TYPE_STRING || parse(config_setting_get_string(s), &v) < 0)
		return def;
	return v >= 0 ? v : def;
}

int64_t config_duration(const struct config *cfg, const char *path, int64_t def)
{
	return config_scaled(cfg, path, def, config_parse_duration);
}

int64_t config_size(const struct config *cfg, const char *path, int64_t def)
{
	return config_scaled(cfg, path, def, config_parse_size);
}

size_t config_list_count(const struct config *cfg, const char *path)
{
	const config_setting_t *s = config_get(cfg, path);
	int type = config_type(s);

	if (type == CONFIG_TYPE_STRING)
		return 1;
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return 0;
	return (size_t)config_setting_length(s);
}

const char *config_list_string(const struct config *cfg, const char *path, size_t idx)
{
	const config_setting_t *s = config_get(cfg, path);
	int type = config_type(s);

	if (type == CONFIG_TYPE_STRING)
		return idx == 0 ? config_setting_get_string(s) : NULL;
	if ((type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) ||
	    idx >= (size_t)config_setting_length(s))
		return NULL;
	return config_setting_get_string_elem(s, (unsigned int)idx);
}

size_t config_group_count(const struct config *cfg, const char *path)
{
	const config_setting_t *s = config_get(cfg, path);

	return config_type(s) == CONFIG_TYPE_GROUP ? (size_t)config_setting_length(s) : 0;
}

const char *config_group_name(const struct config *cfg, const char *path, size_t idx)
{
	const config_setting_t *s = config_get(cfg, path);

	if (config_type(s) != CONFIG_TYPE_GROUP || idx >= (size_t)config_setting_length(s))
		return NULL;
	return config_setting_name(config_setting_get_elem(s, (unsigned int)idx));
}
