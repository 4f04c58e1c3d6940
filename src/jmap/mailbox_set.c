/* Mailbox/set rules (RFC 8621 §2, §2.5): names unique among siblings,
 * no cycles, bounded depth, one mailbox per role, an Inbox that stays. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "core/xalloc.h"
#include "jmap/mailbox.h"
#include "jmap/patch.h"

/* The account's mailboxes, read once per operation. */
struct mailbox_set_ctx {
	struct jmap_call *call;
	struct store_mailbox *list;
	size_t count;
};

/* A store failure fails the whole method (its transaction is rolled
 * back), not just one object: no SetError, a method-level serverFail. */
static int mailbox_store_fail(struct jmap_call *call, const char *error, json_object **error_r)
{
	*error_r = NULL;
	return jmap_call_error(call, "serverFail", "%s", error);
}

static int mailbox_ctx_load(struct jmap_call *call, struct mailbox_set_ctx *ctx,
			    json_object **error_r)
{
	const char *error;

	ctx->call = call;
	if (store_mailbox_list(call->acct, &ctx->list, &ctx->count, &error) < 0)
		return mailbox_store_fail(call, error, error_r);
	return 0;
}

static void mailbox_ctx_free(struct mailbox_set_ctx *ctx)
{
	store_mailbox_list_free(&ctx->list, ctx->count);
}

static bool mailbox_is_inbox(const struct store_mailbox *mb)
{
	return mb->role != NULL && strcmp(mb->role, "inbox") == 0;
}

/* Net-Unicode (RFC 5198) without control characters, and no "/" (the
 * IMAP hierarchy separator). */
static const char *mailbox_name_problem(const char *name, int64_t max_len)
{
	size_t len = strlen(name);

	if (len == 0)
		return "The name must not be empty";
	if ((int64_t)len > max_len)
		return "The name is too long";
	if (!g_utf8_validate(name, (gssize)len, NULL))
		return "The name is not valid UTF-8";
	for (const char *p = name; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
			return "The name contains a control character";
		if (c == '/')
			return "The name contains \"/\"";
	}
	return NULL;
}

static int mailbox_parse_parent(struct mailbox_set_ctx *ctx, json_object *value,
				struct store_mailbox *mb, json_object **error_r)
{
	const char *id;
	uint64_t n;

	if (value == NULL) {
		mb->parent_id = 0;
		return 0;
	}
	if (!json_object_is_type(value, json_type_string)) {
		*error_r = jmap_prop_error("parentId", "parentId must be an Id or null");
		return -1;
	}
	id = jmap_id_resolve(ctx->call, json_object_get_string(value));
	if (id == NULL || jmap_id_parse(MAILBOX_ID_PREFIX, id, &n) < 0 ||
	    mailbox_list_find(ctx->list, ctx->count, n) == NULL) {
		*error_r = jmap_prop_error("parentId", "The parent mailbox does not exist");
		return -1;
	}
	mb->parent_id = n;
	return 0;
}

static int mailbox_parse_role(json_object *value, struct store_mailbox *mb,
			      json_object **error_r)
{
	if (value == NULL) {
		mb->role = NULL;
		return 0;
	}
	if (!json_object_is_type(value, json_type_string) ||
	    !mailbox_role_valid(json_object_get_string(value))) {
		*error_r = jmap_prop_error("role", "Unknown role");
		return -1;
	}
	mb->role = xstrdup(json_object_get_string(value));
	return 0;
}

