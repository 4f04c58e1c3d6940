/* The MIME field values BODYSTRUCTURE shows: parameter lists (RFC 2045
 * §5.1) with RFC 2231 continuations merged as RFC 9051 §7.5.2 asks
 * ("baz*0" "baz*1" become "baz"; with any encoded segment, "baz*" whose
 * value keeps its charset'language' prefix and %-encoding), the
 * disposition type, languages and the transfer encoding token. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

/* Parameters and languages per field; the rest are left out. */
#define PARAMS_MAX 1000
/* Continuation indexes past this are taken as plain names. */
#define PARAMS_INDEX_MAX 9999

struct param {
	char *name, *value;
	char *base;		/* RFC 2231: the name before '*', else NULL */
	unsigned index;
	bool extended;		/* a "*" after the index: the value is encoded */
	size_t order;
};

struct param_list {
	struct param *items;
	size_t count, cap;
};

static bool params_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool params_is_tspecial(char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* Skips white space and comments. */
static const char *params_skip_cfws(const char *p)
{
	unsigned depth = 0;

	for (; *p != '\0'; p++) {
		if (depth > 0 && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !params_is_space(*p))
			break;
	}
	return p;
}

/* The next ';' outside quotes and comments, or the end. */
static const char *params_next_semicolon(const char *p)
{
	bool quoted = false;
	unsigned depth = 0;

	for (; *p != '\0'; p++) {
		if ((quoted || depth > 0) && *p == '\\' && p[1] != '\0')
			p++;
		else if (depth == 0 && *p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '(')
			depth++;
		else if (!quoted && *p == ')' && depth > 0)
			depth--;
		else if (!quoted && depth == 0 && *p == ';')
			break;
	}
	return p;
}

static const char *params_token_end(const char *p)
{
	while (*p != '\0' && !params_is_space(*p) && !params_is_tspecial(*p) && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/* A quoted string at p (on its quote) or a token; *p_r after it. A
 * token may start with '=' so that bare encoded words are kept whole. */
static char *params_read_value(const char *p, const char **p_r)
{
	struct strbuf b = { 0 };

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			strbuf_putc(&b, *p);
		}
		if (*p == '"')
			p++;
	} else {
		while (*p != '\0' && *p != ';' && !params_is_space(*p))
			strbuf_putc(&b, *p++);
	}
	*p_r = p;
	return strbuf_steal(&b);
}

/* Splits "name*3*" into base "name", index 3, extended; "name*" is
 * extended without continuations. */
static void params_classify(struct param *param)
{
	char *star = strchr(param->name, '*'), *end;
	unsigned long index = 0;

	if (star == NULL || star == param->name)
		return;
	end = star + 1;
	if (*end == '\0') {
		param->extended = true;
	} else if (*end >= '0' && *end <= '9') {
		index = strtoul(end, &end, 10);
		param->extended = *end == '*';
		if (param->extended)
			end++;
		if (*end != '\0' || index > PARAMS_INDEX_MAX)
			return;
	} else {
		return;
	}
	param->base = xstrndup(param->name, (size_t)(star - param->name));
	param->index = (unsigned)index;
}

static void params_parse(const char *value, struct param_list *list)
{
	const char *p = params_next_semicolon(value), *name, *name_end;

	while (*p == ';' && list->count < PARAMS_MAX) {
		struct param *param;

		name = params_skip_cfws(p + 1);
		name_end = params_token_end(name);
		p = params_skip_cfws(name_end);
		if (name_end == name || *p != '=') {
			p = params_next_semicolon(p);
			continue;
		}
		if (list->count == list->cap) {
			list->cap = list->cap > 0 ? list->cap * 2 : 8;
			list->items = xrealloc(list->items, list->cap * sizeof(*list->items));
		}
		param = &list->items[list->count];
		*param = (struct param){ .name = xstrndup(name, (size_t)(name_end - name)), .order = list->count };
		param->value = params_read_value(params_skip_cfws(p + 1), &p);
		params_classify(param);
		list->count++;
		p = params_next_semicolon(p);
	}
}

static int params_cmp(const void *a, const void *b)
{
	const struct param *pa = a, *pb = b;
	int cmp;

	if ((pa->base == NULL) != (pb->base == NULL))
		return pa->base == NULL ? -1 : 1;
	if (pa->base != NULL && (cmp = g_ascii_strcasecmp(pa->base, pb->base)) != 0)
		return cmp;
	if (pa->base != NULL && pa->index != pb->index)
		return pa->index < pb->index ? -1 : 1;
	return pa->order < pb->order ? -1 : pa->order > pb->order;
}

static void params_add(json_object *out, const char *name, const char *value)
{
	json_object_array_add(out, json_object_new_string(name));
	json_object_array_add(out, json_object_new_string(value));
}

/* Adds the continuations items[0..count) of one name: merged when their
 * indexes run 0, 1, ... without a gap, else each as it was sent. */
static void params_add_merged(json_object *out, const struct param *items, size_t count)
{
	bool any_extended = false;
	struct strbuf value = { 0 };
	char *name;

	for (size_t i = 0; i < count; i++) {
		if (items[i].index != i) {
			for (size_t j = 0; j < count; j++)
				params_add(out, items[j].name, items[j].value);
			return;
		}
		any_extended |= items[i].extended;
	}
	if (any_extended && !items[0].extended)
		strbuf_puts(&value, "''");
	for (size_t i = 0; i < count; i++) {
		/* A plain segment joins encoded ones: its '%' must not decode. */
		for (const char *c = items[i].value; *c != '\0'; c++) {
			if (*c == '%' && any_extended && !items[i].extended)
				strbuf_puts(&value, "%25");
			else
				strbuf_putc(&value, *c);
		}
	}
	name = xasprintf("%s%s", items[0].base, any_extended ? "*" : "");
	params_add(out, name, value.s != NULL ? value.s : "");
	free(name);
	strbuf_free(&value);
}

static bool params_has_charset(const struct param_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const char *name = list->items[i].base != NULL ? list->items[i].base : list->items[i].name;

		if (g_ascii_strcasecmp(name, "charset") == 0)
			return true;
	}
	return false;
}

