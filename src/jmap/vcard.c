/* vCard 3.0 and 4.0: the bounded parser of one vCard object. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "core/xalloc.h"
#include "jmap/vcard.h"

/* Group, property and parameter names are short tokens. */
#define VCARD_NAME_MAX 128

const struct vcard_limits vcard_default_limits = {
	.max_size = 4 * 1024 * 1024,
	.max_line = 4 * 1024 * 1024,
	.max_props = 5000,
	.max_params = 64,
};

struct vcard_parser {
	const struct vcard_limits *limits;
	const char *text;
	size_t len;
	size_t pos;
	struct strbuf line;	/* the current logical (unfolded) line */
	size_t line_start;	/* its first byte in text */
	struct vcard *card;
	size_t prop_cap;
	bool begun, ended;
};

static bool vcard_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool vcard_segment_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t')
			return false;
	}
	return true;
}

/* Appends one physical line (without its line break) to the logical
 * line and moves past its break. */
static int vcard_parser_take_segment(struct vcard_parser *p, const char **error_r)
{
	const char *nl = memchr(p->text + p->pos, '\n', p->len - p->pos);
	size_t end = nl != NULL ? (size_t)(nl - p->text) : p->len;
	size_t seg_end = end > p->pos && p->text[end - 1] == '\r' ? end - 1 : end;

	if (!vcard_segment_clean(p->text + p->pos, seg_end - p->pos)) {
		*error_r = "The vCard contains a control character";
		return -1;
	}
	if (p->line.len + (seg_end - p->pos) > p->limits->max_line) {
		*error_r = "A vCard line is too long";
		return -1;
	}
	strbuf_append(&p->line, p->text + p->pos, seg_end - p->pos);
	p->pos = nl != NULL ? end + 1 : p->len;
	return 0;
}

/* Reads the next logical line: 1, 0 at the end of the text, -1. */
static int vcard_parser_next_line(struct vcard_parser *p, const char **error_r)
{
	if (p->pos >= p->len)
		return 0;
	strbuf_reset(&p->line);
	p->line_start = p->pos;
	for (;;) {
		if (vcard_parser_take_segment(p, error_r) < 0)
			return -1;
		if (p->pos >= p->len || (p->text[p->pos] != ' ' && p->text[p->pos] != '\t'))
			return 1;
		p->pos++;	/* unfold: the break and one white space go */
	}
}

static char *vcard_upper(const char *s, size_t len)
{
	char *out = xstrndup(s, len);

	for (char *c = out; *c != '\0'; c++) {
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	}
	return out;
}

static size_t vcard_token(const char *s, size_t len, size_t i)
{
	size_t start = i;

	while (i < len && vcard_name_char(s[i]) && i - start < VCARD_NAME_MAX)
		i++;
	return i - start;
}

/* RFC 6868: ^n line feed, ^' double quote, ^^ caret; others stay. */
static char *vcard_param_unescape(const char *s, size_t len)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '^' && i + 1 < len &&
		    (s[i + 1] == 'n' || s[i + 1] == 'N' || s[i + 1] == '\'' || s[i + 1] == '^')) {
			i++;
			strbuf_putc(&b, s[i] == '^' ? '^' : s[i] == '\'' ? '"' : '\n');
		} else {
			strbuf_putc(&b, s[i]);
		}
	}
	return strbuf_steal(&b);
}

static void vcard_param_add_value(struct vcard_param *param, const char *s, size_t len)
{
	param->values = xrealloc(param->values, (param->value_count + 1) * sizeof(char *));
	param->values[param->value_count++] = vcard_param_unescape(s, len);
}

/* One parameter value at s[*i]: quoted, or up to , ; or :. */
static int vcard_parse_param_value(const char *s, size_t len, size_t *i,
				   struct vcard_param *param, const char **error_r)
{
	size_t start = *i;

	if (start < len && s[start] == '"') {
		const char *q = memchr(s + start + 1, '"', len - start - 1);

		if (q == NULL) {
			*error_r = "A vCard parameter value lacks its closing quote";
			return -1;
		}
		vcard_param_add_value(param, s + start + 1, (size_t)(q - s) - start - 1);
		*i = (size_t)(q - s) + 1;
		return 0;
	}
	while (*i < len && s[*i] != ',' && s[*i] != ';' && s[*i] != ':' && s[*i] != '"')
		(*i)++;
	vcard_param_add_value(param, s + start, *i - start);
	return 0;
}

static int vcard_parse_param_values(const char *s, size_t len, size_t *i,
				    const struct vcard_limits *limits,
				    struct vcard_param *param, const char **error_r)
{
	for (;;) {
		if (param->value_count >= limits->max_params) {
			*error_r = "A vCard parameter has too many values";
			return -1;
		}
		if (vcard_parse_param_value(s, len, i, param, error_r) < 0)
			return -1;
		if (*i >= len || s[*i] != ',')
			return 0;
		(*i)++;
	}
}

