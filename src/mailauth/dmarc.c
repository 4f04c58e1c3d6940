/* DMARC evaluation (RFC 7489 §6.6): policy discovery, identifier
 * alignment (§3.1), sampling (§6.6.4). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "dns/dns.h"
#include "mailauth/dmarc_private.h"

/* What policy discovery found. */
enum dmarc_discovery {
	DMARC_FOUND,
	DMARC_NOT_FOUND,
	DMARC_LOOKUP_FAILED,
};

static char *dmarc_lowercase(const char *domain)
{
	size_t len = strlen(domain);
	char *out;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	out = xstrndup(domain, len);
	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

char *dmarc_organizational_domain(const char *domain)
{
	char *lower = dmarc_lowercase(domain);
	const psl_ctx_t *psl = psl_builtin();
	const char *registrable = psl != NULL ? psl_registrable_domain(psl, lower) : NULL;
	char *org = xstrdup(registrable != NULL ? registrable : lower);

	free(lower);
	return org;
}

/* The one DMARC record at _dmarc.<domain> (§6.6.3 steps 1-2, 5-6). */
static enum dmarc_discovery dmarc_fetch(struct dns *dns, const char *domain,
					struct dmarc_record *rec_r)
{
	char *name = xasprintf("_dmarc.%s", domain);
	struct dns_answer answer;
	enum dns_status status = dns_lookup(dns, name, DNS_TXT, &answer);
	const char *text = NULL;
	size_t found = 0;
	enum dmarc_discovery ret = DMARC_NOT_FOUND;

	free(name);
	for (size_t i = 0; i < answer.count; i++) {
		if (dmarc_record_is_dmarc(answer.records[i].text)) {
			text = answer.records[i].text;
			found++;
		}
	}
	if (status == DNS_TEMPFAIL)
		ret = DMARC_LOOKUP_FAILED;
	else if (found == 1 && dmarc_record_parse(text, rec_r) == 0)
		ret = DMARC_FOUND;
	dns_answer_clear(&answer);
	return ret;
}

/* The From domain's record, else the organizational domain's (step 3):
 * *at_org_r tells which one was used. */
static enum dmarc_discovery dmarc_discover(struct dns *dns, const char *from, const char *org,
					   struct dmarc_record *rec_r, bool *at_org_r)
{
	enum dmarc_discovery found = dmarc_fetch(dns, from, rec_r);

	*at_org_r = false;
	if (found != DMARC_NOT_FOUND || strcmp(from, org) == 0)
		return found;
	*at_org_r = true;
	return dmarc_fetch(dns, org, rec_r);
}

/* §3.1: strict is the same name, relaxed the same organizational domain. */
static bool dmarc_aligned(const char *domain, const char *from, const char *from_org, bool strict)
{
	char *org;
	bool same;

	if (domain == NULL || domain[0] == '\0')
		return false;
	if (strict)
		return strcasecmp(domain, from) == 0;
	org = dmarc_organizational_domain(domain);
	same = strcmp(org, from_org) == 0;
	free(org);
	return same;
}

static enum dmarc_result dmarc_evaluate(const struct dmarc_record *rec, const char *from,
					const char *org, const struct spf_outcome *spf,
					const struct dkim_verdict *dkim, size_t dkim_count)
{
	bool temporary = spf != NULL && spf->result == SPF_TEMPERROR;

	if (spf != NULL && spf->result == SPF_PASS &&
	    dmarc_aligned(spf->domain, from, org, rec->strict_spf))
		return DMARC_PASS;
	for (size_t i = 0; i < dkim_count; i++) {
		if (dkim[i].result == DKIM_PASS &&
		    dmarc_aligned(dkim[i].domain, from, org, rec->strict_dkim))
			return DMARC_PASS;
		if (dkim[i].result == DKIM_TEMPERROR)
			temporary = true;
	}
	/* §6.6.2: no aligned pass, but a temporary error might have hidden one */
	return temporary ? DMARC_TEMPERROR : DMARC_FAIL;
}

/* §6.6.4: outside the pct= sample, the next lower policy. */
static enum dmarc_policy dmarc_sample(enum dmarc_policy policy, unsigned pct)
{
	uint32_t draw;

	if (pct >= 100 || policy == DMARC_POLICY_NONE)
		return policy;
	rand_bytes(&draw, sizeof(draw));
	if (draw % 100 < pct)
		return policy;
	return policy == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
}

void dmarc_check(struct dns *dns, const char *from_domain, const struct spf_outcome *spf,
		 const struct dkim_verdict *dkim, size_t dkim_count,
		 struct dmarc_outcome *outcome_r)
{
	struct dmarc_record rec;
	bool at_org;
	char *org;

	memset(outcome_r, 0, sizeof(*outcome_r));
	if (from_domain == NULL || from_domain[0] == '\0') {
		outcome_r->result = DMARC_PERMERROR;
		return;
	}
	outcome_r->from_domain = dmarc_lowercase(from_domain);
	org = dmarc_organizational_domain(outcome_r->from_domain);
	switch (dmarc_discover(dns, outcome_r->from_domain, org, &rec, &at_org)) {
	case DMARC_LOOKUP_FAILED:
		outcome_r->result = DMARC_TEMPERROR;
		break;
	case DMARC_NOT_FOUND:
		outcome_r->result = DMARC_NONE;
		break;
	case DMARC_FOUND:
		outcome_r->result = dmarc_evaluate(&rec, outcome_r->from_domain, org, spf, dkim,
						   dkim_count);
		outcome_r->policy = dmarc_sample(at_org ? rec.sp : rec.p, rec.pct);
		break;
	}
	log_debug("dmarc.check", "from=%s org=%s result=%s policy=%d",
		  log_q(outcome_r->from_domain), log_q(org), dmarc_result_name(outcome_r->result),
		  (int)outcome_r->policy);
	free(org);
}

void dmarc_outcome_clear(struct dmarc_outcome *outcome)
{
	free(outcome->from_domain);
	outcome->from_domain = NULL;
}
