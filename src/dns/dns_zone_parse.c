/* The zone-file parser: the subset of RFC 1035 §5 master-file syntax
 * that dns.h names, bounded in line length, fields, record count and
 * TXT size. Every error names the file and line. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dns/dns_zone.h"

#define DNS_ZONE_TTL_DEFAULT 3600
#define DNS_ZONE_TTL_MAX 2147483647u

/* Types a zone file commonly holds that no lookup of ours asks for. */
static const char *const dns_zone_other_types[] = {
	"SOA", "NS", "SRV", "CAA", "SPF", "HINFO", "DS", "DNSKEY", "RRSIG", "NSEC",
	"NSEC3", "NSEC3PARAM", "SSHFP", "HTTPS", "SVCB", "NAPTR", "DNAME", "LOC", "RP",
};

struct dns_zone_token {
	char *text;
	bool quoted;
};

struct dns_zone_parser {
	FILE *file;
	const char *path;
	unsigned line;		/* the current physical line */
	unsigned entry_line;	/* where the current record starts */
	bool inherit_owner;	/* the record's line starts with blanks */
	int depth;		/* open parentheses */
	struct dns_zone_token tokens[DNS_ZONE_TOKENS_MAX];
	size_t count;
	char origin[DNS_NAME_MAX + 1];
	char owner[DNS_NAME_MAX + 1];
	bool have_owner;
	uint32_t ttl;
	struct dns_zone *zone;
	const char *error;
};

static int dns_zone_fail(struct dns_zone_parser *zp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int dns_zone_fail(struct dns_zone_parser *zp, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	zp->error = err_fmt("%s:%u: %s", zp->path, zp->entry_line, msg);
	return -1;
}

static void dns_zone_tokens_clear(struct dns_zone_parser *zp)
{
	for (size_t i = 0; i < zp->count; i++)
		free(zp->tokens[i].text);
	zp->count = 0;
}

static int dns_zone_token_push(struct dns_zone_parser *zp, struct strbuf *b, bool quoted)
{
	if (zp->count == DNS_ZONE_TOKENS_MAX) {
		strbuf_free(b);
		return dns_zone_fail(zp, "more than %d fields", DNS_ZONE_TOKENS_MAX);
	}
	zp->tokens[zp->count].quoted = quoted;
	zp->tokens[zp->count++].text = strbuf_steal(b);
	return 0;
}

/* A quoted string from p (just past the opening quote), with RFC 1035
 * escapes: \DDD and \X. Returns the position past the closing quote. */
static const char *dns_zone_quoted(struct dns_zone_parser *zp, const char *p)
{
	struct strbuf b = { 0 };

	while (*p != '"') {
		unsigned v;

		if (*p == '\0' || *p == '\n') {
			strbuf_free(&b);
			dns_zone_fail(zp, "unterminated string");
			return NULL;
		}
		if (*p != '\\') {
			strbuf_putc(&b, *p++);
			continue;
		}
		p++;
		if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
		    isdigit((unsigned char)p[2])) {
			v = (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
			if (v == 0 || v > 255) {
				strbuf_free(&b);
				dns_zone_fail(zp, "bad escape \\%.3s", p);
				return NULL;
			}
			strbuf_putc(&b, (char)v);
			p += 3;
		} else if (*p != '\0' && *p != '\n') {
			strbuf_putc(&b, *p++);
		}
	}
	return dns_zone_token_push(zp, &b, true) < 0 ? NULL : p + 1;
}

/* An unquoted field from p; a backslash takes the next character. */
static const char *dns_zone_word(struct dns_zone_parser *zp, const char *p)
{
	struct strbuf b = { 0 };

	while (*p != '\0' && strchr(" \t\r\n;()\"", *p) == NULL) {
		if (*p == '\\' && p[1] != '\0' && p[1] != '\n')
			p++;
		strbuf_putc(&b, *p++);
	}
	return dns_zone_token_push(zp, &b, false) < 0 ? NULL : p;
}

/* Splits one physical line into the current record's fields. */
static int dns_zone_tokenize(struct dns_zone_parser *zp, const char *p)
{
	while (*p != '\0' && *p != ';') {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
		} else if (*p == '(') {
			if (zp->depth++ > 0)
				return dns_zone_fail(zp, "nested parentheses");
			p++;
		} else if (*p == ')') {
			if (zp->depth-- == 0)
				return dns_zone_fail(zp, "unbalanced parenthesis");
			p++;
		} else if ((p = *p == '"' ? dns_zone_quoted(zp, p + 1) : dns_zone_word(zp, p)) == NULL) {
			return -1;
		}
	}
	return 0;
}

