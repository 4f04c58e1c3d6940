/* The file tree's requests: the method table, request paths resolved
 * level by level through DavFile/query, and the calls every method
 * shares (conditions, DavFile/set). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "dav/dav_file.h"
#include "directory/directory.h"

#define DAV_FILE_SEGMENT_MAX 255
#define DAV_FILE_ALLOW "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, " \
	"COPY, MOVE, LOCK, UNLOCK"

struct dav_file_method {
	const char *name;
	void (*fn)(struct dav_ctx *ctx, struct dav_file_res *res);
	bool on_top;		/* allowed on /dav/file/ itself */
};

static const struct dav_file_method dav_file_methods[] = {
	{ "OPTIONS", dav_file_options, true },
	{ "PROPFIND", dav_file_propfind, true },
	{ "PROPPATCH", dav_file_proppatch, false },
	{ "MKCOL", dav_file_mkcol, false },
	{ "GET", dav_file_get, false },
	{ "HEAD", dav_file_get, false },
	{ "PUT", dav_file_put, false },
	{ "DELETE", dav_file_delete, false },
	{ "COPY", dav_file_copy, false },
	{ "MOVE", dav_file_move, false },
	{ "LOCK", dav_file_lock, false },
	{ "UNLOCK", dav_file_unlock, false },
};

bool dav_file_handles(const char *path)
{
	size_t len = strlen(DAV_ROOT_PATH DAV_FILE_SEGMENT);

	return strncmp(path, DAV_ROOT_PATH DAV_FILE_SEGMENT, len) == 0 &&
	       (path[len] == '\0' || path[len] == '/');
}

void dav_file_res_clear(struct dav_file_res *res)
{
	free(res->href);
	json_object_put(res->node);
	free(res->parent_id);
	free(res->name);
	memset(res, 0, sizeof(*res));
}

bool dav_file_res_exists(const struct dav_file_res *res)
{
	return res->top || res->root || res->node != NULL;
}

bool dav_file_res_is_folder(const struct dav_file_res *res)
{
	json_object *v;

	if (res->top || res->root)
		return true;
	return json_object_object_get_ex(res->node, "isFolder", &v) && json_object_get_boolean(v);
}

const char *dav_file_res_folder_id(const struct dav_file_res *res)
{
	return res->root ? "" : dav_json_str(res->node, "id");
}

char *dav_file_etag(json_object *node)
{
	const char *etag = dav_json_str(node, "davEtag");

	return *etag != '\0' ? xasprintf("\"%s\"", etag) : NULL;
}

static int dav_file_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One segment decoded: NULL on a bad escape, a NUL, a "/" or a name
 * DavFile would refuse. */
static char *dav_file_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= len || (hi = dav_file_hex(s[i + 1])) < 0 ||
		    (lo = dav_file_hex(s[i + 2])) < 0) {
			free(out);
			return NULL;
		}
		out[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[o] = '\0';
	if (strlen(out) != o || o == 0 || o > DAV_FILE_SEGMENT_MAX || strchr(out, '/') != NULL ||
	    strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
		free(out);
		return NULL;
	}
	return out;
}

struct dav_file_path {
	char *seg[DAV_FILE_MAX_DEPTH + 1];
	size_t count;
	bool slash;		/* ends in "/" */
};

static void dav_file_path_free(struct dav_file_path *p)
{
	for (size_t i = 0; i < p->count; i++)
		free(p->seg[i]);
	p->count = 0;
}

/* Splits what follows /dav/file/. 0, or the status to answer. */
static unsigned int dav_file_path_split(const char *rest, struct dav_file_path *p)
{
	memset(p, 0, sizeof(*p));
	while (*rest == '/')
		rest++;
	while (*rest != '\0') {
		size_t len = strcspn(rest, "/");

		if (p->count == DAV_FILE_MAX_DEPTH + 1)
			return 404;
		if ((p->seg[p->count] = dav_file_decode(rest, len)) == NULL)
			return 400;
		p->count++;
		rest += len;
		p->slash = *rest == '/';
		rest += strspn(rest, "/");
	}
	return 0;
}

