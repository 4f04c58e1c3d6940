/* RETR and TOP (RFC 1939 §5, §7): the message's blob, opened through
 * JMAP, streamed through the dot writer in chunks. When the output
 * buffer is full the command stops and goes on once it drained, so a
 * large message never sits in memory whole. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/pop3/pop3_private.h"
#include "jmap/jmap.h"

#define POP3_READ_CHUNK (32 * 1024)

struct pop3_retrieval {
	int fd;
	bool top;
	struct pop3_message *msg;
	struct pop3_dot_writer writer;
};

void pop3_retr_free(struct pop3_retrieval **retr)
{
	if (*retr == NULL)
		return;
	close((*retr)->fd);
	free(*retr);
	*retr = NULL;
}

/* The blob of msg, once it is known to be still in the Inbox. Returns
 * the fd, or -1 after answering -ERR. */
static int retr_open(struct pop3_session *s, const struct pop3_message *msg)
{
	size_t msgno = (size_t)(msg - s->maildrop.msgs) + 1;
	uint64_t size;
	int status = 0, fd = -1;
	int present = pop3_maildrop_check(&s->account, &s->maildrop, msg);

	if (present > 0)
		fd = jmap_download_open(s->account.jmap, &s->account.identity, s->account.id,
					msg->blob_id, &size, &status);
	if (fd >= 0)
		return fd;
	if (present == 0 || status == 404)
		pop3_reply_err(s, "Message %zu was removed from the Inbox by another client.",
			       msgno);
	else
		pop3_reply_err(s, "[SYS/TEMP] Message %zu cannot be read now.", msgno);
	return -1;
}

/* The response is over: the last line, the terminating ".". */
static void retr_finish(struct pop3_session *s)
{
	struct pop3_retrieval *r = s->retr;

	pop3_dot_finish(&r->writer, net_conn_output(s->conn));
	if (!r->top)
		r->msg->retrieved = true;
	pop3_retr_free(&s->retr);
}

bool pop3_retr_resume(struct pop3_session *s)
{
	struct pop3_retrieval *r = s->retr;
	struct evbuffer *out = net_conn_output(s->conn);
	char buf[POP3_READ_CHUNK];

	while (!net_conn_output_full(s->conn)) {
		ssize_t n = read(r->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* a multi-line response cannot turn into -ERR halfway */
			log_error("pop3.retr", "user=%s email=%s error=%s",
				  log_q(s->account.identity.name), log_q(r->msg->email_id),
				  log_q(strerror(errno)));
			pop3_retr_free(&s->retr);
			pop3_session_close(s);
			return false;
		}
		if (n == 0 || pop3_dot_feed(&r->writer, buf, (size_t)n, out)) {
			retr_finish(s);
			return true;
		}
	}
	return false;
}

static void retr_start(struct pop3_session *s, struct pop3_message *msg, bool top,
		       uint64_t lines)
{
	struct pop3_retrieval *r;
	int fd = retr_open(s, msg);

	if (fd < 0)
		return;
	if (top)
		pop3_reply_ok(s, "Top of message follows");
	else
		pop3_reply_ok(s, "%" PRIu64 " octets", msg->size);
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->top = top;
	r->msg = msg;
	pop3_dot_init(&r->writer, top, lines);
	s->retr = r;
	pop3_retr_resume(s);
}

void pop3_cmd_retr(struct pop3_session *s, const struct pop3_cmdline *line)
{
	struct pop3_message *msg = pop3_message_arg(s, line->args[0]);

	if (msg != NULL)
		retr_start(s, msg, false, 0);
}

void pop3_cmd_top(struct pop3_session *s, const struct pop3_cmdline *line)
{
	struct pop3_message *msg;
	uint64_t lines;

	if (pop3_parse_lines(line->args[1], &lines) < 0) {
		pop3_reply_err(s, "Invalid number of lines: %.40s.", line->args[1]);
		return;
	}
	if ((msg = pop3_message_arg(s, line->args[0])) != NULL)
		retr_start(s, msg, true, lines);
}
