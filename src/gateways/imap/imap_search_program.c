/* Parsing the search keys of SEARCH, SORT and THREAD (RFC 9051 §6.4.4,
 * RFC 7162 §3.1.5) into a tree (imap_search.h), checked whole before
 * anything runs. Keys about message content (text, dates, sizes, header
 * fields) become JMAP FilterConditions; flag, keyword, number and MODSEQ
 * keys stay for the view. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_search.h"

/* Bounds on a search program: nesting of lists, NOT and OR, and keys
 * (ANDed content keys become one Email/query filter, which takes 1024). */
#define SEARCH_MAX_DEPTH 64
#define SEARCH_MAX_NODES 1000
/* Email/query's own bounds (text length, header name length). */
#define SEARCH_MAX_TEXT 4096
#define SEARCH_MAX_HEADER_NAME 256
/* I-JSON integers, as JMAP takes them. */
#define SEARCH_INT_MAX ((1ULL << 53) - 1)

struct search_parser {
	struct imap_search *search;
	const struct imap_arg *args;
	size_t count, pos;
	unsigned depth;
	bool bad;		/* false: a charset problem (NO) */
	const char *error;
};

enum search_key {
	KEY_ALL, KEY_NONE, KEY_FLAG, KEY_UNFLAG, KEY_KEYWORD, KEY_UNKEYWORD,
	KEY_TEXT, KEY_HEADER, KEY_BEFORE, KEY_ON, KEY_SINCE,
	KEY_SENTBEFORE, KEY_SENTON, KEY_SENTSINCE, KEY_LARGER, KEY_SMALLER,
	KEY_UID, KEY_NOT, KEY_OR, KEY_MODSEQ,
};

static const struct search_key_def {
	const char *name;
	enum search_key key;
	const char *what;	/* keyword of a flag key, JMAP property of a text key */
} search_keys[] = {
	{ "ALL", KEY_ALL, NULL }, { "OLD", KEY_ALL, NULL },
	{ "NEW", KEY_NONE, NULL }, { "RECENT", KEY_NONE, NULL },
	{ "ANSWERED", KEY_FLAG, "$answered" }, { "DELETED", KEY_FLAG, "$deleted" },
	{ "DRAFT", KEY_FLAG, "$draft" }, { "FLAGGED", KEY_FLAG, "$flagged" },
	{ "SEEN", KEY_FLAG, "$seen" },
	{ "UNANSWERED", KEY_UNFLAG, "$answered" }, { "UNDELETED", KEY_UNFLAG, "$deleted" },
	{ "UNDRAFT", KEY_UNFLAG, "$draft" }, { "UNFLAGGED", KEY_UNFLAG, "$flagged" },
	{ "UNSEEN", KEY_UNFLAG, "$seen" },
	{ "KEYWORD", KEY_KEYWORD, NULL }, { "UNKEYWORD", KEY_UNKEYWORD, NULL },
	{ "BCC", KEY_TEXT, "bcc" }, { "BODY", KEY_TEXT, "body" }, { "CC", KEY_TEXT, "cc" },
	{ "FROM", KEY_TEXT, "from" }, { "SUBJECT", KEY_TEXT, "subject" },
	{ "TEXT", KEY_TEXT, "text" }, { "TO", KEY_TEXT, "to" },
	{ "HEADER", KEY_HEADER, NULL },
	{ "BEFORE", KEY_BEFORE, NULL }, { "ON", KEY_ON, NULL }, { "SINCE", KEY_SINCE, NULL },
	{ "SENTBEFORE", KEY_SENTBEFORE, NULL }, { "SENTON", KEY_SENTON, NULL },
	{ "SENTSINCE", KEY_SENTSINCE, NULL },
	{ "LARGER", KEY_LARGER, NULL }, { "SMALLER", KEY_SMALLER, NULL },
	{ "UID", KEY_UID, NULL }, { "NOT", KEY_NOT, NULL }, { "OR", KEY_OR, NULL },
	{ "MODSEQ", KEY_MODSEQ, NULL },
};

