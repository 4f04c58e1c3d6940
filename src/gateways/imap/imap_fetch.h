#ifndef TERN_IMAP_FETCH_H
#define TERN_IMAP_FETCH_H

#include "gateways/imap/imap_msgcmd.h"

/* FETCH's parsed data items, shared by its files: imap_fetch_items.c
 * parses them, imap_fetch_write.c answers one message, imap_fetch.c runs
 * the command. */

enum fetch_kind {
	FETCH_FLAGS, FETCH_UID, FETCH_MODSEQ,	/* from the view */
	FETCH_INTERNALDATE, FETCH_SIZE, FETCH_ENVELOPE, FETCH_BODY, FETCH_BODYSTRUCTURE,
	FETCH_SECTION,		/* BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT */
	FETCH_BINARY, FETCH_BINARY_SIZE,
};

struct fetch_item {
	enum fetch_kind kind;
	char *name;		/* as answered, "<origin>" left out: "BODY[HEADER]" */
	char *prop;		/* the Email property; NULL for view items */
	bool whole;		/* the message as stored (BODY[], RFC822): its
				 * blob's bytes (prop NULL) */
	bool partial;
	uint64_t offset, length;
};

struct fetch_items {
	struct fetch_item *items;
	size_t count;
	bool has_flags, has_uid, has_modseq;
	bool sets_seen;		/* a BODY[], BINARY[], RFC822 or RFC822.TEXT without PEEK */
	bool big;		/* content through JSON beyond header fields:
				 * small batches */
	bool has_whole;		/* some item is whole */
	bool changedsince_set;
	uint64_t changedsince;
	bool vanished;
};

/* Parses FETCH's second argument (a macro, an item or a list) and its
 * modifiers (CHANGEDSINCE, VANISHED). Returns 0, or -1 with *error_r
 * (the command answers BAD). */
int imap_fetch_items_parse(const struct imap_cmd *cmd, struct fetch_items *items,
			   const char **error_r);
void imap_fetch_items_free(struct fetch_items *items);
/* The Email properties the items need (new array), or NULL when the
 * view alone answers. */
json_object *imap_fetch_properties(const struct fetch_items *items);

struct fetch_msg_out {
	bool uid;		/* put UID first (UID FETCH, QRESYNC) */
	bool modseq;		/* add MODSEQ (CONDSTORE on, CHANGEDSINCE) */
	bool flags;		/* add FLAGS (\Seen was just set) */
	bool unknown_cte;	/* set when a BINARY part could not be decoded */
};

/* The blob of a message that has whole items: an fd (borrowed) and its
 * size (jmap_email_blobs_open). */
struct fetch_blob {
	int fd;
	uint64_t size;
};

/* Writes "* n FETCH (...)" for view message index, with its Email
 * (NULL when the items need none) and its blob (NULL when no item is
 * whole). Whole items are read from the blob straight into the output
 * (mapped when large), with no copy through JSON. Returns 0, or -1 when
 * the blob cannot be read, and then nothing is written. */
int imap_fetch_write_msg(struct imap_session *s, const struct fetch_items *items, size_t index,
			 json_object *email, const struct fetch_blob *blob,
			 struct fetch_msg_out *how);

#endif
