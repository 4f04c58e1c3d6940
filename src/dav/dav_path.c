/* The URL layout (docs/dav.md): parsing request paths and Destination
 * headers into targets, and building hrefs. Segments are percent-decoded
 * one by one, so an encoded "/" never splits a name; "." and ".." are
 * refused, so no path walks out of where it points. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/uri.h"
#include "core/xalloc.h"
#include "dav/dav_private.h"
#include "directory/directory.h"

#define DAV_PATH_MAX_SEGMENTS 6
#define DAV_SEGMENT_MAX 255

/* Decodes s[0..len): NULL on a bad escape, an encoded NUL or a result
 * too long for a name. */
static char *dav_segment_decode(const char *s, size_t len)
{
	char *out = uri_decode(s, len, false);

	if (out != NULL && strlen(out) > DAV_SEGMENT_MAX) {
		free(out);
		return NULL;
	}
	return out;
}

struct dav_segments {
	char *seg[DAV_PATH_MAX_SEGMENTS];
	size_t count;
	bool trailing_slash;
};

static void dav_segments_free(struct dav_segments *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->seg[i]);
	s->count = 0;
}

/* Splits the part after "/dav/". 0, or the status to answer. */
static unsigned int dav_segments_split(const char *rest, struct dav_segments *s)
{
	memset(s, 0, sizeof(*s));
	while (*rest != '\0') {
		size_t len = strcspn(rest, "/");
		char *seg;

		if (len == 0 || s->count == DAV_PATH_MAX_SEGMENTS)
			return 404;
		if ((seg = dav_segment_decode(rest, len)) == NULL)
			return 400;
		s->seg[s->count++] = seg;
		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strchr(seg, '/') != NULL)
			return 400;
		rest += len;
		s->trailing_slash = *rest == '/';
		if (*rest == '/')
			rest++;
	}
	return 0;
}

static const struct dav_family *dav_family_by_segment(const char *seg)
{
	if (strcmp(seg, dav_family_card.segment) == 0)
		return &dav_family_card;
	if (strcmp(seg, dav_family_cal.segment) == 0)
		return &dav_family_cal;
	return NULL;
}

/* 0, or the status to answer: 404 outside the tree, 403 for another
 * account. */
static unsigned int dav_target_fill(struct dav_ctx *ctx, struct dav_segments *s,
				    struct dav_target *t)
{
	bool principal;

	t->kind = DAV_KIND_ROOT;
	if (s->count == 0)
		return 0;
	principal = strcmp(s->seg[0], "principal") == 0;
	t->fam = dav_family_by_segment(s->seg[0]);
	if (!principal && t->fam == NULL)
		return 404;
	t->kind = DAV_KIND_TOP;
	if (s->count == 1)
		return 0;
	if (strcasecmp(s->seg[1], ctx->req->user->name) != 0)
		return 403;
	t->account = xstrdup(s->seg[1]);
	t->kind = principal ? DAV_KIND_PRINCIPAL : DAV_KIND_HOME;
	if (s->count == 2)
		return 0;
	if (principal || s->count > 4)
		return 404;
	t->collection = xstrdup(s->seg[2]);
	t->kind = DAV_KIND_COLLECTION;
	if (s->count == 3)
		return 0;
	if (s->trailing_slash)
		return 404;
	t->member = xstrdup(s->seg[3]);
	t->kind = DAV_KIND_OBJECT;
	return 0;
}

/* 0, or the status to answer. */
static unsigned int dav_target_from_path(struct dav_ctx *ctx, const char *path,
					 struct dav_target *t)
{
	struct dav_segments s;
	unsigned int status;

	memset(t, 0, sizeof(*t));
	if (strncmp(path, "/dav", 4) != 0 || (path[4] != '\0' && path[4] != '/'))
		return 404;
	path += path[4] == '/' ? 5 : 4;
	status = dav_segments_split(path, &s);
	if (status == 0)
		status = dav_target_fill(ctx, &s, t);
	dav_segments_free(&s);
	if (status != 0)
		dav_target_clear(t);
	return status;
}