static struct vcard_param *vcard_prop_add_param(struct vcard_prop *prop)
{
	struct vcard_param *param;

	prop->params = xrealloc(prop->params, (prop->param_count + 1) * sizeof(*prop->params));
	param = &prop->params[prop->param_count++];
	memset(param, 0, sizeof(*param));
	return param;
}

/* ";NAME=values" or ";VALUE" (a TYPE without its name, as vCard 2.1
 * wrote them and some 3.0 producers still do). s[*i] is past the ';'. */
static int vcard_parse_param(const char *s, size_t len, size_t *i,
			     const struct vcard_limits *limits, struct vcard_prop *prop,
			     const char **error_r)
{
	size_t n = vcard_token(s, len, *i);
	struct vcard_param *param;

	if (n == 0) {
		*error_r = "A vCard parameter has no valid name";
		return -1;
	}
	if (prop->param_count >= limits->max_params) {
		*error_r = "A vCard property has too many parameters";
		return -1;
	}
	param = vcard_prop_add_param(prop);
	if (*i + n < len && s[*i + n] == '=') {
		param->name = vcard_upper(s + *i, n);
		*i += n + 1;
		return vcard_parse_param_values(s, len, i, limits, param, error_r);
	}
	param->name = xstrdup("TYPE");
	vcard_param_add_value(param, s + *i, n);
	*i += n;
	return 0;
}

/* [group "."] name *(";" param) ":" value */
static int vcard_parse_content_line(const char *s, size_t len, const struct vcard_limits *limits,
				    struct vcard_prop *prop, const char **error_r)
{
	size_t i = 0, n = vcard_token(s, len, 0);

	if (n > 0 && n < len && s[n] == '.') {
		prop->group = xstrndup(s, n);
		i = n + 1;
		n = vcard_token(s, len, i);
	}
	if (n == 0) {
		*error_r = "A vCard line has no valid property name";
		return -1;
	}
	prop->name = vcard_upper(s + i, n);
	i += n;
	while (i < len && s[i] == ';') {
		i++;
		if (vcard_parse_param(s, len, &i, limits, prop, error_r) < 0)
			return -1;
	}
	if (i >= len || s[i] != ':') {
		*error_r = "A vCard line has no value";
		return -1;
	}
	prop->value = xstrndup(s + i + 1, len - i - 1);
	return 0;
}

static void vcard_prop_clear(struct vcard_prop *prop)
{
	for (size_t i = 0; i < prop->param_count; i++) {
		free(prop->params[i].name);
		vcard_strings_free(prop->params[i].values, prop->params[i].value_count);
	}
	free(prop->params);
	free(prop->group);
	free(prop->name);
	free(prop->value);
	memset(prop, 0, sizeof(*prop));
}

void vcard_free(struct vcard **cardp)
{
	struct vcard *card = *cardp;

	if (card == NULL)
		return;
	*cardp = NULL;
	for (size_t i = 0; i < card->prop_count; i++)
		vcard_prop_clear(&card->props[i]);
	free(card->props);
	free(card->text);
	free(card);
}

/* BEGIN, END and VERSION shape the object; other lines are properties. */
static int vcard_parser_frame(struct vcard_parser *p, const struct vcard_prop *prop,
			      const char **error_r)
{
	bool is_vcard = strcasecmp(prop->value, "VCARD") == 0;

	if (!p->begun) {
		if (strcmp(prop->name, "BEGIN") != 0 || !is_vcard || prop->group != NULL) {
			*error_r = "The text does not start with BEGIN:VCARD";
			return -1;
		}
		p->begun = true;
		return 1;
	}
	if (strcmp(prop->name, "BEGIN") == 0) {
		*error_r = "A vCard inside a vCard is not supported";
		return -1;
	}
	if (strcmp(prop->name, "END") == 0) {
		if (!is_vcard) {
			*error_r = "END does not close the vCard";
			return -1;
		}
		p->ended = true;
		return 1;
	}
	return 0;
}

static int vcard_parser_version(struct vcard_parser *p, const struct vcard_prop *prop,
				const char **error_r)
{
	if (p->card->version != 0) {
		*error_r = "The vCard has two VERSION lines";
		return -1;
	}
	if (strcmp(prop->value, "3.0") == 0)
		p->card->version = VCARD_VERSION_3;
	else if (strcmp(prop->value, "4.0") == 0)
		p->card->version = VCARD_VERSION_4;
	else {
		*error_r = "Only vCard 3.0 and 4.0 are supported";
		return -1;
	}
	return 0;
}

