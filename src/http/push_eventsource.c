/* The JMAP event source (RFC 8620 §7.3): a text/event-stream response
 * whose connection is suspended while there is nothing to send, and
 * resumed by the push hub when a followed type changes or a ping is
 * due. No thread waits on it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/http_private.h"
#include "http/push_private.h"
#include "jmap/push.h"

/* §7.3 lets the server clamp the ping interval (to no more than 30 at
 * the low end, no less than 300 at the high end). */
#define PUSH_ES_PING_MIN 1
#define PUSH_ES_PING_MAX 3600
/* With no ping asked for (or a long one), a comment line this often
 * finds clients that are gone: a suspended connection cannot notice. */
#define PUSH_ES_KEEPALIVE_MS 30000
#define PUSH_ES_BLOCK_SIZE 4096
#define PUSH_ES_PING_DIGITS 9

struct push_es {
	/* first, so that the hub's client is the stream */
	struct push_client client;
	struct http_server *srv;
	struct MHD_Connection *conn;
	unsigned int ping_s;
	bool close_after_state;
	/* under the hub lock */
	bool suspended;
	/* the reader's own */
	bool ended;
	bool catch_up;
	uint64_t since;
	int64_t last_event_ms, last_write_ms;
	struct strbuf out;
	size_t out_pos;
};

struct push_es_params {
	uint64_t types;
	bool close_after_state;
	unsigned int ping_s;
};

/* Runs with the hub locked, on the publisher's or the timer's thread. */
static void push_es_wake(struct push_client *client)
{
	struct push_es *es = (struct push_es *)client;

	if (es->suspended) {
		es->suspended = false;
		MHD_resume_connection(es->conn);
	}
}

static int64_t push_es_next_due(const struct push_es *es)
{
	int64_t due = es->last_write_ms + PUSH_ES_KEEPALIVE_MS;

	if (es->ping_s > 0 && es->last_event_ms + (int64_t)es->ping_s * 1000 < due)
		due = es->last_event_ms + (int64_t)es->ping_s * 1000;
	return due;
}

/* The id of a state event is the push state, so that a client coming
 * back with Last-Event-ID is told what it missed. */
