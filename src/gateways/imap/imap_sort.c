/* SORT and UID SORT (RFC 5256): the search runs first, then one Email/get
 * per batch of matches with only the properties the criteria need, and
 * the gateway sorts by RFC 5256's rules, which JMAP's comparators do not
 * follow (base subjects, addr-mailbox of the first address, Date: in UTC
 * falling back to the internal date, sequence order on ties). Also the
 * base subject of §2.1, which THREAD uses too. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

/* More criteria than sort keys (with REVERSE) make no sense. */
#define SORT_MAX_CRITERIA 16

/* ---- base subject (RFC 5256 §2.1) ---- */

/* Step 1 on decoded text: white space runs become one space, and ASCII
 * letters are uppercased (i;ascii-casemap). */
static char *subject_collapse(const char *subject)
{
	size_t len = strlen(subject), n = 0;
	char *out = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		char c = subject[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c == ' ' && n > 0 && out[n - 1] == ' ')
			continue;
		out[n++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	out[n] = '\0';
	return out;
}

/* subj-blob at i: "[" *BLOBCHAR "]" *WSP; returns its end, or i. */
static size_t subject_blob(const char *s, size_t i, size_t end)
{
	size_t j;

	if (i >= end || s[i] != '[')
		return i;
	for (j = i + 1; j < end && s[j] != ']' && s[j] != '['; j++)
		;
	if (j >= end || s[j] != ']')
		return i;
	for (j++; j < end && s[j] == ' '; j++)
		;
	return j;
}

/* subj-refwd at i: ("re" / ("fw" ["d"])) *WSP [subj-blob] ":". */
static size_t subject_refwd(const char *s, size_t i, size_t end)
{
	size_t j;

	if (end - i >= 3 && strncmp(s + i, "FWD", 3) == 0)
		j = i + 3;
	else if (end - i >= 2 && (strncmp(s + i, "RE", 2) == 0 || strncmp(s + i, "FW", 2) == 0))
		j = i + 2;
	else
		return i;
	while (j < end && s[j] == ' ')
		j++;
	j = subject_blob(s, j, end);
	return j < end && s[j] == ':' ? j + 1 : i;
}

/* Step 2: trailing "(fwd)" and white space. */
static size_t subject_trailers(const char *s, size_t start, size_t end, bool *is_reply)
{
	for (;;) {
		if (end > start && s[end - 1] == ' ') {
			end--;
		} else if (end - start >= 5 && strncmp(s + end - 5, "(FWD)", 5) == 0) {
			end -= 5;
			*is_reply = true;
		} else {
			return end;
		}
	}
}

/* Steps 3 to 5: leaders, then a blob that does not leave it empty. */
static size_t subject_leaders(const char *s, size_t i, size_t end, bool *is_reply)
{
	for (;;) {
		size_t before = i, j, k;

		for (;;) {
			if (i < end && s[i] == ' ') {
				i++;
				continue;
			}
			for (j = i; (k = subject_blob(s, j, end)) != j; j = k)
				;
			if ((k = subject_refwd(s, j, end)) == j)
				break;
			i = k;
			*is_reply = true;
		}
		if ((k = subject_blob(s, i, end)) != i && k < end)
			i = k;
		if (i == before)
			return i;
	}
}

char *imap_base_subject(const char *subject, bool *is_reply_r)
{
	char *s = subject_collapse(subject != NULL ? subject : ""), *base;
	size_t start = 0, end = strlen(s);

	*is_reply_r = false;
	for (;;) {
		end = subject_trailers(s, start, end, is_reply_r);
		start = subject_leaders(s, start, end, is_reply_r);
		/* step 6: "[fwd:" subject "]" */
		if (end - start >= 6 && strncmp(s + start, "[FWD:", 5) == 0 && s[end - 1] == ']') {
			start += 5;
			end--;
			*is_reply_r = true;
			continue;
		}
		break;
	}
	base = xstrndup(s + start, end - start);
	free(s);
	return base;
}

/* ---- sort criteria ---- */

enum sort_key { SORT_ARRIVAL, SORT_CC, SORT_DATE, SORT_FROM, SORT_SIZE, SORT_SUBJECT, SORT_TO };

/* In enum sort_key's order. */
static const struct {
	const char *name;
	enum sort_key key;
	const char *prop;
} sort_keys[] = {
	{ "ARRIVAL", SORT_ARRIVAL, "receivedAt" }, { "CC", SORT_CC, "header:Cc:asGroupedAddresses" },
	{ "DATE", SORT_DATE, "sentAt" }, { "FROM", SORT_FROM, "header:From:asGroupedAddresses" },
	{ "SIZE", SORT_SIZE, "size" }, { "SUBJECT", SORT_SUBJECT, "subject" },
	{ "TO", SORT_TO, "header:To:asGroupedAddresses" },
};

#define SORT_KEY_COUNT (sizeof(sort_keys) / sizeof(sort_keys[0]))

struct sort_criterion {
	enum sort_key key;
	bool reverse;
};

struct sort_program {
	struct sort_criterion crit[SORT_MAX_CRITERIA];
	size_t count;
};

static int sort_key_find(const struct imap_arg *arg, enum sort_key *key_r)
{
	for (size_t i = 0; i < SORT_KEY_COUNT; i++) {
		if (imap_arg_atom_is(arg, sort_keys[i].name)) {
			*key_r = sort_keys[i].key;
			return 0;
		}
	}
	return -1;
}

static int sort_program_parse(const struct imap_arg *list, struct sort_program *prog)
{
	prog->count = 0;
	if (list->type != IMAP_ARG_LIST || list->count == 0)
		return -1;
	for (size_t i = 0; i < list->count; i++) {
		struct sort_criterion *c = &prog->crit[prog->count];

		if (prog->count == SORT_MAX_CRITERIA)
			return -1;
		c->reverse = imap_arg_atom_is(&list->list[i], "REVERSE");
		if (c->reverse && ++i == list->count)
			return -1;
		if (sort_key_find(&list->list[i], &c->key) < 0)
			return -1;
		prog->count++;
	}
	return 0;
}

/* ---- the values compared ---- */

struct sort_item {
	size_t index;		/* in the view: the sequence order of ties */
	time_t arrival, date;
	int64_t size;
	char *text[4];		/* by sort_text_slot(): FROM, TO, CC mailbox, base subject */
};

static int sort_text_slot(enum sort_key key)
{
	return key == SORT_FROM ? 0 : key == SORT_TO ? 1 : key == SORT_CC ? 2 : 3;
}

static json_object *sort_first(json_object *array)
{
	return json_object_is_type(array, json_type_array) && json_object_array_length(array) > 0 ?
	       json_object_array_get_idx(array, 0) : NULL;
}

/* The addr-mailbox of the first address of the field's ENVELOPE list,
 * uppercased, from its EmailAddressGroup[]: a group comes first as its
 * name (ENVELOPE's group start), an address as its local part. */
static char *sort_mailbox(json_object *groups)
{
	json_object *group = sort_first(groups);
	const char *name = json_object_get_string(json_object_object_get(group, "name"));
	const char *email = json_object_get_string(json_object_object_get(
		sort_first(json_object_object_get(group, "addresses")), "email"));
	const char *at;
	char *out;

	if (name != NULL)
		out = xstrdup(name);
	else if (email != NULL && (at = strrchr(email, '@')) != NULL)
		out = xstrndup(email, (size_t)(at - email));
	else
		out = xstrdup(email != NULL ? email : "");
	for (char *c = out; *c != '\0'; c++) {
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	}
	return out;
}

static void sort_item_fill(struct sort_item *item, json_object *email,
			   const struct sort_program *prog)
{
	bool reply;

	item->arrival = imap_msgcmd_utc_date(email, "receivedAt");
	if (!imap_msgcmd_date(json_object_get_string(json_object_object_get(email, "sentAt")),
			      &item->date))
		item->date = item->arrival;
	item->size = json_object_get_int64(json_object_object_get(email, "size"));
	for (size_t i = 0; i < prog->count; i++) {
		enum sort_key key = prog->crit[i].key;
		int slot = sort_text_slot(key);

		if (item->text[slot] != NULL || key == SORT_ARRIVAL || key == SORT_DATE ||
		    key == SORT_SIZE)
			continue;
		if (key == SORT_SUBJECT)
			item->text[slot] = imap_base_subject(json_object_get_string(
				json_object_object_get(email, "subject")), &reply);
		else
			item->text[slot] = sort_mailbox(json_object_object_get(email,
									sort_keys[key].prop));
	}
}

static json_object *sort_properties(const struct sort_program *prog)
{
	json_object *props = json_object_new_array();

	bool asked[SORT_KEY_COUNT] = { false };

	/* DATE falls back to the internal date */
	json_object_array_add(props, json_object_new_string("receivedAt"));
	asked[SORT_ARRIVAL] = true;
	for (size_t i = 0; i < prog->count; i++) {
		enum sort_key key = prog->crit[i].key;

		if (!asked[key])
			json_object_array_add(props, json_object_new_string(sort_keys[key].prop));
		asked[key] = true;
	}
	return props;
}

/* Fills items[0..count) from Email/get, a batch at a time. */
static int sort_items_load(struct imap_session *s, const struct sort_program *prog,
			   struct sort_item *items, size_t count, char **error_type_r)
{
	size_t batch[IMAP_JMAP_BATCH];

	for (size_t start = 0; start < count; start += IMAP_JMAP_BATCH) {
		size_t n = count - start < IMAP_JMAP_BATCH ? count - start : IMAP_JMAP_BATCH;
		json_object *map;

		for (size_t i = 0; i < n; i++)
			batch[i] = items[start + i].index;
		map = imap_msgcmd_get(s, imap_msgcmd_ids(s->view, batch, n), sort_properties(prog),
				      error_type_r);
		if (map == NULL)
			return -1;
		for (size_t i = 0; i < n; i++) {
			const char *id = imap_view_email_id(s->view, &s->view->msgs[batch[i]]);

			sort_item_fill(&items[start + i], json_object_object_get(map, id), prog);
		}
		json_object_put(map);
	}
	return 0;
}

/* ---- sorting ---- */

static int sort_cmp_key(const struct sort_item *a, const struct sort_item *b, enum sort_key key)
{
	int slot = sort_text_slot(key);

	switch (key) {
	case SORT_ARRIVAL:
		return (a->arrival > b->arrival) - (a->arrival < b->arrival);
	case SORT_DATE:
		return (a->date > b->date) - (a->date < b->date);
	case SORT_SIZE:
		return (a->size > b->size) - (a->size < b->size);
	default:
		return strcmp(a->text[slot] != NULL ? a->text[slot] : "",
			      b->text[slot] != NULL ? b->text[slot] : "");
	}
}

static int sort_cmp(const void *pa, const void *pb, void *context)
{
	const struct sort_program *prog = context;
	const struct sort_item *a = pa, *b = pb;

	for (size_t i = 0; i < prog->count; i++) {
		int cmp = sort_cmp_key(a, b, prog->crit[i].key);

		if (cmp != 0)
			return prog->crit[i].reverse ? -cmp : cmp;
	}
	return (a->index > b->index) - (a->index < b->index);
}

static void sort_write(struct imap_session *s, const struct sort_item *items, size_t count,
		       bool uid)
{
	struct evbuffer *out = net_conn_output(s->conn);

	evbuffer_add_printf(out, "* SORT");
	for (size_t i = 0; i < count; i++)
		evbuffer_add_printf(out, " %u", uid ? s->view->msgs[items[i].index].uid :
				    (uint32_t)(items[i].index + 1));
	evbuffer_add(out, "\r\n", 2);
}

static void sort_items_free(struct sort_item *items, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		for (size_t t = 0; t < 4; t++)
			free(items[i].text[t]);
	}
	free(items);
}

