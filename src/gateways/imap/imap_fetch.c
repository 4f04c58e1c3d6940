/* FETCH and UID FETCH (RFC 9051 §6.4.5): the messages come from the view
 * (sequence numbers past the last: BAD; UIDs not there: skipped);
 * FLAGS, UID and MODSEQ are answered from the view with no JMAP call,
 * everything else with one Email/get per batch asking for just the
 * properties needed; the whole message (BODY[], RFC822) is read from
 * its blob as each response is written. BODY[] without PEEK sets \Seen
 * first (one Email/set per batch). When the output fills up the command
 * waits for it to drain and goes on (cmd->resume), message by message.
 * CHANGEDSINCE and VANISHED follow RFC 7162 §3.1.4.1 and §3.2.6. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_fetch.h"
#include "jmap/jmap.h"

/* Messages per batch when parts are asked for: their bytes sit in
 * memory (in the Email/get response) until written. */
#define FETCH_BIG_BATCH 4
/* Blobs opened at once for whole items; closed when the output fills
 * up, so that a waiting command holds no files. */
#define FETCH_BLOB_BATCH 16

struct fetch_state {
	struct fetch_items items;
	json_object *props;	/* NULL: the view answers */
	size_t *indexes;
	size_t count, pos;	/* pos: the next message to answer */
	/* the batch being answered, indexes[batch..batch_end): its Emails
	 * by id (NULL when the view answers) and the messages on which
	 * \Seen was just set */
	json_object *map;
	size_t batch, batch_end;
	bool changed[IMAP_JMAP_BATCH];
	/* the blobs of indexes[blob..blob_end) when an item is whole */
	struct fetch_blob blobs[FETCH_BLOB_BATCH];
	size_t blob, blob_end;
	bool uid;
	bool missing;		/* some messages are gone from the mailbox */
	bool unknown_cte;
};

/* Closes the blobs not written yet: the next message opens a new batch. */
static void fetch_blobs_close(struct fetch_state *st)
{
	for (size_t i = st->pos; i < st->blob_end; i++) {
		if (st->blobs[i - st->blob].fd >= 0)
			close(st->blobs[i - st->blob].fd);
	}
	st->blob = st->blob_end = st->pos;
}

static void fetch_state_free(void *context)
{
	struct fetch_state *st = context;

	fetch_blobs_close(st);
	imap_fetch_items_free(&st->items);
	json_object_put(st->props);
	json_object_put(st->map);
	free(st->indexes);
	free(st);
}

