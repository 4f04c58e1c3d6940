/* Push: the WebSocket frame parser and writer (whole, split, byte at a
 * time, and every protocol error), the push hub (limits, bus events,
 * deadlines, stop), StateChange objects over a real store, and the
 * RFC 8887 messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/bus.h"
#include "core/config.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "http/push_private.h"
#include "http/websocket_frame.h"
#include "jmap/jmap.h"
#include "jmap/push.h"
#include "store/store.h"

static const unsigned char test_mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* A client frame: b0 is FIN, RSV and opcode; len_form forces the
 * length encoding (0: shortest, 126: 16 bits, 127: 64 bits). */
static void client_frame_ext(struct strbuf *out, unsigned char b0, const void *payload,
			     size_t len, bool masked, unsigned int len_form)
{
	unsigned char head[14], *body;
	size_t n = 2;

	head[0] = b0;
	if (len_form == 0)
		len_form = len < 126 ? 0 : len <= 0xffff ? 126 : 127;
	if (len_form == 0) {
		head[1] = (unsigned char)len;
	} else if (len_form == 126) {
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
	if (masked) {
		head[1] |= 0x80;
		memcpy(head + n, test_mask, 4);
		n += 4;
	}
	strbuf_append(out, head, n);
	body = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		body[i] = ((const unsigned char *)payload)[i] ^ (masked ? test_mask[i & 3] : 0);
	strbuf_append(out, body, len);
	free(body);
}

static void client_frame(struct strbuf *out, unsigned char b0, const char *payload)
{
	client_frame_ext(out, b0, payload, strlen(payload), true, 0);
}

/* Feeds all of data, step bytes at a time; returns the result of the
 * first call that is not WS_MORE (or WS_MORE), with the message. */
static enum ws_result feed_steps(struct ws_parser *p, const struct strbuf *data, size_t step,
				 size_t *pos, struct ws_message *msg, const char **why)
{
	while (*pos < data->len) {
		size_t n = data->len - *pos < step ? data->len - *pos : step, used;
		enum ws_result ret = ws_parser_feed(p, data->s + *pos, n, &used, msg, why);

		*pos += used;
		if (ret != WS_MORE)
			return ret;
		assert_int_equal(used, n);
	}
	return WS_MORE;
}

static void assert_messages(const struct strbuf *data, size_t step, const char *const *want,
			    const enum ws_opcode *ops, size_t count)
{
	struct ws_parser p;
	struct ws_message msg;
	const char *why;
	size_t pos = 0;

	ws_parser_init(&p, 1 << 20);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(feed_steps(&p, data, step, &pos, &msg, &why), WS_MESSAGE);
		assert_int_equal(msg.opcode, ops[i]);
		assert_int_equal(msg.len, strlen(want[i]));
		assert_memory_equal(msg.data, want[i], msg.len);
	}
	assert_int_equal(feed_steps(&p, data, step, &pos, &msg, &why), WS_MORE);
	assert_int_equal(pos, data->len);
	ws_parser_clear(&p);
}

static void test_frames_parse(void **state)
{
	static const char *const want[] = { "hello", "", "ping!", "fragmented message", "pong" };
	static const enum ws_opcode ops[] = { WS_OP_TEXT, WS_OP_BINARY, WS_OP_PING, WS_OP_TEXT,
					      WS_OP_PONG };
	struct strbuf data = { 0 };

	client_frame(&data, 0x81, "hello");
	client_frame(&data, 0x82, "");
	client_frame(&data, 0x01, "fragmented");
	client_frame(&data, 0x89, "ping!");	/* a control frame between fragments */
	client_frame(&data, 0x00, " ");
	client_frame(&data, 0x80, "message");
	client_frame(&data, 0x8a, "pong");
	for (size_t step = 1; step <= data.len; step = step < 8 ? step + 1 : step * 3)
		assert_messages(&data, step, want, ops, 5);
	strbuf_free(&data);
}

static void test_frames_lengths(void **state)
{
	static const size_t sizes[] = { 125, 126, 65535, 65536, 200000 };
	char *payload = malloc(200000);

	for (size_t i = 0; i < 200000; i++)
		payload[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (unsigned int form = 0; form <= 127; form += form == 0 ? 126 : 1) {
			struct strbuf data = { 0 };
			struct ws_parser p;
			struct ws_message msg;
			const char *why;
			size_t pos = 0;

			if (form == 126 && sizes[i] > 0xffff)
				continue;
			client_frame_ext(&data, 0x81, payload, sizes[i], true, form);
			ws_parser_init(&p, 1 << 20);
			assert_int_equal(feed_steps(&p, &data, 4000, &pos, &msg, &why), WS_MESSAGE);
			assert_int_equal(msg.len, sizes[i]);
			assert_memory_equal(msg.data, payload, sizes[i]);
			ws_parser_clear(&p);
			strbuf_free(&data);
		}
	}
	free(payload);
}

