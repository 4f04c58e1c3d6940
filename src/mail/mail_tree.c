/* The bounded part tree over GMime's parse: leaves numbered depth first,
 * message/rfc822 parts kept whole, multiparts nested deeper than
 * max_depth kept as opaque leaves, and once max_parts parts are placed
 * the rest of each open multipart kept as one opaque leaf. Each leaf
 * knows the byte range of its content in the raw message. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* Bounds the walk down first children when looking for an offset. */
#define TREE_MAX_HOPS 4096

struct tree_walk {
	struct mail_message *msg;
	GMimeObject *body;		/* the top-level part */
	size_t budget;			/* parts that may still be placed */
	const char **bounds;		/* boundaries of the open multiparts */
	size_t bound_count, bound_cap;
	struct mail_part **leaves;
	size_t leaf_count, leaf_cap;
};

static gint64 tree_list_first_offset(GMimeObject *object)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(object);

	if (list == NULL || g_mime_header_list_get_count(list) == 0)
		return -1;
	return g_mime_header_get_offset(g_mime_header_list_get_header_at(list, 0));
}

static gint64 tree_min_offset(gint64 a, gint64 b)
{
	if (a < 0)
		return b;
	return b >= 0 && b < a ? b : a;
}

/* Where object starts in the raw message: its first header field, or
 * for an object without fields where its content starts; -1 if unknown. */
static gint64 tree_first_offset(GMimeObject *object)
{
	gint64 best = -1;

	for (unsigned hops = 0; object != NULL && hops < TREE_MAX_HOPS; hops++) {
		gint64 own = tree_list_first_offset(object);

		if (GMIME_IS_MESSAGE(object)) {
			/* Content-* fields live on the body part and may come first. */
			best = tree_min_offset(best, own);
			object = g_mime_message_get_mime_part(GMIME_MESSAGE(object));
		} else if (own >= 0) {
			return tree_min_offset(best, own);
		} else if (GMIME_IS_MESSAGE_PART(object)) {
			object = (GMimeObject *)g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
		} else if (GMIME_IS_MULTIPART(object) && g_mime_multipart_get_count(GMIME_MULTIPART(object)) > 0) {
			object = g_mime_multipart_get_part(GMIME_MULTIPART(object), 0);
		} else if (GMIME_IS_PART(object) && g_mime_part_get_content(GMIME_PART(object)) != NULL) {
			GMimeStream *s = g_mime_data_wrapper_get_stream(g_mime_part_get_content(GMIME_PART(object)));

			return tree_min_offset(best, s != NULL ? s->bound_start : -1);
		} else {
			break;
		}
	}
	return best;
}

static void tree_headers_from_list(struct mail_part *part, GMimeHeaderList *list)
{
	int count = list != NULL ? g_mime_header_list_get_count(list) : 0;

	part->headers = xcalloc((size_t)count + 1, sizeof(GMimeHeader *));
	for (int i = 0; i < count; i++)
		part->headers[part->header_count++] = g_mime_header_list_get_header_at(list, i);
}

/* The top-level fields in message order: GMime keeps the Content-*
 * ones on the body part, the others on the message. */
static void tree_headers_merged(struct mail_part *part, GMimeHeaderList *a, GMimeHeaderList *b)
{
	int na = a != NULL ? g_mime_header_list_get_count(a) : 0;
	int nb = b != NULL ? g_mime_header_list_get_count(b) : 0;
	int i = 0, j = 0;

	part->headers = xcalloc((size_t)na + (size_t)nb + 1, sizeof(GMimeHeader *));
	while (i < na || j < nb) {
		GMimeHeader *ha = i < na ? g_mime_header_list_get_header_at(a, i) : NULL;
		GMimeHeader *hb = j < nb ? g_mime_header_list_get_header_at(b, j) : NULL;

		if (hb == NULL || (ha != NULL && g_mime_header_get_offset(ha) <= g_mime_header_get_offset(hb))) {
			part->headers[part->header_count++] = ha;
			i++;
		} else {
			part->headers[part->header_count++] = hb;
			j++;
		}
	}
}

static size_t tree_last_header_offset(const struct mail_part *part)
{
	gint64 last = 0;

	for (size_t i = 0; i < part->header_count; i++) {
		gint64 off = g_mime_header_get_offset(part->headers[i]);

		if (off > last)
			last = off;
	}
	return (size_t)last;
}

static size_t tree_clamp(const struct tree_walk *walk, gint64 offset)
{
	if (offset < 0)
		return 0;
	return (size_t)offset < walk->msg->parsed_len ? (size_t)offset : walk->msg->parsed_len;
}

