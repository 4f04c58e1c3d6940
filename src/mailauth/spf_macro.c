/* SPF macros (RFC 7208 §7): syntax check and expansion. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "mailauth/spf_private.h"

/* An expansion longer than this is refused before it is cut to 253. */
#define SPF_EXPAND_MAX 8192
/* "%{d1000}" is as good as "%{d}": no name has more labels. */
#define SPF_MACRO_DIGITS_MAX 1000

struct spf_macro {
	char letter;		/* lowercase */
	bool upper;		/* URL-escape the result */
	unsigned digits;	/* right-hand parts kept; 0: all */
	bool reverse;
	char delimiters[8];	/* "." unless given */
};

/* Parses what follows "%{" up to and past the closing "}"; NULL on a
 * syntax error. */
static const char *spf_macro_parse(const char *p, struct spf_macro *m)
{
	bool digits = false;
	size_t nd = 0;

	memset(m, 0, sizeof(*m));
	if (*p == '\0' || strchr("slodiphvcrtSLODIPHVCRT", *p) == NULL)
		return NULL;
	m->letter = (char)tolower((unsigned char)*p);
	m->upper = isupper((unsigned char)*p) != 0;
	for (p++; isdigit((unsigned char)*p); p++) {
		digits = true;
		m->digits = m->digits * 10 + (unsigned)(*p - '0');
		if (m->digits > SPF_MACRO_DIGITS_MAX)
			m->digits = SPF_MACRO_DIGITS_MAX;
	}
	if (digits && m->digits == 0)
		return NULL;
	if (*p == 'r' || *p == 'R') {
		m->reverse = true;
		p++;
	}
	for (; *p != '\0' && strchr(".-+,/_=", *p) != NULL; p++) {
		if (strchr(m->delimiters, *p) == NULL && nd < sizeof(m->delimiters) - 1)
			m->delimiters[nd++] = *p;
	}
	if (nd == 0)
		m->delimiters[0] = '.';
	return *p == '}' ? p + 1 : NULL;
}

/* toplabel of §7.1: letters, digits and inner hyphens, not all digits. */
static bool spf_toplabel_valid(const char *label, size_t len)
{
	bool alpha = false, hyphen = false;

	if (len == 0 || label[0] == '-' || label[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (isalpha((unsigned char)label[i]))
			alpha = true;
		else if (label[i] == '-')
			hyphen = true;
		else if (!isdigit((unsigned char)label[i]))
			return false;
	}
	return alpha || hyphen;
}

/* domain-end = "." toplabel ["."], within the literal tail of a spec. */
static bool spf_domain_end_valid(const char *tail, size_t len)
{
	const char *dot;

	if (len > 0 && tail[len - 1] == '.')
		len--;
	dot = memrchr(tail, '.', len);
	return dot != NULL && spf_toplabel_valid(dot + 1, len - (size_t)(dot + 1 - tail));
}

bool spf_macro_valid(const char *spec, bool domain_spec)
{
	const char *p = spec, *tail = spec;
	struct spf_macro m;

	while (*p != '\0') {
		if (*p != '%') {
			if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
				return false;
			p++;
			continue;
		}
		if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
			p += 2;
		} else if (p[1] != '{' || (p = spf_macro_parse(p + 2, &m)) == NULL ||
			   (domain_spec && strchr("crt", m.letter) != NULL)) {
			return false;
		}
		tail = p;
	}
	if (!domain_spec)
		return true;
	if (p != spec && (tail == p || (tail > spec && strcmp(tail, ".") == 0)))
		return true;	/* ends in a macro-expand, maybe with a trailing dot */
	return spf_domain_end_valid(tail, (size_t)(p - tail));
}

/* The "i" of an IPv6 address: its 32 nibbles, dot-separated. */
static char *spf_ip6_dotted(const struct ipnet_addr *ip)
{
	static const char hex[] = "0123456789abcdef";
	char out[64];

	for (size_t i = 0; i < 16; i++) {
		out[i * 4] = hex[ip->bytes[i] >> 4];
		out[i * 4 + 1] = '.';
		out[i * 4 + 2] = hex[ip->bytes[i] & 0x0f];
		out[i * 4 + 3] = '.';
	}
	out[63] = '\0';
	return xstrdup(out);
}

