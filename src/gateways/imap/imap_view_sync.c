/* Keeping the view in step with the store: at SELECT, a copy of the
 * cached view (imap_viewcache.c) brought up to date, or Email/imapView
 * of the whole mailbox; then only what changed since the modseq the
 * client was last told, whenever the bus said the account changed. The
 * client hears of it as RFC 9051 §7.5 and RFC 7162 §3.2.10 say: EXPUNGE
 * (highest sequence number first) or VANISHED, EXISTS, FLAGS when new
 * keywords appear, and FETCH for flags changed elsewhere. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* What one sync found, to be told once the view is updated. */
struct imap_sync {
	uint32_t *fetch_uids;	/* messages whose flags the client must hear */
	size_t fetch_count, fetch_alloc;
	size_t known;		/* messages the client knew before */
	size_t keywords;	/* distinct keywords the client was told */
	size_t kwsets;
};

static uint64_t imap_json_u64(json_object *obj, const char *key)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	return (uint64_t)json_object_get_int64(value);
}

/* Email/imapView since since; NULL with *error_type_r. */
static json_object *imap_view_fetch(struct imap_session *s, const char *mailbox_id,
				    uint64_t since, char **error_type_r)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "mailboxId", json_object_new_string(mailbox_id));
	json_object_object_add(args, "sinceModSeq", json_object_new_int64((int64_t)since));
	return imap_jmap_call(s, "Email/imapView", args, error_type_r);
}

/* Sets msg's flags, keywords and modseq from a [uid, id, modseq,
 * keywords] entry. Returns whether the client sees a change. */
static bool imap_view_set_msg(struct imap_view *view, struct imap_msg *msg, json_object *entry,
			      bool condstore)
{
	uint32_t flags, kwset;
	uint64_t modseq = (uint64_t)json_object_get_int64(json_object_array_get_idx(entry, 2));
	bool changed;

	imap_view_keywords(view, json_object_array_get_idx(entry, 3), &flags, &kwset);
	changed = flags != msg->flags || kwset != msg->kwset || (condstore && modseq != msg->modseq);
	msg->flags = flags;
	msg->kwset = kwset;
	msg->modseq = modseq;
	return changed;
}

static bool imap_view_entry_valid(json_object *entry)
{
	return imap_json_array_len(entry) >= 3 &&
		json_object_is_type(json_object_array_get_idx(entry, 0), json_type_int) &&
		json_object_is_type(json_object_array_get_idx(entry, 1), json_type_string);
}

uint32_t imap_view_entry_uid(json_object *entry)
{
	if (!imap_view_entry_valid(entry))
		return 0;
	return (uint32_t)json_object_get_int64(json_object_array_get_idx(entry, 0));
}

/* Notes uid as gone. A UID may be noted twice (a full reload after an
 * earlier sync): the expunge skips what it already removed. */
static void imap_view_vanish(struct imap_view *view, uint32_t uid)
{
	size_t n = view->vanished_count;

	/* the array doubles whenever its length reaches a power of two */
	if ((n & (n - 1)) == 0)
		view->vanished = xrealloc(view->vanished, (n == 0 ? 1 : 2 * n) * sizeof(uint32_t));
	view->vanished[view->vanished_count++] = uid;
}

static void imap_sync_note(struct imap_sync *sync, uint32_t uid)
{
	if (sync->fetch_count == sync->fetch_alloc) {
		sync->fetch_alloc = sync->fetch_alloc == 0 ? 16 : sync->fetch_alloc * 2;
		sync->fetch_uids = xrealloc(sync->fetch_uids, sync->fetch_alloc * sizeof(uint32_t));
	}
	sync->fetch_uids[sync->fetch_count++] = uid;
}

/* One message of the response: a change to a known one, or a new one. */
static void imap_view_apply_entry(struct imap_session *s, json_object *entry,
				  const struct imap_seqset *silent, struct imap_sync *sync)
{
	struct imap_view *view = s->view;
	uint32_t uid = (uint32_t)json_object_get_int64(json_object_array_get_idx(entry, 0));
	ssize_t i = imap_view_find_uid(view, uid);
	struct imap_msg *msg;

	if (i >= 0) {
		if (imap_view_set_msg(view, &view->msgs[i], entry, s->condstore) &&
		    (silent == NULL || !imap_seqset_contains(silent, uid)))
			imap_sync_note(sync, uid);
		return;
	}
	if (view->count > 0 && uid < view->msgs[view->count - 1].uid) {
		log_warn("imap.view.order", "mailbox=%s uid=%u", view->mailbox_id, uid);
		return;
	}
	msg = imap_view_append(view, uid,
			       json_object_get_string(json_object_array_get_idx(entry, 1)));
	imap_view_set_msg(view, msg, entry, s->condstore);
}

