/* Push in the HTTP face: its limits (jmap.push.*), and its start and
 * stop within the server's. */
#include "core/config.h"
#include "http/http_private.h"
#include "http/push_private.h"

#define PUSH_DEFAULT_MAX_CONNECTIONS 4096
#define PUSH_DEFAULT_MAX_PER_USER 16
#define PUSH_LIMIT_MAX 1000000

static unsigned int push_limit_read(const struct config *cfg, const char *key, int64_t def)
{
	int64_t v = config_int(cfg, key, def);

	if (v < 1)
		return (unsigned int)def;
	return v > PUSH_LIMIT_MAX ? PUSH_LIMIT_MAX : (unsigned int)v;
}

int http_push_start(struct http_server *srv, const struct config *cfg, const char **error_r)
{
	unsigned int total = push_limit_read(cfg, "jmap.push.max-connections",
					     PUSH_DEFAULT_MAX_CONNECTIONS);
	unsigned int per_user = push_limit_read(cfg, "jmap.push.max-connections-per-user",
						PUSH_DEFAULT_MAX_PER_USER);

	srv->push_hub = push_hub_new(total, per_user);
	return push_ws_start(srv, srv->jmap_max_body, &srv->push_ws, error_r);
}

void http_push_stop(struct http_server *srv)
{
	if (srv->push_hub != NULL)
		push_hub_stop(srv->push_hub);
	push_ws_stop(srv->push_ws);
}

void http_push_free(struct http_server *srv)
{
	push_ws_free(&srv->push_ws);
	push_hub_free(&srv->push_hub);
}
