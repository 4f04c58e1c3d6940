/* DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), the reading of their
 * message bytes, and the end of a message: smtp_deliver_message() and
 * its answer. */
#include <stdlib.h>

#include "core/log.h"
#include "gateways/smtp/smtp_session.h"

#define SMTP_PEEK_VECS 16

/* ---- the end of a message ---- */

static void smtp_message_answer(struct smtp_session *s, const struct smtp_reply *reply)
{
	s->transactions++;
	log_info("smtp.message", "session=%s from=%s rcpts=%zu size=%llu code=%d", s->id,
		 log_q(s->mail_from), s->env.rcpt_count, (unsigned long long)s->data.size,
		 reply->code);
	smtp_reply_write(s, reply);
	smtp_session_reset(s);
}

static void smtp_message_work(struct smtp_session *s)
{
	smtp_deliver_message(s->srv->deliver, &s->env, s->data.msg.s != NULL ? s->data.msg.s : "",
			     s->data.msg.len, &s->job.reply);
}

static void smtp_message_done(struct smtp_session *s, bool gone)
{
	if (!gone)
		smtp_message_answer(s, &s->job.reply);
}

static void smtp_message_end(struct smtp_session *s)
{
	struct smtp_reply reply;

	smtp_session_set_input(s, SMTP_INPUT_COMMAND);
	if (s->data.too_big) {
		smtp_reply_set(&reply, 552, "5.3.4", "Message too big: the limit is %zu bytes",
			       s->srv->max_message);
		smtp_message_answer(s, &reply);
		return;
	}
	/* the 250 waits until every copy is durable */
	smtp_session_offload(s, smtp_message_work, smtp_message_done);
}

/* ---- DATA ---- */

void smtp_cmd_data(struct smtp_session *s, const char *args)
{
	if (s->state == SMTP_STATE_CHUNKING) {
		smtp_reply(s, 503, "5.5.1", "DATA cannot follow BDAT in one transaction");
		return;
	}
	if (s->state == SMTP_STATE_MAIL) {
		smtp_reply(s, 554, "5.5.1", "No valid recipients");
		return;
	}
	if (s->state != SMTP_STATE_RCPT) {
		smtp_reply(s, 503, "5.5.1", "Need MAIL and RCPT before DATA");
		return;
	}
	smtp_data_init(&s->data, true, s->srv->max_message);
	smtp_session_set_state(s, SMTP_STATE_DATA);
	smtp_session_set_input(s, SMTP_INPUT_DATA);
	smtp_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
}

/* Takes what the input holds of DATA's message, up to the terminator. */
static void smtp_data_read_message(struct smtp_session *s)
{
	struct evbuffer *in = net_conn_input(s->conn);
	struct evbuffer_iovec vec[SMTP_PEEK_VECS];
	int n = evbuffer_peek(in, -1, NULL, vec, SMTP_PEEK_VECS);
	size_t used = 0;
	bool end = false;

	for (int i = 0; i < n && i < SMTP_PEEK_VECS && !end; i++)
		used += smtp_data_feed(&s->data, vec[i].iov_base, vec[i].iov_len, &end);
	evbuffer_drain(in, used);
	if (end)
		smtp_message_end(s);
}

/* ---- BDAT ---- */

/* A chunk was read in full: answer it. */
static void smtp_chunk_end(struct smtp_session *s)
{
	smtp_session_set_input(s, SMTP_INPUT_COMMAND);
	if (s->chunk_discard) {
		s->chunk_discard = false;
		smtp_reply_write(s, &s->chunk_reply);
	} else if (s->data.too_big) {
		/* RFC 3030 §2: the transaction failed; the client sends RSET */
		smtp_reply(s, 552, "5.3.4", "Message too big: the limit is %zu bytes",
			   s->srv->max_message);
		smtp_session_reset(s);
	} else if (s->chunk_last) {
		smtp_data_finish(&s->data);
		smtp_message_end(s);
	} else {
		smtp_reply(s, 250, "2.0.0", "%llu octets received",
			   (unsigned long long)s->chunk_size);
	}
}

/* Takes what the input holds of the chunk: kept, or dropped when the
 * BDAT failed (RFC 3030 §2: its bytes are read all the same). */
static void smtp_data_read_chunk(struct smtp_session *s)
{
	struct evbuffer *in = net_conn_input(s->conn);
	struct evbuffer_iovec vec[SMTP_PEEK_VECS];
	size_t avail = evbuffer_get_length(in);
	size_t want = s->chunk_left < avail ? (size_t)s->chunk_left : avail;
	int n = evbuffer_peek(in, (ev_ssize_t)want, NULL, vec, SMTP_PEEK_VECS);
	size_t used = 0;
	bool end;

	for (int i = 0; i < n && i < SMTP_PEEK_VECS && used < want; i++) {
		size_t take = vec[i].iov_len < want - used ? vec[i].iov_len : want - used;

		if (!s->chunk_discard)
			smtp_data_feed(&s->data, vec[i].iov_base, take, &end);
		used += take;
	}
	evbuffer_drain(in, used);
	s->chunk_left -= used;
	if (s->chunk_left == 0)
		smtp_chunk_end(s);
}

void smtp_data_input(struct smtp_session *s)
{
	if (s->input == SMTP_INPUT_DATA)
		smtp_data_read_message(s);
	else
		smtp_data_read_chunk(s);
}

/* Whether a chunk may join the transaction; if not, the answer to give
 * once its bytes were read. */
static bool smtp_bdat_allowed(struct smtp_session *s, struct smtp_reply *reply_r)
{
	if (s->state == SMTP_STATE_RCPT || s->state == SMTP_STATE_CHUNKING)
		return true;
	if (s->state == SMTP_STATE_MAIL)
		smtp_reply_set(reply_r, 554, "5.5.1", "No valid recipients");
	else
		smtp_reply_set(reply_r, 503, "5.5.1", "Need MAIL and RCPT before BDAT");
	return false;
}

void smtp_cmd_bdat(struct smtp_session *s, const char *args)
{
	uint64_t size;
	bool last;

	if (smtp_parse_bdat(args, &size, &last) < 0) {
		/* without a size the bytes that follow cannot be skipped */
		smtp_reply_bad(s, 501, "5.5.4", "Syntax: BDAT size [LAST]");
		return;
	}
	s->chunk_size = s->chunk_left = size;
	s->chunk_last = last;
	if (!smtp_bdat_allowed(s, &s->chunk_reply)) {
		s->chunk_discard = true;
	} else if (s->state == SMTP_STATE_RCPT) {
		smtp_data_init(&s->data, false, s->srv->max_message);
		smtp_session_set_state(s, SMTP_STATE_CHUNKING);
	}
	smtp_session_set_input(s, SMTP_INPUT_CHUNK);
	if (size == 0)
		smtp_chunk_end(s);
}
