#ifndef TERN_JMAP_VCARD_H
#define TERN_JMAP_VCARD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

/* vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): one vCard object of content
 * lines. The parser is bounded and keeps, for every property, where its
 * original bytes are, so that a card can be edited without touching the
 * lines nobody changed (phones expect their bytes back). The writer
 * builds content lines: escaping, parameter quoting (RFC 6868) and
 * folding at 75 octets. A vCard always arrives whole (a bounded DAV body
 * or a JSON string), so the parser takes whole texts rather than
 * resuming on more input. */

enum vcard_version {
	VCARD_VERSION_3 = 3,
	VCARD_VERSION_4 = 4,
};

struct vcard_limits {
	size_t max_size;	/* bytes of the whole text */
	size_t max_line;	/* bytes of one unfolded content line */
	size_t max_props;	/* content lines */
	size_t max_params;	/* parameters of a line, values of a parameter */
};

/* 4 MiB, 4 MiB, 5000, 64: a card with a large photo fits. */
extern const struct vcard_limits vcard_default_limits;

struct vcard_param {
	char *name;		/* uppercase */
	char **values;		/* quotes removed, RFC 6868 escapes undone */
	size_t value_count;
};

struct vcard_prop {
	char *group;		/* NULL, or as written ("item1") */
	char *name;		/* uppercase ("EMAIL") */
	struct vcard_param *params;
	size_t param_count;
	char *value;		/* unfolded, still escaped */
	/* The content line as sent, folding and line break included:
	 * text[raw_offset .. raw_offset + raw_len) of its vcard. */
	size_t raw_offset;
	size_t raw_len;
};

struct vcard {
	enum vcard_version version;
	char *text;		/* a copy of the parsed text */
	size_t text_len;
	struct vcard_prop *props;	/* in order; BEGIN and END left out */
	size_t prop_count;
};

/* Parses one vCard (BEGIN:VCARD ... END:VCARD, nothing but blank lines
 * after it) of version 3.0 or 4.0. Lines end in CRLF or LF; folded
 * lines are unfolded; the text must be UTF-8 without NUL or other
 * control characters than tab. A parameter without a name ("TEL;CELL")
 * is taken as TYPE. limits NULL means vcard_default_limits. Returns 0
 * and a new vcard (free with vcard_free()), or -1 and a reason in
 * *error_r (a string literal). */
int vcard_parse(const char *text, size_t len, const struct vcard_limits *limits,
		struct vcard **card_r, const char **error_r);
void vcard_free(struct vcard **card);

/* The first parameter called name (uppercase), or NULL. */
const struct vcard_param *vcard_prop_param(const struct vcard_prop *prop, const char *name);
/* The first value of that parameter, or NULL. */
const char *vcard_prop_param_value(const struct vcard_prop *prop, const char *name);
/* Whether a TYPE parameter of prop has value type (case-insensitive). */
bool vcard_prop_has_type(const struct vcard_prop *prop, const char *type);

/* A TEXT value with its escapes undone: \n and \N give a line feed,
 * \, \; \\ (and \: seen in the wild) the character. Caller frees. */
char *vcard_text_unescape(const char *value, size_t len);
/* Splits value at each sep (';' or ',') that is not escaped, and
 * unescapes each part. A value gives at least one part. *parts_r is
 * caller-owned; free with vcard_strings_free(). */
void vcard_value_split(const char *value, char sep, char ***parts_r, size_t *count_r);
/* The same split with every part left escaped (for a structured value
 * whose fields are lists: split at ';' raw, then each field at ','). */
void vcard_value_split_raw(const char *value, char sep, char ***parts_r, size_t *count_r);
void vcard_strings_free(char **list, size_t count);

/* ---- writing ---- */

/* Appends text escaped as a TEXT value (\\ \n \, \;). */
void vcard_escape_text(struct strbuf *b, const char *text);
/* Starts a content line: "group.NAME" (group may be NULL). */
void vcard_line_begin(struct strbuf *line, const char *group, const char *name);
/* Appends ";NAME=value", quoted when value holds ; : , or a space, with
 * ^ " and line feeds written as RFC 6868 escapes. */
void vcard_line_param(struct strbuf *line, const char *name, const char *value);
/* Appends ";NAME=v1,v2,...", each value quoted as needed. */
void vcard_line_param_list(struct strbuf *line, const char *name, char *const *values,
			   size_t count);
/* Appends the finished line to out, folded at 75 octets (never inside a
 * UTF-8 sequence), ending in CRLF. */
void vcard_fold(struct strbuf *out, const char *line, size_t len);
/* Appends prop as one folded content line, written from its parsed
 * parts (not its original bytes). */
void vcard_prop_write(struct strbuf *out, const struct vcard_prop *prop);
/* The whole card written again from its parsed parts. Caller frees. */
char *vcard_serialize(const struct vcard *card, size_t *len_r);

#endif
