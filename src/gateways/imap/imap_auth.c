/* Before and around login: CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE
 * (PLAIN and LOGIN, with SASL-IR) and LOGOUT. Passwords are refused
 * where gateway_auth_plaintext_ok() says they may not be sent; the
 * directory's brute-force guard and the refusal of admins apply. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/gateway_auth.h"
#include "gateways/imap/imap_session.h"

/* Longest user name or password taken (as gateway_sasl_plain_decode). */
#define IMAP_AUTH_PART_MAX 1024

enum imap_sasl_mech { IMAP_SASL_PLAIN, IMAP_SASL_LOGIN };

/* An AUTHENTICATE exchange in progress. */
struct imap_sasl {
	enum imap_sasl_mech mech;
	char *user;		/* LOGIN: the name, once sent */
};

void imap_capability_write(struct imap_session *s, struct evbuffer *out)
{
	imap_capability_list(out, s->state != IMAP_STATE_NOT_AUTH,
			     gateway_auth_plaintext_ok(s->conn, s->srv->allow_plaintext),
			     net_conn_can_starttls(s->conn), net_conn_is_compressed(s->conn));
}

void imap_cmd_capability(struct imap_session *s, struct imap_cmd *cmd)
{
	struct evbuffer *out = net_conn_output(s->conn);

	if (cmd->count != 0) {
		imap_cmd_bad(s, "CAPABILITY takes no arguments");
		return;
	}
	evbuffer_add_printf(out, "* CAPABILITY ");
	imap_capability_write(s, out);
	evbuffer_add_printf(out, "\r\n");
	imap_cmd_done(s, "OK", "Capability completed");
}

void imap_cmd_logout(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(s, "LOGOUT takes no arguments");
		return;
	}
	/* no mailbox updates between BYE and the tagged OK */
	imap_session_unselect(s);
	imap_write_untagged(s, "BYE Logging out");
	imap_cmd_done(s, "OK", "Logout completed");
	imap_session_set_state(s, IMAP_STATE_LOGOUT);
	net_conn_close(s->conn);
}

void imap_cmd_starttls(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *error;

	if (cmd->count != 0) {
		imap_cmd_bad(s, "STARTTLS takes no arguments");
		return;
	}
	if (net_conn_is_tls(s->conn) || !net_conn_can_starttls(s->conn)) {
		imap_cmd_bad(s, "TLS is already on or not available");
		return;
	}
	/* RFC 9051 §6.2.1: nothing sent before the handshake may count */
	evbuffer_drain(net_conn_input(s->conn), evbuffer_get_length(net_conn_input(s->conn)));
	imap_cmd_done(s, "OK", "Begin TLS negotiation now");
	if (net_conn_starttls(s->conn, &error) < 0) {
		log_warn("imap.starttls", "ip=%s error=%s", log_q(net_conn_peer_ip(s->conn)),
			 log_q(error));
		imap_session_set_state(s, IMAP_STATE_LOGOUT);
		net_conn_close(s->conn);
	}
}

