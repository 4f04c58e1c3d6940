/* The urn:tern:imap properties of Email: UIDs, MODSEQ, ENVELOPE,
 * BODY[STRUCTURE], BODY[section] and BINARY[part]. The structures come
 * from one parse of the message (mail/mail_imap.h); the whole message
 * ("imapSection:") is the blob's bytes as stored, read without a
 * parse. The gateway's own BODY[] skips all that: it opens the blobs of
 * a batch of Emails (jmap_email_blobs_open) and sends their bytes. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "jmap/call.h"
#include "jmap/imap_vendor.h"
#include "jmap/jmap.h"
#include "jmap/mailbox.h"
#include "mail/mail_imap.h"
#include "store/store_imap.h"

#define EMAIL_IMAP_FLAGS (JMAP_PROP_SERVER_SET | JMAP_PROP_IMMUTABLE | JMAP_PROP_NOT_DEFAULT)
#define EMAIL_IMAP_PREFIX "imap"
#define EMAIL_IMAP_SECTION "imapSection:"
#define EMAIL_IMAP_BINARY "imapBinary:"
#define EMAIL_IMAP_BINARY_SIZE "imapBinarySize:"
/* Bounds on a section: no real client comes near them. */
#define EMAIL_IMAP_MAX_SECTION 1024
#define EMAIL_IMAP_MAX_DIGITS 9

static const struct jmap_prop email_imap_props[] = {
	{ "imapUids", JMAP_KIND_OBJECT, EMAIL_IMAP_FLAGS },
	{ "imapModSeq", JMAP_KIND_UINT, EMAIL_IMAP_FLAGS },
	{ "imapEnvelope", JMAP_KIND_ARRAY, EMAIL_IMAP_FLAGS },
	{ "imapBody", JMAP_KIND_ARRAY, EMAIL_IMAP_FLAGS },
	{ "imapBodyStructure", JMAP_KIND_ARRAY, EMAIL_IMAP_FLAGS },
	{ NULL, 0, 0 },
};

static const struct jmap_prop email_imap_section_prop = {
	EMAIL_IMAP_SECTION, JMAP_KIND_ANY, EMAIL_IMAP_FLAGS,
};
static const struct jmap_prop email_imap_binary_prop = {
	EMAIL_IMAP_BINARY, JMAP_KIND_ANY, EMAIL_IMAP_FLAGS,
};
static const struct jmap_prop email_imap_binary_size_prop = {
	EMAIL_IMAP_BINARY_SIZE, JMAP_KIND_ANY, EMAIL_IMAP_FLAGS,
};

static bool email_imap_has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* ---- section syntax (RFC 9051 §9: section-spec), case-insensitive ---- */

/* Past a section-part (nz-number *("." nz-number)): where the text
 * after it starts, or NULL when s does not start with one. */
static const char *email_imap_part_end(const char *s)
{
	for (;;) {
		size_t digits = 0;

		if (*s < '1' || *s > '9')
			return NULL;
		while (*s >= '0' && *s <= '9') {
			if (++digits > EMAIL_IMAP_MAX_DIGITS)
				return NULL;
			s++;
		}
		if (s[0] != '.' || s[1] < '0' || s[1] > '9')
			return s;
		s++;
	}
}

/* " (" field *(SP field) ")", each field printable ASCII without
 * parentheses. */
static bool email_imap_fields_valid(const char *s)
{
	if (strncmp(s, " (", 2) != 0)
		return false;
	s += 2;
	for (;;) {
		size_t len = strcspn(s, " ()");

		if (len == 0)
			return false;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < 0x21 || s[i] > 0x7e)
				return false;
		}
		s += len;
		if (*s == ')')
			return s[1] == '\0';
		if (*s != ' ')
			return false;
		s++;
	}
}

static bool email_imap_text_valid(const char *s, bool after_part)
{
	static const char fields_not[] = "HEADER.FIELDS.NOT";
	static const char fields[] = "HEADER.FIELDS";

	if (strcasecmp(s, "HEADER") == 0 || strcasecmp(s, "TEXT") == 0)
		return true;
	if (after_part && strcasecmp(s, "MIME") == 0)
		return true;
	if (strncasecmp(s, fields_not, strlen(fields_not)) == 0)
		return email_imap_fields_valid(s + strlen(fields_not));
	if (strncasecmp(s, fields, strlen(fields)) == 0)
		return email_imap_fields_valid(s + strlen(fields));
	return false;
}

static bool email_imap_section_valid(const char *s)
{
	const char *end;

	if (strlen(s) > EMAIL_IMAP_MAX_SECTION)
		return false;
	if (*s == '\0')
		return true;
	if ((end = email_imap_part_end(s)) == NULL)
		return email_imap_text_valid(s, false);
	return *end == '\0' || (*end == '.' && email_imap_text_valid(end + 1, true));
}

