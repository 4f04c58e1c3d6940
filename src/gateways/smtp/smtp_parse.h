#ifndef TERN_SMTP_PARSE_H
#define TERN_SMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "core/strbuf.h"
#include "gateways/gateway_line.h"
#include "gateways/smtp/smtp_deliver.h"

/* The ESMTP server's pure parts, apart from any session so that the
 * unit tests drive them: command lines (smtp_parse.c), MAIL/RCPT
 * arguments and their parameters, xtext (RFC 3461 §4), and the message
 * reader of DATA and BDAT (smtp_data.c). Every function is bounded by
 * its arguments. */

/* ---- command lines ---- */

#define SMTP_VERB_MAX 10	/* longer first words are unknown commands */

/* A command line split at its first space: verb uppercased, args the
 * rest (points into the line given; "" when there is none). Returns 0,
 * or -1 when the line has no verb or one too long. */
int smtp_cmdline_split(const char *line, char verb_r[SMTP_VERB_MAX + 1], const char **args_r);

/* ---- MAIL FROM and RCPT TO ---- */

#define SMTP_MAX_PARAMS 8
#define SMTP_MAX_PATH 256	/* RFC 5321 §4.5.3.1.3, brackets included */

struct smtp_param {
	char *keyword;		/* uppercased */
	char *value;		/* NULL for a keyword without "=" */
};

/* "FROM:<path> params" or "TO:<path> params". address is the path
 * without brackets or source route ("" for "<>"). Everything points
 * into buf, which the struct owns. */
struct smtp_path_args {
	char *address;
	struct smtp_param params[SMTP_MAX_PARAMS];
	size_t param_count;
	char *buf;
};

/* Parses the arguments of MAIL (prefix "FROM:") or RCPT ("TO:"): a
 * space after the colon and a path without brackets are tolerated, as
 * most servers do. On failure fills *reply_r (501 5.5.4, 553 5.1.3/5.1.7,
 * 555 5.5.4) and returns -1; args is then empty. smtputf8 allows
 * UTF-8 in the address; an address needing it without is refused with
 * 553/550 5.6.7 (RFC 6531 §3.5) by smtp_address_check(). */
int smtp_path_args_parse(const char *text, const char *prefix, struct smtp_path_args *args,
			 struct smtp_reply *reply_r);
void smtp_path_args_free(struct smtp_path_args *args);

/* Checks an address of MAIL (is_rcpt false: "" allowed) or RCPT ("" not
 * allowed; "postmaster" alone allowed, RFC 5321 §4.5.1): local-part
 * (dot-atom or quoted string, at most 64 octets) "@" domain (labels or
 * an address literal, at most 255). Returns 0, or -1 with *reply_r. */
int smtp_address_check(const char *address, bool is_rcpt, bool smtputf8,
		       struct smtp_reply *reply_r);

/* Decodes xtext (RFC 3461 §4): "+XX" (upper-case hex) for an octet,
 * other characters "!".."~" but "+" and "=" as themselves. The result
 * must be printable ASCII (and UTF-8 when utf8 is set). Returns a
 * caller-owned string, or NULL when malformed. */
char *smtp_xtext_decode(const char *text, bool utf8);

/* SIZE= and BDAT's chunk size: decimal digits only, at most 20 of
 * them, saturating at UINT64_MAX. Returns 0 or -1. */
int smtp_parse_size(const char *text, uint64_t *size_r);

/* BDAT's arguments (RFC 3030 §2): "size" or "size LAST". Returns 0
 * or -1. */
int smtp_parse_bdat(const char *args, uint64_t *size_r, bool *last_r);

/* NOTIFY= (RFC 3461 §4.1): NEVER alone, or a comma list of SUCCESS,
 * FAILURE, DELAY. Returns the enum smtp_notify bits, or 0 when
 * malformed. */
unsigned smtp_parse_notify(const char *text);

/* Fills reply with code, enhanced code and text (cut to fit, control
 * bytes replaced by spaces). */
void smtp_reply_set(struct smtp_reply *reply, int code, const char *enhanced,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- the message of DATA and BDAT (smtp_data.c) ---- */

/* Reads the message bytes of DATA (dots: the terminating line "." and
 * dot-unstuffing, RFC 5321 §4.5.2) or of BDAT chunks (no dots). Line
 * ends are stored as CRLF: a bare LF or a bare CR becomes CRLF.
 * Incremental: a chunk may end anywhere, even inside CRLF or the
 * terminator. Only CRLF "." CRLF, after a line begun by a CRLF, ends
 * DATA (a bare LF before or after the dot does not: no SMTP
 * smuggling). What goes past max is counted but not kept. */
struct smtp_data_reader {
	int state;		/* enum smtp_data_state, smtp_data.c */
	bool dots;		/* DATA rather than BDAT */
	bool line_bare;		/* the current line began after a bare CR or LF */
	bool too_big;		/* more than max bytes were given */
	size_t max;
	uint64_t size;		/* bytes of the message so far, kept or not */
	struct strbuf msg;	/* the message while it fits max */
};

void smtp_data_init(struct smtp_data_reader *r, bool dots, size_t max);
/* Feeds len bytes. Returns how many were taken: all of them, or, for
 * DATA, those up to and including the terminator, with *end_r set. */
size_t smtp_data_feed(struct smtp_data_reader *r, const char *data, size_t len, bool *end_r);
/* The end of BDAT LAST: a trailing bare CR becomes CRLF. */
void smtp_data_finish(struct smtp_data_reader *r);
void smtp_data_free(struct smtp_data_reader *r);

#endif
