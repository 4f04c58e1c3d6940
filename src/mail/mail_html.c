/* The text of an HTML body for previews and the search index: tags
 * dropped, script, style and head content dropped, block elements as
 * line breaks, character references decoded. One linear pass; every
 * construct ends at the end of the input at the latest. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail_private.h"

#define HTML_MAX_NAME 16
#define HTML_MAX_ENTITY 32

struct html_entity {
	const char *name;
	uint32_t code;
};

/* The named references mail most often uses. */
static const struct html_entity html_entities[] = {
	{ "AElig", 0xC6 }, { "Aacute", 0xC1 }, { "Agrave", 0xC0 }, { "Auml", 0xC4 },
	{ "Ccedil", 0xC7 }, { "Eacute", 0xC9 }, { "Egrave", 0xC8 }, { "Ntilde", 0xD1 },
	{ "Oacute", 0xD3 }, { "Ouml", 0xD6 }, { "Uuml", 0xDC }, { "aacute", 0xE1 },
	{ "aelig", 0xE6 }, { "agrave", 0xE0 }, { "amp", '&' }, { "apos", '\'' },
	{ "auml", 0xE4 }, { "bull", 0x2022 }, { "ccedil", 0xE7 }, { "cent", 0xA2 },
	{ "copy", 0xA9 }, { "deg", 0xB0 }, { "eacute", 0xE9 }, { "ecirc", 0xEA },
	{ "egrave", 0xE8 }, { "euro", 0x20AC }, { "gt", '>' }, { "hellip", 0x2026 },
	{ "iacute", 0xED }, { "laquo", 0xAB }, { "ldquo", 0x201C }, { "lsquo", 0x2018 },
	{ "lt", '<' }, { "mdash", 0x2014 }, { "middot", 0xB7 }, { "nbsp", 0xA0 },
	{ "ndash", 0x2013 }, { "ntilde", 0xF1 }, { "oacute", 0xF3 }, { "ouml", 0xF6 },
	{ "pound", 0xA3 }, { "quot", '"' }, { "raquo", 0xBB }, { "rdquo", 0x201D },
	{ "reg", 0xAE }, { "rsquo", 0x2019 }, { "shy", 0xAD }, { "szlig", 0xDF },
	{ "times", 0xD7 }, { "trade", 0x2122 }, { "uacute", 0xFA }, { "uuml", 0xFC },
	{ "yen", 0xA5 }, { "zwj", 0x200D }, { "zwnj", 0x200C },
};

/* Elements that end a line of text (sorted for bsearch). */
static const char *const html_block_tags[] = {
	"article", "blockquote", "br", "dd", "div", "dt", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
	"header", "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul",
};

static int html_entity_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct html_entity *)elem)->name);
}

static bool html_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Decodes "#123;" or "#x1F;" (after the '&'); 0 if malformed. */
static uint32_t html_numeric(const char *s, size_t len)
{
	bool hex = len > 1 && (s[1] == 'x' || s[1] == 'X');
	uint32_t code = 0;
	size_t i = hex ? 2 : 1, digits = 0;

	for (; i < len && digits < 8; i++, digits++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (uint32_t)((c | 0x20) - 'a' + 10);
		else
			break;
		code = code * (hex ? 16 : 10) + d;
	}
	return digits > 0 && i == len ? code : 0;
}

/* At html[i] == '&': appends the character referenced and returns the
 * position after the reference, or appends '&' and returns i + 1. */
static size_t html_entity(const char *html, size_t len, size_t i, struct strbuf *out)
{
	char name[HTML_MAX_ENTITY + 1];
	const char *semi;
	size_t n, avail = len - i - 1 < HTML_MAX_ENTITY ? len - i - 1 : HTML_MAX_ENTITY;
	const struct html_entity *e;

	semi = memchr(html + i + 1, ';', avail);
	if (semi == NULL || semi == html + i + 1) {
		strbuf_putc(out, '&');
		return i + 1;
	}
	n = (size_t)(semi - (html + i + 1));
	memcpy(name, html + i + 1, n);
	name[n] = '\0';
	if (name[0] == '#') {
		mail_utf8_put(out, html_numeric(name, n));
		return i + n + 2;
	}
	e = bsearch(name, html_entities, sizeof(html_entities) / sizeof(html_entities[0]),
		    sizeof(html_entities[0]), html_entity_cmp);
	if (e == NULL) {
		strbuf_putc(out, '&');
		return i + 1;
	}
	mail_utf8_put(out, e->code);
	return i + n + 2;
}

