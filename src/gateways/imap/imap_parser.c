/* The IMAP command parser, first stage: gathering one command from the
 * input buffer. A command is lines and the literals announced at their
 * ends; the lines are kept in one text (each ended by "\n") and the
 * literals apart, then imap_parser_args.c splits them into arguments.
 * Every stage can stop when the input runs out and go on later. */
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_parser_private.h"

/* "~{" + 20 digits + "+}": the longest literal announcement. */
#define IMAP_MARKER_MAX 24
/* How far into a line too long to read the tag is looked for. */
#define IMAP_TAG_PEEK 128
#define IMAP_NAME_MAX 32
/* Buffers kept between commands up to these sizes. */
#define IMAP_TEXT_KEEP 1024
#define IMAP_LITS_KEEP 4

enum imap_parser_state {
	IMAP_PARSER_START,	/* between commands */
	IMAP_PARSER_LINE,	/* reading a line of the command */
	IMAP_PARSER_LITERAL,	/* reading a literal's octets */
	IMAP_PARSER_SKIP_LINE,	/* after an error: the rest of a line */
	IMAP_PARSER_SKIP_LITERAL, /* after an error: a non-synchronizing literal */
};

struct imap_marker {
	bool found;
	bool sync;
	bool binary;
	uint64_t len;
};

struct imap_parser {
	struct imap_parser_limits limits;
	enum imap_parser_state state;
	struct strbuf text;
	struct imap_literal *lits;
	size_t lit_count, lit_alloc;
	size_t lit_total;	/* announced octets of the command's literals */
	size_t lit_fill;	/* octets of the current literal read */
	uint64_t skip_left;	/* octets of a refused literal still to drop */
	size_t scanned;		/* input already searched for a line end */
	char tail[IMAP_MARKER_MAX];	/* the last octets of a skipped line */
	size_t tail_len;
	char *tag, *name;
	size_t args_at;		/* where the arguments start in text */
	bool uid, big, head_done;
};

struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	p->limits = *limits;
	return p;
}

static void imap_parser_reset(struct imap_parser *p)
{
	for (size_t i = 0; i < p->lit_count; i++)
		free(p->lits[i].data);
	p->lit_count = 0;
	p->lit_total = 0;
	p->lit_fill = 0;
	/* an idle session keeps no big buffer from its largest command */
	if (p->text.cap > IMAP_TEXT_KEEP)
		strbuf_free(&p->text);
	strbuf_reset(&p->text);
	if (p->lit_alloc > IMAP_LITS_KEEP) {
		free(p->lits);
		p->lits = NULL;
		p->lit_alloc = 0;
	}
	free(p->tag);
	free(p->name);
	p->tag = p->name = NULL;
	p->uid = p->big = p->head_done = false;
	p->scanned = 0;
}

void imap_parser_free(struct imap_parser **parser)
{
	struct imap_parser *p = *parser;

	if (p == NULL)
		return;
	*parser = NULL;
	imap_parser_reset(p);
	strbuf_free(&p->text);
	free(p->lits);
	free(p);
}

bool imap_parser_busy(const struct imap_parser *parser)
{
	return parser->state != IMAP_PARSER_START;
}

bool imap_parser_tag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

