#ifndef TERN_DAV_IF_H
#define TERN_DAV_IF_H

#include <stdbool.h>
#include <stddef.h>

/* The If header of RFC 4918 §10.4, parsed (dav_if.c); evaluated in
 * dav_cond.c. */

struct dav_if_cond {
	bool negate;
	bool is_etag;		/* [etag] rather than <state-token> */
	char *value;		/* the token or the quoted entity tag */
};

struct dav_if_list {
	char *tag;		/* the resource the list is about, NULL: the request's */
	struct dav_if_cond *conds;
	size_t count;
};

struct dav_if {
	struct dav_if_list *lists;
	size_t count;
};

/* 0 and *h_r (free with dav_if_free()), or -1 when malformed. */
int dav_if_parse(const char *value, struct dav_if *h_r);
void dav_if_free(struct dav_if *h);
/* Whether the header names state token token anywhere. */
bool dav_if_names_token(const struct dav_if *h, const char *token);
/* The path of a resource tag (an absolute URI or a path); borrowed. */
const char *dav_if_tag_path(const char *tag);

#endif