static int vcard_parser_add(struct vcard_parser *p, struct vcard_prop *prop,
			    const char **error_r)
{
	struct vcard *card = p->card;

	if (strcmp(prop->name, "VERSION") == 0 && vcard_parser_version(p, prop, error_r) < 0)
		return -1;
	if (card->prop_count >= p->limits->max_props) {
		*error_r = "The vCard has too many lines";
		return -1;
	}
	if (card->prop_count == p->prop_cap) {
		p->prop_cap = p->prop_cap == 0 ? 32 : p->prop_cap * 2;
		card->props = xrealloc(card->props, p->prop_cap * sizeof(*card->props));
	}
	prop->raw_offset = p->line_start;
	prop->raw_len = p->pos - p->line_start;
	card->props[card->prop_count++] = *prop;
	memset(prop, 0, sizeof(*prop));
	return 0;
}

static int vcard_parser_line(struct vcard_parser *p, const char **error_r)
{
	struct vcard_prop prop = { 0 };
	int ret;

	if (p->line.len == 0)
		return 0;	/* blank lines are let through */
	/* after unfolding: some writers fold inside a UTF-8 sequence */
	if (!g_utf8_validate(p->line.s, (gssize)p->line.len, NULL)) {
		*error_r = "The vCard is not valid UTF-8";
		return -1;
	}
	if (p->ended) {
		*error_r = "There is text after END:VCARD";
		return -1;
	}
	if (vcard_parse_content_line(p->line.s, p->line.len, p->limits, &prop, error_r) < 0) {
		vcard_prop_clear(&prop);
		return -1;
	}
	ret = vcard_parser_frame(p, &prop, error_r);
	if (ret == 0)
		ret = vcard_parser_add(p, &prop, error_r);
	vcard_prop_clear(&prop);
	return ret < 0 ? -1 : 0;
}

static int vcard_parser_run(struct vcard_parser *p, const char **error_r)
{
	int ret;

	while ((ret = vcard_parser_next_line(p, error_r)) > 0) {
		if (vcard_parser_line(p, error_r) < 0)
			return -1;
	}
	if (ret < 0)
		return -1;
	if (!p->begun || !p->ended) {
		*error_r = p->begun ? "END:VCARD is missing" : "The text is not a vCard";
		return -1;
	}
	if (p->card->version == 0) {
		*error_r = "The vCard has no VERSION";
		return -1;
	}
	return 0;
}

int vcard_parse(const char *text, size_t len, const struct vcard_limits *limits,
		struct vcard **card_r, const char **error_r)
{
	struct vcard_parser p = {
		.limits = limits != NULL ? limits : &vcard_default_limits,
		.text = text,
		.len = len,
	};
	int ret;

	if (len > p.limits->max_size) {
		*error_r = "The vCard is too large";
		return -1;
	}
	p.card = xcalloc(1, sizeof(*p.card));
	ret = vcard_parser_run(&p, error_r);
	strbuf_free(&p.line);
	if (ret < 0) {
		vcard_free(&p.card);
		return -1;
	}
	p.card->text = xstrndup(text, len);
	p.card->text_len = len;
	*card_r = p.card;
	return 0;
}

const struct vcard_param *vcard_prop_param(const struct vcard_prop *prop, const char *name)
{
	for (size_t i = 0; i < prop->param_count; i++) {
		if (strcmp(prop->params[i].name, name) == 0)
			return &prop->params[i];
	}
	return NULL;
}

const char *vcard_prop_param_value(const struct vcard_prop *prop, const char *name)
{
	const struct vcard_param *param = vcard_prop_param(prop, name);

	return param != NULL && param->value_count > 0 ? param->values[0] : NULL;
}

/* Whether list, a value or a comma-separated list of them (RFC 6350
 * writes TYPE="voice,home" quoted), holds item. */
static bool vcard_list_has(const char *list, const char *item)
{
	size_t len = strlen(item);

	for (const char *p = list; p != NULL; p = strchr(p, ',') != NULL ? strchr(p, ',') + 1 : NULL) {
		if (strncasecmp(p, item, len) == 0 && (p[len] == '\0' || p[len] == ','))
			return true;
	}
	return false;
}

bool vcard_prop_has_type(const struct vcard_prop *prop, const char *type)
{
	for (size_t i = 0; i < prop->param_count; i++) {
		const struct vcard_param *param = &prop->params[i];

		if (strcmp(param->name, "TYPE") != 0)
			continue;
		for (size_t k = 0; k < param->value_count; k++) {
			if (vcard_list_has(param->values[k], type))
				return true;
		}
	}
	return false;
}
