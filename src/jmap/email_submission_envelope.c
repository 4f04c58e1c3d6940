/* The envelope of an EmailSubmission (RFC 8621 §7): the client's,
 * validated, or one derived from the email's header fields; then the
 * checks that keep the account from sending as someone else. */
#include <string.h>
#include <strings.h>

#include "jmap/email_submission.h"

/* Parameters of one address: RFC 5321 esmtp-keyword names. */
#define ENVELOPE_MAX_PARAMETERS 16
#define ENVELOPE_MAX_KEYWORD 64
#define ENVELOPE_MAX_VALUE 1000
#define ENVELOPE_MAX_ADDRESS 1000

static json_object *envelope_error(const char *type, const char *description,
				   const char *property)
{
	const char *props[] = { property, NULL };

	return jmap_set_error(type, description, property != NULL ? props : NULL);
}

/* A JSON string with no NUL inside and at most max octets. */
static bool envelope_string_ok(json_object *value, size_t max)
{
	return json_object_is_type(value, json_type_string) &&
	       (size_t)json_object_get_string_len(value) <= max &&
	       strlen(json_object_get_string(value)) == (size_t)json_object_get_string_len(value);
}

static bool envelope_keyword_ok(const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len > ENVELOPE_MAX_KEYWORD)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || c != '-'))
			return false;
	}
	return true;
}

static bool envelope_parameters_ok(json_object *params)
{
	if (params == NULL)
		return true;
	if (!json_object_is_type(params, json_type_object) ||
	    json_object_object_length(params) > ENVELOPE_MAX_PARAMETERS)
		return false;
	json_object_object_foreach(params, key, value) {
		if (!envelope_keyword_ok(key) ||
		    (value != NULL && !envelope_string_ok(value, ENVELOPE_MAX_VALUE)))
			return false;
	}
	return true;
}

/* An Address {email, parameters}: a normalized copy, or NULL. The
 * address itself is judged later (forbiddenMailFrom, invalidRecipients). */
static json_object *envelope_address_parse(json_object *addr)
{
	json_object *email = NULL, *params = NULL, *out;

	if (!json_object_is_type(addr, json_type_object))
		return NULL;
	json_object_object_foreach(addr, key, value) {
		if (strcmp(key, "email") == 0)
			email = value;
		else if (strcmp(key, "parameters") == 0)
			params = value;
		else
			return NULL;
	}
	if (!envelope_string_ok(email, ENVELOPE_MAX_ADDRESS) || !envelope_parameters_ok(params))
		return NULL;
	out = json_object_new_object();
	json_object_object_add(out, "email", json_object_get(email));
	json_object_object_add(out, "parameters", json_object_get(params));
	return out;
}

static bool envelope_rcpt_has(json_object *rcpts, const char *email)
{
	size_t n = json_object_array_length(rcpts);

	for (size_t i = 0; i < n; i++) {
		json_object *addr = json_object_array_get_idx(rcpts, i);

		if (strcasecmp(json_object_get_string(json_object_object_get(addr, "email")),
			       email) == 0)
			return true;
	}
	return false;
}

/* Adds addr to rcpts unless an address equal but for case is there. */
static void envelope_rcpt_add(json_object *rcpts, json_object *addr)
{
	const char *email = json_object_get_string(json_object_object_get(addr, "email"));

	if (envelope_rcpt_has(rcpts, email))
		json_object_put(addr);
	else
		json_object_array_add(rcpts, addr);
}

static json_object *envelope_new(json_object *mail_from, json_object *rcpts)
{
	json_object *env = json_object_new_object();

	json_object_object_add(env, "mailFrom", mail_from);
	json_object_object_add(env, "rcptTo", rcpts);
	return env;
}

static json_object *envelope_parse_given(json_object *given)
{
	json_object *mail_from, *rcpt_arg, *rcpts;
	size_t n;

	if (json_object_object_length(given) != 2 ||
	    !json_object_object_get_ex(given, "rcptTo", &rcpt_arg) ||
	    !json_object_is_type(rcpt_arg, json_type_array) ||
	    (mail_from = envelope_address_parse(json_object_object_get(given, "mailFrom"))) == NULL)
		return NULL;
	rcpts = json_object_new_array();
	n = json_object_array_length(rcpt_arg);
	for (size_t i = 0; i < n; i++) {
		json_object *addr = envelope_address_parse(json_object_array_get_idx(rcpt_arg, i));

		if (addr == NULL) {
			json_object_put(mail_from);
			json_object_put(rcpts);
			return NULL;
		}
		envelope_rcpt_add(rcpts, addr);
	}
	return envelope_new(mail_from, rcpts);
}

static size_t envelope_header_count(json_object *model, const char *name)
{
	json_object *headers = json_object_object_get(model, "headers");
	size_t n = json_object_is_type(headers, json_type_array) ?
		   json_object_array_length(headers) : 0, count = 0;

	for (size_t i = 0; i < n; i++) {
		const char *field = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(headers, i), "name"));

		if (field != NULL && strcasecmp(field, name) == 0)
			count++;
	}
	return count;
}

/* The address strings of an EmailAddress[] property of the model. */
static size_t envelope_model_count(json_object *model, const char *prop)
{
	json_object *list = json_object_object_get(model, prop);

	return json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
}

static const char *envelope_model_email(json_object *model, const char *prop, size_t i)
{
	json_object *list = json_object_object_get(model, prop);
	json_object *email = json_object_object_get(json_object_array_get_idx(list, i), "email");

	return json_object_is_type(email, json_type_string) ? json_object_get_string(email) : NULL;
}

static json_object *envelope_plain_address(const char *email)
{
	json_object *addr = json_object_new_object();

	json_object_object_add(addr, "email", json_object_new_string(email));
	json_object_object_add(addr, "parameters", NULL);
	return addr;
}

