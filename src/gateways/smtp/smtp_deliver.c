/* The delivery context (smtp_deliver.h): its settings, MAIL FROM, and
 * where a complete message goes. RCPT is in smtp_deliver_rcpt.c, local
 * delivery in smtp_deliver_local.c, submission in smtp_deliver_submit.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_deliver_private.h"

struct smtp_deliver *smtp_deliver_new(struct jmap_server *jmap, struct directory *dir,
				      struct dns *dns, const struct config *cfg)
{
	struct smtp_deliver *d = xcalloc(1, sizeof(*d));

	d->jmap = jmap;
	d->dir = dir;
	d->dns = dns;
	d->hostname = xstrdup(config_string(cfg, "server.hostname", "localhost"));
	d->check_sender = config_bool(cfg, "smtp.submission.check-sender", true);
	d->inbound_checks = config_bool(cfg, "smtp.inbound.checks", true);
	d->dmarc_reject = config_bool(cfg, "smtp.inbound.dmarc-reject", true);
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

void smtp_deliver_free(struct smtp_deliver **dp)
{
	struct smtp_deliver *d = *dp;

	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->inboxes);
	free(d->hostname);
	free(d);
	*dp = NULL;
}

void deliver_reply(struct smtp_reply *reply, int code, const char *enhanced, const char *fmt, ...)
{
	va_list ap;

	reply->code = code;
	snprintf(reply->enhanced, sizeof(reply->enhanced), "%s", enhanced);
	va_start(ap, fmt);
	vsnprintf(reply->text, sizeof(reply->text), fmt, ap);
	va_end(ap);
}

bool deliver_reply_ok(const struct smtp_reply *reply)
{
	return reply->code >= 200 && reply->code < 300;
}

/* Who may start a transaction at all: a submission port needs a user,
 * and an administrator has no mailbox to send from. */
static bool deliver_mail_allowed(const struct smtp_envelope *env, struct smtp_reply *reply_r)
{
	if (env->submission && env->user == NULL) {
		deliver_reply(reply_r, 530, "5.7.0", "Authentication required");
		return false;
	}
	if (env->user != NULL && env->user->is_admin) {
		deliver_reply(reply_r, 550, "5.7.1", "Administrators do not send mail");
		return false;
	}
	return true;
}

bool smtp_deliver_mail(struct smtp_deliver *d, const struct smtp_envelope *env,
		       struct smtp_reply *reply_r)
{
	int owns = 1;

	if (!deliver_mail_allowed(env, reply_r))
		return false;
	if (env->user != NULL && d->check_sender)
		owns = env->mail_from[0] != '\0' ? deliver_submit_owns(d, env->user, env->mail_from) : 0;
	if (owns < 0) {
		deliver_reply(reply_r, 451, "4.3.0", "Temporary failure, try again later");
		return false;
	}
	if (owns == 0) {
		log_info("smtp.sender_refused", "session=%s user=%s from=%s",
			 log_q(env->session_id), log_q(env->user->name), log_q(env->mail_from));
		deliver_reply(reply_r, 550, "5.7.1", "Sender address not owned by the authenticated user");
		return false;
	}
	deliver_reply(reply_r, 250, "2.1.0", "Sender OK");
	return true;
}

void smtp_deliver_message(struct smtp_deliver *d, const struct smtp_envelope *env,
			  const char *msg, size_t len, struct smtp_reply *reply_r)
{
	if (env->rcpt_count == 0) {
		deliver_reply(reply_r, 554, "5.5.1", "No valid recipients");
		return;
	}
	if (env->user != NULL)
		deliver_submit_message(d, env, msg, len, reply_r);
	else
		deliver_local_message(d, env, msg, len, reply_r);
}
