#ifndef TERN_IPNET_H
#define TERN_IPNET_H

#include <stdbool.h>
#include <stdint.h>

/* IP addresses and networks ("192.0.2.0/24", "2001:db8::/32") for the
 * lists the configuration names: secure client networks, addresses the
 * brute-force guard never bans. An IPv4-mapped IPv6 address
 * ("::ffff:192.0.2.1") is the IPv4 address it maps, so that a client is
 * one client whichever socket family it reached us on. */

struct config;

/* Room for the text of any address, NUL included (INET6_ADDRSTRLEN). */
#define IPNET_ADDR_TEXT_MAX 46
/* The most networks one configured list may hold. */
#define IPNET_LIST_MAX 256

struct ipnet_addr {
	int family;		/* AF_INET (bytes[0..3]) or AF_INET6 */
	uint8_t bytes[16];	/* bytes past the family's length are zero */
};

struct ipnet {
	struct ipnet_addr addr;
	unsigned prefix;	/* leading bits that must match: <= 32 or 128 */
};

struct ipnet_list;

/* Parses an address in text ("192.0.2.1", "2001:db8::1"). Returns 0, or
 * -1 if s is not one. */
int ipnet_addr_parse(const char *s, struct ipnet_addr *addr_r);
/* The address of 16 IPv6 bytes, as a socket gives them when IPv4 peers
 * are held as ::ffff:a.b.c.d. */
void ipnet_addr_from_in6(const uint8_t bytes[16], struct ipnet_addr *addr_r);
/* The canonical text of addr into text_r ("192.0.2.1", "2001:db8::1"). */
void ipnet_addr_format(const struct ipnet_addr *addr, char text_r[IPNET_ADDR_TEXT_MAX]);

/* Parses "ip" (a network of that one address) or "ip/prefix". Address
 * bits past the prefix are ignored. An IPv4-mapped network takes a
 * prefix of 96 or more and becomes the IPv4 network it maps. Returns 0,
 * or -1 if s is not one. */
int ipnet_parse(const char *s, struct ipnet *net_r);
/* True if addr lies inside net (the same family, the prefix equal). */
bool ipnet_match(const struct ipnet *net, const struct ipnet_addr *addr);

/* Reads the networks of the string or list of strings at path in cfg;
 * when path is not set, those of defaults (NULL-terminated; NULL for
 * none). Returns 0 with *list_r (the caller's, freed with
 * ipnet_list_free), or -1 with *error_r naming path and the entry that
 * is not a network, or saying there are more than IPNET_LIST_MAX. */
int ipnet_list_from_config(const struct config *cfg, const char *path,
			   const char *const *defaults, struct ipnet_list **list_r,
			   const char **error_r);
/* True if addr lies inside one of list's networks. */
bool ipnet_list_match(const struct ipnet_list *list, const struct ipnet_addr *addr);
void ipnet_list_free(struct ipnet_list **list);

#endif
