/* WebSocket frames (RFC 6455 §5): the incremental parser of client
 * frames, every check §5 asks of a server, and the server's writer. */
#include <stdlib.h>
#include <string.h>

#include "http/websocket_frame.h"

#define WS_FIN 0x80
#define WS_RSV 0x70
#define WS_OPCODE 0x0f
#define WS_MASKED 0x80
#define WS_LEN7 0x7f

void ws_parser_init(struct ws_parser *p, size_t max_message)
{
	memset(p, 0, sizeof(*p));
	p->max_message = max_message;
	p->head_need = 2;
}

void ws_parser_clear(struct ws_parser *p)
{
	strbuf_free(&p->message);
}

static bool ws_opcode_known(unsigned op)
{
	return op == WS_OP_CONTINUATION || op == WS_OP_TEXT || op == WS_OP_BINARY ||
	       op == WS_OP_CLOSE || op == WS_OP_PING || op == WS_OP_PONG;
}

static bool ws_opcode_control(unsigned op)
{
	return (op & 0x08) != 0;
}

static enum ws_result ws_fail(struct ws_parser *p, uint16_t code, const char *why,
			      const char **error_r)
{
	p->close_code = code;
	*error_r = why;
	return WS_ERROR;
}

/* The first two bytes say enough to refuse most bad frames at once. */
static enum ws_result ws_head_start(struct ws_parser *p, const char **error_r)
{
	unsigned op = p->head[0] & WS_OPCODE, len7 = p->head[1] & WS_LEN7;

	if ((p->head[0] & WS_RSV) != 0)
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "reserved bits set", error_r);
	if (!ws_opcode_known(op))
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "unknown opcode", error_r);
	if ((p->head[1] & WS_MASKED) == 0)
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "client frame not masked", error_r);
	if (ws_opcode_control(op) && ((p->head[0] & WS_FIN) == 0 || len7 > WS_CONTROL_MAX))
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "bad control frame", error_r);
	if (op == WS_OP_CONTINUATION && !p->in_message)
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "continuation outside a message",
			       error_r);
	if ((op == WS_OP_TEXT || op == WS_OP_BINARY) && p->in_message)
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one",
			       error_r);
	p->fin = (p->head[0] & WS_FIN) != 0;
	p->opcode = (enum ws_opcode)op;
	p->head_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
	return WS_MORE;
}

/* The whole header is in: length and mask. */
static enum ws_result ws_head_finish(struct ws_parser *p, const char **error_r)
{
	unsigned len7 = p->head[1] & WS_LEN7;
	size_t ext = p->head_need - 6;
	uint64_t len = len7;
	size_t have;

	if (ext > 0) {
		len = 0;
		for (size_t i = 0; i < ext; i++)
			len = (len << 8) | p->head[2 + i];
		if ((len >> 63) != 0)
			return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "bad payload length", error_r);
	}
	memcpy(p->mask, p->head + 2 + ext, 4);
	if (!ws_opcode_control(p->opcode)) {
		have = p->in_message ? p->message.len : 0;
		if (len > p->max_message || have > p->max_message - len)
			return ws_fail(p, WS_CLOSE_TOO_BIG, "message too big", error_r);
		if (p->opcode != WS_OP_CONTINUATION) {
			p->in_message = true;
			p->message_opcode = p->opcode;
			strbuf_reset(&p->message);
		}
	}
	p->control_len = 0;
	p->remaining = len;
	p->payload_pos = 0;
	p->state = WS_STATE_PAYLOAD;
	return WS_MORE;
}

static enum ws_result ws_head_read(struct ws_parser *p, const unsigned char *in, size_t len,
				   size_t *pos, const char **error_r)
{
	while (*pos < len && p->head_len < p->head_need) {
		p->head[p->head_len++] = in[(*pos)++];
		if (p->head_len == 2 && ws_head_start(p, error_r) == WS_ERROR)
			return WS_ERROR;
	}
	if (p->head_len < p->head_need)
		return WS_MORE;
	return ws_head_finish(p, error_r);
}

static void ws_unmask(struct ws_parser *p, unsigned char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		data[i] ^= p->mask[(p->payload_pos + i) & 3];
	p->payload_pos += len;
}

static void ws_payload_read(struct ws_parser *p, const unsigned char *in, size_t len,
			    size_t *pos)
{
	size_t n = len - *pos;
	unsigned char *dst;

	if (n > p->remaining)
		n = (size_t)p->remaining;
	if (n == 0)
		return;
	if (ws_opcode_control(p->opcode)) {
		dst = p->control + p->control_len;
		memcpy(dst, in + *pos, n);
		p->control_len += n;
	} else {
		strbuf_append(&p->message, in + *pos, n);
		dst = (unsigned char *)p->message.s + p->message.len - n;
	}
	ws_unmask(p, dst, n);
	*pos += n;
	p->remaining -= n;
}

static bool ws_close_code_valid(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	       (code >= 3000 && code <= 4999);
}