/* A name of the file made absolute against $ORIGIN and normalized. */
static int dns_zone_name(struct dns_zone_parser *zp, const char *text, bool allow_root,
			 char out[DNS_NAME_MAX + 1])
{
	char full[DNS_NAME_MAX * 2 + 3];
	size_t len = strlen(text);

	if (strcmp(text, "@") == 0)
		snprintf(full, sizeof(full), "%s.", zp->origin);
	else if (len > 0 && text[len - 1] == '.')
		snprintf(full, sizeof(full), "%s", text);
	else if (len <= DNS_NAME_MAX && zp->origin[0] == '\0')
		snprintf(full, sizeof(full), "%s.", text);
	else if (len <= DNS_NAME_MAX)
		snprintf(full, sizeof(full), "%s.%s.", text, zp->origin);
	else
		return dns_zone_fail(zp, "name too long");
	if (dns_name_normalize(full, allow_root, out) < 0)
		return dns_zone_fail(zp, "bad domain name \"%.64s\"", text);
	return 0;
}

static int dns_zone_number(const char *text, unsigned long max, unsigned long *value_r)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	*value_r = strtoul(text, &end, 10);
	return *end != '\0' || errno != 0 || *value_r > max ? -1 : 0;
}

static int dns_zone_directive(struct dns_zone_parser *zp)
{
	const char *name = zp->tokens[0].text;
	unsigned long ttl;

	if (zp->count != 2)
		return dns_zone_fail(zp, "%s takes one value", name);
	if (strcasecmp(name, "$ORIGIN") == 0)
		return dns_zone_name(zp, zp->tokens[1].text, true, zp->origin);
	if (strcasecmp(name, "$TTL") == 0) {
		if (dns_zone_number(zp->tokens[1].text, DNS_ZONE_TTL_MAX, &ttl) < 0)
			return dns_zone_fail(zp, "bad TTL");
		zp->ttl = (uint32_t)ttl;
		return 0;
	}
	return dns_zone_fail(zp, "unsupported directive %.32s", name);
}

static int dns_zone_address(struct dns_zone_parser *zp, enum dns_type type, const char *text,
			    char **text_r)
{
	int family = type == DNS_A ? AF_INET : AF_INET6;
	unsigned char bin[16];
	char out[INET6_ADDRSTRLEN];

	if (inet_pton(family, text, bin) != 1)
		return dns_zone_fail(zp, "bad %s address", dns_type_name(type));
	inet_ntop(family, bin, out, sizeof(out));
	*text_r = xstrdup(out);
	return 0;
}

static int dns_zone_txt(struct dns_zone_parser *zp, const struct dns_zone_token *tok, size_t n,
			char **text_r)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (b.len + strlen(tok[i].text) > DNS_ZONE_TXT_MAX) {
			strbuf_free(&b);
			return dns_zone_fail(zp, "TXT record longer than %d bytes", DNS_ZONE_TXT_MAX);
		}
		strbuf_puts(&b, tok[i].text);
	}
	*text_r = strbuf_steal(&b);
	return 0;
}

