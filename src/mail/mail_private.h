#ifndef TERN_MAIL_PRIVATE_H
#define TERN_MAIL_PRIVATE_H

#include <gmime/gmime.h>

#include "core/strbuf.h"
#include "mail/mail.h"

/* Internals of the mail layer, shared by its files only. */

#define MAIL_DEFAULT_MAX_DEPTH 32
#define MAIL_DEFAULT_MAX_PARTS 1000
#define MAIL_DEFAULT_MAX_HEADER_BYTES (1024 * 1024)

#define MAIL_PREVIEW_CHARS 256
/* Body text kept for the full-text index, and for text attachments. */
#define MAIL_SEARCH_BODY_MAX (1024 * 1024)
#define MAIL_SEARCH_ATTACH_MAX (256 * 1024)
#define MAIL_SEARCH_HEADERS_MAX (64 * 1024)

enum mail_part_kind {
	MAIL_PART_LEAF,		/* content with a transfer encoding */
	MAIL_PART_MESSAGE,	/* message/rfc822: raw bytes, not recursed */
	MAIL_PART_MULTIPART,
	MAIL_PART_OPAQUE,	/* past the bounds: raw bytes of what is left */
};

/* One node of the bounded part tree the model shows. */
struct mail_part {
	enum mail_part_kind kind;
	GMimeObject *object;	/* borrowed from the GMime tree; NULL if synthetic */
	char *part_id;		/* NULL for multipart */
	char *type;		/* lowercase "text/plain" */
	char *charset, *disposition, *name, *cid, *location;
	char **language;	/* NULL-terminated, or NULL */
	GMimeHeader **headers;	/* borrowed; in message order */
	size_t header_count;
	GMimeContentEncoding encoding;
	bool cte_unknown;	/* a Content-Transfer-Encoding GMime does not know */
	bool in_related;	/* a child of multipart/related */
	size_t start, end;	/* content bytes in msg->raw (still encoded) */
	size_t size;		/* decoded size */
	char *decoded;		/* the decoded content of an encoded text part */
	struct mail_part **children;
	size_t child_count;
};

struct mail_part_list {
	struct mail_part **items;
	size_t count, cap;
};

/* The top-level fields the model, summary and search text all use. */
enum mail_field {
	MAIL_FIELD_MESSAGE_ID,
	MAIL_FIELD_IN_REPLY_TO,
	MAIL_FIELD_REFERENCES,
	MAIL_FIELD_SENDER,
	MAIL_FIELD_FROM,
	MAIL_FIELD_TO,
	MAIL_FIELD_CC,
	MAIL_FIELD_BCC,
	MAIL_FIELD_REPLY_TO,
	MAIL_FIELD_SUBJECT,
	MAIL_FIELD_SENT_AT,
	MAIL_FIELD_COUNT
};

/* Computed on first use and kept: a message is used by one thread at a
 * time, and import asks for the same values three times. */
struct mail_cache {
	bool fields_done;
	json_object *fields[MAIL_FIELD_COUNT];	/* JSON null is NULL */
	json_object *headers;			/* EmailHeader[] of the top level */
	char *preview;
};

struct mail_message {
	GMimeStream *stream;	/* owns the copy of the raw bytes */
	const char *raw;
	size_t len;		/* of raw */
	size_t parsed_len;	/* what GMime was given (the guard may cut) */
	GMimeMessage *gm;	/* NULL if GMime found no message */
	struct mail_limits limits;
	struct mail_part *root;
	struct mail_part **leaves;	/* by partId - 1 */
	size_t leaf_count;
	struct mail_part_list text_body, html_body, attachments;
	bool has_attachment;
	struct mail_cache *cache;
};

/* mail.c */
GMimeParserOptions *mail_parser_options(void);

/* mail_guard.c: how many bytes of raw GMime may parse so that the part
 * count, nesting and boundary checks stay within limits (len, or the
 * start of the line where the budget runs out). */
size_t mail_guard_cut(const char *raw, size_t len, const struct mail_limits *limits);

/* mail_tree.c */
void mail_tree_build(struct mail_message *msg);
void mail_tree_free(struct mail_part *part);
/* The raw value of the last field called name among headers, or NULL. */
GMimeHeader *mail_headers_find_last(GMimeHeader *const *headers, size_t count, const char *name);
/* The leaf with partId part_id, or NULL. */
struct mail_part *mail_part_find(const struct mail_message *msg, const char *part_id);

/* mail_part_props.c: type, charset, disposition, name, cid, language,
 * location and transfer encoding from part->object and part->headers. */
void mail_part_props_fill(const struct mail_message *msg, struct mail_part *part);
void mail_part_props_free(struct mail_part *part);

/* mail_range.c: offsets in the raw message. */
/* The end of the content that starts at start: the newline before the
 * first line that is a delimiter of one of the boundaries, or the close
 * delimiter of close (may be NULL), or limit. */
size_t mail_range_content_end(const char *raw, size_t start, size_t limit,
			      const char *const *boundaries, size_t boundary_count,
			      const char *close);
/* The offset after the blank line that ends the header block holding
 * the field at offset, or limit. */
