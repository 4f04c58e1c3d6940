#ifndef TERN_SMTP_SESSION_H
#define TERN_SMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "directory/directory.h"
#include "gateways/gateway_auth.h"
#include "gateways/net.h"
#include "gateways/smtp/smtp_deliver.h"
#include "gateways/smtp/smtp_parse.h"

/* Shared by the ESMTP server's files:
 *   smtp_server.c       the protocol, its settings, the network callbacks
 *   smtp_session.c      the input loop, replies, state changes, the transaction
 *   smtp_cmd.c          the command table, its checks, and EHLO, HELO, NOOP,
 *                       RSET, QUIT, VRFY, EXPN, HELP, STARTTLS
 *   smtp_cmd_mail.c     MAIL and RCPT, with their parameters
 *   smtp_cmd_data.c     DATA and BDAT, and the end of a message
 *   smtp_cmd_auth.c     AUTH PLAIN and LOGIN
 *   smtp_parse*.c, smtp_data.c   the pure parsers (smtp_parse.h)
 * MAIL, RCPT and the message go to smtp_deliver.h, and AUTH's password
 * to the directory, on a worker thread (smtp_session_offload): the loop
 * goes on serving other sessions meanwhile, and this session reads no
 * further until the answer is written, so that pipelined replies stay
 * in order. Nothing here opens the store or calls JMAP. */

struct smtp_server {
	struct directory *dir;
	struct smtp_deliver *deliver;
	struct net_protocol proto;
	char *hostname;		/* server.hostname */
	size_t max_line;	/* smtp.max-line-length */
	size_t max_message;	/* smtp.max-message-size */
	unsigned max_rcpts;	/* smtp.max-recipients */
	unsigned max_bad;	/* smtp.max-bad-commands */
	unsigned timeout;	/* smtp.timeout, seconds */
	unsigned data_timeout;	/* smtp.data-timeout, seconds */
	bool allow_plaintext;	/* authentication.allow-plaintext */
};

/* Where the session is; every change goes through smtp_session_set_state. */
enum smtp_state {
	SMTP_STATE_FRESH,	/* greeted, no EHLO/HELO yet */
	SMTP_STATE_READY,	/* EHLO/HELO done, no transaction */
	SMTP_STATE_MAIL,	/* MAIL accepted */
	SMTP_STATE_RCPT,	/* at least one RCPT accepted */
	SMTP_STATE_DATA,	/* reading DATA's message */
	SMTP_STATE_CHUNKING,	/* BDAT chunks arriving (or one being read) */
};

/* What the next input bytes are. */
enum smtp_input {
	SMTP_INPUT_COMMAND,	/* command lines */
	SMTP_INPUT_DATA,	/* DATA's message, up to "." */
	SMTP_INPUT_CHUNK,	/* chunk_left bytes of a BDAT chunk */
	SMTP_INPUT_SASL,	/* a line answering a 334 challenge */
};

enum smtp_sasl_step {
	SMTP_SASL_PLAIN,	/* PLAIN's response */
	SMTP_SASL_LOGIN_USER,	/* LOGIN's user name */
	SMTP_SASL_LOGIN_PASSWORD,	/* LOGIN's password */
};

struct smtp_session;

/* A command's blocking part, on a worker: it reads the session (the
 * envelope is filled in first) and writes only its job. */
typedef void smtp_work_fn(struct smtp_session *s);
/* Its answer, back on the loop. gone: the connection is going away;
 * release what the job holds and answer nothing. */
typedef void smtp_done_fn(struct smtp_session *s, bool gone);

/* What the offloaded command hands to its done. */
struct smtp_job {
	smtp_work_fn *work;
	smtp_done_fn *done;
	struct smtp_reply reply;
	bool ok;			/* the reply is a 250 */
	struct smtp_rcpt rcpt;		/* RCPT: the recipient being checked */
	char *name, *password;		/* AUTH: the credentials (wiped after) */
	enum gateway_auth_result auth;
	struct directory_identity id;	/* AUTH: who logged in */
};