static int mailbox_parse_scalars(json_object *obj, struct store_mailbox *mb,
				 json_object **error_r)
{
	json_object *value;

	if (json_object_object_get_ex(obj, "name", &value)) {
		/* json-c strings may hold NUL: a name must not be cut at one */
		if (!json_object_is_type(value, json_type_string) ||
		    strlen(json_object_get_string(value)) !=
		    (size_t)json_object_get_string_len(value)) {
			*error_r = jmap_prop_error("name", "name must be a String without NUL");
			return -1;
		}
		free(mb->name);
		mb->name = xstrdup(json_object_get_string(value));
	}
	if (json_object_object_get_ex(obj, "sortOrder", &value) && value != NULL) {
		int64_t order = json_object_get_int64(value);

		if (!json_object_is_type(value, json_type_int) || order < 0 || order >= (1LL << 31)) {
			*error_r = jmap_prop_error("sortOrder", "sortOrder must be in 0..2^31-1");
			return -1;
		}
		mb->sort_order = (uint32_t)order;
	}
	if (json_object_object_get_ex(obj, "isSubscribed", &value) && value != NULL) {
		if (!json_object_is_type(value, json_type_boolean)) {
			*error_r = jmap_prop_error("isSubscribed", "isSubscribed must be a Boolean");
			return -1;
		}
		mb->is_subscribed = json_object_get_boolean(value);
	}
	return 0;
}

/* Reads the settable properties present in obj over the values already
 * in mb, which hold the defaults: a null keeps the default. */
static int mailbox_parse(struct mailbox_set_ctx *ctx, json_object *obj,
			 struct store_mailbox *mb, json_object **error_r)
{
	json_object *value;

	if (mailbox_parse_scalars(obj, mb, error_r) < 0)
		return -1;
	if (json_object_object_get_ex(obj, "parentId", &value) &&
	    mailbox_parse_parent(ctx, value, mb, error_r) < 0)
		return -1;
	if (json_object_object_get_ex(obj, "role", &value)) {
		free(mb->role);
		if (mailbox_parse_role(value, mb, error_r) < 0)
			return -1;
	}
	return 0;
}

/* Levels below mb's own (0 for a leaf). */
static unsigned mailbox_subtree_height(const struct mailbox_set_ctx *ctx, uint64_t id,
				       unsigned limit)
{
	unsigned height = 0;

	if (limit == 0)
		return 0;
	for (size_t i = 0; i < ctx->count; i++) {
		if (ctx->list[i].parent_id == id) {
			unsigned h = 1 + mailbox_subtree_height(ctx, ctx->list[i].id, limit - 1);

			if (h > height)
				height = h;
		}
	}
	return height;
}

/* Walks up from parent_id: fails if it meets self_id (a cycle) and
 * returns the number of ancestors. */
static int mailbox_ancestors(const struct mailbox_set_ctx *ctx, uint64_t parent_id,
			     uint64_t self_id)
{
	int depth = 0;

	for (uint64_t id = parent_id; id != 0; depth++) {
		const struct store_mailbox *p = mailbox_list_find(ctx->list, ctx->count, id);

		if (p == NULL || id == self_id || depth > (int)ctx->count)
			return -1;
		id = p->parent_id;
	}
	return depth;
}

static json_object *mailbox_check_tree(const struct mailbox_set_ctx *ctx,
				       const struct store_mailbox *mb)
{
	const struct jmap_limits *limits = &ctx->call->req->srv->limits;
	int ancestors = mailbox_ancestors(ctx, mb->parent_id, mb->id);

	if (ancestors < 0)
		return jmap_prop_error("parentId", "A mailbox cannot be inside itself");
	if (mb->id != 0)
		ancestors += (int)mailbox_subtree_height(ctx, mb->id, (unsigned)ctx->count);
	if (ancestors + 1 > limits->max_mailbox_depth)
		return jmap_prop_error("parentId", "The mailbox tree would be too deep");
	return NULL;
}

static json_object *mailbox_check_name(const struct mailbox_set_ctx *ctx,
				       const struct store_mailbox *mb)
{
	const char *problem = mailbox_name_problem(mb->name,
						   ctx->call->req->srv->limits.max_mailbox_name);

	if (problem != NULL)
		return jmap_prop_error("name", problem);
	/* IMAP shows the Inbox as INBOX at the top, whatever its name. */
	if (mb->parent_id == 0 && !mailbox_is_inbox(mb) && strcasecmp(mb->name, "inbox") == 0)
		return jmap_prop_error("name", "The name INBOX is reserved for the inbox");
	for (size_t i = 0; i < ctx->count; i++) {
		const struct store_mailbox *other = &ctx->list[i];

		if (other->id != mb->id && other->parent_id == mb->parent_id &&
		    strcmp(other->name, mb->name) == 0)
			return jmap_prop_error("name", "A sibling mailbox has this name");
	}
	return NULL;
}

