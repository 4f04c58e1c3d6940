#ifndef TERN_IMAP_PARSER_H
#define TERN_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>

#include "gateways/imap/imap_private.h"

/* The IMAP command parser: an incremental state machine over the input
 * evbuffer. It gathers one command (its lines and the literals between
 * them: {n}, {n+} and ~{n}), bounded in text, literal octets and list
 * depth, then splits it into arguments. It drains from the buffer only
 * what belongs to the command, so pipelined commands stay queued. After
 * an error it resynchronizes on the next command, skipping the literal
 * octets a client sends without waiting (LITERAL+). */

struct imap_parser;

struct imap_parser_limits {
	size_t max_line;	/* the text of one command, literals not counted */
	size_t max_literal;	/* the literal octets of one command, together */
	size_t max_big_literal;	/* the same, for commands big_literal() names */
	unsigned max_depth;	/* nested parenthesized lists */
	/* Whether the command (uppercase name, without "UID ") may carry
	 * max_big_literal octets: APPEND once logged in. */
	bool (*big_literal)(const char *name, void *context);
	void *context;
};

enum imap_parse_status {
	IMAP_PARSE_MORE,	/* every complete input was consumed: wait for more */
	IMAP_PARSE_COMMAND,	/* a whole command */
	IMAP_PARSE_CONTINUE,	/* a synchronizing literal is announced and accepted:
				 * send "+ OK" and run again */
	IMAP_PARSE_ERROR,	/* a bad command: answer it and run again */
};

struct imap_parse_error {
	const char *tag;	/* NULL when no valid tag was read: answer untagged */
	const char *text;
	bool toobig;		/* a line or literal past the limits: [TOOBIG] */
	bool big;		/* the command takes big literals (APPEND answers NO) */
};

/* limits is copied. */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits);
void imap_parser_free(struct imap_parser **parser);

/* Consumes input from in. On IMAP_PARSE_COMMAND *cmd_r is a new command
 * the caller frees with imap_cmd_free(); on IMAP_PARSE_ERROR *error_r
 * is filled, its strings owned by the parser until the next call.
 * cmd->args and every list's items are followed by an end marker (an
 * atom whose str is NULL), never NULL themselves. */
enum imap_parse_status imap_parser_run(struct imap_parser *parser, struct evbuffer *in,
				       struct imap_cmd **cmd_r, struct imap_parse_error *error_r);

/* True between a command's first octet and its end (or the end of the
 * octets skipped after an error). */
bool imap_parser_busy(const struct imap_parser *parser);

enum imap_line_status { IMAP_LINE_MORE, IMAP_LINE_OK, IMAP_LINE_TOOBIG };
/* Reads one line that is not a command (AUTHENTICATE responses, IDLE's
 * DONE) of at most max octets. IMAP_LINE_OK: *line_r is a caller-owned
 * NUL-terminated copy without the CRLF. IMAP_LINE_TOOBIG: the input
 * went past max without a line end (nothing consumed). */
enum imap_line_status imap_parser_read_line(struct evbuffer *in, size_t max, char **line_r,
					    size_t *len_r);

/* Frees a command: its arguments, and its state through state_free. */
void imap_cmd_free(struct imap_cmd **cmd);

#endif
