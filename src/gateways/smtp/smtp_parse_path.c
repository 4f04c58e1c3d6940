/* The arguments of MAIL FROM and RCPT TO (RFC 5321 §4.1.2): the path,
 * its mailbox syntax, and the ESMTP parameters after it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "gateways/smtp/smtp_parse.h"

#define SMTP_MAX_LOCAL_PART 64
#define SMTP_MAX_DOMAIN 255
#define SMTP_MAX_LABEL 63

/* ---- the path ---- */

/* The bracketed path at *pp: the closing ">" is the first one outside a
 * quoted local part. Cuts the string there and moves *pp past it. */
static int smtp_path_bracketed(char **pp, char **address_r)
{
	char *p = *pp + 1;
	bool quoted = false;

	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '>' && !quoted)
			break;
	}
	if (*p != '>')
		return -1;
	*p = '\0';
	*address_r = *pp + 1;
	*pp = p + 1;
	return 0;
}

/* The path at *pp, bracketed or (tolerated) bare, with an old source
 * route ("@a,@b:") dropped as RFC 5321 §4.1.2 asks. */
static int smtp_path_take(char **pp, char **address_r)
{
	char *p = *pp;

	if (*p == '<') {
		if (smtp_path_bracketed(pp, address_r) < 0 || (**pp != '\0' && **pp != ' '))
			return -1;
	} else {
		size_t len = strcspn(p, " ");

		if (len == 0 || memchr(p, '<', len) != NULL || memchr(p, '>', len) != NULL)
			return -1;
		*address_r = p;
		*pp = p + len;
		if (**pp == ' ')
			*(*pp)++ = '\0';
	}
	if (**address_r == '@') {
		char *colon = strchr(*address_r, ':');

		if (colon == NULL)
			return -1;
		*address_r = colon + 1;
	}
	return 0;
}

/* ---- parameters ---- */

static bool smtp_keyword_ok(const char *k)
{
	if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
		return false;
	for (; *k != '\0'; k++) {
		if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
		      (*k >= '0' && *k <= '9') || *k == '-'))
			return false;
	}
	return true;
}

/* esmtp-value: 33..126 but "=", and UTF-8 (RFC 6531 §3.3). */
static bool smtp_value_ok(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c < 33 || c == '=' || c == 127)
			return false;
	}
	return true;
}

static int smtp_param_add(struct smtp_path_args *args, char *word)
{
	char *eq = strchr(word, '=');
	struct smtp_param *param;

	if (args->param_count == SMTP_MAX_PARAMS)
		return -1;
	if (eq != NULL)
		*eq = '\0';
	if (!smtp_keyword_ok(word) || (eq != NULL && !smtp_value_ok(eq + 1)))
		return -1;
	for (char *k = word; *k != '\0'; k++)
		*k = *k >= 'a' && *k <= 'z' ? (char)(*k - 'a' + 'A') : *k;
	for (size_t i = 0; i < args->param_count; i++) {
		if (strcmp(args->params[i].keyword, word) == 0)
			return -1;
	}
	param = &args->params[args->param_count++];
	param->keyword = word;
	param->value = eq != NULL ? eq + 1 : NULL;
	return 0;
}

static int smtp_params_parse(struct smtp_path_args *args, char *p)
{
	for (;;) {
		char *word;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		word = p;
		p += strcspn(p, " ");
		if (*p == ' ')
			*p++ = '\0';
		if (smtp_param_add(args, word) < 0)
			return -1;
	}
}

int smtp_path_args_parse(const char *text, const char *prefix, struct smtp_path_args *args,
			 struct smtp_reply *reply_r)
{
	size_t prefix_len = strlen(prefix);
	bool is_rcpt = strcasecmp(prefix, "TO:") == 0;
	char *p;