size_t mail_range_header_end(const char *raw, size_t offset, size_t limit);
/* Whether line (without its newline) is "--boundary" or
 * "--boundary--", with trailing white space allowed. */
bool mail_range_is_delimiter(const char *line, size_t len, const char *boundary);

/* mail_bodylists.c: textBody, htmlBody, attachments (RFC 8621 §4.1.4),
 * hasAttachment, and the preview from them. */
void mail_bodylists_build(struct mail_message *msg);
char *mail_bodylists_preview(const struct mail_message *msg);
void mail_part_list_add(struct mail_part_list *list, struct mail_part *part);
bool mail_part_list_contains(const struct mail_part_list *list, const struct mail_part *part);
void mail_part_list_free(struct mail_part_list *list);

/* mail_content.c: decoding part content. */
/* Decodes the transfer encoding of part into out, stopping once out
 * holds at least max bytes (0 = all). Returns whether it decoded all. */
bool mail_content_decode(const struct mail_message *msg, const struct mail_part *part, size_t max,
			 struct strbuf *out);
/* Sets part->size, keeping the decoded bytes of an encoded text part
 * (which the preview and the search text read again). */
void mail_content_prepare(const struct mail_message *msg, struct mail_part *part);
/* The text of part as UTF-8 with LF line ends, at most max bytes
 * (0 = all) cut on a character boundary. */
char *mail_content_text(const struct mail_message *msg, const struct mail_part *part, size_t max,
			bool *truncated_r, bool *problem_r);

/* mail_charset.c */
/* Appends data in charset (NULL: unlabelled) to out as UTF-8. Returns
 * true when the charset was unknown or the data malformed. */
bool mail_charset_to_utf8(const char *charset, const char *data, size_t len, bool cut,
			  struct strbuf *out);

/* mail_utf8.c */
/* Appends data to out as valid UTF-8: NUL dropped, each invalid
 * sequence replaced by U+FFFD. Returns true if anything was replaced.
 * cut: data may end inside a character, which is then dropped. */
bool mail_utf8_append_valid(struct strbuf *out, const char *data, size_t len, bool cut);
/* The length of the longest prefix of s[0..len) not splitting a
 * character, at most max. */
size_t mail_utf8_cut(const char *s, size_t len, size_t max);
/* Collapses runs of white space into one space, trims, and keeps at
 * most max_chars characters. Caller frees. */
char *mail_utf8_collapse(const char *s, size_t max_chars);
/* A valid UTF-8 copy of s without control characters (tabs and line
 * breaks become spaces). Caller frees. */
char *mail_utf8_clean(const char *s);
/* Appends the code point c as UTF-8. */
void mail_utf8_put(struct strbuf *out, uint32_t c);
bool mail_utf8_has_8bit(const char *s);
/* Lowercase ASCII copy of s. Caller frees. */
char *mail_ascii_lower(const char *s);

/* mail_html.c: the text of an HTML document. */
void mail_html_to_text(const char *html, size_t len, struct strbuf *out);

/* mail_header.c / mail_header_addr.c */
json_object *mail_header_addresses(const char *raw_value, bool grouped);
/* Text form as a C string (caller frees). */
char *mail_header_text(const char *raw_value);
/* Ids of msg-id list without <>; strict: NULL on any syntax error,
 * lenient: every <...> found. Caller frees each and the array. */
char **mail_header_msgids(const char *raw_value, bool strict, size_t *count_r);
void mail_strings_free(char **strings, size_t count);
/* Date form: 0 and the time and offset (seconds east), or -1. */
int mail_header_date(const char *raw_value, time_t *t_r, int *offset_r);
#define MAIL_DATE_MAX 32
/* RFC 3339 with the offset: "2026-11-21T14:00:00+01:00". */
void mail_date_format(time_t t, int offset, char out[MAIL_DATE_MAX]);

/* mail_fields.c: the cached top-level values. */
/* The value of field (borrowed; NULL for JSON null). */
json_object *mail_message_field(const struct mail_message *msg, enum mail_field field);
/* The property name of field in the model ("messageId", ...). */
const char *mail_field_property(enum mail_field field);
/* The top-level EmailHeader[] (borrowed). */
json_object *mail_message_headers(const struct mail_message *msg);
/* The preview (borrowed). */
const char *mail_message_preview(const struct mail_message *msg);
void mail_cache_free(struct mail_cache *cache);

/* mail_model.c */
/* The Raw form of a field of msg: valid UTF-8, NUL octets dropped, the
 * terminating line break removed. Caller frees. */
char *mail_header_raw_value(const struct mail_message *msg, GMimeHeader *header);
/* EmailHeader[] in Raw form, up to max_header_bytes of names and values. */
json_object *mail_model_headers(const struct mail_message *msg, GMimeHeader *const *headers, size_t count);
/* The last field name of part in form; NULL (JSON null) if absent. */
json_object *mail_model_field(const struct mail_message *msg, const struct mail_part *part, const char *name,
			      enum mail_header_form form);

/* mail_subject.c: the base subject of RFC 5256 §2.1, lowercase. */
char *mail_thread_subject(const char *subject);

#endif
