/* SELECT and EXAMINE (with CONDSTORE, and QRESYNC's quick resync of
 * RFC 7162 §3.2.5), UNSELECT and CLOSE. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* SELECT's QRESYNC parameter: what the client remembers. */
struct imap_qresync {
	bool on;
	uint32_t uid_validity;
	uint64_t modseq;
	struct imap_seqset known;	/* known-uids; empty: every UID */
};

static int imap_number_parse(const struct imap_arg *arg, uint64_t max, uint64_t *n_r)
{
	char *end;

	if (arg->type != IMAP_ARG_ATOM || arg->str[0] < '0' || arg->str[0] > '9')
		return -1;
	*n_r = strtoull(arg->str, &end, 10);
	return *end == '\0' && *n_r > 0 && *n_r <= max ? 0 : -1;
}

/* (uidvalidity modseq [known-uids [(seq-match-data)]]) */
static int imap_qresync_parse(const struct imap_arg *arg, struct imap_qresync *q)
{
	uint64_t n;

	if (arg->type != IMAP_ARG_LIST || arg->count < 2 || arg->count > 4 ||
	    imap_number_parse(&arg->list[0], UINT32_MAX, &n) < 0 ||
	    imap_number_parse(&arg->list[1], INT64_MAX, &q->modseq) < 0)
		return -1;
	q->uid_validity = (uint32_t)n;
	if (arg->count >= 3 && (arg->list[2].type != IMAP_ARG_ATOM ||
				imap_seqset_parse(arg->list[2].str, UINT32_MAX, &q->known) < 0))
		return -1;
	/* seq-match-data only narrows known-uids: the whole set is fine */
	if (arg->count == 4 && (arg->list[3].type != IMAP_ARG_LIST || arg->list[3].count != 2))
		return -1;
	q->on = true;
	return 0;
}

static const char *imap_select_params(struct imap_session *s, const struct imap_arg *params,
				      bool *condstore_r, struct imap_qresync *q)
{
	if (params->type != IMAP_ARG_LIST)
		return "SELECT parameters must be a list";
	for (size_t i = 0; i < params->count; i++) {
		if (imap_arg_atom_is(&params->list[i], "CONDSTORE")) {
			*condstore_r = true;
		} else if (imap_arg_atom_is(&params->list[i], "QRESYNC") && i + 1 < params->count &&
			   !q->on) {
			if (!s->qresync)
				return "ENABLE QRESYNC first";
			if (imap_qresync_parse(&params->list[++i], q) < 0)
				return "Bad QRESYNC parameter";
		} else {
			return "Unknown SELECT parameter";
		}
	}
	return NULL;
}

/* The complement of the view within the set (or 1:uidnext-1): what
 * vanished when the changes cannot be told apart. */
static void imap_qresync_write_gone(struct evbuffer *out, const struct imap_view *view,
				    const struct imap_seqset *known)
{
	struct imap_range all = { 1, view->uid_next - 1 };
	const struct imap_range *ranges = known->count > 0 ? known->ranges : &all;
	size_t count = known->count > 0 ? known->count : view->uid_next > 1, m = 0;
	const char *sep = "";

	for (size_t r = 0; r < count; r++) {
		uint64_t from = ranges[r].lo;

		while (from <= ranges[r].hi) {
			uint64_t to = ranges[r].hi;

			while (m < view->count && view->msgs[m].uid < from)
				m++;
			if (m < view->count && view->msgs[m].uid <= to)
				to = view->msgs[m].uid - 1;
			if (to >= from) {
				evbuffer_add_printf(out, "%s%" PRIu64, sep, from);
				if (to > from)
					evbuffer_add_printf(out, ":%" PRIu64, to);
				sep = ",";
			}
			from = m < view->count && view->msgs[m].uid <= ranges[r].hi ?
				(uint64_t)view->msgs[m].uid + 1 : (uint64_t)ranges[r].hi + 1;
		}
	}
}