static enum ws_result ws_control_done(struct ws_parser *p, struct ws_message *msg,
				      const char **error_r)
{
	msg->opcode = p->opcode;
	msg->data = (const char *)p->control;
	msg->len = p->control_len;
	msg->close_code = 0;
	if (p->opcode != WS_OP_CLOSE)
		return WS_MESSAGE;
	msg->close_code = WS_CLOSE_NO_STATUS;
	if (p->control_len == 0)
		return WS_MESSAGE;
	if (p->control_len == 1)
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "bad close payload", error_r);
	msg->close_code = (uint16_t)(p->control[0] << 8 | p->control[1]);
	if (!ws_close_code_valid(msg->close_code))
		return ws_fail(p, WS_CLOSE_PROTOCOL_ERROR, "bad close status", error_r);
	if (!ws_utf8_valid(p->control + 2, p->control_len - 2))
		return ws_fail(p, WS_CLOSE_INVALID_DATA, "close reason not UTF-8", error_r);
	msg->data += 2;
	msg->len -= 2;
	return WS_MESSAGE;
}

static enum ws_result ws_frame_done(struct ws_parser *p, struct ws_message *msg,
				    const char **error_r)
{
	p->state = WS_STATE_HEADER;
	p->head_len = 0;
	p->head_need = 2;
	if (ws_opcode_control(p->opcode))
		return ws_control_done(p, msg, error_r);
	if (!p->fin)
		return WS_MORE;
	p->in_message = false;
	if (p->message_opcode == WS_OP_TEXT &&
	    !ws_utf8_valid((const unsigned char *)p->message.s, p->message.len))
		return ws_fail(p, WS_CLOSE_INVALID_DATA, "text message not UTF-8", error_r);
	msg->opcode = p->message_opcode;
	msg->data = p->message.s != NULL ? p->message.s : "";
	msg->len = p->message.len;
	msg->close_code = 0;
	p->message_delivered = true;
	return WS_MESSAGE;
}

enum ws_result ws_parser_feed(struct ws_parser *p, const void *data, size_t len,
			      size_t *used_r, struct ws_message *msg_r, const char **error_r)
{
	const unsigned char *in = data;
	enum ws_result ret = WS_MORE;
	size_t pos = 0;

	if (p->message_delivered) {
		strbuf_reset(&p->message);
		p->message_delivered = false;
	}
	for (;;) {
		if (p->state == WS_STATE_HEADER) {
			ret = ws_head_read(p, in, len, &pos, error_r);
			if (ret == WS_ERROR || p->state == WS_STATE_HEADER)
				break;
		}
		ws_payload_read(p, in, len, &pos);
		if (p->remaining > 0)
			break;
		ret = ws_frame_done(p, msg_r, error_r);
		if (ret != WS_MORE)
			break;
	}
	*used_r = pos;
	return ret;
}

char *ws_parser_take_message(struct ws_parser *p, size_t *len_r)
{
	*len_r = p->message.len;
	p->message_delivered = false;
	return strbuf_steal(&p->message);
}

void ws_frame_append(struct strbuf *out, enum ws_opcode opcode, const void *payload, size_t len)
{
	unsigned char head[10];
	size_t n = 2;

	head[0] = (unsigned char)(WS_FIN | opcode);
	if (len < 126) {
		head[1] = (unsigned char)len;
	} else if (len <= 0xffff) {
		head[1] = 126;
		head[2] = (unsigned char)(len >> 8);
		head[3] = (unsigned char)len;
		n = 4;
	} else {
		head[1] = 127;
		for (int i = 0; i < 8; i++)
			head[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	strbuf_append(out, head, n);
	if (len > 0)
		strbuf_append(out, payload, len);
}

void ws_frame_append_close(struct strbuf *out, uint16_t code, const char *reason)
{
	unsigned char payload[WS_CONTROL_MAX];
	size_t len = strlen(reason);

	if (len > WS_CONTROL_MAX - 2)
		len = WS_CONTROL_MAX - 2;
	payload[0] = (unsigned char)(code >> 8);
	payload[1] = (unsigned char)code;
	memcpy(payload + 2, reason, len);
	ws_frame_append(out, WS_OP_CLOSE, payload, len + 2);
}

/* The length of the sequence lead starts, 0 if lead cannot start one,
 * and the bounds of its second byte (which rule out overlong forms,
 * surrogates and code points past U+10FFFF). */
static size_t ws_utf8_lead(unsigned char lead, unsigned char *lo_r, unsigned char *hi_r)
{
	*lo_r = 0x80;
	*hi_r = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef) {
		if (lead == 0xe0)
			*lo_r = 0xa0;
		else if (lead == 0xed)
			*hi_r = 0x9f;
		return 3;
	}
	if (lead >= 0xf0 && lead <= 0xf4) {
		if (lead == 0xf0)
			*lo_r = 0x90;
		else if (lead == 0xf4)
			*hi_r = 0x8f;
		return 4;
	}
	return 0;
}

bool ws_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char lo, hi;
		size_t n;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = ws_utf8_lead(s[i], &lo, &hi);
		if (n == 0 || len - i < n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += n;
	}
	return true;
}
