#ifndef TERN_DAV_H
#define TERN_DAV_H

#include <stddef.h>

/* WebDAV (RFC 4918), CalDAV (RFC 4791) and CardDAV (RFC 6352), with
 * collection sync (RFC 6578), over the JMAP core: every method turns
 * into jmap_invoke() calls on Calendar, CalendarEvent, AddressBook and
 * ContactCard with their urn:tern:dav properties. The layer knows no
 * HTTP server: the HTTP face hands it a request and sends back the
 * response it builds. The URL layout is in docs/dav.md. */

struct config;
struct directory_identity;
struct jmap_server;
struct dav_server;

/* Where the DAV tree starts: /.well-known/caldav and carddav point here. */
#define DAV_ROOT_PATH "/dav/"

/* Reads the dav.* settings of cfg. jmap must outlive the server. */
struct dav_server *dav_server_new(struct jmap_server *jmap, const struct config *cfg);
void dav_server_free(struct dav_server **srv);

/* The largest request body DAV accepts (dav.max-request-size): the HTTP
 * face answers 413 past it without calling dav_handle(). */
size_t dav_server_max_body(const struct dav_server *srv);

struct dav_request {
	const char *method;
	/* the request path as sent (percent-encoded, no query) */
	const char *path;
	/* the authenticated user (never an administrator) */
	const struct directory_identity *user;
	/* the whole body; NULL or empty when there is none */
	const char *body;
	size_t body_len;
	/* A request header by name (case-insensitive), NULL if absent. */
	const char *(*header)(void *context, const char *name);
	void *header_context;
};

struct dav_header {
	char *name;
	char *value;
};

/* What to answer. HEAD is answered as GET: the HTTP face drops the
 * body. Everything is owned by the response (dav_response_clear()). */
struct dav_response {
	unsigned int status;
	struct dav_header *headers;
	size_t header_count;
	char *body;		/* NULL: no body */
	size_t body_len;
};

/* Answers one request. Never fails: an internal problem is a 500 with
 * the detail in the log. */
void dav_handle(struct dav_server *srv, const struct dav_request *req,
		struct dav_response *resp_r);
void dav_response_clear(struct dav_response *resp);

#endif
