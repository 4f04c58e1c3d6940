/* SEARCH and UID SEARCH (RFC 9051 §6.4.4): RETURN options (RFC 4731
 * ESEARCH, and SAVE from RFC 5182 SEARCHRES), the program
 * (imap_search_program.c), then a SEARCH response, or ESEARCH when
 * options were given or IMAP4rev2 is enabled, with MODSEQ when the
 * program used it (RFC 7162 §3.1.5). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "gateways/imap/imap_msgcmd.h"

#define SEARCH_RETURN_MIN	(1u << 0)
#define SEARCH_RETURN_MAX	(1u << 1)
#define SEARCH_RETURN_ALL	(1u << 2)
#define SEARCH_RETURN_COUNT	(1u << 3)
#define SEARCH_RETURN_SAVE	(1u << 4)

int imap_search_date_parse(const char *text, time_t *t_r)
{
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm tm = { 0 };
	size_t digits = strspn(text, "0123456789");
	const char *p = text + digits;

	if (digits < 1 || digits > 2 || p[0] != '-' || strlen(p) != 9 || p[4] != '-' ||
	    strspn(p + 5, "0123456789") != 4)
		return -1;
	tm.tm_mday = atoi(text);
	tm.tm_year = atoi(p + 5) - 1900;
	tm.tm_mon = -1;
	for (int m = 0; m < 12; m++) {
		if (strncasecmp(p + 1, months[m], 3) == 0)
			tm.tm_mon = m;
	}
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	*t_r = timegm(&tm);
	return *t_r == (time_t)-1 ? -1 : 0;
}

/* RETURN (...) at the start: *options_r (0 when absent), *pos_r where
 * the criteria begin. -1 on an unknown option. */
static int search_return_parse(const struct imap_cmd *cmd, unsigned *options_r, size_t *pos_r)
{
	const struct imap_arg *list;

	*options_r = 0;
	*pos_r = 0;
	if (cmd->count < 2 || !imap_arg_atom_is(&cmd->args[0], "RETURN"))
		return 0;
	list = &cmd->args[1];
	if (list->type != IMAP_ARG_LIST)
		return -1;
	*pos_r = 2;
	for (size_t i = 0; i < list->count; i++) {
		const struct imap_arg *opt = &list->list[i];

		if (imap_arg_atom_is(opt, "MIN"))
			*options_r |= SEARCH_RETURN_MIN;
		else if (imap_arg_atom_is(opt, "MAX"))
			*options_r |= SEARCH_RETURN_MAX;
		else if (imap_arg_atom_is(opt, "ALL"))
			*options_r |= SEARCH_RETURN_ALL;
		else if (imap_arg_atom_is(opt, "COUNT"))
			*options_r |= SEARCH_RETURN_COUNT;
		else if (imap_arg_atom_is(opt, "SAVE"))
			*options_r |= SEARCH_RETURN_SAVE;
		else
			return -1;
	}
	if (*options_r == 0)
		*options_r = SEARCH_RETURN_ALL;
	return 0;
}

struct search_result {
	const struct imap_view *view;
	const size_t *indexes;
	size_t count;
	bool uid;
	bool modseq;		/* report the highest MODSEQ of the matches */
};

static uint32_t search_result_number(const struct search_result *r, size_t i)
{
	return r->uid ? r->view->msgs[r->indexes[i]].uid : (uint32_t)(r->indexes[i] + 1);
}

static uint64_t search_result_modseq(const struct search_result *r)
{
	uint64_t max = 0;

	for (size_t i = 0; i < r->count; i++) {
		if (r->view->msgs[r->indexes[i]].modseq > max)
			max = r->view->msgs[r->indexes[i]].modseq;
	}
	return max;
}

static void search_write_plain(struct evbuffer *out, const struct search_result *r)
{
	evbuffer_add_printf(out, "* SEARCH");
	for (size_t i = 0; i < r->count; i++)
		evbuffer_add_printf(out, " %u", search_result_number(r, i));
	if (r->modseq && r->count > 0)
		evbuffer_add_printf(out, " (MODSEQ %llu)",
				    (unsigned long long)search_result_modseq(r));
	evbuffer_add(out, "\r\n", 2);
}

