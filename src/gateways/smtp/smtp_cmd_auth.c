/* AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, with an initial
 * response or after 334 challenges, "*" to cancel; offered and allowed
 * only where a password may travel (gateway_auth_plaintext_ok). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/gateway_auth.h"
#include "gateways/smtp/smtp_session.h"

/* Longest user name or password taken from LOGIN. */
#define SMTP_AUTH_MAX_FIELD 1024

bool smtp_auth_allowed(const struct smtp_session *s)
{
	return gateway_auth_plaintext_ok(s->conn, s->srv->allow_plaintext);
}

static void smtp_auth_forget(struct smtp_session *s)
{
	if (s->job.password != NULL)
		explicit_bzero(s->job.password, strlen(s->job.password));
	free(s->job.password);
	free(s->job.name);
	s->job.password = s->job.name = NULL;
}

/* The password hash takes its time: on a worker. */
static void smtp_auth_work(struct smtp_session *s)
{
	memset(&s->job.id, 0, sizeof(s->job.id));
	s->job.auth = gateway_auth_login_ip(s->srv->dir, s->env.client_ip, "smtp", s->job.name,
					    s->job.password, &s->job.id);
}

static void smtp_auth_done(struct smtp_session *s, bool gone)
{
	smtp_auth_forget(s);
	if (gone)
		return;
	switch (s->job.auth) {
	case GATEWAY_AUTH_OK:
		s->user = s->job.id;
		s->authenticated = true;
		log_info("smtp.auth", "session=%s user=%s", s->id, log_q(s->user.name));
		smtp_reply(s, 235, "2.7.0", "Authentication successful");
		break;
	case GATEWAY_AUTH_FAILED:
		smtp_reply(s, 535, "5.7.8", "Authentication credentials invalid");
		break;
	case GATEWAY_AUTH_BANNED:
		smtp_reply(s, 454, "4.7.0", "Too many failed logins from this address; "
			   "try again later");
		break;
	case GATEWAY_AUTH_REFUSED:
		smtp_reply(s, 535, "5.7.8", "This account cannot send mail");
		break;
	case GATEWAY_AUTH_INTERNAL:
		smtp_reply(s, 454, "4.7.0", "Temporary authentication failure");
		break;
	}
	explicit_bzero(&s->job.id, sizeof(s->job.id));
}

/* Takes copies of the credentials for the worker. */
static void smtp_auth_login(struct smtp_session *s, const char *name, const char *password)
{
	s->job.name = xstrdup(name);
	s->job.password = xstrdup(password);
	smtp_session_offload(s, smtp_auth_work, smtp_auth_done);
}

static void smtp_auth_plain(struct smtp_session *s, const char *response)
{
	char *name, *password;

	if (gateway_sasl_plain_decode(response, strlen(response), &name, &password) < 0) {
		smtp_reply(s, 501, "5.5.2", "Malformed PLAIN response");
		return;
	}
	smtp_auth_login(s, name, password);
	explicit_bzero(password, strlen(password));
	free(name);
	free(password);
}

/* One base64 field of LOGIN: text without NUL, not too long; "=" is
 * the empty string. Returns a caller-owned string or NULL. */
static char *smtp_auth_field(const char *b64)
{
	size_t len;
	char *text;

	if (strcmp(b64, "=") == 0)
		return xstrdup("");
	if ((text = base64_decode(b64, strlen(b64), &len)) == NULL)
		return NULL;
	if (len > SMTP_AUTH_MAX_FIELD || strlen(text) != len) {
		explicit_bzero(text, len);
		free(text);
		return NULL;
	}
	return text;
}

/* The next challenge; the line that answers it goes to
 * smtp_auth_sasl_line(). */
static void smtp_auth_challenge(struct smtp_session *s, enum smtp_sasl_step step,
				const char *challenge)
{
	s->sasl_step = step;
	smtp_session_set_input(s, SMTP_INPUT_SASL);
	smtp_reply(s, 334, NULL, "%s", challenge);
}

static void smtp_auth_login_user(struct smtp_session *s, const char *b64)
{
	free(s->sasl_user);
	if ((s->sasl_user = smtp_auth_field(b64)) == NULL) {
		smtp_reply(s, 501, "5.5.2", "Malformed LOGIN response");
		return;
	}
	smtp_auth_challenge(s, SMTP_SASL_LOGIN_PASSWORD, "UGFzc3dvcmQ6");
}

static void smtp_auth_login_password(struct smtp_session *s, const char *b64)
{
	char *password = smtp_auth_field(b64);

	if (password == NULL) {
		smtp_reply(s, 501, "5.5.2", "Malformed LOGIN response");
	} else {
		smtp_auth_login(s, s->sasl_user, password);
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(s->sasl_user);
	s->sasl_user = NULL;
}

void smtp_auth_sasl_line(struct smtp_session *s, const char *line)
{
	smtp_session_set_input(s, SMTP_INPUT_COMMAND);
	if (strcmp(line, "*") == 0) {
		free(s->sasl_user);
		s->sasl_user = NULL;
		smtp_reply(s, 501, "5.0.0", "Authentication cancelled");
		return;
	}
	switch (s->sasl_step) {
	case SMTP_SASL_PLAIN:
		smtp_auth_plain(s, line);
		break;
	case SMTP_SASL_LOGIN_USER:
		smtp_auth_login_user(s, line);
		break;
	case SMTP_SASL_LOGIN_PASSWORD:
		smtp_auth_login_password(s, line);
		break;
	}
}

/* The checks before a mechanism runs; answers and returns false when
 * AUTH may not go on. */
static bool smtp_auth_check(struct smtp_session *s, const char *mech, size_t mech_len)
{
	if (s->authenticated) {
		smtp_reply(s, 503, "5.5.1", "Already authenticated");
		return false;
	}
	if (s->state != SMTP_STATE_READY) {
		smtp_reply(s, 503, "5.5.1", "AUTH is not allowed during a mail transaction");
		return false;
	}
	if (!((mech_len == 5 && strncasecmp(mech, "PLAIN", 5) == 0) ||
	      (mech_len == 5 && strncasecmp(mech, "LOGIN", 5) == 0))) {
		smtp_reply(s, 504, "5.5.4", "Unrecognized authentication mechanism");
		return false;
	}
	if (!smtp_auth_allowed(s)) {
		smtp_reply(s, 538, "5.7.11", "Encryption required for requested "
			   "authentication mechanism");
		return false;
	}
	return true;
}

void smtp_cmd_auth(struct smtp_session *s, const char *args)
{
	size_t mech_len = strcspn(args, " ");
	const char *initial = args[mech_len] == ' ' ? args + mech_len + 1 : NULL;
	bool plain = strncasecmp(args, "PLAIN", mech_len) == 0;

	if (!smtp_auth_check(s, args, mech_len))
		return;
	if (plain && initial != NULL)
		smtp_auth_plain(s, initial);
	else if (plain)
		smtp_auth_challenge(s, SMTP_SASL_PLAIN, "");
	else if (initial != NULL)
		smtp_auth_login_user(s, initial);
	else
		smtp_auth_challenge(s, SMTP_SASL_LOGIN_USER, "VXNlcm5hbWU6");
}
