#ifndef TERN_MAIL_IMAP_PRIVATE_H
#define TERN_MAIL_IMAP_PRIVATE_H

#include <stdint.h>

#include "mail/mail_imap.h"
#include "mail/mail_private.h"

/* Internals of the IMAP views, shared by the mail_imap files only.
 *
 * IMAP numbers the parts of a message the way the model's part tree
 * nests them, except that a message/rfc822 (or message/global) part has
 * numbered parts of its own: the parts of the message it encapsulates.
 * The model keeps such a part whole, so an imap_msg gives an
 * encapsulated message the model's part tree over GMime's parse of it,
 * with offsets in the same raw bytes. */

/* Section part numbers deeper than this are malformed. */
#define IMAP_SECTION_MAX_PARTS 128

/* A message as IMAP sees it: the top-level one or an encapsulated one. */
struct imap_msg {
	const struct mail_message *top;	/* owns the raw bytes */
	struct mail_message view;	/* an encapsulated message's tree */
	bool nested;			/* view holds a tree to free */
	const struct mail_part *body;	/* the root of its part tree */
	size_t start, header_end, end;	/* header block ends after the blank line */
	unsigned depth;			/* nesting depth of body in the whole message */
};

/* mail_imap_tree.c */
void imap_msg_init(struct imap_msg *m, const struct mail_message *msg);
/* Opens the message that part (at depth in outer's tree) encapsulates.
 * Returns false when part is no message/rfc822 or message/global, when
 * it holds no message, or when it lies past the nesting bound: IMAP
 * then shows it as an opaque leaf. */
bool imap_msg_open(const struct imap_msg *outer, const struct mail_part *part, unsigned depth,
		   struct imap_msg *inner_r);
void imap_msg_deinit(struct imap_msg *m);
/* Whether part's type is message/rfc822 or message/global. */
bool imap_part_is_message(const struct mail_part *part);
/* Whether IMAP shows part as a multipart (one with parts at all). */
bool imap_part_is_multipart(const struct mail_part *part);
/* The encoded content of part of m. bounds are the boundaries of the
 * multiparts above part in m, needed only when part is a multipart. */
void imap_part_range(const struct imap_msg *m, const struct mail_part *part, const char *const *bounds,
		     size_t bound_count, size_t *start_r, size_t *end_r);
/* The MIME header block of part of m, with the blank line ending it
 * (the message header for the body of m). */
void imap_part_mime_range(const struct imap_msg *m, const struct mail_part *part, const char *const *bounds,
			  size_t bound_count, size_t *start_r, size_t *end_r);
/* The value of the last field called name among part's fields,
 * unfolded and trimmed, or NULL if absent. Caller frees. */
char *imap_part_field(const struct mail_part *part, const char *name);
/* An IMAP string of len bytes of s, or NULL (NIL) if s is NULL. */
json_object *imap_json_string(const char *s, size_t len);

/* Where the part numbers of a section lead. */
struct imap_cursor {
	struct imap_msg *msgs;		/* msgs[0] the top, then each entered */
	size_t msg_count;
	const struct mail_part *part;	/* NULL: the current message itself */
	unsigned depth;			/* of part in the current message's tree */
	const char **bounds;		/* boundaries above part in that message */
	size_t bound_count;
};

/* Follows numbers from the top of msg. Returns whether the part exists;
 * the cursor must be freed either way. */
bool imap_cursor_walk(struct imap_cursor *c, const struct mail_message *msg, const uint32_t *numbers,
		      size_t count);
/* Enters the message the cursor's part encapsulates. */
bool imap_cursor_enter(struct imap_cursor *c);
struct imap_msg *imap_cursor_msg(const struct imap_cursor *c);
void imap_cursor_free(struct imap_cursor *c);

/* mail_imap_section.c: "1.2.3" at *s (nz-numbers); advances *s past
 * them. Returns 0, or -1 when malformed. */
int imap_section_parse_numbers(const char **s, uint32_t numbers[IMAP_SECTION_MAX_PARTS], size_t *count_r);

/* mail_imap_envelope.c */
json_object *imap_envelope(const struct imap_msg *m);

/* mail_imap_addr.c: an address-list field value (unfolded) as IMAP
 * address structures, NULL when it has no address. */
json_object *imap_addr_list(const char *value);

/* mail_imap_params.c, over unfolded field values */
/* The parameters of a Content-Type or Content-Disposition value, RFC
 * 2231 continuations merged; with add_charset a ("charset" "us-ascii")
 * last when there is no charset. NULL when there are none. */
json_object *imap_params(const char *value, bool add_charset);
/* The disposition type of a Content-Disposition value, or NULL. */
char *imap_params_first_token(const char *value);
/* Content-Language tags, NULL when none. */
json_object *imap_params_languages(const char *value);
/* A Content-Transfer-Encoding value as sent when it is one token,
 * else NULL. */
char *imap_params_encoding(const char *value);

#endif