static void sort_run(struct imap_session *s, struct imap_cmd *cmd,
		     const struct sort_program *prog, const struct imap_search *search)
{
	struct sort_item *items;
	size_t *indexes, count;
	char *error_type;
	bool uid = cmd->uid;

	if (imap_search_run(s, search, &indexes, &count, &error_type) < 0) {
		imap_msgcmd_fail(s, "SORT", error_type);
		return;
	}
	items = xcalloc(count > 0 ? count : 1, sizeof(*items));
	for (size_t i = 0; i < count; i++)
		items[i].index = indexes[i];
	free(indexes);
	if (sort_items_load(s, prog, items, count, &error_type) < 0) {
		sort_items_free(items, count);
		imap_msgcmd_fail(s, "SORT", error_type);
		return;
	}
	qsort_r(items, count, sizeof(*items), sort_cmp, (void *)prog);
	sort_write(s, items, count, uid);
	sort_items_free(items, count);
	imap_cmd_done(s, "OK", "Sort completed");
}

void imap_cmd_sort(struct imap_session *s, struct imap_cmd *cmd)
{
	struct sort_program prog;
	struct imap_search *search;

	if (cmd->count < 3 || sort_program_parse(&cmd->args[0], &prog) < 0) {
		imap_cmd_bad(s, "Invalid sort criteria");
		return;
	}
	if ((search = imap_search_parse_cmd(s, cmd->args + 1, cmd->count - 1, true)) == NULL)
		return;
	sort_run(s, cmd, &prog, search);
	imap_search_free(&search);
}