/* After a full reload (sinceModSeq 0): the messages not in it left. */
static void imap_view_vanish_missing(struct imap_view *view, json_object *messages)
{
	size_t n = json_object_array_length(messages), j = 0;

	for (size_t i = 0; i < view->count; i++) {
		uint32_t uid = view->msgs[i].uid;

		while (j < n && imap_view_entry_uid(json_object_array_get_idx(messages, j)) < uid)
			j++;
		if (j == n || imap_view_entry_uid(json_object_array_get_idx(messages, j)) != uid)
			imap_view_vanish(view, uid);
	}
}

static void imap_view_apply(struct imap_session *s, json_object *resp, bool full,
			    const struct imap_seqset *silent, struct imap_sync *sync)
{
	struct imap_view *view = s->view;
	json_object *messages = NULL, *vanished = NULL;

	json_object_object_get_ex(resp, "messages", &messages);
	json_object_object_get_ex(resp, "vanished", &vanished);
	if (!json_object_is_type(messages, json_type_array))
		return;
	if (full)
		imap_view_vanish_missing(view, messages);
	for (size_t i = 0; i < imap_json_array_len(vanished); i++) {
		uint32_t uid = (uint32_t)json_object_get_int64(json_object_array_get_idx(vanished, i));

		if (imap_view_find_uid(view, uid) >= 0)
			imap_view_vanish(view, uid);
	}
	for (size_t i = 0; i < json_object_array_length(messages); i++) {
		json_object *entry = json_object_array_get_idx(messages, i);

		if (imap_view_entry_valid(entry))
			imap_view_apply_entry(s, entry, silent, sync);
	}
	view->uid_next = (uint32_t)imap_json_u64(resp, "uidNext");
	view->highest_modseq = imap_json_u64(resp, "highestModSeq");
}

/* Asks what changed and applies it. Returns 0, or -1 when the mailbox
 * is gone or was recreated (another UIDVALIDITY). Another failure is
 * tried again at the next sync. */
static int imap_view_pull(struct imap_session *s, const struct imap_seqset *silent,
			  struct imap_sync *sync)
{
	struct imap_view *view = s->view;
	char *error_type;
	bool full = false;
	json_object *resp = imap_view_fetch(s, view->mailbox_id, view->highest_modseq,
					    &error_type);

	if (resp == NULL && strcmp(error_type, "cannotCalculateChanges") == 0) {
		free(error_type);
		full = true;
		resp = imap_view_fetch(s, view->mailbox_id, 0, &error_type);
	}
	if (resp == NULL) {
		bool gone = strcmp(error_type, "invalidArguments") == 0;

		log_write(gone ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "imap.view.sync",
			  "user=%s mailbox=%s error=%s", log_q(s->user.name), view->mailbox_id,
			  log_q(error_type));
		free(error_type);
		if (!gone)
			__atomic_store_n(&s->changed, true, __ATOMIC_RELEASE);
		return gone ? -1 : 0;
	}
	if ((uint32_t)imap_json_u64(resp, "uidValidity") != view->uid_validity) {
		json_object_put(resp);
		return -1;
	}
	imap_view_apply(s, resp, full, silent, sync);
	json_object_put(resp);
	return 0;
}

static int imap_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Tells the client of the vanished messages and drops them. */
static void imap_view_expunge(struct imap_session *s, struct imap_sync *sync)
{
	struct imap_view *view = s->view;
	struct evbuffer *out = net_conn_output(s->conn);

	qsort(view->vanished, view->vanished_count, sizeof(uint32_t), imap_uid_cmp);
	if (s->qresync) {
		evbuffer_add_printf(out, "* VANISHED ");
		imap_write_uid_set(out, view->vanished, view->vanished_count);
		evbuffer_add_printf(out, "\r\n");
	}
	for (size_t k = view->vanished_count; k-- > 0;) {
		ssize_t i = imap_view_find_uid(view, view->vanished[k]);

		if (i < 0)
			continue;
		if (!s->qresync)
			evbuffer_add_printf(out, "* %zu EXPUNGE\r\n", (size_t)i + 1);
		imap_view_remove(view, (size_t)i);
		sync->known--;
	}
	view->vanished_count = 0;
}

void imap_view_write_fetch(struct imap_session *s, size_t index)
{
	struct evbuffer *out = net_conn_output(s->conn);
	const struct imap_msg *msg = &s->view->msgs[index];

	evbuffer_add_printf(out, "* %zu FETCH (UID %u FLAGS ", index + 1, msg->uid);
	imap_write_flags(out, s->view, msg);
	if (s->condstore)
		evbuffer_add_printf(out, " MODSEQ (%llu)", (unsigned long long)msg->modseq);
	evbuffer_add_printf(out, ")\r\n");
}

void imap_view_write_flags(struct imap_session *s)
{
	struct evbuffer *out = net_conn_output(s->conn);

	evbuffer_add_printf(out, "* FLAGS ");
	imap_write_flag_list(out, s->view, false);
	evbuffer_add_printf(out, "\r\n* OK [PERMANENTFLAGS ");
	if (s->view->readonly)
		evbuffer_add_printf(out, "()");
	else
		imap_write_flag_list(out, s->view, true);
	evbuffer_add_printf(out, "] Flags permitted\r\n");
}