/* BINARY's part: "" or a section-part alone. */
static bool email_imap_part_valid(const char *s)
{
	const char *end;

	return *s == '\0' || ((end = email_imap_part_end(s)) != NULL && *end == '\0');
}

const struct jmap_prop *email_imap_prop_match(const char *name)
{
	if (!email_imap_has_prefix(name, EMAIL_IMAP_PREFIX))
		return NULL;
	for (const struct jmap_prop *p = email_imap_props; p->name != NULL; p++) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	if (email_imap_has_prefix(name, EMAIL_IMAP_SECTION))
		return email_imap_section_valid(name + strlen(EMAIL_IMAP_SECTION)) ?
		       &email_imap_section_prop : NULL;
	if (email_imap_has_prefix(name, EMAIL_IMAP_BINARY))
		return email_imap_part_valid(name + strlen(EMAIL_IMAP_BINARY)) ?
		       &email_imap_binary_prop : NULL;
	if (email_imap_has_prefix(name, EMAIL_IMAP_BINARY_SIZE))
		return email_imap_part_valid(name + strlen(EMAIL_IMAP_BINARY_SIZE)) ?
		       &email_imap_binary_size_prop : NULL;
	return NULL;
}

int email_imap_props_check(struct jmap_call *call, json_object *props)
{
	size_t n = json_object_array_length(props);

	if (call->req->in_process)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(props, i));

		if (email_imap_prop_match(name) != NULL)
			return jmap_call_error(call, "invalidArguments", "Unknown property: %s", name);
	}
	return 0;
}

/* ---- rendering ---- */

/* One message's imap* properties: its bytes and its parse, each made
 * at most once. */
struct email_imap_ctx {
	struct email_source *src;
	void *raw;
	size_t raw_len;
};

static bool email_imap_needs_msg(const char *name)
{
	return strcmp(name, "imapEnvelope") == 0 || strcmp(name, "imapBody") == 0 ||
	       strcmp(name, "imapBodyStructure") == 0 ||
	       (email_imap_has_prefix(name, EMAIL_IMAP_SECTION) &&
		name[strlen(EMAIL_IMAP_SECTION)] != '\0') ||
	       email_imap_has_prefix(name, EMAIL_IMAP_BINARY) ||
	       email_imap_has_prefix(name, EMAIL_IMAP_BINARY_SIZE);
}

static bool email_imap_needs_raw(const char *name)
{
	return strcmp(name, EMAIL_IMAP_SECTION) == 0;
}

static int email_imap_load(struct email_imap_ctx *ctx, const char **error_r)
{
	int ret;

	if (ctx->raw != NULL)
		return 0;
	ret = email_blob_read(ctx->src->acct, ctx->src->blob_id, &ctx->raw, &ctx->raw_len);
	if (ret > 0)
		return 0;
	*error_r = ret == 0 ? "The message blob is missing" : "Reading the message failed";
	return -1;
}

/* Reads (and parses, if a property needs it) the message once for all
 * the asked properties; 1 if some are imap* properties, 0 if none. */
static int email_imap_prepare(struct email_imap_ctx *ctx, json_object *props,
			      const char **error_r)
{
	size_t n = json_object_array_length(props);
	bool asked = false, need_msg = false, need_raw = false;

	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(props, i));

		if (!email_imap_has_prefix(name, EMAIL_IMAP_PREFIX) ||
		    email_imap_prop_match(name) == NULL)
			continue;
		asked = true;
		need_msg |= email_imap_needs_msg(name);
		need_raw |= email_imap_needs_raw(name);
	}
	need_msg &= ctx->src->msg == NULL;
	if ((need_msg || need_raw) && email_imap_load(ctx, error_r) < 0)
		return -1;
	if (need_msg) {
		struct mail_limits limits = { 0 };

		mail_limits_default(&limits);
		ctx->src->msg = mail_message_parse(ctx->raw, ctx->raw_len, &limits);
	}
	return asked ? 1 : 0;
}

/* Bytes as a JSON string (any bytes: read with their length). */
static json_object *email_imap_string(const void *data, size_t len)
{
	if (len > INT_MAX)
		return NULL;
	return json_object_new_string_len(len > 0 ? data : "", (int)len);
}

static json_object *email_imap_uids(const struct store_email *e)
{
	json_object *obj = json_object_new_object();
	char id[24];

	for (size_t i = 0; i < e->mailbox_count; i++) {
		jmap_id_format(MAILBOX_ID_PREFIX, e->mailboxes[i].mailbox_id, id);
		json_object_object_add(obj, id, json_object_new_int64(e->mailboxes[i].uid));
	}
	return obj;
}

/* A part that does not exist, or a section the parser refuses, is
 * null. */
static json_object *email_imap_section(struct email_imap_ctx *ctx, const char *section)
{
	json_object *value = NULL;
	char *data;
	size_t len;

	if (section[0] == '\0')
		return email_imap_string(ctx->raw, ctx->raw_len);
	if (mail_imap_section(ctx->src->msg, section, &data, &len) > 0) {
		value = email_imap_string(data, len);
		free(data);
	}
	return value;
}

