/* Email/set (RFC 8621 §4.6): create builds the message with mail_build()
 * and stores it like an import; update changes keywords and mailboxIds
 * (whole or by patch paths such as "keywords/$seen"); destroy. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/json_pointer.h"
#include "jmap/mailbox.h"
#include "jmap/patch.h"

/* A store failure fails the whole method: its transaction rolls back. */
static int email_set_store_fail(struct jmap_call *call, const char *what, const char *error,
				json_object **error_r)
{
	*error_r = NULL;
	if (store_last_error() == STORE_ERR_BUSY)
		return jmap_call_error(call, "serverUnavailable", "The account is busy; try again");
	return jmap_call_error(call, "serverFail", "%s: %s", what, error);
}

/* ---- create ---- */

struct email_build_fetch {
	struct jmap_call *call;
	struct email_blob_cache cache;
	json_object *missing;	/* blob ids not found */
	bool failed;		/* a store failure */
};

static int email_build_fetch(void *context, const char *blob_id, void **data_r, size_t *len_r)
{
	struct email_build_fetch *ctx = context;
	const char *id = jmap_id_resolve(ctx->call, blob_id);
	int ret = id != NULL ? email_blob_read_cached(&ctx->cache, ctx->call->acct, id, data_r,
						     len_r) : 0;

	if (ret == 0)
		json_object_array_add(ctx->missing, json_object_new_string(blob_id));
	else if (ret < 0)
		ctx->failed = true;
	return ret > 0 ? 0 : -1;
}

/* Builds the message; 0 and the bytes, or -1 with *error_r (a SetError,
 * or NULL after a method error). */
static int email_create_build(struct jmap_call *call, json_object *obj, char **raw_r,
			      size_t *len_r, json_object **error_r)
{
	struct email_build_fetch fetch = { call, { NULL, NULL }, json_object_new_array(), false };
	struct mail_build_input in = {
		obj, call->req->srv->hostname, time(NULL), email_build_fetch, &fetch,
	};
	const char *bad_property = NULL, *error = NULL;
	int ret;

	ret = mail_build(&in, raw_r, len_r, &bad_property, &error);
	if (ret < 0 && fetch.failed) {
		*error_r = NULL;
		jmap_call_error(call, "serverFail", "create: reading an attachment blob failed");
	} else if (ret < 0 && json_object_array_length(fetch.missing) > 0) {
		*error_r = jmap_set_error("blobNotFound", "An attachment blob does not exist", NULL);
		json_object_object_add(*error_r, "notFound", json_object_get(fetch.missing));
	} else if (ret < 0) {
		*error_r = jmap_prop_error(bad_property != NULL ? bad_property : "bodyStructure",
						error);
	}
	email_blob_cache_clear(&fetch.cache);
	json_object_put(fetch.missing);
	return ret;
}

struct email_create_meta {
	uint64_t *mailbox_ids;
	size_t mailbox_count;
	char **keywords;
	size_t keyword_count;
	time_t received_at;
};

static int email_create_meta_read(struct jmap_call *call, json_object *obj,
				  struct email_create_meta *meta, json_object **error_r)
{
	json_object *received = json_object_object_get(obj, "receivedAt");
	bool failed;

	if (json_object_object_get_ex(obj, "headers", NULL)) {
		*error_r = jmap_prop_error("headers", "Set each header field as a property");
		return -1;
	}
	if ((*error_r = email_keywords_parse(json_object_object_get(obj, "keywords"),
					     &meta->keywords, &meta->keyword_count)) != NULL)
		return -1;
	*error_r = email_mailboxes_parse(call, json_object_object_get(obj, "mailboxIds"),
					 &meta->mailbox_ids, &meta->mailbox_count, &failed);
	if (*error_r != NULL || failed)
		return -1;
	if (received != NULL &&
	    time_parse_utc(json_object_get_string(received), &meta->received_at) < 0) {
		*error_r = jmap_prop_error("receivedAt", "receivedAt must be a UTCDate");
		return -1;
	}
	return 0;
}

