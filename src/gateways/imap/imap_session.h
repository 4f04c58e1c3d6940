#ifndef TERN_IMAP_SESSION_H
#define TERN_IMAP_SESSION_H

#include "gateways/imap/imap_private.h"

/* What the session half of the IMAP gateway shares between its files,
 * beyond imap_private.h: the command handlers it puts in the table, and
 * helpers for sessions, mailboxes and the view. */

struct imap_mailbox;

/* ---- the session (imap_server.c, imap_dispatch.c, imap_misc.c,
 * imap_write.c, imap_auth.c, imap_capability.c) ---- */

/* Reads and runs commands from the input until it runs out, a command
 * suspends, or the session ends. Called at the end of every network
 * callback (input, drained, wake), which never nest. */
void imap_session_process(struct imap_session *s);
/* Moves the session to state, logging the change. */
void imap_session_set_state(struct imap_session *s, enum imap_state state);
/* Logs user in: state AUTH, the after-login timeout, the bus. */
void imap_session_login(struct imap_session *s, const struct directory_identity *user);
/* Says "* BYE text" and ends the session once the output is sent. */
void imap_session_bye(struct imap_session *s, const char *text);
/* Leaves the selected mailbox (no expunge), if any. */
void imap_session_unselect(struct imap_session *s);
/* Switches CONDSTORE on (RFC 7162 §3.1: ENABLE, or a command that
 * uses it); with a mailbox selected, tells its HIGHESTMODSEQ. */
void imap_session_condstore(struct imap_session *s);
/* True when mailbox names are UTF-8 on the wire (UTF8=ACCEPT or
 * IMAP4rev2 enabled), else modified UTF-7. */
bool imap_session_utf8(const struct imap_session *s);
/* The capability list for the session's state. */
void imap_capability_write(struct imap_session *s, struct evbuffer *out);
/* The same from its inputs: logged in or not, whether a password may be
 * sent now (else LOGINDISABLED and no AUTH=PLAIN), STARTTLS offered,
 * COMPRESS already on. */
void imap_capability_list(struct evbuffer *out, bool logged_in, bool plaintext_ok,
			  bool starttls, bool compressed);

/* ---- command handlers of this half (table: imap_commands.c) ---- */

imap_command_fn imap_cmd_capability, imap_cmd_noop, imap_cmd_logout, imap_cmd_id,
	imap_cmd_starttls, imap_cmd_login, imap_cmd_authenticate, imap_cmd_enable,
	imap_cmd_select, imap_cmd_examine, imap_cmd_create, imap_cmd_delete, imap_cmd_rename,
	imap_cmd_subscribe, imap_cmd_unsubscribe, imap_cmd_list, imap_cmd_lsub, imap_cmd_status,
	imap_cmd_namespace, imap_cmd_idle, imap_cmd_compress, imap_cmd_getquota,
	imap_cmd_getquotaroot, imap_cmd_setquota, imap_cmd_check, imap_cmd_close,
	imap_cmd_unselect;

/* ---- JMAP (imap_jmap.c) ---- */

/* Ends the command with NO after a failed JMAP call: [OVERQUOTA],
 * [UNAVAILABLE] for a busy server, else [SERVERBUG]; the log gets
 * error_type, which is freed. */
void imap_cmd_fail(struct imap_session *s, const char *what, char *error_type);
/* The length of array, 0 when it is not an array (json-c asserts). */
size_t imap_json_array_len(json_object *array);

/* ---- STATUS (imap_status.c) ---- */

enum imap_status_item {
	IMAP_STATUS_MESSAGES,
	IMAP_STATUS_UIDNEXT,
	IMAP_STATUS_UIDVALIDITY,
	IMAP_STATUS_UNSEEN,
	IMAP_STATUS_DELETED,
	IMAP_STATUS_SIZE,
	IMAP_STATUS_HIGHESTMODSEQ,
	IMAP_STATUS_RECENT,
};
#define IMAP_STATUS_ITEMS_MAX 8

struct imap_status_items {
	enum imap_status_item items[IMAP_STATUS_ITEMS_MAX];	/* in the client's order */
	size_t count;
};

/* Parses "(MESSAGES UNSEEN ...)". Returns 0 or -1. */
int imap_status_items_parse(const struct imap_arg *arg, struct imap_status_items *items_r);
/* What STATUS needs of the mailboxes ids (a JSON array, taken; NULL:
 * every mailbox): a new object mapping Mailbox id to its Mailbox, or
 * NULL with *error_type_r (caller frees). */
json_object *imap_status_load(struct imap_session *s, json_object *ids,
			      const struct imap_status_items *items, char **error_type_r);
/* Writes "* STATUS name (...)" for mb from loaded (nothing if mb is not
 * in it). Returns 0, or -1 with *error_type_r. */
int imap_status_write(struct imap_session *s, const struct imap_mailbox *mb, json_object *loaded,
		      const struct imap_status_items *items, char **error_type_r);
