#ifndef TERN_DMARC_PRIVATE_H
#define TERN_DMARC_PRIVATE_H

#include <stdbool.h>

#include "mailauth/dmarc.h"

/* The DMARC record (RFC 7489 §6.3), between dmarc_record.c and
 * dmarc.c; not for use outside src/mailauth. */

#define DMARC_RECORD_MAX 4096	/* bytes of one record */

struct dmarc_record {
	enum dmarc_policy p;
	enum dmarc_policy sp;		/* p unless sp= is given */
	bool strict_dkim;		/* adkim=s */
	bool strict_spf;		/* aspf=s */
	unsigned pct;			/* 0-100 */
};

/* True if text starts with the tag "v=DMARC1" (§6.6.3 step 2). */
bool dmarc_record_is_dmarc(const char *text);

/* Parses a record that dmarc_record_is_dmarc() accepted. Returns 0;
 * or -1 when p= is missing or invalid, or sp= invalid, and no rua=
 * names a usable URI: then no DMARC applies (§6.6.3 step 6). With a
 * usable rua= such a record reads as p=none. Bad adkim=, aspf= and
 * pct= take their defaults; unknown tags are ignored. */
int dmarc_record_parse(const char *text, struct dmarc_record *rec_r);

#endif
