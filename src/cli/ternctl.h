#ifndef TERN_TERNCTL_H
#define TERN_TERNCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cli/ternctl_http.h"

/* What ternctl's files share: the parsed command line, the command
 * table, the API call and the printers. */

#define TERNCTL_EXIT_FAIL 1
#define TERNCTL_EXIT_USAGE 2

/* command options */
#define OPT_PASSWORD	0x01
#define OPT_NAME	0x02
#define OPT_QUOTA	0x04
#define OPT_DESCRIPTION	0x08
#define OPT_ADMIN	0x10

struct ternctl {
	struct ternctl_server server;
	bool json;
	/* command options */
	unsigned int given;
	const char *password;
	const char *name;
	int64_t quota;
	const char *description;
};

struct ternctl_command {
	const char *words;
	const char *args;	/* positional arguments, for usage */
	int nargs;
	unsigned int opts;	/* OPT_* accepted */
	int (*run)(struct ternctl *t, char **args);
};

extern const struct ternctl_command ternctl_commands[];
extern const size_t ternctl_command_count;

/* ternctl.c */
/* Prints what and a hint; returns TERNCTL_EXIT_USAGE. */
int ternctl_usage_error(const char *what);
/* A secret from the terminal without echo, or a line of stdin; NULL
 * when empty. Caller frees. */
char *ternctl_read_secret(const char *prompt);

/* ternctl_commands.c */
/* One API call: method on /api + path. Returns 0 with *data_r (a new
 * reference; NULL for JSON null), or an exit status after printing the
 * API's error to stderr. */
int ternctl_call(struct ternctl *t, const char *method, const char *path,
		 json_object *body, json_object **data_r);
/* A principal name, address or domain as one percent-encoded path
 * segment; caller frees. */
char *ternctl_path_segment(const char *s);

/* ternctl_dns.c */
/* domain dns DOMAIN: the records to publish, as zone-file lines. */
int ternctl_cmd_domain_dns(struct ternctl *t, char **args);

/* ternctl_print.c */
/* The string value of key in obj, "" when absent or null. */
const char *ternctl_str(json_object *obj, const char *key);
void ternctl_print_json(json_object *data);
/* The items of a principal list as aligned columns; keys name the
 * fields shown ("quota" and "emails" rendered as text). */
void ternctl_print_principals(json_object *data, const char *const *titles,
			      const char *const *keys, size_t ncols);
void ternctl_print_principal(json_object *p);
/* Prints data as JSON under --json, else line; puts data. Returns 0. */
int ternctl_done(struct ternctl *t, json_object *data, const char *line);

#endif
