#ifndef TERN_IMAP_PRIVATE_H
#define TERN_IMAP_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "directory/directory.h"
#include "gateways/net.h"

/* Shared by the IMAP gateway's files. Two halves:
 *   session, parser, dispatch, writing, auth, mailboxes, SELECT and the
 *   view, IDLE (imap_server.c, imap_parser.c, imap_commands.c,
 *   imap_write.c, imap_auth.c, imap_mailbox.c, imap_select.c,
 *   imap_view.c, imap_idle.c, imap_flags.c, imap_seqset.c, ...), and
 *   the message commands FETCH, STORE, SEARCH, SORT, THREAD, COPY,
 *   MOVE, EXPUNGE, APPEND (imap_fetch*.c, imap_store.c, imap_search*.c,
 *   imap_sort.c, imap_thread.c, imap_copy.c, imap_expunge.c,
 *   imap_append.c).
 * Every command is JMAP calls through imap_jmap_call(); nothing here
 * opens the store. */

struct imap_session;
struct imap_cmd;

struct imap_server {
	struct jmap_server *jmap;
	struct directory *dir;
	struct net_protocol proto;
	size_t max_line;	/* imap.max-line-length */
	size_t max_literal;	/* imap.max-literal-size (commands other than APPEND) */
	size_t max_message;	/* imap.max-message-size (APPEND) */
	unsigned timeout;	/* imap.timeout, after login (seconds) */
	unsigned auth_timeout;	/* imap.auth-timeout, before login */
	unsigned max_bad;	/* imap.max-bad-commands: then BYE */
	bool allow_plaintext;	/* authentication.allow-plaintext */
};

/* ---- parsed command arguments ---- */

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* includes "[...]" and "<...>" parts verbatim:
				 * BODY.PEEK[HEADER.FIELDS (A B)]<0.100> is one atom */
	IMAP_ARG_STRING,	/* quoted string, unescaped */
	IMAP_ARG_LITERAL,	/* {n} / {n+} / ~{n} (binary true) */
	IMAP_ARG_LIST,		/* ( ... ) */
};

struct imap_arg {
	enum imap_arg_type type;
	char *str;		/* NUL-terminated; a literal may hold NULs: use len */
	size_t len;
	bool binary;		/* literal8 */
	struct imap_arg *list;	/* IMAP_ARG_LIST */
	size_t count;
};

/* The atom or string text (literal included), NULL for a list. */
const char *imap_arg_astring(const struct imap_arg *arg);
/* arg is an atom equal to name, ASCII case-insensitively. */
bool imap_arg_atom_is(const struct imap_arg *arg, const char *name);
bool imap_arg_is_nil(const struct imap_arg *arg);

/* ---- commands ---- */

#define IMAP_CMD_NOT_AUTH	(1u << 0)	/* allowed before login */
#define IMAP_CMD_AUTH		(1u << 1)	/* allowed after login */
#define IMAP_CMD_SELECTED	(1u << 2)	/* allowed with a mailbox selected */
#define IMAP_CMD_UID		(1u << 3)	/* may follow "UID " */
#define IMAP_CMD_BIG_LITERAL	(1u << 4)	/* literals up to max_message (APPEND) */
#define IMAP_CMD_NO_EXPUNGE	(1u << 5)	/* no EXPUNGE responses while it runs
						 * (FETCH, STORE, SEARCH without UID) */

typedef void imap_command_fn(struct imap_session *s, struct imap_cmd *cmd);

struct imap_command {
	const char *name;
	unsigned flags;
	imap_command_fn *fn;
};

/* The static command table and its lookup (case-insensitive). */
const struct imap_command *imap_command_find(const char *name);

struct imap_cmd {
	char *tag;
	char *name;		/* uppercase; "UID FETCH" has name "FETCH", uid true */
	bool uid;
	const struct imap_command *def;
	struct imap_arg *args;
	size_t count;
	/* A command that does not end in its handler sets what drives it
	 * on, and ends later with imap_cmd_done(). While it runs no other
	 * command is read.
	 *   resume: the output drained (FETCH of many bodies)
	 *   line:   a line arrived (IDLE's DONE, AUTHENTICATE's responses)
	 *   wake:   the account changed (IDLE) */
	void (*resume)(struct imap_session *s, struct imap_cmd *cmd);
	void (*line)(struct imap_session *s, struct imap_cmd *cmd, const char *line, size_t len);
	void (*wake)(struct imap_session *s, struct imap_cmd *cmd);
	void *state;
	void (*state_free)(void *state);
};