static void assert_fails(const struct strbuf *data, size_t max, uint16_t code)
{
	for (size_t step = 1; step <= data->len; step = step * 2 + 1) {
		struct ws_parser p;
		struct ws_message msg;
		const char *why = NULL;
		size_t pos = 0;
		enum ws_result ret;

		ws_parser_init(&p, max);
		do {
			ret = feed_steps(&p, data, step, &pos, &msg, &why);
		} while (ret == WS_MESSAGE);
		assert_int_equal(ret, WS_ERROR);
		assert_int_equal(p.close_code, code);
		assert_non_null(why);
		ws_parser_clear(&p);
	}
}

static void test_frames_errors(void **state)
{
	char big[200];
	struct strbuf d = { 0 };

	memset(big, 'x', sizeof(big));
	client_frame_ext(&d, 0x81, "abc", 3, false, 0);		/* not masked */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0xc1, "abc");					/* RSV1 */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x83, "abc");					/* opcode 3 */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x09, "abc");					/* ping not FIN */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame_ext(&d, 0x89, big, 126, true, 0);			/* ping too long */
	assert_fails(&d, 1000, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x80, "abc");					/* stray continuation */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x01, "abc");
	client_frame(&d, 0x81, "def");					/* text inside text */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame_ext(&d, 0x81, big, 101, true, 0);			/* one frame too big */
	assert_fails(&d, 100, WS_CLOSE_TOO_BIG);
	strbuf_reset(&d);
	client_frame_ext(&d, 0x01, big, 60, true, 0);
	client_frame_ext(&d, 0x80, big, 60, true, 0);			/* fragments too big */
	assert_fails(&d, 100, WS_CLOSE_TOO_BIG);
	strbuf_reset(&d);
	strbuf_append(&d, "\x81\xff\x80\x00\x00\x00\x00\x00\x00\x01", 10); /* length MSB */
	strbuf_append(&d, test_mask, 4);
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x81, "caf\xc3");				/* cut UTF-8 */
	assert_fails(&d, 100, WS_CLOSE_INVALID_DATA);
	strbuf_reset(&d);
	client_frame(&d, 0x88, "\x03");					/* 1-byte close */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x88, "\x03\xed");				/* close 1005 */
	assert_fails(&d, 100, WS_CLOSE_PROTOCOL_ERROR);
	strbuf_reset(&d);
	client_frame(&d, 0x88, "\x03\xe8\xff");				/* bad reason */
	assert_fails(&d, 100, WS_CLOSE_INVALID_DATA);
	strbuf_free(&d);
}

static void test_frames_close_and_take(void **state)
{
	struct strbuf d = { 0 };
	struct ws_parser p;
	struct ws_message msg;
	const char *why;
	size_t used, len;
	char *text;

	client_frame(&d, 0x81, "{\"a\":1}");
	client_frame(&d, 0x88, "\x0f\xa0" "bye");	/* 4000 */
	client_frame(&d, 0x88, "");
	ws_parser_init(&p, 100);
	assert_int_equal(ws_parser_feed(&p, d.s, d.len, &used, &msg, &why), WS_MESSAGE);
	text = ws_parser_take_message(&p, &len);
	assert_string_equal(text, "{\"a\":1}");
	assert_int_equal(len, 7);
	free(text);
	assert_int_equal(ws_parser_feed(&p, d.s + used, d.len - used, &len, &msg, &why),
			 WS_MESSAGE);
	used += len;
	assert_int_equal(msg.opcode, WS_OP_CLOSE);
	assert_int_equal(msg.close_code, 4000);
	assert_int_equal(msg.len, 3);
	assert_memory_equal(msg.data, "bye", 3);
	assert_int_equal(ws_parser_feed(&p, d.s + used, d.len - used, &len, &msg, &why),
			 WS_MESSAGE);
	assert_int_equal(msg.close_code, WS_CLOSE_NO_STATUS);
	ws_parser_clear(&p);
	strbuf_free(&d);
}

