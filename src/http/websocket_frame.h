#ifndef TERN_HTTP_WEBSOCKET_FRAME_H
#define TERN_HTTP_WEBSOCKET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

/* WebSocket framing (RFC 6455 §5), server side: an incremental, bounded
 * parser of client frames and the writer of server frames. No
 * extensions are negotiated, so the reserved bits must be clear. The
 * parser knows nothing of sockets: it is fed bytes and hands back whole
 * messages (fragments joined) and control frames. */

enum ws_opcode {
	WS_OP_CONTINUATION = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close status codes (RFC 6455 §7.4.1, and 1013 from the IANA
 * registry). */
#define WS_CLOSE_NORMAL 1000
#define WS_CLOSE_GOING_AWAY 1001
#define WS_CLOSE_PROTOCOL_ERROR 1002
#define WS_CLOSE_UNSUPPORTED 1003
#define WS_CLOSE_NO_STATUS 1005		/* received only: a close without a code */
#define WS_CLOSE_INVALID_DATA 1007
#define WS_CLOSE_POLICY 1008
#define WS_CLOSE_TOO_BIG 1009
#define WS_CLOSE_INTERNAL 1011
#define WS_CLOSE_TRY_LATER 1013

/* A control frame's payload is at most this long (§5.5). */
#define WS_CONTROL_MAX 125

enum ws_result {
	WS_MORE,	/* every byte was used; no message is complete yet */
	WS_MESSAGE,	/* a message or control frame is complete */
	WS_ERROR,	/* the peer broke the protocol: close with close_code */
};

/* What WS_MESSAGE hands back; data stays valid until the next call to
 * ws_parser_feed() or ws_parser_take_message(). */
struct ws_message {
	enum ws_opcode opcode;	/* TEXT, BINARY, CLOSE, PING or PONG */
	const char *data;
	size_t len;
	/* CLOSE: the peer's status (WS_CLOSE_NO_STATUS if it gave none);
	 * data is then the reason */
	uint16_t close_code;
};

enum ws_parser_state {
	WS_STATE_HEADER,
	WS_STATE_PAYLOAD,
};

/* Zero-initialise, then ws_parser_init(). */
struct ws_parser {
	size_t max_message;
	enum ws_parser_state state;
	/* the frame header: 2 to 14 bytes */
	unsigned char head[14];
	size_t head_len, head_need;
	bool fin;
	enum ws_opcode opcode;
	uint64_t remaining;
	unsigned char mask[4];
	uint64_t payload_pos;
	/* a text or binary message being assembled from its fragments */
	bool in_message;
	enum ws_opcode message_opcode;
	struct strbuf message;
	bool message_delivered;
	unsigned char control[WS_CONTROL_MAX];
	size_t control_len;
	/* after WS_ERROR: the status to close with */
	uint16_t close_code;
};

/* max_message bounds a whole message, its fragments together; past it
 * the parser fails with WS_CLOSE_TOO_BIG before reading the payload. */
void ws_parser_init(struct ws_parser *p, size_t max_message);
void ws_parser_clear(struct ws_parser *p);
/* Parses data until one message or control frame is complete. Returns
 * WS_MESSAGE with *msg_r, WS_MORE, or WS_ERROR with p->close_code and a
 * static reason in *error_r; *used_r says how many bytes of data were
 * read (on WS_MESSAGE the rest belongs to the next call). After
 * WS_ERROR the parser must not be fed again. */
enum ws_result ws_parser_feed(struct ws_parser *p, const void *data, size_t len,
			      size_t *used_r, struct ws_message *msg_r, const char **error_r);
/* Right after WS_MESSAGE for a text or binary message: hands its data
 * to the caller (NUL-terminated; free()) rather than copy it. */
char *ws_parser_take_message(struct ws_parser *p, size_t *len_r);

/* Appends one final, unmasked frame (server to client). */
void ws_frame_append(struct strbuf *out, enum ws_opcode opcode, const void *payload, size_t len);
/* Appends a close frame with code and an ASCII reason (cut to fit). */
void ws_frame_append_close(struct strbuf *out, uint16_t code, const char *reason);

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates. */
bool ws_utf8_valid(const unsigned char *s, size_t len);

#endif
