/* The Addresses and GroupedAddresses forms (RFC 8621 §4.1.2.3-4):
 * GMime parses the address-list (best effort, RFC 2047 names decoded,
 * a comment after the addr-spec as the name); this shapes the JSON. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_private.h"

/* Groups inside groups are not RFC 5322; flatten a few levels at most. */
#define ADDR_MAX_NESTING 4

/* A display name as the Text form has it, or NULL when empty. */
static json_object *addr_name(const char *name)
{
	char *clean, *nfc;
	json_object *value;

	if (name == NULL)
		return NULL;
	clean = g_strstrip(mail_utf8_clean(name));
	if (clean[0] == '\0') {
		free(clean);
		return NULL;
	}
	nfc = mail_utf8_has_8bit(clean) ? g_utf8_normalize(clean, -1, G_NORMALIZE_NFC) : NULL;
	value = json_object_new_string(nfc != NULL ? nfc : clean);
	g_free(nfc);
	free(clean);
	return value;
}

static json_object *addr_email_address(InternetAddress *ia)
{
	json_object *obj = json_object_new_object();
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	char *clean = mail_utf8_clean(addr != NULL ? addr : "");

	json_object_object_add(obj, "name", addr_name(internet_address_get_name(ia)));
	json_object_object_add(obj, "email", json_object_new_string(g_strstrip(clean)));
	free(clean);
	return obj;
}

/* Appends the mailboxes of list to array, members of groups included. */
static void addr_flatten(InternetAddressList *list, json_object *array, unsigned depth)
{
	int count = internet_address_list_length(list);

	for (int i = 0; i < count; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			if (depth < ADDR_MAX_NESTING)
				addr_flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), array,
					     depth + 1);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			json_object_array_add(array, addr_email_address(ia));
		}
	}
}

static json_object *addr_group(json_object *name, json_object *addresses)
{
	json_object *group = json_object_new_object();

	json_object_object_add(group, "name", name);
	json_object_object_add(group, "addresses", addresses);
	return group;
}

/* Groups as they are; runs of mailboxes outside a group collected
 * under a group without a name. */
static void addr_grouped(InternetAddressList *list, json_object *array)
{
	int count = internet_address_list_length(list);
	json_object *loose = NULL;

	for (int i = 0; i < count; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			json_object *members = json_object_new_array();

			loose = NULL;
			addr_flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), members, 1);
			json_object_array_add(array, addr_group(addr_name(internet_address_get_name(ia)), members));
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			if (loose == NULL) {
				loose = json_object_new_array();
				json_object_array_add(array, addr_group(NULL, loose));
			}
			json_object_array_add(loose, addr_email_address(ia));
		}
	}
}

/* What GMime could not read at all, kept as one address so a draft's
 * half-typed recipient is not lost (§4.1.2.3: best effort). */
static void addr_fallback(const char *raw_value, bool grouped, json_object *array)
{
	char *text = mail_header_text(raw_value);
	json_object *obj;

	if (text[0] == '\0' || strpbrk(text, ",;:") != NULL) {
		free(text);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "name", NULL);
	json_object_object_add(obj, "email", json_object_new_string(text));
	free(text);
	if (grouped) {
		json_object *list = json_object_new_array();

		json_object_array_add(list, obj);
		obj = addr_group(NULL, list);
	}
	json_object_array_add(array, obj);
}

json_object *mail_header_addresses(const char *raw_value, bool grouped)
{
	InternetAddressList *list = internet_address_list_parse(mail_parser_options(), raw_value);
	json_object *array = json_object_new_array();

	if (list == NULL || internet_address_list_length(list) == 0)
		addr_fallback(raw_value, grouped, array);
	else if (grouped)
		addr_grouped(list, array);
	else
		addr_flatten(list, array, 0);
	if (list != NULL)
		g_object_unref(list);
	return array;
}
