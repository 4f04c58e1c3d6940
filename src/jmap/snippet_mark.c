/* SearchSnippet highlighting: the terms of text filters, a tokenizer
 * that folds case and diacritics like the full-text index, and the
 * marked, escaped, bounded output. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "jmap/snippet_mark.h"

#define SNIPPET_MAX_TERMS 64
#define SNIPPET_MAX_PHRASE_WORDS 16
/* Text past this many bytes is not searched (a long body). */
#define SNIPPET_MAX_SCAN (1024 * 1024)
/* Context kept before the first match when the start is cut. */
#define SNIPPET_LEAD 40
/* Words already passed are dropped in batches of this many. */
#define SNIPPET_WORDS_KEEP 1024
#define SNIPPET_ELLIPSIS "..."
#define SNIPPET_ELLIPSIS_LEN 3

struct snippet_term {
	char *words[SNIPPET_MAX_PHRASE_WORDS];	/* folded keys */
	size_t word_count;
};

struct snippet_terms {
	struct snippet_term terms[SNIPPET_MAX_TERMS];
	size_t count;
};

struct snippet_word {
	size_t start, end;	/* bytes of the text */
	char *key;
};

/* The text being tokenized, with the words read ahead. */
struct snippet_scan {
	const char *text;
	size_t len;
	size_t pos;
	struct snippet_word *words;
	size_t count;
	size_t alloc;
};

struct snippet_range {
	size_t start, end;
};

struct snippet_ranges {
	struct snippet_range *list;
	size_t count;
	size_t alloc;
};

struct snippet_terms *snippet_terms_new(void)
{
	return xcalloc(1, sizeof(struct snippet_terms));
}

void snippet_terms_free(struct snippet_terms **terms)
{
	if (*terms == NULL)
		return;
	for (size_t i = 0; i < (*terms)->count; i++) {
		for (size_t j = 0; j < (*terms)->terms[i].word_count; j++)
			free((*terms)->terms[i].words[j]);
	}
	free(*terms);
	*terms = NULL;
}

bool snippet_terms_empty(const struct snippet_terms *terms)
{
	return terms->count == 0;
}

/* Letters and digits make words, with the marks that accent them (as
 * the unicode61 tokenizer of SQLite FTS5 reads them). */
static bool snippet_word_char(gunichar c)
{
	return g_unichar_isalnum(c) || g_unichar_ismark(c);
}

static size_t snippet_next_char(const char *text, size_t i)
{
	return (size_t)(g_utf8_next_char(text + i) - text);
}

/* The key a word is compared by: case folded, decomposed, accents
 * dropped. ASCII, the common case, needs no allocation by GLib. */
static char *snippet_key(const char *s, size_t len)
{
	struct strbuf b = { 0 };
	gchar *folded, *nfkd;
	size_t i = 0;

	while (i < len && (unsigned char)s[i] < 0x80)
		i++;
	if (i == len) {
		char *key = xstrndup(s, len);

		for (char *p = key; *p != '\0'; p++)
			*p = g_ascii_tolower(*p);
		return key;
	}
	folded = g_utf8_casefold(s, (gssize)len);
	nfkd = g_utf8_normalize(folded, -1, G_NORMALIZE_NFKD);
	g_free(folded);
	if (nfkd == NULL)
		return xstrndup(s, len);
	for (const char *p = nfkd; *p != '\0'; p = g_utf8_next_char(p)) {
		if (!g_unichar_ismark(g_utf8_get_char(p)))
			strbuf_append(&b, p, (size_t)(g_utf8_next_char(p) - p));
	}
	g_free(nfkd);
	return strbuf_steal(&b);
}

/* The next word of text[*pos, len): true with its bytes, false at the
 * end. text is valid UTF-8 and len on a character boundary. */
static bool snippet_next_word(const char *text, size_t len, size_t *pos, size_t *start_r,
			      size_t *end_r)
{
	size_t i = *pos;

	while (i < len && !snippet_word_char(g_utf8_get_char(text + i)))
		i = snippet_next_char(text, i);
	if (i >= len) {
		*pos = len;
		return false;
	}
	*start_r = i;
	while (i < len && snippet_word_char(g_utf8_get_char(text + i)))
		i = snippet_next_char(text, i);
	*end_r = i;
	*pos = i;
	return true;
}

