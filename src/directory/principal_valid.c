/* Syntax of principal names, domain names and addresses. */
#include <string.h>

#include "directory/directory_private.h"

#define DNS_NAME_MAX 253
#define DNS_LABEL_MAX 63

void directory_lowercase(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* Length of the UTF-8 sequence at s, or 0 if it is not well-formed
 * (overlong forms, surrogates and code points past U+10FFFF refused). */
static size_t utf8_sequence_len(const unsigned char *s)
{
	size_t len;
	unsigned min;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool directory_utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		size_t n = utf8_sequence_len(p);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

const char *directory_name_check(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "the name is empty";
	if (len > DIRECTORY_NAME_MAX)
		return "the name is longer than 255 bytes";
	/* they would be unreachable as /api/principal/{name} */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "the name cannot be \".\" or \"..\"";
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0';) {
		if (*p < 0x20 || *p == 0x7f)
			return "the name contains a control character";
		if (*p == ' ')
			return "the name contains a space";
		if (*p == '/')
			return "the name contains '/'";
		size_t n = utf8_sequence_len(p);
		if (n == 0)
			return "the name is not valid UTF-8";
		p += n;
	}
	return NULL;
}

static bool dns_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

const char *directory_domain_check(const char *domain)
{
	size_t len = strlen(domain);
	const char *label = domain;

	if (len == 0)
		return "the domain name is empty";
	if (len > DNS_NAME_MAX)
		return "the domain name is longer than 253 characters";
	for (;;) {
		size_t n = strcspn(label, ".");
		if (n == 0)
			return "the domain name has an empty label";
		if (n > DNS_LABEL_MAX)
			return "a domain label is longer than 63 characters";
		if (label[0] == '-' || label[n - 1] == '-')
			return "a domain label starts or ends with '-'";
		for (size_t i = 0; i < n; i++) {
			if (!dns_label_char(label[i]))
				return "the domain name may only hold letters, digits, '-' and '.'";
		}
		if (label[n] == '\0')
			break;
		label += n + 1;
	}
	return NULL;
}

/* atext of RFC 5322 §3.2.3 */
static bool address_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* A dot-atom local part (RFC 5322 §3.4.1; quoted strings refused). */
static const char *address_local_check(const char *local, size_t len)
{
	if (len == 0)
		return "the address has an empty local part";
	if (len > DIRECTORY_LOCALPART_MAX)
		return "the local part of the address is longer than 64 characters";
	if (local[0] == '.' || local[len - 1] == '.')
		return "the local part of the address starts or ends with '.'";
	for (size_t i = 0; i < len; i++) {
		if (local[i] == '.') {
			if (local[i + 1] == '.')
				return "the local part of the address has two dots in a row";
		} else if (!address_atext(local[i])) {
			return "the local part of the address holds a character not allowed there";
		}
	}
	return NULL;
}

const char *directory_address_check(const char *address)
{
	const char *at = strrchr(address, '@');
	const char *error;

	if (strlen(address) > DIRECTORY_ADDRESS_MAX)
		return "the address is longer than 254 characters";
	if (at == NULL)
		return "the address has no '@'";
	/* "@domain" is the domain's catch-all (directory_rcpt.h) */
	if (at == address)
		return directory_domain_check(at + 1) != NULL ?
		       "the domain of the address is not a valid domain name" : NULL;
	error = address_local_check(address, (size_t)(at - address));
	if (error != NULL)
		return error;
	if (directory_domain_check(at + 1) != NULL)
		return "the domain of the address is not a valid domain name";
	return NULL;
}

const char *directory_address_domain(const char *address)
{
	const char *at = strrchr(address, '@');

	return at != NULL ? at + 1 : address;
}