/* Where the content of part starts: after its header block. */
static size_t tree_content_start(const struct tree_walk *walk, const struct mail_part *part,
				 GMimeObject *inner)
{
	gint64 inner_start = inner != NULL ? tree_first_offset(inner) : -1;
	size_t start;

	if (part->header_count == 0)
		return tree_clamp(walk, inner_start);
	start = mail_range_header_end(walk->msg->raw, tree_last_header_offset(part), walk->msg->parsed_len);
	/* GMime may end a broken header block early. */
	if (inner_start >= 0 && (size_t)inner_start < start)
		start = (size_t)inner_start;
	return start;
}

static void tree_set_range_to_delimiter(struct tree_walk *walk, struct mail_part *part, size_t start,
					size_t bound_count, const char *close)
{
	part->start = start;
	part->end = mail_range_content_end(walk->msg->raw, start, walk->msg->parsed_len,
					   walk->bounds, bound_count, close);
}

static void tree_set_leaf_range(struct tree_walk *walk, struct mail_part *part)
{
	GMimeDataWrapper *wrapper = g_mime_part_get_content(GMIME_PART(part->object));
	GMimeStream *s = wrapper != NULL ? g_mime_data_wrapper_get_stream(wrapper) : NULL;

	if (s == NULL)
		return;
	part->start = tree_clamp(walk, s->bound_start);
	part->end = s->bound_end < 0 ? walk->msg->parsed_len : tree_clamp(walk, s->bound_end);
	if (part->end < part->start)
		part->end = part->start;
}

static void tree_add_leaf(struct tree_walk *walk, struct mail_part *part)
{
	if (walk->leaf_count == walk->leaf_cap) {
		walk->leaf_cap = walk->leaf_cap > 0 ? walk->leaf_cap * 2 : 8;
		walk->leaves = xrealloc(walk->leaves, walk->leaf_cap * sizeof(*walk->leaves));
	}
	walk->leaves[walk->leaf_count++] = part;
	part->part_id = xasprintf("%zu", walk->leaf_count);
	mail_content_prepare(walk->msg, part);
}

static struct mail_part *tree_part_new(struct tree_walk *walk, GMimeObject *object)
{
	struct mail_part *part = xcalloc(1, sizeof(*part));

	part->object = object;
	if (object == walk->body)
		tree_headers_merged(part, g_mime_object_get_header_list((GMimeObject *)walk->msg->gm),
				    g_mime_object_get_header_list(object));
	else
		tree_headers_from_list(part, g_mime_object_get_header_list(object));
	mail_part_props_fill(walk->msg, part);
	return part;
}

/* A leaf with no GMime object: raw bytes shown as type. */
static void tree_make_opaque(struct mail_part *part, const char *type)
{
	part->kind = MAIL_PART_OPAQUE;
	free(part->type);
	part->type = xstrdup(type);
	free(part->charset);
	part->charset = strncmp(type, "text/", 5) == 0 ? xstrdup("us-ascii") : NULL;
}

static struct mail_part *tree_visit(struct tree_walk *walk, GMimeObject *object, unsigned depth,
				    bool in_related);

static void tree_push_boundary(struct tree_walk *walk, const char *boundary)
{
	if (walk->bound_count == walk->bound_cap) {
		walk->bound_cap = walk->bound_cap > 0 ? walk->bound_cap * 2 : 8;
		walk->bounds = xrealloc(walk->bounds, walk->bound_cap * sizeof(*walk->bounds));
	}
	walk->bounds[walk->bound_count++] = boundary;
}

/* The part holding what is left of multipart from its child object on,
 * once the part budget is spent; NULL if it cannot be located. */
static struct mail_part *tree_rest_leaf(struct tree_walk *walk, GMimeObject *child, const char *boundary)
{
	gint64 start = tree_first_offset(child);
	struct mail_part *rest;

	if (start < 0)
		return NULL;
	rest = xcalloc(1, sizeof(*rest));
	rest->headers = xcalloc(1, sizeof(GMimeHeader *));
	rest->type = xstrdup("application/octet-stream");
	rest->kind = MAIL_PART_OPAQUE;
	tree_set_range_to_delimiter(walk, rest, tree_clamp(walk, start), walk->bound_count - 1, boundary);
	tree_add_leaf(walk, rest);
	return rest;
}

