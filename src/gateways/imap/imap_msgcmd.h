#ifndef TERN_IMAP_MSGCMD_H
#define TERN_IMAP_MSGCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "gateways/imap/imap_private.h"

/* What the message commands (FETCH, STORE, SEARCH, SORT, THREAD, COPY,
 * MOVE, EXPUNGE, APPEND) share: batched JMAP calls over the selected
 * view, number sets in IMAP syntax, the search engine that SEARCH, SORT
 * and THREAD run, and base subjects. Private to those files. */

/* Ids per Email/get and objects per Email/set: below the default
 * jmap.max-objects-in-get/-set (500), so one call never asks too much. */
#define IMAP_JMAP_BATCH 250

/* ---- JMAP calls ---- */

/* Ends the command with NO after a failed JMAP call: [UNAVAILABLE] when
 * the account is busy, [OVERQUOTA] over quota, else [SERVERBUG] (the
 * log gets the detail). Frees error_type. */
void imap_msgcmd_fail(struct imap_session *s, const char *what, char *error_type);

/* A JSON array of the Email ids of view messages indexes[0..count). */
json_object *imap_msgcmd_ids(const struct imap_view *view, const size_t *indexes, size_t count);

/* Email/get of ids (taken) with properties (taken). Returns a new object
 * mapping each found id to its Email, or NULL with *error_type_r. */
json_object *imap_msgcmd_get(struct imap_session *s, json_object *ids, json_object *properties,
			     char **error_type_r);

/* Every Email id matching filter (taken), page after page (the server
 * caps a page at maxObjectsInGet). Returns a new array, or NULL with
 * *error_type_r. */
json_object *imap_msgcmd_query(struct imap_session *s, json_object *filter, char **error_type_r);

/* Mailbox/get of one mailbox's imapUidValidity. Returns 0 or -1 with
 * *error_type_r. */
int imap_msgcmd_uid_validity(struct imap_session *s, const char *mailbox_id,
			     uint32_t *uid_validity_r, char **error_type_r);

/* The UID of an Email (from Email/get with imapUids) in mailbox_id; 0
 * when it is not there. */
uint32_t imap_msgcmd_email_uid(json_object *email, const char *mailbox_id);

/* RFC 7162 §3.1: the first CONDSTORE enabling command switches CONDSTORE
 * on and, with a mailbox selected, reports its HIGHESTMODSEQ. */
void imap_msgcmd_condstore_enable(struct imap_session *s);

/* An Email's JMAP UTCDate property (receivedAt) as a time; 0 if absent. */
time_t imap_msgcmd_utc_date(json_object *email, const char *property);
/* An RFC 3339 date with any offset (sentAt) as UTC; 0 and false when
 * absent or malformed. */
bool imap_msgcmd_date(const char *text, time_t *t_r);

/* ---- number sets ---- */

/* A growing list of numbers (UIDs, sequence numbers) in the order added. */
struct imap_numlist {
	uint32_t *nums;
	size_t count, alloc;
};
void imap_numlist_add(struct imap_numlist *list, uint32_t n);
void imap_numlist_free(struct imap_numlist *list);
/* Writes the numbers as a sequence set in their order: runs of
 * consecutive ascending numbers become "a:b" (COPYUID's two sets then
 * still pair up one to one). Nothing for an empty list. */
void imap_numlist_write(struct evbuffer *out, const struct imap_numlist *list);
/* The same into a new string (caller frees). */
char *imap_numlist_string(const struct imap_numlist *list);
/* A UID set (for imap_view_sync's silent set) of the ascending list. */
void imap_numlist_seqset(const struct imap_numlist *list, struct imap_seqset *set_r);

/* ---- the view ---- */

/* Finds view messages by Email id. */
struct imap_id_index {
	const struct imap_view *view;
	size_t *order;		/* view indexes sorted by Email id */
	size_t count;
};
void imap_id_index_init(struct imap_id_index *index, const struct imap_view *view);
/* The view index of email_id, or -1. */
ssize_t imap_id_index_find(const struct imap_id_index *index, const char *email_id);
void imap_id_index_free(struct imap_id_index *index);

/* The IMAP_FLAG_* bit a JMAP keyword stands for ("$seen"), or 0. */
uint32_t imap_msgcmd_keyword_flag(const char *keyword);
/* msg carries keyword (lowercase JMAP keyword, system ones included). */
bool imap_msgcmd_has_keyword(const struct imap_view *view, const struct imap_msg *msg,
			     const char *keyword);

/* ---- search (SEARCH, SORT, THREAD) ---- */

struct imap_search;

/* Parses search criteria args[0..count) (after any RETURN options and
 * with the CHARSET, when allowed, at its start): returns 0, or -1 with
 * *bad_r true for a syntax error (BAD) or false for a refused charset
 * (NO [BADCHARSET]), and *error_r. with_charset: the criteria start
 * with a mandatory charset (SORT, THREAD). */
int imap_search_parse(const struct imap_arg *args, size_t count, bool with_charset,
		      struct imap_search **search_r, bool *bad_r, const char **error_r);
/* imap_search_parse() for a command: on failure answers BAD or NO and
 * returns NULL; a MODSEQ key switches CONDSTORE on. */
struct imap_search *imap_search_parse_cmd(struct imap_session *s, const struct imap_arg *args,
					  size_t count, bool with_charset);
/* The search used a MODSEQ key (the response then carries MODSEQ). */
bool imap_search_uses_modseq(const struct imap_search *search);
/* Runs the search over the view: the indexes of the matching messages,
 * ascending (caller frees). Returns 0, or -1 with *error_type_r after a
 * failed JMAP call. */
int imap_search_run(struct imap_session *s, const struct imap_search *search,
		    size_t **indexes_r, size_t *count_r, char **error_type_r);
void imap_search_free(struct imap_search **search);

/* Parses an IMAP date "1-Feb-1994" (date-text, quotes already gone) as
 * midnight UTC. Returns 0 or -1. */
int imap_search_date_parse(const char *text, time_t *t_r);

/* ---- subjects (SORT, THREAD) ---- */

/* RFC 5256 §2.1: the base subject of a decoded subject (NULL: ""),
 * with ASCII letters uppercased so that equal base subjects compare
 * equal with strcmp (i;ascii-casemap). *is_reply_r: extracting it
 * removed a reply or forward marker. Caller frees. */
char *imap_base_subject(const char *subject, bool *is_reply_r);

#endif