/* Switches CONDSTORE on when items ask for HIGHESTMODSEQ (RFC 7162). */
void imap_status_condstore(struct imap_session *s, const struct imap_status_items *items);

/* ---- the account's mailboxes (imap_mailboxes.c) ---- */

struct imap_mailbox {
	char *id;		/* JMAP Mailbox id */
	char *name;		/* full IMAP name, UTF-8: "INBOX", "Work/2024" */
	char *leaf;		/* its own JMAP name */
	char *role;		/* JMAP role, or NULL */
	char *parent_id;	/* NULL at the top */
	bool subscribed;
	bool has_children;
};

/* Every mailbox, INBOX first, then sorted by name (a parent before its
 * children). */
struct imap_mailboxes {
	struct imap_mailbox *items;
	size_t count;
};

/* Reads the mailboxes (Mailbox/get). Returns 0, or -1 with
 * *error_type_r (caller frees). */
int imap_mailboxes_load(struct imap_session *s, struct imap_mailboxes *list_r,
			char **error_type_r);
void imap_mailboxes_free(struct imap_mailboxes *list);
/* By full name (normalized: INBOX in capitals) or by id; NULL. */
const struct imap_mailbox *imap_mailboxes_find(const struct imap_mailboxes *list,
					       const char *name);
const struct imap_mailbox *imap_mailboxes_find_id(const struct imap_mailboxes *list,
						  const char *id);
bool imap_mailbox_is_inbox(const struct imap_mailbox *mb);
/* Writes "INBOX" over any case of it at the start of name ("inbox",
 * "Inbox/Sub"), where IMAP says case does not matter. */
void imap_mailbox_name_normalize(char *name);
/* The special-use attribute of a JMAP role ("drafts" -> "\Drafts"), or
 * NULL; and the role of an attribute (any case), or NULL. */
const char *imap_role_attribute(const char *role);
const char *imap_attribute_role(const char *attribute);

/* ---- flags (imap_flags.c) ---- */

/* "(\Answered ... $kw)": every flag the view's messages may carry;
 * permanent adds "\*" (PERMANENTFLAGS). */
void imap_write_flag_list(struct evbuffer *out, const struct imap_view *view, bool permanent);
/* How many distinct keywords (system flags not counted) the view knows. */
size_t imap_view_keyword_count(const struct imap_view *view);

/* ---- the view's storage (imap_view.c) ---- */

/* An empty view (kwsets[0], the empty set, made). */
struct imap_view *imap_view_new(const char *mailbox_id, const char *name, bool readonly);
/* Adds a message after the others (uid above theirs); its flags are
 * zero. The pointer is valid until the next change of the view. */
struct imap_msg *imap_view_append(struct imap_view *view, uint32_t uid, const char *email_id);
/* Removes the message at index: later sequence numbers move down. */
void imap_view_remove(struct imap_view *view, size_t index);
/* A copy of view (no vanished UIDs) under another name and mode, its
 * arrays the exact size: for the view cache and a session to start
 * from. */
struct imap_view *imap_view_copy(const struct imap_view *view, const char *name, bool readonly);
/* Drops the keyword sets no message uses, so that FLAGS lists only the
 * keywords in the mailbox, as a load from scratch would. */
void imap_view_compact_kwsets(struct imap_view *view);
/* Removes the vanished messages without telling anyone: for a view no
 * client has seen yet. */
void imap_view_purge(struct imap_view *view);

/* ---- the process's cache of views (imap_viewcache.c) ---- */

/* Sessions that select a mailbox start from the latest view of it any
 * session loaded, and ask the store only for what changed since its
 * HIGHESTMODSEQ: a SELECT costs the changes, not the mailbox. The cache
 * is shared by every worker thread, bounded in entries and messages,
 * least recently used out first. */

/* A private copy of the cached view of account_id's mailbox_id, named
 * name, or NULL when none is cached. */
struct imap_view *imap_viewcache_get(const struct imap_server *srv, const char *account_id,
				     const char *mailbox_id, const char *name, bool readonly);
/* Caches a copy of view (up to date as of its highest_modseq, nothing
 * vanished pending) unless a view as recent is cached already. */
void imap_viewcache_put(const struct imap_server *srv, const char *account_id,
			const struct imap_view *view);

/* ---- telling the client (imap_view_sync.c) ---- */

/* The UID of an Email/imapView messages entry; 0 when malformed. */
uint32_t imap_view_entry_uid(json_object *entry);

/* "* n FETCH (UID u FLAGS (...) [MODSEQ (m)])" for view->msgs[index]. */
void imap_view_write_fetch(struct imap_session *s, size_t index);
/* "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" of the view. */
void imap_view_write_flags(struct imap_session *s);

/* ---- sequence sets (imap_seqset.c) ---- */

/* Writes ascending UIDs as a set: "1:3,7". Nothing when count is 0. */
void imap_write_uid_set(struct evbuffer *out, const uint32_t *uids, size_t count);

#endif
