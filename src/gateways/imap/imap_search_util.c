/* Number sets written in IMAP syntax (ESEARCH ALL, COPYUID, APPENDUID,
 * MODIFIED, VANISHED), finding view messages by Email id, and keyword
 * tests over the view. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

void imap_numlist_add(struct imap_numlist *list, uint32_t n)
{
	if (list->count == list->alloc) {
		list->alloc = list->alloc == 0 ? 16 : list->alloc * 2;
		list->nums = xrealloc(list->nums, list->alloc * sizeof(*list->nums));
	}
	list->nums[list->count++] = n;
}

void imap_numlist_free(struct imap_numlist *list)
{
	free(list->nums);
	list->nums = NULL;
	list->count = list->alloc = 0;
}

/* The end of the run of consecutive ascending numbers starting at i. */
static size_t numlist_run_end(const struct imap_numlist *list, size_t i)
{
	while (i + 1 < list->count && list->nums[i + 1] == list->nums[i] + 1)
		i++;
	return i;
}

char *imap_numlist_string(const struct imap_numlist *list)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < list->count; i++) {
		size_t end = numlist_run_end(list, i);

		if (i > 0)
			strbuf_putc(&b, ',');
		if (end > i)
			strbuf_printf(&b, "%u:%u", list->nums[i], list->nums[end]);
		else
			strbuf_printf(&b, "%u", list->nums[i]);
		i = end;
	}
	return strbuf_steal(&b);
}

void imap_numlist_write(struct evbuffer *out, const struct imap_numlist *list)
{
	char *text = imap_numlist_string(list);

	evbuffer_add(out, text, strlen(text));
	free(text);
}

void imap_numlist_seqset(const struct imap_numlist *list, struct imap_seqset *set_r)
{
	set_r->ranges = xmalloc((list->count > 0 ? list->count : 1) * sizeof(*set_r->ranges));
	set_r->count = 0;
	for (size_t i = 0; i < list->count; i++) {
		size_t end = numlist_run_end(list, i);

		set_r->ranges[set_r->count].lo = list->nums[i];
		set_r->ranges[set_r->count].hi = list->nums[end];
		set_r->count++;
		i = end;
	}
}

/* ---- Email id -> view index ---- */

static int id_index_cmp(const void *a, const void *b, void *context)
{
	const struct imap_view *view = context;
	const char *ia = imap_view_email_id(view, &view->msgs[*(const size_t *)a]);
	const char *ib = imap_view_email_id(view, &view->msgs[*(const size_t *)b]);

	return strcmp(ia, ib);
}

void imap_id_index_init(struct imap_id_index *index, const struct imap_view *view)
{
	index->view = view;
	index->count = view->count;
	index->order = xmalloc((view->count > 0 ? view->count : 1) * sizeof(*index->order));
	for (size_t i = 0; i < view->count; i++)
		index->order[i] = i;
	qsort_r(index->order, index->count, sizeof(*index->order), id_index_cmp, (void *)view);
}

ssize_t imap_id_index_find(const struct imap_id_index *index, const char *email_id)
{
	size_t lo = 0, hi = index->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct imap_msg *msg = &index->view->msgs[index->order[mid]];
		int cmp = strcmp(email_id, imap_view_email_id(index->view, msg));

		if (cmp == 0)
			return (ssize_t)index->order[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

void imap_id_index_free(struct imap_id_index *index)
{
	free(index->order);
	index->order = NULL;
	index->count = 0;
}

/* ---- keywords ---- */

uint32_t imap_msgcmd_keyword_flag(const char *keyword)
{
	static const struct {
		const char *keyword;
		uint32_t flag;
	} system[] = {
		{ "$seen", IMAP_FLAG_SEEN }, { "$answered", IMAP_FLAG_ANSWERED },
		{ "$flagged", IMAP_FLAG_FLAGGED }, { "$deleted", IMAP_FLAG_DELETED },
		{ "$draft", IMAP_FLAG_DRAFT },
	};

	for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++) {
		if (strcmp(keyword, system[i].keyword) == 0)
			return system[i].flag;
	}
	return 0;
}

bool imap_msgcmd_has_keyword(const struct imap_view *view, const struct imap_msg *msg,
			     const char *keyword)
{
	uint32_t flag = imap_msgcmd_keyword_flag(keyword);
	char **set;

	if (flag != 0)
		return (msg->flags & flag) != 0;
	if (msg->kwset == 0 || msg->kwset >= view->kwset_count)
		return false;
	for (set = view->kwsets[msg->kwset]; *set != NULL; set++) {
		if (strcmp(*set, keyword) == 0)
			return true;
	}
	return false;
}