/* The words of s as one phrase, or each as a term of its own. */
static void snippet_terms_add_words(struct snippet_terms *terms, const char *s, size_t len,
				    bool phrase)
{
	struct snippet_term *term = NULL;
	size_t pos = 0, start, end;

	while (snippet_next_word(s, len, &pos, &start, &end)) {
		char *key = snippet_key(s + start, end - start);

		/* a word of accents alone folds to nothing: it would match
		 * every word */
		if (key[0] == '\0') {
			free(key);
			continue;
		}
		if (term == NULL || !phrase) {
			if (terms->count == SNIPPET_MAX_TERMS) {
				free(key);
				return;
			}
			term = &terms->terms[terms->count++];
		}
		if (term->word_count < SNIPPET_MAX_PHRASE_WORDS)
			term->words[term->word_count++] = key;
		else
			free(key);
	}
}

/* A quoted phrase from its opening quote; returns where it ended. */
static const char *snippet_phrase_add(struct snippet_terms *terms, const char *p)
{
	struct strbuf phrase = { 0 };
	char quote = *p++;

	while (*p != '\0' && *p != quote) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		strbuf_putc(&phrase, *p++);
	}
	if (*p == quote)
		p++;
	if (phrase.len > 0)
		snippet_terms_add_words(terms, phrase.s, phrase.len, true);
	strbuf_free(&phrase);
	return p;
}

static bool snippet_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

void snippet_terms_add(struct snippet_terms *terms, const char *query)
{
	gchar *valid = g_utf8_make_valid(query, -1);
	const char *p = valid;

	while (*p != '\0') {
		const char *token = p;

		if (snippet_space(*p)) {
			p++;
		} else if (*p == '"' || *p == '\'') {
			p = snippet_phrase_add(terms, p);
		} else {
			while (*p != '\0' && !snippet_space(*p))
				p++;
			snippet_terms_add_words(terms, token, (size_t)(p - token), false);
		}
	}
	g_free(valid);
}

/* ---- matching ---- */

/* Reads words until the scan holds at least need of them (or the text
 * ended). */
static void snippet_scan_fill(struct snippet_scan *scan, size_t need)
{
	size_t start, end;

	while (scan->count < need &&
	       snippet_next_word(scan->text, scan->len, &scan->pos, &start, &end)) {
		if (scan->count == scan->alloc) {
			scan->alloc = scan->alloc == 0 ? 64 : scan->alloc * 2;
			scan->words = xrealloc(scan->words, scan->alloc * sizeof(*scan->words));
		}
		scan->words[scan->count++] = (struct snippet_word){
			start, end, snippet_key(scan->text + start, end - start),
		};
	}
}

/* Forgets the words before index i; returns the new index of word i. */
static size_t snippet_scan_drop(struct snippet_scan *scan, size_t i)
{
	for (size_t k = 0; k < i; k++)
		free(scan->words[k].key);
	memmove(scan->words, scan->words + i, (scan->count - i) * sizeof(*scan->words));
	scan->count -= i;
	return 0;
}

static void snippet_scan_free(struct snippet_scan *scan)
{
	snippet_scan_drop(scan, scan->count);
	free(scan->words);
}

/* How many words a term matches from word i on (0: none): each word of
 * the text must start with the term's word, as a prefix query of the
 * index would find it. */
static size_t snippet_term_match(const struct snippet_term *term, const struct snippet_scan *scan,
				 size_t i)
{
	if (term->word_count == 0 || i + term->word_count > scan->count)
		return 0;
	for (size_t j = 0; j < term->word_count; j++) {
		if (strncmp(scan->words[i + j].key, term->words[j], strlen(term->words[j])) != 0)
			return 0;
	}
	return term->word_count;
}

/* The longest match of any term at word i. */
static size_t snippet_match_at(const struct snippet_terms *terms, const struct snippet_scan *scan,
			       size_t i)
{
	size_t best = 0;

	for (size_t t = 0; t < terms->count; t++) {
		size_t n = snippet_term_match(&terms->terms[t], scan, i);

		if (n > best)
			best = n;
	}
	return best;
}

static void snippet_ranges_add(struct snippet_ranges *ranges, size_t start, size_t end)
{
	if (ranges->count == ranges->alloc) {
		ranges->alloc = ranges->alloc == 0 ? 16 : ranges->alloc * 2;
		ranges->list = xrealloc(ranges->list, ranges->alloc * sizeof(*ranges->list));
	}
	ranges->list[ranges->count++] = (struct snippet_range){ start, end };
}

/* Every match, in order and apart; with a window (max_bytes), only up
 * to where a window from the first match would end. */