static void params_list_free(struct param_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].value);
		free(list->items[i].base);
	}
	free(list->items);
}

json_object *imap_params(const char *value, bool add_charset)
{
	struct param_list list = { 0 };
	json_object *out = json_object_new_array();
	size_t i = 0, j;

	params_parse(value, &list);
	/* Plain parameters in their order, then the merged ones by name. */
	if (list.count > 1)
		qsort(list.items, list.count, sizeof(*list.items), params_cmp);
	for (; i < list.count && list.items[i].base == NULL; i++)
		params_add(out, list.items[i].name, list.items[i].value);
	for (; i < list.count; i = j) {
		const char *base = list.items[i].base;

		for (j = i + 1; j < list.count && g_ascii_strcasecmp(base, list.items[j].base) == 0; j++)
			;
		params_add_merged(out, list.items + i, j - i);
	}
	/* After the others, as Dovecot puts it. */
	if (add_charset && !params_has_charset(&list))
		params_add(out, "charset", "us-ascii");
	params_list_free(&list);
	if (json_object_array_length(out) == 0) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

char *imap_params_first_token(const char *value)
{
	const char *start = params_skip_cfws(value), *end = params_token_end(start);

	return end > start ? xstrndup(start, (size_t)(end - start)) : NULL;
}

json_object *imap_params_languages(const char *value)
{
	json_object *out = json_object_new_array();
	const char *p = value;

	while (*p != '\0' && json_object_array_length(out) < PARAMS_MAX) {
		const char *start = params_skip_cfws(p), *end = params_token_end(start);

		if (end > start)
			json_object_array_add(out, json_object_new_string_len(start, (int)(end - start)));
		p = params_skip_cfws(end);
		/* Past the tag: skip to the next comma. */
		while (*p != '\0' && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	if (json_object_array_length(out) == 0) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

char *imap_params_encoding(const char *value)
{
	const char *start = params_skip_cfws(value), *end = params_token_end(start);

	if (end == start || *params_skip_cfws(end) != '\0')
		return NULL;
	return xstrndup(start, (size_t)(end - start));
}
