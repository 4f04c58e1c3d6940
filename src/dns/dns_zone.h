#ifndef TERN_DNS_ZONE_H
#define TERN_DNS_ZONE_H

#include "dns/dns_private.h"

/* The records of a zone file, between the parser (dns_zone_parse.c)
 * and the lookups (dns_zone.c). Private to src/dns. */

/* Bounds of the zone-file parser. */
#define DNS_ZONE_LINE_MAX 8192		/* bytes in one line */
#define DNS_ZONE_RECORDS_MAX 100000	/* records in one file */
#define DNS_ZONE_TXT_MAX 8192		/* bytes of one TXT record, strings joined */
#define DNS_ZONE_TOKENS_MAX 512		/* fields of one record */

struct dns_zone *dns_zone_new(void);
/* Adds a record; owner is normalized, text (taken over) is the text of
 * dns_record. type 0 is a record of a type the file may hold (SOA, NS,
 * SRV, ...) but no lookup asks for: it only makes its owner exist. */
void dns_zone_add(struct dns_zone *zone, const char *owner, enum dns_type type, uint32_t ttl,
		  uint16_t preference, char *text);
size_t dns_zone_record_count(const struct dns_zone *zone);
/* Indexes the records once every one is added. */
void dns_zone_finish(struct dns_zone *zone);

#endif
