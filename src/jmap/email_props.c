/* Email property names (RFC 8621 §4.1): the header properties
 * "header:{name}[:as{Form}][:all]", EmailBodyPart properties, and the
 * arguments of Email/get and Email/parse that shape the result. */
#include <stdlib.h>
#include <string.h>

#include "jmap/email_private.h"
#include "jmap/imap_vendor.h"
#include "jmap/std_private.h"

#define EMAIL_HEADER_PREFIX "header:"

/* Email properties computed from the light members of the model... */
static const char *const email_light_props[] = {
	"messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc",
	"replyTo", "subject", "sentAt", NULL,
};

/* ...and those that need its header fields or body parts. */
static const char *const email_full_props[] = {
	"headers", "bodyStructure", "textBody", "htmlBody", "attachments", "bodyValues", NULL,
};

static const char *const email_body_props[] = {
	"partId", "blobId", "size", "headers", "name", "type", "charset", "disposition",
	"cid", "language", "location", "subParts", NULL,
};

static const char *const email_body_props_default[] = {
	"partId", "blobId", "size", "name", "type", "charset", "disposition", "cid",
	"language", "location", NULL,
};

static bool email_name_in(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], name) == 0)
			return true;
	}
	return false;
}

/* A field name: printable ASCII but ':' (§4.1.3). */
static bool email_field_name_valid(const char *s, size_t len)
{
	if (len == 0 || len >= sizeof(((struct email_header_prop *)NULL)->name))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 33 || s[i] > 126 || s[i] == ':')
			return false;
	}
	return true;
}

int email_header_prop_parse(const char *prop, struct email_header_prop *hp_r)
{
	const char *name, *colon, *rest;
	size_t len;

	if (strncmp(prop, EMAIL_HEADER_PREFIX, strlen(EMAIL_HEADER_PREFIX)) != 0)
		return -1;
	name = prop + strlen(EMAIL_HEADER_PREFIX);
	colon = strchr(name, ':');
	len = colon != NULL ? (size_t)(colon - name) : strlen(name);
	if (!email_field_name_valid(name, len))
		return -1;
	memcpy(hp_r->name, name, len);
	hp_r->name[len] = '\0';
	hp_r->form = MAIL_FORM_RAW;
	hp_r->all = false;
	rest = colon;
	if (rest != NULL && strncmp(rest, ":as", 3) == 0) {
		const char *end = strchr(rest + 1, ':');
		char form[32];
		size_t flen = end != NULL ? (size_t)(end - rest - 1) : strlen(rest + 1);

		if (flen >= sizeof(form))
			return -1;
		memcpy(form, rest + 1, flen);
		form[flen] = '\0';
		if (mail_header_form_parse_name(form, &hp_r->form) < 0)
			return -1;
		rest = end;
	}
	if (rest != NULL) {
		if (strcmp(rest, ":all") != 0)
			return -1;
		hp_r->all = true;
	}
	return mail_header_form_allowed(hp_r->name, hp_r->form) ? 0 : -1;
}

const struct jmap_prop *email_prop_match(const char *name)
{
	/* Header properties are immutable; they are valid only on create,
	 * where mail_build() checks the value against the form. */
	static const struct jmap_prop header_prop = {
		"header:", JMAP_KIND_ANY, JMAP_PROP_IMMUTABLE | JMAP_PROP_NOT_DEFAULT,
	};
	struct email_header_prop hp;

	if (email_header_prop_parse(name, &hp) == 0)
		return &header_prop;
	return email_imap_prop_match(name);
}

bool email_prop_known(const char *name)
{
	return jmap_prop_find(&jmap_email_type, name) != NULL;
}

static bool email_body_prop_known(const char *name)
{
	struct email_header_prop hp;

	return email_name_in(name, email_body_props) || email_header_prop_parse(name, &hp) == 0;
}

static int email_body_props_parse(struct jmap_call *call, json_object *arg,
				  json_object **props_r)
{
	json_object *props = json_object_new_array();
	size_t n = arg != NULL ? json_object_array_length(arg) : 0;

	for (size_t i = 0; arg == NULL && email_body_props_default[i] != NULL; i++)
		json_object_array_add(props, json_object_new_string(email_body_props_default[i]));
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(arg, i);

		if (!json_object_is_type(item, json_type_string) ||
		    !email_body_prop_known(json_object_get_string(item))) {
			json_object_put(props);
			return jmap_call_error(call, "invalidArguments", "Unknown body property: %s",
					       json_object_get_string(item));
		}
		json_object_array_add(props, json_object_get(item));
	}
	*props_r = props;
	return 0;
}

int email_render_opts_parse(struct jmap_call *call, json_object *props,
			    struct email_render_opts *opts_r)
{
	json_object *body_arg;
	int64_t max;

	memset(opts_r, 0, sizeof(*opts_r));
	opts_r->props = props;
	if (email_imap_props_check(call, props) < 0 ||
	    jmap_arg_get(call, "bodyProperties", json_type_array, &body_arg) < 0 ||
	    jmap_arg_bool(call, "fetchTextBodyValues", false, &opts_r->fetch_text) < 0 ||
	    jmap_arg_bool(call, "fetchHTMLBodyValues", false, &opts_r->fetch_html) < 0 ||
	    jmap_arg_bool(call, "fetchAllBodyValues", false, &opts_r->fetch_all) < 0 ||
	    jmap_arg_uint_or_null(call, "maxBodyValueBytes", &max) < 0)
		return -1;
	opts_r->max_body_bytes = max > 0 ? (size_t)max : 0;
	return email_body_props_parse(call, body_arg, &opts_r->body_props);
}

void email_render_opts_clear(struct email_render_opts *opts)
{
	json_object_put(opts->body_props);
	opts->body_props = NULL;
}

static bool email_opts_wants(const struct email_render_opts *opts, bool (*pred)(const char *))
{
	size_t n = json_object_array_length(opts->props);

	for (size_t i = 0; i < n; i++) {
		if (pred(json_object_get_string(json_object_array_get_idx(opts->props, i))))
			return true;
	}
	return false;
}

static bool email_prop_light(const char *name)
{
	return email_name_in(name, email_light_props);
}

static bool email_prop_full(const char *name)
{
	return email_name_in(name, email_full_props) ||
	       strncmp(name, EMAIL_HEADER_PREFIX, strlen(EMAIL_HEADER_PREFIX)) == 0;
}

enum email_model_need email_render_model_need(const struct email_render_opts *opts)
{
	if (email_opts_wants(opts, email_prop_full))
		return EMAIL_MODEL_FULL;
	return email_opts_wants(opts, email_prop_light) ? EMAIL_MODEL_LIGHT : EMAIL_MODEL_NONE;
}