	memset(args, 0, sizeof(*args));
	if (strncasecmp(text, prefix, prefix_len) != 0) {
		smtp_reply_set(reply_r, 501, "5.5.4", "Syntax: %s <address>",
			       is_rcpt ? "RCPT TO:" : "MAIL FROM:");
		return -1;
	}
	args->buf = xstrdup(text + prefix_len);
	p = args->buf;
	while (*p == ' ')
		p++;
	if (smtp_path_take(&p, &args->address) < 0) {
		smtp_reply_set(reply_r, 501, "5.5.4", "Syntax error in the %s address",
			       is_rcpt ? "recipient" : "sender");
	} else if (smtp_params_parse(args, p) < 0) {
		smtp_reply_set(reply_r, 501, "5.5.4",
			       "Syntax error in parameters (malformed, repeated or too many)");
	} else {
		return 0;
	}
	smtp_path_args_free(args);
	return -1;
}

void smtp_path_args_free(struct smtp_path_args *args)
{
	free(args->buf);
	memset(args, 0, sizeof(*args));
}

/* ---- the mailbox ---- */

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool smtp_utf8_valid(const unsigned char *s)
{
	while (*s != '\0') {
		unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 :
				     c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : 9;
		unsigned cp = n == 0 ? c : c & (0x3f >> n);

		if (n == 9)
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		s += n + 1;
	}
	return true;
}

static bool smtp_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL || c >= 0x80;
}

/* The local part at s: a dot-atom or a quoted string. Returns its end,
 * or NULL when malformed. */
static const char *smtp_local_part_end(const char *s)
{
	const char *p = s;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\' && p[1] >= 32 && p[1] <= 126)
				p++;
			else if ((unsigned char)*p < 32 || *p == 127 || *p == '\\')
				return NULL;
		}
		return p + 1;
	}
	for (;; p++) {
		if (*p == '.' && p != s && p[1] != '.' && p[1] != '@' && p[1] != '\0')
			continue;
		if (*p == '\0' || !smtp_atext((unsigned char)*p))
			return p != s && p[-1] != '.' ? p : NULL;
	}
}

/* A domain: dot-separated labels of letters, digits, hyphens (and
 * UTF-8 for U-labels), or an address literal "[...]". */
static bool smtp_domain_ok(const char *d)
{
	size_t len = strlen(d), label = 0;

	if (len == 0 || len > SMTP_MAX_DOMAIN)
		return false;
	if (d[0] == '[')
		return len > 2 && d[len - 1] == ']' && strcspn(d + 1, "[]\\ ") == len - 2;
	for (const char *p = d;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.' || c == '\0') {
			if (label == 0 || label > SMTP_MAX_LABEL)
				return false;
			if (c == '\0')
				return true;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c >= 0x80) {
			label++;
		} else {
			return false;
		}
	}
}

static bool smtp_has_8bit(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return true;
	}
	return false;
}

int smtp_address_check(const char *address, bool is_rcpt, bool smtputf8,
		       struct smtp_reply *reply_r)
{
	const char *enhanced = is_rcpt ? "5.1.3" : "5.1.7";
	const char *end;

	if (*address == '\0' && !is_rcpt)
		return 0;
	if (is_rcpt && strcasecmp(address, "postmaster") == 0)
		return 0;
	end = smtp_local_part_end(address);
	if (strlen(address) > SMTP_MAX_PATH - 2 || end == NULL || *end != '@' ||
	    (size_t)(end - address) > SMTP_MAX_LOCAL_PART || !smtp_domain_ok(end + 1) ||
	    !smtp_utf8_valid((const unsigned char *)address)) {
		smtp_reply_set(reply_r, 553, enhanced, "Bad %s address syntax",
			       is_rcpt ? "recipient" : "sender");
		return -1;
	}
	if (!smtputf8 && smtp_has_8bit(address)) {
		/* RFC 6531 §3.5: 553 for RCPT, 550 for MAIL */
		smtp_reply_set(reply_r, is_rcpt ? 553 : 550, "5.6.7",
			       "Non-ASCII addresses need SMTPUTF8");
		return -1;
	}
	return 0;
}