static void dav_target_refuse(struct dav_ctx *ctx, unsigned int status)
{
	if (status == 403)
		dav_respond_error(ctx, 403, DAV_NS, "need-privileges");
	else if (status == 400)
		dav_respond_text(ctx, 400, "the path is not valid");
	else
		dav_respond_text(ctx, 404, "no such resource");
}

int dav_target_parse(struct dav_ctx *ctx, const char *path, struct dav_target *t_r)
{
	unsigned int status = dav_target_from_path(ctx, path, t_r);

	if (status == 0)
		return 0;
	dav_target_refuse(ctx, status);
	return -1;
}

void dav_target_clear(struct dav_target *t)
{
	free(t->account);
	free(t->collection);
	free(t->member);
	memset(t, 0, sizeof(*t));
}

unsigned int dav_target_from_href(struct dav_ctx *ctx, const char *href, struct dav_target *t_r)
{
	const char *path = href;
	char *copy;
	unsigned int status;

	memset(t_r, 0, sizeof(*t_r));
	if (strncasecmp(href, "http://", 7) == 0 || strncasecmp(href, "https://", 8) == 0) {
		path = strchr(strstr(href, "//") + 2, '/');
		if (path == NULL)
			return 400;
	}
	copy = xstrndup(path, strcspn(path, "?#"));
	status = dav_target_from_path(ctx, copy, t_r);
	free(copy);
	return status;
}

int dav_target_destination(struct dav_ctx *ctx, struct dav_target *t_r)
{
	const char *dest = dav_header(ctx, "Destination");
	unsigned int status;

	memset(t_r, 0, sizeof(*t_r));
	if (dest == NULL || *dest == '\0') {
		dav_respond_text(ctx, 400, "a Destination header is required");
		return -1;
	}
	status = dav_target_from_href(ctx, dest, t_r);
	if (status == 0)
		return 0;
	if (status == 404)
		dav_respond_text(ctx, 502, "the Destination is not in this DAV tree");
	else
		dav_target_refuse(ctx, status);
	return -1;
}

void dav_href_segment(struct strbuf *b, const char *s)
{
	static const char keep[] = "-._~!$'()*+,;=:@";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p) != NULL)
			strbuf_putc(b, (char)*p);
		else
			strbuf_printf(b, "%%%02X", *p);
	}
}

static char *dav_href_build(struct dav_ctx *ctx, const char *top, const char *coll,
			    const char *member)
{
	struct strbuf b = { 0 };

	strbuf_puts(&b, DAV_ROOT_PATH);
	strbuf_puts(&b, top);
	strbuf_putc(&b, '/');
	dav_href_segment(&b, ctx->req->user->name);
	strbuf_putc(&b, '/');
	if (coll != NULL) {
		dav_href_segment(&b, coll);
		strbuf_putc(&b, '/');
	}
	if (member != NULL)
		dav_href_segment(&b, member);
	return strbuf_steal(&b);
}

char *dav_href_principal(struct dav_ctx *ctx)
{
	return dav_href_build(ctx, "principal", NULL, NULL);
}

char *dav_href_home(struct dav_ctx *ctx, const struct dav_family *fam)
{
	return dav_href_build(ctx, fam->segment, NULL, NULL);
}

char *dav_href_collection(struct dav_ctx *ctx, const struct dav_family *fam, const char *name)
{
	return dav_href_build(ctx, fam->segment, name, NULL);
}

char *dav_href_member(struct dav_ctx *ctx, const struct dav_family *fam, const char *coll,
		      const char *name)
{
	return dav_href_build(ctx, fam->segment, coll, name);
}

char *dav_href_target(struct dav_ctx *ctx, const struct dav_target *t)
{
	switch (t->kind) {
	case DAV_KIND_ROOT:
		return xstrdup(DAV_ROOT_PATH);
	case DAV_KIND_TOP:
		return xasprintf("%s%s/", DAV_ROOT_PATH, t->fam != NULL ? t->fam->segment :
				 "principal");
	case DAV_KIND_PRINCIPAL:
		return dav_href_principal(ctx);
	case DAV_KIND_HOME:
		return dav_href_home(ctx, t->fam);
	case DAV_KIND_COLLECTION:
		return dav_href_collection(ctx, t->fam, t->collection);
	case DAV_KIND_OBJECT:
		break;
	}
	return dav_href_member(ctx, t->fam, t->collection, t->member);
}
