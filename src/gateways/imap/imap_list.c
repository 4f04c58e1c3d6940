/* LIST with LIST-EXTENDED (RFC 5258: selection options SUBSCRIBED,
 * REMOTE, RECURSIVEMATCH, SPECIAL-USE; return options SUBSCRIBED,
 * CHILDREN, SPECIAL-USE, STATUS of LIST-STATUS), several patterns, and
 * the old LSUB. Attributes: \HasChildren or \HasNoChildren always, the
 * special-use attribute of a JMAP role always (RFC 6154 allows it),
 * \Subscribed when asked. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

/* Matching costs pattern length times name length: bound the first,
 * all patterns of a command together. */
#define IMAP_PATTERN_MAX 1024
#define IMAP_PATTERNS_MAX 32

struct imap_list_req {
	bool sel_subscribed, sel_special, sel_recursive;
	bool ret_subscribed, ret_children, ret_special, ret_status;
	struct imap_status_items status;
	char *patterns[IMAP_PATTERNS_MAX];	/* UTF-8, reference included */
	size_t pattern_count;
	size_t pattern_bytes;
	bool lsub;
};

/* The account's mailboxes and which of them some pattern matches. */
struct imap_list_run {
	struct imap_mailboxes list;
	bool *matched;
	json_object *status;	/* LIST-STATUS: loaded status, or NULL */
};

static bool imap_list_char_eq(char p, char c, bool fold)
{
	return p == c || (fold && (p | 0x20) == (c | 0x20) && (c | 0x20) >= 'a' &&
			  (c | 0x20) <= 'z');
}

/* "*" matches anything, "%" anything but the delimiter. The "INBOX" of
 * a name matches in any case. Dynamic programming over the pattern, one
 * row per octet of the name. */
static bool imap_list_match(const char *pattern, const char *name)
{
	size_t m = strlen(pattern);
	bool *row = xcalloc(m + 1, sizeof(*row)), *next = xcalloc(m + 1, sizeof(*next)), *t;
	size_t fold = strncmp(name, "INBOX", 5) == 0 && (name[5] == '\0' || name[5] == '/') ? 5 : 0;
	bool result;

	row[0] = true;
	for (size_t j = 1; j <= m; j++)
		row[j] = row[j - 1] && (pattern[j - 1] == '*' || pattern[j - 1] == '%');
	for (size_t i = 0; name[i] != '\0'; i++) {
		next[0] = false;
		for (size_t j = 1; j <= m; j++) {
			char p = pattern[j - 1];

			if (p == '*')
				next[j] = next[j - 1] || row[j];
			else if (p == '%')
				next[j] = next[j - 1] || (row[j] && name[i] != '/');
			else
				next[j] = row[j - 1] && imap_list_char_eq(p, name[i], i < fold);
		}
		t = row, row = next, next = t;
	}
	result = row[m];
	free(row);
	free(next);
	return result;
}

static bool imap_list_matches(const struct imap_list_req *req, const char *name)
{
	for (size_t i = 0; i < req->pattern_count; i++) {
		if (imap_list_match(req->patterns[i], name))
			return true;
	}
	return false;
}

/* mb passes the selection options. */
static bool imap_list_selected(const struct imap_list_req *req, const struct imap_mailbox *mb)
{
	return (!req->sel_subscribed || mb->subscribed) &&
		(!req->sel_special || imap_role_attribute(mb->role) != NULL);
}

/* A descendant of mb passes the selection but no pattern (so it is not
 * listed itself: RFC 5258 §3.5 CHILDINFO, RFC 3501 LSUB \Noselect). */
static bool imap_list_hidden_child(const struct imap_list_req *req,
				   const struct imap_list_run *run, const struct imap_mailbox *mb)
{
	size_t len = strlen(mb->name);

	for (size_t i = 0; i < run->list.count; i++) {
		const struct imap_mailbox *c = &run->list.items[i];

		if (!run->matched[i] && strncmp(c->name, mb->name, len) == 0 &&
		    c->name[len] == '/' && imap_list_selected(req, c))
			return true;
	}
	return false;
}