/* ---- nodes ---- */

void imap_search_node_free(struct search_node *node)
{
	if (node == NULL)
		return;
	for (size_t i = 0; i < node->count; i++)
		imap_search_node_free(node->children[i]);
	free(node->children);
	free(node->text);
	json_object_put(node->cond);
	free(node);
}

static struct search_node *search_node_new(struct search_parser *p, enum search_node_kind kind)
{
	struct search_node *node = xcalloc(1, sizeof(*node));

	node->kind = kind;
	p->search->nodes++;
	return node;
}

static void search_node_add(struct search_node *parent, struct search_node *child)
{
	parent->children = xrealloc(parent->children,
				    (parent->count + 1) * sizeof(*parent->children));
	parent->children[parent->count++] = child;
}

static struct search_node *search_node_jmap(struct search_parser *p, const char *prop,
					    json_object *value)
{
	struct search_node *node = search_node_new(p, NODE_JMAP);

	node->cond = json_object_new_object();
	json_object_object_add(node->cond, prop, value);
	return node;
}

static int search_fail(struct search_parser *p, bool bad, const char *error)
{
	p->bad = bad;
	p->error = error;
	return -1;
}

/* ---- arguments ---- */

/* The next argument as a string (atom, quoted or literal). */
static const char *search_next_string(struct search_parser *p)
{
	const char *text;

	if (p->pos >= p->count || (text = imap_arg_astring(&p->args[p->pos])) == NULL) {
		search_fail(p, true, "Missing search argument");
		return NULL;
	}
	p->pos++;
	return text;
}

static bool search_utf8_valid(const unsigned char *s)
{
	while (*s != '\0') {
		size_t n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 :
			   (*s & 0xf8) == 0xf0 ? 3 : 4;

		if (n == 4 || (n == 1 && *s < 0xc2))
			return false;
		for (s++; n > 0; n--, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
		}
	}
	return true;
}

/* A text argument: UTF-8 (US-ASCII is a subset), within JMAP's bound. */
static const char *search_next_text(struct search_parser *p)
{
	const char *text = search_next_string(p);

	if (text == NULL)
		return NULL;
	if (strlen(text) != p->args[p->pos - 1].len && p->args[p->pos - 1].type == IMAP_ARG_LITERAL) {
		search_fail(p, true, "NUL in a search string");
		return NULL;
	}
	if (strlen(text) > SEARCH_MAX_TEXT) {
		search_fail(p, true, "Search string too long");
		return NULL;
	}
	if (!search_utf8_valid((const unsigned char *)text)) {
		search_fail(p, false, "[BADCHARSET (UTF-8 US-ASCII)] Search string is not UTF-8");
		return NULL;
	}
	return text;
}

static int search_next_number(struct search_parser *p, uint64_t max, uint64_t *n_r)
{
	const char *text = search_next_string(p);
	uint64_t n = 0;

	if (text == NULL)
		return -1;
	if (*text == '\0' || strlen(text) > 20)
		return search_fail(p, true, "Invalid number");
	for (const char *c = text; *c != '\0'; c++) {
		if (*c < '0' || *c > '9' || n > (max - (uint64_t)(*c - '0')) / 10)
			return search_fail(p, true, "Invalid number");
		n = n * 10 + (uint64_t)(*c - '0');
	}
	*n_r = n;
	return 0;
}

static int search_next_date(struct search_parser *p, time_t *t_r)
{
	const char *text = search_next_string(p);

	if (text == NULL)
		return -1;
	if (imap_search_date_parse(text, t_r) < 0)
		return search_fail(p, true, "Invalid date");
	return 0;
}

static bool search_is_set(const char *text)
{
	if (*text == '\0')
		return false;
	return strspn(text, "0123456789:,*") == strlen(text);
}