static int email_create_store(struct jmap_call *call, const struct email_create_meta *meta,
			      const char *raw, size_t len, json_object **created_r,
			      json_object **error_r)
{
	struct email_quota quota = { .loaded = false };
	char blob_id[STORE_BLOB_ID_LEN + 1];
	const char *error;
	struct email_new in = {
		blob_id, raw, len, meta->mailbox_ids, meta->mailbox_count, meta->keywords,
		meta->keyword_count, meta->received_at != 0 ? meta->received_at : time(NULL),
	};

	if (email_blob_write(call->acct, raw, len, blob_id, &error) < 0)
		return email_set_store_fail(call, "create: writing the message", error, error_r);
	return email_new_store(call, &quota, &in, created_r, error_r);
}

int jmap_email_create(struct jmap_call *call, const char *creation_id, json_object *obj,
		      json_object **created_r, json_object **error_r)
{
	struct email_create_meta meta = { 0 };
	char *raw = NULL;
	size_t len = 0;
	int ret;

	(void)creation_id;
	*error_r = NULL;
	ret = email_create_meta_read(call, obj, &meta, error_r);
	if (ret == 0)
		ret = email_create_build(call, obj, &raw, &len, error_r);
	if (ret == 0)
		ret = email_create_store(call, &meta, raw, len, created_r, error_r);
	free(raw);
	free(meta.mailbox_ids);
	email_keywords_free(&meta.keywords, meta.keyword_count);
	return ret;
}

/* ---- update ---- */

static json_object *email_current_json(const struct store_email *e)
{
	json_object *obj = json_object_new_object(), *kw = json_object_new_object();
	json_object *mb = json_object_new_object();
	char id[24];

	for (size_t i = 0; i < e->keyword_count; i++)
		json_object_object_add(kw, e->keywords[i], json_object_new_boolean(1));
	for (size_t i = 0; i < e->mailbox_count; i++) {
		jmap_id_format(MAILBOX_ID_PREFIX, e->mailboxes[i].mailbox_id, id);
		json_object_object_add(mb, id, json_object_new_boolean(1));
	}
	json_object_object_add(obj, "keywords", kw);
	json_object_object_add(obj, "mailboxIds", mb);
	return obj;
}

/* Patch keys name members as stored: "keywords/$Seen" is "$seen", and
 * "mailboxIds/#new" the mailbox created as "new". */
static char *email_patch_key(struct jmap_call *call, const char *key)
{
	const char *slash = strchr(key, '/');
	char *token, *out;
	const char *id;

	if (slash == NULL)
		return xstrdup(key);
	if (strncmp(key, "keywords/", 9) == 0) {
		out = xstrdup(key);
		for (char *p = out + 9; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		return out;
	}
	if (strncmp(key, "mailboxIds/", 11) != 0 || (token = json_pointer_unescape(slash + 1,
								strlen(slash + 1))) == NULL)
		return xstrdup(key);
	id = jmap_id_resolve(call, token);
	out = id != NULL && jmap_id_valid(id) ? xasprintf("mailboxIds/%s", id) : xstrdup(key);
	free(token);
	return out;
}

static json_object *email_patch_normalize(struct jmap_call *call, json_object *patch)
{
	json_object *out = json_object_new_object();

	json_object_object_foreach(patch, key, value) {
		char *fixed = email_patch_key(call, key);

		json_object_object_add(out, fixed, json_object_get(value));
		free(fixed);
	}
	return out;
}

static bool email_keywords_equal(const struct store_email *e, char **list, size_t count)
{
	if (e->keyword_count != count)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(e->keywords[i], list[i]) != 0)
			return false;
	}
	return true;
}

static bool email_mailboxes_equal(const struct store_email *e, const uint64_t *ids, size_t count)
{
	if (e->mailbox_count != count)
		return false;
	for (size_t i = 0; i < e->mailbox_count; i++) {
		bool found = false;

		for (size_t k = 0; k < count && !found; k++)
			found = ids[k] == e->mailboxes[i].mailbox_id;
		if (!found)
			return false;
	}
	return true;
}

