/* Flags and keywords: IMAP's system flags are JMAP keywords ("\Seen" is
 * "$seen"); other keywords keep their name, lowercase. A view keeps a
 * message's other keywords as an index into a table of interned sets,
 * since most messages of a mailbox share a handful of sets. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_session.h"

#define IMAP_KEYWORD_MAX 255

static const struct {
	const char *flag;
	const char *keyword;
	uint32_t bit;
} imap_system_flags[] = {
	{ "\\Seen", "$seen", IMAP_FLAG_SEEN },
	{ "\\Answered", "$answered", IMAP_FLAG_ANSWERED },
	{ "\\Flagged", "$flagged", IMAP_FLAG_FLAGGED },
	{ "\\Deleted", "$deleted", IMAP_FLAG_DELETED },
	{ "\\Draft", "$draft", IMAP_FLAG_DRAFT },
};
#define IMAP_SYSTEM_FLAG_COUNT (sizeof(imap_system_flags) / sizeof(imap_system_flags[0]))

/* RFC 9051 flag-keyword: atom characters, which JMAP keywords share
 * (RFC 8621 §4.1.1). */
static bool imap_keyword_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){]%*\"\\", c) == NULL;
}

char *imap_flag_to_keyword(const char *flag)
{
	size_t len = strlen(flag);
	char *kw;

	if (flag[0] == '\\') {
		for (size_t i = 0; i < IMAP_SYSTEM_FLAG_COUNT; i++) {
			if (strcasecmp(flag, imap_system_flags[i].flag) == 0)
				return xstrdup(imap_system_flags[i].keyword);
		}
		return NULL;
	}
	if (len == 0 || len > IMAP_KEYWORD_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (!imap_keyword_char((unsigned char)flag[i]))
			return NULL;
	}
	kw = xstrdup(flag);
	for (char *c = kw; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	return kw;
}

static bool imap_kwset_equal(char **set, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (set[i] == NULL || strcmp(set[i], names[i]) != 0)
			return false;
	}
	return set[n] == NULL;
}

/* The index of the set of names (sorted), added when new. */
static uint32_t imap_kwset_intern(struct imap_view *view, const char *const *names, size_t n)
{
	char **set;

	if (view->kwset_count == 0) {
		view->kwsets = xmalloc(sizeof(*view->kwsets));
		view->kwsets[0] = xcalloc(1, sizeof(char *));
		view->kwset_count = 1;
	}
	if (n == 0)
		return 0;
	for (size_t i = view->kwset_count - 1; i > 0; i--) {
		if (imap_kwset_equal(view->kwsets[i], names, n))
			return (uint32_t)i;
	}
	set = xmalloc((n + 1) * sizeof(*set));
	for (size_t i = 0; i < n; i++)
		set[i] = xstrdup(names[i]);
	set[n] = NULL;
	view->kwsets = xrealloc(view->kwsets, (view->kwset_count + 1) * sizeof(*view->kwsets));
	view->kwsets[view->kwset_count] = set;
	return (uint32_t)view->kwset_count++;
}

static int imap_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts a keyword into a system flag bit or the list of others. */
static void imap_keyword_add(const char *kw, uint32_t *flags, const char **names, size_t *n)
{
	for (size_t i = 0; i < IMAP_SYSTEM_FLAG_COUNT; i++) {
		if (strcmp(kw, imap_system_flags[i].keyword) == 0) {
			*flags |= imap_system_flags[i].bit;
			return;
		}
	}
	names[(*n)++] = kw;
}

void imap_view_keywords(struct imap_view *view, json_object *keywords, uint32_t *flags_r,
			uint32_t *kwset_r)
{
	size_t max = json_object_is_type(keywords, json_type_array) ?
		json_object_array_length(keywords) :
		json_object_is_type(keywords, json_type_object) ?
		(size_t)json_object_object_length(keywords) : 0;
	const char **names = xmalloc((max + 1) * sizeof(*names));
	size_t n = 0;

	*flags_r = 0;
	if (json_object_is_type(keywords, json_type_array)) {
		for (size_t i = 0; i < max; i++) {
			json_object *kw = json_object_array_get_idx(keywords, i);

			if (json_object_is_type(kw, json_type_string))
				imap_keyword_add(json_object_get_string(kw), flags_r, names, &n);
		}
	} else if (json_object_is_type(keywords, json_type_object)) {
		json_object_object_foreach(keywords, key, value) {
			if (json_object_get_boolean(value))
				imap_keyword_add(key, flags_r, names, &n);
		}
	}
	qsort(names, n, sizeof(*names), imap_name_cmp);
	*kwset_r = imap_kwset_intern(view, names, n);
	free(names);
}

void imap_write_flags(struct evbuffer *out, const struct imap_view *view,
		      const struct imap_msg *msg)
{
	const char *sep = "";

	evbuffer_add(out, "(", 1);
	for (size_t i = 0; i < IMAP_SYSTEM_FLAG_COUNT; i++) {
		if ((msg->flags & imap_system_flags[i].bit) != 0) {
			evbuffer_add_printf(out, "%s%s", sep, imap_system_flags[i].flag);
			sep = " ";
		}
	}
	if (msg->kwset < view->kwset_count) {
		for (char **kw = view->kwsets[msg->kwset]; *kw != NULL; kw++) {
			evbuffer_add_printf(out, "%s%s", sep, *kw);
			sep = " ";
		}
	}
	evbuffer_add(out, ")", 1);
}

/* Every keyword the view's messages carry, once; caller frees the
 * array (the names are the view's). */
static const char **imap_view_keyword_union(const struct imap_view *view, size_t *count_r)
{
	const char **seen = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 1; i < view->kwset_count; i++) {
		for (char **kw = view->kwsets[i]; *kw != NULL; kw++) {
			size_t k;

			for (k = 0; k < n && strcmp(seen[k], *kw) != 0; k++)
				;
			if (k < n)
				continue;
			if (n == alloc) {
				alloc = alloc == 0 ? 16 : alloc * 2;
				seen = xrealloc(seen, alloc * sizeof(*seen));
			}
			seen[n++] = *kw;
		}
	}
	*count_r = n;
	return seen;
}

size_t imap_view_keyword_count(const struct imap_view *view)
{
	size_t n;

	free(imap_view_keyword_union(view, &n));
	return n;
}

void imap_write_flag_list(struct evbuffer *out, const struct imap_view *view, bool permanent)
{
	size_t n;
	const char **kws = imap_view_keyword_union(view, &n);

	evbuffer_add_printf(out, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(out, " %s", kws[i]);
	free(kws);
	evbuffer_add_printf(out, "%s)", permanent ? " \\*" : "");
}
