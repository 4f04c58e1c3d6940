#ifndef TERN_IMAP_PARSER_PRIVATE_H
#define TERN_IMAP_PARSER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "gateways/imap/imap_parser.h"

/* Between the two stages of the parser (imap_parser.c gathers,
 * imap_parser_args.c splits). */

struct imap_literal {
	char *data;	/* len octets and a NUL; taken by the argument */
	size_t len;
	bool binary;	/* ~{n} */
};

/* A tag octet: ASTRING-CHAR except "+" (RFC 9051 §9). */
bool imap_parser_tag_char(unsigned char c);

/* Splits the gathered text of a command after "tag SP name" (its
 * lines, each ended by "\n"; a line ending in a literal announcement is
 * followed by that literal, in order, in lits) into cmd->args. Literals are
 * taken (their data set to NULL). Returns NULL, or the syntax problem. */
const char *imap_parser_split(const char *text, size_t len, struct imap_literal *lits,
			      size_t lit_count, unsigned max_depth, struct imap_cmd *cmd);

#endif
