/* Well-known resources: /.well-known/jmap, the JMAP session (RFC 8620
 * §2), served in place rather than redirected; /.well-known/caldav and
 * carddav (RFC 6764 §5), redirected to the DAV root. */
#include <stdlib.h>

#include "dav/dav.h"
#include "http/http_private.h"
#include "jmap/jmap.h"

void http_wellknown_jmap_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	char *base_url = http_request_base_url(req);
	json_object *session = jmap_session_resource(srv->jmap, &req->user, base_url);

	free(base_url);
	if (session == NULL) {
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the session");
		return;
	}
	http_respond_json(req, MHD_HTTP_OK, session, HTTP_CONTENT_TYPE_JSON);
}

void http_wellknown_dav_finish(struct http_request *req)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL,
								    MHD_RESPMEM_PERSISTENT);

	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, DAV_ROOT_PATH);
	http_respond(req, MHD_HTTP_MOVED_PERMANENTLY, resp);
}
