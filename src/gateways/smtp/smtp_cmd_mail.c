/* MAIL FROM and RCPT TO (RFC 5321 §4.1.1.2-3) with the parameters of
 * SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), DSN (RFC
 * 3461) and AUTH (RFC 4954 §5): checked here, then handed to
 * smtp_deliver_mail() and smtp_deliver_rcpt(). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_session.h"

/* RFC 3461 §4.4: ENVID is at most 100 characters; §4.2: ORCPT 500. */
#define SMTP_MAX_ENVID 100
#define SMTP_MAX_ORCPT 500

struct smtp_mail_param {
	const char *keyword;
	bool has_value;		/* keyword=value rather than a bare keyword */
	int (*fn)(struct smtp_session *s, const char *value, struct smtp_reply *reply_r);
};

struct smtp_rcpt_param {
	const char *keyword;
	int (*fn)(struct smtp_session *s, struct smtp_rcpt *rcpt, const char *value,
		  struct smtp_reply *reply_r);
};

static int smtp_param_bad(struct smtp_reply *reply_r, const char *keyword)
{
	smtp_reply_set(reply_r, 501, "5.5.4", "Bad value of the %s parameter", keyword);
	return -1;
}

/* ---- MAIL parameters ---- */

static int smtp_mail_size(struct smtp_session *s, const char *value, struct smtp_reply *reply_r)
{
	uint64_t size;

	if (smtp_parse_size(value, &size) < 0)
		return smtp_param_bad(reply_r, "SIZE");
	if (size > s->srv->max_message) {
		smtp_reply_set(reply_r, 552, "5.3.4", "Message size exceeds the limit of %zu bytes",
			       s->srv->max_message);
		return -1;
	}
	s->env.declared_size = size;
	return 0;
}

static int smtp_mail_body(struct smtp_session *s, const char *value, struct smtp_reply *reply_r)
{
	if (strcasecmp(value, "8BITMIME") == 0)
		s->env.body_8bit = true;
	else if (strcasecmp(value, "7BIT") != 0)
		return smtp_param_bad(reply_r, "BODY");
	return 0;
}

static int smtp_mail_smtputf8(struct smtp_session *s, const char *value,
			      struct smtp_reply *reply_r)
{
	s->env.smtputf8 = true;
	return 0;
}

static int smtp_mail_ret(struct smtp_session *s, const char *value, struct smtp_reply *reply_r)
{
	if (strcasecmp(value, "FULL") != 0 && strcasecmp(value, "HDRS") != 0)
		return smtp_param_bad(reply_r, "RET");
	s->ret = xstrdup(strcasecmp(value, "FULL") == 0 ? "FULL" : "HDRS");
	return 0;
}

static int smtp_mail_envid(struct smtp_session *s, const char *value, struct smtp_reply *reply_r)
{
	if (strlen(value) > SMTP_MAX_ENVID || (s->envid = smtp_xtext_decode(value, false)) == NULL)
		return smtp_param_bad(reply_r, "ENVID");
	return 0;
}

/* RFC 4954 §5: the identity a trusted relay vouches for; a server that
 * does not trust the client may ignore it, and this one does. */
static int smtp_mail_auth(struct smtp_session *s, const char *value, struct smtp_reply *reply_r)
{
	char *decoded = smtp_xtext_decode(value, true);

	if (decoded == NULL)
		return smtp_param_bad(reply_r, "AUTH");
	free(decoded);
	return 0;
}

static const struct smtp_mail_param smtp_mail_params[] = {
	{ "SIZE", true, smtp_mail_size },
	{ "BODY", true, smtp_mail_body },
	{ "SMTPUTF8", false, smtp_mail_smtputf8 },
	{ "RET", true, smtp_mail_ret },
	{ "ENVID", true, smtp_mail_envid },
	{ "AUTH", true, smtp_mail_auth },
};

static int smtp_mail_params_apply(struct smtp_session *s, const struct smtp_path_args *args,
				  struct smtp_reply *reply_r)
{
	for (size_t i = 0; i < args->param_count; i++) {
		const struct smtp_param *p = &args->params[i];
		const struct smtp_mail_param *def = NULL;

		for (size_t j = 0; j < sizeof(smtp_mail_params) / sizeof(smtp_mail_params[0]); j++) {
			if (strcmp(smtp_mail_params[j].keyword, p->keyword) == 0)
				def = &smtp_mail_params[j];
		}
		if (def == NULL) {
			smtp_reply_set(reply_r, 555, "5.5.4", "Unsupported parameter %s", p->keyword);
			return -1;
		}
		if (def->has_value != (p->value != NULL))
			return smtp_param_bad(reply_r, p->keyword);
		if (def->fn(s, p->value, reply_r) < 0)
			return -1;
	}
	return 0;
}

