#ifndef TERN_MAIL_H
#define TERN_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

/* MIME, over GMime: parse a message once into the cached model that
 * Email/get serves from, read header fields in the JMAP parsed forms,
 * decode body parts, and build MIME for Email/set. Knows only core.
 *
 * Malformed input never fails a parse: GMime recovers what it can and
 * the model says what it found. Depth and part count are bounded; parts
 * past the bounds are kept as opaque leaves.
 *
 * json_object values returned are new references the caller puts;
 * strings returned are caller-owned (free()). */

struct mail_limits {
	unsigned max_depth;	/* multipart nesting (default 32) */
	unsigned max_parts;	/* leaves and containers (default 1000) */
	size_t max_header_bytes;/* of one header block (default 1 MiB) */
};

/* Defaults for the fields left 0. */
void mail_limits_default(struct mail_limits *limits);

/* Must be called once before any other mail_ function (g_mime_init). */
void mail_init(void);
void mail_deinit(void);

struct mail_message;

/* Parses raw RFC 5322 bytes (copied; raw may be freed after). Never
 * returns NULL. */
struct mail_message *mail_message_parse(const void *raw, size_t len,
					const struct mail_limits *limits);
void mail_message_free(struct mail_message **msg);

/* The cached model (RFC 8621 §4.1 shapes), computed once at import and
 * stored as JSON text:
 *   "headers": [{"name","value"}]   top-level fields, value raw (§4.1.2.1)
 *   "messageId","inReplyTo","references": String[]|null
 *   "sender","from","to","cc","bcc","replyTo": EmailAddress[]|null
 *   "subject": String|null, "sentAt": Date|null (RFC 3339 with offset)
 *   "bodyStructure": EmailBodyPart tree: partId (null for multipart parts;
 *       leaves numbered "1","2",... depth first), size, headers, name,
 *       type, charset, disposition, cid, language, location, subParts
 *       (no blobId: the JMAP layer adds it from the partId)
 *   "textBody","htmlBody","attachments": String[] of partIds (§4.1.4)
 *   "hasAttachment": Boolean, "preview": String (<= 256 chars)
 * message/rfc822 parts are leaves, as JMAP shows them. */
json_object *mail_message_model(const struct mail_message *msg);

/* What the store needs beside the model: sort keys and threading. */
struct mail_summary {
	char *message_id;	/* first Message-ID without <>, or NULL */
	char **refs;		/* In-Reply-To and References ids, no <> */
	size_t ref_count;
	char *subject;		/* decoded, or NULL */
	char *thread_subject;	/* base subject (RFC 5256 §2.1), lowercase */
	char *from_sort;	/* first From: display name or address */
	char *to_sort;		/* first To: display name or address */
	time_t sent_at;		/* Date:, or 0 if missing or unparsable */
	bool has_attachment;
	char *preview;
};
void mail_message_summary(const struct mail_message *msg, struct mail_summary *summary_r);
void mail_summary_clear(struct mail_summary *summary);

/* Text for the full-text index, each field decoded to UTF-8 (bodies:
 * text/plain parts, and text/html parts with tags stripped). */
struct mail_search_text {
	char *subject, *from, *to, *cc, *bcc, *body, *attachments, *headers;
};
void mail_message_search_text(const struct mail_message *msg, struct mail_search_text *text_r);
void mail_search_text_clear(struct mail_search_text *text);

/* ---- header fields in the parsed forms of RFC 8621 §4.1.2 ---- */

enum mail_header_form {
	MAIL_FORM_RAW,
	MAIL_FORM_TEXT,
	MAIL_FORM_ADDRESSES,
	MAIL_FORM_GROUPED_ADDRESSES,
	MAIL_FORM_MESSAGE_IDS,
	MAIL_FORM_DATE,
	MAIL_FORM_URLS,
};

/* "asRaw" -> MAIL_FORM_RAW, ... Returns 0 or -1 if unknown. */
int mail_header_form_parse_name(const char *name, enum mail_header_form *form_r);
/* Whether form may be used with header field name (§4.1.3: e.g. Date
 * only as Raw or Date; From only as Raw, Addresses or GroupedAddresses;
 * unknown fields with any form). */
bool mail_header_form_allowed(const char *field_name, enum mail_header_form form);
/* The value of one raw field value in form (the JSON the spec gives:
 * String, EmailAddress[], EmailAddressGroup[], String[], Date, or
 * null when it cannot be parsed). */
json_object *mail_header_value(const char *raw_value, enum mail_header_form form);

/* ---- parts ---- */

/* The decoded content of leaf partId (transfer encoding removed).
 * Returns 0, or -1 if there is no such part. */
int mail_part_content(const struct mail_message *msg, const char *part_id, void **data_r,
		      size_t *len_r, char **content_type_r);

/* EmailBodyValue (§4.1.4) of a text part: decoded to UTF-8, at most
 * max_bytes (0 = all; cut on a character boundary). */
int mail_part_text(const struct mail_message *msg, const char *part_id, size_t max_bytes,
		   char **text_r, bool *truncated_r, bool *encoding_problem_r);

/* ---- building MIME for Email/set create (§4.6) ---- */

/* Fetches the content of an attachment blob by blobId (the JMAP layer
 * resolves part blob ids too). Returns 0 and a caller-owned buffer, or
 * -1 if the blob does not exist. mail_build calls it for every blobId
 * even after one fails, so the callback can list all missing ones. */
typedef int mail_blob_fetch_t(void *context, const char *blob_id, void **data_r, size_t *len_r);

struct mail_build_input {
	json_object *email;	/* the create object (borrowed) */
	const char *hostname;	/* for a generated Message-ID */
	time_t now;		/* Date: when sentAt is not given */
	mail_blob_fetch_t *fetch;
	void *fetch_context;
};

/* Builds the message: header fields from the Email properties
 * (addresses, subject, dates, message ids, header:X:asForm ones), MIME
 * structure from bodyStructure or textBody/htmlBody/attachments with
 * bodyValues; RFC 2047 encoded words and RFC 2231 parameters where
 * needed; a Message-ID and Date when missing. On success returns 0 and
 * the bytes; on invalid input -1 with *bad_property_r (the Email
 * property at fault, static or from email) and *error_r. */
int mail_build(const struct mail_build_input *in, char **raw_r, size_t *len_r,
	       const char **bad_property_r, const char **error_r);

/* The blobIds the body parts of create object email refer to
 * (bodyStructure, textBody, htmlBody, attachments), each once, in
 * order: a new JSON array, so that the JMAP layer can report every
 * missing one (blobNotFound, §4.6) before calling mail_build. */
json_object *mail_build_blob_ids(json_object *email);

#endif
