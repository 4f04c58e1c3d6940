/* What the store keeps beside the model: sort keys and threading ids.
 * Ids are read leniently here (any <...> found), since threading
 * should survive obsolete In-Reply-To phrases and similar. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* References chains can be long; the root and the latest ids matter. */
#define SUMMARY_MAX_REFS 100

/* The raw value of the last field name at the top level, or NULL. */
static char *summary_raw(const struct mail_message *msg, const char *name)
{
	GMimeHeader *h = mail_headers_find_last(msg->root->headers, msg->root->header_count, name);

	return h != NULL ? mail_header_raw_value(msg, h) : NULL;
}

static char *summary_message_id(const struct mail_message *msg)
{
	char *raw = summary_raw(msg, "Message-ID"), *id = NULL, **ids;
	size_t count;

	if (raw == NULL)
		return NULL;
	ids = mail_header_msgids(raw, false, &count);
	if (ids != NULL) {
		id = xstrdup(ids[0]);
		mail_strings_free(ids, count);
	} else {
		/* An id without its brackets. */
		g_strstrip(raw);
		if (raw[0] != '\0' && strpbrk(raw, " \t<>") == NULL && strchr(raw, '@') != NULL)
			id = xstrdup(raw);
	}
	free(raw);
	return id;
}

static bool summary_has(char *const *refs, size_t count, const char *id)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(refs[i], id) == 0)
			return true;
	}
	return false;
}

/* Appends the ids of field name to refs, skipping those already there. */
static void summary_add_refs(const struct mail_message *msg, const char *name, char ***refs, size_t *count)
{
	char *raw = summary_raw(msg, name), **ids;
	size_t n;

	if (raw == NULL)
		return;
	ids = mail_header_msgids(raw, false, &n);
	free(raw);
	if (ids == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		/* Past the bound, keep the first id (the root) and the last ones. */
		bool keep = i == 0 || i + SUMMARY_MAX_REFS - 1 >= n;

		if (keep && *count < SUMMARY_MAX_REFS && !summary_has(*refs, *count, ids[i])) {
			*refs = xrealloc(*refs, (*count + 1) * sizeof(char *));
			(*refs)[(*count)++] = xstrdup(ids[i]);
		}
	}
	mail_strings_free(ids, n);
}

/* The display name of the first address of field, else its email. */
static char *summary_sort_address(const struct mail_message *msg, enum mail_field field)
{
	json_object *list = mail_message_field(msg, field);
	json_object *first, *name;

	if (list == NULL || json_object_array_length(list) == 0)
		return NULL;
	first = json_object_array_get_idx(list, 0);
	name = json_object_object_get(first, "name");
	return xstrdup(json_object_get_string(name != NULL ? name : json_object_object_get(first, "email")));
}

static time_t summary_sent_at(const struct mail_message *msg)
{
	char *raw = summary_raw(msg, "Date");
	time_t t = 0;
	int offset;

	if (raw != NULL && mail_header_date(raw, &t, &offset) < 0)
		t = 0;
	free(raw);
	return t;
}

void mail_message_summary(const struct mail_message *msg, struct mail_summary *summary_r)
{
	json_object *subject = mail_message_field(msg, MAIL_FIELD_SUBJECT);

	memset(summary_r, 0, sizeof(*summary_r));
	summary_r->message_id = summary_message_id(msg);
	summary_add_refs(msg, "In-Reply-To", &summary_r->refs, &summary_r->ref_count);
	summary_add_refs(msg, "References", &summary_r->refs, &summary_r->ref_count);
	if (subject != NULL)
		summary_r->subject = xstrdup(json_object_get_string(subject));
	summary_r->thread_subject = mail_thread_subject(summary_r->subject != NULL ? summary_r->subject : "");
	summary_r->from_sort = summary_sort_address(msg, MAIL_FIELD_FROM);
	summary_r->to_sort = summary_sort_address(msg, MAIL_FIELD_TO);
	summary_r->sent_at = summary_sent_at(msg);
	summary_r->has_attachment = msg->has_attachment;
	summary_r->preview = xstrdup(mail_message_preview(msg));
}

void mail_summary_clear(struct mail_summary *summary)
{
	free(summary->message_id);
	mail_strings_free(summary->refs, summary->ref_count);
	free(summary->subject);
	free(summary->thread_subject);
	free(summary->from_sort);
	free(summary->to_sort);
	free(summary->preview);
	memset(summary, 0, sizeof(*summary));
}