static void push_es_state_event(struct push_es *es, uint64_t types, int64_t now)
{
	struct jmap_server *jmap = es->srv->jmap;
	char push_state[JMAP_PUSH_STATE_SIZE];
	uint64_t since = es->catch_up ? es->since : 0;
	json_object *change;

	if (es->catch_up)
		types = es->client.types;
	es->catch_up = false;
	change = jmap_push_state_change(jmap, es->client.account_id, types, since, false,
					push_state);
	if (change == NULL)
		return;
	strbuf_printf(&es->out, "event: state\nid: %s\ndata: %s\n\n", push_state,
		      json_object_to_json_string_ext(change, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(change);
	es->last_event_ms = es->last_write_ms = now;
	if (es->close_after_state)
		es->ended = true;
}

static void push_es_compose(struct push_es *es, uint64_t types, int64_t now)
{
	if (types != 0 || es->catch_up) {
		push_es_state_event(es, types, now);
		if (es->out.len > 0)
			return;
	}
	if (es->ping_s > 0 && now >= es->last_event_ms + (int64_t)es->ping_s * 1000) {
		strbuf_printf(&es->out, "event: ping\ndata: {\"interval\":%u}\n\n", es->ping_s);
		es->last_event_ms = es->last_write_ms = now;
	} else if (now >= es->last_write_ms + PUSH_ES_KEEPALIVE_MS) {
		strbuf_puts(&es->out, ":\n\n");
		es->last_write_ms = now;
	}
}

/* A suspended connection cannot see its client leave, so every wake
 * looks: an end of stream or an error on the socket means it left. A
 * TLS client's close_notify reads as data and is seen only when a write
 * fails. */
static bool push_es_client_gone(struct push_es *es)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(es->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	char c;
	ssize_t n;

	if (info == NULL)
		return false;
	n = recv(info->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Fills es->out. Returns 1 with something to send, 0 after suspending
 * the connection (the hub resumes it), -1 when the stream ends. */
static int push_es_fill(struct push_es *es)
{
	struct push_hub *hub = es->srv->push_hub;

	if (push_es_client_gone(es))
		return -1;
	for (;;) {
		int64_t now;
		uint64_t types;

		push_hub_lock(hub);
		if (push_hub_stopping(hub)) {
			push_hub_unlock(hub);
			return -1;
		}
		types = push_hub_take(&es->client);
		now = time_mono_ms();
		if (types == 0 && !es->catch_up && now < push_es_next_due(es)) {
			push_hub_set_deadline(hub, &es->client, push_es_next_due(es));
			es->suspended = true;
			MHD_suspend_connection(es->conn);
			push_hub_unlock(hub);
			return 0;
		}
		push_hub_unlock(hub);
		push_es_compose(es, types, now);
		if (es->out.len > 0)
			return 1;
	}
}

static ssize_t push_es_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct push_es *es = cls;
	size_t n;

	(void)pos;
	if (es->out_pos == es->out.len) {
		int ret;

		if (es->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		strbuf_reset(&es->out);
		es->out_pos = 0;
		if ((ret = push_es_fill(es)) <= 0)
			return ret == 0 ? 0 : MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = es->out.len - es->out_pos;
	if (n > max)
		n = max;
	memcpy(buf, es->out.s + es->out_pos, n);
	es->out_pos += n;
	return (ssize_t)n;
}

static void push_es_free(void *cls)
{
	struct push_es *es = cls;

	push_hub_detach(es->srv->push_hub, &es->client);
	log_debug("push.eventsource.end", "account=%u", es->client.account_id);
	strbuf_free(&es->out);
	free(es);
}

static int push_es_ping_parse(const char *s, unsigned int *ping_r)
{
	size_t len = strlen(s);
	unsigned long v;

	if (len == 0 || len > PUSH_ES_PING_DIGITS || strspn(s, "0123456789") != len)
		return -1;
	v = strtoul(s, NULL, 10);
	if (v != 0 && v < PUSH_ES_PING_MIN)
		v = PUSH_ES_PING_MIN;
	*ping_r = v > PUSH_ES_PING_MAX ? PUSH_ES_PING_MAX : (unsigned int)v;
	return 0;
}

static int push_es_closeafter_parse(const char *s, bool *close_after_state_r)
{
	if (strcmp(s, "state") != 0 && strcmp(s, "no") != 0)
		return -1;
	*close_after_state_r = strcmp(s, "state") == 0;
	return 0;
}

/* The URL's variables; an absent one takes its mildest value. Returns
 * NULL, or why the query is bad. */
static const char *push_es_params_parse(const char *query, struct push_es_params *p)
{
	json_object *params = http_query_parse(query), *v;
	const char *why = NULL;

	p->types = jmap_push_types_all();
	p->close_after_state = false;
	p->ping_s = 0;
	if (params == NULL)
		return "the query string is malformed";
	if (json_object_object_get_ex(params, "types", &v) &&
	    jmap_push_types_parse(json_object_get_string(v), &p->types) < 0)
		why = "types must be \"*\" or a comma-separated list of type names";
	else if (json_object_object_get_ex(params, "closeafter", &v) &&
		 push_es_closeafter_parse(json_object_get_string(v), &p->close_after_state) < 0)
		why = "closeafter must be \"state\" or \"no\"";
	else if (json_object_object_get_ex(params, "ping", &v) &&
		 push_es_ping_parse(json_object_get_string(v), &p->ping_s) < 0)
		why = "ping must be a number of seconds";
	json_object_put(params);
	return why;
}

static struct push_es *push_es_new(struct http_request *req, const struct push_es_params *p)
{
	struct push_es *es = xcalloc(1, sizeof(*es));
	const char *last_id = http_request_header(req, "Last-Event-ID");

	es->srv = req->daemon->srv;
	es->conn = req->conn;
	es->client.account_id = req->user.account_id;
	es->client.wake = push_es_wake;
	es->client.types = p->types;
	es->ping_s = p->ping_s;
	es->close_after_state = p->close_after_state;
	es->last_event_ms = es->last_write_ms = time_mono_ms();
	/* §7.3: a client coming back is sent what it missed at once */
	if (last_id != NULL) {
		es->catch_up = true;
		if (jmap_push_state_parse(last_id, &es->since) < 0)
			es->since = 0;
	}
	return es;
}

void http_push_refuse(struct http_request *req, const char *why)
{
	struct MHD_Response *resp = http_error_response(req, MHD_HTTP_TOO_MANY_REQUESTS, why);

	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "30");
	http_respond(req, MHD_HTTP_TOO_MANY_REQUESTS, resp);
}

static void push_es_respond(struct http_request *req, struct push_es *es)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
		PUSH_ES_BLOCK_SIZE, push_es_read, es, push_es_free);

	if (resp == NULL) {
		push_es_free(es);
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot start the stream");
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* proxies that buffer would hold the events back */
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	http_respond(req, MHD_HTTP_OK, resp);
}

void http_push_eventsource_finish(struct http_request *req)
{
	struct push_es_params params;
	const char *why = push_es_params_parse(req->query, &params);
	struct push_es *es;

	if (why != NULL) {
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, why);
		return;
	}
	es = push_es_new(req, &params);
	if (push_hub_attach(req->daemon->srv->push_hub, &es->client, &why) < 0) {
		free(es);
		http_push_refuse(req, why);
		return;
	}
	log_debug("push.eventsource.start", "account=%u ping=%u closeafter=%s",
		  es->client.account_id, es->ping_s, es->close_after_state ? "state" : "no");
	push_es_respond(req, es);
}