static void search_write_esearch(struct evbuffer *out, const char *tag,
				 const struct search_result *r, unsigned options)
{
	struct imap_numlist all = { NULL, 0, 0 };

	evbuffer_add_printf(out, "* ESEARCH (TAG \"%s\")%s", tag, r->uid ? " UID" : "");
	if ((options & SEARCH_RETURN_MIN) && r->count > 0)
		evbuffer_add_printf(out, " MIN %u", search_result_number(r, 0));
	if ((options & SEARCH_RETURN_MAX) && r->count > 0)
		evbuffer_add_printf(out, " MAX %u", search_result_number(r, r->count - 1));
	if ((options & SEARCH_RETURN_ALL) && r->count > 0) {
		for (size_t i = 0; i < r->count; i++)
			imap_numlist_add(&all, search_result_number(r, i));
		evbuffer_add_printf(out, " ALL ");
		imap_numlist_write(out, &all);
		imap_numlist_free(&all);
	}
	if (options & SEARCH_RETURN_COUNT)
		evbuffer_add_printf(out, " COUNT %zu", r->count);
	if (r->modseq && r->count > 0)
		evbuffer_add_printf(out, " MODSEQ %llu", (unsigned long long)search_result_modseq(r));
	evbuffer_add(out, "\r\n", 2);
}

/* RFC 9051 §6.4.4.1: "$" becomes what was found, or only the MIN
 * and/or MAX message when neither ALL nor COUNT was asked for. */
static void search_save(struct imap_view *view, const size_t *indexes, size_t count,
			unsigned options)
{
	size_t ends[2], n = 0;

	if ((options & (SEARCH_RETURN_ALL | SEARCH_RETURN_COUNT)) != 0 ||
	    (options & (SEARCH_RETURN_MIN | SEARCH_RETURN_MAX)) == 0 || count == 0) {
		imap_view_save_result(view, indexes, count);
		return;
	}
	if (options & SEARCH_RETURN_MIN)
		ends[n++] = indexes[0];
	if ((options & SEARCH_RETURN_MAX) && (n == 0 || count > 1))
		ends[n++] = indexes[count - 1];
	imap_view_save_result(view, ends, n);
}

/* The criteria, or NULL after answering: BAD leaves "$" alone, NO (a
 * refused charset) empties it when SAVE was asked for. */
static struct imap_search *search_parse(struct imap_session *s, const struct imap_cmd *cmd,
					size_t pos, unsigned options)
{
	struct imap_search *search;
	const char *error;
	bool bad;

	if (imap_search_parse(cmd->args + pos, cmd->count - pos, false, &search, &bad,
			      &error) < 0) {
		if (bad) {
			imap_cmd_bad(s, "%s", error);
			return NULL;
		}
		if (options & SEARCH_RETURN_SAVE)
			imap_view_save_result(s->view, NULL, 0);
		imap_cmd_done(s, "NO", "%s", error);
		return NULL;
	}
	if (imap_search_uses_modseq(search))
		imap_msgcmd_condstore_enable(s);
	return search;
}

static void search_answer(struct imap_session *s, const struct imap_cmd *cmd,
			  const struct search_result *r, unsigned options)
{
	unsigned shown = options & ~SEARCH_RETURN_SAVE;

	/* SAVE alone answers nothing but the tagged OK */
	if (options == 0 && !s->rev2)
		search_write_plain(net_conn_output(s->conn), r);
	else if (options == 0 || shown != 0)
		search_write_esearch(net_conn_output(s->conn), cmd->tag, r,
				     options == 0 ? SEARCH_RETURN_ALL : shown);
}

void imap_cmd_search(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_search *search;
	struct search_result r = { .view = s->view, .uid = cmd->uid };
	unsigned options;
	size_t pos, *indexes;
	char *error_type;

	if (search_return_parse(cmd, &options, &pos) < 0) {
		imap_cmd_bad(s, "Unknown RETURN option");
		return;
	}
	if ((search = search_parse(s, cmd, pos, options)) == NULL)
		return;
	r.modseq = imap_search_uses_modseq(search);
	if (imap_search_run(s, search, &indexes, &r.count, &error_type) < 0) {
		imap_search_free(&search);
		if (options & SEARCH_RETURN_SAVE)
			imap_view_save_result(s->view, NULL, 0);
		imap_msgcmd_fail(s, "SEARCH", error_type);
		return;
	}
	r.indexes = indexes;
	search_answer(s, cmd, &r, options);
	if (options & SEARCH_RETURN_SAVE)
		search_save(s->view, indexes, r.count, options);
	free(indexes);
	imap_search_free(&search);
	imap_cmd_done(s, "OK", "Search completed");
}