static void imap_list_attrs(struct evbuffer *out, const struct imap_list_req *req,
			    const struct imap_mailbox *mb)
{
	const char *special = imap_role_attribute(mb->role);

	if (req->lsub) {
		evbuffer_add_printf(out, "%s", mb->subscribed ? "" : "\\Noselect");
		return;
	}
	evbuffer_add_printf(out, "%s", mb->has_children ? "\\HasChildren" : "\\HasNoChildren");
	if (special != NULL)
		evbuffer_add_printf(out, " %s", special);
	if ((req->ret_subscribed || req->sel_subscribed) && mb->subscribed)
		evbuffer_add_printf(out, " \\Subscribed");
}

static void imap_list_write(struct imap_session *s, const struct imap_list_req *req,
			    const struct imap_mailbox *mb, bool childinfo)
{
	struct evbuffer *out = net_conn_output(s->conn);

	evbuffer_add_printf(out, "* %s (", req->lsub ? "LSUB" : "LIST");
	imap_list_attrs(out, req, mb);
	evbuffer_add_printf(out, ") \"/\" ");
	imap_write_mailbox_name(s, out, mb->name);
	if (childinfo)
		evbuffer_add_printf(out, " (\"CHILDINFO\" (%s))",
				    req->sel_subscribed ? "\"SUBSCRIBED\"" : "\"SPECIAL-USE\"");
	evbuffer_add_printf(out, "\r\n");
}

/* Lists mailbox i if it is to be. Returns 0, or -1 with *error_type_r. */
static int imap_list_one(struct imap_session *s, const struct imap_list_req *req,
			 const struct imap_list_run *run, size_t i, char **error_type_r)
{
	const struct imap_mailbox *mb = &run->list.items[i];
	bool childinfo = false;

	if (!run->matched[i])
		return 0;
	if (!imap_list_selected(req, mb)) {
		if (!(req->sel_recursive || req->lsub) || !imap_list_hidden_child(req, run, mb))
			return 0;
		childinfo = !req->lsub;
	}
	imap_list_write(s, req, mb, childinfo);
	if (run->status != NULL &&
	    imap_status_write(s, mb, run->status, &req->status, error_type_r) < 0)
		return -1;
	return 0;
}

static void imap_list_run(struct imap_session *s, const struct imap_list_req *req)
{
	struct imap_list_run run = { 0 };
	char *error_type = NULL;
	int ret = 0;

	if (imap_mailboxes_load(s, &run.list, &error_type) < 0) {
		imap_cmd_fail(s, req->lsub ? "LSUB" : "LIST", error_type);
		return;
	}
	run.matched = xcalloc(run.list.count + 1, sizeof(*run.matched));
	for (size_t i = 0; i < run.list.count; i++)
		run.matched[i] = imap_list_matches(req, run.list.items[i].name);
	if (req->ret_status) {
		imap_status_condstore(s, &req->status);
		run.status = imap_status_load(s, NULL, &req->status, &error_type);
		ret = run.status != NULL ? 0 : -1;
	}
	for (size_t i = 0; ret == 0 && i < run.list.count; i++)
		ret = imap_list_one(s, req, &run, i, &error_type);
	json_object_put(run.status);
	free(run.matched);
	imap_mailboxes_free(&run.list);
	if (ret < 0)
		imap_cmd_fail(s, req->lsub ? "LSUB" : "LIST", error_type);
	else
		imap_cmd_done(s, "OK", "%s completed", req->lsub ? "LSUB" : "LIST");
}

static int imap_list_selection(struct imap_list_req *req, const struct imap_arg *opts)
{
	for (size_t i = 0; i < opts->count; i++) {
		const struct imap_arg *o = &opts->list[i];

		if (imap_arg_atom_is(o, "SUBSCRIBED"))
			req->sel_subscribed = true;
		else if (imap_arg_atom_is(o, "SPECIAL-USE"))
			req->sel_special = true;
		else if (imap_arg_atom_is(o, "RECURSIVEMATCH"))
			req->sel_recursive = true;
		else if (!imap_arg_atom_is(o, "REMOTE"))
			return -1;
	}
	/* RFC 5258 §3: RECURSIVEMATCH needs another selection option */
	return req->sel_recursive && !req->sel_subscribed && !req->sel_special ? -1 : 0;
}