struct email_update {
	char **keywords;
	size_t keyword_count;
	uint64_t *mailbox_ids;
	size_t mailbox_count;
};

static int email_update_read(struct jmap_call *call, json_object *obj, struct email_update *u,
			     json_object **error_r)
{
	bool failed;

	if ((*error_r = email_keywords_parse(json_object_object_get(obj, "keywords"),
					     &u->keywords, &u->keyword_count)) != NULL)
		return -1;
	*error_r = email_mailboxes_parse(call, json_object_object_get(obj, "mailboxIds"),
					 &u->mailbox_ids, &u->mailbox_count, &failed);
	return *error_r != NULL || failed ? -1 : 0;
}

static int email_update_write(struct jmap_call *call, const struct store_email *e,
			      const struct email_update *u, json_object **error_r)
{
	uint64_t mailbox_state = store_type_state(call->acct, STORE_TYPE_MAILBOX);
	const char *error;

	if (!email_keywords_equal(e, u->keywords, u->keyword_count) &&
	    store_email_set_keywords(call->acct, e->id, u->keywords, u->keyword_count, &error) < 0)
		return email_set_store_fail(call, "keywords", error, error_r);
	if (!email_mailboxes_equal(e, u->mailbox_ids, u->mailbox_count) &&
	    store_email_set_mailboxes(call->acct, e->id, u->mailbox_ids, u->mailbox_count,
				      &error) < 0)
		return email_set_store_fail(call, "mailboxes", error, error_r);
	/* unread counts move with $seen, total counts with mailboxes */
	if (store_type_state(call->acct, STORE_TYPE_MAILBOX) != mailbox_state)
		call->changed_types |= 1ULL << STORE_TYPE_MAILBOX;
	return 0;
}

static int email_update_apply(struct jmap_call *call, const struct store_email *e,
			      json_object *patch, json_object **error_r)
{
	json_object *obj = email_current_json(e), *fixed = email_patch_normalize(call, patch);
	struct email_update u = { 0 };
	const char *bad_path;
	int ret = -1;

	if (jmap_patch_apply(obj, fixed, &bad_path) < 0)
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
	else if (email_update_read(call, obj, &u, error_r) == 0)
		ret = email_update_write(call, e, &u, error_r);
	email_keywords_free(&u.keywords, u.keyword_count);
	free(u.mailbox_ids);
	json_object_put(fixed);
	json_object_put(obj);
	return ret;
}

/* The email of id: 1 (in *e_r), 0 not found (SetError), -1 failure. */
static int email_set_find(struct jmap_call *call, const char *id, struct store_email *e_r,
			  json_object **error_r)
{
	uint64_t n;
	int ret;

	*error_r = NULL;
	if (jmap_id_parse(EMAIL_ID_PREFIX, id, &n) < 0)
		ret = 0;
	else if ((ret = store_email_get(call->acct, n, 0, e_r)) < 0)
		return jmap_call_error(call, "serverFail", "email lookup failed");
	if (ret == 0)
		*error_r = jmap_set_error("notFound", NULL, NULL);
	return ret;
}

int jmap_email_update(struct jmap_call *call, const char *id, json_object *patch,
		      json_object **updated_r, json_object **error_r)
{
	struct store_email e = { 0 };
	int ret = email_set_find(call, id, &e, error_r);

	*updated_r = NULL;
	if (ret <= 0)
		return -1;
	ret = email_update_apply(call, &e, patch, error_r);
	store_email_clear(&e);
	return ret;
}

/* ---- destroy ---- */

int jmap_email_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct store_email e = { 0 };
	const char *error;
	int ret = email_set_find(call, id, &e, error_r);

	if (ret <= 0)
		return -1;
	ret = store_email_destroy(call->acct, e.id, &error);
	store_email_clear(&e);
	if (ret < 0)
		return email_set_store_fail(call, "destroy", error, error_r);
	call->changed_types |= (1ULL << STORE_TYPE_EMAIL) | (1ULL << STORE_TYPE_THREAD) |
			       (1ULL << STORE_TYPE_MAILBOX);
	return 0;
}
