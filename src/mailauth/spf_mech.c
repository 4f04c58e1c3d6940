/* The SPF mechanisms that compare the client's address with what the
 * DNS says (RFC 7208 §5.1, §5.3-5.7). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/xalloc.h"
#include "mailauth/spf_private.h"

bool spf_name_within(const char *name, const char *domain)
{
	size_t nlen = strlen(name), dlen = strlen(domain);

	if (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (nlen == dlen)
		return strncasecmp(name, domain, nlen) == 0;
	return nlen > dlen && name[nlen - dlen - 1] == '.' &&
	       strncasecmp(name + nlen - dlen, domain, dlen) == 0;
}

static bool spf_address_matches(const struct spf_eval *ev, const char *text, unsigned cidr4,
				unsigned cidr6)
{
	struct ipnet net;

	if (ipnet_addr_parse(text, &net.addr) < 0)
		return false;
	net.prefix = net.addr.family == AF_INET ? cidr4 : cidr6;
	return ipnet_match(&net, &ev->ip);
}

/* Whether an address of name (A for an IPv4 client, AAAA for IPv6)
 * lies within the client's network of the given prefix. */
static enum spf_match spf_match_host(struct spf_eval *ev, const char *name, unsigned cidr4,
				     unsigned cidr6, bool counts_void)
{
	enum dns_type type = ev->ip.family == AF_INET ? DNS_A : DNS_AAAA;
	enum spf_match match = SPF_MATCH_NO;
	struct dns_answer answer;
	enum dns_status status = spf_lookup(ev, name, type, &answer);

	if (status == DNS_TEMPFAIL)
		match = SPF_MATCH_TEMPERROR;
	else if (counts_void && spf_count_void(ev, status) < 0)
		match = SPF_MATCH_PERMERROR;
	for (size_t i = 0; match == SPF_MATCH_NO && i < answer.count; i++) {
		if (spf_address_matches(ev, answer.records[i].text, cidr4, cidr6))
			match = SPF_MATCH_YES;
	}
	dns_answer_clear(&answer);
	return match;
}

/* §5.4: the MX hosts of target; no implicit MX. */
static enum spf_match spf_match_mx(struct spf_eval *ev, const struct spf_term *term,
				   const char *target)
{
	enum spf_match match = SPF_MATCH_NO;
	struct dns_answer answer;
	enum dns_status status = spf_lookup(ev, target, DNS_MX, &answer);

	if (status == DNS_TEMPFAIL)
		match = SPF_MATCH_TEMPERROR;
	else if (spf_count_void(ev, status) < 0 || answer.count > SPF_NAMES_MAX)
		match = SPF_MATCH_PERMERROR;
	for (size_t i = 0; match == SPF_MATCH_NO && i < answer.count; i++) {
		if (answer.records[i].text[0] != '\0')	/* a null MX names no host */
			match = spf_match_host(ev, answer.records[i].text, term->cidr4, term->cidr6,
					       false);
	}
	dns_answer_clear(&answer);
	return match;
}

/* Whether name has an address equal to the client's. */
static bool spf_name_has_client(struct spf_eval *ev, const char *name)
{
	return spf_match_host(ev, name, 32, 128, false) == SPF_MATCH_YES;
}

size_t spf_validated_names(struct spf_eval *ev, char **names_r, size_t max)
{
	char text[IPNET_ADDR_TEXT_MAX], *reverse;
	struct dns_answer answer;
	size_t n = 0;

	ipnet_addr_format(&ev->ip, text);
	if ((reverse = dns_reverse_name(text)) == NULL)
		return 0;
	spf_lookup(ev, reverse, DNS_PTR, &answer);
	free(reverse);
	/* §4.6.4: past the first SPF_NAMES_MAX names, the rest are ignored */
	for (size_t i = 0; i < answer.count && i < SPF_NAMES_MAX && n < max; i++) {
		if (spf_name_has_client(ev, answer.records[i].text))
			names_r[n++] = xstrdup(answer.records[i].text);
	}
	dns_answer_clear(&answer);
	return n;
}

/* §5.5: a validated name of the client within target. */
static enum spf_match spf_match_ptr(struct spf_eval *ev, const char *target)
{
	char *names[SPF_NAMES_MAX];
	size_t n = spf_validated_names(ev, names, SPF_NAMES_MAX);
	enum spf_match match = SPF_MATCH_NO;

	for (size_t i = 0; i < n; i++) {
		if (spf_name_within(names[i], target))
			match = SPF_MATCH_YES;
		free(names[i]);
	}
	return match;
}

/* §5.7: any A record at target, whatever the client's family. */
static enum spf_match spf_match_exists(struct spf_eval *ev, const char *target)
{
	struct dns_answer answer;
	enum dns_status status = spf_lookup(ev, target, DNS_A, &answer);

	dns_answer_clear(&answer);
	if (status == DNS_TEMPFAIL)
		return SPF_MATCH_TEMPERROR;
	if (spf_count_void(ev, status) < 0)
		return SPF_MATCH_PERMERROR;
	return status == DNS_OK ? SPF_MATCH_YES : SPF_MATCH_NO;
}

enum spf_match spf_mech_match(struct spf_eval *ev, const struct spf_term *term,
			      const char *target)
{
	switch (term->mechanism) {
	case SPF_MECH_ALL:
		return SPF_MATCH_YES;
	case SPF_MECH_A:
		return spf_match_host(ev, target, term->cidr4, term->cidr6, true);
	case SPF_MECH_MX:
		return spf_match_mx(ev, term, target);
	case SPF_MECH_PTR:
		return spf_match_ptr(ev, target);
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		return ipnet_match(&term->net, &ev->ip) ? SPF_MATCH_YES : SPF_MATCH_NO;
	case SPF_MECH_EXISTS:
		return spf_match_exists(ev, target);
	case SPF_MECH_INCLUDE:
		break;
	}
	return SPF_MATCH_PERMERROR;	/* include recurses in spf.c */
}
