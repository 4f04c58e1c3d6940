/* Address lists (RFC 5322 §3.4, with the obsolete forms) as the IMAP
 * address structures of ENVELOPE (RFC 9051 §7.5.2): [name, adl,
 * mailbox, host], groups as [NIL NIL name NIL] ... [NIL NIL NIL NIL].
 * Names stay as sent (encoded words are not decoded); RFC 5322 quoting
 * is removed. Parsing is lenient and linear: junk is skipped up to the
 * next comma, and every step consumes input. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "mail/mail_imap_private.h"

/* Address structures per field; a field past it loses the rest. */
#define ADDR_MAX 10000

enum addr_kind {
	ADDR_END,
	ADDR_ATOM,
	ADDR_QUOTED,	/* s and len without the quotes, still escaped */
	ADDR_LITERAL,	/* [domain literal], brackets included */
	ADDR_SPECIAL,
};

struct addr_token {
	enum addr_kind kind;
	const char *s;
	size_t len;
};

struct addr_lexer {
	const char *s;
	size_t len, pos;
	const char *comment;	/* the last comment skipped, without parens */
	size_t comment_len;
	json_object *out;
	size_t count;
	size_t reserved;	/* room kept for the end of an open group */
};

static bool addr_is_special(char c)
{
	return strchr("()<>@,;:\\\"[]", c) != NULL;
}

static bool addr_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips a comment at lx->pos (on its '('), nested ones included. */
static void addr_skip_comment(struct addr_lexer *lx)
{
	size_t start = ++lx->pos;
	unsigned depth = 1;

	while (lx->pos < lx->len && depth > 0) {
		char c = lx->s[lx->pos++];

		if (c == '\\' && lx->pos < lx->len)
			lx->pos++;
		else if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
	}
	lx->comment = lx->s + start;
	lx->comment_len = lx->pos - start - (depth == 0 ? 1 : 0);
}

/* Reads up to the closing quote (or ']'), skipping escaped characters. */
static void addr_scan_to(struct addr_lexer *lx, char close)
{
	while (lx->pos < lx->len && lx->s[lx->pos] != close) {
		if (lx->s[lx->pos] == '\\' && lx->pos + 1 < lx->len)
			lx->pos++;
		lx->pos++;
	}
}

/* Skips white space and comments, remembering the last comment. */
static void addr_skip_cfws(struct addr_lexer *lx)
{
	while (lx->pos < lx->len) {
		if (lx->s[lx->pos] == '(')
			addr_skip_comment(lx);
		else if (addr_is_space(lx->s[lx->pos]))
			lx->pos++;
		else
			break;
	}
}

static struct addr_token addr_next(struct addr_lexer *lx)
{
	struct addr_token t = { ADDR_END, NULL, 0 };
	size_t start;

	addr_skip_cfws(lx);
	if (lx->pos >= lx->len)
		return t;
	start = lx->pos;
	t.s = lx->s + start;
	if (lx->s[start] == '"') {
		lx->pos++;
		addr_scan_to(lx, '"');
		t = (struct addr_token){ ADDR_QUOTED, lx->s + start + 1, lx->pos - start - 1 };
		if (lx->pos < lx->len)
			lx->pos++;
	} else if (lx->s[start] == '[') {
		addr_scan_to(lx, ']');
		if (lx->pos < lx->len)
			lx->pos++;
		t = (struct addr_token){ ADDR_LITERAL, t.s, lx->pos - start };
	} else if (addr_is_special(lx->s[start])) {
		lx->pos++;
		t = (struct addr_token){ ADDR_SPECIAL, t.s, 1 };
	} else {
		while (lx->pos < lx->len && !addr_is_space(lx->s[lx->pos]) && !addr_is_special(lx->s[lx->pos]))
			lx->pos++;
		t = (struct addr_token){ ADDR_ATOM, t.s, lx->pos - start };
	}
	return t;
}

static struct addr_token addr_peek(const struct addr_lexer *lx)
{
	struct addr_lexer copy = *lx;

	return addr_next(&copy);
}

static bool addr_is(struct addr_token t, char special)
{
	return t.kind == ADDR_SPECIAL && t.s[0] == special;
}