/* Sets \Seen on the batch's unseen messages; changed[i] tells which. */
static int fetch_mark_seen(struct imap_session *s, const size_t *batch, size_t n, bool *changed,
			   char **error_type_r)
{
	json_object *update = json_object_new_object(), *args, *resp;

	for (size_t i = 0; i < n; i++) {
		const struct imap_msg *msg = &s->view->msgs[batch[i]];
		json_object *patch;

		if (msg->flags & IMAP_FLAG_SEEN)
			continue;
		patch = json_object_new_object();
		json_object_object_add(patch, "keywords/$seen", json_object_new_boolean(true));
		json_object_object_add(update, imap_view_email_id(s->view, msg), patch);
	}
	if (json_object_object_length(update) == 0) {
		json_object_put(update);
		return 0;
	}
	args = json_object_new_object();
	json_object_object_add(args, "update", update);
	if ((resp = imap_jmap_call(s, "Email/set", args, error_type_r)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct imap_msg *msg = &s->view->msgs[batch[i]];

		if (!(msg->flags & IMAP_FLAG_SEEN) &&
		    imap_jmap_set_error(resp, "updated", imap_view_email_id(s->view, msg)) == NULL) {
			msg->flags |= IMAP_FLAG_SEEN;
			changed[i] = true;
		}
	}
	json_object_put(resp);
	return 0;
}

/* Starts the next batch: \Seen set, the Emails read. */
static int fetch_batch_load(struct imap_session *s, struct fetch_state *st, char **error_type_r)
{
	size_t n = st->count - st->pos, *batch = st->indexes + st->pos;
	size_t max = st->items.big ? FETCH_BIG_BATCH : IMAP_JMAP_BATCH;

	n = n < max ? n : max;
	memset(st->changed, 0, sizeof(st->changed));
	json_object_put(st->map);
	st->map = NULL;
	if (st->items.sets_seen && !s->view->readonly &&
	    fetch_mark_seen(s, batch, n, st->changed, error_type_r) < 0)
		return -1;
	if (st->props != NULL &&
	    (st->map = imap_msgcmd_get(s, imap_msgcmd_ids(s->view, batch, n),
				       json_object_get(st->props), error_type_r)) == NULL)
		return -1;
	st->batch = st->pos;
	st->batch_end = st->pos + n;
	return 0;
}

/* Opens the blobs of the next messages, in one call. */
static int fetch_blobs_open(struct imap_session *s, struct fetch_state *st)
{
	const char *ids[FETCH_BLOB_BATCH] = { NULL };
	int fds[FETCH_BLOB_BATCH], status;
	uint64_t sizes[FETCH_BLOB_BATCH];
	size_t n = st->count - st->pos;

	n = n < FETCH_BLOB_BATCH ? n : FETCH_BLOB_BATCH;
	for (size_t i = 0; i < n; i++)
		ids[i] = imap_view_email_id(s->view, &s->view->msgs[st->indexes[st->pos + i]]);
	if (jmap_email_blobs_open(s->srv->jmap, &s->user, s->account_id, ids, n, fds, sizes,
				  &status) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		st->blobs[i].fd = fds[i];
		st->blobs[i].size = sizes[i];
	}
	st->blob = st->pos;
	st->blob_end = st->pos + n;
	return 0;
}

/* The message's blob, taken from the batch: NULL when no item is
 * whole, and blob->fd -1 when the message is gone. */
static struct fetch_blob *fetch_blob_take(struct fetch_state *st, struct fetch_blob *blob)
{
	if (!st->items.has_whole)
		return NULL;
	*blob = st->blobs[st->pos - st->blob];
	st->blobs[st->pos - st->blob].fd = -1;
	return blob;
}

/* Answers the next message; a message gone from the mailbox is
 * skipped. */
static int fetch_write_next(struct imap_session *s, struct fetch_state *st)
{
	size_t index = st->indexes[st->pos];
	const char *id = imap_view_email_id(s->view, &s->view->msgs[index]);
	json_object *email = st->map != NULL ? json_object_object_get(st->map, id) : NULL;
	struct fetch_msg_out how = {
		.uid = st->uid || s->qresync,
		.modseq = s->condstore || st->items.changedsince_set,
		.flags = st->changed[st->pos - st->batch],
	};
	struct fetch_blob taken, *blob = fetch_blob_take(st, &taken);
	int ret = 0;

	if ((st->map != NULL && email == NULL) || (blob != NULL && blob->fd < 0))
		st->missing = true;
	else
		ret = imap_fetch_write_msg(s, &st->items, index, email, blob, &how);
	if (blob != NULL && blob->fd >= 0)
		close(blob->fd);
	st->unknown_cte |= how.unknown_cte;
	st->pos++;
	return ret;
}

static void fetch_finish(struct imap_session *s, const struct fetch_state *st)
{
	if (st->unknown_cte)
		imap_cmd_done(s, "NO", "[UNKNOWN-CTE] Can't decode a part's content transfer encoding");
	else if (st->missing && !st->uid)
		imap_cmd_done(s, "NO", "[EXPUNGEISSUED] Some of the requested messages no longer exist");
	else
		imap_cmd_done(s, "OK", "Fetch completed");
}

static void fetch_continue(struct imap_session *s, struct imap_cmd *cmd)
{
	struct fetch_state *st = cmd->state;
	char *error_type = NULL;

	while (st->pos < st->count) {
		if (net_conn_output_full(s->conn)) {
			fetch_blobs_close(st);
			return;
		}
		if (st->pos == st->batch_end && fetch_batch_load(s, st, &error_type) < 0) {
			imap_msgcmd_fail(s, "FETCH", error_type);
			return;
		}
		if ((st->items.has_whole && st->pos == st->blob_end &&
		     fetch_blobs_open(s, st) < 0) || fetch_write_next(s, st) < 0) {
			imap_msgcmd_fail(s, "FETCH", NULL);
			return;
		}
	}
	fetch_finish(s, st);
}

static void fetch_range_put(struct strbuf *b, uint64_t lo, uint64_t hi)
{
	if (b->len > 0)
		strbuf_putc(b, ',');
	if (lo == hi)
		strbuf_printf(b, "%llu", (unsigned long long)lo);
	else
		strbuf_printf(b, "%llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
}

/* Without expunge records that old, every UID of the set below UIDNEXT
 * that is not in the mailbox may have vanished (RFC 7162 §3.2.6 lets
 * the server list UIDs that never existed). */
static void fetch_vanished_gaps(const struct imap_view *view, const struct imap_seqset *set,
				struct strbuf *b)
{
	uint64_t top = view->uid_next > 0 ? view->uid_next - 1 : 0;
	size_t m = 0;

	for (size_t r = 0; r < set->count && set->ranges[r].lo <= top; r++) {
		uint64_t u = set->ranges[r].lo;
		uint64_t hi = set->ranges[r].hi < top ? set->ranges[r].hi : top;

		while (u <= hi) {
			while (m < view->count && view->msgs[m].uid < u)
				m++;
			if (m < view->count && view->msgs[m].uid <= hi) {
				if (view->msgs[m].uid > u)
					fetch_range_put(b, u, view->msgs[m].uid - 1);
				u = (uint64_t)view->msgs[m].uid + 1;
			} else {
				fetch_range_put(b, u, hi);
				break;
			}
		}
	}
}

static void fetch_vanished_list(json_object *vanished, const struct imap_seqset *set,
				struct imap_numlist *uids)
{
	size_t n = json_object_is_type(vanished, json_type_array) ?
		   json_object_array_length(vanished) : 0;

	for (size_t i = 0; i < n; i++) {
		int64_t uid = json_object_get_int64(json_object_array_get_idx(vanished, i));

		if (uid > 0 && uid <= UINT32_MAX && imap_seqset_contains(set, (uint32_t)uid))
			imap_numlist_add(uids, (uint32_t)uid);
	}
}

/* RFC 7162 §3.2.6: "* VANISHED (EARLIER)" for the UIDs of the set
 * expunged since the CHANGEDSINCE modseq. */
static int fetch_vanished(struct imap_session *s, const char *set_text, uint64_t since,
			  char **error_type_r)
{
	json_object *args = json_object_new_object(), *resp;
	struct imap_numlist uids = { NULL, 0, 0 };
	struct strbuf text = { 0 };
	struct imap_seqset set;
	char *list;

	if (imap_view_parse_uids(s->view, set_text,
				 s->view->uid_next > 0 ? s->view->uid_next - 1 : 0, &set) < 0) {
		json_object_put(args);
		return 0;
	}
	json_object_object_add(args, "mailboxId", json_object_new_string(s->view->mailbox_id));
	json_object_object_add(args, "sinceModSeq", json_object_new_int64((int64_t)since));
	json_object_object_add(args, "withKeywords", json_object_new_boolean(false));
	resp = imap_jmap_call(s, "Email/imapView", args, error_type_r);
	if (resp != NULL) {
		fetch_vanished_list(json_object_object_get(resp, "vanished"), &set, &uids);
		list = imap_numlist_string(&uids);
		strbuf_puts(&text, list);
		free(list);
	} else if (*error_type_r != NULL && strcmp(*error_type_r, "cannotCalculateChanges") == 0) {
		fetch_vanished_gaps(s->view, &set, &text);
		free(*error_type_r);
		*error_type_r = NULL;
	} else {
		imap_seqset_free(&set);
		return -1;
	}
	if (text.len > 0)
		imap_write_untagged(s, "VANISHED (EARLIER) %s", text.s);
	strbuf_free(&text);
	imap_numlist_free(&uids);
	imap_seqset_free(&set);
	json_object_put(resp);
	return 0;
}

/* Keeps the messages changed since CHANGEDSINCE. */
static void fetch_changed_since(const struct imap_view *view, struct fetch_state *st)
{
	size_t kept = 0;

	for (size_t i = 0; i < st->count; i++) {
		if (view->msgs[st->indexes[i]].modseq > st->items.changedsince)
			st->indexes[kept++] = st->indexes[i];
	}
	st->count = kept;
}

static int fetch_prepare(struct imap_session *s, struct imap_cmd *cmd, struct fetch_state *st)
{
	const char *set = imap_arg_astring(&cmd->args[0]), *error;
	char *error_type = NULL;

	if (imap_fetch_items_parse(cmd, &st->items, &error) < 0) {
		imap_cmd_bad(s, "%s", error);
		return -1;
	}
	if (st->items.vanished && (!cmd->uid || !s->qresync)) {
		imap_cmd_bad(s, "VANISHED needs UID FETCH and QRESYNC enabled");
		return -1;
	}
	if (cmd->args[0].type != IMAP_ARG_ATOM ||
	    imap_view_lookup(s->view, set, cmd->uid, &st->indexes, &st->count) < 0) {
		imap_cmd_bad(s, "Invalid message set");
		return -1;
	}
	if (st->items.has_modseq || st->items.changedsince_set)
		imap_msgcmd_condstore_enable(s);
	if (st->items.changedsince_set)
		fetch_changed_since(s->view, st);
	if (st->items.vanished &&
	    fetch_vanished(s, set, st->items.changedsince, &error_type) < 0) {
		imap_msgcmd_fail(s, "FETCH", error_type);
		return -1;
	}
	st->props = imap_fetch_properties(&st->items);
	return 0;
}

void imap_cmd_fetch(struct imap_session *s, struct imap_cmd *cmd)
{
	struct fetch_state *st = xcalloc(1, sizeof(*st));

	st->uid = cmd->uid;
	if (fetch_prepare(s, cmd, st) < 0) {
		fetch_state_free(st);
		return;
	}
	cmd->state = st;
	cmd->state_free = fetch_state_free;
	cmd->resume = fetch_continue;
	fetch_continue(s, cmd);
}