static json_object *dav_file_filter(const char *parent_id, const char *name)
{
	json_object *filter = json_object_new_object();

	json_object_object_add(filter, "parentId", *parent_id != '\0' ?
			       json_object_new_string(parent_id) : NULL);
	if (name != NULL)
		json_object_object_add(filter, "name", json_object_new_string(name));
	return filter;
}

/* The nodes with these ids (a new array), NULL on failure. */
static json_object *dav_file_get_ids(struct dav_ctx *ctx, json_object *ids, const char **error_r)
{
	json_object *args = json_object_new_object(), *resp, *list;

	json_object_object_add(args, "ids", ids);
	if ((resp = dav_jmap_call(ctx, "DavFile/get", args, error_r)) == NULL)
		return NULL;
	list = json_object_get(json_object_object_get(resp, "list"));
	json_object_put(resp);
	return list != NULL ? list : json_object_new_array();
}

/* A page of the ids in folder parent_id (named name when not NULL). */
static json_object *dav_file_query(struct dav_ctx *ctx, const char *parent_id, const char *name,
				   size_t position, const char **error_r)
{
	json_object *args = json_object_new_object(), *resp, *ids;

	json_object_object_add(args, "filter", dav_file_filter(parent_id, name));
	json_object_object_add(args, "position", json_object_new_int64((int64_t)position));
	if ((resp = dav_jmap_call(ctx, "DavFile/query", args, error_r)) == NULL)
		return NULL;
	ids = json_object_get(json_object_object_get(resp, "ids"));
	json_object_put(resp);
	return ids != NULL ? ids : json_object_new_array();
}

/* The child of parent_id called name: 1 and *node_r, 0, -1 (error). */
static int dav_file_child(struct dav_ctx *ctx, const char *parent_id, const char *name,
			  json_object **node_r, const char **error_r)
{
	json_object *ids = dav_file_query(ctx, parent_id, name, 0, error_r), *list;

	*node_r = NULL;
	if (ids == NULL)
		return -1;
	if (json_object_array_length(ids) == 0) {
		json_object_put(ids);
		return 0;
	}
	if ((list = dav_file_get_ids(ctx, ids, error_r)) == NULL)
		return -1;
	if (json_object_array_length(list) > 0)
		*node_r = json_object_get(json_object_array_get_idx(list, 0));
	json_object_put(list);
	return *node_r != NULL;
}

json_object *dav_file_children(struct dav_ctx *ctx, const char *folder_id)
{
	json_object *all = json_object_new_array(), *ids, *list;
	const char *error = NULL;

	for (;;) {
		ids = dav_file_query(ctx, folder_id, NULL, json_object_array_length(all), &error);
		if (ids == NULL || json_object_array_length(ids) == 0) {
			json_object_put(ids);
			break;
		}
		if ((list = dav_file_get_ids(ctx, ids, &error)) == NULL)
			break;
		for (size_t i = 0; i < json_object_array_length(list); i++)
			json_object_array_add(all, json_object_get(json_object_array_get_idx(list, i)));
		json_object_put(list);
	}
	if (error != NULL) {
		json_object_put(all);
		dav_respond_internal(ctx, error);
		return NULL;
	}
	return all;
}

static bool dav_file_is_folder(json_object *node)
{
	json_object *v;

	return json_object_object_get_ex(node, "isFolder", &v) && json_object_get_boolean(v);
}

char *dav_file_child_href(const char *folder_href, json_object *node)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, folder_href);
	dav_href_segment(&b, dav_json_str(node, "name"));
	if (dav_file_is_folder(node))
		strbuf_putc(&b, '/');
	return strbuf_steal(&b);
}

/* Walks the folders of p: 1 found, 0 not (parent_id set when the
 * parent exists), -1 error. */