/* Checks the credentials and ends the command. */
static void imap_auth_finish(struct imap_session *s, const char *name, const char *password)
{
	struct directory_identity id;
	struct evbuffer *caps;

	switch (gateway_auth_login(s->srv->dir, s->conn, "imap", name, password, &id)) {
	case GATEWAY_AUTH_OK:
		imap_session_login(s, &id);
		caps = evbuffer_new();
		imap_capability_write(s, caps);
		evbuffer_add(caps, "", 1);
		imap_cmd_done(s, "OK", "[CAPABILITY %s] Logged in",
			      (const char *)evbuffer_pullup(caps, -1));
		evbuffer_free(caps);
		break;
	case GATEWAY_AUTH_FAILED:
	case GATEWAY_AUTH_REFUSED:
		/* an admin's right password is not told apart from a wrong one */
		imap_cmd_done(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
		break;
	case GATEWAY_AUTH_BANNED:
		imap_cmd_done(s, "NO", "[UNAVAILABLE] Too many failed logins; try again later");
		break;
	case GATEWAY_AUTH_INTERNAL:
		imap_cmd_done(s, "NO", "[UNAVAILABLE] Temporary failure; try again later");
		break;
	}
}

/* An argument usable as a name or password: no NUL, bounded. */
static const char *imap_auth_part(const struct imap_arg *arg)
{
	const char *s = imap_arg_astring(arg);

	if (s == NULL || strlen(s) != arg->len || arg->len > IMAP_AUTH_PART_MAX)
		return NULL;
	return s;
}

static bool imap_auth_plaintext_refused(struct imap_session *s)
{
	if (gateway_auth_plaintext_ok(s->conn, s->srv->allow_plaintext))
		return false;
	imap_cmd_done(s, "NO", "[PRIVACYREQUIRED] Use TLS to send a password");
	return true;
}

void imap_cmd_login(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *name, *password;

	if (cmd->count != 2 || (name = imap_arg_astring(&cmd->args[0])) == NULL ||
	    (password = imap_arg_astring(&cmd->args[1])) == NULL) {
		imap_cmd_bad(s, "LOGIN needs a user name and a password");
		return;
	}
	if (imap_auth_plaintext_refused(s))
		return;
	if (imap_auth_part(&cmd->args[0]) == NULL || imap_auth_part(&cmd->args[1]) == NULL) {
		imap_cmd_done(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
		return;
	}
	imap_auth_finish(s, name, password);
}

static void imap_sasl_free(void *state)
{
	struct imap_sasl *sasl = state;

	free(sasl->user);
	free(sasl);
}

/* A base64 SASL response: "=" is empty (RFC 4959); no NUL inside.
 * Returns a caller-owned string or NULL. */
static char *imap_sasl_text(const char *b64, size_t len)
{
	size_t n;
	char *text;

	if (len == 1 && b64[0] == '=')
		return xstrdup("");
	text = base64_decode(b64, len, &n);
	if (text != NULL && (strlen(text) != n || n > IMAP_AUTH_PART_MAX)) {
		free(text);
		return NULL;
	}
	return text;
}

static void imap_sasl_plain(struct imap_session *s, const char *b64, size_t len)
{
	char *name, *password;

	if (gateway_sasl_plain_decode(b64, len, &name, &password) < 0) {
		imap_cmd_done(s, "NO", "[AUTHENTICATIONFAILED] Malformed PLAIN response");
		return;
	}
	imap_auth_finish(s, name, password);
	free(name);
	free(password);
}

/* LOGIN: first the name, then the password. */
static void imap_sasl_login(struct imap_session *s, struct imap_sasl *sasl, const char *b64,
			    size_t len)
{
	char *text = imap_sasl_text(b64, len);

	if (text == NULL) {
		imap_cmd_done(s, "NO", "[AUTHENTICATIONFAILED] Malformed LOGIN response");
		return;
	}
	if (sasl->user == NULL) {
		sasl->user = text;
		net_conn_printf(s->conn, "+ UGFzc3dvcmQ6\r\n");	/* "Password:" */
		return;
	}
	imap_auth_finish(s, sasl->user, text);
	free(text);
}

static void imap_sasl_step(struct imap_session *s, struct imap_sasl *sasl, const char *b64,
			   size_t len)
{
	if (sasl->mech == IMAP_SASL_PLAIN)
		imap_sasl_plain(s, b64, len);
	else
		imap_sasl_login(s, sasl, b64, len);
}

static void imap_sasl_line(struct imap_session *s, struct imap_cmd *cmd, const char *line,
			   size_t len)
{
	if (len == 1 && line[0] == '*') {
		imap_cmd_done(s, "BAD", "Authentication cancelled");
		return;
	}
	imap_sasl_step(s, cmd->state, line, len);
}

void imap_cmd_authenticate(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *mech = cmd->count >= 1 ? imap_arg_astring(&cmd->args[0]) : NULL;
	const char *ir = cmd->count == 2 ? imap_arg_astring(&cmd->args[1]) : NULL;
	struct imap_sasl *sasl;

	if (mech == NULL || cmd->count > 2 || (cmd->count == 2 && ir == NULL)) {
		imap_cmd_bad(s, "AUTHENTICATE needs a mechanism");
		return;
	}
	if (strcasecmp(mech, "PLAIN") != 0 && strcasecmp(mech, "LOGIN") != 0) {
		imap_cmd_done(s, "NO", "Unsupported authentication mechanism");
		return;
	}
	if (imap_auth_plaintext_refused(s))
		return;
	sasl = xcalloc(1, sizeof(*sasl));
	sasl->mech = strcasecmp(mech, "PLAIN") == 0 ? IMAP_SASL_PLAIN : IMAP_SASL_LOGIN;
	cmd->state = sasl;
	cmd->state_free = imap_sasl_free;
	cmd->line = imap_sasl_line;
	if (ir != NULL)
		imap_sasl_step(s, sasl, ir, cmd->args[1].len);
	else if (sasl->mech == IMAP_SASL_PLAIN)
		net_conn_printf(s->conn, "+ \r\n");
	else
		net_conn_printf(s->conn, "+ VXNlcm5hbWU6\r\n");	/* "Username:" */
}