static void tree_visit_children(struct tree_walk *walk, struct mail_part *part, unsigned depth)
{
	GMimeMultipart *mp = GMIME_MULTIPART(part->object);
	int count = g_mime_multipart_get_count(mp);
	const char *boundary = g_mime_object_get_content_type_parameter(part->object, "boundary");
	bool related = strcmp(part->type, "multipart/related") == 0;

	tree_push_boundary(walk, boundary);
	part->children = xcalloc((size_t)count + 1, sizeof(*part->children));
	for (int i = 0; i < count; i++) {
		GMimeObject *sub = g_mime_multipart_get_part(mp, i);
		struct mail_part *child = tree_visit(walk, sub, depth + 1, related);

		if (child == NULL) {
			/* The budget is spent: one leaf for the rest. */
			if ((child = tree_rest_leaf(walk, sub, boundary)) != NULL)
				part->children[part->child_count++] = child;
			break;
		}
		part->children[part->child_count++] = child;
	}
	walk->bound_count--;
}

static void tree_visit_multipart(struct tree_walk *walk, struct mail_part *part, unsigned depth)
{
	/* Without a boundary (g_mime_multipart_get_boundary() would make one
	 * up) or without any part, GMime keeps it all as prologue: show it
	 * as the text it then is. */
	if (g_mime_object_get_content_type_parameter(part->object, "boundary") == NULL ||
	    g_mime_multipart_get_count(GMIME_MULTIPART(part->object)) == 0) {
		tree_make_opaque(part, "text/plain");
	} else if (depth >= walk->msg->limits.max_depth) {
		tree_make_opaque(part, "application/octet-stream");
	} else {
		part->kind = MAIL_PART_MULTIPART;
		tree_visit_children(walk, part, depth);
		return;
	}
	tree_set_range_to_delimiter(walk, part, tree_content_start(walk, part, NULL), walk->bound_count,
				    NULL);
}

static struct mail_part *tree_visit(struct tree_walk *walk, GMimeObject *object, unsigned depth,
				    bool in_related)
{
	struct mail_part *part;

	if (walk->budget == 0)
		return NULL;
	walk->budget--;
	part = tree_part_new(walk, object);
	part->in_related = in_related;
	if (GMIME_IS_MULTIPART(object)) {
		tree_visit_multipart(walk, part, depth);
		if (part->kind == MAIL_PART_MULTIPART)
			return part;
	} else if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeObject *inner = (GMimeObject *)g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		part->kind = MAIL_PART_MESSAGE;
		tree_set_range_to_delimiter(walk, part, tree_content_start(walk, part, inner),
					    walk->bound_count, NULL);
	} else if (GMIME_IS_PART(object)) {
		part->kind = MAIL_PART_LEAF;
		tree_set_leaf_range(walk, part);
	} else {
		tree_make_opaque(part, "application/octet-stream");
		tree_set_range_to_delimiter(walk, part, tree_content_start(walk, part, NULL),
					    walk->bound_count, NULL);
	}
	tree_add_leaf(walk, part);
	return part;
}

/* The body when GMime found no structure: everything after the header
 * block (or all of it) as text. */
static struct mail_part *tree_synthetic_root(struct tree_walk *walk)
{
	struct mail_part *part = xcalloc(1, sizeof(*part));
	GMimeHeaderList *list = NULL;

	if (walk->msg->gm != NULL)
		list = g_mime_object_get_header_list((GMimeObject *)walk->msg->gm);
	tree_headers_from_list(part, list);
	part->kind = MAIL_PART_LEAF;
	part->type = xstrdup("text/plain");
	part->charset = xstrdup("us-ascii");
	part->start = part->header_count > 0 ? tree_content_start(walk, part, NULL) : 0;
	part->end = walk->msg->parsed_len;
	tree_add_leaf(walk, part);
	return part;
}

void mail_tree_build(struct mail_message *msg)
{
	struct tree_walk walk = { .msg = msg, .budget = msg->limits.max_parts };

	if (msg->gm != NULL)
		walk.body = g_mime_message_get_mime_part(msg->gm);
	if (walk.body != NULL)
		msg->root = tree_visit(&walk, walk.body, 0, false);
	else
		msg->root = tree_synthetic_root(&walk);
	free(walk.bounds);
	msg->leaves = walk.leaves;
	msg->leaf_count = walk.leaf_count;
}

void mail_tree_free(struct mail_part *part)
{
	if (part == NULL)
		return;
	for (size_t i = 0; i < part->child_count; i++)
		mail_tree_free(part->children[i]);
	free(part->children);
	free(part->headers);
	free(part->decoded);
	mail_part_props_free(part);
	free(part);
}

struct mail_part *mail_part_find(const struct mail_message *msg, const char *part_id)
{
	char *end;
	unsigned long n;

	if (part_id == NULL || part_id[0] < '1' || part_id[0] > '9')
		return NULL;
	n = strtoul(part_id, &end, 10);
	if (*end != '\0' || n == 0 || n > msg->leaf_count)
		return NULL;
	return msg->leaves[n - 1];
}
