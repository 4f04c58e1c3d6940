/* FETCH data items (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ
 * and CHANGEDSINCE, RFC 7162 §3.2.6 VANISHED): each item is checked and
 * its section normalized (uppercase, single spaces) before anything
 * runs, and names the urn:tern:imap Email property that answers it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_fetch.h"

/* Items in one FETCH, and header field names in one section. */
#define FETCH_MAX_ITEMS 100
#define FETCH_MAX_FIELDS 100
#define FETCH_MAX_FIELD_NAME 256

static const struct {
	const char *name;
	enum fetch_kind kind;
	const char *prop;
} fetch_simple[] = {
	{ "FLAGS", FETCH_FLAGS, NULL }, { "UID", FETCH_UID, NULL },
	{ "MODSEQ", FETCH_MODSEQ, NULL }, { "INTERNALDATE", FETCH_INTERNALDATE, "receivedAt" },
	{ "RFC822.SIZE", FETCH_SIZE, "size" }, { "ENVELOPE", FETCH_ENVELOPE, "imapEnvelope" },
	{ "BODY", FETCH_BODY, "imapBody" },
	{ "BODYSTRUCTURE", FETCH_BODYSTRUCTURE, "imapBodyStructure" },
	{ "RFC822", FETCH_SECTION, NULL },	/* whole */
	{ "RFC822.HEADER", FETCH_SECTION, "imapSection:HEADER" },
	{ "RFC822.TEXT", FETCH_SECTION, "imapSection:TEXT" },
};

