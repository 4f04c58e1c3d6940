/* What PUT, COPY and MOVE need to know of a body before the core parses
 * it (its media type, UID and component), and how the core's SetErrors
 * become CalDAV and CardDAV preconditions (RFC 4791 §5.3.2.1, RFC 6352
 * §6.3.2.1). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dav/dav_private.h"

static const char *const dav_card_types[] = { "text/vcard", "text/x-vcard", "text/directory",
					      NULL };
static const char *const dav_cal_types[] = { "text/calendar", NULL };

bool dav_media_type_ok(const struct dav_family *fam, const char *content_type)
{
	const char *const *types = fam == &dav_family_cal ? dav_cal_types : dav_card_types;
	size_t len;

	if (content_type == NULL)
		return true;
	content_type += strspn(content_type, " \t");
	len = strcspn(content_type, "; \t");
	for (size_t i = 0; types[i] != NULL; i++) {
		if (strlen(types[i]) == len && strncasecmp(types[i], content_type, len) == 0)
			return true;
	}
	return false;
}

/* The next content line of text from *pos, unfolded (caller frees), or
 * NULL at the end. */
static char *dav_data_line(const char *text, size_t len, size_t *pos)
{
	struct strbuf b = { 0 };
	size_t p = *pos, skip = 0;

	if (p >= len)
		return NULL;
	for (;;) {
		size_t end = p, stop;

		while (end < len && text[end] != '\n')
			end++;
		stop = end > p && text[end - 1] == '\r' ? end - 1 : end;
		if (stop > p + skip)
			strbuf_append(&b, text + p + skip, stop - p - skip);
		p = end < len ? end + 1 : end;
		/* a continuation line starts with the folding space */
		skip = 1;
		if (p >= len || (text[p] != ' ' && text[p] != '\t'))
			break;
	}
	*pos = p;
	return strbuf_steal(&b);
}

/* The value of a content line named name ("UID"), or NULL. */
static const char *dav_data_value(const char *line, const char *name)
{
	size_t len = strlen(name);
	bool quoted = false;

	if (strncasecmp(line, name, len) != 0 || (line[len] != ':' && line[len] != ';'))
		return NULL;
	for (const char *p = line + len; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ':' && !quoted)
			return p + 1;
	}
	return NULL;
}

char *dav_data_uid(const char *text, size_t len)
{
	size_t pos = 0;
	char *line, *uid = NULL;

	while (uid == NULL && (line = dav_data_line(text, len, &pos)) != NULL) {
		const char *v = dav_data_value(line, "UID");

		if (v != NULL && *v != '\0')
			uid = xstrdup(v);
		free(line);
	}
	return uid;
}

const char *dav_data_component(const char *text, size_t len)
{
	static const char *const comps[] = { "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", NULL };
	size_t pos = 0;
	const char *found = NULL;
	char *line;

	while (found == NULL && (line = dav_data_line(text, len, &pos)) != NULL) {
		const char *v = dav_data_value(line, "BEGIN");

		for (size_t i = 0; v != NULL && comps[i] != NULL; i++) {
			if (strcasecmp(v, comps[i]) == 0)
				found = comps[i];
		}
		free(line);
	}
	return found;
}

/* The precondition an invalid davData breaks. */
static const char *dav_data_precondition(const struct dav_family *fam, json_object *error)
{
	const char *pre = dav_json_str(error, "davPrecondition");

	return *pre != '\0' ? pre : fam->valid_data;
}

static bool dav_error_names(json_object *error, const char *prop)
{
	json_object *props = json_object_object_get(error, "properties");
	size_t n = props != NULL ? json_object_array_length(props) : 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(props, i)), prop) == 0)
			return true;
	}
	return false;
}

void dav_respond_set_error(struct dav_ctx *ctx, const struct dav_family *fam,
			   json_object *error)
{
	const char *type = dav_json_str(error, "type");

	if (strcmp(type, "overQuota") == 0)
		dav_respond_error(ctx, 507, DAV_NS, "quota-not-exceeded");
	else if (strcmp(type, "tooLarge") == 0)
		dav_respond_error(ctx, 403, fam->ns, "max-resource-size");
	else if (strcmp(type, "invalidProperties") == 0 && dav_error_names(error, "davData"))
		dav_respond_error(ctx, 403, fam->ns, dav_data_precondition(fam, error));
	else if (strcmp(type, "forbidden") == 0)
		dav_respond_error(ctx, 403, DAV_NS, "need-privileges");
	else
		dav_respond_internal(ctx, dav_json_str(error, "description"));
}

void dav_respond_uid_conflict(struct dav_ctx *ctx, const struct dav_family *fam,
			      const char *href)
{
	struct strbuf b = { 0 };

	if (href != NULL)
		dav_xml_href(&b, href);
	dav_respond_error_with(ctx, 409, fam->ns, "no-uid-conflict", b.s);
	strbuf_free(&b);
}
