/* Names the resolver derives from addresses. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "dns/dns.h"

static char *dns_reverse_v4(const unsigned char a[4])
{
	return xasprintf("%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
}

/* RFC 3596 §2.5: every nibble, lowest first. */
static char *dns_reverse_v6(const unsigned char a[16])
{
	static const char hex[] = "0123456789abcdef";
	char out[32 * 2 + sizeof("ip6.arpa")];
	size_t n = 0;

	for (int i = 15; i >= 0; i--) {
		out[n++] = hex[a[i] & 0x0f];
		out[n++] = '.';
		out[n++] = hex[a[i] >> 4];
		out[n++] = '.';
	}
	memcpy(out + n, "ip6.arpa", sizeof("ip6.arpa"));
	return xstrdup(out);
}

char *dns_reverse_name(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return dns_reverse_v4(a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return dns_reverse_v6(a);
	return NULL;
}
