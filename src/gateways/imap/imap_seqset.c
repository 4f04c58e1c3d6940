/* Sequence sets (RFC 9051 §9 sequence-set): "1:4,7,9:*" parsed into
 * sorted, merged ranges. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* A number (nz-number: no leading zero) or "*". */
static int imap_seqset_number(const char **pos, uint32_t star, uint32_t *n_r)
{
	const char *p = *pos;
	uint64_t n = 0;

	if (*p == '*') {
		*n_r = star;
		*pos = p + 1;
		return 0;
	}
	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return -1;
	}
	*n_r = (uint32_t)n;
	*pos = p;
	return 0;
}

static int imap_range_cmp(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void imap_seqset_merge(struct imap_seqset *set)
{
	size_t out = 0;

	if (set->count == 0)
		return;
	qsort(set->ranges, set->count, sizeof(*set->ranges), imap_range_cmp);
	for (size_t i = 1; i < set->count; i++) {
		struct imap_range *last = &set->ranges[out];

		if (set->ranges[i].lo <= last->hi ||
		    (last->hi < UINT32_MAX && set->ranges[i].lo == last->hi + 1)) {
			if (set->ranges[i].hi > last->hi)
				last->hi = set->ranges[i].hi;
		} else {
			set->ranges[++out] = set->ranges[i];
		}
	}
	set->count = out + 1;
}

int imap_seqset_parse(const char *text, uint32_t star, struct imap_seqset *set_r)
{
	const char *p = text;
	size_t alloc = 0;

	set_r->ranges = NULL;
	set_r->count = 0;
	for (;;) {
		struct imap_range r;

		if (imap_seqset_number(&p, star, &r.lo) < 0)
			break;
		r.hi = r.lo;
		if (*p == ':') {
			p++;
			if (imap_seqset_number(&p, star, &r.hi) < 0)
				break;
		}
		if (r.lo > r.hi) {
			uint32_t t = r.lo;

			r.lo = r.hi;
			r.hi = t;
		}
		if (set_r->count == alloc) {
			alloc = alloc == 0 ? 4 : alloc * 2;
			set_r->ranges = xrealloc(set_r->ranges, alloc * sizeof(r));
		}
		set_r->ranges[set_r->count++] = r;
		if (*p == '\0') {
			imap_seqset_merge(set_r);
			return 0;
		}
		if (*p++ != ',')
			break;
	}
	imap_seqset_free(set_r);
	return -1;
}

bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n < set->ranges[mid].lo)
			hi = mid;
		else if (n > set->ranges[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void imap_seqset_free(struct imap_seqset *set)
{
	free(set->ranges);
	set->ranges = NULL;
	set->count = 0;
}

void imap_write_uid_set(struct evbuffer *out, const uint32_t *uids, size_t count)
{
	for (size_t i = 0; i < count;) {
		size_t j = i;

		while (j + 1 < count && uids[j + 1] <= uids[j] + 1 && uids[j] < UINT32_MAX)
			j++;
		evbuffer_add_printf(out, "%s%u", i > 0 ? "," : "", uids[i]);
		if (uids[j] != uids[i])
			evbuffer_add_printf(out, ":%u", uids[j]);
		i = j + 1;
	}
}