static bool addr_is_word(struct addr_token t)
{
	return t.kind == ADDR_ATOM || t.kind == ADDR_QUOTED;
}

/* Appends the text of a word without RFC 5322 quoting. */
static void addr_put_word(struct strbuf *b, struct addr_token t)
{
	for (size_t i = 0; i < t.len; i++) {
		if (t.kind == ADDR_QUOTED && t.s[i] == '\\' && i + 1 < t.len)
			i++;
		strbuf_putc(b, t.s[i]);
	}
}

/* Whether t continues the dot-atom in b ("a.b", "a . b", "a" . "b"):
 * words not joined by a dot end it. */
static bool addr_continues_dots(const struct strbuf *b, struct addr_token t)
{
	return b->len == 0 || b->s[b->len - 1] == '.' || (t.len > 0 && t.s[0] == '.');
}

/* A phrase: its words joined by single spaces; *dotted gets the leading
 * words joined by dots (the local part, if this is an addr-spec). */
static void addr_read_phrase(struct addr_lexer *lx, struct strbuf *phrase, struct strbuf *dotted,
			     size_t *words_r)
{
	bool joining = true;

	*words_r = 0;
	while (addr_is_word(addr_peek(lx))) {
		struct addr_token t = addr_next(lx);

		if ((*words_r)++ > 0)
			strbuf_putc(phrase, ' ');
		addr_put_word(phrase, t);
		joining = joining && addr_continues_dots(dotted, t);
		if (joining)
			addr_put_word(dotted, t);
	}
}

/* A domain after '@': a dot-atom or a domain literal. */
static void addr_read_domain(struct addr_lexer *lx, struct strbuf *domain)
{
	struct addr_token t;

	while (((t = addr_peek(lx)).kind == ADDR_ATOM || t.kind == ADDR_LITERAL) &&
	       addr_continues_dots(domain, t)) {
		addr_next(lx);
		strbuf_append(domain, t.s, t.len);
	}
}

static void addr_emit(struct addr_lexer *lx, const char *name, const char *adl, const char *mailbox,
		      const char *host)
{
	json_object *a;

	if (lx->count + lx->reserved >= ADDR_MAX)
		return;
	lx->count++;
	a = json_object_new_array_ext(4);
	json_object_array_add(a, imap_json_string(name, name != NULL ? strlen(name) : 0));
	json_object_array_add(a, imap_json_string(adl, adl != NULL ? strlen(adl) : 0));
	json_object_array_add(a, imap_json_string(mailbox, mailbox != NULL ? strlen(mailbox) : 0));
	json_object_array_add(a, imap_json_string(host, host != NULL ? strlen(host) : 0));
	json_object_array_add(lx->out, a);
}

/* obs-route "@a,@b:" at '@' inside an angle address. */
static void addr_read_route(struct addr_lexer *lx, struct strbuf *route)
{
	struct strbuf domain = { 0 };

	while (addr_is(addr_peek(lx), '@')) {
		addr_next(lx);
		strbuf_reset(&domain);
		addr_read_domain(lx, &domain);
		strbuf_printf(route, "%s@%s", route->len > 0 ? "," : "", domain.s != NULL ? domain.s : "");
		while (addr_is(addr_peek(lx), ','))
			addr_next(lx);
	}
	strbuf_free(&domain);
	if (addr_is(addr_peek(lx), ':'))
		addr_next(lx);
}

/* "<" [route] local-part ["@" domain] ">", after the '<'. */
static void addr_read_angle(struct addr_lexer *lx, struct strbuf *route, struct strbuf *local,
			    struct strbuf *domain, bool *has_domain_r)
{
	struct strbuf phrase = { 0 };
	size_t words;

	addr_read_route(lx, route);
	addr_read_phrase(lx, &phrase, local, &words);
	strbuf_free(&phrase);
	*has_domain_r = addr_is(addr_peek(lx), '@');
	if (*has_domain_r) {
		addr_next(lx);
		addr_read_domain(lx, domain);
	}
	if (addr_is(addr_peek(lx), '>'))
		addr_next(lx);
}