static json_object *mailbox_check_role(const struct mailbox_set_ctx *ctx,
				       const struct store_mailbox *mb,
				       const struct store_mailbox *old)
{
	if (old != NULL && mailbox_is_inbox(old) && !mailbox_is_inbox(mb))
		return jmap_prop_error("role", "The inbox keeps its role");
	if (mailbox_is_inbox(mb) && mb->parent_id != 0)
		return jmap_prop_error("parentId", "The inbox stays at the top level");
	if (mb->role == NULL)
		return NULL;
	for (size_t i = 0; i < ctx->count; i++) {
		const struct store_mailbox *other = &ctx->list[i];

		if (other->id != mb->id && other->role != NULL && strcmp(other->role, mb->role) == 0)
			return jmap_prop_error("role", "Another mailbox has this role");
	}
	return NULL;
}

static json_object *mailbox_check(const struct mailbox_set_ctx *ctx,
				  const struct store_mailbox *mb,
				  const struct store_mailbox *old)
{
	json_object *error;

	if ((error = mailbox_check_name(ctx, mb)) != NULL)
		return error;
	if ((error = mailbox_check_tree(ctx, mb)) != NULL)
		return error;
	return mailbox_check_role(ctx, mb, old);
}

/* The created object carries every property the client did not send. */
static json_object *mailbox_created_json(const struct store_mailbox *mb, json_object *sent)
{
	json_object *obj = mailbox_to_json(mb);

	json_object_object_foreach(sent, key, value) {
		(void)value;
		json_object_object_del(obj, key);
	}
	return obj;
}

int jmap_mailbox_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			json_object **created_r, json_object **error_r)
{
	struct mailbox_set_ctx ctx;
	struct store_mailbox mb = { .is_subscribed = true };
	const char *error;
	int ret = -1;

	(void)creation_id;
	if (mailbox_ctx_load(call, &ctx, error_r) < 0)
		return -1;
	if (mailbox_parse(&ctx, obj, &mb, error_r) < 0)
		goto out;
	if (mb.name == NULL) {
		*error_r = jmap_prop_error("name", "name is required");
		goto out;
	}
	if ((*error_r = mailbox_check(&ctx, &mb, NULL)) != NULL)
		goto out;
	if (store_mailbox_create(call->acct, &mb, &error) < 0) {
		mailbox_store_fail(call, error, error_r);
		goto out;
	}
	call->changed_types |= 1ULL << STORE_TYPE_MAILBOX;
	*created_r = mailbox_created_json(&mb, obj);
	ret = 0;
out:
	store_mailbox_clear(&mb);
	mailbox_ctx_free(&ctx);
	return ret;
}

static bool mailbox_changed(const struct store_mailbox *a, const struct store_mailbox *b)
{
	return a->parent_id != b->parent_id || strcmp(a->name, b->name) != 0 ||
	       (a->role == NULL) != (b->role == NULL) ||
	       (a->role != NULL && strcmp(a->role, b->role) != 0) ||
	       a->sort_order != b->sort_order || a->is_subscribed != b->is_subscribed;
}

/* The server-set part of old with every settable property at its
 * default: the patched object then says what each one becomes (a patch
 * that sets a property to null leaves it out, which means its default). */
static void mailbox_reset(struct store_mailbox *mb, const struct store_mailbox *old)
{
	*mb = *old;
	mb->name = NULL;
	mb->role = NULL;
	mb->parent_id = 0;
	mb->sort_order = 0;
	mb->is_subscribed = true;
}

