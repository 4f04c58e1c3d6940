/* The zone-file source: records sorted by (owner, type), the set of
 * names that exist (owners and their ancestors), lookups that follow
 * CNAMEs. Read-only once loaded, so lookups need no lock. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dns/dns_zone.h"

struct dns_zone_rr {
	char *owner;
	enum dns_type type;
	uint32_t ttl;
	uint16_t preference;
	char *text;
	size_t seq;		/* file order, so that sorting keeps it */
};

struct dns_zone {
	struct dns_zone_rr *rrs;
	size_t count, alloc;
	char **names;		/* sorted, unique */
	size_t name_count;
};

struct dns_zone *dns_zone_new(void)
{
	return xcalloc(1, sizeof(struct dns_zone));
}

void dns_zone_add(struct dns_zone *zone, const char *owner, enum dns_type type, uint32_t ttl,
		  uint16_t preference, char *text)
{
	struct dns_zone_rr *rr;

	if (zone->count == zone->alloc) {
		zone->alloc = zone->alloc == 0 ? 64 : zone->alloc * 2;
		zone->rrs = xrealloc(zone->rrs, zone->alloc * sizeof(*zone->rrs));
	}
	rr = &zone->rrs[zone->count];
	rr->owner = xstrdup(owner);
	rr->type = type;
	rr->ttl = ttl;
	rr->preference = preference;
	rr->text = text;
	rr->seq = zone->count++;
}

size_t dns_zone_record_count(const struct dns_zone *zone)
{
	return zone->count;
}

static int dns_zone_rr_cmp(const void *a, const void *b)
{
	const struct dns_zone_rr *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int dns_zone_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every owner and every ancestor of it exists (RFC 8020: a name with
 * names below it is an empty non-terminal, not NXDOMAIN). */
static void dns_zone_index_names(struct dns_zone *zone)
{
	size_t alloc = 0, unique = 0;

	for (size_t i = 0; i < zone->count; i++) {
		if (i > 0 && strcmp(zone->rrs[i].owner, zone->rrs[i - 1].owner) == 0)
			continue;
		for (const char *p = zone->rrs[i].owner; p != NULL; p = strchr(p, '.')) {
			if (*p == '.')
				p++;
			if (zone->name_count == alloc) {
				alloc = alloc == 0 ? 64 : alloc * 2;
				zone->names = xrealloc(zone->names, alloc * sizeof(*zone->names));
			}
			zone->names[zone->name_count++] = xstrdup(p);
		}
	}
	if (zone->name_count == 0)
		return;
	qsort(zone->names, zone->name_count, sizeof(*zone->names), dns_zone_name_cmp);
	for (size_t i = 0; i < zone->name_count; i++) {
		if (unique > 0 && strcmp(zone->names[i], zone->names[unique - 1]) == 0)
			free(zone->names[i]);
		else
			zone->names[unique++] = zone->names[i];
	}
	zone->name_count = unique;
}

void dns_zone_finish(struct dns_zone *zone)
{
	/* an empty zone is valid (every name NXDOMAIN); qsort wants a
	 * non-null array */
	if (zone->count > 0)
		qsort(zone->rrs, zone->count, sizeof(*zone->rrs), dns_zone_rr_cmp);
	dns_zone_index_names(zone);
}

void dns_zone_free(struct dns_zone **zone)
{
	if (*zone == NULL)
		return;
	for (size_t i = 0; i < (*zone)->count; i++) {
		free((*zone)->rrs[i].owner);
		free((*zone)->rrs[i].text);
	}
	for (size_t i = 0; i < (*zone)->name_count; i++)
		free((*zone)->names[i]);
	free((*zone)->rrs);
	free((*zone)->names);
	free(*zone);
	*zone = NULL;
}

/* The records of (name, type): the first of them and how many. */
static size_t dns_zone_find(const struct dns_zone *zone, const char *name, enum dns_type type,
			    const struct dns_zone_rr **first_r)
{
	size_t lo = 0, hi = zone->count, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dns_zone_rr *rr = &zone->rrs[mid];
		int c = strcmp(rr->owner, name);

		if (c < 0 || (c == 0 && rr->type < type))
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < zone->count && zone->rrs[lo + n].type == type &&
	       strcmp(zone->rrs[lo + n].owner, name) == 0)
		n++;
	*first_r = n > 0 ? &zone->rrs[lo] : NULL;
	return n;
}

static bool dns_zone_name_exists(const struct dns_zone *zone, const char *name)
{
	return zone->name_count > 0 && bsearch(&name, zone->names, zone->name_count, sizeof(*zone->names),
		       dns_zone_name_cmp) != NULL;
}

enum dns_status dns_zone_lookup(const struct dns_zone *zone, const char *name,
				enum dns_type type, struct dns_answer *answer_r)
{
	char current[DNS_NAME_MAX + 1];
	const struct dns_zone_rr *rr;
	size_t n;

	strcpy(current, name);
	for (unsigned hops = 0; hops <= DNS_CNAME_MAX; hops++) {
		if ((n = dns_zone_find(zone, current, type, &rr)) > 0) {
			for (size_t i = 0; i < n; i++)
				dns_answer_add(answer_r, type, rr[i].ttl, rr[i].preference,
					       xstrdup(rr[i].text));
			return DNS_OK;
		}
		if (type == DNS_CNAME || dns_zone_find(zone, current, DNS_CNAME, &rr) == 0)
			return dns_zone_name_exists(zone, current) ? DNS_NODATA : DNS_NXDOMAIN;
		if (rr->text[0] == '\0')
			return DNS_NXDOMAIN;
		strcpy(current, rr->text);
	}
	/* a chain too long or a loop: what a resolver's SERVFAIL says */
	return DNS_TEMPFAIL;
}