/* The position after the '>' that ends the tag starting at i; quoted
 * attribute values may hold '>'. */
static size_t html_tag_end(const char *html, size_t len, size_t i)
{
	for (; i < len && html[i] != '>'; i++) {
		if (html[i] == '=') {
			size_t j = i + 1;

			while (j < len && (html[j] == ' ' || html[j] == '\t' || html[j] == '\n'))
				j++;
			if (j < len && (html[j] == '"' || html[j] == '\'')) {
				const char *close = memchr(html + j + 1, html[j], len - j - 1);

				i = close != NULL ? (size_t)(close - html) : len - 1;
			}
		}
	}
	return i < len ? i + 1 : len;
}

/* The position of "</name" from i on (case-insensitive), or len. */
static size_t html_find_close(const char *html, size_t len, size_t i, const char *name)
{
	size_t nlen = strlen(name);

	while (i < len) {
		const char *lt = memchr(html + i, '<', len - i);

		if (lt == NULL)
			return len;
		i = (size_t)(lt - html);
		if (len - i >= nlen + 2 && html[i + 1] == '/' && strncasecmp(html + i + 2, name, nlen) == 0)
			return i;
		i++;
	}
	return len;
}

static int html_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool html_is_block(const char *name)
{
	return bsearch(name, html_block_tags, sizeof(html_block_tags) / sizeof(html_block_tags[0]),
		       sizeof(html_block_tags[0]), html_name_cmp) != NULL;
}

/* After an opening script, style or head tag ending at end: skips to
 * the matching close tag. An unclosed head is ordinary markup. */
static size_t html_skip_content(const char *html, size_t len, size_t end, const char *name)
{
	size_t close;

	if (strcmp(name, "script") != 0 && strcmp(name, "style") != 0 && strcmp(name, "head") != 0)
		return end;
	close = html_find_close(html, len, end, name);
	if (close == len && strcmp(name, "head") == 0)
		return end;
	return close < len ? html_tag_end(html, len, close) : len;
}

/* At html[i] == '<': handles a tag or comment and returns the position
 * after it. */
static size_t html_tag(const char *html, size_t len, size_t i, struct strbuf *out)
{
	char name[HTML_MAX_NAME + 1];
	size_t j = i + 1, n = 0, end;
	bool closing = j < len && html[j] == '/';

	if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
		const char *close = memmem(html + i + 4, len - i - 4, "-->", 3);

		return close != NULL ? (size_t)(close - html) + 3 : len;
	}
	if (closing)
		j++;
	while (j < len && html_is_alnum(html[j]) && n < HTML_MAX_NAME) {
		char c = html[j++];

		name[n++] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
	}
	name[n] = '\0';
	if (n == 0 && !(j < len && (html[j] == '!' || html[j] == '?'))) {
		strbuf_putc(out, '<');
		return i + 1;
	}
	end = html_tag_end(html, len, j);
	if (html_is_block(name))
		strbuf_putc(out, '\n');
	else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		strbuf_putc(out, ' ');
	return closing ? end : html_skip_content(html, len, end, name);
}

void mail_html_to_text(const char *html, size_t len, struct strbuf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t run = i;

		while (run < len && html[run] != '<' && html[run] != '&')
			run++;
		strbuf_append(out, html + i, run - i);
		if (run >= len)
			break;
		if (html[run] == '<')
			i = html_tag(html, len, run, out);
		else
			i = html_entity(html, len, run, out);
	}
	if (out->s == NULL)
		strbuf_puts(out, "");
}
