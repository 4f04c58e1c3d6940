#ifndef TERN_HTTP_PRIVATE_H
#define TERN_HTTP_PRIVATE_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "core/strbuf.h"
#include "directory/directory.h"

/* What the files of src/http share: the server, its daemons, the
 * per-request state and the route table. Nothing here leaves the
 * layer. */

struct admin_api;
struct config;
struct dav_server;
struct http_mail;
struct http_offload;
struct jmap_server;
struct jmap_upload;
struct push_hub;
struct push_ws;

/* Decoded path and query strings are capped well below MHD's connection
 * memory, so nothing derived from a URI is unbounded. */
#define HTTP_QUERY_MAX_PARAMS 64
/* An answer given before the body is read (401, 404, ...) waits for a
 * body up to this size, read and dropped, so that the connection can
 * stay open; past it the answer goes at once and MHD closes the
 * connection rather than read the rest. */
#define HTTP_DISCARD_MAX (64 * 1024)
/* HTTP_BODY_SMALL bodies (autodiscover requests, well under 1 KiB in
 * practice) are refused past this. */
#define HTTP_SMALL_BODY_MAX (32 * 1024)

#define HTTP_CONTENT_TYPE_JSON "application/json; charset=utf-8"
#define HTTP_CONTENT_TYPE_PROBLEM "application/problem+json"

struct http_server {
	struct directory *dir;
	struct jmap_server *jmap;
	struct admin_api *admin;
	struct dav_server *dav;
	char *hostname;
	char *cert_pem;
	char *key_pem;
	size_t admin_max_body;
	size_t jmap_max_body;
	struct http_daemon **daemons;
	size_t daemon_count;
	/* requests between their URI and their completion */
	atomic_int active_requests;
	/* connections open over every daemon, against max_connections */
	atomic_int open_connections;
	unsigned int max_connections;
	_Atomic int64_t last_refusal_log_ms;
	/* push: EventSource and WebSocket clients, the WebSocket loop */
	struct push_hub *push_hub;
	struct push_ws *push_ws;
	/* the workers of HTTP_ROUTE_OFFLOAD requests */
	struct http_offload *offload;
	/* the mail listeners and MTA-STS policy clients are told about */
	struct http_mail *mail;
};

/* One MHD daemon: one bind address of one listener. */
struct http_daemon {
	struct http_server *srv;
	struct MHD_Daemon *mhd;
	char *listener;
	char *bind;
	/* "host:port" used when a request carries no usable Host header */
	char *authority;
	bool tls;
};

enum http_auth {
	HTTP_AUTH_NONE,
	HTTP_AUTH_USER,		/* any principal but an admin */
	HTTP_AUTH_ADMIN,	/* the admin role only */
};

enum http_body {
	HTTP_BODY_NONE,		/* a body is read and dropped */
	HTTP_BODY_JMAP,		/* buffered up to jmap.max-size-request + 1 */
	HTTP_BODY_ADMIN,	/* buffered up to server.http.max-request-size */
	HTTP_BODY_STREAM,	/* handed to the route's data callback */
	HTTP_BODY_DAV,		/* buffered up to dav.max-request-size + 1 */
	HTTP_BODY_SMALL,	/* buffered up to HTTP_SMALL_BODY_MAX + 1 */
};

/* Routes on the JMAP side speak CORS and answer errors as RFC 7807
 * problems; the admin API answers {"error", "details"}. */
#define HTTP_ROUTE_CORS		0x01
#define HTTP_ROUTE_API_ERRORS	0x02
/* finish of a large request runs on a request worker (offload.c), not
 * on the MHD thread that read it */
#define HTTP_ROUTE_OFFLOAD	0x04

struct http_request;

struct http_route {
	const char *path;
	bool prefix;
	/* the Allow header value; HEAD goes with GET, OPTIONS with CORS */
	const char *methods;
	enum http_auth auth;
	unsigned int flags;
	enum http_body body;
	/* Optional; runs once headers and credentials are checked. May
	 * answer at once (http_request_responded() then says so). */
	void (*begin)(struct http_request *req);
	/* HTTP_BODY_STREAM only: a piece of the body. */
	void (*data)(struct http_request *req, const char *data, size_t len);
	/* Answers the request once the whole body is in. */
	void (*finish)(struct http_request *req);
};

struct http_request {
	struct http_daemon *daemon;
	struct MHD_Connection *conn;
	const struct http_route *route;
	char *method;
	/* the request target as sent, split into path and query (both
	 * still percent-encoded; query NULL when absent) */
	char *path;
	char *query;
	char ip[INET6_ADDRSTRLEN];
	struct directory_identity user;
	int64_t start_ms;
	unsigned int status;
	bool started;
	bool responded;
	/* MHD refused the response: the connection is to be closed */
	bool failed;
	/* the answer, queued by http_request_flush() */
	struct MHD_Response *pending;
	/* buffered body: body_limit + 1 bytes at most are kept */
	struct strbuf body;
	size_t body_limit;
	bool body_overflow;
	/* streamed upload */
	struct jmap_upload *upload;
	bool upload_failed;
	/* finish was handed to a request worker; offload_next links the
	 * workers' queue */
	bool offloaded;
	struct http_request *offload_next;
};

/* ---- server.c ---- */
extern const char http_server_name[];

/* ---- router.c ---- */
/* MHD callbacks: the URI arrives first (the request is created there),
 * then the access handler runs for headers and each piece of body, and
 * the completion callback frees the request. */
void *http_router_uri(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result http_router_access(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_data_size,
				   void **req_cls);
void http_router_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			   enum MHD_RequestTerminationCode toe);

