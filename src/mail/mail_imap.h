#ifndef TERN_MAIL_IMAP_H
#define TERN_MAIL_IMAP_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "mail/mail.h"

/* The IMAP views of a message (RFC 9051 §6.4.5, §7.5.2) that JMAP cannot
 * express; the JMAP layer serves them as urn:tern:imap Email properties
 * (docs/vendor-imap.md) and the IMAP gateway prints them.
 *
 * Structures are json-c values the gateway prints mechanically: a string
 * is an IMAP string (any bytes: read it with json_object_get_string_len),
 * null is NIL, an int is a number, an array is a parenthesized list.
 * Returned values are new references the caller puts; returned buffers
 * are caller-owned (free()). */

/* ENVELOPE: [date, subject, from, sender, reply-to, to, cc, bcc,
 * in-reply-to, message-id]. date, subject, in-reply-to and message-id
 * are the raw field values (unfolded, encoded words left as sent), null
 * when absent. Address lists are arrays of [name, adl, mailbox, host]
 * (name raw as sent, adl null), null when the field is absent or has no
 * address; sender and reply-to are from's list when absent (RFC 9051);
 * a group is [null, null, "group name", null] ... [null, null, null,
 * null]. */
json_object *mail_imap_envelope(const struct mail_message *msg);

/* BODYSTRUCTURE with extended true (extension data: body MD5 as null,
 * disposition, language, location; multipart parameters), else BODY.
 * Part sizes are encoded octets; text parts and message/rfc822 carry
 * their line counts; message/rfc822 its envelope and inner body. The
 * part tree is the same that mail_imap_section() numbers. */
json_object *mail_imap_bodystructure(const struct mail_message *msg, bool extended);

/* The bytes of BODY[section] (RFC 9051 §6.4.5): section is the text
 * between the brackets, case-insensitive: "" (whole message), "HEADER",
 * "TEXT", "HEADER.FIELDS (A B)", "HEADER.FIELDS.NOT (A B)", "1",
 * "1.2", "1.2.MIME", "2.HEADER", "2.TEXT" (the last two on
 * message/rfc822 parts). A non-multipart message has part "1" (its
 * body). Returns 1 with *data_r and *len_r, 0 when the part does not exist,
 * -1 when section is malformed. */
int mail_imap_section(const struct mail_message *msg, const char *section, char **data_r,
		      size_t *len_r);

/* BINARY[part] (RFC 3516): the content of leaf part ("1.2", "" for a
 * single-part message) with its transfer encoding undone. Returns 1, 0
 * when there is no such leaf, -1 when part is malformed; sets
 * *unknown_cte_r (and returns 1 with no data) when the encoding is one
 * it cannot undo. */
int mail_imap_binary(const struct mail_message *msg, const char *part, char **data_r,
		     size_t *len_r, bool *unknown_cte_r);

#endif