static void test_frames_write(void **state)
{
	static const size_t sizes[] = { 0, 125, 126, 65535, 65536 };
	char *payload = calloc(1, 65536);
	struct strbuf out = { 0 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t head = sizes[i] < 126 ? 2 : sizes[i] <= 0xffff ? 4 : 10;

		strbuf_reset(&out);
		ws_frame_append(&out, WS_OP_TEXT, payload, sizes[i]);
		assert_int_equal(out.len, head + sizes[i]);
		assert_int_equal((unsigned char)out.s[0], 0x81);
		assert_int_equal((unsigned char)out.s[1] & 0x80, 0);	/* server: unmasked */
	}
	strbuf_reset(&out);
	ws_frame_append_close(&out, 1001, "going");
	assert_int_equal(out.len, 2 + 2 + 5);
	assert_memory_equal(out.s, "\x88\x07\x03\xe9going", 9);
	strbuf_free(&out);
	free(payload);
}

static void test_utf8(void **state)
{
	static const char *const good[] = { "", "ascii", "\xc3\xa9", "\xe2\x82\xac",
					    "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf" };
	static const char *const bad[] = { "\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
					   "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
					   "\xe2\x82", "\xe2\x28\xac", "\xff" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ws_utf8_valid((const unsigned char *)good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ws_utf8_valid((const unsigned char *)bad[i], strlen(bad[i])));
}

/* ---- the hub ---- */

struct test_client {
	struct push_client client;
	int wakes;
};

static void test_client_wake(struct push_client *client)
{
	((struct test_client *)client)->wakes++;
}

static void test_client_init(struct test_client *c, uint32_t account, uint64_t types)
{
	memset(c, 0, sizeof(*c));
	c->client.account_id = account;
	c->client.types = types;
	c->client.wake = test_client_wake;
}

static int test_client_wakes(struct push_hub *hub, struct test_client *c)
{
	int n;

	push_hub_lock(hub);
	n = c->wakes;
	push_hub_unlock(hub);
	return n;
}

static void test_hub_limits(void **state)
{
	struct push_hub *hub = push_hub_new(3, 2);
	struct test_client c[4];
	const char *why;

	test_client_init(&c[0], 7, 1);
	test_client_init(&c[1], 7, 1);
	test_client_init(&c[2], 7, 1);
	test_client_init(&c[3], 8, 1);
	assert_int_equal(push_hub_attach(hub, &c[0].client, &why), 0);
	assert_int_equal(push_hub_attach(hub, &c[1].client, &why), 0);
	assert_false(push_hub_has_room(hub, 7));
	assert_int_equal(push_hub_attach(hub, &c[2].client, &why), -1);
	assert_non_null(strstr(why, "user"));
	/* each refusal of the user wakes its clients: are they still there? */
	assert_int_equal(c[0].wakes, 2);
	assert_int_equal(c[1].wakes, 2);
	assert_int_equal(push_hub_attach(hub, &c[3].client, &why), 0);
	assert_false(push_hub_has_room(hub, 9));
	push_hub_detach(hub, &c[0].client);
	assert_int_equal(push_hub_attach(hub, &c[2].client, &why), 0);
	push_hub_stop(hub);
	assert_true(c[1].wakes == 3 && c[2].wakes == 1 && c[3].wakes == 1);
	assert_int_equal(push_hub_attach(hub, &c[0].client, &why), -1);
	push_hub_detach(hub, &c[1].client);
	push_hub_detach(hub, &c[2].client);
	push_hub_detach(hub, &c[3].client);
	push_hub_free(&hub);
	assert_null(hub);
}

static void test_hub_events(void **state)
{
	struct push_hub *hub = push_hub_new(10, 10);
	struct test_client a, b, other;
	struct bus_event ev = { .account_id = 1000001, .types = 0x5, .modseq = 9 };
	const char *why;

	test_client_init(&a, 1000001, 0x1);
	test_client_init(&b, 1000001, 0x2);
	test_client_init(&other, 1000001 + 256, 0x7);	/* same bucket */
	assert_int_equal(push_hub_attach(hub, &a.client, &why), 0);
	assert_int_equal(push_hub_attach(hub, &b.client, &why), 0);
	assert_int_equal(push_hub_attach(hub, &other.client, &why), 0);
	bus_publish(&ev);
	bus_publish(&ev);
	push_hub_lock(hub);
	assert_int_equal(a.wakes, 2);
	assert_int_equal(b.wakes, 0);
	assert_int_equal(other.wakes, 0);
	assert_int_equal(push_hub_take(&a.client), 0x1);
	assert_int_equal(push_hub_take(&a.client), 0);
	push_hub_set_types(&b.client, 0x6);
	push_hub_unlock(hub);
	bus_publish(&ev);
	push_hub_lock(hub);
	assert_int_equal(b.wakes, 1);
	assert_int_equal(push_hub_take(&b.client), 0x4);
	push_hub_unlock(hub);
	push_hub_detach(hub, &a.client);
	push_hub_detach(hub, &b.client);
	push_hub_detach(hub, &other.client);
	push_hub_free(&hub);
}

static void test_hub_deadline(void **state)
{
	struct push_hub *hub = push_hub_new(10, 10);
	struct test_client a;
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	const char *why;
	int64_t start = time_mono_ms();

	test_client_init(&a, 3, 1);
	assert_int_equal(push_hub_attach(hub, &a.client, &why), 0);
	push_hub_lock(hub);
	push_hub_set_deadline(hub, &a.client, start + 150);
	push_hub_unlock(hub);
	while (test_client_wakes(hub, &a) == 0 && time_mono_ms() - start < 5000)
		nanosleep(&pause, NULL);
	assert_int_equal(test_client_wakes(hub, &a), 1);
	assert_true(time_mono_ms() - start >= 150);
	assert_true(time_mono_ms() - start < 1000);
	push_hub_detach(hub, &a.client);
	push_hub_free(&hub);
}

/* ---- StateChange and the WebSocket messages, over a real store ---- */

struct fixture {
	char dir[256];
	struct store *store;
	struct jmap_server *srv;
	struct directory_identity user;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TERN_TEST_TMP"), *error;
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	snprintf(f->dir, sizeof(f->dir), "%s/push-XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->store, &error), 0);
	assert_int_equal(store_principal_create(f->store, &p, &error), 0);
	f->srv = jmap_server_new(f->store, NULL, NULL);
	assert_int_equal(jmap_account_provision(f->srv, p.id, &error), 0);
	f->user.principal_id = p.id;
	f->user.account_id = p.id;
	snprintf(f->user.name, sizeof(f->user.name), "alice");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[300];

	jmap_server_free(&f->srv);
	store_close(&f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_push_types(void **state)
{
	uint64_t mailbox = jmap_push_type_bit("Mailbox"), types;

	assert_int_equal(mailbox, 1ULL << STORE_TYPE_MAILBOX);
	assert_int_equal(jmap_push_type_bit("NoSuchType"), 0);
	assert_int_not_equal(jmap_push_types_all() & mailbox, 0);
	assert_int_equal(jmap_push_types_parse("*", &types), 0);
	assert_int_equal(types, jmap_push_types_all());
	assert_int_equal(jmap_push_types_parse("Mailbox,Unknown", &types), 0);
	assert_int_equal(types, mailbox);
	assert_int_equal(jmap_push_types_parse("Unknown", &types), 0);
	assert_int_equal(types, 0);
	assert_int_equal(jmap_push_types_parse("", &types), -1);
	assert_int_equal(jmap_push_types_parse("Mailbox,", &types), -1);
	assert_int_equal(jmap_push_types_parse(",Mailbox", &types), -1);
}

static const char *change_state(json_object *change, const char *type)
{
	json_object *changed, *account, *state;

	assert_true(json_object_object_get_ex(change, "changed", &changed));
	assert_true(json_object_object_get_ex(changed, "a1", &account));
	if (!json_object_object_get_ex(account, type, &state))
		return NULL;
	return json_object_get_string(state);
}

static void test_state_change(void **state)
{
	struct fixture *f = *state;
	uint64_t mailbox = jmap_push_type_bit("Mailbox"), since;
	char push_state[JMAP_PUSH_STATE_SIZE];
	json_object *change, *v;

	change = jmap_push_state_change(f->srv, 1, mailbox, 0, false, push_state);
	assert_non_null(change);
	assert_true(json_object_object_get_ex(change, "@type", &v));
	assert_string_equal(json_object_get_string(v), "StateChange");
	assert_false(json_object_object_get_ex(change, "pushState", &v));
	assert_non_null(change_state(change, "Mailbox"));
	assert_int_equal(jmap_push_state_parse(push_state, &since), 0);
	assert_int_equal(strtoull(change_state(change, "Mailbox"), NULL, 10), since);
	json_object_put(change);
	/* nothing since the push state */
	assert_null(jmap_push_state_change(f->srv, 1, mailbox, since, true, push_state));
	/* with pushState, and every type that ever changed */
	change = jmap_push_state_change(f->srv, 1, jmap_push_types_all(), since - 1, true,
					push_state);
	assert_true(json_object_object_get_ex(change, "pushState", &v));
	assert_string_equal(json_object_get_string(v), push_state);
	json_object_put(change);
	/* types with no name are not pushed */
	assert_null(jmap_push_state_change(f->srv, 1, 1ULL << 63, 0, false, push_state));
}

static json_object *ws_message(struct fixture *f, const char *text, struct jmap_ws_push *push)
{
	return jmap_ws_message(f->srv, &f->user, text, strlen(text), push);
}

static const char *member(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v))
		return NULL;
	return json_object_get_string(v);
}

static void assert_request_error(struct fixture *f, const char *text, const char *type,
				 const char *request_id)
{
	struct jmap_ws_push push;
	json_object *reply = ws_message(f, text, &push);

	assert_non_null(reply);
	assert_string_equal(member(reply, "@type"), "RequestError");
	assert_string_equal(member(reply, "type"), type);
	if (request_id != NULL)
		assert_string_equal(member(reply, "requestId"), request_id);
	else
		assert_null(member(reply, "requestId"));
	assert_int_equal(push.action, JMAP_WS_PUSH_NONE);
	json_object_put(reply);
}

static void test_ws_messages(void **state)
{
	struct fixture *f = *state;
	struct jmap_ws_push push;
	json_object *reply;

	reply = ws_message(f, "{\"@type\":\"Request\",\"id\":\"r1\",\"using\":"
			   "[\"urn:ietf:params:jmap:core\"],\"methodCalls\":"
			   "[[\"Core/echo\",{\"x\":1},\"c\"]]}", &push);
	assert_string_equal(member(reply, "@type"), "Response");
	assert_string_equal(member(reply, "requestId"), "r1");
	assert_non_null(member(reply, "methodResponses"));
	json_object_put(reply);
	assert_request_error(f, "{\"@type\":\"Request\",\"id\":\"r2\",\"using\":[]}",
			     "urn:ietf:params:jmap:error:notRequest", "r2");
	assert_request_error(f, "{\"@type\":\"Request\",\"using\":[\"urn:x\"],\"methodCalls\":[]}",
			     "urn:ietf:params:jmap:error:unknownCapability", NULL);
	assert_request_error(f, "{\"@type\":", "urn:ietf:params:jmap:error:notJSON", NULL);
	assert_request_error(f, "[1]", "urn:ietf:params:jmap:error:notRequest", NULL);
	assert_request_error(f, "{\"id\":\"r3\"}", "urn:ietf:params:jmap:error:notRequest", "r3");
	assert_request_error(f, "{\"@type\":\"Other\",\"id\":\"r4\"}",
			     "urn:ietf:params:jmap:error:notRequest", "r4");
	assert_request_error(f, "{\"@type\":\"Request\",\"id\":5}",
			     "urn:ietf:params:jmap:error:notRequest", NULL);
	assert_request_error(f, "{\"@type\":\"WebSocketPushEnable\",\"dataTypes\":\"Mailbox\"}",
			     "urn:ietf:params:jmap:error:notRequest", NULL);
	assert_request_error(f, "{\"@type\":\"WebSocketPushEnable\",\"pushState\":3}",
			     "urn:ietf:params:jmap:error:notRequest", NULL);
}

static void test_ws_push_control(void **state)
{
	struct fixture *f = *state;
	struct jmap_ws_push push;

	assert_null(ws_message(f, "{\"@type\":\"WebSocketPushEnable\",\"dataTypes\":null}", &push));
	assert_int_equal(push.action, JMAP_WS_PUSH_ENABLE);
	assert_int_equal(push.types, jmap_push_types_all());
	assert_false(push.catch_up);
	assert_null(ws_message(f, "{\"@type\":\"WebSocketPushEnable\",\"dataTypes\":"
			       "[\"Mailbox\",\"Nope\"],\"pushState\":\"42\"}", &push));
	assert_int_equal(push.types, jmap_push_type_bit("Mailbox"));
	assert_true(push.catch_up);
	assert_int_equal(push.since, 42);
	assert_null(ws_message(f, "{\"@type\":\"WebSocketPushEnable\",\"pushState\":\"x\"}",
			       &push));
	assert_true(push.catch_up);
	assert_int_equal(push.since, 0);
	assert_null(ws_message(f, "{\"@type\":\"WebSocketPushDisable\"}", &push));
	assert_int_equal(push.action, JMAP_WS_PUSH_DISABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_parse),
		cmocka_unit_test(test_frames_lengths),
		cmocka_unit_test(test_frames_errors),
		cmocka_unit_test(test_frames_close_and_take),
		cmocka_unit_test(test_frames_write),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_hub_limits),
		cmocka_unit_test(test_hub_events),
		cmocka_unit_test(test_hub_deadline),
		cmocka_unit_test(test_push_types),
		cmocka_unit_test_setup_teardown(test_state_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ws_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ws_push_control, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
