/* Logging in: USER/PASS (RFC 1939 §7) and AUTH PLAIN (RFC 5034, with an
 * initial response or after "+ "), both refused while a password may
 * not travel in the clear. A login opens the maildrop and enters the
 * TRANSACTION state. Response codes: RFC 2449 §8, RFC 3206. */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/gateway_auth.h"
#include "gateways/pop3/pop3_private.h"
#include "jmap/jmap.h"

#define POP3_PLAINTEXT_REFUSED \
	"[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."

bool pop3_auth_plaintext_ok(const struct pop3_session *s)
{
	return gateway_auth_plaintext_ok(s->conn, s->srv->allow_plaintext);
}

/* The credentials were right: the maildrop is listed now, and stays as
 * listed for the whole session. */
static void pop3_auth_enter(struct pop3_session *s, const struct directory_identity *id)
{
	struct pop3_maildrop *md = &s->maildrop;
	const char *error;

	s->account.jmap = s->srv->jmap;
	s->account.identity = *id;
	jmap_account_id_format(id->account_id, s->account.id);
	if (pop3_maildrop_load(&s->account, &s->srv->batch, md, &error) < 0) {
		pop3_reply_err(s, "%s", error);
		return;
	}
	pop3_session_set_state(s, POP3_STATE_TRANSACTION);
	log_info("pop3.login", "user=%s ip=%s messages=%zu", log_q(id->name),
		 log_q(net_conn_peer_ip(s->conn)), md->count);
	pop3_reply_ok(s, "Logged in, %zu messages (%" PRIu64 " octets).", md->count,
		      md->total_size);
}

static void pop3_auth_login(struct pop3_session *s, const char *name, const char *password)
{
	struct directory_identity id;

	switch (gateway_auth_login(s->srv->dir, s->conn, "pop3", name, password, &id)) {
	case GATEWAY_AUTH_OK:
		pop3_auth_enter(s, &id);
		break;
	case GATEWAY_AUTH_FAILED:
		pop3_reply_err(s, "[AUTH] Authentication failed.");
		break;
	case GATEWAY_AUTH_BANNED:
		pop3_reply_err(s, "[LOGIN-DELAY] Too many failed logins from this address; "
			       "try again later.");
		break;
	case GATEWAY_AUTH_REFUSED:
		pop3_reply_err(s, "[AUTH] Administrators cannot read mail.");
		break;
	case GATEWAY_AUTH_INTERNAL:
		pop3_reply_err(s, "[SYS/TEMP] Temporary authentication failure; try again later.");
		break;
	}
}

void pop3_cmd_user(struct pop3_session *s, const struct pop3_cmdline *line)
{
	if (!pop3_auth_plaintext_ok(s)) {
		pop3_reply_err(s, POP3_PLAINTEXT_REFUSED);
		return;
	}
	free(s->user);
	s->user = xstrdup(line->args[0]);
	pop3_reply_ok(s, "Send the password.");
}

void pop3_cmd_pass(struct pop3_session *s, const struct pop3_cmdline *line)
{
	char *user = s->user;

	if (user == NULL) {
		pop3_reply_err(s, "No user name given: send USER first.");
		return;
	}
	s->user = NULL;
	pop3_auth_login(s, user, line->rest);
	free(user);
}

static void pop3_auth_plain(struct pop3_session *s, const char *response)
{
	char *name, *password;

	if (gateway_sasl_plain_decode(response, strlen(response), &name, &password) < 0) {
		pop3_reply_err(s, "[AUTH] Malformed PLAIN response.");
		return;
	}
	pop3_auth_login(s, name, password);
	explicit_bzero(password, strlen(password));
	free(name);
	free(password);
}

/* AUTH alone lists the mechanisms, as Dovecot and Outlook expect. */
static void pop3_auth_list(struct pop3_session *s)
{
	struct evbuffer *out = net_conn_output(s->conn);

	pop3_reply_ok(s, "Mechanisms follow");
	if (pop3_auth_plaintext_ok(s))
		evbuffer_add_printf(out, "PLAIN\r\n");
	evbuffer_add_printf(out, ".\r\n");
}

void pop3_cmd_auth(struct pop3_session *s, const struct pop3_cmdline *line)
{
	if (line->argc == 0) {
		pop3_auth_list(s);
		return;
	}
	if (strcasecmp(line->args[0], "PLAIN") != 0) {
		pop3_reply_err(s, "Unsupported authentication mechanism.");
		return;
	}
	if (!pop3_auth_plaintext_ok(s)) {
		pop3_reply_err(s, POP3_PLAINTEXT_REFUSED);
		return;
	}
	free(s->user);
	s->user = NULL;
	if (line->argc == 2) {
		pop3_auth_plain(s, line->args[1]);
		return;
	}
	/* RFC 5034 §4: an empty challenge is "+" and a space */
	evbuffer_add(net_conn_output(s->conn), "+ \r\n", 4);
	s->sasl_pending = true;
}

void pop3_auth_sasl_response(struct pop3_session *s, const char *line)
{
	s->sasl_pending = false;
	if (strcmp(line, "*") == 0) {
		pop3_reply_err(s, "Authentication cancelled.");
		return;
	}
	pop3_auth_plain(s, line);
}