/* VANISHED (EARLIER) and FETCH for what changed since q->modseq. */
static void imap_qresync_changes(struct imap_session *s, json_object *resp,
				 const struct imap_qresync *q)
{
	struct evbuffer *out = net_conn_output(s->conn);
	json_object *vanished = NULL, *messages = NULL;
	uint32_t *uids;
	size_t n = 0;

	json_object_object_get_ex(resp, "vanished", &vanished);
	json_object_object_get_ex(resp, "messages", &messages);
	uids = xmalloc((imap_json_array_len(vanished) + 1) * sizeof(*uids));
	for (size_t i = 0; i < imap_json_array_len(vanished); i++) {
		uint32_t uid = (uint32_t)json_object_get_int64(json_object_array_get_idx(vanished, i));

		if (q->known.count == 0 || imap_seqset_contains(&q->known, uid))
			uids[n++] = uid;
	}
	if (n > 0) {
		evbuffer_add_printf(out, "* VANISHED (EARLIER) ");
		imap_write_uid_set(out, uids, n);
		evbuffer_add_printf(out, "\r\n");
	}
	free(uids);
	for (size_t i = 0; i < imap_json_array_len(messages); i++) {
		ssize_t k = imap_view_find_uid(s->view, imap_view_entry_uid(
			json_object_array_get_idx(messages, i)));

		if (k >= 0)
			imap_view_write_fetch(s, (size_t)k);
	}
}

static void imap_qresync_run(struct imap_session *s, const struct imap_qresync *q)
{
	struct evbuffer *out = net_conn_output(s->conn), *gone;
	json_object *args, *resp;
	char *error_type;

	if (q->uid_validity != s->view->uid_validity)
		return;
	args = json_object_new_object();
	json_object_object_add(args, "mailboxId", json_object_new_string(s->view->mailbox_id));
	json_object_object_add(args, "sinceModSeq", json_object_new_int64((int64_t)q->modseq));
	resp = imap_jmap_call(s, "Email/imapView", args, &error_type);
	if (resp != NULL) {
		imap_qresync_changes(s, resp, q);
		json_object_put(resp);
		return;
	}
	/* too old to tell: what is gone, and every flag */
	free(error_type);
	gone = evbuffer_new();
	imap_qresync_write_gone(gone, s->view, &q->known);
	if (evbuffer_get_length(gone) > 0) {
		evbuffer_add_printf(out, "* VANISHED (EARLIER) ");
		evbuffer_add_buffer(out, gone);
		evbuffer_add_printf(out, "\r\n");
	}
	evbuffer_free(gone);
	for (size_t i = 0; i < s->view->count; i++)
		imap_view_write_fetch(s, i);
}

static void imap_select_untagged(struct imap_session *s)
{
	const struct imap_view *view = s->view;
	struct evbuffer *out = net_conn_output(s->conn);

	imap_view_write_flags(s);
	imap_write_untagged(s, "%zu EXISTS", view->count);
	if (!s->rev2)
		imap_write_untagged(s, "0 RECENT");
	imap_write_untagged(s, "OK [UIDVALIDITY %u] UIDs valid", view->uid_validity);
	imap_write_untagged(s, "OK [UIDNEXT %u] Predicted next UID", view->uid_next);
	imap_write_untagged(s, "OK [HIGHESTMODSEQ %llu] Highest",
			    (unsigned long long)view->highest_modseq);
	for (size_t i = 0; !s->rev2 && i < view->count; i++) {
		if ((view->msgs[i].flags & IMAP_FLAG_SEEN) == 0) {
			imap_write_untagged(s, "OK [UNSEEN %zu] First unseen", i + 1);
			break;
		}
	}
	if (s->rev2) {
		evbuffer_add_printf(out, "* LIST () \"/\" ");
		imap_write_mailbox_name(s, out, view->name);
		evbuffer_add_printf(out, "\r\n");
	}
}

