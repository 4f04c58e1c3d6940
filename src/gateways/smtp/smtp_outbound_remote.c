/* Where remote mail for a domain goes: queue.outbound.next-hop when it
 * is set, else the domain's MX hosts by preference (RFC 5321 §5.1), the
 * domain itself when it has no MX, nowhere for a null MX (RFC 7505);
 * each host's IPv4 then IPv6 addresses in turn until one server takes
 * the session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "dns/dns.h"
#include "gateways/smtp/smtp_outbound_private.h"

#define SMTP_REMOTE_MAX_HOSTS 10
#define SMTP_REMOTE_MAX_ADDRESSES 8

static void smtp_remote_set(struct smtp_reply *r, int code, const char *enhanced,
			    const char *fmt, const char *arg)
{
	r->code = code;
	snprintf(r->enhanced, sizeof(r->enhanced), "%s", enhanced);
	snprintf(r->text, sizeof(r->text), fmt, arg);
}

static void smtp_remote_all(struct smtp_attempt *a, const size_t *idx, size_t n,
			    const struct smtp_reply *reply)
{
	for (size_t i = 0; i < n; i++)
		smtp_attempt_outcome(a, idx[i], reply, NULL);
}

/* The session with one address, again in clear when its TLS failed. */
static bool smtp_remote_try(struct smtp_attempt *a, const struct smtp_target *t,
			    const size_t *idx, size_t n, struct smtp_reply *why)
{
	enum smtp_session_result r = smtp_client_deliver(a, t, idx, n, true, why);

	if (r == SMTP_SESSION_PLAIN) {
		log_info("queue.tls_fallback", "host=%s ip=%s", log_q(t->host), log_q(t->ip));
		r = smtp_client_deliver(a, t, idx, n, false, why);
	}
	return r == SMTP_SESSION_DONE;
}

/* The addresses of host, A first; an address literal is its own. */
static size_t smtp_remote_addresses(struct dns *dns, const char *host, char **ips, size_t max)
{
	static const enum dns_type types[] = { DNS_A, DNS_AAAA };
	size_t count = 0;

	if (strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL) {
		ips[0] = xstrdup(host);
		return 1;
	}
	for (size_t t = 0; t < 2; t++) {
		struct dns_answer answer;

		if (dns_lookup(dns, host, types[t], &answer) == DNS_OK) {
			for (size_t i = 0; i < answer.count && count < max; i++) {
				if (answer.records[i].type == types[t])
					ips[count++] = xstrdup(answer.records[i].text);
			}
		}
		dns_answer_clear(&answer);
	}
	return count;
}

/* Every address of host in turn: true once a server took the session. */
static bool smtp_remote_host(struct smtp_attempt *a, const char *host, int port, bool relay,
			     const size_t *idx, size_t n, struct smtp_reply *why)
{
	char *ips[SMTP_REMOTE_MAX_ADDRESSES];
	size_t count = smtp_remote_addresses(a->ob->dns, host, ips, SMTP_REMOTE_MAX_ADDRESSES);
	bool done = false;

	if (count == 0)
		smtp_remote_set(why, 451, "4.4.3", "No address for %s", host);
	for (size_t i = 0; i < count; i++) {
		struct smtp_target t = { host, ips[i], port, relay };

		if (!done)
			done = smtp_remote_try(a, &t, idx, n, why);
		free(ips[i]);
	}
	return done;
}

/* A domain with MX records: by preference. */
static bool smtp_remote_mx(struct smtp_attempt *a, const struct dns_answer *mx,
			   const size_t *idx, size_t n, struct smtp_reply *why)
{
	size_t tried = 0;

	if (mx->count == 1 && (mx->records[0].text[0] == '\0' ||
			       strcmp(mx->records[0].text, ".") == 0)) {
		smtp_remote_set(why, 556, "5.1.10", "%s", "The domain accepts no mail (null MX)");
		smtp_remote_all(a, idx, n, why);
		return true;
	}
	for (size_t i = 0; i < mx->count && tried < SMTP_REMOTE_MAX_HOSTS; i++) {
		if (mx->records[i].type != DNS_MX || mx->records[i].text[0] == '\0')
			continue;
		tried++;
		if (smtp_remote_host(a, mx->records[i].text, a->ob->set.port, false, idx, n, why))
			return true;
	}
	return false;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]": the address inside. */
static char *smtp_remote_literal(const char *domain)
{
	size_t len = strlen(domain);
	const char *start = domain + 1;

	if (len < 3 || domain[len - 1] != ']')
		return NULL;
	if (strncasecmp(start, "IPv6:", 5) == 0)
		start += 5;
	return xstrndup(start, (size_t)(domain + len - 1 - start));
}

static bool smtp_remote_lookup(struct smtp_attempt *a, const char *domain, const size_t *idx,
			       size_t n, struct smtp_reply *why)
{
	struct dns_answer mx;
	bool done = false;

	switch (dns_lookup(a->ob->dns, domain, DNS_MX, &mx)) {
	case DNS_OK:
		done = smtp_remote_mx(a, &mx, idx, n, why);
		break;
	case DNS_NODATA:
		done = smtp_remote_host(a, domain, a->ob->set.port, false, idx, n, why);
		break;
	case DNS_NXDOMAIN:
	case DNS_PERMFAIL:
		smtp_remote_set(why, 550, "5.1.2", "The domain %s does not exist", domain);
		smtp_remote_all(a, idx, n, why);
		done = true;
		break;
	case DNS_TEMPFAIL:
		smtp_remote_set(why, 451, "4.4.3", "The MX lookup of %s failed for now", domain);
		break;
	}
	dns_answer_clear(&mx);
	return done;
}

void smtp_outbound_remote(struct smtp_attempt *a, const char *domain, const size_t *idx,
			  size_t n)
{
	struct smtp_reply why = { 451, "4.4.0", "No server could be reached" };
	const struct smtp_outbound_settings *set = &a->ob->set;
	char *literal;
	bool done;

	if (set->next_hop != NULL)
		done = smtp_remote_host(a, set->next_hop, set->next_hop_port, true, idx, n, &why);
	else if (domain[0] == '[' && (literal = smtp_remote_literal(domain)) != NULL) {
		done = smtp_remote_host(a, literal, set->port, false, idx, n, &why);
		free(literal);
	} else
		done = smtp_remote_lookup(a, domain, idx, n, &why);
	if (!done)
		smtp_remote_all(a, idx, n, &why);
}