/* "usage selector mtype hex..." with the hex joined and lowercased. */
static int dns_zone_tlsa(struct dns_zone_parser *zp, const struct dns_zone_token *tok, size_t n,
			 char **text_r)
{
	unsigned long v[3];
	struct strbuf b = { 0 };

	for (size_t i = 0; i < 3; i++) {
		if (dns_zone_number(tok[i].text, 255, &v[i]) < 0)
			return dns_zone_fail(zp, "bad TLSA field");
	}
	strbuf_printf(&b, "%lu %lu %lu ", v[0], v[1], v[2]);
	for (size_t i = 3; i < n; i++) {
		for (const char *p = tok[i].text; *p != '\0'; p++) {
			if (!isxdigit((unsigned char)*p) || b.len > DNS_ZONE_TXT_MAX) {
				strbuf_free(&b);
				return dns_zone_fail(zp, "bad TLSA data");
			}
			strbuf_putc(&b, (char)tolower((unsigned char)*p));
		}
	}
	*text_r = strbuf_steal(&b);
	return 0;
}

static int dns_zone_target(struct dns_zone_parser *zp, const char *text, char **text_r)
{
	char name[DNS_NAME_MAX + 1];

	if (dns_zone_name(zp, text, true, name) < 0)
		return -1;
	*text_r = xstrdup(name);
	return 0;
}

/* The rdata of one record as dns_record.text; n fields from tok. */
static int dns_zone_rdata(struct dns_zone_parser *zp, enum dns_type type,
			  const struct dns_zone_token *tok, size_t n, uint16_t *preference_r,
			  char **text_r)
{
	static const size_t min_fields[] = {
		[DNS_A] = 1, [DNS_CNAME] = 1, [DNS_PTR] = 1, [DNS_MX] = 2,
		[DNS_TXT] = 1, [DNS_AAAA] = 1, [DNS_TLSA] = 4,
	};
	bool exact = type != DNS_TXT && type != DNS_TLSA;
	unsigned long pref;

	if (n < min_fields[type] || (exact && n != min_fields[type]))
		return dns_zone_fail(zp, "wrong number of fields for %s", dns_type_name(type));
	switch (type) {
	case DNS_A:
	case DNS_AAAA:
		return dns_zone_address(zp, type, tok[0].text, text_r);
	case DNS_MX:
		if (dns_zone_number(tok[0].text, 65535, &pref) < 0)
			return dns_zone_fail(zp, "bad MX preference");
		*preference_r = (uint16_t)pref;
		return dns_zone_target(zp, tok[1].text, text_r);
	case DNS_CNAME:
	case DNS_PTR:
		return dns_zone_target(zp, tok[0].text, text_r);
	case DNS_TXT:
		return dns_zone_txt(zp, tok, n, text_r);
	case DNS_TLSA:
		return dns_zone_tlsa(zp, tok, n, text_r);
	}
	return dns_zone_fail(zp, "unsupported type");
}

static bool dns_zone_other_type(const char *name)
{
	for (size_t i = 0; i < sizeof(dns_zone_other_types) / sizeof(dns_zone_other_types[0]); i++) {
		if (strcasecmp(name, dns_zone_other_types[i]) == 0)
			return true;
	}
	return false;
}

