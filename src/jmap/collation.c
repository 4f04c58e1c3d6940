/* Collations for sorting and substring matching. i;unicode-casemap is
 * approximated the way RFC 5051 builds it: fold case, then decompose
 * (NFKD), then compare octets. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "jmap/collation.h"

bool jmap_collation_known(const char *collation)
{
	return strcmp(collation, "i;ascii-numeric") == 0 ||
	       strcmp(collation, "i;ascii-casemap") == 0 ||
	       strcmp(collation, "i;unicode-casemap") == 0;
}

static char *collation_unicode_key(const char *s)
{
	char *folded, *key;

	if (!g_utf8_validate(s, -1, NULL))
		return xstrdup(s);
	folded = g_utf8_casefold(s, -1);
	key = g_utf8_normalize(folded, -1, G_NORMALIZE_NFKD);
	g_free(folded);
	if (key == NULL)
		return xstrdup(s);
	char *out = xstrdup(key);
	g_free(key);
	return out;
}

char *jmap_collation_key(const char *collation, const char *s)
{
	if (strcmp(collation, "i;unicode-casemap") == 0)
		return collation_unicode_key(s);
	return xstrdup(s);
}

/* RFC 4790 §9.1: strings are compared by the number their leading
 * digits spell; a string that does not start with a digit is +infinity. */
static int collation_numeric_compare(const char *a, const char *b)
{
	bool a_num = *a >= '0' && *a <= '9', b_num = *b >= '0' && *b <= '9';
	size_t alen, blen;

	if (!a_num || !b_num)
		return a_num == b_num ? 0 : (a_num ? -1 : 1);
	while (*a == '0')
		a++;
	while (*b == '0')
		b++;
	alen = strspn(a, "0123456789");
	blen = strspn(b, "0123456789");
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return strncmp(a, b, alen);
}

int jmap_collation_compare(const char *collation, const char *key_a, const char *key_b)
{
	if (strcmp(collation, "i;ascii-numeric") == 0)
		return collation_numeric_compare(key_a, key_b);
	if (strcmp(collation, "i;ascii-casemap") == 0)
		return strcasecmp(key_a, key_b);
	return strcmp(key_a, key_b);
}

bool jmap_collation_contains(const char *haystack, const char *needle)
{
	char *h = collation_unicode_key(haystack);
	char *n = collation_unicode_key(needle);
	bool found = strstr(h, n) != NULL;

	free(h);
	free(n);
	return found;
}

/* The next word or quoted phrase of s into token; NULL at the end. */
static const char *collation_next_token(const char *s, struct strbuf *token)
{
	char quote = 0;

	strbuf_reset(token);
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '\0')
		return NULL;
	if (*s == '"' || *s == '\'')
		quote = *s++;
	for (; *s != '\0'; s++) {
		if (quote != 0 ? *s == quote : (*s == ' ' || *s == '\t'))
			return s + 1;
		if (*s == '\\' && s[1] != '\0')
			s++;
		strbuf_putc(token, *s);
	}
	return s;
}

bool jmap_collation_text_matches(const char *field, const char *query)
{
	struct strbuf token = { 0 };
	bool ok = true;

	for (const char *s = collation_next_token(query, &token); s != NULL && ok;
	     s = collation_next_token(s, &token)) {
		if (token.len > 0)
			ok = field != NULL && jmap_collation_contains(field, token.s);
	}
	strbuf_free(&token);
	return ok;
}
