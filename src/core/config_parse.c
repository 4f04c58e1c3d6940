/* Values written as text in the configuration: durations, sizes,
 * addresses, and the closed sets some keys accept. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_schema.h"
#include "core/ipnet.h"
#include "core/log.h"

#define CONFIG_ADDR_MAX 64

struct config_unit {
	char suffix;
	int64_t factor;
};

static const struct config_unit config_duration_units[] = {
	{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
};

static const struct config_unit config_size_units[] = {
	{ 'K', 1LL << 10 }, { 'M', 1LL << 20 }, { 'G', 1LL << 30 }, { 'T', 1LL << 40 },
	{ 'k', 1LL << 10 }, { 'm', 1LL << 20 }, { 'g', 1LL << 30 }, { 't', 1LL << 40 },
};

/* Decimal digits, then at most one unit suffix; the product must fit. */
static int config_parse_scaled(const char *s, const struct config_unit *units,
			       size_t unit_count, int64_t *value_r)
{
	int64_t v = 0, factor = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p != '\0') {
		size_t i;

		for (i = 0; i < unit_count && units[i].suffix != *p; i++)
			;
		if (i == unit_count || p[1] != '\0')
			return -1;
		factor = units[i].factor;
	}
	if (v > INT64_MAX / factor)
		return -1;
	*value_r = v * factor;
	return 0;
}

int config_parse_duration(const char *s, int64_t *seconds_r)
{
	return config_parse_scaled(s, config_duration_units,
				   sizeof(config_duration_units) / sizeof(config_duration_units[0]),
				   seconds_r);
}

int config_parse_size(const char *s, int64_t *bytes_r)
{
	return config_parse_scaled(s, config_size_units,
				   sizeof(config_size_units) / sizeof(config_size_units[0]),
				   bytes_r);
}

int config_check_protocol(const char *value, const char **error_r)
{
	static const char *const protocols[] = { "http", "imap", "pop3", "smtp" };

	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
		if (strcmp(value, protocols[i]) == 0)
			return 0;
	}
	*error_r = "expected one of http, imap, pop3, smtp";
	return -1;
}

int config_check_log_level(const char *value, const char **error_r)
{
	enum log_level level;

	if (log_level_parse(value, &level) == 0)
		return 0;
	*error_r = "expected one of debug, info, warn, error";
	return -1;
}

/* A port number 1-65535, decimal, nothing after it. */
static int config_parse_port(const char *s)
{
	int port = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		port = port * 10 + (*s - '0');
	}
	return port >= 1 && port <= 65535 ? 0 : -1;
}

/* "a.b.c.d:port" or "[v6]:port". */
static int config_parse_bind(const char *value)
{
	unsigned char addr[16];
	char host[CONFIG_ADDR_MAX];
	const char *colon, *start = value;
	int family = AF_INET;

	if (value[0] == '[') {
		colon = strstr(value, "]:");
		start = value + 1;
		family = AF_INET6;
	} else {
		colon = strrchr(value, ':');
	}
	if (colon == NULL || (size_t)(colon - start) >= sizeof(host))
		return -1;
	memcpy(host, start, (size_t)(colon - start));
	host[colon - start] = '\0';
	if (inet_pton(family, host, addr) != 1)
		return -1;
	return config_parse_port(colon + (family == AF_INET6 ? 2 : 1));
}

int config_check_bind(const char *value, const char **error_r)
{
	if (config_parse_bind(value) == 0)
		return 0;
	*error_r = "expected an address and port: \"127.0.0.1:8080\" or \"[::1]:8080\"";
	return -1;
}

int config_check_ip_or_cidr(const char *value, const char **error_r)
{
	struct ipnet net;

	if (ipnet_parse(value, &net) == 0)
		return 0;
	*error_r = "expected an IP address or a CIDR block (\"192.0.2.0/24\", \"2001:db8::/32\")";
	return -1;
}
