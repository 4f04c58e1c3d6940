/* The TRANSACTION commands that read or mark the message list fixed at
 * login: STAT, LIST, UIDL (RFC 1939 §5, §7), DELE and RSET. Deleted
 * marks stay in the session until QUIT. */
#include <inttypes.h>

#include "gateways/pop3/pop3_private.h"

static size_t listing_count(const struct pop3_maildrop *md)
{
	return md->count - md->deleted_count;
}

static uint64_t listing_size(const struct pop3_maildrop *md)
{
	return md->total_size - md->deleted_size;
}

void pop3_cmd_stat(struct pop3_session *s, const struct pop3_cmdline *line)
{
	pop3_reply_ok(s, "%zu %" PRIu64, listing_count(&s->maildrop), listing_size(&s->maildrop));
}

/* Without an argument, one line per message not deleted; with one, the
 * line of that message as the +OK line. uidl chooses the unique id
 * over the size. */
static void listing_write(struct pop3_session *s, const struct pop3_cmdline *line, bool uidl)
{
	const struct pop3_maildrop *md = &s->maildrop;
	struct evbuffer *out = net_conn_output(s->conn);
	const struct pop3_message *msg;

	if (line->argc == 1) {
		if ((msg = pop3_message_arg(s, line->args[0])) == NULL)
			return;
		if (uidl)
			pop3_reply_ok(s, "%zu %s", (size_t)(msg - md->msgs) + 1, msg->email_id);
		else
			pop3_reply_ok(s, "%zu %" PRIu64, (size_t)(msg - md->msgs) + 1, msg->size);
		return;
	}
	if (uidl)
		pop3_reply_ok(s, "Unique-id listing follows");
	else
		pop3_reply_ok(s, "%zu messages (%" PRIu64 " octets)", listing_count(md),
			      listing_size(md));
	for (size_t i = 0; i < md->count; i++) {
		msg = &md->msgs[i];
		if (msg->deleted)
			continue;
		if (uidl)
			evbuffer_add_printf(out, "%zu %s\r\n", i + 1, msg->email_id);
		else
			evbuffer_add_printf(out, "%zu %" PRIu64 "\r\n", i + 1, msg->size);
	}
	evbuffer_add(out, ".\r\n", 3);
}

void pop3_cmd_list(struct pop3_session *s, const struct pop3_cmdline *line)
{
	listing_write(s, line, false);
}

void pop3_cmd_uidl(struct pop3_session *s, const struct pop3_cmdline *line)
{
	listing_write(s, line, true);
}

void pop3_cmd_dele(struct pop3_session *s, const struct pop3_cmdline *line)
{
	struct pop3_maildrop *md = &s->maildrop;
	struct pop3_message *msg = pop3_message_arg(s, line->args[0]);

	if (msg == NULL)
		return;
	msg->deleted = true;
	md->deleted_count++;
	md->deleted_size += msg->size;
	pop3_reply_ok(s, "Message %zu marked to be deleted.", (size_t)(msg - md->msgs) + 1);
}

void pop3_cmd_rset(struct pop3_session *s, const struct pop3_cmdline *line)
{
	struct pop3_maildrop *md = &s->maildrop;

	for (size_t i = 0; i < md->count; i++)
		md->msgs[i].deleted = false;
	md->deleted_count = 0;
	md->deleted_size = 0;
	pop3_reply_ok(s, "Maildrop has %zu messages (%" PRIu64 " octets).", md->count,
		      md->total_size);
}
