/* WebDAV, CalDAV and CardDAV over HTTP: every request under /dav goes
 * to the DAV layer with its buffered body, and its answer goes back as
 * it was built. */
#include "dav/dav.h"
#include "http/http_private.h"

static const char *http_dav_header(void *context, const char *name)
{
	return http_request_header(context, name);
}

static void http_dav_send(struct http_request *req, struct dav_response *dr)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		dr->body_len, dr->body != NULL ? dr->body : (void *)"", MHD_RESPMEM_MUST_COPY);

	for (size_t i = 0; i < dr->header_count; i++)
		MHD_add_response_header(resp, dr->headers[i].name, dr->headers[i].value);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	http_respond(req, dr->status, resp);
}

void http_dav_finish(struct http_request *req)
{
	struct dav_request dreq = {
		.method = req->method,
		.path = req->path,
		.user = &req->user,
		.body = req->body.s,
		.body_len = req->body.len,
		.header = http_dav_header,
		.header_context = req,
	};
	struct dav_response dresp;

	if (req->body_overflow) {
		http_respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE,
				   "the request body is larger than dav.max-request-size");
		return;
	}
	dav_handle(req->daemon->srv->dav, &dreq, &dresp);
	http_dav_send(req, &dresp);
	dav_response_clear(&dresp);
}
