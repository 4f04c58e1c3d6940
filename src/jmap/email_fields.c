/* The two mutable Email properties (RFC 8621 §4.1.1): keywords and
 * mailboxIds, as given in Email/set, Email/import and Email/copy. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jmap/email_private.h"
#include "jmap/mailbox.h"

#define EMAIL_KEYWORD_MAX 255

bool email_keyword_valid(const char *keyword)
{
	size_t len = strlen(keyword);

	if (len == 0 || len > EMAIL_KEYWORD_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)keyword[i];

		if (c < 0x21 || c > 0x7e || strchr("(){]%*\"\\", c) != NULL)
			return false;
	}
	return true;
}

static int email_string_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *email_lowercase(const char *s)
{
	char *out = xstrdup(s);

	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

/* Sorts and drops duplicates ("$Seen" and "$seen" are one keyword). */
static size_t email_keywords_unique(char **list, size_t count)
{
	size_t out = 0;

	qsort(list, count, sizeof(*list), email_string_compare);
	for (size_t i = 0; i < count; i++) {
		if (out > 0 && strcmp(list[out - 1], list[i]) == 0)
			free(list[i]);
		else
			list[out++] = list[i];
	}
	return out;
}

json_object *email_keywords_parse(json_object *value, char ***list_r, size_t *count_r)
{
	size_t n = 0;
	char **list;

	*list_r = NULL;
	*count_r = 0;
	if (value == NULL)
		return NULL;
	if (!json_object_is_type(value, json_type_object))
		return jmap_prop_error("keywords", "keywords must be a String[Boolean]");
	if (json_object_object_length(value) > EMAIL_MAX_KEYWORDS)
		return jmap_set_error("tooManyKeywords", NULL, NULL);
	list = xcalloc((size_t)json_object_object_length(value) + 1, sizeof(*list));
	json_object_object_foreach(value, key, flag) {
		if (!json_object_is_type(flag, json_type_boolean) || !json_object_get_boolean(flag) ||
		    !email_keyword_valid(key)) {
			email_keywords_free(&list, n);
			return jmap_prop_error("keywords", "Each keyword must be valid and true");
		}
		list[n++] = email_lowercase(key);
	}
	*count_r = email_keywords_unique(list, n);
	*list_r = list;
	return NULL;
}

void email_keywords_free(char ***list, size_t count)
{
	if (*list == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
}

/* 1 exists, 0 not, -1 store failure. */
static int email_mailbox_exists(struct store_account *acct, uint64_t id)
{
	struct store_mailbox mb;
	int ret = store_mailbox_get(acct, id, &mb);

	if (ret > 0)
		store_mailbox_clear(&mb);
	return ret;
}

static int email_u64_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One key of mailboxIds: 0 and its number, or -1 if it names no
 * mailbox (of the account, or created earlier in the request). */
static int email_mailbox_key(struct jmap_call *call, const char *key, json_object *flag,
			     uint64_t *id_r, bool *failed_r)
{
	const char *id = jmap_id_resolve(call, key);
	int ret;

	if (!json_object_is_type(flag, json_type_boolean) || !json_object_get_boolean(flag) ||
	    id == NULL || jmap_id_parse(MAILBOX_ID_PREFIX, id, id_r) < 0)
		return -1;
	ret = email_mailbox_exists(call->acct, *id_r);
	if (ret < 0) {
		*failed_r = true;
		jmap_call_error(call, "serverFail", "mailbox lookup failed");
	}
	return ret > 0 ? 0 : -1;
}

json_object *email_mailboxes_parse(struct jmap_call *call, json_object *value,
				   uint64_t **ids_r, size_t *count_r, bool *failed_r)
{
	uint64_t *ids;
	size_t n = 0, out = 0;

	*failed_r = false;
	if (!json_object_is_type(value, json_type_object) || json_object_object_length(value) == 0)
		return jmap_prop_error("mailboxIds", "An email must be in at least one mailbox");
	ids = xcalloc((size_t)json_object_object_length(value), sizeof(*ids));
	json_object_object_foreach(value, key, flag) {
		if (email_mailbox_key(call, key, flag, &ids[n], failed_r) < 0) {
			free(ids);
			if (*failed_r)
				return NULL;
			return jmap_prop_error("mailboxIds", "Unknown mailbox, or a value not true");
		}
		n++;
	}
	qsort(ids, n, sizeof(*ids), email_u64_compare);
	for (size_t i = 0; i < n; i++) {
		if (out == 0 || ids[out - 1] != ids[i])
			ids[out++] = ids[i];
	}
	*ids_r = ids;
	*count_r = out;
	return NULL;
}
