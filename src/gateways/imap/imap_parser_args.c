/* The IMAP command parser, second stage: a gathered command split into
 * arguments (atoms, quoted strings, literals, parenthesized lists), and
 * the small readers of arguments every command uses. */
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "gateways/imap/imap_parser_private.h"

struct imap_split {
	const char *pos, *end;
	struct imap_literal *lits;
	size_t lit_next, lit_count;
	unsigned max_depth;
	const char *problem;
};

static int imap_split_list(struct imap_split *sp, char close, unsigned depth,
			   struct imap_arg **args_r, size_t *count_r);

static int imap_split_fail(struct imap_split *sp, const char *problem)
{
	if (sp->problem == NULL)
		sp->problem = problem;
	return -1;
}

static bool imap_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int imap_split_quoted(struct imap_split *sp, struct imap_arg *arg)
{
	struct strbuf b = { 0 };

	for (sp->pos++; sp->pos < sp->end; sp->pos++) {
		unsigned char c = (unsigned char)*sp->pos;

		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*++sp->pos;
			if (c != '\\' && c != '"')
				break;
		} else if (imap_ctl(c)) {
			break;
		}
		strbuf_putc(&b, (char)c);
	}
	if (sp->pos >= sp->end || *sp->pos != '"') {
		strbuf_free(&b);
		return imap_split_fail(sp, "Bad quoted string");
	}
	sp->pos++;
	arg->type = IMAP_ARG_STRING;
	arg->len = b.len;
	arg->str = strbuf_steal(&b);
	return 0;
}

/* "{n}", "{n+}" or "~{n}" and its line end: the next gathered literal. */
static int imap_split_literal(struct imap_split *sp, struct imap_arg *arg)
{
	const char *p = sp->pos;
	struct imap_literal *lit;

	if (*p == '~')
		p++;
	for (p++; p < sp->end && *p >= '0' && *p <= '9'; p++)
		;
	if (p < sp->end && *p == '+')
		p++;
	if (p + 1 >= sp->end || p[0] != '}' || p[1] != '\n' || sp->lit_next == sp->lit_count)
		return imap_split_fail(sp, "Bad literal");
	lit = &sp->lits[sp->lit_next++];
	arg->type = IMAP_ARG_LITERAL;
	arg->str = lit->data;
	arg->len = lit->len;
	arg->binary = lit->binary;
	lit->data = NULL;
	sp->pos = p + 2;
	return 0;
}

/* An atom; "[...]" in it is kept whole, spaces and parentheses
 * included (BODY[HEADER.FIELDS (FROM)]). */
static int imap_split_atom(struct imap_split *sp, struct imap_arg *arg)
{
	const char *start = sp->pos, *p = sp->pos;

	while (p < sp->end && strchr(" ()\"{\n", *p) == NULL) {
		if (imap_ctl((unsigned char)*p))
			return imap_split_fail(sp, "Control character in atom");
		if (*p == '[') {
			const char *close = memchr(p, ']', (size_t)(sp->end - p));
			const char *nl = memchr(p, '\n', (size_t)(sp->end - p));

			if (close == NULL || (nl != NULL && nl < close))
				return imap_split_fail(sp, "Missing ]");
			p = close;
		}
		p++;
	}
	if (p == start)
		return imap_split_fail(sp, "Unexpected character");
	arg->type = IMAP_ARG_ATOM;
	arg->len = (size_t)(p - start);
	arg->str = xstrndup(start, arg->len);
	sp->pos = p;
	return 0;
}

static int imap_split_one(struct imap_split *sp, unsigned depth, struct imap_arg *arg)
{
	char c = *sp->pos;

	if (c == '(') {
		if (depth >= sp->max_depth)
			return imap_split_fail(sp, "Lists nested too deeply");
		sp->pos++;
		arg->type = IMAP_ARG_LIST;
		return imap_split_list(sp, ')', depth + 1, &arg->list, &arg->count);
	}
	if (c == '"')
		return imap_split_quoted(sp, arg);
	if (c == '{' || (c == '~' && sp->pos + 1 < sp->end && sp->pos[1] == '{'))
		return imap_split_literal(sp, arg);
	return imap_split_atom(sp, arg);
}

static void imap_args_free(struct imap_arg *args, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(args[i].str);
		imap_args_free(args[i].list, args[i].count);
	}
	free(args);
}

/* The items up to close (")" or the command's final "\n"). */
static int imap_split_list(struct imap_split *sp, char close, unsigned depth,
			   struct imap_arg **args_r, size_t *count_r)
{
	struct imap_arg *args = NULL;
	size_t count = 0, alloc = 0;

	for (;;) {
		while (sp->pos < sp->end && *sp->pos == ' ')
			sp->pos++;
		if (sp->pos < sp->end && *sp->pos == close) {
			sp->pos++;
			break;
		}
		if (sp->pos >= sp->end || *sp->pos == '\n' || *sp->pos == ')') {
			imap_args_free(args, count);
			return imap_split_fail(sp, close == ')' ? "Missing )" : "Unexpected )");
		}
		if (count == alloc) {
			alloc = alloc == 0 ? 4 : alloc * 2;
			args = xrealloc(args, alloc * sizeof(*args));
		}
		memset(&args[count], 0, sizeof(args[count]));
		if (imap_split_one(sp, depth, &args[count++]) < 0 ||
		    (sp->pos < sp->end && strchr(" )\n", *sp->pos) == NULL)) {
			imap_args_free(args, count);
			return imap_split_fail(sp, "Missing space between arguments");
		}
	}
	/* an end marker after the last argument (atom, str NULL): a handler
	 * that looks one past the end finds nothing rather than no memory */
	if (count == alloc)
		args = xrealloc(args, (alloc + 1) * sizeof(*args));
	memset(&args[count], 0, sizeof(args[count]));
	*args_r = args;
	*count_r = count;
	return 0;
}

const char *imap_parser_split(const char *text, size_t len, struct imap_literal *lits,
			      size_t lit_count, unsigned max_depth, struct imap_cmd *cmd)
{
	struct imap_split sp = {
		.pos = text, .end = text + len, .lits = lits, .lit_count = lit_count,
		.max_depth = max_depth,
	};

	if (imap_split_list(&sp, '\n', 0, &cmd->args, &cmd->count) < 0)
		return sp.problem;
	if (sp.pos != sp.end || sp.lit_next != lit_count)
		return "Unexpected text after the arguments";
	return NULL;
}

void imap_cmd_free(struct imap_cmd **cmdp)
{
	struct imap_cmd *cmd = *cmdp;

	if (cmd == NULL)
		return;
	*cmdp = NULL;
	if (cmd->state_free != NULL)
		cmd->state_free(cmd->state);
	imap_args_free(cmd->args, cmd->count);
	free(cmd->tag);
	free(cmd->name);
	free(cmd);
}

const char *imap_arg_astring(const struct imap_arg *arg)
{
	return arg == NULL || arg->type == IMAP_ARG_LIST ? NULL : arg->str;
}

bool imap_arg_atom_is(const struct imap_arg *arg, const char *name)
{
	return arg != NULL && arg->type == IMAP_ARG_ATOM && arg->str != NULL &&
		strcasecmp(arg->str, name) == 0;
}

bool imap_arg_is_nil(const struct imap_arg *arg)
{
	return imap_arg_atom_is(arg, "NIL");
}