/* [owner] [ttl] [IN] type rdata..., TTL and class in either order. */
static int dns_zone_record(struct dns_zone_parser *zp)
{
	size_t i = zp->inherit_owner ? 0 : 1;
	uint32_t ttl = zp->ttl;
	uint16_t preference = 0;
	enum dns_type type;
	unsigned long value;
	char *text = NULL;

	if (!zp->inherit_owner && dns_zone_name(zp, zp->tokens[0].text, false, zp->owner) < 0)
		return -1;
	if (!zp->inherit_owner)
		zp->have_owner = true;
	else if (!zp->have_owner)
		return dns_zone_fail(zp, "record without an owner name");
	for (; i < zp->count && !zp->tokens[i].quoted; i++) {
		if (dns_zone_number(zp->tokens[i].text, DNS_ZONE_TTL_MAX, &value) == 0)
			ttl = (uint32_t)value;
		else if (strcasecmp(zp->tokens[i].text, "IN") != 0)
			break;
	}
	if (i == zp->count || zp->tokens[i].quoted)
		return dns_zone_fail(zp, "no record type");
	if (dns_zone_record_count(zp->zone) >= DNS_ZONE_RECORDS_MAX)
		return dns_zone_fail(zp, "more than %d records", DNS_ZONE_RECORDS_MAX);
	if ((type = dns_type_from_name(zp->tokens[i].text)) == 0) {
		if (!dns_zone_other_type(zp->tokens[i].text))
			return dns_zone_fail(zp, "unknown record type %.32s", zp->tokens[i].text);
		dns_zone_add(zp->zone, zp->owner, 0, ttl, 0, xstrdup(""));
		return 0;
	}
	if (dns_zone_rdata(zp, type, &zp->tokens[i + 1], zp->count - i - 1, &preference, &text) < 0)
		return -1;
	dns_zone_add(zp->zone, zp->owner, type, ttl, preference, text);
	return 0;
}

static int dns_zone_entry(struct dns_zone_parser *zp)
{
	if (zp->count == 0)
		return 0;
	if (!zp->inherit_owner && !zp->tokens[0].quoted && zp->tokens[0].text[0] == '$')
		return dns_zone_directive(zp);
	return dns_zone_record(zp);
}

/* Reads one physical line into buf; -1 past DNS_ZONE_LINE_MAX. */
static int dns_zone_read_line(struct dns_zone_parser *zp, char *buf, size_t size, bool *eof_r)
{
	size_t len;

	*eof_r = fgets(buf, (int)size, zp->file) == NULL;
	if (*eof_r)
		return 0;
	zp->line++;
	len = strlen(buf);
	if (len == size - 1 && buf[len - 1] != '\n' && !feof(zp->file)) {
		zp->entry_line = zp->line;
		return dns_zone_fail(zp, "line longer than %d bytes", DNS_ZONE_LINE_MAX);
	}
	return 0;
}

static int dns_zone_parse(struct dns_zone_parser *zp)
{
	char buf[DNS_ZONE_LINE_MAX + 2];
	bool eof;

	for (;;) {
		if (dns_zone_read_line(zp, buf, sizeof(buf), &eof) < 0)
			return -1;
		if (eof)
			break;
		if (zp->depth == 0) {
			zp->entry_line = zp->line;
			zp->inherit_owner = buf[0] == ' ' || buf[0] == '\t';
		}
		if (dns_zone_tokenize(zp, buf) < 0)
			return -1;
		if (zp->depth > 0)
			continue;
		if (dns_zone_entry(zp) < 0)
			return -1;
		dns_zone_tokens_clear(zp);
	}
	if (zp->depth > 0)
		return dns_zone_fail(zp, "unclosed parenthesis");
	if (ferror(zp->file))
		return dns_zone_fail(zp, "read error");
	return 0;
}

int dns_zone_load(const char *path, struct dns_zone **zone_r, const char **error_r)
{
	struct dns_zone_parser *zp = xcalloc(1, sizeof(*zp));
	int ret;

	zp->path = path;
	zp->ttl = DNS_ZONE_TTL_DEFAULT;
	if ((zp->file = fopen(path, "r")) == NULL) {
		*error_r = err_fmt("resolver.zone-file: %s: %s", path, strerror(errno));
		free(zp);
		return -1;
	}
	zp->zone = dns_zone_new();
	ret = dns_zone_parse(zp);
	dns_zone_tokens_clear(zp);
	fclose(zp->file);
	if (ret < 0) {
		*error_r = zp->error;
		dns_zone_free(&zp->zone);
	} else {
		dns_zone_finish(zp->zone);
		*zone_r = zp->zone;
	}
	free(zp);
	return ret;
}