static const struct search_key_def *search_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(search_keys) / sizeof(search_keys[0]); i++) {
		if (strcasecmp(search_keys[i].name, name) == 0)
			return &search_keys[i];
	}
	return NULL;
}

/* ---- keys ---- */

static struct search_node *search_parse_key(struct search_parser *p);

static struct search_node *search_node_not(struct search_parser *p, struct search_node *child)
{
	struct search_node *node = search_node_new(p, NODE_NOT);

	search_node_add(node, child);
	return node;
}

static struct search_node *search_parse_keyword(struct search_parser *p, bool negate)
{
	const char *text = search_next_string(p);
	struct search_node *node;
	char *keyword;

	if (text == NULL)
		return NULL;
	if ((keyword = imap_flag_to_keyword(text)) == NULL) {
		search_fail(p, true, "Invalid keyword");
		return NULL;
	}
	node = search_node_new(p, NODE_KEYWORD);
	node->text = keyword;
	return negate ? search_node_not(p, node) : node;
}

static struct search_node *search_parse_text(struct search_parser *p, const char *prop)
{
	const char *text = search_next_text(p);

	if (text == NULL)
		return NULL;
	/* the empty string is a substring of every text */
	if (*text == '\0')
		return search_node_new(p, NODE_ALL);
	return search_node_jmap(p, prop, json_object_new_string(text));
}

/* RFC 5322 §3.6.8: printable ASCII but the colon. */
static bool search_header_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SEARCH_MAX_HEADER_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == ':')
			return false;
	}
	return true;
}

static struct search_node *search_parse_header(struct search_parser *p)
{
	const char *name = search_next_string(p), *text;
	json_object *header;

	if (name == NULL)
		return NULL;
	if (!search_header_name_valid(name)) {
		search_fail(p, true, "Invalid header field name");
		return NULL;
	}
	if ((text = search_next_text(p)) == NULL)
		return NULL;
	header = json_object_new_array();
	json_object_array_add(header, json_object_new_string(name));
	/* an empty string: the field is present */
	if (*text != '\0')
		json_object_array_add(header, json_object_new_string(text));
	return search_node_jmap(p, "header", header);
}

static json_object *search_utc(time_t t)
{
	char text[21];

	time_format_utc(t, text);
	return json_object_new_string(text);
}

/* A day of internal date (before/after) or of Date: (imapSent*). */
static struct search_node *search_parse_date(struct search_parser *p, enum search_key key)
{
	bool sent = key == KEY_SENTBEFORE || key == KEY_SENTON || key == KEY_SENTSINCE;
	const char *before = sent ? "imapSentBefore" : "before";
	const char *since = sent ? "imapSentSince" : "after";
	struct search_node *node;
	time_t day;

	if (search_next_date(p, &day) < 0)
		return NULL;
	node = search_node_new(p, NODE_JMAP);
	node->cond = json_object_new_object();
	if (key == KEY_BEFORE || key == KEY_SENTBEFORE)
		json_object_object_add(node->cond, before, search_utc(day));
	else
		json_object_object_add(node->cond, since, search_utc(day));
	if (key == KEY_ON || key == KEY_SENTON)
		json_object_object_add(node->cond, before, search_utc(day + 86400));
	return node;
}

static struct search_node *search_parse_size(struct search_parser *p, bool larger)
{
	uint64_t n;

	if (search_next_number(p, UINT64_MAX, &n) < 0)
		return NULL;
	/* JMAP: minSize is "at least", maxSize "less than" */
	if (larger)
		return n >= SEARCH_INT_MAX ? search_node_new(p, NODE_NONE) :
		       search_node_jmap(p, "minSize", json_object_new_int64((int64_t)n + 1));
	return search_node_jmap(p, "maxSize",
				json_object_new_int64((int64_t)(n > SEARCH_INT_MAX ? SEARCH_INT_MAX : n)));
}

