#ifndef TERN_IMAP_MUTF7_H
#define TERN_IMAP_MUTF7_H

#include <stdbool.h>
#include <stddef.h>

/* Modified UTF-7 (RFC 3501 §5.1.3), the encoding of mailbox names for
 * clients that have not enabled UTF-8 (UTF8=ACCEPT or IMAP4rev2). */

/* utf8 as modified UTF-7; caller frees. NULL when utf8 is not valid
 * UTF-8. */
char *imap_mutf7_encode(const char *utf8);
/* mutf7 as UTF-8; caller frees. NULL when mutf7 is malformed: octets
 * outside printable ASCII, a bad or unterminated base64 run, a printable
 * ASCII character or a lone surrogate encoded in one. */
char *imap_mutf7_decode(const char *mutf7);

/* s (len octets) is valid UTF-8 without NUL. */
bool imap_utf8_valid(const char *s, size_t len);

#endif
