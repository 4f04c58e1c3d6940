/* The resolver's front: picks the source, normalizes names, orders MX
 * answers and owns answers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "dns/dns_private.h"

#define DNS_TIMEOUT_DEFAULT 5
#define DNS_TIMEOUT_MAX 300

struct dns {
	struct dns_zone *zone;		/* resolver.zone-file, or NULL */
	struct dns_unbound *unbound;	/* otherwise */
};

static const struct {
	enum dns_type type;
	const char *name;
} dns_types[] = {
	{ DNS_A, "A" }, { DNS_CNAME, "CNAME" }, { DNS_PTR, "PTR" }, { DNS_MX, "MX" },
	{ DNS_TXT, "TXT" }, { DNS_AAAA, "AAAA" }, { DNS_TLSA, "TLSA" },
};

enum dns_type dns_type_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++) {
		if (strcasecmp(dns_types[i].name, name) == 0)
			return dns_types[i].type;
	}
	return 0;
}

const char *dns_type_name(enum dns_type type)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++) {
		if (dns_types[i].type == type)
			return dns_types[i].name;
	}
	return "?";
}

const char *dns_status_name(enum dns_status status)
{
	static const char *const names[] = {
		[DNS_OK] = "ok", [DNS_NODATA] = "nodata", [DNS_NXDOMAIN] = "nxdomain",
		[DNS_TEMPFAIL] = "tempfail", [DNS_PERMFAIL] = "permfail",
	};
	return names[status];
}

int dns_name_normalize(const char *name, bool allow_root, char out[DNS_NAME_MAX + 1])
{
	size_t len = strlen(name), label = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0) {
		/* only "" and "." reach here: the root */
		out[0] = '\0';
		return allow_root ? 0 : -1;
	}
	if (len > DNS_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (c <= ' ' || c >= 0x7f || ++label > 63) {
			return -1;
		}
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return 0;
}

void dns_answer_add(struct dns_answer *answer, enum dns_type type, uint32_t ttl,
		    uint16_t preference, char *text)
{
	struct dns_record *rec;

	if (answer->count >= DNS_ANSWER_MAX) {
		free(text);
		return;
	}
	answer->records = xrealloc(answer->records, (answer->count + 1) * sizeof(*answer->records));
	rec = &answer->records[answer->count++];
	rec->type = type;
	rec->ttl = ttl;
	rec->preference = preference;
	rec->text = text;
}

void dns_answer_clear(struct dns_answer *answer)
{
	for (size_t i = 0; i < answer->count; i++)
		free(answer->records[i].text);
	free(answer->records);
	answer->records = NULL;
	answer->count = 0;
	answer->secure = false;
	answer->status = DNS_NODATA;
}

/* Stable, so that records of equal preference keep the source's order
 * (the outbound queue shuffles them if it wants to). */
static void dns_answer_sort_mx(struct dns_answer *answer)
{
	for (size_t i = 1; i < answer->count; i++) {
		struct dns_record rec = answer->records[i];
		size_t j = i;

		while (j > 0 && answer->records[j - 1].preference > rec.preference) {
			answer->records[j] = answer->records[j - 1];
			j--;
		}
		answer->records[j] = rec;
	}
}

int dns_open(const struct config *cfg, struct dns **dns_r, const char **error_r)
{
	const char *zone_file = config_string(cfg, "resolver.zone-file", NULL);
	int64_t timeout = config_duration(cfg, "resolver.timeout", DNS_TIMEOUT_DEFAULT);
	struct dns *dns = xcalloc(1, sizeof(*dns));
	int ret;

	if (timeout < 1)
		timeout = 1;
	if (timeout > DNS_TIMEOUT_MAX)
		timeout = DNS_TIMEOUT_MAX;
	if (zone_file != NULL && zone_file[0] != '\0')
		ret = dns_zone_load(zone_file, &dns->zone, error_r);
	else
		ret = dns_unbound_open(cfg, (unsigned)timeout * 1000, &dns->unbound, error_r);
	if (ret < 0) {
		free(dns);
		return -1;
	}
	log_info("dns.open", "source=%s", dns->zone != NULL ? log_q(zone_file) : "libunbound");
	*dns_r = dns;
	return 0;
}

void dns_close(struct dns **dns)
{
	if (*dns == NULL)
		return;
	dns_zone_free(&(*dns)->zone);
	dns_unbound_close(&(*dns)->unbound);
	free(*dns);
	*dns = NULL;
}

enum dns_status dns_lookup(struct dns *dns, const char *name, enum dns_type type,
			   struct dns_answer *answer_r)
{
	char norm[DNS_NAME_MAX + 1];
	enum dns_status status;

	memset(answer_r, 0, sizeof(*answer_r));
	if (dns_name_normalize(name, false, norm) < 0)
		status = DNS_PERMFAIL;
	else if (dns->zone != NULL)
		status = dns_zone_lookup(dns->zone, norm, type, answer_r);
	else
		status = dns_unbound_lookup(dns->unbound, norm, type, answer_r);
	if (status == DNS_OK && answer_r->count == 0)
		status = DNS_NODATA;
	if (status != DNS_OK)
		dns_answer_clear(answer_r);
	answer_r->status = status;
	if (type == DNS_MX)
		dns_answer_sort_mx(answer_r);
	log_debug("dns.lookup", "name=%s type=%s status=%s count=%zu", log_q(name),
		  dns_type_name(type), dns_status_name(answer_r->status), answer_r->count);
	return answer_r->status;
}
