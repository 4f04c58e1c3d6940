/* The full-text index (FTS5, unicode61 with diacritics removed) and the
 * MATCH expressions of the text conditions.
 *
 * User text never reaches FTS5 as syntax: it is cut into words at white
 * space and each word becomes a quoted phrase (quotes doubled), with a
 * prefix star when it has three characters or more; a run the user put
 * in double quotes is one exact phrase. So "a OR b", "NEAR(", "col:x"
 * or a stray quote are just words. The index stores its own copy of the
 * text: SQLite 3.40 has no contentless_delete, and a destroy must be
 * able to remove the row. Prefix indexes are left out: they made
 * indexing twice as slow, and a prefix query over the term list stays
 * fast. The index lives in fts.db, read on the account handle's second
 * connection; store_fts_write.c writes it. */

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "store/store_mail_private.h"

/* Words of one condition beyond these are ignored. */
#define STORE_FTS_MAX_WORDS 32
#define STORE_FTS_MAX_WORD 256
#define STORE_FTS_MAX_PHRASE 1024
/* Words of fewer characters match whole terms only. */
#define STORE_FTS_MIN_PREFIX 3

/* The column filter of each text condition. */
static const char *store_fts_columns(enum store_email_cond cond)
{
	switch (cond) {
	case STORE_EMAIL_FROM:
		return "addr_from";
	case STORE_EMAIL_TO:
		return "addr_to";
	case STORE_EMAIL_CC:
		return "addr_cc";
	case STORE_EMAIL_BCC:
		return "addr_bcc";
	case STORE_EMAIL_SUBJECT:
		return "subject";
	case STORE_EMAIL_BODY:
		return "{body attachments}";
	case STORE_EMAIL_HEADER:
		return "headers";
	default:
		return "{subject addr_from addr_to addr_cc addr_bcc body attachments}";
	}
}

static bool store_fts_space(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

/* Whether the word has something the tokenizer keeps: a letter or
 * digit, or any non-ASCII character. */
static bool store_fts_has_token(const char *word, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)word[i];

		if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			return true;
	}
	return false;
}

/* Cuts len to at most max bytes, on a UTF-8 character boundary. */
static size_t store_fts_cut(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
		len--;
	return len;
}

/* The next term of *p that has something to look for, or NULL: a
 * "quoted phrase" (*phrase_r), or a word up to white space. */
static const char *store_fts_next_term(const char **p, bool quotes, size_t *len_r,
				       bool *phrase_r)
{
	const char *start, *end;

	while (**p != '\0') {
		while (**p != '\0' && store_fts_space((unsigned char)**p))
			(*p)++;
		*phrase_r = quotes && **p == '"';
		if (*phrase_r) {
			start = *p + 1;
			end = strchr(start, '"');
			end = end != NULL ? end : start + strlen(start);
			*p = *end == '\0' ? end : end + 1;
		} else {
			for (start = *p; **p != '\0' && !store_fts_space((unsigned char)**p); (*p)++)
				;
			end = *p;
		}
		*len_r = store_fts_cut(start, (size_t)(end - start),
				       *phrase_r ? STORE_FTS_MAX_PHRASE : STORE_FTS_MAX_WORD);
		if (*len_r > 0 && store_fts_has_token(start, *len_r))
			return start;
	}
	return NULL;
}

/* Short words would expand to too many terms as prefixes. */
static bool store_fts_is_prefix(const char *word, size_t len)
{
	size_t chars = 0;

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)word[i] & 0xc0) != 0x80)
			chars++;
	}
	return chars >= STORE_FTS_MIN_PREFIX;
}

/* Appends word as the inside of an FTS5 string: quotes doubled. */
static void store_fts_put_word(struct strbuf *b, const char *word, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (word[i] == '"')
			strbuf_putc(b, '"');
		strbuf_putc(b, word[i]);
	}
}

/* Appends the terms of text: each a phrase of its own if separate
 * (words of three characters or more as prefixes, quoted phrases as
 * they are), else all words in the open phrase. Returns how many terms
 * there are now; *last_prefix_r says whether the last word is long
 * enough to be a prefix. */
static size_t store_fts_put_words(struct strbuf *b, const char *text, bool separate,
				  size_t kept, bool *last_prefix_r)
{
	const char *term;
	size_t len;
	bool phrase;

	while (kept < STORE_FTS_MAX_WORDS &&
	       (term = store_fts_next_term(&text, separate, &len, &phrase)) != NULL) {
		if (kept > 0)
			strbuf_putc(b, ' ');
		if (separate)
			strbuf_putc(b, '"');
		store_fts_put_word(b, term, len);
		*last_prefix_r = !phrase && store_fts_is_prefix(term, len);
		if (separate)
			strbuf_puts(b, *last_prefix_r ? "\"*" : "\"");
		kept++;
	}
	return kept;
}

/* A header condition is one phrase: the field's name, then the words
 * of its value. */
static size_t store_fts_put_header(struct strbuf *b, const char *header_name, const char *text)
{
	bool prefix = false;
	size_t kept;

	strbuf_putc(b, '"');
	kept = store_fts_put_words(b, header_name != NULL ? header_name : "", false, 0, &prefix);
	if (text != NULL)
		kept = store_fts_put_words(b, text, false, kept, &prefix);
	strbuf_puts(b, prefix ? "\"*" : "\"");
	return kept;
}

char *store_fts_match(enum store_email_cond cond, const char *text, const char *header_name)
{
	struct strbuf b = { 0 };
	bool prefix;
	size_t kept;

	strbuf_printf(&b, "%s : (", store_fts_columns(cond));
	if (cond == STORE_EMAIL_HEADER)
		kept = store_fts_put_header(&b, header_name, text);
	else
		kept = store_fts_put_words(&b, text != NULL ? text : "", true, 0, &prefix);
	if (kept == 0) {
		strbuf_free(&b);
		return NULL;
	}
	strbuf_putc(&b, ')');
	return strbuf_steal(&b);
}

int store_fts_ids(struct store_account *acct, const char *match, struct store_id_array *ids_r,
		  const char **error_r)
{
	static const char sql[] =
		"SELECT tern_id_collect(rowid, ?2) FROM email_fts WHERE email_fts MATCH ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->fts, sql, error_r);
	struct store_id_sink sink = { 0 };

	ids_r->ids = NULL;
	ids_r->count = 0;
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC);
	store_sql_bind_id_sink(stmt, 2, &sink);
	if (store_db_row(&acct->fts, stmt, "fts matches", error_r) < 0) {
		free(sink.array.ids);
		return -1;
	}
	store_stmt_done(stmt);
	/* FTS5 gives its matches in rowid order: the sort only checks. */
	store_id_array_sort(&sink.array);
	*ids_r = sink.array;
	return 0;
}
