#ifndef TERN_JMAP_EMAIL_PRIVATE_H
#define TERN_JMAP_EMAIL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "jmap/email.h"
#include "mail/mail.h"
#include "store/store_mail.h"

/* What the Email files share: property names, rendering from the cached
 * model, keywords and mailboxIds, storing a new message, quota. */

/* A keyword set bigger than this is tooManyKeywords. */
#define EMAIL_MAX_KEYWORDS 256
/* Part blob ids nest (an attached message's parts): at most this deep. */
#define EMAIL_BLOB_MAX_NESTING 8

/* ---- property names (email_props.c) ---- */

/* A "header:{name}[:as{Form}][:all]" property, parsed. */
struct email_header_prop {
	char name[256];		/* field name as asked */
	enum mail_header_form form;
	bool all;
};

/* Parses a header property name; 0, or -1 if it is malformed or asks
 * for a form the field does not allow (§4.1.2). */
int email_header_prop_parse(const char *prop, struct email_header_prop *hp_r);

/* How Email/get and Email/parse render: the asked Email properties and
 * EmailBodyPart properties, and which bodyValues to fetch. */
struct email_render_opts {
	json_object *props;	/* array of property names (borrowed) */
	json_object *body_props;/* array of EmailBodyPart property names (owned) */
	bool fetch_text, fetch_html, fetch_all;
	size_t max_body_bytes;	/* 0: whole values */
};

/* Reads bodyProperties, fetch*BodyValues and maxBodyValueBytes from
 * call->args (already type-checked); props is borrowed. On a bad value
 * sets invalidArguments on call and returns -1. */
int email_render_opts_parse(struct jmap_call *call, json_object *props,
			    struct email_render_opts *opts_r);
void email_render_opts_clear(struct email_render_opts *opts);
/* Whether name is an Email property (static or a header property). */
bool email_prop_known(const char *name);
/* The property behind a header property name, for jmap_type.prop_match. */
const struct jmap_prop *email_prop_match(const char *name);

/* How much of the cached model rendering props needs: none, the light
 * members (addresses, subject, ids, dates), or all of it (header
 * fields and body parts, stored last so that the light part parses on
 * its own). */
enum email_model_need { EMAIL_MODEL_NONE, EMAIL_MODEL_LIGHT, EMAIL_MODEL_FULL };
enum email_model_need email_render_model_need(const struct email_render_opts *opts);

/* ---- rendering (email_render.c) ---- */

/* One message to render. meta is NULL for Email/parse (its metadata
 * properties are then null). msg is parsed on demand from the blob
 * (acct, blob_id) when bodyValues need it. */
struct email_source {
	struct store_account *acct;
	const struct store_email *meta;
	const char *blob_id;
	uint64_t size;
	json_object *model;		/* borrowed */
	struct mail_message *msg;	/* owned; NULL until needed */
};

/* The Email object with the asked properties (new reference). Returns
 * NULL only when the raw message could not be read (a store failure,
 * in *error_r). */
json_object *email_render(struct email_source *src, const struct email_render_opts *opts,
			  const char **error_r);
/* The model as stored: JSON text with the heavy members (headers,
 * bodyStructure) last. Caller frees. */
char *email_model_text(json_object *model);
/* The stored model text parsed, whole or only its light members (new
 * reference; NULL if the text is not JSON). */
json_object *email_model_parse(const char *text, enum email_model_need need);

/* ---- keywords and mailboxIds (email_fields.c) ---- */

/* §4.1.1: 1-255 of %x21-%x7e without ( ) { ] % * " \ */
bool email_keyword_valid(const char *keyword);
/* A keywords value ({keyword: true}) into a lowercase, sorted,
 * duplicate-free list. NULL, or an invalidProperties/tooManyKeywords
 * SetError. */
json_object *email_keywords_parse(json_object *value, char ***list_r, size_t *count_r);
void email_keywords_free(char ***list, size_t count);
/* A mailboxIds value ({id: true}, creation references resolved) into
 * ids of existing mailboxes, at least one. NULL or a SetError; -1 in
 * *failed_r when the store failed (error set on call). */
json_object *email_mailboxes_parse(struct jmap_call *call, json_object *value,
				   uint64_t **ids_r, size_t *count_r, bool *failed_r);

/* ---- storing a new message (email_import.c) ---- */

/* The account quota, read once per call (0: none). */
struct email_quota {
	bool loaded;
	uint64_t limit;
	uint64_t used;
};

/* Handles one entry of an import-like method's "emails" (Email/import,
 * Email/deliver), adding to created or not_created; -1 fails the call. */
typedef int email_import_one_fn(struct jmap_call *call, struct email_quota *quota,
				const char *cid, json_object *obj, json_object *created,
				json_object *not_created);
/* Runs one over every entry of emails, then answers as Email/import
 * does (oldState, newState, created, notCreated). */
int email_import_run(struct jmap_call *call, json_object *emails, const char *old_state,
		     email_import_one_fn *one);

