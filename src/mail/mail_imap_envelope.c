/* ENVELOPE (RFC 9051 §7.5.2) from the header fields of a message: each
 * the last instance of its field, raw and unfolded. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

static json_object *envelope_string(const struct imap_msg *m, const char *name)
{
	char *value = imap_part_field(m->body, name);
	json_object *s = imap_json_string(value, value != NULL ? strlen(value) : 0);

	free(value);
	return s;
}

/* NIL when the field is absent, empty or holds no address. */
static json_object *envelope_addresses(const struct imap_msg *m, const char *name)
{
	char *value = imap_part_field(m->body, name);
	json_object *list = value != NULL ? imap_addr_list(value) : NULL;

	free(value);
	return list;
}

/* Sender and Reply-To fall back to From when absent or empty. */
static json_object *envelope_or_from(const struct imap_msg *m, const char *name, json_object *from)
{
	json_object *list = envelope_addresses(m, name);

	return list != NULL ? list : json_object_get(from);
}

json_object *imap_envelope(const struct imap_msg *m)
{
	json_object *env = json_object_new_array_ext(10);
	json_object *from = envelope_addresses(m, "From");

	json_object_array_add(env, envelope_string(m, "Date"));
	json_object_array_add(env, envelope_string(m, "Subject"));
	json_object_array_add(env, from);
	json_object_array_add(env, envelope_or_from(m, "Sender", from));
	json_object_array_add(env, envelope_or_from(m, "Reply-To", from));
	json_object_array_add(env, envelope_addresses(m, "To"));
	json_object_array_add(env, envelope_addresses(m, "Cc"));
	json_object_array_add(env, envelope_addresses(m, "Bcc"));
	json_object_array_add(env, envelope_string(m, "In-Reply-To"));
	json_object_array_add(env, envelope_string(m, "Message-ID"));
	return env;
}

json_object *mail_imap_envelope(const struct mail_message *msg)
{
	struct imap_msg m;
	json_object *env;

	imap_msg_init(&m, msg);
	env = imap_envelope(&m);
	imap_msg_deinit(&m);
	return env;
}
