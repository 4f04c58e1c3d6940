/* BODY and BODYSTRUCTURE (RFC 9051 §7.5.2): the part tree IMAP numbers,
 * with types and field values as sent, sizes and line counts of the
 * encoded content, and the encapsulated message of each message/rfc822
 * part. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

struct bs_walk {
	bool extended;
	const char **bounds;	/* boundaries of the multiparts above */
	size_t bound_count, bound_cap;
};

static json_object *bs_part(struct bs_walk *walk, const struct imap_msg *m, const struct mail_part *part,
			    unsigned depth);

static json_object *bs_field_string(const struct mail_part *part, const char *name)
{
	char *value = imap_part_field(part, name);
	json_object *s = imap_json_string(value, value != NULL ? strlen(value) : 0);

	free(value);
	return s;
}

static json_object *bs_field_params(const struct mail_part *part, const char *name, bool add_charset)
{
	char *value = imap_part_field(part, name);
	json_object *params = imap_params(value != NULL ? value : "", add_charset);

	free(value);
	return params;
}

/* (type (params)) or NIL. */
static json_object *bs_disposition(const struct mail_part *part)
{
	char *value = imap_part_field(part, "Content-Disposition");
	char *type = value != NULL ? imap_params_first_token(value) : NULL;
	json_object *out = NULL;

	if (type != NULL) {
		out = json_object_new_array_ext(2);
		json_object_array_add(out, json_object_new_string(type));
		json_object_array_add(out, imap_params(value, false));
	}
	free(type);
	free(value);
	return out;
}

static json_object *bs_languages(const struct mail_part *part)
{
	char *value = imap_part_field(part, "Content-Language");
	json_object *out = value != NULL ? imap_params_languages(value) : NULL;

	free(value);
	return out;
}

/* Disposition, language, location: the tail of either extension data. */
static void bs_add_extension_tail(json_object *out, const struct mail_part *part)
{
	json_object_array_add(out, bs_disposition(part));
	json_object_array_add(out, bs_languages(part));
	json_object_array_add(out, bs_field_string(part, "Content-Location"));
}

/* The model's lowercase type of part, split. */
static void bs_model_type(const struct mail_part *part, char **type_r, char **subtype_r)
{
	const char *slash = strchr(part->type, '/');

	if (slash == NULL) {
		*type_r = xstrdup("application");
		*subtype_r = xstrdup("octet-stream");
		return;
	}
	*type_r = xstrndup(part->type, (size_t)(slash - part->type));
	*subtype_r = xstrdup(slash + 1);
}

static json_object *bs_subtype_as_sent(const struct mail_part *part)
{
	GMimeContentType *ct = part->object != NULL ? g_mime_object_get_content_type(part->object) : NULL;
	const char *subtype = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
	char *type, *model_subtype;
	json_object *out;

	if (subtype != NULL && subtype[0] != '\0')
		return json_object_new_string(subtype);
	bs_model_type(part, &type, &model_subtype);
	out = json_object_new_string(model_subtype);
	free(type);
	free(model_subtype);
	return out;
}

static json_object *bs_multipart(struct bs_walk *walk, const struct imap_msg *m, const struct mail_part *part,
				 unsigned depth)
{
	json_object *out = json_object_new_array_ext((int)part->child_count + 5);

	if (walk->bound_count == walk->bound_cap) {
		walk->bound_cap = walk->bound_cap > 0 ? walk->bound_cap * 2 : 8;
		walk->bounds = xrealloc(walk->bounds, walk->bound_cap * sizeof(*walk->bounds));
	}
	walk->bounds[walk->bound_count++] = g_mime_object_get_content_type_parameter(part->object, "boundary");
	for (size_t i = 0; i < part->child_count; i++)
		json_object_array_add(out, bs_part(walk, m, part->children[i], depth + 1));
	walk->bound_count--;
	json_object_array_add(out, bs_subtype_as_sent(part));
	if (walk->extended) {
		json_object_array_add(out, bs_field_params(part, "Content-Type", false));
		bs_add_extension_tail(out, part);
	}
	return out;
}