static const char *const fetch_macros[][5] = {
	{ "ALL", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE" },
	{ "FAST", "FLAGS", "INTERNALDATE", "RFC822.SIZE", NULL },
};

static struct fetch_item *fetch_item_add(struct fetch_items *items, enum fetch_kind kind,
					 const char *name, char *prop)
{
	struct fetch_item *item;

	items->items = xrealloc(items->items, (items->count + 1) * sizeof(*items->items));
	item = &items->items[items->count++];
	memset(item, 0, sizeof(*item));
	item->kind = kind;
	item->name = xstrdup(name);
	item->prop = prop;
	items->has_flags |= kind == FETCH_FLAGS;
	items->has_uid |= kind == FETCH_UID;
	items->has_modseq |= kind == FETCH_MODSEQ;
	return item;
}

/* The whole message is its blob as stored, opened by Email id: no
 * Email property is asked for it. */
static void fetch_item_whole(struct fetch_items *items, struct fetch_item *item)
{
	free(item->prop);
	item->prop = NULL;
	item->whole = true;
	items->has_whole = true;
}

static int fetch_simple_add(struct fetch_items *items, const char *name)
{
	for (size_t i = 0; i < sizeof(fetch_simple) / sizeof(fetch_simple[0]); i++) {
		struct fetch_item *item;

		if (strcasecmp(name, fetch_simple[i].name) != 0)
			continue;
		item = fetch_item_add(items, fetch_simple[i].kind, fetch_simple[i].name,
				      fetch_simple[i].prop != NULL ?
				      xstrdup(fetch_simple[i].prop) : NULL);
		if (strcasecmp(name, "RFC822") == 0) {
			items->sets_seen = true;
			fetch_item_whole(items, item);
		} else if (strcasecmp(name, "RFC822.TEXT") == 0) {
			items->sets_seen = true;
			items->big = true;
		}
		return 0;
	}
	return -1;
}

/* ---- sections ---- */

/* section-part: nz-number *("." nz-number); returns its length. */
static size_t fetch_part_len(const char *s)
{
	size_t i = 0;

	while (s[i] >= '1' && s[i] <= '9') {
		i += strspn(s + i, "0123456789");
		if (i > 64)
			return 0;
		if (s[i] != '.' || s[i + 1] < '1' || s[i + 1] > '9')
			return i;
		i++;
	}
	return i;
}

/* One header field name of a HEADER.FIELDS list, atom or quoted. */
static const char *fetch_field_name(const char *p, struct strbuf *out)
{
	bool quoted = *p == '"';
	size_t n = 0;

	if (quoted)
		p++;
	for (; *p != '\0' && n < FETCH_MAX_FIELD_NAME; p++, n++) {
		if (quoted ? *p == '"' : (*p == ' ' || *p == ')'))
			break;
		if (*p < 0x21 || *p > 0x7e || *p == ':' || *p == '\\' || (!quoted && *p == '"'))
			return NULL;
		strbuf_putc(out, *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p);
	}
	if (n == 0 || (quoted && *p++ != '"'))
		return NULL;
	return p;
}

/* " (A B)" after HEADER.FIELDS[.NOT]; appends the normalized list. */
static int fetch_field_list(const char *p, struct strbuf *out)
{
	size_t fields = 0;

	if (p[0] != ' ' || p[1] != '(')
		return -1;
	strbuf_puts(out, " (");
	for (p += 2; *p != ')'; fields++) {
		if (fields > 0 && *p++ != ' ')
			return -1;
		if (fields == FETCH_MAX_FIELDS || (p = fetch_field_name(p, out)) == NULL)
			return -1;
		if (*p != ')')
			strbuf_putc(out, ' ');
	}
	strbuf_putc(out, ')');
	return fields > 0 && p[1] == '\0' ? 0 : -1;
}

/* section-msgtext / "MIME" after an optional part; *big_r when the
 * answer is more than header fields. */
static int fetch_section_text(const char *p, bool has_part, struct strbuf *out, bool *big_r)
{
	if (strcasecmp(p, "HEADER") == 0 || (has_part && strcasecmp(p, "MIME") == 0)) {
		strbuf_puts(out, p[0] == 'H' || p[0] == 'h' ? "HEADER" : "MIME");
		return 0;
	}
	if (strcasecmp(p, "TEXT") == 0) {
		strbuf_puts(out, "TEXT");
		*big_r = true;
		return 0;
	}
	if (strncasecmp(p, "HEADER.FIELDS.NOT", 17) == 0) {
		strbuf_puts(out, "HEADER.FIELDS.NOT");
		return fetch_field_list(p + 17, out);
	}
	if (strncasecmp(p, "HEADER.FIELDS", 13) == 0) {
		strbuf_puts(out, "HEADER.FIELDS");
		return fetch_field_list(p + 13, out);
	}
	return -1;
}

/* The text between the brackets, normalized into a new string. */
static char *fetch_section_normalize(const char *section, bool binary, bool *big_r)
{
	struct strbuf out = { 0 };
	size_t part = fetch_part_len(section);

	strbuf_append(&out, section, part);
	if (section[part] == '\0') {
		*big_r = true;
		return strbuf_steal(&out);
	}
	if (binary || (part > 0 && section[part] != '.'))
		goto fail;
	if (part > 0)
		strbuf_putc(&out, '.');
	if (fetch_section_text(section + part + (part > 0), part > 0, &out, big_r) < 0)
		goto fail;
	return strbuf_steal(&out);
fail:
	strbuf_free(&out);
	return NULL;
}

/* "<offset.length>" after the section. */
static int fetch_partial_parse(const char *p, struct fetch_item *item)
{
	char *end;

	if (*p == '\0')
		return 0;
	if (*p != '<' || p[1] < '0' || p[1] > '9')
		return -1;
	item->offset = strtoull(p + 1, &end, 10);
	if (*end != '.' || end[1] < '1' || end[1] > '9' || end - p > 20)
		return -1;
	p = end + 1;
	item->length = strtoull(p, &end, 10);
	if (*end != '>' || end[1] != '\0' || end - p > 20 || item->offset > INT64_MAX ||
	    item->length > INT64_MAX)
		return -1;
	item->partial = true;
	return 0;
}

static const struct {
	const char *name;	/* before "[" */
	enum fetch_kind kind;
	const char *answer;	/* the name answered */
	const char *prop;	/* the property's prefix */
	bool seen;
} fetch_bracketed[] = {
	{ "BODY", FETCH_SECTION, "BODY", "imapSection:", true },
	{ "BODY.PEEK", FETCH_SECTION, "BODY", "imapSection:", false },
	{ "BINARY", FETCH_BINARY, "BINARY", "imapBinary:", true },
	{ "BINARY.PEEK", FETCH_BINARY, "BINARY", "imapBinary:", false },
	{ "BINARY.SIZE", FETCH_BINARY_SIZE, "BINARY.SIZE", "imapBinarySize:", false },
};

#define FETCH_BRACKETED_COUNT (sizeof(fetch_bracketed) / sizeof(fetch_bracketed[0]))

static size_t fetch_bracketed_find(const char *atom, size_t name_len)
{
	size_t d = 0;

	while (d < FETCH_BRACKETED_COUNT &&
	       !(strlen(fetch_bracketed[d].name) == name_len &&
		 strncasecmp(atom, fetch_bracketed[d].name, name_len) == 0))
		d++;
	return d;
}

/* BODY[...], BODY.PEEK[...], BINARY[...], BINARY.PEEK[...], BINARY.SIZE[...]. */
static int fetch_bracket_add(struct fetch_items *items, const char *atom)
{
	const char *open = strchr(atom, '['), *close = strrchr(atom, ']');
	size_t d = fetch_bracketed_find(atom, (size_t)(open - atom));
	char *section, *norm, *name;
	struct fetch_item *item;
	bool big = false;

	if (d == FETCH_BRACKETED_COUNT || close == NULL || close < open)
		return -1;
	section = xstrndup(open + 1, (size_t)(close - open - 1));
	norm = fetch_section_normalize(section, fetch_bracketed[d].kind != FETCH_SECTION, &big);
	free(section);
	if (norm == NULL)
		return -1;
	name = xasprintf("%s[%s]", fetch_bracketed[d].answer, norm);
	item = fetch_item_add(items, fetch_bracketed[d].kind, name,
			      xasprintf("%s%s", fetch_bracketed[d].prop, norm));
	free(name);
	free(norm);
	items->sets_seen |= fetch_bracketed[d].seen;
	if (item->kind == FETCH_BINARY_SIZE)
		return close[1] == '\0' ? 0 : -1;
	if (item->kind == FETCH_SECTION && close == open + 1)
		fetch_item_whole(items, item);
	else
		items->big |= big || item->kind == FETCH_BINARY;
	return fetch_partial_parse(close + 1, item);
}

static int fetch_atom_add(struct fetch_items *items, const struct imap_arg *arg)
{
	if (arg->type != IMAP_ARG_ATOM || items->count == FETCH_MAX_ITEMS)
		return -1;
	if (strchr(arg->str, '[') != NULL)
		return fetch_bracket_add(items, arg->str);
	return fetch_simple_add(items, arg->str);
}

/* ALL, FAST, FULL: alone, never in a list. 1 if arg was one. */
static int fetch_macro_add(struct fetch_items *items, const struct imap_arg *arg)
{
	bool full = imap_arg_atom_is(arg, "FULL");

	for (size_t m = 0; m < sizeof(fetch_macros) / sizeof(fetch_macros[0]); m++) {
		if (!imap_arg_atom_is(arg, fetch_macros[m][0]) && !(full && m == 0))
			continue;
		for (size_t i = 1; i < 5 && fetch_macros[m][i] != NULL; i++)
			fetch_simple_add(items, fetch_macros[m][i]);
		if (full)
			fetch_simple_add(items, "BODY");
		return 1;
	}
	return 0;
}

/* mod-sequence-value: 1*DIGIT, at most 2^63 - 1. */
static int fetch_modseq_parse(const struct imap_arg *arg, uint64_t *modseq_r)
{
	const char *s = imap_arg_astring(arg);
	uint64_t n = 0;

	if (arg->type != IMAP_ARG_ATOM || s == NULL || *s == '\0' || strlen(s) > 19)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > INT64_MAX)
		return -1;
	*modseq_r = n;
	return 0;
}