struct email_new {
	const char *blob_id;	/* the message, already a blob of the account */
	const void *raw;
	size_t len;
	const uint64_t *mailbox_ids;
	size_t mailbox_count;
	char *const *keywords;	/* lowercase, sorted */
	size_t keyword_count;
	time_t received_at;	/* 0: the latest Received: date, or now */
};

/* What storing a message derives from its raw text, so that it can be
 * computed ahead of the write transaction (Email/import's prepare). */
struct email_parsed {
	json_object *model;
	char *model_text;	/* email_model_text() of model */
	struct mail_summary summary;
	struct mail_search_text text;
};

/* Parses raw (bounded by the default mail limits) into parsed_r. */
void email_parsed_init(struct email_parsed *parsed_r, const void *raw, size_t len);
/* An invalidProperties SetError naming prop (the caller owns it). */
json_object *jmap_prop_error(const char *prop, const char *description);
/* That error for the first key of obj not in known (NULL-terminated),
 * or NULL when every key is known. */
json_object *email_unknown_props(json_object *obj, const char *const *known,
				 const char *description);
/* Makes the stored messages, parsed again, the text source of the
 * store's full-text catch-up (email_fts_source.c). */
void email_fts_source_set(struct store *store);
void email_parsed_clear(struct email_parsed *parsed);

/* Parses and stores one message. Returns 0 and *created_r (id, blobId,
 * threadId, size); -1 and a SetError (overQuota) in *error_r; or -1 with
 * *error_r NULL after a method error (store failure). */
int email_new_store(struct jmap_call *call, struct email_quota *quota, const struct email_new *in,
		    json_object **created_r, json_object **error_r);
/* email_new_store() of a message parsed already (parsed is in->raw's). */
int email_new_store_parsed(struct jmap_call *call, struct email_quota *quota,
			   const struct email_new *in, const struct email_parsed *parsed,
			   json_object **created_r, json_object **error_r);

/* ---- Email/import's prepare hook (email_import_prepare.c) ---- */

/* What the prepare hooks of Email/import and Email/deliver share: one
 * item of item_size bytes (zeroed) per entry of "emails", filled by
 * one() outside the transaction within budget bytes in all, released
 * by clear() when the call ends, and handed to the handler in order. */
typedef void email_prepare_one_fn(struct jmap_call *call, json_object *obj, void *item,
				  size_t *budget);
void email_prepare_each(struct jmap_call *call, size_t item_size, size_t budget,
			email_prepare_one_fn *one, void (*clear)(void *item));
/* The item prepared for creation id cid (owned by the call), or NULL.
 * Entries the handler never asked for (they failed earlier) are
 * skipped: items are taken in order. */
void *email_prepared_next(struct jmap_call *call, const char *cid);

/* jmap_prepare_fn of Email/import: reads and parses each EmailImport's
 * blob into call->prepared, in the order of "emails". */
void email_import_prepare(struct jmap_call *call);
/* Hands over the message prepared for the next EmailImport, if it is
 * creation id cid, was read from blob_id (resolved) and that blob is
 * still in the account: 1 with the raw message and its parse moved into
 * *raw_r, *len_r and *parsed_r; 0 if the caller must read it itself. */
int email_import_prepared_take(struct jmap_call *call, const char *cid, const char *blob_id,
			       void **raw_r, size_t *len_r, struct email_parsed *parsed_r);

/* ---- Email/deliver (email_deliver.c) ---- */

/* Its prepare hook: writes each message's blob file and parses it. */
void email_deliver_prepare(struct jmap_call *call);

/* ---- blobs (email_blob.c) ---- */

/* The parsed message of the last container read, so that reading many
 * parts of one message (Email/set attachments) parses it once. */
struct email_blob_cache {
	char *container;	/* blob id of the parsed message, or NULL */
	struct mail_message *msg;
};

/* email_blob_read() through cache (start it zeroed). */
int email_blob_read_cached(struct email_blob_cache *cache, struct store_account *acct,
			   const char *blob_id, void **data_r, size_t *len_r);
void email_blob_cache_clear(struct email_blob_cache *cache);

/* Writes data as a new blob of the account. 0 or -1 with *error_r. */
int email_blob_write(struct store_account *acct, const void *data, size_t len,
		     char blob_id_r[STORE_BLOB_ID_LEN + 1], const char **error_r);

/* ---- Email/set hooks (email_set.c) ---- */

int jmap_email_create(struct jmap_call *call, const char *creation_id, json_object *obj,
		      json_object **created_r, json_object **error_r);
int jmap_email_update(struct jmap_call *call, const char *id, json_object *patch,
		      json_object **updated_r, json_object **error_r);
int jmap_email_destroy(struct jmap_call *call, const char *id, json_object **error_r);

/* ---- extra methods ---- */

int jmap_email_import(struct jmap_call *call);
int jmap_email_deliver(struct jmap_call *call);
int jmap_email_parse(struct jmap_call *call);
int jmap_email_copy(struct jmap_call *call);

#endif
