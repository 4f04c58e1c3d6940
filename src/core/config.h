#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The configuration: one libconfig file, checked against the schema in
 * config_schema.c. Settings are named by dotted paths
 * ("server.hostname", "server.listener.imap.bind"). Unknown keys are
 * warned about; a syntax error or a value of the wrong type fails the
 * load with file, line and key named.
 *
 * Values returned as const char * belong to the config and live until
 * config_free(). */

struct config;

/* The embedded default (conf/ternd.conf, compiled in). */
extern const char config_default_text[];

struct config *config_load_file(const char *path, const char **error_r);
/* name is used in error messages in place of a file name. */
struct config *config_load_string(const char *text, const char *name, const char **error_r);
void config_free(struct config **cfg);

bool config_exists(const struct config *cfg, const char *path);
const char *config_string(const struct config *cfg, const char *path, const char *def);
int64_t config_int(const struct config *cfg, const char *path, int64_t def);
bool config_bool(const struct config *cfg, const char *path, bool def);
/* Durations are integers (seconds) or strings like "30s", "10m", "1h",
 * "1d"; the result is in seconds. */
int64_t config_duration(const struct config *cfg, const char *path, int64_t def);
/* Sizes are integers (bytes) or strings like "512", "64K", "50M", "1G". */
int64_t config_size(const struct config *cfg, const char *path, int64_t def);

/* A value that may be a string or a list of strings: count and items. */
size_t config_list_count(const struct config *cfg, const char *path);
const char *config_list_string(const struct config *cfg, const char *path, size_t idx);

/* Names of the child settings of a group ("server.listener" -> "http",
 * "https", ...), in file order. */
size_t config_group_count(const struct config *cfg, const char *path);
const char *config_group_name(const struct config *cfg, const char *path, size_t idx);

/* Parsers shared with the admin API. Return 0 or -1. */
int config_parse_duration(const char *s, int64_t *seconds_r);
int config_parse_size(const char *s, int64_t *bytes_r);

#endif
