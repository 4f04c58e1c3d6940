#ifndef TERN_MAIL_BUILD_PRIVATE_H
#define TERN_MAIL_BUILD_PRIVATE_H

#include "mail/mail_private.h"

/* Shared by the files that build MIME for Email/set create (§4.6). */

/* Bounds on what a create object may ask for. */
#define BUILD_MAX_DEPTH MAIL_DEFAULT_MAX_DEPTH
#define BUILD_MAX_PARTS MAIL_DEFAULT_MAX_PARTS
#define BUILD_MAX_HEADER_PROPS 1000

struct build_ctx {
	const struct mail_build_input *in;
	json_object *body_values;	/* borrowed, or NULL */
	GMimeFormatOptions *format;	/* values with LF; the writer makes CRLF */
	const char *property;		/* the top-level property being built */
	const char *error;
	/* The first blob fetch that failed: the build goes on so that the
	 * fetch callback sees every blobId, then fails. */
	const char *blob_property, *blob_error;
	unsigned parts;
};

/* A "header:Name[:asForm][:all]" property. */
struct build_header_prop {
	char *field;			/* as written */
	enum mail_header_form form;
	bool all;
};

/* mail_build_header.c */
/* Parses a property name; 0, or -1 if it is not a valid header property. */
int build_header_prop_parse(const char *property, struct build_header_prop *prop_r);
/* Adds the header fields value stands for (one, or each of an :all
 * array; none for null) to object. Returns 0 or -1 with ctx->error. */
int build_header_add(struct build_ctx *ctx, GMimeObject *object, const struct build_header_prop *prop,
		     json_object *value);
/* Adds field name with the addresses of the EmailAddress[] value. */
int build_header_add_addresses(struct build_ctx *ctx, GMimeObject *object, const char *name,
			       json_object *value);
/* Appends field name with the exact value raw (what follows the colon). */
void build_header_set_raw(GMimeObject *object, const char *name, const char *raw);
/* Records the lowercase field name in fields; -1 if it was there. */
int build_field_claim(GHashTable *fields, const char *field);
/* A string with CR, LF and other controls turned into spaces, or NULL
 * if value is not a string. Caller frees. */
char *build_string(json_object *value);
/* Parses an RFC 3339 date with offset into the RFC 5322 form ("Sat, 21
 * Nov 2026 14:00:00 +0100"). Returns 0 or -1. */
int build_date_5322(const char *rfc3339, char *out, size_t size);
void build_date_from_time(time_t t, int offset, char *out, size_t size);

/* mail_build_body.c */
/* The MIME body from bodyStructure, or from textBody, htmlBody and
 * attachments; top_fields are the fields the Email sets itself. NULL
 * with ctx->property and ctx->error on invalid input. */
GMimeObject *build_body(struct build_ctx *ctx, GHashTable *top_fields);

#endif