static struct search_node *search_parse_set(struct search_parser *p, const char *text, bool uid)
{
	struct imap_seqset set;
	struct search_node *node;

	/* "$", the saved result, names messages by UID in either key */
	if (strcmp(text, "$") == 0) {
		node = search_node_new(p, NODE_UIDSET);
		node->text = xstrdup(text);
		return node;
	}
	if (!search_is_set(text) || imap_seqset_parse(text, 1, &set) < 0) {
		search_fail(p, true, "Invalid sequence set");
		return NULL;
	}
	imap_seqset_free(&set);
	node = search_node_new(p, uid ? NODE_UIDSET : NODE_SEQSET);
	node->text = xstrdup(text);
	return node;
}

/* MODSEQ ["/flags/..." priv|shared|all] <mod-sequence-valzer>: the
 * entry only narrows to one flag, and a message has one modseq here. */
static struct search_node *search_parse_modseq(struct search_parser *p)
{
	struct search_node *node;
	uint64_t modseq;

	if (p->pos < p->count && p->args[p->pos].type == IMAP_ARG_STRING) {
		p->pos++;
		if (p->pos >= p->count || !(imap_arg_atom_is(&p->args[p->pos], "priv") ||
					    imap_arg_atom_is(&p->args[p->pos], "shared") ||
					    imap_arg_atom_is(&p->args[p->pos], "all"))) {
			search_fail(p, true, "Invalid MODSEQ entry type");
			return NULL;
		}
		p->pos++;
	}
	if (search_next_number(p, INT64_MAX, &modseq) < 0)
		return NULL;
	p->search->modseq = true;
	node = search_node_new(p, NODE_MODSEQ);
	node->modseq = modseq;
	return node;
}

static struct search_node *search_parse_or(struct search_parser *p)
{
	struct search_node *a, *b, *node;

	if ((a = search_parse_key(p)) == NULL)
		return NULL;
	if ((b = search_parse_key(p)) == NULL) {
		imap_search_node_free(a);
		return NULL;
	}
	node = search_node_new(p, NODE_OR);
	search_node_add(node, a);
	search_node_add(node, b);
	return node;
}

static struct search_node *search_parse_def(struct search_parser *p,
					    const struct search_key_def *def)
{
	const char *text;
	struct search_node *node;

	switch (def->key) {
	case KEY_ALL:
		return search_node_new(p, NODE_ALL);
	case KEY_NONE:
		return search_node_new(p, NODE_NONE);
	case KEY_FLAG:
	case KEY_UNFLAG:
		node = search_node_new(p, NODE_KEYWORD);
		node->text = xstrdup(def->what);
		return def->key == KEY_UNFLAG ? search_node_not(p, node) : node;
	case KEY_KEYWORD:
	case KEY_UNKEYWORD:
		return search_parse_keyword(p, def->key == KEY_UNKEYWORD);
	case KEY_TEXT:
		return search_parse_text(p, def->what);
	case KEY_HEADER:
		return search_parse_header(p);
	case KEY_LARGER:
	case KEY_SMALLER:
		return search_parse_size(p, def->key == KEY_LARGER);
	case KEY_UID:
		return (text = search_next_string(p)) != NULL ? search_parse_set(p, text, true) : NULL;
	case KEY_NOT:
		return (node = search_parse_key(p)) != NULL ? search_node_not(p, node) : NULL;
	case KEY_OR:
		return search_parse_or(p);
	case KEY_MODSEQ:
		return search_parse_modseq(p);
	default:
		return search_parse_date(p, def->key);
	}
}

static struct search_node *search_parse_group(struct search_parser *p, const struct imap_arg *list)
{
	struct search_parser sub = *p;
	struct search_node *node, *child;

