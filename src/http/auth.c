/* HTTP Basic authentication (RFC 7617) against the directory, and the
 * role a route needs. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/log.h"
#include "http/http_private.h"

/* base64 of a 1 KiB "user:password": generous, and still bounded. */
#define HTTP_AUTH_MAX_B64 1400

static const char http_auth_challenge_value[] = "Basic realm=\"Tern\", charset=\"UTF-8\"";

int http_auth_parse_basic(const char *header, char **buf_r, size_t *buf_len_r,
			  const char **user_r, const char **password_r)
{
	size_t len, dlen;
	char *buf, *colon;

	if (header == NULL || strncasecmp(header, "Basic", 5) != 0 ||
	    (header[5] != ' ' && header[5] != '\t'))
		return -1;
	header += 5;
	header += strspn(header, " \t");
	len = strlen(header);
	while (len > 0 && (header[len - 1] == ' ' || header[len - 1] == '\t'))
		len--;
	if (len == 0 || len > HTTP_AUTH_MAX_B64)
		return -1;
	if ((buf = base64_decode(header, len, &dlen)) == NULL)
		return -1;
	colon = memchr(buf, ':', dlen);
	if (colon == NULL || colon == buf || memchr(buf, '\0', dlen) != NULL) {
		explicit_bzero(buf, dlen);
		free(buf);
		return -1;
	}
	*colon = '\0';
	*buf_r = buf;
	*buf_len_r = dlen;
	*user_r = buf;
	*password_r = colon + 1;
	return 0;
}

static void http_auth_challenge(struct http_request *req, const char *details)
{
	struct MHD_Response *resp = http_error_response(req, MHD_HTTP_UNAUTHORIZED, details);

	MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				http_auth_challenge_value);
	http_respond(req, MHD_HTTP_UNAUTHORIZED, resp);
}

static void http_auth_refuse_banned(struct http_request *req)
{
	log_debug("http.auth.banned", "ip=%s path=%s", req->ip, log_q(req->path));
	http_respond_error(req, MHD_HTTP_FORBIDDEN,
			   "too many failed logins from this address; try again later");
}

/* Returns 0 when the credentials are good, or -1 after answering. */
static int http_auth_verify(struct http_request *req, const char *header)
{
	struct directory *dir = req->daemon->srv->dir;
	enum directory_auth_result result;
	const char *user, *password;
	size_t len;
	char *buf;

	if (http_auth_parse_basic(header, &buf, &len, &user, &password) < 0) {
		http_auth_challenge(req, header == NULL ? "authentication required" :
				    "the Authorization header is not valid Basic credentials");
		return -1;
	}
	result = directory_authenticate(dir, user, password, req->ip, &req->user);
	explicit_bzero(buf, len);
	free(buf);
	switch (result) {
	case DIRECTORY_AUTH_OK:
		return 0;
	case DIRECTORY_AUTH_FAILED:
		http_auth_challenge(req, "wrong user name or password");
		return -1;
	case DIRECTORY_AUTH_BANNED:
		http_auth_refuse_banned(req);
		return -1;
	case DIRECTORY_AUTH_INTERNAL:
		break;
	}
	http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "authentication failed internally");
	return -1;
}

int http_auth_check(struct http_request *req, enum http_auth need)
{
	if (directory_ip_banned(req->daemon->srv->dir, req->ip) == 1) {
		http_auth_refuse_banned(req);
		return -1;
	}
	if (http_auth_verify(req, http_request_header(req, MHD_HTTP_HEADER_AUTHORIZATION)) < 0)
		return -1;
	if (need == HTTP_AUTH_USER && req->user.is_admin) {
		http_respond_error(req, MHD_HTTP_FORBIDDEN,
				   "administrators cannot use JMAP; log in as a user");
		return -1;
	}
	if (need == HTTP_AUTH_ADMIN && !req->user.is_admin) {
		http_respond_error(req, MHD_HTTP_FORBIDDEN, "the admin role is required");
		return -1;
	}
	return 0;
}
