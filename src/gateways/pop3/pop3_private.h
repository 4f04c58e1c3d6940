#ifndef TERN_POP3_PRIVATE_H
#define TERN_POP3_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "directory/directory.h"
#include "gateways/gateway_line.h"
#include "gateways/net.h"

/* Shared by the POP3 gateway's files:
 *   pop3_server.c    the protocol, the connection and its input loop
 *   pop3_commands.c  the command table, dispatch, session commands
 *   pop3_listing.c   STAT, LIST, UIDL, DELE, RSET
 *   pop3_auth.c      USER, PASS, AUTH PLAIN, entering TRANSACTION
 *   pop3_maildrop.c  the Inbox through JMAP: listed at login, checked
 *   pop3_update.c    the UPDATE state: QUIT's deletions through JMAP
 *   pop3_retr.c      RETR and TOP, streamed from the blob
 *   pop3_line.c      reading and splitting command lines
 *   pop3_stream.c    CRLF, byte-stuffing and TOP's line cut
 * Nothing here opens the store: every maildrop operation is JMAP. */

/* ---- pure helpers (pop3_line.c, pop3_stream.c) ---- */

#define POP3_MAX_ARGS 3
#define POP3_MAX_NAME 8		/* longer keywords are unknown commands */

/* One command line, split at spaces. name is uppercased; rest is the
 * line after the keyword and its space (PASS takes it whole: passwords
 * may hold spaces); args are the space-separated words of rest. */
struct pop3_cmdline {
	char name[POP3_MAX_NAME + 1];
	char *rest;
	char *args[POP3_MAX_ARGS];
	unsigned argc;
	bool too_many;		/* more than POP3_MAX_ARGS words */
	char *buf;		/* owns rest and args */
};

/* Splits line (not changed; out owns copies) into out. Returns 0, or -1
 * when the line has no keyword (empty, or starts with a space). */
int pop3_cmdline_parse(const char *line, struct pop3_cmdline *out);
void pop3_cmdline_free(struct pop3_cmdline *line);
/* A message number argument: decimal digits only, 1..max. Returns 0 or
 * -1 (malformed, 0, or above max). */
int pop3_parse_msgno(const char *s, size_t max, size_t *msgno_r);
/* TOP's line count: decimal digits only; values past UINT64_MAX clamp. */
int pop3_parse_lines(const char *s, uint64_t *lines_r);

/* Writes a message as a multi-line response body: every line ends in
 * CRLF (a bare LF becomes CRLF), a line starting with "." gets another
 * one in front, and for TOP only the header, the blank line and the
 * first body_lines lines of the body go out. */
struct pop3_dot_writer {
	bool top;		/* cut after body_lines body lines */
	bool in_body;		/* the blank line after the header was seen */
	bool done;		/* TOP: enough was written; the rest is dropped */
	bool line_start;	/* the next byte begins a line */
	bool line_empty;	/* nothing but the line end so far */
	bool pending_cr;	/* a CR ended the last chunk */
	uint64_t body_lines;	/* TOP: body lines still to write */
};

void pop3_dot_init(struct pop3_dot_writer *w, bool top, uint64_t body_lines);
/* Feeds the next bytes. Returns true once no more input is wanted (TOP
 * wrote its lines). */
bool pop3_dot_feed(struct pop3_dot_writer *w, const void *data, size_t len,
		   struct evbuffer *out);
/* Ends the last line if it had no line end, then writes ".\r\n". */
void pop3_dot_finish(struct pop3_dot_writer *w, struct evbuffer *out);

/* ---- the maildrop (pop3_maildrop.c) ---- */

/* Who the session acts for in JMAP calls. */
struct pop3_account {
	struct jmap_server *jmap;
	struct directory_identity identity;
	char id[16];		/* the JMAP accountId */
};

/* One message of the maildrop as listed at login; its message number is
 * its index + 1. */
struct pop3_message {
	char *email_id;		/* the JMAP Email id, also its UIDL */
	char *blob_id;
	uint64_t size;
	bool deleted;		/* DELE in this session */
	bool retrieved;		/* RETR in this session: $seen at QUIT */
};

struct pop3_maildrop {
	char *inbox_id;
	struct pop3_message *msgs;
	size_t count;
	size_t deleted_count;
	uint64_t total_size;	/* of every message, deleted or not */
	uint64_t deleted_size;
};

/* Batch sizes for JMAP calls, no larger than the core's
 * maxObjectsInGet / maxObjectsInSet. */
struct pop3_batch {
	size_t get;
	size_t set;
};

/* The length of a JSON array, 0 for anything else; its element i, NULL
 * past the end or for anything else. For answers of the core, read
 * without trusting their shape. */