static int imap_list_return(struct imap_list_req *req, const struct imap_arg *opts)
{
	for (size_t i = 0; i < opts->count; i++) {
		const struct imap_arg *o = &opts->list[i];

		if (imap_arg_atom_is(o, "SUBSCRIBED")) {
			req->ret_subscribed = true;
		} else if (imap_arg_atom_is(o, "CHILDREN")) {
			req->ret_children = true;
		} else if (imap_arg_atom_is(o, "SPECIAL-USE")) {
			req->ret_special = true;
		} else if (imap_arg_atom_is(o, "STATUS") && i + 1 < opts->count && !req->ret_status) {
			if (imap_status_items_parse(&opts->list[++i], &req->status) < 0)
				return -1;
			req->ret_status = true;
		} else {
			return -1;
		}
	}
	return 0;
}

/* reference + pattern, decoded. */
static int imap_list_add_pattern(struct imap_session *s, struct imap_list_req *req,
				 const char *ref, const struct imap_arg *pattern)
{
	const char *text = imap_arg_astring(pattern);
	char *joined, *utf8;

	if (text == NULL || req->pattern_count == IMAP_PATTERNS_MAX ||
	    strlen(text) != pattern->len)
		return -1;
	req->pattern_bytes += strlen(ref) + pattern->len;
	if (req->pattern_bytes > IMAP_PATTERN_MAX)
		return -1;
	joined = xasprintf("%s%s", ref, text);
	utf8 = imap_mailbox_name_decode(s, joined);
	free(joined);
	if (utf8 == NULL)
		return -1;
	req->patterns[req->pattern_count++] = utf8;
	return 0;
}

static int imap_list_patterns(struct imap_session *s, struct imap_list_req *req,
			      const struct imap_arg *ref, const struct imap_arg *patterns)
{
	const char *ref_text = imap_arg_astring(ref);

	if (ref_text == NULL)
		return -1;
	if (patterns->type != IMAP_ARG_LIST)
		return imap_list_add_pattern(s, req, ref_text, patterns);
	if (patterns->count == 0)
		return -1;
	for (size_t i = 0; i < patterns->count; i++) {
		if (imap_list_add_pattern(s, req, ref_text, &patterns->list[i]) < 0)
			return -1;
	}
	return 0;
}

/* [(selection)] reference pattern(s) [RETURN (options)] */
static int imap_list_parse(struct imap_session *s, const struct imap_cmd *cmd,
			   struct imap_list_req *req)
{
	size_t i = 0;

	if (cmd->count > 0 && cmd->args[0].type == IMAP_ARG_LIST &&
	    imap_list_selection(req, &cmd->args[i++]) < 0)
		return -1;
	if (i + 2 > cmd->count || imap_list_patterns(s, req, &cmd->args[i], &cmd->args[i + 1]) < 0)
		return -1;
	i += 2;
	if (i < cmd->count) {
		if (i + 2 != cmd->count || !imap_arg_atom_is(&cmd->args[i], "RETURN") ||
		    cmd->args[i + 1].type != IMAP_ARG_LIST ||
		    imap_list_return(req, &cmd->args[i + 1]) < 0)
			return -1;
	}
	return 0;
}

static void imap_list_req_free(struct imap_list_req *req)
{
	for (size_t i = 0; i < req->pattern_count; i++)
		free(req->patterns[i]);
}

void imap_cmd_list(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_list_req req = { 0 };

	if (imap_list_parse(s, cmd, &req) < 0) {
		imap_list_req_free(&req);
		imap_cmd_bad(s, "LIST needs a reference, patterns and known options");
		return;
	}
	if (req.pattern_count == 1 && req.patterns[0][0] == '\0' && !req.sel_subscribed &&
	    !req.sel_special) {
		/* the hierarchy delimiter and root (RFC 9051 §6.3.9) */
		imap_write_untagged(s, "LIST (\\Noselect) \"/\" \"\"");
		imap_cmd_done(s, "OK", "LIST completed");
	} else {
		imap_list_run(s, &req);
	}
	imap_list_req_free(&req);
}

void imap_cmd_lsub(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_list_req req = { .lsub = true, .sel_subscribed = true };

	if (cmd->count != 2 || cmd->args[1].type == IMAP_ARG_LIST ||
	    imap_list_patterns(s, &req, &cmd->args[0], &cmd->args[1]) < 0) {
		imap_list_req_free(&req);
		imap_cmd_bad(s, "LSUB needs a reference and a pattern");
		return;
	}
	imap_list_run(s, &req);
	imap_list_req_free(&req);
}