/* Skips what is left of a broken address, up to ',' or ';'. */
static void addr_skip_junk(struct addr_lexer *lx)
{
	struct addr_token t;

	while ((t = addr_peek(lx)).kind != ADDR_END && !addr_is(t, ',') && !addr_is(t, ';'))
		addr_next(lx);
}

struct addr_parts {
	struct strbuf name, route, local, domain;
	bool angle, has_domain;
};

static void addr_emit_mailbox(struct addr_lexer *lx, struct addr_parts *p)
{
	/* A mailbox needs both parts; Dovecot's stand-ins say which was missing. */
	const char *local = p->local.len > 0 ? p->local.s : "MISSING_MAILBOX";
	const char *host = p->has_domain && p->domain.len > 0 ? p->domain.s : "MISSING_DOMAIN";

	addr_emit(lx, p->name.len > 0 ? p->name.s : NULL, p->route.len > 0 ? p->route.s : NULL, local, host);
}

/* mailbox = name-addr / addr-spec; a stray special is consumed alone. */
static void addr_read_mailbox(struct addr_lexer *lx)
{
	struct addr_parts p = { 0 };
	size_t words;

	lx->comment = NULL;
	addr_read_phrase(lx, &p.name, &p.local, &words);
	if (addr_is(addr_peek(lx), '<')) {
		addr_next(lx);
		strbuf_reset(&p.local);
		addr_read_angle(lx, &p.route, &p.local, &p.domain, &p.has_domain);
		p.angle = true;
	} else if (addr_is(addr_peek(lx), '@')) {
		addr_next(lx);
		p.has_domain = true;
		addr_read_domain(lx, &p.domain);
	} else if (words == 0) {
		addr_next(lx);
		return;
	}
	addr_skip_junk(lx);
	addr_skip_cfws(lx);
	if (!p.angle) {
		/* addr-spec: a comment stands for the missing name. */
		strbuf_reset(&p.name);
		if (lx->comment != NULL)
			strbuf_append(&p.name, lx->comment, lx->comment_len);
	}
	addr_emit_mailbox(lx, &p);
	strbuf_free(&p.name);
	strbuf_free(&p.route);
	strbuf_free(&p.local);
	strbuf_free(&p.domain);
}

/* Whether a group starts here: a phrase followed by ':'. */
static bool addr_at_group(const struct addr_lexer *lx)
{
	struct addr_lexer copy = *lx;
	struct addr_token t;
	size_t words = 0;

	while (addr_is_word(t = addr_next(&copy)))
		words++;
	return words > 0 && addr_is(t, ':');
}

/* A group, shown only when its start and end both fit. */
static void addr_read_group(struct addr_lexer *lx)
{
	struct strbuf name = { 0 }, joined = { 0 };
	bool shown = lx->count + 2 <= ADDR_MAX;
	struct addr_token t;
	size_t words;

	addr_read_phrase(lx, &name, &joined, &words);
	addr_next(lx);
	if (shown) {
		addr_emit(lx, NULL, NULL, name.s, NULL);
		lx->reserved = 1;
	}
	while ((t = addr_peek(lx)).kind != ADDR_END && !addr_is(t, ';')) {
		if (addr_is(t, ','))
			addr_next(lx);
		else
			addr_read_mailbox(lx);
	}
	if (addr_is(t, ';'))
		addr_next(lx);
	lx->reserved = 0;
	if (shown)
		addr_emit(lx, NULL, NULL, NULL, NULL);
	strbuf_free(&name);
	strbuf_free(&joined);
}

json_object *imap_addr_list(const char *value)
{
	struct addr_lexer lx = { .s = value, .len = strlen(value) };
	struct addr_token t;

	lx.out = json_object_new_array();
	while ((t = addr_peek(&lx)).kind != ADDR_END && lx.count < ADDR_MAX) {
		if (addr_is(t, ',') || addr_is(t, ';'))
			addr_next(&lx);
		else if (addr_at_group(&lx))
			addr_read_group(&lx);
		else
			addr_read_mailbox(&lx);
	}
	if (json_object_array_length(lx.out) == 0) {
		json_object_put(lx.out);
		return NULL;
	}
	return lx.out;
}