/* ---- MAIL ---- */

static void smtp_mail_answer(struct smtp_session *s, const char *address,
			     const struct smtp_reply *reply)
{
	log_info("smtp.mail", "session=%s from=%s size=%llu code=%d", s->id, log_q(address),
		 (unsigned long long)s->env.declared_size, reply->code);
	if (s->state != SMTP_STATE_MAIL)
		smtp_session_reset(s);
	smtp_reply_write(s, reply);
}

static void smtp_mail_work(struct smtp_session *s)
{
	s->job.ok = smtp_deliver_mail(s->srv->deliver, &s->env, &s->job.reply);
}

static void smtp_mail_done(struct smtp_session *s, bool gone)
{
	if (gone)
		return;
	if (s->job.ok)
		smtp_session_set_state(s, SMTP_STATE_MAIL);
	smtp_mail_answer(s, s->mail_from, &s->job.reply);
}

/* The checks before the parameters: state and authentication. */
static bool smtp_mail_allowed(struct smtp_session *s)
{
	if (s->state != SMTP_STATE_READY) {
		smtp_reply(s, 503, "5.5.1", "Sender already given; RSET first");
		return false;
	}
	if (s->submission && !s->authenticated) {
		smtp_reply(s, 530, "5.7.0", "Authentication required");
		return false;
	}
	return true;
}

void smtp_cmd_mail(struct smtp_session *s, const char *args)
{
	struct smtp_path_args path;
	struct smtp_reply reply;

	if (!smtp_mail_allowed(s))
		return;
	if (smtp_path_args_parse(args, "FROM:", &path, &reply) < 0) {
		smtp_reply_bad(s, reply.code, reply.enhanced, reply.text);
		return;
	}
	if (smtp_mail_params_apply(s, &path, &reply) < 0 ||
	    smtp_address_check(path.address, false, s->env.smtputf8, &reply) < 0) {
		smtp_mail_answer(s, path.address, &reply);
	} else if (s->authenticated) {
		/* the sender check asks the directory and JMAP */
		s->mail_from = xstrdup(path.address);
		smtp_session_offload(s, smtp_mail_work, smtp_mail_done);
	} else {
		/* nothing to look up: answered here, without a worker */
		s->mail_from = xstrdup(path.address);
		smtp_session_envelope(s);
		smtp_mail_work(s);
		smtp_mail_done(s, false);
	}
	smtp_path_args_free(&path);
}

/* ---- RCPT parameters ---- */

static int smtp_rcpt_notify(struct smtp_session *s, struct smtp_rcpt *rcpt, const char *value,
			    struct smtp_reply *reply_r)
{
	if ((rcpt->notify = smtp_parse_notify(value)) == 0)
		return smtp_param_bad(reply_r, "NOTIFY");
	return 0;
}

/* addr-type ";" xtext, kept decoded as "rfc822;addr". */
static int smtp_rcpt_orcpt(struct smtp_session *s, struct smtp_rcpt *rcpt, const char *value,
			   struct smtp_reply *reply_r)
{
	const char *semi = strchr(value, ';');
	char *addr;

	if (strlen(value) > SMTP_MAX_ORCPT || semi == NULL || semi == value)
		return smtp_param_bad(reply_r, "ORCPT");
	if ((addr = smtp_xtext_decode(semi + 1, s->env.smtputf8)) == NULL)
		return smtp_param_bad(reply_r, "ORCPT");
	rcpt->orcpt = xasprintf("%.*s;%s", (int)(semi - value), value, addr);
	free(addr);
	return 0;
}

static const struct smtp_rcpt_param smtp_rcpt_params[] = {
	{ "NOTIFY", smtp_rcpt_notify },
	{ "ORCPT", smtp_rcpt_orcpt },
};