static int dav_file_walk(struct dav_ctx *ctx, const struct dav_file_path *p,
			 struct dav_file_res *res, const char **error_r)
{
	char *parent = xstrdup("");
	json_object *node = NULL;
	int ret = 0;

	for (size_t i = 1; i < p->count; i++) {
		ret = dav_file_child(ctx, parent, p->seg[i], &node, error_r);
		if (ret < 0 || i + 1 == p->count)
			break;
		free(parent);
		parent = ret > 0 && dav_file_is_folder(node) ? xstrdup(dav_json_str(node, "id")) :
			NULL;
		json_object_put(node);
		node = NULL;
		if (parent == NULL) {
			ret = 0;
			break;
		}
	}
	res->parent_id = parent;
	res->node = node;
	return ret;
}

static void dav_file_res_href(struct dav_ctx *ctx, const struct dav_file_path *p,
			      struct dav_file_res *res)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, DAV_FILE_TOP);
	if (p->count > 0) {
		dav_href_segment(&b, ctx->req->user->name);
		strbuf_putc(&b, '/');
	}
	for (size_t i = 1; i < p->count; i++) {
		dav_href_segment(&b, p->seg[i]);
		if (i + 1 < p->count || (res->node != NULL ? dav_file_is_folder(res->node) :
					 p->slash))
			strbuf_putc(&b, '/');
	}
	res->href = strbuf_steal(&b);
}

/* 0 with the path split, or the status to answer. */
static unsigned int dav_file_path_parse(struct dav_ctx *ctx, const char *path,
					struct dav_file_path *p)
{
	unsigned int status;

	if (!dav_file_handles(path))
		return 502;
	status = dav_file_path_split(path + strlen(DAV_ROOT_PATH DAV_FILE_SEGMENT), p);
	if (status == 0 && p->count > 0 && strcasecmp(p->seg[0], ctx->req->user->name) != 0)
		status = 403;
	if (status != 0)
		dav_file_path_free(p);
	return status;
}

static void dav_file_refuse(struct dav_ctx *ctx, unsigned int status)
{
	if (status == 403)
		dav_respond_error(ctx, 403, DAV_NS, "need-privileges");
	else if (status == 400)
		dav_respond_text(ctx, 400, "the path is not valid");
	else if (status == 502)
		dav_respond_text(ctx, 502, "the Destination is not in the file tree");
	else
		dav_respond_text(ctx, 404, "no such resource");
}

int dav_file_resolve(struct dav_ctx *ctx, const char *path, struct dav_file_res *res_r)
{
	struct dav_file_path p;
	unsigned int status = dav_file_path_parse(ctx, path, &p);
	const char *error = NULL;
	int ret = 1;

	memset(res_r, 0, sizeof(*res_r));
	if (status != 0) {
		dav_file_refuse(ctx, status);
		return -1;
	}
	res_r->top = p.count == 0;
	res_r->root = p.count == 1;
	if (p.count > 1) {
		res_r->name = xstrdup(p.seg[p.count - 1]);
		ret = dav_file_walk(ctx, &p, res_r, &error);
	}
	dav_file_res_href(ctx, &p, res_r);
	dav_file_path_free(&p);
	if (ret < 0)
		dav_respond_internal(ctx, error);
	return ret;
}

int dav_file_destination(struct dav_ctx *ctx, struct dav_file_res *res_r)
{
	const char *dest = dav_header(ctx, "Destination");
	const char *path = dest;
	char *copy;
	int ret;

	memset(res_r, 0, sizeof(*res_r));
	if (dest == NULL || *dest == '\0') {
		dav_respond_text(ctx, 400, "a Destination header is required");
		return -1;
	}
	if (strncasecmp(dest, "http://", 7) == 0 || strncasecmp(dest, "https://", 8) == 0)
		path = strchr(strstr(dest, "//") + 2, '/');
	if (path == NULL) {
		dav_respond_text(ctx, 400, "the Destination is not valid");
		return -1;
	}
	copy = xstrndup(path, strcspn(path, "?#"));
	ret = dav_file_resolve(ctx, copy, res_r);
	free(copy);
	return ret;
}

