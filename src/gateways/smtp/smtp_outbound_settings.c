/* queue.outbound.* and the retry schedule they describe. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_outbound_private.h"

#define SMTP_OUTBOUND_DEFAULT_PORT 25
#define SMTP_OUTBOUND_DEFAULT_THREADS 4
#define SMTP_OUTBOUND_MAX_THREADS 256
#define SMTP_OUTBOUND_DEFAULT_TIMEOUT (5 * 60)
#define SMTP_OUTBOUND_DEFAULT_EVERY (6 * 3600)
#define SMTP_OUTBOUND_DEFAULT_EXPIRE (5 * 86400)
#define SMTP_OUTBOUND_MAX_RETRIES 100

static const int64_t smtp_outbound_default_retry[] = {
	120, 300, 600, 900, 1800, 3600, 7200,
};

/* "host:port", "[v6]:port" or "host" (port 25). */
static int smtp_outbound_next_hop_parse(const char *s, struct smtp_outbound_settings *set,
					const char **error_r)
{
	const char *colon, *host = s, *host_end;
	long port = SMTP_OUTBOUND_DEFAULT_PORT;
	char *end;

	if (s[0] == '[') {
		host = s + 1;
		host_end = strchr(host, ']');
		colon = host_end != NULL && host_end[1] == ':' ? host_end + 1 : NULL;
		if (host_end == NULL || (host_end[1] != '\0' && colon == NULL))
			host_end = NULL;
	} else {
		colon = strrchr(s, ':');
		host_end = colon != NULL ? colon : s + strlen(s);
	}
	if (colon != NULL)
		port = strtol(colon + 1, &end, 10);
	if (host_end == NULL || host_end == host ||
	    (colon != NULL && (*end != '\0' || port < 1 || port > 65535))) {
		*error_r = err_fmt("queue.outbound.next-hop: '%.100s' is not host:port", s);
		return -1;
	}
	set->next_hop = xstrndup(host, (size_t)(host_end - host));
	set->next_hop_port = (int)port;
	return 0;
}

static int smtp_outbound_retry_read(const struct config *cfg, struct smtp_outbound_settings *set,
				    const char **error_r)
{
	size_t n = config_list_count(cfg, "queue.outbound.retry");

	if (!config_exists(cfg, "queue.outbound.retry")) {
		n = sizeof(smtp_outbound_default_retry) / sizeof(smtp_outbound_default_retry[0]);
		set->retry = xcalloc(n, sizeof(*set->retry));
		memcpy(set->retry, smtp_outbound_default_retry, sizeof(smtp_outbound_default_retry));
		set->retry_count = n;
		return 0;
	}
	if (n > SMTP_OUTBOUND_MAX_RETRIES) {
		*error_r = "queue.outbound.retry: too many delays";
		return -1;
	}
	set->retry = xcalloc(n + 1, sizeof(*set->retry));
	for (size_t i = 0; i < n; i++) {
		const char *s = config_list_string(cfg, "queue.outbound.retry", i);

		if (s == NULL || config_parse_duration(s, &set->retry[i]) < 0 ||
		    set->retry[i] < 1) {
			*error_r = err_fmt("queue.outbound.retry: '%.100s' is not a duration",
					   s != NULL ? s : "");
			return -1;
		}
	}
	set->retry_count = n;
	return 0;
}

static int smtp_outbound_numbers_read(const struct config *cfg,
				      struct smtp_outbound_settings *set, const char **error_r)
{
	int64_t port = config_int(cfg, "queue.outbound.port", SMTP_OUTBOUND_DEFAULT_PORT);
	int64_t threads = config_int(cfg, "queue.outbound.threads", SMTP_OUTBOUND_DEFAULT_THREADS);
	int64_t timeout = config_duration(cfg, "queue.outbound.timeout",
					  SMTP_OUTBOUND_DEFAULT_TIMEOUT);

	set->retry_every = config_duration(cfg, "queue.outbound.retry-every",
					   SMTP_OUTBOUND_DEFAULT_EVERY);
	set->expire = config_duration(cfg, "queue.outbound.expire", SMTP_OUTBOUND_DEFAULT_EXPIRE);
	if (port < 1 || port > 65535 || threads < 0 || threads > SMTP_OUTBOUND_MAX_THREADS ||
	    timeout < 1 || timeout > 86400 || set->retry_every < 1 || set->expire < 1) {
		*error_r = "queue.outbound: port, threads, timeout, retry-every or expire "
			   "out of range";
		return -1;
	}
	set->port = (int)port;
	set->threads = (unsigned)threads;
	set->timeout = (int)timeout;
	return 0;
}

int smtp_outbound_settings_read(const struct config *cfg, struct smtp_outbound_settings *set,
				const char **error_r)
{
	const char *next_hop = config_string(cfg, "queue.outbound.next-hop", NULL);
	const char *user = config_string(cfg, "queue.outbound.auth.user", NULL);
	const char *secret = config_string(cfg, "queue.outbound.auth.secret", NULL);

	memset(set, 0, sizeof(*set));
	set->hostname = xstrdup(config_string(cfg, "server.hostname", "localhost"));
	set->require_tls = config_bool(cfg, "queue.outbound.require-tls", false);
	if (next_hop != NULL && next_hop[0] != '\0' &&
	    smtp_outbound_next_hop_parse(next_hop, set, error_r) < 0)
		return -1;
	if (user != NULL && secret != NULL) {
		set->auth_user = xstrdup(user);
		set->auth_secret = xstrdup(secret);
	}
	if (smtp_outbound_numbers_read(cfg, set, error_r) < 0)
		return -1;
	return smtp_outbound_retry_read(cfg, set, error_r);
}

void smtp_outbound_settings_clear(struct smtp_outbound_settings *set)
{
	free(set->hostname);
	free(set->next_hop);
	free(set->auth_user);
	free(set->auth_secret);
	free(set->retry);
	memset(set, 0, sizeof(*set));
}

bool smtp_outbound_expired(const struct smtp_outbound_settings *set, time_t created, time_t now)
{
	return now - created >= set->expire;
}

time_t smtp_outbound_next_attempt(const struct smtp_outbound_settings *set, uint32_t attempts,
				  time_t created, time_t now)
{
	int64_t delay = attempts >= 1 && attempts <= set->retry_count ?
			set->retry[attempts - 1] : set->retry_every;
	time_t next = now + (time_t)delay, end = created + (time_t)set->expire;

	return next > end && end > now ? end : next;
}
