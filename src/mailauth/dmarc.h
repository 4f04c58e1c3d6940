#ifndef TERN_DMARC_H
#define TERN_DMARC_H

#include <stddef.h>

#include "mailauth/dkim.h"
#include "mailauth/spf.h"

/* DMARC (RFC 7489): the From domain's policy, with the organizational
 * domain from the Public Suffix List (libpsl's built-in list). */

enum dmarc_result {
	DMARC_NONE = 0,		/* no policy published */
	DMARC_PASS,
	DMARC_FAIL,
	DMARC_TEMPERROR,
	DMARC_PERMERROR,
};

enum dmarc_policy {
	DMARC_POLICY_NONE = 0,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

struct dmarc_outcome {
	enum dmarc_result result;
	/* the policy that applies to this message on failure: p=, or sp=
	 * when from_domain is a subdomain of the organizational domain
	 * whose record was used; pct= applied (a message outside the
	 * sample gets the next lower policy, §6.6.4) */
	enum dmarc_policy policy;
	char *from_domain;	/* header.from, lowercase; caller-owned */
};

/* Evaluates DMARC for a message whose RFC5322.From domain is
 * from_domain (NULL when the message has no single usable From: the
 * result is then permerror), given the SPF outcome and the DKIM
 * verdicts: pass when SPF passed for an aligned domain or a passing
 * signature's d= is aligned (adkim/aspf relaxed or strict). Record
 * lookup: _dmarc.<from_domain>, then _dmarc.<organizational domain>. */
void dmarc_check(struct dns *dns, const char *from_domain, const struct spf_outcome *spf,
		 const struct dkim_verdict *dkim, size_t dkim_count,
		 struct dmarc_outcome *outcome_r);
void dmarc_outcome_clear(struct dmarc_outcome *outcome);

/* The organizational domain of domain (libpsl registrable domain;
 * domain itself when it has none); caller-owned. */
char *dmarc_organizational_domain(const char *domain);

const char *dmarc_result_name(enum dmarc_result result);

#endif
