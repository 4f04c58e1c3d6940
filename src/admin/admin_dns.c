/* GET /dns/records/{domain}: the DNS records an administrator publishes
 * for a local domain: MX, SPF, both DKIM keys, DMARC, MTA-STS, TLS-RPT,
 * the service records of RFC 6186 and RFC 8620 §2.2, autoconfig and
 * autodiscover. Names and targets are absolute (trailing dot). */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_private.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "directory/directory_dkim.h"

#define ADMIN_DNS_MX_PRIORITY 10

struct admin_dns_srv {
	const char *service;
	int port;
};

static const struct admin_dns_srv admin_dns_srvs[] = {
	{ "_submission._tcp", 587 }, { "_submissions._tcp", 465 },
	{ "_imap._tcp", 143 }, { "_imaps._tcp", 993 },
	{ "_pop3._tcp", 110 }, { "_pop3s._tcp", 995 },
	{ "_jmap._tcp", 443 },
};

/* The parts of one answer. */
struct admin_dns {
	json_object *records;
	const char *domain;	/* lowercase, no trailing dot */
	char *host;		/* server.hostname with a trailing dot */
};

/* Adds {type, name, value[, priority]}; name is prefix + the domain
 * (prefix "" for the domain itself). */
static void admin_dns_add(struct admin_dns *d, const char *type, const char *prefix,
			  const char *value, int priority)
{
	json_object *rec = json_object_new_object();
	char *name = xasprintf("%s%s%s.", prefix, prefix[0] != '\0' ? "." : "", d->domain);

	json_object_object_add(rec, "type", json_object_new_string(type));
	json_object_object_add(rec, "name", json_object_new_string(name));
	json_object_object_add(rec, "value", json_object_new_string(value));
	if (priority >= 0)
		json_object_object_add(rec, "priority", json_object_new_int(priority));
	json_object_array_add(d->records, rec);
	free(name);
}

static void admin_dns_add_mail(struct admin_dns *d, const struct directory_dkim_key *keys,
			       size_t count)
{
	char *v;

	admin_dns_add(d, "MX", "", d->host, ADMIN_DNS_MX_PRIORITY);
	admin_dns_add(d, "TXT", "", "v=spf1 mx -all", -1);
	for (size_t i = 0; i < count; i++) {
		v = xasprintf("%s._domainkey", keys[i].selector);
		admin_dns_add(d, "TXT", v, keys[i].dns_txt, -1);
		free(v);
	}
	v = xasprintf("v=DMARC1; p=reject; rua=mailto:postmaster@%s", d->domain);
	admin_dns_add(d, "TXT", "_dmarc", v, -1);
	free(v);
}

/* A short hash: RFC 8461 §3.1 only asks that the id change with the
 * policy (1-32 letters and digits). */
static void admin_dns_sts_id(const char *text, char id_r[ADMIN_MTA_STS_ID_LEN + 1])
{
	uint8_t digest[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	sha256(text, strlen(text), digest);
	hex_encode(digest, SHA256_LEN, hex);
	memcpy(id_r, hex, ADMIN_MTA_STS_ID_LEN);
	id_r[ADMIN_MTA_STS_ID_LEN] = '\0';
}

void admin_api_set_mta_sts_policy(struct admin_api *api, const char *policy)
{
	admin_dns_sts_id(policy, api->mta_sts_id);
}

/* MTA-STS (RFC 8461) and TLS-RPT (RFC 8460). The id is the served
 * policy's; an API with no HTTP face to serve one falls back to the
 * policy's MX host. */
static void admin_dns_add_tls(struct admin_dns *d, const struct admin_api *api)
{
	char id[ADMIN_MTA_STS_ID_LEN + 1];
	char *v;

	if (api->mta_sts_id[0] != '\0')
		memcpy(id, api->mta_sts_id, sizeof(id));
	else
		admin_dns_sts_id(d->host, id);
	v = xasprintf("v=STSv1; id=%s", id);
	admin_dns_add(d, "TXT", "_mta-sts", v, -1);
	free(v);
	admin_dns_add(d, "CNAME", "mta-sts", d->host, -1);
	v = xasprintf("v=TLSRPTv1; rua=mailto:postmaster@%s", d->domain);
	admin_dns_add(d, "TXT", "_smtp._tls", v, -1);
	free(v);
}

static void admin_dns_add_services(struct admin_dns *d)
{
	char *v;

	for (size_t i = 0; i < sizeof(admin_dns_srvs) / sizeof(admin_dns_srvs[0]); i++) {
		v = xasprintf("1 %d %s", admin_dns_srvs[i].port, d->host);
		admin_dns_add(d, "SRV", admin_dns_srvs[i].service, v, 0);
		free(v);
	}
	admin_dns_add(d, "CNAME", "autoconfig", d->host, -1);
	admin_dns_add(d, "CNAME", "autodiscover", d->host, -1);
}

int admin_dns_records(struct admin_request *req, json_object **response_r)
{
	struct directory_dkim_key *keys = NULL;
	size_t count = 0;
	char *domain = xstrdup(req->name);
	struct admin_dns d = { .domain = domain };
	int ret;

	for (char *c = domain; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	ret = directory_dkim_keys(req->api->dir, domain, &keys, &count);
	if (ret <= 0) {
		free(domain);
		if (ret < 0) {
			log_error("admin.dns", "domain=%s error=%s", log_q(req->name),
				  log_q("cannot read the DKIM keys"));
			return admin_error(500, "internalError", "internal error", response_r);
		}
		return admin_error(404, "notFound",
				   err_fmt("no domain named \"%.255s\"", req->name), response_r);
	}
	d.records = json_object_new_array();
	d.host = xasprintf("%s.", jmap_server_hostname(req->api->jmap));
	admin_dns_add_mail(&d, keys, count);
	admin_dns_add_tls(&d, req->api);
	admin_dns_add_services(&d);
	directory_dkim_keys_free(&keys, count);
	free(d.host);
	free(domain);
	return admin_data(200, d.records, response_r);
}