/* The %{p} name of §7.3: domain, else a subdomain of it, else any. */
static char *spf_macro_ptr(struct spf_eval *ev, const char *domain)
{
	char *names[SPF_NAMES_MAX], *best = NULL;
	size_t n = spf_validated_names(ev, names, SPF_NAMES_MAX);

	for (size_t i = 0; i < n && best == NULL; i++) {
		if (strcasecmp(names[i], domain) == 0)
			best = names[i];
	}
	for (size_t i = 0; i < n && best == NULL; i++) {
		if (spf_name_within(names[i], domain))
			best = names[i];
	}
	best = xstrdup(best != NULL ? best : n > 0 ? names[0] : "unknown");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return best;
}

/* The value of a macro letter before transformers; NULL on permerror. */
static char *spf_macro_value(struct spf_eval *ev, char letter, const char *domain)
{
	char text[IPNET_ADDR_TEXT_MAX];

	switch (letter) {
	case 's':
		return xstrdup(ev->sender);
	case 'l':
		return xstrdup(ev->local);
	case 'o':
		return xstrdup(ev->sender_domain);
	case 'd':
		return xstrdup(domain);
	case 'h':
		return xstrdup(ev->helo);
	case 'v':
		return xstrdup(ev->ip.family == AF_INET ? "in-addr" : "ip6");
	case 'i':
		if (ev->ip.family != AF_INET)
			return spf_ip6_dotted(&ev->ip);
		ipnet_addr_format(&ev->ip, text);
		return xstrdup(text);
	case 'p':
		return spf_count_lookup(ev) < 0 ? NULL : spf_macro_ptr(ev, domain);
	}
	return NULL;	/* c, r, t: exp= only, and exp= is not fetched */
}

/* Splits value on the delimiters, reverses, keeps the right-hand
 * parts, joins with "." and URL-escapes for an uppercase letter. */
static void spf_macro_transform(struct strbuf *out, char *value, const struct spf_macro *m)
{
	size_t len = strlen(value), n = 0, first;
	char **parts = xcalloc(len + 1, sizeof(*parts));
	struct strbuf joined = { 0 };

	for (char *p = value;; p++) {
		parts[n++] = p;
		p += strcspn(p, m->delimiters);
		if (*p == '\0')
			break;
		*p = '\0';
	}
	first = m->digits > 0 && m->digits < n ? n - m->digits : 0;
	for (size_t i = first; i < n; i++) {
		if (i > first)
			strbuf_putc(&joined, '.');
		strbuf_puts(&joined, parts[m->reverse ? n - 1 - i : i]);
	}
	free(parts);
	for (size_t i = 0; i < joined.len; i++) {
		unsigned char c = (unsigned char)joined.s[i];

		if (m->upper && !isalnum(c) && strchr("-._~", c) == NULL)
			strbuf_printf(out, "%%%02X", c);
		else
			strbuf_putc(out, (char)c);
	}
	strbuf_free(&joined);
}

/* Drops labels from the left until name fits in SPF_NAME_MAX. */
static char *spf_macro_truncate(char *name)
{
	char *p = name;
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	while (len - (size_t)(p - name) > SPF_NAME_MAX && strchr(p, '.') != NULL)
		p = strchr(p, '.') + 1;
	memmove(name, p, strlen(p) + 1);
	return name;
}

char *spf_macro_expand(struct spf_eval *ev, const char *spec, const char *domain)
{
	struct strbuf out = { 0 };
	struct spf_macro m;
	const char *p = spec;
	char *value;

	strbuf_puts(&out, "");
	while (*p != '\0' && out.len <= SPF_EXPAND_MAX) {
		if (*p != '%') {
			strbuf_putc(&out, *p++);
		} else if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
			strbuf_puts(&out, p[1] == '%' ? "%" : p[1] == '_' ? " " : "%20");
			p += 2;
		} else if (p[1] != '{' || (p = spf_macro_parse(p + 2, &m)) == NULL ||
			   (value = spf_macro_value(ev, m.letter, domain)) == NULL) {
			strbuf_free(&out);
			return NULL;
		} else {
			spf_macro_transform(&out, value, &m);
			free(value);
		}
	}
	if (out.len > SPF_EXPAND_MAX) {
		strbuf_free(&out);
		return NULL;
	}
	return spf_macro_truncate(strbuf_steal(&out));
}