static void snippet_find(const struct snippet_terms *terms, struct snippet_scan *scan,
			 size_t max_bytes, struct snippet_ranges *ranges)
{
	size_t i = 0;

	for (;;) {
		size_t n;

		snippet_scan_fill(scan, i + SNIPPET_MAX_PHRASE_WORDS);
		if (i >= scan->count)
			break;
		if (max_bytes != 0 && ranges->count > 0 &&
		    scan->words[i].start > ranges->list[0].start + max_bytes)
			break;
		n = snippet_match_at(terms, scan, i);
		if (n > 0)
			snippet_ranges_add(ranges, scan->words[i].start, scan->words[i + n - 1].end);
		i += n > 0 ? n : 1;
		if (i >= SNIPPET_WORDS_KEEP)
			i = snippet_scan_drop(scan, i);
	}
}

/* ---- output ---- */

static void snippet_escape(struct strbuf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			strbuf_puts(b, "&amp;");
			break;
		case '<':
			strbuf_puts(b, "&lt;");
			break;
		case '>':
			strbuf_puts(b, "&gt;");
			break;
		case '"':
			strbuf_puts(b, "&quot;");
			break;
		default:
			strbuf_putc(b, s[i]);
		}
	}
}

/* Where a window starts: at the text's start if the first match is
 * near it, else at a word a little before the match. */
static size_t snippet_window_start(const char *text, size_t first, size_t max_bytes)
{
	size_t from;

	if (max_bytes == 0 || first <= max_bytes / 2)
		return 0;
	from = first - SNIPPET_LEAD;
	while (from < first && ((unsigned char)text[from] & 0xc0) == 0x80)
		from++;
	/* not from the middle of a word */
	if (from > 0 &&
	    snippet_word_char(g_utf8_get_char(g_utf8_find_prev_char(text, text + from)))) {
		while (from < first && snippet_word_char(g_utf8_get_char(text + from)))
			from = snippet_next_char(text, from);
	}
	while (from < first && !snippet_word_char(g_utf8_get_char(text + from)))
		from = snippet_next_char(text, from);
	return from;
}

/* The next piece of output at byte i (a mark, or one character) into
 * piece; returns the byte after it. */
static size_t snippet_piece(const char *text, size_t i, const struct snippet_ranges *ranges,
			    size_t *m, struct strbuf *piece)
{
	strbuf_reset(piece);
	if (*m < ranges->count && ranges->list[*m].start == i) {
		size_t end = ranges->list[(*m)++].end;

		strbuf_puts(piece, "<mark>");
		snippet_escape(piece, text + i, end - i);
		strbuf_puts(piece, "</mark>");
		return end;
	}
	snippet_escape(piece, text + i, snippet_next_char(text, i) - i);
	return snippet_next_char(text, i);
}

/* Keeps room for a closing ellipsis until the last piece. */
static char *snippet_emit(const char *text, size_t len, const struct snippet_ranges *ranges,
			  size_t max_bytes)
{
	struct strbuf out = { 0 }, piece = { 0 };
	size_t i = snippet_window_start(text, ranges->list[0].start, max_bytes), m = 0;

	if (i > 0)
		strbuf_puts(&out, SNIPPET_ELLIPSIS);
	while (i < len) {
		size_t next = snippet_piece(text, i, ranges, &m, &piece);
		size_t reserve = next < len ? SNIPPET_ELLIPSIS_LEN : 0;

		if (max_bytes != 0 && out.len + piece.len + reserve > max_bytes) {
			strbuf_puts(&out, SNIPPET_ELLIPSIS);
			break;
		}
		strbuf_append(&out, piece.s, piece.len);
		i = next;
	}
	strbuf_free(&piece);
	return strbuf_steal(&out);
}

char *snippet_mark(const struct snippet_terms *terms, const char *text, size_t max_bytes)
{
	gchar *valid = g_utf8_make_valid(text, -1);
	struct snippet_scan scan = { .text = valid, .len = strlen(valid) };
	struct snippet_ranges ranges = { 0 };
	char *out = NULL;

	if (scan.len > SNIPPET_MAX_SCAN) {
		scan.len = SNIPPET_MAX_SCAN;
		while (scan.len > 0 && ((unsigned char)valid[scan.len] & 0xc0) == 0x80)
			scan.len--;
	}
	snippet_find(terms, &scan, max_bytes, &ranges);
	if (ranges.count > 0)
		out = snippet_emit(valid, scan.len, &ranges, max_bytes);
	snippet_scan_free(&scan);
	free(ranges.list);
	g_free(valid);
	return out;
}