static int smtp_rcpt_params_apply(struct smtp_session *s, const struct smtp_path_args *args,
				  struct smtp_rcpt *rcpt, struct smtp_reply *reply_r)
{
	for (size_t i = 0; i < args->param_count; i++) {
		const struct smtp_param *p = &args->params[i];
		const struct smtp_rcpt_param *def = NULL;

		for (size_t j = 0; j < sizeof(smtp_rcpt_params) / sizeof(smtp_rcpt_params[0]); j++) {
			if (strcmp(smtp_rcpt_params[j].keyword, p->keyword) == 0)
				def = &smtp_rcpt_params[j];
		}
		if (def == NULL) {
			smtp_reply_set(reply_r, 555, "5.5.4", "Unsupported parameter %s", p->keyword);
			return -1;
		}
		if (p->value == NULL)
			return smtp_param_bad(reply_r, p->keyword);
		if (def->fn(s, rcpt, p->value, reply_r) < 0)
			return -1;
	}
	return 0;
}

/* ---- RCPT ---- */

static bool smtp_rcpt_allowed(struct smtp_session *s)
{
	if (s->state != SMTP_STATE_MAIL && s->state != SMTP_STATE_RCPT) {
		smtp_reply(s, 503, "5.5.1", s->state == SMTP_STATE_CHUNKING ?
			   "No more recipients once BDAT began" : "Need MAIL before RCPT");
		return false;
	}
	if (s->env.rcpt_count >= s->srv->max_rcpts) {
		smtp_reply(s, 452, "4.5.3", "Too many recipients");
		return false;
	}
	return true;
}

static void smtp_rcpt_add(struct smtp_session *s, struct smtp_rcpt *rcpt)
{
	if (s->env.rcpt_count == s->rcpt_cap) {
		s->rcpt_cap = s->rcpt_cap == 0 ? 4 : s->rcpt_cap * 2;
		s->env.rcpts = xrealloc(s->env.rcpts, s->rcpt_cap * sizeof(*s->env.rcpts));
	}
	s->env.rcpts[s->env.rcpt_count++] = *rcpt;
	memset(rcpt, 0, sizeof(*rcpt));
	if (s->state == SMTP_STATE_MAIL)
		smtp_session_set_state(s, SMTP_STATE_RCPT);
}

static void smtp_rcpt_clear(struct smtp_rcpt *rcpt)
{
	free(rcpt->address);
	free(rcpt->orcpt);
	free(rcpt->account_ids);
	memset(rcpt, 0, sizeof(*rcpt));
}

/* Logs and answers; rcpt joins the transaction when ok, else is freed
 * (address is used before either). */
static void smtp_rcpt_answer(struct smtp_session *s, const char *address,
			     struct smtp_rcpt *rcpt, bool ok, const struct smtp_reply *reply)
{
	log_info("smtp.rcpt", "session=%s to=%s code=%d", s->id, log_q(address), reply->code);
	if (ok)
		smtp_rcpt_add(s, rcpt);
	else
		smtp_rcpt_clear(rcpt);
	smtp_reply_write(s, reply);
}

static void smtp_rcpt_work(struct smtp_session *s)
{
	s->job.ok = smtp_deliver_rcpt(s->srv->deliver, &s->env, &s->job.rcpt, &s->job.reply);
}

static void smtp_rcpt_done(struct smtp_session *s, bool gone)
{
	if (gone)
		smtp_rcpt_clear(&s->job.rcpt);
	else
		smtp_rcpt_answer(s, s->job.rcpt.address, &s->job.rcpt, s->job.ok, &s->job.reply);
}

void smtp_cmd_rcpt(struct smtp_session *s, const char *args)
{
	struct smtp_rcpt rcpt = { 0 };
	struct smtp_path_args path;
	struct smtp_reply reply;

	if (!smtp_rcpt_allowed(s))
		return;
	if (smtp_path_args_parse(args, "TO:", &path, &reply) < 0) {
		smtp_reply_bad(s, reply.code, reply.enhanced, reply.text);
		return;
	}
	if (smtp_rcpt_params_apply(s, &path, &rcpt, &reply) == 0 &&
	    smtp_address_check(path.address, true, s->env.smtputf8, &reply) == 0) {
		/* the directory, and the quota through JMAP */
		rcpt.address = xstrdup(path.address);
		s->job.rcpt = rcpt;
		smtp_session_offload(s, smtp_rcpt_work, smtp_rcpt_done);
	} else {
		smtp_rcpt_answer(s, path.address, &rcpt, false, &reply);
	}
	smtp_path_args_free(&path);
}
