/* The selected mailbox as the client knows it: messages in UID order
 * (sequence number = index + 1), their Email ids in one buffer, and
 * lookups by UID and by sequence set. imap_view_sync.c keeps it up to
 * date through JMAP. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

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

void imap_view_free(struct imap_view **viewp)
{
	struct imap_view *view = *viewp;

	if (view == NULL)
		return;
	*viewp = NULL;
	for (size_t i = 0; i < view->kwset_count; i++) {
		for (char **kw = view->kwsets[i]; *kw != NULL; kw++)
			free(*kw);
		free(view->kwsets[i]);
	}
	free(view->kwsets);
	free(view->msgs);
	free(view->ids);
	free(view->vanished);
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

static void imap_indexes_push(size_t **idx, size_t *count, size_t *alloc, size_t i)
{
	if (*count == *alloc) {
		*alloc = *alloc == 0 ? 16 : *alloc * 2;
		*idx = xrealloc(*idx, *alloc * sizeof(**idx));
	}
	(*idx)[(*count)++] = i;
}

int imap_view_lookup(const struct imap_view *view, const char *set, bool uid,
		     size_t **indexes_r, size_t *count_r)
{
	uint32_t star = !uid ? (uint32_t)view->count :
		view->count > 0 ? view->msgs[view->count - 1].uid : 0;
	struct imap_seqset seqs;
	size_t *idx = NULL, count = 0, alloc = 0;

	if (imap_seqset_parse(set, star, &seqs) < 0)
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
