#ifndef TERN_CONFIG_SCHEMA_H
#define TERN_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

/* Inside the config module (and its tests): the schema every loaded
 * configuration is checked against. Groups that only hold other keys
 * need no entry of their own: "security.auth-ban" is a group because
 * "security.auth-ban.failures" is listed. */

enum config_kind {
	CONFIG_KIND_GROUP,
	CONFIG_KIND_STRING,
	/* every integer setting is a count or a limit: >= 0 */
	CONFIG_KIND_INT,
	CONFIG_KIND_BOOL,
	/* a string or a list (or array) of strings */
	CONFIG_KIND_STRINGS,
	CONFIG_KIND_DURATION,
	CONFIG_KIND_SIZE,
};

/* The key must be present whenever its parent group is. */
#define CONFIG_FLAG_REQUIRED 0x1

struct config_schema_key {
	/* dotted path; a "*" segment matches any one name */
	const char *path;
	enum config_kind kind;
	unsigned int flags;
	/* further check of each string value (NULL: none); on failure sets
	 * error_r to what was expected ("expected one of ...") */
	int (*check)(const char *value, const char **error_r);
};

extern const struct config_schema_key config_schema[];
extern const size_t config_schema_count;

/* The schema entry for a concrete path, or NULL if there is none. */
const struct config_schema_key *config_schema_find(const char *path);
/* True if path names a group that some schema entry lies under. */
bool config_schema_is_group(const char *path);
/* True if pattern's parent (pattern without its last segment) matches
 * path. */
bool config_schema_parent_matches(const char *pattern, const char *path);

/* Value checks named by the schema (config_parse.c). */
int config_check_protocol(const char *value, const char **error_r);
int config_check_log_level(const char *value, const char **error_r);
int config_check_bind(const char *value, const char **error_r);
int config_check_ip_or_cidr(const char *value, const char **error_r);

/* Walks a parsed file against the schema: warns about unknown keys,
 * fails on a wrong type or value with "FILE:LINE: key PATH: ...". name
 * stands in for the file of settings read from a string. */
int config_check_tree(const config_t *lc, const char *name, const char **error_r);

#endif
