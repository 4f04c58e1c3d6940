/* The DAV server: its settings, and the method table every request is
 * dispatched from once its path is parsed. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "dav/dav_file.h"
#include "dav/dav_private.h"
#include "directory/directory.h"
#include "jmap/jmap.h"

#define DAV_DEFAULT_MAX_REQUEST (10 * 1024 * 1024)
#define DAV_DEFAULT_MAX_LOCKS 10000
#define DAV_DEFAULT_LOCK_TIMEOUT (60 * 60)

struct dav_method {
	const char *name;
	void (*fn)(struct dav_ctx *ctx);
};

static const struct dav_method dav_methods[] = {
	{ "OPTIONS", dav_method_options },
	{ "PROPFIND", dav_method_propfind },
	{ "PROPPATCH", dav_method_proppatch },
	{ "MKCOL", dav_method_mkcol },
	{ "MKCALENDAR", dav_method_mkcol },
	{ "GET", dav_method_get },
	{ "HEAD", dav_method_get },
	{ "PUT", dav_method_put },
	{ "DELETE", dav_method_delete },
	{ "COPY", dav_method_copy },
	{ "MOVE", dav_method_move },
	{ "LOCK", dav_method_lock },
	{ "UNLOCK", dav_method_unlock },
	{ "REPORT", dav_method_report },
};

struct dav_server *dav_server_new(struct jmap_server *jmap, const struct config *cfg)
{
	struct dav_server *srv = xcalloc(1, sizeof(*srv));
	int64_t max_body = config_size(cfg, "dav.max-request-size", DAV_DEFAULT_MAX_REQUEST);
	int64_t max_locks = config_int(cfg, "dav.lock.max-locks", DAV_DEFAULT_MAX_LOCKS);
	int64_t max_timeout = config_duration(cfg, "dav.lock.max-timeout",
					      DAV_DEFAULT_LOCK_TIMEOUT);

	/* once, before any thread parses */
	xmlInitParser();
	srv->jmap = jmap;
	srv->max_body = max_body < 1 ? 1 : (size_t)max_body;
	srv->locks = dav_locks_new(max_locks < 1 ? 1 : (size_t)max_locks,
				   max_timeout < 1 ? 1 : max_timeout);
	return srv;
}

void dav_server_free(struct dav_server **_srv)
{
	struct dav_server *srv = *_srv;

	if (srv == NULL)
		return;
	*_srv = NULL;
	dav_locks_free(&srv->locks);
	free(srv);
}

size_t dav_server_max_body(const struct dav_server *srv)
{
	return srv->max_body;
}

const char *dav_header(struct dav_ctx *ctx, const char *name)
{
	return ctx->req->header(ctx->req->header_context, name);
}

static const struct dav_method *dav_method_find(const char *name)
{
	for (size_t i = 0; i < sizeof(dav_methods) / sizeof(dav_methods[0]); i++) {
		if (strcmp(dav_methods[i].name, name) == 0)
			return &dav_methods[i];
	}
	return NULL;
}

static void dav_dispatch(struct dav_ctx *ctx)
{
	const struct dav_method *m = dav_method_find(ctx->req->method);

	if (dav_file_handles(ctx->req->path)) {
		dav_file_handle(ctx);
		return;
	}
	if (m == NULL) {
		dav_respond_not_allowed(ctx, "this method is not supported here");
		return;
	}
	if (dav_target_parse(ctx, ctx->req->path, &ctx->target) < 0)
		return;
	m->fn(ctx);
}

void dav_handle(struct dav_server *srv, const struct dav_request *req,
		struct dav_response *resp_r)
{
	struct dav_ctx ctx = { .srv = srv, .req = req, .resp = resp_r };

	memset(resp_r, 0, sizeof(*resp_r));
	jmap_account_id_format(req->user->account_id, ctx.account_id);
	dav_dispatch(&ctx);
	if (resp_r->status == 0)
		dav_respond_internal(&ctx, "the method gave no answer");
	log_debug("dav.request", "method=%s path=%s status=%u", log_q(req->method),
		  log_q(req->path), resp_r->status);
	dav_target_clear(&ctx.target);
	dav_states_clear(&ctx);
	json_object_put(ctx.quota);
	if (ctx.doc != NULL)
		xmlFreeDoc(ctx.doc);
}

void dav_response_clear(struct dav_response *resp)
{
	for (size_t i = 0; i < resp->header_count; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}