	if (list->count == 0) {
		search_fail(p, true, "Empty search key list");
		return NULL;
	}
	sub.args = list->list;
	sub.count = list->count;
	sub.pos = 0;
	node = search_node_new(p, NODE_AND);
	while (sub.pos < sub.count) {
		if ((child = search_parse_key(&sub)) == NULL) {
			imap_search_node_free(node);
			search_fail(p, sub.bad, sub.error);
			return NULL;
		}
		search_node_add(node, child);
	}
	return node;
}

static struct search_node *search_parse_key(struct search_parser *p)
{
	const struct imap_arg *arg;
	const struct search_key_def *def;
	struct search_node *node;

	if (p->pos >= p->count) {
		search_fail(p, true, "Missing search key");
		return NULL;
	}
	if (p->depth >= SEARCH_MAX_DEPTH || p->search->nodes >= SEARCH_MAX_NODES) {
		search_fail(p, true, "Search program too complex");
		return NULL;
	}
	arg = &p->args[p->pos++];
	p->depth++;
	node = NULL;
	if (arg->type == IMAP_ARG_LIST)
		node = search_parse_group(p, arg);
	else if (arg->type != IMAP_ARG_ATOM)
		search_fail(p, true, "Invalid search key");
	else if ((def = search_key_find(arg->str)) != NULL)
		node = search_parse_def(p, def);
	else if (search_is_set(arg->str) || strcmp(arg->str, "$") == 0)
		node = search_parse_set(p, arg->str, false);
	else
		search_fail(p, true, "Unknown search key");
	p->depth--;
	return node;
}

/* ---- the program ---- */

static bool search_charset_known(const char *charset)
{
	return strcasecmp(charset, "UTF-8") == 0 || strcasecmp(charset, "US-ASCII") == 0;
}

/* The charset at the start of the criteria; returns where keys begin. */
static int search_parse_charset(struct search_parser *p, bool with_charset)
{
	const char *charset;

	if (with_charset) {
		if ((charset = search_next_string(p)) == NULL)
			return -1;
	} else if (p->count >= 2 && imap_arg_atom_is(&p->args[0], "CHARSET")) {
		p->pos = 1;
		if ((charset = search_next_string(p)) == NULL)
			return -1;
	} else {
		return 0;
	}
	if (!search_charset_known(charset))
		return search_fail(p, false, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
	return 0;
}

int imap_search_parse(const struct imap_arg *args, size_t count, bool with_charset,
		      struct imap_search **search_r, bool *bad_r, const char **error_r)
{
	struct imap_search *search = xcalloc(1, sizeof(*search));
	struct search_parser p = { .search = search, .args = args, .count = count };
	struct search_node *child;

	search->root = search_node_new(&p, NODE_AND);
	if (search_parse_charset(&p, with_charset) < 0)
		goto fail;
	if (p.pos >= p.count) {
		search_fail(&p, true, "Missing search criteria");
		goto fail;
	}
	while (p.pos < p.count) {
		if ((child = search_parse_key(&p)) == NULL)
			goto fail;
		search_node_add(search->root, child);
	}
	*search_r = search;
	return 0;
fail:
	*bad_r = p.bad;
	*error_r = p.error;
	imap_search_free(&search);
	return -1;
}

struct imap_search *imap_search_parse_cmd(struct imap_session *s, const struct imap_arg *args,
					  size_t count, bool with_charset)
{
	struct imap_search *search;
	const char *error;
	bool bad;

	if (imap_search_parse(args, count, with_charset, &search, &bad, &error) < 0) {
		if (bad)
			imap_cmd_bad(s, "%s", error);
		else
			imap_cmd_done(s, "NO", "%s", error);
		return NULL;
	}
	if (imap_search_uses_modseq(search))
		imap_msgcmd_condstore_enable(s);
	return search;
}

bool imap_search_uses_modseq(const struct imap_search *search)
{
	return search->modseq;
}

void imap_search_free(struct imap_search **search)
{
	if (*search == NULL)
		return;
	imap_search_node_free((*search)->root);
	free(*search);
	*search = NULL;
}
