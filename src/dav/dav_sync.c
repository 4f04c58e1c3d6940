/* sync-collection (RFC 6578). A token is the collection's id and the
 * state string of its family's objects ("urn:tern:sync:b3-1207"), so the
 * changes since a token are the core's /changes since that state, kept
 * to the collection. An object destroyed, moved away or renamed is
 * reported gone at each href it left here: the core keeps those places
 * ("davDestroyed" of /changes), so this holds across restarts. A
 * destroyed object the core knows no place of (destroyed before it kept
 * them) makes the token refused (DAV:valid-sync-token): the client
 * starts over, which loses nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

#define DAV_SYNC_PREFIX "urn:tern:sync:"

struct dav_sync {
	struct dav_ctx *ctx;
	struct dav_res *res;
	struct dav_report_props props;
	size_t limit;
	json_object *changed;		/* ids created or updated */
	json_object *destroyed;
	json_object *gone;		/* id -> places left (davDestroyed) */
	char *state;			/* where the answer leaves the client */
	bool truncated;
	struct strbuf out;		/* the responses */
};

char *dav_sync_token(const char *coll_id, const char *state)
{
	return xasprintf(DAV_SYNC_PREFIX "%s-%s", coll_id, state);
}

/* The state in a token of this collection, or NULL. */
static char *dav_sync_token_state(const char *token, const char *coll_id)
{
	size_t plen = strlen(DAV_SYNC_PREFIX), clen = strlen(coll_id);

	if (strncmp(token, DAV_SYNC_PREFIX, plen) != 0 ||
	    strncmp(token + plen, coll_id, clen) != 0 || token[plen + clen] != '-' ||
	    token[plen + clen + 1] == '\0')
		return NULL;
	return xstrdup(token + plen + clen + 1);
}

static void dav_sync_ok(struct dav_sync *s, json_object *member)
{
	struct dav_res r;

	dav_res_member(s->ctx, &r, s->res->fam, s->res->coll, member);
	dav_report_response(s->ctx, &s->props, &r, &s->out);
	dav_res_clear(&r);
}

static void dav_sync_gone(struct dav_sync *s, const char *name)
{
	char *href = dav_href_member(s->ctx, s->res->fam, dav_json_str(s->res->coll, "davName"),
				     name);

	dav_ms_status(&s->out, href, 404, NULL, NULL);
	free(href);
}

static void dav_sync_finish(struct dav_sync *s)
{
	struct strbuf b = { 0 };
	char *token = dav_sync_token(dav_json_str(s->res->coll, "id"), s->state);

	dav_ms_begin(&b);
	if (s->out.len > 0)
		strbuf_append(&b, s->out.s, s->out.len);
	if (s->truncated)
		dav_ms_status(&b, s->res->href, 507, DAV_NS, "number-of-matches-within-limits");
	dav_xml_text_elem(&b, DAV_NS, "sync-token", token);
	strbuf_puts(&b, "\n");
	dav_ms_end(&b);
	dav_respond_multistatus(s->ctx, &b);
	free(token);
}

static void dav_sync_initial(struct dav_sync *s)
{
	struct dav_ctx *ctx = s->ctx;
	json_object *members;
	size_t n;

	if ((s->state = dav_jmap_state(ctx, s->res->fam->member_type)) == NULL) {
		dav_respond_internal(ctx, "cannot read the state");
		return;
	}
	members = dav_members_list(ctx, s->res->fam, s->res->coll,
				   dav_report_needs_data(&s->props));
	if (members == NULL)
		return;
	n = json_object_array_length(members);
	if (s->limit > 0 && n > s->limit) {
		json_object_put(members);
		dav_respond_error(ctx, 507, DAV_NS, "number-of-matches-within-limits");
		return;
	}
	for (size_t i = 0; i < n; i++)
		dav_sync_ok(s, json_object_array_get_idx(members, i));
	json_object_put(members);
	dav_sync_finish(s);
}

static void dav_sync_add_ids(json_object *to, json_object *from)
{
	size_t n = from != NULL ? json_object_array_length(from) : 0;

	for (size_t i = 0; i < n; i++)
		json_object_object_add(to, json_object_get_string(json_object_array_get_idx(from, i)),
				       NULL);
}

/* Adds the places of a davDestroyed member to those of each id. */
static void dav_sync_add_gone(json_object *to, json_object *from)
{
	if (from == NULL || !json_object_is_type(from, json_type_object))
		return;
	json_object_object_foreach(from, id, places) {
		json_object *list;
		size_t n = json_object_is_type(places, json_type_array) ?
			json_object_array_length(places) : 0;

		if (!json_object_object_get_ex(to, id, &list)) {
			list = json_object_new_array();
			json_object_object_add(to, id, list);
		}
		for (size_t i = 0; i < n; i++)
			json_object_array_add(list, json_object_get(json_object_array_get_idx(places,
											       i)));
	}
}

/* Gathers /changes since s->state into changed, destroyed and gone. 1,
 * 0 when the core cannot say (the token is too old), -1 on failure. */
