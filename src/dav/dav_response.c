/* Building the answer: status, headers, body, and the DAV:error bodies
 * that name a failed precondition (RFC 4918 §16). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "dav/dav_private.h"

#define DAV_MAX_HEADERS 32

static const struct {
	unsigned int status;
	const char *reason;
} dav_reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 207, "Multi-Status" }, { 301, "Moved Permanently" },
	{ 400, "Bad Request" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" }, { 412, "Precondition Failed" },
	{ 413, "Content Too Large" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" }, { 423, "Locked" }, { 424, "Failed Dependency" },
	{ 500, "Internal Server Error" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 507, "Insufficient Storage" },
};

const char *dav_status_line(unsigned int status)
{
	static _Thread_local char line[64];
	const char *reason = "Unknown";

	for (size_t i = 0; i < sizeof(dav_reasons) / sizeof(dav_reasons[0]); i++) {
		if (dav_reasons[i].status == status)
			reason = dav_reasons[i].reason;
	}
	snprintf(line, sizeof(line), "HTTP/1.1 %u %s", status, reason);
	return line;
}

void dav_respond(struct dav_ctx *ctx, unsigned int status)
{
	if (ctx->resp->status == 0)
		ctx->resp->status = status;
}

void dav_add_header(struct dav_ctx *ctx, const char *name, const char *value)
{
	struct dav_response *r = ctx->resp;

	if (r->status != 0 || r->header_count >= DAV_MAX_HEADERS)
		return;
	r->headers = xrealloc(r->headers, (r->header_count + 1) * sizeof(*r->headers));
	r->headers[r->header_count].name = xstrdup(name);
	r->headers[r->header_count].value = xstrdup(value);
	r->header_count++;
}

void dav_set_body(struct dav_ctx *ctx, struct strbuf *body, const char *content_type)
{
	struct dav_response *r = ctx->resp;

	if (r->status != 0) {
		strbuf_free(body);
		return;
	}
	if (content_type != NULL)
		dav_add_header(ctx, "Content-Type", content_type);
	free(r->body);
	r->body_len = body->len;
	r->body = strbuf_steal(body);
}

void dav_respond_text(struct dav_ctx *ctx, unsigned int status, const char *text)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, text);
	strbuf_putc(&b, '\n');
	dav_set_body(ctx, &b, "text/plain; charset=utf-8");
	dav_respond(ctx, status);
}

void dav_respond_error_with(struct dav_ctx *ctx, unsigned int status, const char *ns,
			    const char *precondition, const char *content)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
	strbuf_puts(&b, "<D:error xmlns:D=\"DAV:\"");
	if (strcmp(ns, DAV_NS) != 0) {
		strbuf_printf(&b, " xmlns:%s=\"", dav_xml_prefix(ns));
		dav_xml_escape_attr(&b, ns);
		strbuf_putc(&b, '"');
	}
	strbuf_puts(&b, ">");
	if (content == NULL) {
		dav_xml_empty(&b, ns, precondition);
	} else {
		dav_xml_open(&b, ns, precondition);
		strbuf_puts(&b, content);
		dav_xml_close(&b, ns, precondition);
	}
	strbuf_puts(&b, "</D:error>\n");
	dav_set_body(ctx, &b, "application/xml; charset=utf-8");
	dav_respond(ctx, status);
}

void dav_respond_error(struct dav_ctx *ctx, unsigned int status, const char *ns,
		       const char *precondition)
{
	dav_respond_error_with(ctx, status, ns, precondition, NULL);
}

void dav_respond_internal(struct dav_ctx *ctx, const char *what)
{
	log_error("dav.internal", "method=%s path=%s error=%s", log_q(ctx->req->method),
		  log_q(ctx->req->path), log_q(what));
	dav_respond_text(ctx, 500, "internal error");
}

void dav_respond_multistatus(struct dav_ctx *ctx, struct strbuf *b)
{
	dav_set_body(ctx, b, "application/xml; charset=utf-8");
	dav_respond(ctx, 207);
}