/* mailFrom: the one address of the last Sender field, else of the last
 * From field; the identity's when that is not the identity's own. */
static json_object *envelope_derive_from(const struct submission_check *check,
					 json_object **error_r)
{
	const char *prop = envelope_model_count(check->model, "sender") > 0 ? "sender" : "from";
	const char *email;

	if (envelope_header_count(check->model, "Sender") > 1) {
		*error_r = envelope_error("invalidEmail", "More than one Sender field", "sender");
		return NULL;
	}
	if (envelope_header_count(check->model, "From") > 1) {
		*error_r = envelope_error("invalidEmail", "More than one From field", "from");
		return NULL;
	}
	if (envelope_model_count(check->model, prop) > 1) {
		*error_r = envelope_error("invalidEmail", "The sender is not one address", prop);
		return NULL;
	}
	email = envelope_model_email(check->model, prop, 0);
	if (email == NULL || strcasecmp(email, check->identity_email) != 0)
		email = check->identity_email;
	return envelope_plain_address(email);
}

static json_object *envelope_derive(const struct submission_check *check, json_object **error_r)
{
	static const char *const fields[] = { "to", "cc", "bcc" };
	json_object *mail_from = envelope_derive_from(check, error_r), *rcpts;

	if (mail_from == NULL)
		return NULL;
	rcpts = json_object_new_array();
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		size_t n = envelope_model_count(check->model, fields[f]);

		for (size_t i = 0; i < n; i++) {
			const char *email = envelope_model_email(check->model, fields[f], i);

			if (email != NULL)
				envelope_rcpt_add(rcpts, envelope_plain_address(email));
		}
	}
	return envelope_new(mail_from, rcpts);
}

/* Every From address must be the account's own. */
static json_object *envelope_check_from_header(const struct submission_check *check)
{
	size_t n = envelope_model_count(check->model, "from");

	if (n == 0)
		return envelope_error("invalidEmail", "The email has no From address", "from");
	for (size_t i = 0; i < n && check->limits->submission_check_sender; i++) {
		const char *email = envelope_model_email(check->model, "from", i);

		if (email == NULL || !jmap_principal_has_address(check->principal, email))
			return jmap_set_error("forbiddenFrom",
					      "The From address is not one of this account", NULL);
	}
	return NULL;
}

static json_object *envelope_invalid_recipients(json_object *rcpts)
{
	json_object *bad = NULL, *error;
	size_t n = json_object_array_length(rcpts);

	for (size_t i = 0; i < n; i++) {
		const char *email = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(rcpts, i), "email"));

		if (!jmap_address_valid(email)) {
			if (bad == NULL)
				bad = json_object_new_array();
			json_object_array_add(bad, json_object_new_string(email));
		}
	}
	if (bad == NULL)
		return NULL;
	error = jmap_set_error("invalidRecipients", "Some recipients are not valid addresses",
			       NULL);
	json_object_object_add(error, "invalidRecipients", bad);
	return error;
}

static json_object *envelope_check(const struct submission_check *check, json_object *env)
{
	json_object *mail_from = json_object_object_get(env, "mailFrom");
	json_object *rcpts = json_object_object_get(env, "rcptTo"), *error;
	const char *from = json_object_get_string(json_object_object_get(mail_from, "email"));
	size_t n = json_object_array_length(rcpts);

	if (check->limits->submission_check_sender &&
	    !jmap_principal_has_address(check->principal, from))
		return jmap_set_error("forbiddenMailFrom",
				      "The envelope sender is not an address of this account", NULL);
	if (n == 0)
		return jmap_set_error("noRecipients", "The envelope has no recipients", NULL);
	if ((int64_t)n > check->limits->submission_max_recipients) {
		error = jmap_set_error("tooManyRecipients", NULL, NULL);
		json_object_object_add(error, "maxRecipients",
				       json_object_new_int64(check->limits->submission_max_recipients));
		return error;
	}
	if ((error = envelope_invalid_recipients(rcpts)) != NULL)
		return error;
	if ((int64_t)check->size > check->limits->submission_max_size) {
		error = jmap_set_error("tooLarge", "The message is larger than the server sends",
				       NULL);
		json_object_object_add(error, "maxSize",
				       json_object_new_int64(check->limits->submission_max_size));
		return error;
	}
	return NULL;
}

json_object *submission_envelope(const struct submission_check *check, json_object *given,
				 json_object **error_r)
{
	json_object *env;

	*error_r = NULL;
	if (given != NULL) {
		if ((env = envelope_parse_given(given)) == NULL) {
			*error_r = envelope_error("invalidProperties", "Not a valid Envelope",
						  "envelope");
			return NULL;
		}
	} else if ((env = envelope_derive(check, error_r)) == NULL) {
		return NULL;
	}
	if ((*error_r = envelope_check_from_header(check)) == NULL)
		*error_r = envelope_check(check, env);
	if (*error_r != NULL) {
		json_object_put(env);
		return NULL;
	}
	return env;
}

json_object *submission_delivery_queued(json_object *envelope)
{
	json_object *rcpts = json_object_object_get(envelope, "rcptTo");
	json_object *status = json_object_new_object();
	size_t n = json_object_array_length(rcpts);

	for (size_t i = 0; i < n; i++) {
		json_object *one = json_object_new_object();
		const char *email = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(rcpts, i), "email"));

		json_object_object_add(one, "smtpReply",
				       json_object_new_string(SUBMISSION_QUEUED_REPLY));
		json_object_object_add(one, "delivered", json_object_new_string("queued"));
		json_object_object_add(one, "displayed", json_object_new_string("unknown"));
		json_object_object_add(status, email, one);
	}
	return status;
}