/* The untagged responses for what the sync found. */
static void imap_view_tell(struct imap_session *s, struct imap_sync *sync)
{
	struct imap_view *view = s->view;

	if (view->count > sync->known)
		imap_write_untagged(s, "%zu EXISTS", view->count);
	if (view->kwset_count > sync->kwsets && imap_view_keyword_count(view) > sync->keywords)
		imap_view_write_flags(s);
	for (size_t k = 0; k < sync->fetch_count; k++) {
		ssize_t i = imap_view_find_uid(view, sync->fetch_uids[k]);

		if (i >= 0)
			imap_view_write_fetch(s, (size_t)i);
	}
}

int imap_view_sync(struct imap_session *s, unsigned flags, const struct imap_seqset *silent)
{
	struct imap_sync sync = { 0 };
	int ret = 0;

	if (s->view == NULL)
		return 0;
	sync.known = s->view->count;
	sync.kwsets = s->view->kwset_count;
	if (__atomic_exchange_n(&s->changed, false, __ATOMIC_ACQ_REL)) {
		sync.keywords = imap_view_keyword_count(s->view);
		ret = imap_view_pull(s, silent, &sync);
	}
	if (ret == 0 && (flags & IMAP_SYNC_EXPUNGE) != 0 && s->view->vanished_count > 0)
		imap_view_expunge(s, &sync);
	if (ret == 0)
		imap_view_tell(s, &sync);
	free(sync.fetch_uids);
	return ret;
}

/* The error text of a failed load. */
static const char *imap_view_open_error(char *error_type)
{
	const char *text = strcmp(error_type, "invalidArguments") == 0 ?
		"[NONEXISTENT] No such mailbox" : "[SERVERBUG] Cannot open the mailbox";

	free(error_type);
	return text;
}

/* Whether resp, what changed since the cached view s->view, can bring
 * it up to date: the same mailbox incarnation, and modseqs that did not
 * go down. */
static bool imap_view_resp_follows(const struct imap_view *view, json_object *resp)
{
	return (uint32_t)imap_json_u64(resp, "uidValidity") == view->uid_validity &&
		imap_json_u64(resp, "highestModSeq") >= view->highest_modseq;
}

/* Brings the cached copy in s->view up to date. Returns 1 when it is
 * (and caches it if it changed), 0 when a full load is needed, -1 with
 * *error_r when the mailbox cannot be opened. */
static int imap_view_open_cached(struct imap_session *s, const char **error_r)
{
	struct imap_view *view = s->view;
	struct imap_sync sync = { 0 };
	char *error_type;
	json_object *resp = imap_view_fetch(s, view->mailbox_id, view->highest_modseq,
					    &error_type);
	bool changed;

	if (resp == NULL) {
		if (strcmp(error_type, "cannotCalculateChanges") == 0) {
			free(error_type);
			return 0;
		}
		*error_r = imap_view_open_error(error_type);
		return -1;
	}
	if (!imap_view_resp_follows(view, resp)) {
		json_object_put(resp);
		return 0;
	}
	changed = imap_json_u64(resp, "highestModSeq") != view->highest_modseq;
	imap_view_apply(s, resp, false, NULL, &sync);
	free(sync.fetch_uids);
	imap_view_purge(view);
	if (view->count != imap_json_u64(resp, "total")) {
		json_object_put(resp);
		return 0;
	}
	json_object_put(resp);
	if (changed) {
		imap_view_compact_kwsets(view);
		imap_viewcache_put(s->srv, s->account_id, view);
	}
	return 1;
}

/* Loads the whole view into s->view, and caches it. */
static int imap_view_open_full(struct imap_session *s, const char *mailbox_id,
			       const char *name, bool readonly, const char **error_r)
{
	struct imap_sync sync = { 0 };
	char *error_type;
	json_object *resp = imap_view_fetch(s, mailbox_id, 0, &error_type);

	if (resp == NULL) {
		*error_r = imap_view_open_error(error_type);
		return -1;
	}
	s->view = imap_view_new(mailbox_id, name, readonly);
	s->view->uid_validity = (uint32_t)imap_json_u64(resp, "uidValidity");
	imap_view_apply(s, resp, false, NULL, &sync);
	free(sync.fetch_uids);
	json_object_put(resp);
	imap_viewcache_put(s->srv, s->account_id, s->view);
	return 0;
}

int imap_view_open(struct imap_session *s, const char *mailbox_id, const char *name,
		   bool readonly, const char **error_r)
{
	int ret;

	/* what the bus says from now on is not in the load */
	__atomic_store_n(&s->changed, false, __ATOMIC_RELEASE);
	imap_view_free(&s->view);
	s->view = imap_viewcache_get(s->srv, s->account_id, mailbox_id, name, readonly);
	ret = s->view != NULL ? imap_view_open_cached(s, error_r) : 0;
	if (ret > 0)
		return 0;
	imap_view_free(&s->view);
	return ret < 0 ? -1 : imap_view_open_full(s, mailbox_id, name, readonly, error_r);
}