/* Ends the running command: first, unless the command forbids it, the
 * pending untagged updates of the selected mailbox (imap_view_sync),
 * then "<tag> <status> <text>" (status "OK", "NO" or "BAD"; text may
 * begin with a response code "[TRYCREATE] ..."). Frees the command and
 * reads the next one. */
void imap_cmd_done(struct imap_session *s, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "<tag> BAD <text>" for a syntax error in the arguments. */
void imap_cmd_bad(struct imap_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the session ---- */

enum imap_state { IMAP_STATE_NOT_AUTH, IMAP_STATE_AUTH, IMAP_STATE_SELECTED, IMAP_STATE_LOGOUT };

#define IMAP_FLAG_SEEN		(1u << 0)
#define IMAP_FLAG_ANSWERED	(1u << 1)
#define IMAP_FLAG_FLAGGED	(1u << 2)
#define IMAP_FLAG_DELETED	(1u << 3)
#define IMAP_FLAG_DRAFT		(1u << 4)

/* One message of the selected mailbox; its sequence number is its index
 * + 1. */
struct imap_msg {
	uint32_t uid;
	uint32_t flags;		/* IMAP_FLAG_* */
	uint32_t kwset;		/* other keywords: index into view->kwsets (0: none) */
	uint32_t id_off;	/* its JMAP Email id: view->ids + id_off */
	uint64_t modseq;
};

/* The selected mailbox as the client knows it. */
struct imap_view {
	char *mailbox_id;	/* JMAP Mailbox id */
	char *name;		/* IMAP name (UTF-8) */
	bool readonly;		/* EXAMINE */
	uint32_t uid_validity;
	uint32_t uid_next;
	uint64_t highest_modseq;	/* what the client has been told */
	struct imap_msg *msgs;
	size_t count, alloc;
	char *ids;		/* Email ids, NUL-separated */
	size_t ids_len, ids_alloc;
	/* when not NULL, ids is this buffer, shared with other views of the
	 * mailbox and never changed: a change copies it first (imap_view.c) */
	struct imap_view_ids *ids_shared;
	/* interned sets of other keywords: kwsets[i] is a NULL-terminated
	 * array of lowercase keywords; kwsets[0] is the empty set */
	char ***kwsets;
	size_t kwset_count;
	/* UIDs gone from the mailbox but not yet reported (EXPUNGE is not
	 * allowed during FETCH/STORE/SEARCH): still in msgs */
	uint32_t *vanished;
	size_t vanished_count;
	/* the search result variable "$" (RFC 9051 §6.4.4.1): UIDs,
	 * ascending, so that expunged messages drop out by themselves;
	 * empty in a new view, as after SELECT, EXAMINE, UNSELECT, CLOSE */
	uint32_t *saved;
	size_t saved_count;
};

struct imap_session {
	struct imap_server *srv;
	struct net_conn *conn;
	struct net_waker *waker;
	enum imap_state state;
	struct directory_identity user;
	char account_id[16];		/* JMAP accountId, after login */
	struct imap_view *view;		/* state SELECTED */
	struct imap_cmd *cmd;		/* the running command, or NULL */
	struct imap_parser *parser;
	struct bus_subscription *bus;
	bool changed;			/* the bus said the account changed */
	unsigned bad_count;
	/* ENABLEd, or switched on by use (RFC 7162 §3.1) */
	bool condstore, qresync, utf8_accept, rev2;
};

/* ---- JMAP ---- */

/* Calls method with args (taken: the call puts it) for the session's
 * user; "accountId" is added when args lacks it. Returns the response
 * arguments (new reference) or NULL with *error_type_r set to the JMAP
 * error type ("invalidArguments", ...; caller frees). */
json_object *imap_jmap_call(struct imap_session *s, const char *method, json_object *args,
			    char **error_type_r);
/* The one created/updated/destroyed outcome of a /set response for id:
 * NULL when it succeeded, else the SetError's type (borrowed from
 * response). */
const char *imap_jmap_set_error(json_object *response, const char *verb, const char *id);

/* ---- writing ---- */

/* "* " + text + CRLF. */
void imap_write_untagged(struct imap_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An IMAP string: quoted when short, printable and without CR/LF, else
 * a literal (literal8 ~{n} when binary is true and it holds NUL). */
void imap_write_string(struct evbuffer *out, const char *data, size_t len, bool binary);
/* A mailbox name in the session's encoding: modified UTF-7 (RFC 3501
 * §5.1.3) unless UTF8=ACCEPT or IMAP4rev2 is enabled. */
void imap_write_mailbox_name(struct imap_session *s, struct evbuffer *out, const char *utf8);
/* A urn:tern:imap structure (mail_imap.h): string, null as NIL,
 * number, array as a parenthesized list. */
void imap_write_structure(struct evbuffer *out, json_object *value);
/* "(\Seen \Flagged $label)" for msg. */
void imap_write_flags(struct evbuffer *out, const struct imap_view *view,
		      const struct imap_msg *msg);

/* ---- flags ---- */

/* The JMAP keyword for an IMAP flag or keyword ("\Seen" -> "$seen",
 * "$Forwarded" -> "$forwarded"); NULL for \Recent, an unknown system
 * flag or invalid characters. Caller frees. */
char *imap_flag_to_keyword(const char *flag);
/* Splits a JMAP keywords array or object into system flag bits and an
 * interned set of the others (an index into view->kwsets). */
void imap_view_keywords(struct imap_view *view, json_object *keywords, uint32_t *flags_r,
			uint32_t *kwset_r);

/* ---- sequence sets ---- */

struct imap_range {
	uint32_t lo, hi;	/* lo <= hi */
};
struct imap_seqset {
	struct imap_range *ranges;	/* sorted, merged */
	size_t count;
};
/* Parses "1:4,7,9:*"; "*" stands for star (the highest sequence
 * number or UID; 0 in an empty mailbox). Returns 0 or -1 on bad syntax. */
int imap_seqset_parse(const char *text, uint32_t star, struct imap_seqset *set_r);
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n);
void imap_seqset_free(struct imap_seqset *set);

/* ---- the selected mailbox ---- */

/* Loads mailbox_id's full view (Email/imapView) as the new selection. */
int imap_view_open(struct imap_session *s, const char *mailbox_id, const char *name,
		   bool readonly, const char **error_r);
void imap_view_free(struct imap_view **view);
/* The JMAP Email id of msg. */
const char *imap_view_email_id(const struct imap_view *view, const struct imap_msg *msg);
/* Index of uid in view->msgs, or -1. */
ssize_t imap_view_find_uid(const struct imap_view *view, uint32_t uid);
/* The indexes of the messages a sequence set (uid false) or UID set
 * names, or "$" (the saved search result, in either), ascending;
 * caller frees. Returns 0, or -1 when a sequence
 * number is past the last message (the caller answers BAD). */
int imap_view_lookup(const struct imap_view *view, const char *set, bool uid,
		     size_t **indexes_r, size_t *count_r);
/* A UID set argument as ranges: "$" is the saved search result, else a
 * sequence set where "*" stands for star. Returns 0 or -1 on bad syntax. */
int imap_view_parse_uids(const struct imap_view *view, const char *set, uint32_t star,
			 struct imap_seqset *set_r);
/* Sets the search result variable to the messages at indexes[0..count)
 * (ascending). */
void imap_view_save_result(struct imap_view *view, const size_t *indexes, size_t count);

#define IMAP_SYNC_EXPUNGE	(1u << 0)	/* EXPUNGE/VANISHED may be sent now */
/* Brings the view up to date (Email/imapView since view->highest_modseq)
 * and tells the client: * n EXISTS for new messages, * n FETCH (FLAGS
 * ... UID u [MODSEQ (m)]) for changed ones except those whose UIDs are
 * in silent (STORE .SILENT), and with IMAP_SYNC_EXPUNGE the vanished
 * ones (* n EXPUNGE, or * VANISHED with QRESYNC). Returns 0, or -1
 * when the mailbox is gone (the caller then says BYE or NO). */
int imap_view_sync(struct imap_session *s, unsigned flags, const struct imap_seqset *silent);

/* Looks an IMAP mailbox name up (UTF-8, "INBOX" case-insensitive).
 * Returns 1 with the JMAP id (caller frees), 0 if it does not exist,
 * -1 on error. */
int imap_mailbox_lookup(struct imap_session *s, const char *name, char **mailbox_id_r);
/* Decodes a mailbox name argument from the client (modified UTF-7
 * unless UTF-8 is on). Returns a caller-owned UTF-8 name or NULL if
 * malformed. */
char *imap_mailbox_name_decode(struct imap_session *s, const char *name);

/* ---- message commands (the second half) ---- */

/* Removes the \Deleted messages of the selected mailbox (all, or only
 * those in uids): destroyed when this was their only mailbox, else
 * taken out of it. With silent, no EXPUNGE responses (CLOSE). */
int imap_expunge_deleted(struct imap_session *s, const struct imap_seqset *uids, bool silent,
			 const char **error_r);

imap_command_fn imap_cmd_fetch, imap_cmd_store, imap_cmd_search, imap_cmd_sort,
	imap_cmd_thread, imap_cmd_copy, imap_cmd_move, imap_cmd_expunge, imap_cmd_append;

#endif
