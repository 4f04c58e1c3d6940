/* Well-known resources: /.well-known/jmap, the JMAP session (RFC 8620
 * §2), served in place rather than redirected. */
#include <stdlib.h>

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
