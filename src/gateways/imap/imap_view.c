/* The selected mailbox as the client knows it: messages in UID order
 * (sequence number = index + 1), their Email ids in one buffer (shared
 * with the cached view it was copied from until a message is added),
 * and lookups by UID and by sequence set. imap_view_sync.c keeps it up
 * to date through JMAP; copies and clean-ups for the view cache. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* An immutable ids buffer shared by views of one mailbox (the cached
 * one and the sessions that started from it). */
struct imap_view_ids {
	int refs;
	char data[];
};

static void imap_view_ids_release(struct imap_view *view)
{
	if (view->ids_shared == NULL) {
		free(view->ids);
	} else if (__atomic_sub_fetch(&view->ids_shared->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(view->ids_shared);
	}
	view->ids = NULL;
	view->ids_shared = NULL;
}

/* Makes view's ids its own before a change, with room for more. */
static void imap_view_ids_unshare(struct imap_view *view, size_t more)
{
	char *ids;

	if (view->ids_shared == NULL)
		return;
	view->ids_alloc = (view->ids_len + more) * 2;
	ids = xmalloc(view->ids_alloc);
	memcpy(ids, view->ids, view->ids_len);
	imap_view_ids_release(view);
	view->ids = ids;
}

struct imap_view *imap_view_new(const char *mailbox_id, const char *name, bool readonly)
{
	struct imap_view *view = xcalloc(1, sizeof(*view));

	view->mailbox_id = xstrdup(mailbox_id);
	view->name = xstrdup(name);
	view->readonly = readonly;
	view->kwsets = xmalloc(sizeof(*view->kwsets));
	view->kwsets[0] = xcalloc(1, sizeof(char *));
	view->kwset_count = 1;
	return view;
}

static void imap_kwset_free(char **set)
{
	for (char **kw = set; *kw != NULL; kw++)
		free(*kw);
	free(set);
}

void imap_view_free(struct imap_view **viewp)
{
	struct imap_view *view = *viewp;

	if (view == NULL)
		return;
	*viewp = NULL;
	for (size_t i = 0; i < view->kwset_count; i++)
		imap_kwset_free(view->kwsets[i]);
	free(view->kwsets);
	free(view->msgs);
	imap_view_ids_release(view);
	free(view->vanished);
	free(view->saved);
	free(view->mailbox_id);
	free(view->name);
	free(view);
}

const char *imap_view_email_id(const struct imap_view *view, const struct imap_msg *msg)
{
	return view->ids + msg->id_off;
}

/* The first index whose UID is >= uid (view->count if none). */
static size_t imap_view_lower_bound(const struct imap_view *view, uint32_t uid)
{
	size_t lo = 0, hi = view->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (view->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ssize_t imap_view_find_uid(const struct imap_view *view, uint32_t uid)
{
	size_t i = imap_view_lower_bound(view, uid);

	return i < view->count && view->msgs[i].uid == uid ? (ssize_t)i : -1;
}

/* Rewrites the id buffer without the ids of removed messages. */
static void imap_view_compact_ids(struct imap_view *view)
{
	char *ids = xmalloc(view->ids_alloc);
	size_t len = 0;

	for (size_t i = 0; i < view->count; i++) {
		const char *id = view->ids + view->msgs[i].id_off;
		size_t n = strlen(id) + 1;

		memcpy(ids + len, id, n);
		view->msgs[i].id_off = (uint32_t)len;
		len += n;
	}
	free(view->ids);
	view->ids = ids;
	view->ids_len = len;
}

static uint32_t imap_view_add_id(struct imap_view *view, const char *email_id)
{
	size_t n = strlen(email_id) + 1;
	uint32_t off;

	imap_view_ids_unshare(view, n);
	if (view->ids_len + n > view->ids_alloc && view->ids_len > 0) {
		imap_view_compact_ids(view);
	}
	if (view->ids_len + n > view->ids_alloc) {
		view->ids_alloc = (view->ids_len + n) * 2;
		view->ids = xrealloc(view->ids, view->ids_alloc);
	}
	off = (uint32_t)view->ids_len;
	memcpy(view->ids + off, email_id, n);
	view->ids_len += n;
	return off;
}

struct imap_msg *imap_view_append(struct imap_view *view, uint32_t uid, const char *email_id)
{
	struct imap_msg *msg;

	if (view->count == view->alloc) {
		view->alloc = view->alloc == 0 ? 64 : view->alloc * 2;
		view->msgs = xrealloc(view->msgs, view->alloc * sizeof(*view->msgs));
	}
	msg = &view->msgs[view->count];
	memset(msg, 0, sizeof(*msg));
	msg->uid = uid;
	/* before the count grows: compaction copies the existing ids only */
	msg->id_off = imap_view_add_id(view, email_id);
	view->count++;
	return msg;
}

void imap_view_remove(struct imap_view *view, size_t index)
{
	memmove(&view->msgs[index], &view->msgs[index + 1],
		(view->count - index - 1) * sizeof(*view->msgs));
	view->count--;
}

/* The keyword sets as a table of size count (set 0, the empty one,
 * included). */
static char ***imap_kwsets_copy(char **const *sets, size_t count)
{
	char ***copy = xmalloc(count * sizeof(*copy));

	for (size_t i = 0; i < count; i++) {
		size_t n = 0;

		while (sets[i][n] != NULL)
			n++;
		copy[i] = xmalloc((n + 1) * sizeof(char *));
		for (size_t k = 0; k < n; k++)
			copy[i][k] = xstrdup(sets[i][k]);
		copy[i][n] = NULL;
	}
	return copy;
}

/* The ids of view's messages into copy (its msgs copied already): the
 * same shared buffer, or a new one to share without the ids of removed
 * messages. */
static void imap_view_copy_ids(struct imap_view *copy, const struct imap_view *view)
{
	struct imap_view_ids *shared = view->ids_shared;
	char *end;

	if (shared == NULL) {
		shared = xmalloc(sizeof(*shared) + view->ids_len + 1);
		shared->refs = 0;
		end = shared->data;
		for (size_t i = 0; i < view->count; i++) {
			copy->msgs[i].id_off = (uint32_t)(end - shared->data);
			end = memccpy(end, view->ids + view->msgs[i].id_off, '\0',
				      view->ids_len - (size_t)(end - shared->data));
		}
		copy->ids_len = (size_t)(end - shared->data);
	} else {
		copy->ids_len = view->ids_len;
	}
	__atomic_add_fetch(&shared->refs, 1, __ATOMIC_ACQ_REL);
	copy->ids_shared = shared;
	copy->ids = shared->data;
	copy->ids_alloc = copy->ids_len;
}

struct imap_view *imap_view_copy(const struct imap_view *view, const char *name, bool readonly)
{
	struct imap_view *copy = xcalloc(1, sizeof(*copy));

	copy->mailbox_id = xstrdup(view->mailbox_id);
	copy->name = xstrdup(name);
	copy->readonly = readonly;
	copy->uid_validity = view->uid_validity;
	copy->uid_next = view->uid_next;
	copy->highest_modseq = view->highest_modseq;
	copy->count = view->count;
	copy->alloc = view->count > 0 ? view->count : 1;
	copy->msgs = xmalloc(copy->alloc * sizeof(*copy->msgs));
	if (view->count > 0)
		memcpy(copy->msgs, view->msgs, view->count * sizeof(*view->msgs));
	imap_view_copy_ids(copy, view);
	copy->kwsets = imap_kwsets_copy(view->kwsets, view->kwset_count);
	copy->kwset_count = view->kwset_count;
	return copy;
}

void imap_view_compact_kwsets(struct imap_view *view)
{
	uint32_t *map = xcalloc(view->kwset_count, sizeof(*map));
	char ***sets = xmalloc(view->kwset_count * sizeof(*sets));
	size_t used = 1;

	sets[0] = view->kwsets[0];
	for (size_t i = 0; i < view->count; i++) {
		uint32_t k = view->msgs[i].kwset;

		if (k != 0 && map[k] == 0) {
			map[k] = (uint32_t)used;
			sets[used++] = view->kwsets[k];
		}
		view->msgs[i].kwset = map[k];
	}
	for (size_t k = 1; k < view->kwset_count; k++) {
		if (map[k] == 0)
			imap_kwset_free(view->kwsets[k]);
	}
	free(view->kwsets);
	view->kwsets = sets;
	view->kwset_count = used;
	free(map);
}

static int imap_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void imap_view_purge(struct imap_view *view)
{
	size_t kept = 0, k = 0;

	if (view->vanished_count == 0)
		return;
	qsort(view->vanished, view->vanished_count, sizeof(uint32_t), imap_uid_cmp);
	for (size_t i = 0; i < view->count; i++) {
		while (k < view->vanished_count && view->vanished[k] < view->msgs[i].uid)
			k++;
		if (k == view->vanished_count || view->vanished[k] != view->msgs[i].uid)
			view->msgs[kept++] = view->msgs[i];
	}
	view->count = kept;
	view->vanished_count = 0;
}

static void imap_indexes_push(size_t **idx, size_t *count, size_t *alloc, size_t i)
{
	if (*count == *alloc) {
		*alloc = *alloc == 0 ? 16 : *alloc * 2;
		*idx = xrealloc(*idx, *alloc * sizeof(**idx));
	}
	(*idx)[(*count)++] = i;
}

void imap_view_save_result(struct imap_view *view, const size_t *indexes, size_t count)
{
	free(view->saved);
	view->saved = xmalloc((count > 0 ? count : 1) * sizeof(*view->saved));
	for (size_t i = 0; i < count; i++)
		view->saved[i] = view->msgs[indexes[i]].uid;
	view->saved_count = count;
}

/* The saved search result as UID ranges. */
static void imap_view_saved_seqset(const struct imap_view *view, struct imap_seqset *set_r)
{
	set_r->ranges = xmalloc((view->saved_count > 0 ? view->saved_count : 1) *
				sizeof(*set_r->ranges));
	set_r->count = 0;
	for (size_t i = 0; i < view->saved_count; i++) {
		uint32_t uid = view->saved[i];

		/* ascending and distinct: a UID extends the last range or
		 * starts one */
		if (set_r->count > 0 && set_r->ranges[set_r->count - 1].hi + 1 == uid) {
			set_r->ranges[set_r->count - 1].hi = uid;
		} else {
			set_r->ranges[set_r->count].lo = uid;
			set_r->ranges[set_r->count++].hi = uid;
		}
	}
}

int imap_view_parse_uids(const struct imap_view *view, const char *set, uint32_t star,
			 struct imap_seqset *set_r)
{
	if (strcmp(set, "$") == 0) {
		imap_view_saved_seqset(view, set_r);
		return 0;
	}
	return imap_seqset_parse(set, star, set_r);
}

int imap_view_lookup(const struct imap_view *view, const char *set, bool uid,
		     size_t **indexes_r, size_t *count_r)
{
	uint32_t star = !uid ? (uint32_t)view->count :
		view->count > 0 ? view->msgs[view->count - 1].uid : 0;
	struct imap_seqset seqs;
	size_t *idx = NULL, count = 0, alloc = 0;

	/* "$" names messages, not numbers: a UID set in any command */
	if (strcmp(set, "$") == 0)
		uid = true;
	if (imap_view_parse_uids(view, set, star, &seqs) < 0)
		return -1;
	for (size_t r = 0; r < seqs.count; r++) {
		const struct imap_range *range = &seqs.ranges[r];

		if (!uid && (range->lo == 0 || range->hi > view->count)) {
			free(idx);
			imap_seqset_free(&seqs);
			return -1;
		}
		for (size_t i = uid ? imap_view_lower_bound(view, range->lo) : range->lo - 1;
		     i < view->count && (uid ? view->msgs[i].uid <= range->hi : i < range->hi); i++)
			imap_indexes_push(&idx, &count, &alloc, i);
	}
	imap_seqset_free(&seqs);
	*indexes_r = idx;
	*count_r = count;
	return 0;
}
