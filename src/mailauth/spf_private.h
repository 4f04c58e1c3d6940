#ifndef TERN_SPF_PRIVATE_H
#define TERN_SPF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ipnet.h"
#include "dns/dns.h"
#include "mailauth/spf.h"

/* What the SPF files share (spf.c, spf_record.c, spf_mech.c,
 * spf_macro.c); not for use outside src/mailauth. */

#define SPF_LOOKUP_MAX 10	/* terms that cost DNS lookups (§4.6.4) */
#define SPF_VOID_MAX 2		/* lookups answering nothing (§4.6.4) */
#define SPF_NAMES_MAX 10	/* MX or PTR names looked up per term (§4.6.4) */
#define SPF_TERMS_MAX 512	/* terms in one record */
#define SPF_RECORD_MAX 4096	/* bytes of one record */
#define SPF_TIME_MAX 20		/* seconds for a whole check (§4.6.4) */
#define SPF_NAME_MAX 253	/* a target name, once expanded (§7.3) */

enum spf_mechanism {
	SPF_MECH_ALL,
	SPF_MECH_INCLUDE,
	SPF_MECH_A,
	SPF_MECH_MX,
	SPF_MECH_PTR,
	SPF_MECH_IP4,
	SPF_MECH_IP6,
	SPF_MECH_EXISTS,
};

struct spf_term {
	enum spf_result qualifier;	/* pass, fail, softfail or neutral */
	enum spf_mechanism mechanism;
	const char *domain_spec;	/* into spf_record.text; NULL: <domain> */
	struct ipnet net;		/* ip4, ip6 */
	unsigned cidr4, cidr6;		/* a, mx: 32 and 128 unless given */
};

/* A parsed record: its terms point into text, which it owns. */
struct spf_record {
	char *text;
	struct spf_term *terms;
	size_t count;
	const char *redirect;		/* domain-spec of redirect=, or NULL */
};

/* Parses a record that starts "v=spf1". Returns 0, or -1 on any
 * syntax error (permerror, §4.6); rec is then empty. */
int spf_record_parse(const char *text, struct spf_record *rec_r);
void spf_record_free(struct spf_record *rec);
/* True if text is an SPF record: "v=spf1" then a space or the end. */
bool spf_record_is_spf(const char *text);

/* One check_host() run: its arguments and what it has spent. */
struct spf_eval {
	struct dns *dns;
	struct ipnet_addr ip;
	const char *sender;		/* local@domain */
	const char *local;
	const char *sender_domain;
	const char *helo;
	unsigned lookups;
	unsigned voids;
	int64_t deadline_ms;		/* monotonic */
};

enum spf_match {
	SPF_MATCH_NO = 0,
	SPF_MATCH_YES,
	SPF_MATCH_TEMPERROR,
	SPF_MATCH_PERMERROR,
};

/* check_host() of §4 for domain. */
enum spf_result spf_check_host(struct spf_eval *ev, const char *domain);

/* One term that costs lookups: -1 (permerror) past SPF_LOOKUP_MAX. */
int spf_count_lookup(struct spf_eval *ev);
/* dns_lookup() within the run's time budget (TEMPFAIL once spent). */
enum dns_status spf_lookup(struct spf_eval *ev, const char *name, enum dns_type type,
			   struct dns_answer *answer_r);
/* Counts a void answer (NODATA, NXDOMAIN); -1 past SPF_VOID_MAX. */
int spf_count_void(struct spf_eval *ev, enum dns_status status);

/* The mechanisms that do not recurse (spf_mech.c); target is the
 * expanded domain-spec or <domain>. */
enum spf_match spf_mech_match(struct spf_eval *ev, const struct spf_term *term,
			      const char *target);
/* The validated names of the client's address (§5.5), up to max, the
 * caller's to free. */
size_t spf_validated_names(struct spf_eval *ev, char **names_r, size_t max);
/* True if name is domain or a subdomain of it (case-insensitive). */
bool spf_name_within(const char *name, const char *domain);

/* True if spec follows the macro-string ABNF of §7.1; as a
 * domain_spec it must also end in a domain-end, and may not use the
 * exp-only letters c, r, t. */
bool spf_macro_valid(const char *spec, bool domain_spec);
/* Expands a checked domain-spec for domain into a target name, cut
 * from the left to 253 characters (§7.3); the caller's to free. NULL
 * on permerror (a %{p} past the lookup limit). */
char *spf_macro_expand(struct spf_eval *ev, const char *spec, const char *domain);

#endif