/* ---- offload.c ---- */
/* Starts threads request workers. */
int http_offload_start(struct http_server *srv, unsigned int threads, const char **error_r);
/* From the access handler once the body is in: suspends the connection
 * and queues the request for a worker, which runs the route's finish
 * and resumes the connection. false (nothing done) when the route is
 * not HTTP_ROUTE_OFFLOAD, the body is small or the workers are
 * stopping. */
bool http_offload_submit(struct http_request *req);
/* Lets the workers answer what is queued, then ends them; before the
 * daemons stop. */
void http_offload_stop(struct http_server *srv);

/* ---- auth.c ---- */
/* Checks the ban, the Basic credentials and the role the route needs.
 * Returns 0 with req->user filled, or -1 after answering (401, 403,
 * 500). */
int http_auth_check(struct http_request *req, enum http_auth need);
/* Splits an Authorization header value "Basic <base64>" into a
 * caller-owned "user\0password" buffer. Returns 0 and *user_r and
 * *password_r pointing into *buf_r, or -1 when malformed. */
int http_auth_parse_basic(const char *header, char **buf_r, size_t *buf_len_r,
			  const char **user_r, const char **password_r);

/* ---- request.c ---- */
const char *http_request_header(struct http_request *req, const char *name);
/* Content-Length as declared: 1 with *len_r, 0 when absent or not a
 * plain number. */
int http_request_content_length(struct http_request *req, uint64_t *len_r);
/* Buffers a piece of body, keeping at most body_limit + 1 bytes. */
void http_request_body_append(struct http_request *req, const char *data, size_t len);
/* The query string as an object of decoded strings; NULL when
 * malformed or with too many parameters. */
json_object *http_query_parse(const char *query);
/* "http(s)://host[:port]" the client used, caller frees. */
char *http_request_base_url(struct http_request *req);

/* Each answer below sets the response once (later ones are dropped),
 * records the status and adds the common headers (Server, CORS for
 * CORS routes). They take ownership of what they are given. The router
 * hands the response to MHD with http_request_flush(). */
void http_request_flush(struct http_request *req);
/* true when the request has no body or a known one of at most
 * HTTP_DISCARD_MAX octets. */
bool http_request_body_small(struct http_request *req);
void http_respond(struct http_request *req, unsigned int status, struct MHD_Response *resp);
void http_respond_json(struct http_request *req, unsigned int status, json_object *obj,
		       const char *content_type);
/* An error in the route's style: {"error": code, "details": details}
 * on the admin API, an RFC 7807 problem elsewhere. */
void http_respond_error(struct http_request *req, unsigned int status, const char *details);
/* The body of http_respond_error(), for callers that add headers. */
struct MHD_Response *http_error_response(struct http_request *req, unsigned int status,
					 const char *details);
/* 405 with Allow. */
void http_respond_method_not_allowed(struct http_request *req);
/* The RFC 7807 problem object for status (type about:blank). */
json_object *http_problem_new(unsigned int status, const char *type, const char *detail);

/* ---- jmap_routes.c, admin_routes.c, wellknown.c ---- */
void http_jmap_api_finish(struct http_request *req);
void http_jmap_upload_begin(struct http_request *req);
void http_jmap_upload_data(struct http_request *req, const char *data, size_t len);
void http_jmap_upload_finish(struct http_request *req);
void http_jmap_download_finish(struct http_request *req);
void http_jmap_preflight(struct http_request *req);
void http_admin_finish(struct http_request *req);
void http_wellknown_jmap_finish(struct http_request *req);
/* /.well-known/caldav and carddav (RFC 6764): a redirect to the DAV root. */
void http_wellknown_dav_finish(struct http_request *req);

/* ---- wellknown_mail.c ---- */
/* Reads the imap, pop3 and submission listeners and smtp.mta-sts.*
 * from cfg, and hands the policy to the admin API (for its DNS record
 * id). Before any daemon starts. */
int http_wellknown_mail_start(struct http_server *srv, const struct config *cfg,
			      const char **error_r);
/* After the daemons are stopped. */
void http_wellknown_mail_free(struct http_server *srv);
/* GET /.well-known/mta-sts.txt: the policy, text/plain (RFC 8461 §3.2). */
void http_wellknown_mta_sts_finish(struct http_request *req);
/* GET /mail/config-v1.1.xml?emailaddress= and its /.well-known/autoconfig
 * twin: Thunderbird's clientConfig for a local domain, 404 otherwise. */
void http_autoconfig_finish(struct http_request *req);
/* POST /autodiscover/autodiscover.xml: Outlook's POX answer for the
 * request's EMailAddress in a local domain (400 malformed, 404 not
 * ours). */
void http_autodiscover_finish(struct http_request *req);

/* ---- dav_routes.c ---- */
/* Every request under /dav, answered by the DAV layer. */
void http_dav_finish(struct http_request *req);

/* ---- push.c, push_eventsource.c, push_websocket.c ---- */
/* Reads jmap.push.*, starts the push hub and the WebSocket loop. */
int http_push_start(struct http_server *srv, const struct config *cfg, const char **error_r);
/* Ends every push connection (event streams end, WebSockets close with
 * 1001) and refuses new ones; before the daemons drain. */
void http_push_stop(struct http_server *srv);
/* After the daemons are stopped. */
void http_push_free(struct http_server *srv);
void http_push_eventsource_finish(struct http_request *req);
void http_push_websocket_finish(struct http_request *req);
/* 429 with Retry-After: the push connection limits are reached. */
void http_push_refuse(struct http_request *req, const char *why);

#endif
