/* The JMAP Envelope of a submission (RFC 8621 §7): MAIL FROM and RCPT
 * TO with their ESMTP parameters as the SMTP client would send them on
 * (RFC 3461 DSN, RFC 6152 BODY, RFC 6531 SMTPUTF8). Values that are
 * xtext on the wire (ENVID, ORCPT) are kept decoded: the queue encodes
 * them again when it sends them on or writes them into a DSN. */
#include "core/strbuf.h"
#include "gateways/smtp/smtp_deliver_private.h"

static json_object *params_address(const char *email, json_object *params)
{
	json_object *addr = json_object_new_object();

	json_object_object_add(addr, "email", json_object_new_string(email));
	if (json_object_object_length(params) == 0) {
		json_object_put(params);
		params = NULL;
	}
	json_object_object_add(addr, "parameters", params);
	return addr;
}

static json_object *params_mail_from(const struct smtp_envelope *env)
{
	json_object *params = json_object_new_object();

	if (env->ret != NULL)
		json_object_object_add(params, "RET", json_object_new_string(env->ret));
	if (env->envid != NULL)
		json_object_object_add(params, "ENVID", json_object_new_string(env->envid));
	if (env->body_8bit)
		json_object_object_add(params, "BODY", json_object_new_string("8BITMIME"));
	if (env->smtputf8)
		json_object_object_add(params, "SMTPUTF8", NULL);
	return params_address(env->mail_from, params);
}

/* NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY. */
static void params_notify(json_object *params, unsigned notify)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ SMTP_NOTIFY_SUCCESS, "SUCCESS" },
		{ SMTP_NOTIFY_FAILURE, "FAILURE" },
		{ SMTP_NOTIFY_DELAY, "DELAY" },
	};
	struct strbuf b = { 0 };

	if (notify == 0)
		return;
	if ((notify & SMTP_NOTIFY_NEVER) != 0) {
		json_object_object_add(params, "NOTIFY", json_object_new_string("NEVER"));
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((notify & names[i].bit) == 0)
			continue;
		if (b.len > 0)
			strbuf_putc(&b, ',');
		strbuf_puts(&b, names[i].name);
	}
	if (b.len > 0)
		json_object_object_add(params, "NOTIFY", json_object_new_string(b.s));
	strbuf_free(&b);
}

static json_object *params_rcpt(const struct smtp_rcpt *rcpt)
{
	json_object *params = json_object_new_object();

	params_notify(params, rcpt->notify);
	if (rcpt->orcpt != NULL)
		json_object_object_add(params, "ORCPT", json_object_new_string(rcpt->orcpt));
	return params_address(rcpt->address, params);
}

json_object *deliver_params_envelope(const struct smtp_envelope *env)
{
	json_object *envelope = json_object_new_object(), *rcpts = json_object_new_array();

	for (size_t i = 0; i < env->rcpt_count; i++) {
		if (env->rcpts[i].remote || env->rcpts[i].account_count > 0)
			json_object_array_add(rcpts, params_rcpt(&env->rcpts[i]));
	}
	json_object_object_add(envelope, "mailFrom", params_mail_from(env));
	json_object_object_add(envelope, "rcptTo", rcpts);
	return envelope;
}