static int fetch_modifiers_parse(const struct imap_arg *list, struct fetch_items *items)
{
	if (list->type != IMAP_ARG_LIST || list->count == 0)
		return -1;
	for (size_t i = 0; i < list->count; i++) {
		if (imap_arg_atom_is(&list->list[i], "CHANGEDSINCE") && !items->changedsince_set &&
		    i + 1 < list->count &&
		    fetch_modseq_parse(&list->list[i + 1], &items->changedsince) == 0) {
			items->changedsince_set = true;
			i++;
		} else if (imap_arg_atom_is(&list->list[i], "VANISHED") && !items->vanished) {
			items->vanished = true;
		} else {
			return -1;
		}
	}
	return items->vanished && !items->changedsince_set ? -1 : 0;
}

int imap_fetch_items_parse(const struct imap_cmd *cmd, struct fetch_items *items,
			   const char **error_r)
{
	const struct imap_arg *arg;

	memset(items, 0, sizeof(*items));
	*error_r = "Invalid FETCH arguments";
	if (cmd->count < 2 || cmd->count > 3)
		return -1;
	arg = &cmd->args[1];
	if (arg->type == IMAP_ARG_LIST) {
		if (arg->count == 0)
			return -1;
		for (size_t i = 0; i < arg->count; i++) {
			if (fetch_atom_add(items, &arg->list[i]) < 0) {
				*error_r = "Invalid FETCH data item";
				return -1;
			}
		}
	} else if (fetch_macro_add(items, arg) == 0 && fetch_atom_add(items, arg) < 0) {
		*error_r = "Invalid FETCH data item";
		return -1;
	}
	if (cmd->count == 3 && fetch_modifiers_parse(&cmd->args[2], items) < 0) {
		*error_r = "Invalid FETCH modifiers";
		return -1;
	}
	return 0;
}

void imap_fetch_items_free(struct fetch_items *items)
{
	for (size_t i = 0; i < items->count; i++) {
		free(items->items[i].name);
		free(items->items[i].prop);
	}
	free(items->items);
	items->items = NULL;
	items->count = 0;
}

json_object *imap_fetch_properties(const struct fetch_items *items)
{
	json_object *props = NULL;

	for (size_t i = 0; i < items->count; i++) {
		const char *prop = items->items[i].prop;
		bool seen = false;

		if (prop == NULL)
			continue;
		if (props == NULL)
			props = json_object_new_array();
		for (size_t k = 0; k < i && !seen; k++)
			seen = items->items[k].prop != NULL && strcmp(items->items[k].prop, prop) == 0;
		if (!seen)
			json_object_array_add(props, json_object_new_string(prop));
	}
	return props;
}
