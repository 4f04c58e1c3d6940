#ifndef TERN_DNS_PRIVATE_H
#define TERN_DNS_PRIVATE_H

#include "dns/dns.h"

/* What the two sources of dns.h share; not for use outside src/dns. */

/* The most records one answer carries; the rest are dropped. */
#define DNS_ANSWER_MAX 256
/* The longest name in text (RFC 1035 §2.3.4), trailing dot excluded. */
#define DNS_NAME_MAX 253
/* CNAMEs followed for one lookup. */
#define DNS_CNAME_MAX 8

struct config;

/* Writes name lowercased, without its trailing dot, into out
 * (DNS_NAME_MAX + 1 bytes). Labels are 1-63 printable non-space ASCII
 * characters. The root ("." or "") gives "" only when allow_root.
 * Returns 0, or -1 if name is not a usable domain name. */
int dns_name_normalize(const char *name, bool allow_root, char out[DNS_NAME_MAX + 1]);

/* Appends a record to answer, taking ownership of text. Past
 * DNS_ANSWER_MAX records the record is freed and dropped. */
void dns_answer_add(struct dns_answer *answer, enum dns_type type, uint32_t ttl,
		    uint16_t preference, char *text);

/* The record type named by a zone-file mnemonic ("MX", "txt"), or 0. */
enum dns_type dns_type_from_name(const char *name);
const char *dns_type_name(enum dns_type type);
const char *dns_status_name(enum dns_status status);

/* The zone-file source (dns_zone.c, dns_zone_parse.c). */
struct dns_zone;

/* Loads path; -1 with *error_r naming the line at fault. */
int dns_zone_load(const char *path, struct dns_zone **zone_r, const char **error_r);
void dns_zone_free(struct dns_zone **zone);
/* Answers name (normalized) for type from the zone, following CNAMEs. */
enum dns_status dns_zone_lookup(const struct dns_zone *zone, const char *name,
				enum dns_type type, struct dns_answer *answer_r);

/* The libunbound source (dns_unbound.c). */
struct dns_unbound;

int dns_unbound_open(const struct config *cfg, unsigned timeout_ms, struct dns_unbound **ub_r,
		     const char **error_r);
void dns_unbound_close(struct dns_unbound **ub);
enum dns_status dns_unbound_lookup(struct dns_unbound *ub, const char *name, enum dns_type type,
				   struct dns_answer *answer_r);

#endif
