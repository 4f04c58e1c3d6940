#ifndef TERN_HTTP_H
#define TERN_HTTP_H

/* The HTTP face (libmicrohttpd): JMAP, the admin API, well-known
 * resources. One daemon per listener with protocol = "http", each with
 * its own thread pool. */

struct config;
struct directory;
struct jmap_server;
struct admin_api;
struct http_server;

/* Starts every http listener of cfg. TLS listeners load the PEM files
 * cert_path and key_path (main.c has made sure they exist). */
int http_server_start(const struct config *cfg, const char *cert_path,
		      const char *key_path, struct directory *dir,
		      struct jmap_server *jmap, struct admin_api *admin,
		      struct http_server **srv_r, const char **error_r);
/* Stops accepting, lets running requests finish, frees everything. */
void http_server_stop(struct http_server **srv);

#endif
