#ifndef TERN_TERNCTL_HTTP_H
#define TERN_TERNCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* ternctl's HTTP/1.1 client: one blocking request per connection, over
 * TCP or TLS (OpenSSL), with Basic authentication. */

struct ternctl_server {
	/* "http://host[:port][/prefix]" or "https://..." */
	const char *url;
	const char *user;
	const char *password;
	/* https: skip certificate verification */
	bool insecure;
	/* https: trust this PEM file rather than the system's CAs */
	const char *cacert;
};

struct ternctl_response {
	int status;
	/* NUL-terminated; owned by the response */
	char *body;
	size_t body_len;
};

/* Returns 0 when url is one ternctl_http_request() can use, or -1
 * with *error_r. */
int ternctl_http_url_check(const char *url, const char **error_r);
/* Sends method path (appended to the URL's prefix; already
 * percent-encoded) with body as application/json when not NULL. Fills
 * *resp_r (freed with ternctl_response_free) and returns 0, or returns
 * -1 with *error_r when no HTTP answer came. */
int ternctl_http_request(const struct ternctl_server *server, const char *method,
			 const char *path, const char *body, struct ternctl_response *resp_r,
			 const char **error_r);
void ternctl_response_free(struct ternctl_response *resp);

#endif