/* The type and subtype shown for a part that is no multipart, and
 * whether its Content-Type is what they come from. A message/rfc822
 * part IMAP cannot open, a part past the bounds, or a multipart without
 * parts is shown as an opaque leaf. */
static bool bs_type(const struct mail_part *part, bool opened, char **type_r, char **subtype_r)
{
	GMimeContentType *ct = part->object != NULL ? g_mime_object_get_content_type(part->object) : NULL;
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *subtype = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;

	if (part->kind == MAIL_PART_MULTIPART || (imap_part_is_message(part) && !opened)) {
		*type_r = xstrdup("application");
		*subtype_r = xstrdup("octet-stream");
		return false;
	}
	if (part->kind == MAIL_PART_OPAQUE || type == NULL || subtype == NULL || type[0] == '\0' ||
	    subtype[0] == '\0') {
		bs_model_type(part, type_r, subtype_r);
		return false;
	}
	*type_r = xstrdup(type);
	*subtype_r = xstrdup(subtype);
	return true;
}

static size_t bs_count_lines(const char *s, size_t len)
{
	const char *end = s + len;
	size_t lines = 0;

	while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		lines++;
		s++;
	}
	return lines;
}

/* Type, subtype, parameters, id, description, encoding; returns
 * whether the part is text. */
static bool bs_add_basic_fields(json_object *out, const struct mail_part *part, bool opened)
{
	char *type, *subtype, *cte = imap_part_field(part, "Content-Transfer-Encoding");
	char *encoding = cte != NULL ? imap_params_encoding(cte) : NULL;
	bool as_sent = bs_type(part, opened, &type, &subtype);
	bool text = g_ascii_strcasecmp(type, "text") == 0;

	json_object_array_add(out, json_object_new_string(type));
	json_object_array_add(out, json_object_new_string(subtype));
	json_object_array_add(out, as_sent ? bs_field_params(part, "Content-Type", text) : imap_params("", text));
	json_object_array_add(out, bs_field_string(part, "Content-ID"));
	json_object_array_add(out, bs_field_string(part, "Content-Description"));
	json_object_array_add(out, json_object_new_string(encoding != NULL ? encoding : "7BIT"));
	free(encoding);
	free(cte);
	free(type);
	free(subtype);
	return text;
}

static json_object *bs_single(struct bs_walk *walk, const struct imap_msg *m, const struct mail_part *part,
			      unsigned depth)
{
	json_object *out = json_object_new_array_ext(14);
	struct imap_msg inner;
	bool opened = imap_msg_open(m, part, depth, &inner);
	bool text = bs_add_basic_fields(out, part, opened);
	size_t start, end;

	imap_part_range(m, part, walk->bounds, walk->bound_count, &start, &end);
	json_object_array_add(out, json_object_new_int64((int64_t)(end - start)));
	if (opened) {
		struct bs_walk inner_walk = { .extended = walk->extended };

		json_object_array_add(out, imap_envelope(&inner));
		json_object_array_add(out, bs_part(&inner_walk, &inner, inner.body, 0));
		free(inner_walk.bounds);
		imap_msg_deinit(&inner);
	}
	if (opened || text) {
		size_t lines = bs_count_lines(m->top->raw + start, end - start);

		json_object_array_add(out, json_object_new_int64((int64_t)lines));
	}
	if (walk->extended) {
		/* Content-MD5 is not checked, so it is not shown. */
		json_object_array_add(out, NULL);
		bs_add_extension_tail(out, part);
	}
	return out;
}

static json_object *bs_part(struct bs_walk *walk, const struct imap_msg *m, const struct mail_part *part,
			    unsigned depth)
{
	if (imap_part_is_multipart(part))
		return bs_multipart(walk, m, part, depth);
	return bs_single(walk, m, part, depth);
}

json_object *mail_imap_bodystructure(const struct mail_message *msg, bool extended)
{
	struct bs_walk walk = { .extended = extended };
	struct imap_msg m;
	json_object *out;

	imap_msg_init(&m, msg);
	out = bs_part(&walk, &m, m.body, 0);
	free(walk.bounds);
	imap_msg_deinit(&m);
	return out;
}
