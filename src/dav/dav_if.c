/* The If header (RFC 4918 §10.4): lists of state tokens and entity
 * tags, tagged with a resource or not. Parsed into lists, evaluated
 * against the ETag and the locks of each list's resource; every state
 * token it names counts as submitted. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "dav/dav_if.h"
#include "dav/dav_private.h"

#define DAV_IF_MAX_LISTS 64
#define DAV_IF_MAX_CONDS 64

static void dav_if_skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* "<...>" or "[...]" from *p: the content (caller frees), NULL when
 * malformed. */
static char *dav_if_bracketed(const char **p, char open, char close)
{
	const char *end;
	char *out;

	if (**p != open || (end = strchr(*p + 1, close)) == NULL)
		return NULL;
	out = xstrndup(*p + 1, (size_t)(end - *p - 1));
	*p = end + 1;
	return out;
}

static int dav_if_parse_cond(const char **p, struct dav_if_cond *c)
{
	dav_if_skip_space(p);
	c->negate = false;
	if (strncasecmp(*p, "Not", 3) == 0 && ((*p)[3] == ' ' || (*p)[3] == '<' ||
						(*p)[3] == '[')) {
		c->negate = true;
		*p += 3;
		dav_if_skip_space(p);
	}
	c->is_etag = **p == '[';
	c->value = c->is_etag ? dav_if_bracketed(p, '[', ']') : dav_if_bracketed(p, '<', '>');
	return c->value != NULL ? 0 : -1;
}

static int dav_if_parse_list(const char **p, struct dav_if_list *list)
{
	(*p)++;
	for (;;) {
		dav_if_skip_space(p);
		if (**p == ')') {
			(*p)++;
			return list->count > 0 ? 0 : -1;
		}
		if (list->count == DAV_IF_MAX_CONDS)
			return -1;
		list->conds = xrealloc(list->conds, (list->count + 1) * sizeof(*list->conds));
		if (dav_if_parse_cond(p, &list->conds[list->count]) < 0)
			return -1;
		list->count++;
	}
}

void dav_if_free(struct dav_if *h)
{
	for (size_t i = 0; i < h->count; i++) {
		for (size_t k = 0; k < h->lists[i].count; k++)
			free(h->lists[i].conds[k].value);
		free(h->lists[i].conds);
		free(h->lists[i].tag);
	}
	free(h->lists);
	memset(h, 0, sizeof(*h));
}

static struct dav_if_list *dav_if_add_list(struct dav_if *h, const char *tag)
{
	struct dav_if_list *l;

	h->lists = xrealloc(h->lists, (h->count + 1) * sizeof(*h->lists));
	l = &h->lists[h->count++];
	memset(l, 0, sizeof(*l));
	l->tag = tag != NULL ? xstrdup(tag) : NULL;
	return l;
}

int dav_if_parse(const char *value, struct dav_if *h_r)
{
	const char *p = value;
	char *tag = NULL;
	int ret = 0;

	memset(h_r, 0, sizeof(*h_r));
	for (dav_if_skip_space(&p); *p != '\0' && ret == 0; dav_if_skip_space(&p)) {
		if (*p == '<') {
			free(tag);
			if ((tag = dav_if_bracketed(&p, '<', '>')) == NULL)
				ret = -1;
			continue;
		}
		if (*p != '(' || h_r->count == DAV_IF_MAX_LISTS)
			ret = -1;
		else
			ret = dav_if_parse_list(&p, dav_if_add_list(h_r, tag));
	}
	if (ret == 0 && h_r->count == 0)
		ret = -1;
	free(tag);
	if (ret < 0)
		dav_if_free(h_r);
	return ret;
}

bool dav_if_names_token(const struct dav_if *h, const char *token)
{
	for (size_t i = 0; i < h->count; i++) {
		for (size_t k = 0; k < h->lists[i].count; k++) {
			const struct dav_if_cond *c = &h->lists[i].conds[k];

			if (!c->is_etag && strcmp(c->value, token) == 0)
				return true;
		}
	}
	return false;
}

/* The path of a tag (an absolute URI or a path). */
const char *dav_if_tag_path(const char *tag)
{
	const char *p;

	if (strncasecmp(tag, "http://", 7) != 0 && strncasecmp(tag, "https://", 8) != 0)
		return tag;
	p = strchr(strstr(tag, "//") + 2, '/');
	return p != NULL ? p : "/";
}