/* BINARY[part] or BINARY.SIZE[part]: null when there is no such leaf,
 * false when its transfer encoding is unknown. */
static json_object *email_imap_binary(struct email_imap_ctx *ctx, const char *part, bool size)
{
	json_object *value = NULL;
	bool unknown_cte = false;
	char *data = NULL;
	size_t len = 0;

	if (mail_imap_binary(ctx->src->msg, part, &data, &len, &unknown_cte) <= 0)
		return NULL;
	if (unknown_cte)
		value = json_object_new_boolean(0);
	else if (size)
		value = json_object_new_int64((int64_t)len);
	else
		value = email_imap_string(data, len);
	free(data);
	return value;
}

static json_object *email_imap_value(struct email_imap_ctx *ctx, const char *name)
{
	const struct store_email *e = ctx->src->meta;

	if (strcmp(name, "imapUids") == 0)
		return e != NULL ? email_imap_uids(e) : NULL;
	if (strcmp(name, "imapModSeq") == 0)
		return e != NULL ? json_object_new_int64((int64_t)e->modseq) : NULL;
	if (strcmp(name, "imapEnvelope") == 0)
		return mail_imap_envelope(ctx->src->msg);
	if (strcmp(name, "imapBody") == 0)
		return mail_imap_bodystructure(ctx->src->msg, false);
	if (strcmp(name, "imapBodyStructure") == 0)
		return mail_imap_bodystructure(ctx->src->msg, true);
	if (email_imap_has_prefix(name, EMAIL_IMAP_SECTION))
		return email_imap_section(ctx, name + strlen(EMAIL_IMAP_SECTION));
	if (email_imap_has_prefix(name, EMAIL_IMAP_BINARY_SIZE))
		return email_imap_binary(ctx, name + strlen(EMAIL_IMAP_BINARY_SIZE), true);
	return email_imap_binary(ctx, name + strlen(EMAIL_IMAP_BINARY), false);
}

int email_imap_render(struct email_source *src, json_object *props, json_object *obj,
		      const char **error_r)
{
	struct email_imap_ctx ctx = { .src = src };
	size_t n = json_object_array_length(props);
	int ret = email_imap_prepare(&ctx, props, error_r);

	for (size_t i = 0; ret > 0 && i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(props, i));

		if (email_imap_has_prefix(name, EMAIL_IMAP_PREFIX) &&
		    email_imap_prop_match(name) != NULL)
			json_object_object_add(obj, name, email_imap_value(&ctx, name));
	}
	free(ctx.raw);
	return ret < 0 ? -1 : 0;
}

/* ---- the blobs of Emails, for BODY[] ---- */

/* Opens each Email's blob inside the caller's transaction; on failure
 * closes what it opened. */
static int email_imap_blobs_read(struct store_account *acct, const char *const *email_ids,
				 size_t count, int *fds_r, uint64_t *sizes_r, const char **error_r)
{
	for (size_t i = 0; i < count; i++) {
		uint64_t id;

		fds_r[i] = -1;
		if (jmap_id_parse(EMAIL_ID_PREFIX, email_ids[i], &id) < 0)
			continue;
		if (store_imap_email_blob_open(acct, id, &fds_r[i], &sizes_r[i], error_r) < 0) {
			fds_r[i] = -1;
			for (size_t k = 0; k < i; k++) {
				if (fds_r[k] >= 0)
					close(fds_r[k]);
				fds_r[k] = -1;
			}
			return -1;
		}
	}
	return 0;
}

int jmap_email_blobs_open(struct jmap_server *srv, const struct directory_identity *user,
			  const char *account_id, const char *const *email_ids, size_t count,
			  int *fds_r, uint64_t *sizes_r, int *http_status_r)
{
	struct store_account *acct;
	const char *error;
	uint32_t id;
	int ret;

	if (account_id == NULL || jmap_account_id_parse(account_id, &id) < 0) {
		*http_status_r = 404;
		return -1;
	}
	if (user->is_admin || id != user->account_id) {
		*http_status_r = 403;
		return -1;
	}
	if (store_account_open(srv->store, id, &acct, &error) < 0) {
		log_error("jmap.email.blobs", "account=%u error=%s", id, log_q(error));
		*http_status_r = 500;
		return -1;
	}
	/* one snapshot, and no lock taken per blob */
	ret = store_txn_begin(acct, false, &error);
	if (ret == 0) {
		ret = email_imap_blobs_read(acct, email_ids, count, fds_r, sizes_r, &error);
		store_txn_rollback(acct);
	}
	store_account_release(&acct);
	if (ret < 0) {
		log_error("jmap.email.blobs", "account=%u error=%s", id, log_q(error));
		*http_status_r = 500;
		return -1;
	}
	*http_status_r = 200;
	return 0;
}