int dav_file_conditions(struct dav_ctx *ctx, const struct dav_file_res *res, unsigned int flags)
{
	struct dav_res tmp = {
		.kind = dav_file_res_is_folder(res) ? DAV_KIND_COLLECTION : DAV_KIND_OBJECT,
		.href = res->href,
		.member = res->node,
	};

	return dav_check_conditions(ctx, &tmp, dav_file_res_exists(res), flags);
}

static void dav_file_set_error(struct dav_ctx *ctx, json_object *error)
{
	const char *type = dav_json_str(error, "type");

	if (strcmp(type, "overQuota") == 0)
		dav_respond_error(ctx, 507, DAV_NS, "quota-not-exceeded");
	else if (strcmp(type, "invalidProperties") == 0)
		dav_respond_text(ctx, 409, *dav_json_str(error, "description") != '\0' ?
				 dav_json_str(error, "description") : "the name is not possible");
	else
		dav_respond_internal(ctx, type);
}

static json_object *dav_file_set_args(const char *id, json_object *value)
{
	json_object *args = json_object_new_object(), *what;

	if (value == NULL) {
		what = json_object_new_array();
		json_object_array_add(what, json_object_new_string(id));
		json_object_object_add(args, "destroy", what);
		return args;
	}
	what = json_object_new_object();
	json_object_object_add(what, id != NULL ? id : "new", value);
	json_object_object_add(args, id != NULL ? "update" : "create", what);
	return args;
}

int dav_file_set(struct dav_ctx *ctx, const char *id, json_object *value,
		 json_object **result_r)
{
	const char *done_key = value == NULL ? "destroyed" : id != NULL ? "updated" : "created";
	const char *fail_key = value == NULL ? "notDestroyed" : id != NULL ? "notUpdated" :
		"notCreated";
	json_object *resp, *failed;
	const char *error;

	resp = dav_jmap_call(ctx, "DavFile/set", dav_file_set_args(id, value), &error);
	if (resp == NULL) {
		dav_respond_internal(ctx, error);
		return 0;
	}
	failed = json_object_object_get(resp, fail_key);
	if (failed != NULL) {
		json_object_object_foreach(failed, key, err) {
			(void)key;
			dav_file_set_error(ctx, err);
			break;
		}
	} else if (result_r != NULL) {
		*result_r = json_object_get(json_object_object_get(
			json_object_object_get(resp, done_key), id != NULL ? id : "new"));
	}
	json_object_put(resp);
	return failed == NULL;
}

void dav_file_not_allowed(struct dav_ctx *ctx)
{
	dav_add_header(ctx, "Allow", DAV_FILE_ALLOW);
	dav_respond_text(ctx, 405, "this method is not allowed here");
}

void dav_file_options(struct dav_ctx *ctx, struct dav_file_res *res)
{
	(void)res;
	dav_add_header(ctx, "DAV", "1, 2, 3");
	dav_add_header(ctx, "Allow", DAV_FILE_ALLOW);
	dav_respond(ctx, 200);
}

void dav_file_handle(struct dav_ctx *ctx)
{
	const struct dav_file_method *m = NULL;
	struct dav_file_res res;

	for (size_t i = 0; i < sizeof(dav_file_methods) / sizeof(dav_file_methods[0]); i++) {
		if (strcmp(dav_file_methods[i].name, ctx->req->method) == 0)
			m = &dav_file_methods[i];
	}
	if (m == NULL) {
		dav_file_not_allowed(ctx);
		return;
	}
	if (dav_file_resolve(ctx, ctx->req->path, &res) < 0)
		return;
	if (res.top && !m->on_top)
		dav_file_not_allowed(ctx);
	else
		m->fn(ctx, &res);
	dav_file_res_clear(&res);
}
