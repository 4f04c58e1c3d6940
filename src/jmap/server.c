/* The JMAP server object and its limits (config keys jmap.*). */
#include <stdlib.h>

#include "core/config.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/email_private.h"
#include "jmap/inflight.h"
#include "mail/mail.h"

#define MB (1024 * 1024)

static int64_t server_size(const struct config *cfg, const char *key, int64_t def)
{
	int64_t v = cfg != NULL ? config_size(cfg, key, def) : def;

	return v > 0 ? v : def;
}

static int64_t server_int(const struct config *cfg, const char *key, int64_t def)
{
	int64_t v = cfg != NULL ? config_int(cfg, key, def) : def;

	return v > 0 ? v : def;
}

static int64_t server_duration(const struct config *cfg, const char *key, int64_t def)
{
	int64_t v = cfg != NULL ? config_duration(cfg, key, def) : def;

	return v > 0 ? v : def;
}

/* A zero or negative value would make the server refuse everything:
 * such a value falls back to the default. */
static void server_limits_read(const struct config *cfg, struct jmap_limits *limits)
{
	limits->max_size_upload = server_size(cfg, "jmap.max-size-upload", 50 * MB);
	limits->max_concurrent_upload = server_int(cfg, "jmap.max-concurrent-upload", 4);
	limits->max_size_request = server_size(cfg, "jmap.max-size-request", 10 * MB);
	limits->max_concurrent_requests = server_int(cfg, "jmap.max-concurrent-requests", 8);
	limits->max_calls_in_request = server_int(cfg, "jmap.max-calls-in-request", 32);
	limits->max_objects_in_get = server_int(cfg, "jmap.max-objects-in-get", 500);
	limits->max_objects_in_set = server_int(cfg, "jmap.max-objects-in-set", 500);
	limits->upload_ttl = server_duration(cfg, "jmap.upload-ttl", 24 * 3600);
	limits->changes_ttl = server_duration(cfg, "jmap.changes-ttl", 30 * 24 * 3600);
	limits->max_mailbox_depth = server_int(cfg, "jmap.mailbox.max-depth", 10);
	limits->max_mailbox_name = server_int(cfg, "jmap.mailbox.max-name-length", 255);
	limits->submission_max_recipients = server_int(cfg, "smtp.max-recipients", 100);
	limits->submission_max_size = server_size(cfg, "smtp.max-message-size", 50 * MB);
	limits->submission_check_sender = cfg == NULL ||
		config_bool(cfg, "smtp.submission.check-sender", true);
}

struct jmap_server *jmap_server_new(struct store *store, struct directory *dir,
				    const struct config *cfg)
{
	struct jmap_server *srv = xcalloc(1, sizeof(*srv));

	/* Email parses and builds MIME through the mail layer (GMime). */
	mail_init();
	srv->store = store;
	email_fts_source_set(store);
	srv->dir = dir;
	srv->hostname = xstrdup(cfg != NULL ? config_string(cfg, "server.hostname", "localhost") :
				"localhost");
	server_limits_read(cfg, &srv->limits);
	srv->inflight = jmap_inflight_new();
	return srv;
}

const char *jmap_server_hostname(const struct jmap_server *srv)
{
	return srv->hostname;
}

void jmap_server_free(struct jmap_server **srv)
{
	if (*srv == NULL)
		return;
	jmap_inflight_free(&(*srv)->inflight);
	free((*srv)->hostname);
	free(*srv);
	*srv = NULL;
}
