/* IP addresses and networks: parsing, matching, and the configured
 * lists of them. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"
#include "core/ipnet.h"
#include "core/xalloc.h"

/* Longer than the text of any address, so a longer one is refused
 * before inet_pton sees it. */
#define IPNET_HOST_MAX 64
/* A prefix is at most "128". */
#define IPNET_PREFIX_DIGITS 3
#define IPNET_MAPPED_BITS 96

struct ipnet_list {
	size_t count;
	struct ipnet nets[];
};

static const uint8_t ipnet_v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool ipnet_bytes_mapped(const uint8_t bytes[16])
{
	return memcmp(bytes, ipnet_v4_mapped, sizeof(ipnet_v4_mapped)) == 0;
}

void ipnet_addr_from_in6(const uint8_t bytes[16], struct ipnet_addr *addr_r)
{
	memset(addr_r, 0, sizeof(*addr_r));
	if (ipnet_bytes_mapped(bytes)) {
		addr_r->family = AF_INET;
		memcpy(addr_r->bytes, bytes + 12, 4);
	} else {
		addr_r->family = AF_INET6;
		memcpy(addr_r->bytes, bytes, 16);
	}
}

int ipnet_addr_parse(const char *s, struct ipnet_addr *addr_r)
{
	uint8_t bytes[16];

	memset(addr_r, 0, sizeof(*addr_r));
	if (inet_pton(AF_INET, s, addr_r->bytes) == 1) {
		addr_r->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, bytes) != 1)
		return -1;
	ipnet_addr_from_in6(bytes, addr_r);
	return 0;
}

void ipnet_addr_format(const struct ipnet_addr *addr, char text_r[IPNET_ADDR_TEXT_MAX])
{
	if (inet_ntop(addr->family, addr->bytes, text_r, IPNET_ADDR_TEXT_MAX) == NULL)
		text_r[0] = '\0';
}

/* The digits after "/": 0 to max, no sign, no spaces, at most three. */
static int ipnet_prefix_parse(const char *s, unsigned max, unsigned *prefix_r)
{
	size_t len = strlen(s);
	unsigned prefix = 0;

	if (len == 0 || len > IPNET_PREFIX_DIGITS)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		prefix = prefix * 10 + (unsigned)(*s - '0');
	}
	if (prefix > max)
		return -1;
	*prefix_r = prefix;
	return 0;
}

/* With a prefix, an IPv4-mapped network is parsed as IPv6 first, so
 * that its prefix counts the 96 mapping bits. */
static int ipnet_parse_prefixed(const char *host, const char *prefix, struct ipnet *net_r)
{
	uint8_t bytes[16];

	if (inet_pton(AF_INET, host, net_r->addr.bytes) == 1) {
		net_r->addr.family = AF_INET;
		return ipnet_prefix_parse(prefix, 32, &net_r->prefix);
	}
	if (inet_pton(AF_INET6, host, bytes) != 1 ||
	    ipnet_prefix_parse(prefix, 128, &net_r->prefix) < 0)
		return -1;
	ipnet_addr_from_in6(bytes, &net_r->addr);
	if (net_r->addr.family == AF_INET) {
		if (net_r->prefix < IPNET_MAPPED_BITS)
			return -1;
		net_r->prefix -= IPNET_MAPPED_BITS;
	}
	return 0;
}

int ipnet_parse(const char *s, struct ipnet *net_r)
{
	char host[IPNET_HOST_MAX];
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);

	memset(net_r, 0, sizeof(*net_r));
	if (len >= sizeof(host))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	if (slash != NULL)
		return ipnet_parse_prefixed(host, slash + 1, net_r);
	if (ipnet_addr_parse(host, &net_r->addr) < 0)
		return -1;
	net_r->prefix = net_r->addr.family == AF_INET ? 32 : 128;
	return 0;
}

bool ipnet_match(const struct ipnet *net, const struct ipnet_addr *addr)
{
	unsigned max = net->addr.family == AF_INET ? 32 : 128;
	unsigned prefix = net->prefix < max ? net->prefix : max;
	unsigned bytes = prefix / 8, bits = prefix % 8;

	if (net->addr.family != addr->family ||
	    memcmp(net->addr.bytes, addr->bytes, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (net->addr.bytes[bytes] & mask) == (addr->bytes[bytes] & mask);
}

static size_t ipnet_defaults_count(const char *const *defaults)
{
	size_t n = 0;

	while (defaults != NULL && defaults[n] != NULL)
		n++;
	return n;
}

int ipnet_list_from_config(const struct config *cfg, const char *path,
			   const char *const *defaults, struct ipnet_list **list_r,
			   const char **error_r)
{
	bool set = config_exists(cfg, path);
	size_t n = set ? config_list_count(cfg, path) : ipnet_defaults_count(defaults);

	if (n > IPNET_LIST_MAX) {
		*error_r = err_fmt("%s: more than %d entries", path, IPNET_LIST_MAX);
		return -1;
	}
	struct ipnet_list *list = xcalloc(1, sizeof(*list) + n * sizeof(list->nets[0]));
	for (size_t i = 0; i < n; i++) {
		const char *s = set ? config_list_string(cfg, path, i) : defaults[i];
		if (s == NULL || ipnet_parse(s, &list->nets[i]) < 0) {
			*error_r = err_fmt("%s: \"%s\" is not an IP address or CIDR block", path,
					   s != NULL ? s : "");
			free(list);
			return -1;
		}
	}
	list->count = n;
	*list_r = list;
	return 0;
}

bool ipnet_list_match(const struct ipnet_list *list, const struct ipnet_addr *addr)
{
	for (size_t i = 0; i < list->count; i++) {
		if (ipnet_match(&list->nets[i], addr))
			return true;
	}
	return false;
}

void ipnet_list_free(struct ipnet_list **list)
{
	free(*list);
	*list = NULL;
}