size_t pop3_json_length(json_object *array);
json_object *pop3_json_at(json_object *array, size_t i);

/* Runs one JMAP method for acct; args (taken) get the accountId.
 * Returns the response arguments (a new reference), or NULL when the
 * method answered an error (logged). */
json_object *pop3_jmap_call(const struct pop3_account *acct, const char *method,
			    json_object *args);

/* Lists the Inbox: receivedAt ascending, then id. Returns 0, or -1 with
 * *error_r (-ERR text with its response code). */
int pop3_maildrop_load(const struct pop3_account *acct, const struct pop3_batch *batch,
		       struct pop3_maildrop *md, const char **error_r);
/* Whether msg is still in the Inbox now: 1, 0 (destroyed or moved
 * away elsewhere), -1 on error. */
int pop3_maildrop_check(const struct pop3_account *acct, const struct pop3_maildrop *md,
			const struct pop3_message *msg);
/* The UPDATE state: removes the messages marked deleted (destroyed when
 * the Inbox was their only mailbox, else taken out of it) and marks
 * the retrieved ones $seen. Returns 0, or -1 when some deletion failed. */
int pop3_maildrop_update(const struct pop3_account *acct, const struct pop3_batch *batch,
			 const struct pop3_maildrop *md);
void pop3_maildrop_free(struct pop3_maildrop *md);

/* ---- the session ---- */

enum pop3_state {
	POP3_STATE_AUTHORIZATION,
	POP3_STATE_TRANSACTION,
	POP3_STATE_UPDATE,
};

struct pop3_server {
	struct jmap_server *jmap;
	struct directory *dir;
	struct net_protocol proto;
	struct pop3_batch batch;
	size_t max_line;	/* pop3.max-line-length */
	unsigned max_bad;	/* pop3.max-bad-commands */
	unsigned timeout;	/* pop3.timeout, seconds */
	bool allow_plaintext;	/* authentication.allow-plaintext */
};

struct pop3_retrieval;

struct pop3_session {
	struct pop3_server *srv;
	struct net_conn *conn;
	enum pop3_state state;
	char *user;			/* USER given, PASS awaited */
	bool sasl_pending;		/* AUTH PLAIN sent "+ ": the next line answers */
	bool skipping;			/* discarding the rest of an overlong line */
	bool closing;			/* net_conn_close() done: read nothing more */
	unsigned bad_count;
	struct pop3_account account;	/* after login */
	struct pop3_maildrop maildrop;	/* after login */
	struct pop3_retrieval *retr;	/* RETR/TOP waiting for the output to drain */
};

/* Processes the whole lines in the input, in order, until none is left,
 * a command waits for the output to drain, or the session closes. */
void pop3_session_run(struct pop3_session *s);
/* The one way the state changes (logged). */
void pop3_session_set_state(struct pop3_session *s, enum pop3_state state);
/* Writes "+OK text" / "-ERR text" and CRLF. */
void pop3_reply_ok(struct pop3_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pop3_reply_err(struct pop3_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "-ERR text" for a bad command (unknown, malformed, too long), which
 * counts towards pop3.max-bad-commands; past it the connection closes. */
void pop3_reply_bad(struct pop3_session *s, const char *text);
/* Closes once the queued output is sent; nothing more is read. */
void pop3_session_close(struct pop3_session *s);

/* ---- commands ---- */

typedef void pop3_command_fn(struct pop3_session *s, const struct pop3_cmdline *line);

/* Runs one command line: the table's checks (state, arguments), then
 * its handler. */
void pop3_command_dispatch(struct pop3_session *s, const char *line);

/* The message an argument names, or NULL after answering -ERR (bad
 * number, no such message, or deleted in this session). */
struct pop3_message *pop3_message_arg(struct pop3_session *s, const char *arg);

pop3_command_fn pop3_cmd_user, pop3_cmd_pass, pop3_cmd_auth;
pop3_command_fn pop3_cmd_stat, pop3_cmd_list, pop3_cmd_uidl, pop3_cmd_dele, pop3_cmd_rset;
pop3_command_fn pop3_cmd_retr, pop3_cmd_top;

/* The line answering AUTH PLAIN's "+ " (the session had sasl_pending). */
void pop3_auth_sasl_response(struct pop3_session *s, const char *line);
/* Whether a password may be sent now. */
bool pop3_auth_plaintext_ok(const struct pop3_session *s);

/* Goes on with a RETR/TOP stopped by a full output buffer. Returns true
 * when it finished (the next command may run). */
bool pop3_retr_resume(struct pop3_session *s);
void pop3_retr_free(struct pop3_retrieval **retr);

#endif