struct smtp_session {
	struct smtp_server *srv;
	struct net_conn *conn;
	char id[24];			/* for logs and Received */
	enum smtp_state state;
	enum smtp_input input;
	bool skipping;			/* dropping the rest of an overlong line */
	bool closing;			/* net_conn_close() done: read nothing more */
	bool submission;		/* the listener is a submission port */
	unsigned bad_count;
	char *helo;			/* EHLO/HELO argument */
	bool esmtp;
	bool authenticated;
	struct directory_identity user;	/* when authenticated */
	/* AUTH in progress */
	enum smtp_sasl_step sasl_step;
	char *sasl_user;		/* LOGIN: the user name given */
	/* the transaction */
	struct smtp_envelope env;
	char *mail_from;
	char *ret, *envid;
	size_t rcpt_cap;
	struct smtp_data_reader data;
	/* BDAT */
	uint64_t chunk_size;		/* the BDAT chunk's size */
	uint64_t chunk_left;		/* bytes of the chunk still to read */
	bool chunk_last;		/* the chunk is BDAT ... LAST */
	bool chunk_discard;		/* the BDAT failed: read its bytes, then answer */
	struct smtp_reply chunk_reply;	/* the answer of a discarded chunk */
	unsigned transactions;		/* messages received in this session */
	struct smtp_job job;		/* the command on a worker, if any */
};

/* ---- the session (smtp_session.c) ---- */

/* Handles the input: commands, message bytes and SASL lines, in order,
 * until it runs out, the output fills or the session closes. */
void smtp_session_run(struct smtp_session *s);
/* The one way the state changes (logged at debug). */
void smtp_session_set_state(struct smtp_session *s, enum smtp_state state);
const char *smtp_state_name(enum smtp_state state);
/* What the next bytes are; the timeout follows (smtp.timeout for
 * commands, smtp.data-timeout for message bytes). */
void smtp_session_set_input(struct smtp_session *s, enum smtp_input input);
/* Ends the transaction (RFC 5321 §4.1.1.5): sender, recipients and the
 * message so far are forgotten; back to READY (or FRESH before EHLO). */
void smtp_session_reset(struct smtp_session *s);
/* Closes once the queued output is sent; nothing more is read. */
void smtp_session_close(struct smtp_session *s);
/* Forgets everything the client said: after STARTTLS (RFC 3207 §4.2). */
void smtp_session_forget(struct smtp_session *s);
/* Restarts the timeout for what the session reads now. */
void smtp_session_update_timeout(struct smtp_session *s);
/* The transaction's envelope with what the session knows of its client
 * filled in, for smtp_deliver_*(). Owned by s. */
struct smtp_envelope *smtp_session_envelope(struct smtp_session *s);
/* Runs work on a worker with the envelope filled in, then done on the
 * loop, then takes up the pipelined input. The caller returns at once;
 * nothing of the session changes until done. */
void smtp_session_offload(struct smtp_session *s, smtp_work_fn *work, smtp_done_fn *done);

/* "code enhanced text" and CRLF; enhanced NULL or "" for none. */
void smtp_reply(struct smtp_session *s, int code, const char *enhanced, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void smtp_reply_write(struct smtp_session *s, const struct smtp_reply *reply);
/* An error for a bad command (unknown, malformed, too long): counts
 * towards smtp.max-bad-commands; past it 421 and the connection closes. */
void smtp_reply_bad(struct smtp_session *s, int code, const char *enhanced, const char *text);
/* "421 4.x.x hostname text" and close. */
void smtp_reply_close(struct smtp_session *s, const char *enhanced, const char *text);

/* ---- commands (smtp_cmd*.c) ---- */

typedef void smtp_command_fn(struct smtp_session *s, const char *args);

/* Runs one command line: the table's checks, then its handler. */
void smtp_command_dispatch(struct smtp_session *s, const char *line);

smtp_command_fn smtp_cmd_mail, smtp_cmd_rcpt, smtp_cmd_data, smtp_cmd_bdat, smtp_cmd_auth;

/* The message bytes of DATA (SMTP_INPUT_DATA) or of a BDAT chunk
 * (SMTP_INPUT_CHUNK) from the input. Returns once the input is used
 * up or the message or chunk ended (and was answered). */
void smtp_data_input(struct smtp_session *s);
/* A line answering a 334 challenge of AUTH. */
void smtp_auth_sasl_line(struct smtp_session *s, const char *line);
/* Whether AUTH may be offered and used now. */
bool smtp_auth_allowed(const struct smtp_session *s);

#endif
