#ifndef TERN_SPF_H
#define TERN_SPF_H

/* SPF (RFC 7208): check_host() for an inbound SMTP client. */

struct dns;

enum spf_result {
	SPF_NONE = 0,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

struct spf_outcome {
	enum spf_result result;
	/* the domain checked: that of mail_from, or helo for the null
	 * sender (RFC 7208 §2.4); lowercase; owned by the caller of
	 * spf_check (free with spf_outcome_clear) */
	char *domain;
	/* "smtp.mailfrom" or "smtp.helo": the ptype.property of RFC 8601 */
	const char *property;
};

/* Evaluates the SPF record of the sender's domain for client_ip
 * (textual IPv4/IPv6). mail_from is the reverse path without brackets
 * ("" for the null sender); helo the EHLO/HELO argument. Every
 * mechanism and modifier of §5-6 but exp= (no explanation is fetched);
 * macros of §7 with their transformers; the limits of §4.6.4 (10
 * mechanisms that cost DNS lookups, 2 void lookups, 10 MX/PTR names)
 * give permerror. Never fails: lookup trouble is temperror. */
void spf_check(struct dns *dns, const char *client_ip, const char *helo, const char *mail_from,
	       struct spf_outcome *outcome_r);
void spf_outcome_clear(struct spf_outcome *outcome);

/* "pass", "fail", ... as RFC 8601 and Received-SPF write them. */
const char *spf_result_name(enum spf_result result);

#endif
