/* Addresses for sending: their syntax, the account's own addresses, and
 * EmailAddress lists (RFC 8621 §4.1.2.3). */
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "jmap/objects.h"

#define ADDRESS_MAX 254
#define ADDRESS_LOCAL_MAX 64
#define ADDRESS_LABEL_MAX 63
/* Display names are short; anything longer is not a name. */
#define ADDRESS_NAME_MAX 1024

/* RFC 5322 atext, plus UTF-8 octets (RFC 6531). */
static bool address_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool address_local_valid(const char *s, size_t len)
{
	if (len == 0 || len > ADDRESS_LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' ? s[i + 1] == '.' : !address_atext(c))
			return false;
	}
	return true;
}

static bool address_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c >= 0x80;
}

/* "[...]" with printable ASCII inside, no brackets or backslash. */
static bool address_literal_valid(const char *s, size_t len)
{
	if (len < 3 || s[len - 1] != ']')
		return false;
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == '[' || c == ']' || c == '\\')
			return false;
	}
	return true;
}

static bool address_domain_valid(const char *s, size_t len)
{
	size_t label = 0;

	if (len > 0 && s[0] == '[')
		return address_literal_valid(s, len);
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (!address_label_char(c) || (label == 0 && c == '-') ||
			   ++label > ADDRESS_LABEL_MAX) {
			return false;
		}
	}
	return s[len - 1] != '-';
}

bool jmap_address_valid(const char *s)
{
	size_t len = strlen(s);
	const char *at = strrchr(s, '@');

	if (len > ADDRESS_MAX || at == NULL || !g_utf8_validate(s, (gssize)len, NULL))
		return false;
	return address_local_valid(s, (size_t)(at - s)) &&
	       address_domain_valid(at + 1, len - (size_t)(at - s) - 1);
}

int jmap_account_principal(struct jmap_call *call, struct store_principal **p_r)
{
	int ret = store_principal_get_by_id(call->req->srv->store, call->account_id, p_r);

	if (ret <= 0)
		return jmap_call_error(call, "serverFail", "account %u has no principal",
				       call->account_id);
	return 0;
}

bool jmap_principal_has_address(const struct store_principal *p, const char *address)
{
	for (size_t i = 0; i < p->email_count; i++) {
		if (strcasecmp(p->emails[i], address) == 0)
			return true;
	}
	return false;
}

/* One EmailAddress: "email" a valid address, "name" a String or null,
 * nothing else. */
static json_object *address_normalize_one(json_object *item)
{
	json_object *email = NULL, *name = NULL, *out;
	const char *text;

	if (!json_object_is_type(item, json_type_object))
		return NULL;
	json_object_object_foreach(item, key, value) {
		if (strcmp(key, "email") == 0)
			email = value;
		else if (strcmp(key, "name") == 0 && (value == NULL ||
			 (json_object_is_type(value, json_type_string) &&
			  json_object_get_string_len(value) <= ADDRESS_NAME_MAX)))
			name = value;
		else
			return NULL;
	}
	text = json_object_get_string(email);
	if (!json_object_is_type(email, json_type_string) ||
	    strlen(text) != (size_t)json_object_get_string_len(email) || !jmap_address_valid(text))
		return NULL;
	out = json_object_new_object();
	json_object_object_add(out, "name", json_object_get(name));
	json_object_object_add(out, "email", json_object_new_string(text));
	return out;
}

json_object *jmap_email_addresses_normalize(json_object *value, size_t max)
{
	json_object *out;
	size_t n;

	if (!json_object_is_type(value, json_type_array) ||
	    (n = json_object_array_length(value)) > max)
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *one = address_normalize_one(json_object_array_get_idx(value, i));

		if (one == NULL) {
			json_object_put(out);
			return NULL;
		}
		json_object_array_add(out, one);
	}
	return out;
}
