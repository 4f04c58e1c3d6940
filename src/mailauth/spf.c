/* SPF check_host() (RFC 7208 §4): record lookup and selection, term
 * evaluation, include and redirect, and the run's limits. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "mailauth/spf_private.h"

static int64_t spf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int spf_count_lookup(struct spf_eval *ev)
{
	return ++ev->lookups > SPF_LOOKUP_MAX ? -1 : 0;
}

int spf_count_void(struct spf_eval *ev, enum dns_status status)
{
	if (status != DNS_NODATA && status != DNS_NXDOMAIN)
		return 0;
	return ++ev->voids > SPF_VOID_MAX ? -1 : 0;
}

enum dns_status spf_lookup(struct spf_eval *ev, const char *name, enum dns_type type,
			   struct dns_answer *answer_r)
{
	if (spf_now_ms() > ev->deadline_ms) {
		memset(answer_r, 0, sizeof(*answer_r));
		answer_r->status = DNS_TEMPFAIL;
		return DNS_TEMPFAIL;
	}
	return dns_lookup(ev->dns, name, type, answer_r);
}

/* §4.3: a fully qualified, multi-label name whose labels fit; an
 * address literal or a bare IPv4 address is not one. */
static bool spf_domain_usable(const char *domain)
{
	size_t len = strlen(domain), label = 0, labels = 1;
	const char *last;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_NAME_MAX || domain[0] == '.' || domain[0] == '[')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)domain[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			labels++;
		} else if (c <= ' ' || c >= 0x7f || ++label > 63) {
			return false;
		}
	}
	last = domain + len - label;
	return labels > 1 && strspn(last, "0123456789") < label;
}

/* The one SPF record of domain: SPF_PASS with *rec_r, or the result
 * that ends check_host() (none, temperror, permerror). */
static enum spf_result spf_fetch_record(struct spf_eval *ev, const char *domain,
					struct spf_record *rec_r)
{
	struct dns_answer answer;
	enum dns_status status = spf_lookup(ev, domain, DNS_TXT, &answer);
	enum spf_result result = SPF_PASS;
	const char *text = NULL;
	size_t found = 0;

	for (size_t i = 0; i < answer.count; i++) {
		if (spf_record_is_spf(answer.records[i].text)) {
			text = answer.records[i].text;
			found++;
		}
	}
	if (status == DNS_TEMPFAIL)
		result = SPF_TEMPERROR;
	else if (found == 0)
		result = SPF_NONE;
	else if (found > 1 || spf_record_parse(text, rec_r) < 0)
		result = SPF_PERMERROR;
	dns_answer_clear(&answer);
	return result;
}

/* §5.2's table: what the recursive result makes of the include. */
static enum spf_match spf_include(struct spf_eval *ev, const char *target)
{
	switch (spf_check_host(ev, target)) {
	case SPF_PASS:
		return SPF_MATCH_YES;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return SPF_MATCH_NO;
	case SPF_TEMPERROR:
		return SPF_MATCH_TEMPERROR;
	case SPF_NONE:
	case SPF_PERMERROR:
		break;
	}
	return SPF_MATCH_PERMERROR;
}

static enum spf_match spf_term_evaluate(struct spf_eval *ev, const struct spf_term *term,
					const char *domain)
{
	bool costs = term->mechanism != SPF_MECH_ALL && term->mechanism != SPF_MECH_IP4 &&
		     term->mechanism != SPF_MECH_IP6;
	enum spf_match match;
	char *target;

	if (costs && spf_count_lookup(ev) < 0)
		return SPF_MATCH_PERMERROR;
	if (term->domain_spec == NULL)
		target = xstrdup(domain);
	else if ((target = spf_macro_expand(ev, term->domain_spec, domain)) == NULL)
		return SPF_MATCH_PERMERROR;
	if (term->mechanism == SPF_MECH_INCLUDE)
		match = spf_include(ev, target);
	else
		match = spf_mech_match(ev, term, target);
	free(target);
	return match;
}

/* §6.1: a record whose mechanisms all failed to match hands over. */
static enum spf_result spf_redirect(struct spf_eval *ev, const char *spec, const char *domain)
{
	enum spf_result result;
	char *target;

	if (spf_count_lookup(ev) < 0 || (target = spf_macro_expand(ev, spec, domain)) == NULL)
		return SPF_PERMERROR;
	result = spf_check_host(ev, target);
	free(target);
	return result == SPF_NONE ? SPF_PERMERROR : result;
}

static enum spf_result spf_evaluate(struct spf_eval *ev, const struct spf_record *rec,
				    const char *domain)
{
	for (size_t i = 0; i < rec->count; i++) {
		switch (spf_term_evaluate(ev, &rec->terms[i], domain)) {
		case SPF_MATCH_YES:
			return rec->terms[i].qualifier;
		case SPF_MATCH_TEMPERROR:
			return SPF_TEMPERROR;
		case SPF_MATCH_PERMERROR:
			return SPF_PERMERROR;
		case SPF_MATCH_NO:
			break;
		}
	}
	/* an "all" always matches, so a record that has one never gets here */
	if (rec->redirect != NULL)
		return spf_redirect(ev, rec->redirect, domain);
	return SPF_NEUTRAL;
}

enum spf_result spf_check_host(struct spf_eval *ev, const char *domain)
{
	struct spf_record rec;
	enum spf_result result;

	if (!spf_domain_usable(domain))
		return SPF_NONE;
	if ((result = spf_fetch_record(ev, domain, &rec)) != SPF_PASS)
		return result;
	result = spf_evaluate(ev, &rec, domain);
	spf_record_free(&rec);
	return result;
}

static char *spf_lowercase(const char *s, size_t len)
{
	char *out = xstrndup(s, len);

	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

void spf_check(struct dns *dns, const char *client_ip, const char *helo, const char *mail_from,
	       struct spf_outcome *outcome_r)
{
	struct spf_eval ev = { .dns = dns, .helo = helo != NULL ? helo : "" };
	const char *at = mail_from != NULL ? strrchr(mail_from, '@') : NULL;
	char *local, *sender;

	memset(outcome_r, 0, sizeof(*outcome_r));
	if (mail_from == NULL || mail_from[0] == '\0') {
		local = xstrdup("postmaster");
		outcome_r->domain = spf_lowercase(ev.helo, strlen(ev.helo));
		outcome_r->property = "smtp.helo";
	} else {
		local = at != NULL && at != mail_from ? xstrndup(mail_from, (size_t)(at - mail_from))
						     : xstrdup("postmaster");
		at = at != NULL ? at + 1 : mail_from;
		outcome_r->domain = spf_lowercase(at, strlen(at));
		outcome_r->property = "smtp.mailfrom";
	}
	sender = xasprintf("%s@%s", local, outcome_r->domain);
	ev.sender = sender;
	ev.local = local;
	ev.sender_domain = outcome_r->domain;
	ev.deadline_ms = spf_now_ms() + SPF_TIME_MAX * 1000;
	if (client_ip == NULL || ipnet_addr_parse(client_ip, &ev.ip) < 0)
		outcome_r->result = SPF_NONE;
	else
		outcome_r->result = spf_check_host(&ev, outcome_r->domain);
	log_debug("spf.check", "ip=%s domain=%s result=%s lookups=%u",
		  log_q(client_ip != NULL ? client_ip : ""), log_q(outcome_r->domain),
		  spf_result_name(outcome_r->result), ev.lookups);
	free(sender);
	free(local);
}

void spf_outcome_clear(struct spf_outcome *outcome)
{
	free(outcome->domain);
	outcome->domain = NULL;
}