static int mailbox_update_apply(struct mailbox_set_ctx *ctx, const struct store_mailbox *old,
				json_object *patch, json_object **error_r)
{
	struct store_mailbox mb;
	json_object *obj = mailbox_to_json(old);
	const char *bad_path, *error;
	int ret = -1;

	mailbox_reset(&mb, old);
	if (jmap_patch_apply(obj, patch, &bad_path) < 0) {
		*error_r = jmap_set_error("invalidPatch", bad_path, NULL);
		goto out;
	}
	if (mailbox_parse(ctx, obj, &mb, error_r) < 0)
		goto out;
	if (mb.name == NULL) {
		*error_r = jmap_prop_error("name", "name cannot be null");
		goto out;
	}
	if ((*error_r = mailbox_check(ctx, &mb, old)) != NULL)
		goto out;
	if (mailbox_changed(&mb, old)) {
		if (store_mailbox_update(ctx->call->acct, &mb, &error) < 0) {
			mailbox_store_fail(ctx->call, error, error_r);
			goto out;
		}
		ctx->call->changed_types |= 1ULL << STORE_TYPE_MAILBOX;
	}
	ret = 0;
out:
	json_object_put(obj);
	store_mailbox_clear(&mb);
	return ret;
}

static const struct store_mailbox *mailbox_find_id(const struct mailbox_set_ctx *ctx,
						   const char *id)
{
	uint64_t n;

	if (jmap_id_parse(MAILBOX_ID_PREFIX, id, &n) < 0)
		return NULL;
	return mailbox_list_find(ctx->list, ctx->count, n);
}

int jmap_mailbox_update(struct jmap_call *call, const char *id, json_object *patch,
			json_object **updated_r, json_object **error_r)
{
	struct mailbox_set_ctx ctx;
	const struct store_mailbox *old;
	int ret = -1;

	*updated_r = NULL;
	if (mailbox_ctx_load(call, &ctx, error_r) < 0)
		return -1;
	if ((old = mailbox_find_id(&ctx, id)) == NULL)
		*error_r = jmap_set_error("notFound", NULL, NULL);
	else
		ret = mailbox_update_apply(&ctx, old, patch, error_r);
	mailbox_ctx_free(&ctx);
	return ret;
}

static bool mailbox_has_child(const struct mailbox_set_ctx *ctx, uint64_t id)
{
	for (size_t i = 0; i < ctx->count; i++) {
		if (ctx->list[i].parent_id == id)
			return true;
	}
	return false;
}

static json_object *mailbox_destroy_check(const struct mailbox_set_ctx *ctx,
					  const struct store_mailbox *mb)
{
	json_object *remove = json_object_object_get(ctx->call->args, "onDestroyRemoveEmails");

	if (mailbox_is_inbox(mb))
		return jmap_set_error("forbidden", "The inbox cannot be destroyed", NULL);
	if (mailbox_has_child(ctx, mb->id))
		return jmap_set_error("mailboxHasChild", NULL, NULL);
	if (mb->total_emails > 0 && !json_object_get_boolean(remove))
		return jmap_set_error("mailboxHasEmail", NULL, NULL);
	return NULL;
}

int jmap_mailbox_destroy(struct jmap_call *call, const char *id, json_object **error_r)
{
	struct mailbox_set_ctx ctx;
	const struct store_mailbox *mb;
	const char *error;
	int ret = -1;

	if (mailbox_ctx_load(call, &ctx, error_r) < 0)
		return -1;
	if ((mb = mailbox_find_id(&ctx, id)) == NULL) {
		*error_r = jmap_set_error("notFound", NULL, NULL);
	} else if ((*error_r = mailbox_destroy_check(&ctx, mb)) == NULL) {
		/* onDestroyRemoveEmails: the store destroys the emails only
		 * here and takes the others out of it */
		if (store_mailbox_destroy(call->acct, mb->id, &error) < 0) {
			mailbox_store_fail(call, error, error_r);
		} else {
			call->changed_types |= 1ULL << STORE_TYPE_MAILBOX;
			if (mb->total_emails > 0)
				call->changed_types |= (1ULL << STORE_TYPE_EMAIL) |
						       (1ULL << STORE_TYPE_THREAD);
			ret = 0;
		}
	}
	mailbox_ctx_free(&ctx);
	return ret;
}
