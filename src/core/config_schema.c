/* The schema: every key Tern reads from its configuration file. Adding
 * a setting is one line here (and its documentation in conf/ternd.conf). */
#include <stdlib.h>
#include <string.h>

#include "core/config_schema.h"
#include "core/xalloc.h"

#define GROUP CONFIG_KIND_GROUP
#define STRING CONFIG_KIND_STRING
#define INT CONFIG_KIND_INT
#define BOOL CONFIG_KIND_BOOL
#define STRINGS CONFIG_KIND_STRINGS
#define DURATION CONFIG_KIND_DURATION
#define SIZE CONFIG_KIND_SIZE
#define REQUIRED CONFIG_FLAG_REQUIRED

/* RFC 8461 §3.2 names three modes. */
static int config_check_mta_sts_mode(const char *value, const char **error_r)
{
	if (strcmp(value, "enforce") == 0 || strcmp(value, "testing") == 0 ||
	    strcmp(value, "none") == 0)
		return 0;
	*error_r = "expected one of enforce, testing, none";
	return -1;
}

const struct config_schema_key config_schema[] = {
	{ "server.hostname", STRING, 0, NULL },
	{ "server.listener.*", GROUP, 0, NULL },
	{ "server.listener.*.bind", STRINGS, REQUIRED, config_check_bind },
	{ "server.listener.*.protocol", STRING, REQUIRED, config_check_protocol },
	{ "server.listener.*.tls.implicit", BOOL, 0, NULL },
	{ "server.listener.*.submission", BOOL, 0, NULL },
	{ "server.tls.certificate", STRING, REQUIRED, NULL },
	{ "server.tls.private-key", STRING, REQUIRED, NULL },
	{ "server.http.threads", INT, 0, NULL },
	{ "server.http.max-connections", INT, 0, NULL },
	{ "server.http.max-request-size", SIZE, 0, NULL },
	{ "server.http.timeout", DURATION, 0, NULL },
	{ "server.gateway.threads", INT, 0, NULL },
	{ "server.gateway.workers", INT, 0, NULL },
	{ "server.gateway.max-connections", INT, 0, NULL },
	{ "server.gateway.max-connections-per-ip", INT, 0, NULL },
	{ "storage.path", STRING, 0, NULL },
	{ "storage.cleanup-interval", DURATION, 0, NULL },
	{ "log.level", STRING, 0, config_check_log_level },
	{ "log.file", STRING, 0, NULL },
	{ "authentication.fallback-admin.user", STRING, REQUIRED, NULL },
	{ "authentication.fallback-admin.secret", STRING, REQUIRED, NULL },
	{ "authentication.cache.ttl", DURATION, 0, NULL },
	{ "authentication.allow-plaintext", BOOL, 0, NULL },
	{ "authentication.secure-networks", STRINGS, 0, config_check_ip_or_cidr },
	{ "security.auth-ban.failures", INT, 0, NULL },
	{ "security.auth-ban.window", DURATION, 0, NULL },
	{ "security.auth-ban.duration", DURATION, 0, NULL },
	{ "security.auth-ban.exempt", STRINGS, 0, config_check_ip_or_cidr },
	{ "jmap.max-size-upload", SIZE, 0, NULL },
	{ "jmap.max-concurrent-upload", INT, 0, NULL },
	{ "jmap.max-size-request", SIZE, 0, NULL },
	{ "jmap.max-concurrent-requests", INT, 0, NULL },
	{ "jmap.max-calls-in-request", INT, 0, NULL },
	{ "jmap.max-objects-in-get", INT, 0, NULL },
	{ "jmap.max-objects-in-set", INT, 0, NULL },
	{ "jmap.upload-ttl", DURATION, 0, NULL },
	{ "jmap.changes-ttl", DURATION, 0, NULL },
	{ "jmap.mailbox.max-depth", INT, 0, NULL },
	{ "jmap.mailbox.max-name-length", INT, 0, NULL },
	{ "jmap.push.max-connections", INT, 0, NULL },
	{ "jmap.push.max-connections-per-user", INT, 0, NULL },
	{ "imap.timeout", DURATION, 0, NULL },
	{ "imap.auth-timeout", DURATION, 0, NULL },
	{ "imap.max-line-length", SIZE, 0, NULL },
	{ "imap.max-literal-size", SIZE, 0, NULL },
	{ "imap.max-message-size", SIZE, 0, NULL },
	{ "imap.max-bad-commands", INT, 0, NULL },
	{ "pop3.timeout", DURATION, 0, NULL },
	{ "pop3.max-line-length", SIZE, 0, NULL },
	{ "pop3.max-bad-commands", INT, 0, NULL },
	{ "dav.max-request-size", SIZE, 0, NULL },
	{ "dav.lock.max-locks", INT, 0, NULL },
	{ "dav.lock.max-timeout", DURATION, 0, NULL },
	{ "smtp.timeout", DURATION, 0, NULL },
	{ "smtp.data-timeout", DURATION, 0, NULL },
	{ "smtp.max-line-length", SIZE, 0, NULL },
	{ "smtp.max-message-size", SIZE, 0, NULL },
	{ "smtp.max-recipients", INT, 0, NULL },
	{ "smtp.max-bad-commands", INT, 0, NULL },
	{ "smtp.submission.check-sender", BOOL, 0, NULL },
	{ "smtp.inbound.checks", BOOL, 0, NULL },
	{ "smtp.inbound.dmarc-reject", BOOL, 0, NULL },
	{ "smtp.mta-sts.mode", STRING, 0, config_check_mta_sts_mode },
	{ "smtp.mta-sts.max-age", DURATION, 0, NULL },
	{ "queue.outbound.next-hop", STRING, 0, NULL },
	{ "queue.outbound.auth.user", STRING, REQUIRED, NULL },
	{ "queue.outbound.auth.secret", STRING, REQUIRED, NULL },
	{ "queue.outbound.port", INT, 0, NULL },
	{ "queue.outbound.require-tls", BOOL, 0, NULL },
	{ "queue.outbound.threads", INT, 0, NULL },
	{ "queue.outbound.timeout", DURATION, 0, NULL },
	{ "queue.outbound.retry", STRINGS, 0, NULL },
	{ "queue.outbound.retry-every", DURATION, 0, NULL },
	{ "queue.outbound.expire", DURATION, 0, NULL },
	{ "resolver.zone-file", STRING, 0, NULL },
	{ "resolver.timeout", DURATION, 0, NULL },
	{ "resolver.forwarders", STRINGS, 0, NULL },
	{ "resolver.dnssec", BOOL, 0, NULL },
	{ "resolver.trust-anchor", STRING, 0, NULL },
};