/* The mailbox named by arg: *id_r and its canonical *name_r; NULL or
 * the text of a NO. */
static const char *imap_select_find(struct imap_session *s, const struct imap_arg *arg,
				    char **id_r, char **name_r)
{
	const char *text = imap_arg_astring(arg);
	char *name = text != NULL ? imap_mailbox_name_decode(s, text) : NULL;
	const struct imap_mailbox *mb;
	struct imap_mailboxes list;
	char *error_type;

	if (name == NULL)
		return "[CANNOT] Invalid mailbox name";
	if (imap_mailboxes_load(s, &list, &error_type) < 0) {
		free(error_type);
		free(name);
		return "[SERVERBUG] Cannot read the mailboxes";
	}
	mb = imap_mailboxes_find(&list, name);
	free(name);
	*id_r = mb != NULL ? xstrdup(mb->id) : NULL;
	*name_r = mb != NULL ? xstrdup(mb->name) : NULL;
	imap_mailboxes_free(&list);
	return mb != NULL ? NULL : "[NONEXISTENT] No such mailbox";
}

static void imap_select_open(struct imap_session *s, const struct imap_arg *mailbox,
			     bool readonly, const struct imap_qresync *q)
{
	const char *problem;
	char *id = NULL, *name = NULL;

	if (s->view != NULL) {
		imap_session_unselect(s);
		imap_write_untagged(s, "OK [CLOSED] Previous mailbox closed");
	}
	problem = imap_select_find(s, mailbox, &id, &name);
	if (problem == NULL && imap_view_open(s, id, name, readonly, &problem) == 0) {
		imap_session_set_state(s, IMAP_STATE_SELECTED);
		imap_select_untagged(s);
		if (q->on)
			imap_qresync_run(s, q);
	}
	free(id);
	free(name);
	if (problem != NULL)
		imap_cmd_done(s, "NO", "%s", problem);
	else
		imap_cmd_done(s, "OK", "[%s] %s completed", readonly ? "READ-ONLY" : "READ-WRITE",
			      readonly ? "EXAMINE" : "SELECT");
}

static void imap_select(struct imap_session *s, struct imap_cmd *cmd, bool readonly)
{
	struct imap_qresync q = { 0 };
	bool condstore = false;
	const char *problem = NULL;

	if (cmd->count < 1 || cmd->count > 2 || imap_arg_astring(&cmd->args[0]) == NULL)
		problem = "A mailbox name is needed";
	else if (cmd->count == 2)
		problem = imap_select_params(s, &cmd->args[1], &condstore, &q);
	if (problem != NULL) {
		imap_seqset_free(&q.known);
		imap_cmd_bad(s, "%s", problem);
		return;
	}
	if (condstore || q.on)
		s->condstore = true;
	imap_select_open(s, &cmd->args[0], readonly, &q);
	imap_seqset_free(&q.known);
}

void imap_cmd_select(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_select(s, cmd, false);
}

void imap_cmd_examine(struct imap_session *s, struct imap_cmd *cmd)
{
	imap_select(s, cmd, true);
}

void imap_cmd_unselect(struct imap_session *s, struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(s, "UNSELECT takes no arguments");
		return;
	}
	imap_session_unselect(s);
	imap_cmd_done(s, "OK", "UNSELECT completed");
}

void imap_cmd_close(struct imap_session *s, struct imap_cmd *cmd)
{
	const char *error;

	if (cmd->count != 0) {
		imap_cmd_bad(s, "CLOSE takes no arguments");
		return;
	}
	/* RFC 9051 §6.4.1: the \Deleted messages go, without EXPUNGE responses */
	if (!s->view->readonly && imap_expunge_deleted(s, NULL, true, &error) < 0)
		log_warn("imap.close.expunge", "user=%s mailbox=%s error=%s", log_q(s->user.name),
			 s->view->mailbox_id, log_q(error));
	imap_session_unselect(s);
	imap_cmd_done(s, "OK", "CLOSE completed");
}