/* Reads "{n}", "{n+}" or "~{n}" at the end of line. */
static void imap_marker_parse(const char *line, size_t len, struct imap_marker *m)
{
	size_t end, i;
	uint64_t n = 0;

	memset(m, 0, sizeof(*m));
	if (len < 3 || line[len - 1] != '}')
		return;
	end = len - 1;
	m->sync = line[end - 1] != '+';
	if (!m->sync)
		end--;
	for (i = end; i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9'; i--)
		;
	if (i == end || i == 0 || line[i - 1] != '{')
		return;
	for (size_t k = i; k < end; k++)
		n = n > (UINT64_MAX - 9) / 10 ? UINT64_MAX : n * 10 + (uint64_t)(line[k] - '0');
	m->binary = i >= 2 && line[i - 2] == '~';
	m->len = n;
	m->found = true;
}

/* Ends the command with an error; what the client sends for it without
 * waiting (a non-synchronizing literal, the rest of its line) is
 * skipped. mid_line: the error came before the line's end. */
static enum imap_parse_status imap_parser_fail(struct imap_parser *p, const struct imap_marker *m,
					       bool mid_line, const char *text, bool toobig,
					       struct imap_parse_error *error_r)
{
	error_r->tag = p->tag;
	error_r->text = text;
	error_r->toobig = toobig;
	error_r->big = p->big;
	p->tail_len = 0;
	if (mid_line) {
		p->state = IMAP_PARSER_SKIP_LINE;
	} else if (m != NULL && m->found && !m->sync) {
		p->skip_left = m->len;
		p->state = IMAP_PARSER_SKIP_LITERAL;
	} else {
		p->state = IMAP_PARSER_START;
	}
	return IMAP_PARSE_ERROR;
}

/* The tag at the start of a line too long to read whole. */
static void imap_parser_peek_tag(struct imap_parser *p, struct evbuffer *in)
{
	size_t n = evbuffer_get_length(in);
	const unsigned char *data;
	size_t i;

	if (p->head_done || p->text.len > 0)
		return;
	n = n < IMAP_TAG_PEEK ? n : IMAP_TAG_PEEK;
	data = evbuffer_pullup(in, (ssize_t)n);
	for (i = 0; i < n && imap_parser_tag_char(data[i]); i++)
		;
	if (i > 0 && i < n && data[i] == ' ')
		p->tag = xstrndup((const char *)data, i);
}

static bool imap_name_read(const char **pos, const char *end, char **name_r)
{
	const char *start = *pos, *p = start;

	while (p < end && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		p++;
	if (p == start || p - start > IMAP_NAME_MAX || (p < end && *p != ' '))
		return false;
	*name_r = xstrndup(start, (size_t)(p - start));
	for (char *c = *name_r; *c != '\0'; c++)
		*c = (char)(*c >= 'a' ? *c - 'a' + 'A' : *c);
	*pos = p;
	return true;
}

/* "tag SP name" or "tag SP UID SP name" at the start of the first line.
 * Returns NULL or the problem. */
static const char *imap_parser_head(struct imap_parser *p, const char *line, size_t len)
{
	const char *pos = line, *end = line + len;

	while (pos < end && imap_parser_tag_char((unsigned char)*pos))
		pos++;
	if (pos == line || pos == end || *pos != ' ')
		return "Invalid tag";
	p->tag = xstrndup(line, (size_t)(pos - line));
	pos++;
	if (!imap_name_read(&pos, end, &p->name))
		return "Invalid command name";
	if (strcmp(p->name, "UID") == 0) {
		free(p->name);
		p->name = NULL;
		if (pos == end)
			return "Missing command name after UID";
		pos++;
		if (!imap_name_read(&pos, end, &p->name))
			return "Invalid command name after UID";
		p->uid = true;
	}
	p->args_at = (size_t)(pos - line);
	p->head_done = true;
	if (p->limits.big_literal != NULL)
		p->big = p->limits.big_literal(p->name, p->limits.context);
	return NULL;
}

static enum imap_parse_status imap_parser_finish(struct imap_parser *p, struct imap_cmd **cmd_r,
						 struct imap_parse_error *error_r)
{
	struct imap_cmd *cmd = xcalloc(1, sizeof(*cmd));
	const char *problem;

	cmd->tag = p->tag;
	cmd->name = p->name;
	cmd->uid = p->uid;
	p->tag = p->name = NULL;
	problem = imap_parser_split(p->text.s + p->args_at, p->text.len - p->args_at, p->lits,
				    p->lit_count, p->limits.max_depth, cmd);
	p->state = IMAP_PARSER_START;
	if (problem != NULL) {
		/* the tag outlives the command until the next run */
		p->tag = cmd->tag;
		cmd->tag = NULL;
		imap_cmd_free(&cmd);
		return imap_parser_fail(p, NULL, false, problem, false, error_r);
	}
	*cmd_r = cmd;
	return IMAP_PARSE_COMMAND;
}

/* A literal was announced at the end of the line just read. */
static enum imap_parse_status imap_parser_literal_start(struct imap_parser *p,
							const struct imap_marker *m,
							struct imap_parse_error *error_r)
{
	size_t max = p->big ? p->limits.max_big_literal : p->limits.max_literal;
	struct imap_literal *lit;

	if (m->len > max - p->lit_total)
		return imap_parser_fail(p, m, false, "Literal too big", true, error_r);
	if (p->lit_count == p->lit_alloc) {
		p->lit_alloc = p->lit_alloc == 0 ? 4 : p->lit_alloc * 2;
		p->lits = xrealloc(p->lits, p->lit_alloc * sizeof(*p->lits));
	}
	lit = &p->lits[p->lit_count++];
	lit->len = (size_t)m->len;
	lit->binary = m->binary;
	lit->data = xmalloc(lit->len + 1);
	lit->data[lit->len] = '\0';
	p->lit_total += lit->len;
	p->lit_fill = 0;
	strbuf_putc(&p->text, '\n');
	p->state = IMAP_PARSER_LITERAL;
	return m->sync ? IMAP_PARSE_CONTINUE : IMAP_PARSE_MORE;
}

/* A whole line of the command is at the end of p->text. */
static enum imap_parse_status imap_parser_line_done(struct imap_parser *p, size_t start,
						    struct imap_cmd **cmd_r,
						    struct imap_parse_error *error_r)
{
	const char *line = p->text.s + start;
	size_t len = p->text.len - start;
	struct imap_marker m;
	const char *problem;

	imap_marker_parse(line, len, &m);
	if (!p->head_done && (problem = imap_parser_head(p, line, len)) != NULL)
		return imap_parser_fail(p, &m, false, problem, false, error_r);
	if (memchr(line, '\0', len) != NULL)
		return imap_parser_fail(p, &m, false, "NUL in command line", false, error_r);
	if (m.found)
		return imap_parser_literal_start(p, &m, error_r);
	strbuf_putc(&p->text, '\n');
	return imap_parser_finish(p, cmd_r, error_r);
}

/* The offset of the next LF in in, searching from p->scanned; -1. */
static ssize_t imap_parser_find_lf(struct imap_parser *p, struct evbuffer *in)
{
	struct evbuffer_ptr start, eol;
	size_t eol_len = 0;

	if (p->scanned >= evbuffer_get_length(in) ||
	    evbuffer_ptr_set(in, &start, p->scanned, EVBUFFER_PTR_SET) < 0)
		return -1;
	eol = evbuffer_search_eol(in, &start, &eol_len, EVBUFFER_EOL_LF);
	if (eol.pos < 0)
		p->scanned = evbuffer_get_length(in);
	return eol.pos;
}

/* Keeps the last octets of a skipped line, where a literal may be
 * announced. */
static void imap_parser_tail_add(struct imap_parser *p, struct evbuffer *in, size_t n)
{
	size_t keep = n < IMAP_MARKER_MAX ? n : IMAP_MARKER_MAX;
	size_t old = p->tail_len + keep > IMAP_MARKER_MAX ? IMAP_MARKER_MAX - keep : p->tail_len;
	struct evbuffer_ptr at;

	memmove(p->tail, p->tail + p->tail_len - old, old);
	evbuffer_ptr_set(in, &at, n - keep, EVBUFFER_PTR_SET);
	evbuffer_copyout_from(in, &at, p->tail + old, keep);
	p->tail_len = old + keep;
}

/* A line longer than the rest of the budget: drop it, keeping what
 * its end announces (a literal to skip too) and the tag to answer. */
static enum imap_parse_status imap_parser_line_too_long(struct imap_parser *p,
							 struct evbuffer *in, size_t len,
							 struct imap_parse_error *error_r)
{
	struct imap_marker m;

	imap_parser_peek_tag(p, in);
	p->tail_len = 0;
	imap_parser_tail_add(p, in, len);
	evbuffer_drain(in, len + 1);
	p->scanned = 0;
	if (p->tail_len > 0 && p->tail[p->tail_len - 1] == '\r')
		p->tail_len--;
	imap_marker_parse(p->tail, p->tail_len, &m);
	return imap_parser_fail(p, &m, false, "Command line too long", true, error_r);
}

static enum imap_parse_status imap_parser_line(struct imap_parser *p, struct evbuffer *in,
					       struct imap_cmd **cmd_r,
					       struct imap_parse_error *error_r)
{
	ssize_t lf = imap_parser_find_lf(p, in);
	size_t start = p->text.len, len, content;

	if (lf < 0) {
		if (p->text.len + evbuffer_get_length(in) <= p->limits.max_line)
			return IMAP_PARSE_MORE;
		imap_parser_peek_tag(p, in);
		return imap_parser_fail(p, NULL, true, "Command line too long", true, error_r);
	}
	len = (size_t)lf;
	content = len;
	if (len > 0) {
		struct evbuffer_ptr at;
		char last;

		evbuffer_ptr_set(in, &at, len - 1, EVBUFFER_PTR_SET);
		evbuffer_copyout_from(in, &at, &last, 1);
		if (last == '\r')
			content--;
	}
	if (p->text.len + content > p->limits.max_line)
		return imap_parser_line_too_long(p, in, len, error_r);
	strbuf_append(&p->text, evbuffer_pullup(in, lf + 1), content);
	evbuffer_drain(in, len + 1);
	p->scanned = 0;
	if (p->text.len == 0 && !p->head_done) {
		p->state = IMAP_PARSER_START;	/* an empty line is not a command */
		return IMAP_PARSE_MORE;
	}
	return imap_parser_line_done(p, start, cmd_r, error_r);
}

static void imap_parser_literal(struct imap_parser *p, struct evbuffer *in)
{
	struct imap_literal *lit = &p->lits[p->lit_count - 1];
	size_t want = lit->len - p->lit_fill;
	size_t have = evbuffer_get_length(in);
	size_t n = want < have ? want : have;

	if (n > 0)
		evbuffer_remove(in, lit->data + p->lit_fill, n);
	p->lit_fill += n;
	if (p->lit_fill == lit->len)
		p->state = IMAP_PARSER_LINE;
}

static void imap_parser_skip_literal(struct imap_parser *p, struct evbuffer *in)
{
	size_t have = evbuffer_get_length(in);
	size_t n = p->skip_left < have ? (size_t)p->skip_left : have;

	evbuffer_drain(in, n);
	p->skip_left -= n;
	if (p->skip_left == 0) {
		p->tail_len = 0;
		p->state = IMAP_PARSER_SKIP_LINE;
	}
}

static void imap_parser_skip_line(struct imap_parser *p, struct evbuffer *in)
{
	struct imap_marker m;
	ssize_t lf;

	p->scanned = 0;
	lf = imap_parser_find_lf(p, in);
	if (lf < 0) {
		imap_parser_tail_add(p, in, evbuffer_get_length(in));
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	imap_parser_tail_add(p, in, (size_t)lf);
	evbuffer_drain(in, (size_t)lf + 1);
	p->scanned = 0;
	if (p->tail_len > 0 && p->tail[p->tail_len - 1] == '\r')
		p->tail_len--;
	imap_marker_parse(p->tail, p->tail_len, &m);
	if (m.found && !m.sync) {
		p->skip_left = m.len;
		p->state = IMAP_PARSER_SKIP_LITERAL;
	} else {
		p->state = IMAP_PARSER_START;
	}
}

enum imap_parse_status imap_parser_run(struct imap_parser *p, struct evbuffer *in,
				       struct imap_cmd **cmd_r, struct imap_parse_error *error_r)
{
	enum imap_parse_status status;

	*cmd_r = NULL;
	for (;;) {
		switch (p->state) {
		case IMAP_PARSER_START:
			if (evbuffer_get_length(in) == 0)
				return IMAP_PARSE_MORE;
			imap_parser_reset(p);
			p->state = IMAP_PARSER_LINE;
			break;
		case IMAP_PARSER_LINE:
			status = imap_parser_line(p, in, cmd_r, error_r);
			if (status != IMAP_PARSE_MORE || p->state == IMAP_PARSER_LINE)
				return status;
			break;
		case IMAP_PARSER_LITERAL:
			if (evbuffer_get_length(in) == 0 && p->lit_fill < p->lits[p->lit_count - 1].len)
				return IMAP_PARSE_MORE;
			imap_parser_literal(p, in);
			break;
		case IMAP_PARSER_SKIP_LITERAL:
			if (evbuffer_get_length(in) == 0)
				return IMAP_PARSE_MORE;
			imap_parser_skip_literal(p, in);
			break;
		case IMAP_PARSER_SKIP_LINE:
			if (evbuffer_get_length(in) == 0)
				return IMAP_PARSE_MORE;
			imap_parser_skip_line(p, in);
			break;
		}
	}
}

enum imap_line_status imap_parser_read_line(struct evbuffer *in, size_t max, char **line_r,
					    size_t *len_r)
{
	size_t eol_len = 0, len;
	struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);

	if (eol.pos < 0)
		return evbuffer_get_length(in) > max ? IMAP_LINE_TOOBIG : IMAP_LINE_MORE;
	len = (size_t)eol.pos;
	if (len > max)
		return IMAP_LINE_TOOBIG;
	*line_r = xmalloc(len + 1);
	evbuffer_remove(in, *line_r, len);
	evbuffer_drain(in, 1);
	if (len > 0 && (*line_r)[len - 1] == '\r')
		len--;
	(*line_r)[len] = '\0';
	*len_r = len;
	return IMAP_LINE_OK;
}