const size_t config_schema_count = sizeof(config_schema) / sizeof(config_schema[0]);

enum config_match {
	CONFIG_MATCH_NONE,
	/* path is pattern */
	CONFIG_MATCH_EXACT,
	/* path is a proper prefix of pattern, in whole segments */
	CONFIG_MATCH_PREFIX,
};

static size_t config_segment_len(const char *s)
{
	const char *dot = strchr(s, '.');

	return dot != NULL ? (size_t)(dot - s) : strlen(s);
}

static enum config_match config_schema_match(const char *pattern, const char *path)
{
	for (;;) {
		size_t plen = config_segment_len(pattern);
		size_t len = config_segment_len(path);
		bool wild = plen == 1 && pattern[0] == '*';

		if (!wild && (plen != len || memcmp(pattern, path, len) != 0))
			return CONFIG_MATCH_NONE;
		pattern += plen;
		path += len;
		if (*path == '\0')
			return *pattern == '\0' ? CONFIG_MATCH_EXACT : CONFIG_MATCH_PREFIX;
		if (*pattern == '\0')
			return CONFIG_MATCH_NONE;
		pattern++;
		path++;
	}
}

const struct config_schema_key *config_schema_find(const char *path)
{
	for (size_t i = 0; i < config_schema_count; i++) {
		if (config_schema_match(config_schema[i].path, path) == CONFIG_MATCH_EXACT)
			return &config_schema[i];
	}
	return NULL;
}

bool config_schema_is_group(const char *path)
{
	for (size_t i = 0; i < config_schema_count; i++) {
		if (config_schema_match(config_schema[i].path, path) == CONFIG_MATCH_PREFIX)
			return true;
	}
	return false;
}

bool config_schema_parent_matches(const char *pattern, const char *path)
{
	const char *last = strrchr(pattern, '.');
	char *parent;
	bool ret;

	if (last == NULL || path[0] == '\0')
		return last == NULL && path[0] == '\0';
	parent = xstrndup(pattern, (size_t)(last - pattern));
	ret = config_schema_match(parent, path) == CONFIG_MATCH_EXACT;
	free(parent);
	return ret;
}