static int dav_sync_changes(struct dav_sync *s)
{
	json_object *args, *resp;
	const char *error;
	char method[64];
	bool more = true;

	snprintf(method, sizeof(method), "%s/changes", s->res->fam->member_type);
	while (more) {
		args = json_object_new_object();
		json_object_object_add(args, "sinceState", json_object_new_string(s->state));
		if (s->limit > 0)
			json_object_object_add(args, "maxChanges",
					       json_object_new_int64((int64_t)s->limit));
		if ((resp = dav_jmap_call(s->ctx, method, args, &error)) == NULL)
			return strstr(error, "cannotCalculateChanges") != NULL ? 0 : -1;
		dav_sync_add_ids(s->changed, json_object_object_get(resp, "created"));
		dav_sync_add_ids(s->changed, json_object_object_get(resp, "updated"));
		dav_sync_add_ids(s->destroyed, json_object_object_get(resp, "destroyed"));
		dav_sync_add_gone(s->gone, json_object_object_get(resp, "davDestroyed"));
		free(s->state);
		s->state = xstrdup(dav_json_str(resp, "newState"));
		more = json_object_get_boolean(json_object_object_get(resp, "hasMoreChanges"));
		json_object_put(resp);
		if (more && s->limit > 0) {
			s->truncated = true;
			more = false;
		}
	}
	return 1;
}

/* Every name id left here, but now (NULL: it is gone), is a 404. 1,
 * or 0 when the core knows no place the id left. */
static int dav_sync_gone_places(struct dav_sync *s, const char *id, const char *now)
{
	const char *coll_id = dav_json_str(s->res->coll, "id");
	json_object *places, *reported;
	size_t n;

	if (!json_object_object_get_ex(s->gone, id, &places))
		return 0;
	reported = json_object_new_object();
	n = json_object_array_length(places);
	for (size_t i = 0; i < n; i++) {
		json_object *place = json_object_array_get_idx(places, i);
		const char *name = dav_json_str(place, "davName");

		if (strcmp(dav_json_str(place, "collectionId"), coll_id) != 0 || *name == '\0' ||
		    (now != NULL && strcmp(name, now) == 0) ||
		    json_object_object_get_ex(reported, name, NULL))
			continue;
		json_object_object_add(reported, name, NULL);
		dav_sync_gone(s, name);
	}
	json_object_put(reported);
	return 1;
}

/* Reports the changed objects; the names they left here are gone
 * (moved away or renamed). */
static int dav_sync_report_changed(struct dav_sync *s)
{
	json_object *ids = json_object_new_array(), *list;
	size_t n;

	json_object_object_foreach(s->changed, key, value) {
		(void)value;
		json_object_array_add(ids, json_object_new_string(key));
	}
	list = dav_members_get(s->ctx, s->res->fam, ids, dav_report_needs_data(&s->props));
	json_object_put(ids);
	if (list == NULL)
		return -1;
	n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(list, i);
		bool here = dav_member_in(s->res->fam, m, s->res->coll);

		dav_sync_gone_places(s, dav_json_str(m, "id"),
				     here ? dav_json_str(m, "davName") : NULL);
		if (here)
			dav_sync_ok(s, m);
	}
	json_object_put(list);
	return 0;
}

/* Reports the destroyed objects this collection had. 0, or 1 when the
 * core knows no place of one (the client must start over). */
static int dav_sync_report_destroyed(struct dav_sync *s)
{
	int unknown = 0;

	json_object_object_foreach(s->destroyed, key, value) {
		(void)value;
		if (dav_sync_gone_places(s, key, NULL) == 0)
			unknown = 1;
	}
	return unknown;
}

static void dav_sync_incremental(struct dav_sync *s, const char *token)
{
	struct dav_ctx *ctx = s->ctx;
	int ret;

	s->state = dav_sync_token_state(token, dav_json_str(s->res->coll, "id"));
	if (s->state == NULL) {
		dav_respond_error(ctx, 403, DAV_NS, "valid-sync-token");
		return;
	}
	s->changed = json_object_new_object();
	s->destroyed = json_object_new_object();
	s->gone = json_object_new_object();
	ret = dav_sync_changes(s);
	if (ret > 0 && (ret = dav_sync_report_changed(s)) == 0)
		ret = dav_sync_report_destroyed(s) > 0 ? 0 : 1;
	if (ret > 0)
		dav_sync_finish(s);
	else if (ret == 0)
		dav_respond_error(ctx, 403, DAV_NS, "valid-sync-token");
	else if (ctx->resp->status == 0)
		dav_respond_internal(ctx, "sync-collection failed");
}

static char *dav_sync_trim(char *text)
{
	size_t len;

	text += strspn(text, " \t\r\n");
	len = strlen(text);
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		text[--len] = '\0';
	return text;
}

void dav_report_sync(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	struct dav_sync s = { .ctx = ctx, .res = res };
	xmlNode *token = dav_xml_child(root, DAV_NS, "sync-token");
	char *text = token != NULL ? dav_xml_text(token) : xstrdup("");
	char *level = NULL;
	xmlNode *lnode = dav_xml_child(root, DAV_NS, "sync-level");

	if (lnode != NULL)
		level = dav_xml_text(lnode);
	dav_report_props_read(root, &s.props);
	s.limit = dav_report_limit(root, DAV_NS);
	/* a missing level is taken as 1, for clients of the drafts */
	if (level != NULL && strcmp(level, "1") != 0 && strcmp(level, "infinite") != 0)
		dav_respond_text(ctx, 400, "sync-level must be 1 or infinite");
	else if (text[strspn(text, " \t\r\n")] == '\0')
		dav_sync_initial(&s);
	else
		dav_sync_incremental(&s, dav_sync_trim(text));
	free(level);
	free(text);
	free(s.state);
	json_object_put(s.changed);
	json_object_put(s.destroyed);
	json_object_put(s.gone);
	strbuf_free(&s.out);
}
