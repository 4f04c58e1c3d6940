#ifndef TERN_DNS_H
#define TERN_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one DNS resolver every part of Tern uses (SPF, DKIM, DMARC, MX
 * lookup for the outbound queue). Two sources:
 *
 *   - resolver.zone-file set: answers come from that file only (a
 *     subset of RFC 1035 master-file syntax: $ORIGIN, $TTL, relative and
 *     absolute owner names, "@", class IN optional, records A, AAAA, MX,
 *     TXT (several quoted strings joined), CNAME, PTR, TLSA). A name
 *     with no record of the asked type but other records is NODATA; a
 *     name absent from the file is NXDOMAIN. No network is touched: the
 *     tests and offline servers use this.
 *   - otherwise libunbound (chosen over c-ares because it validates
 *     DNSSEC, which DANE for outbound TLS needs): the system's
 *     /etc/resolv.conf as forwarders (resolver.forwarders overrides),
 *     DNSSEC validation when resolver.dnssec is true and a trust anchor
 *     file is readable.
 *
 * Lookups are blocking with a timeout (resolver.timeout, default 5s):
 * callers are the SMTP session (on a gateway loop thread, inbound
 * checks) and the outbound queue's sender threads. Thread-safe. */

struct config;
struct dns;

enum dns_type {
	DNS_A = 1,
	DNS_CNAME = 5,
	DNS_PTR = 12,
	DNS_MX = 15,
	DNS_TXT = 16,
	DNS_AAAA = 28,
	DNS_TLSA = 52,
};

enum dns_status {
	DNS_OK = 0,		/* at least one record */
	DNS_NODATA,		/* the name exists, no record of this type */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_TEMPFAIL,		/* timeout, SERVFAIL, network: try again later */
	DNS_PERMFAIL,		/* malformed name or answer */
};

struct dns_record {
	enum dns_type type;
	uint32_t ttl;
	uint16_t preference;	/* MX */
	/* A/AAAA: the address as text ("192.0.2.1", "2001:db8::1");
	 * MX/CNAME/PTR: the target name, lowercase, no trailing dot;
	 * TXT: the strings of the record concatenated;
	 * TLSA: "usage selector mtype hexdata". */
	char *text;
};

struct dns_answer {
	enum dns_status status;
	bool secure;		/* DNSSEC-validated (always false from a zone file) */
	struct dns_record *records;
	size_t count;
};

/* Reads resolver.* of cfg. Returns 0, or -1 with *error_r (unreadable
 * or malformed zone file: the line is named). */
int dns_open(const struct config *cfg, struct dns **dns_r, const char **error_r);
void dns_close(struct dns **dns);

/* Looks up name (with or without a trailing dot; case-insensitive) for
 * type. Always fills *answer_r (release with dns_answer_clear()); the
 * return value is answer_r->status. CNAMEs are followed for other
 * types (at most 8). MX records come sorted by preference. */
enum dns_status dns_lookup(struct dns *dns, const char *name, enum dns_type type,
			   struct dns_answer *answer_r);
void dns_answer_clear(struct dns_answer *answer);

/* The reverse name of an IPv4 or IPv6 address as text
 * ("1.2.0.192.in-addr.arpa"); caller frees. NULL if ip is not one. */
char *dns_reverse_name(const char *ip);

#endif
