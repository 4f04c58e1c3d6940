/* The WebSocket side of push: one epoll thread owns every upgraded
 * socket; a few workers run the JMAP requests, so that a slow request
 * holds up only its own connection. The threads meet in queues under
 * one lock, and an eventfd wakes the loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/http_private.h"
#include "http/push_ws.h"

#define PUSH_WS_EVENTS 64
#define PUSH_WS_TICK_MS 1000

void push_ws_signal(struct push_ws *ws)
{
	uint64_t one = 1;

	(void)!write(ws->event_fd, &one, sizeof(one));
}

/* Runs with the hub locked, on the publisher's or the timer's thread. */
static void push_ws_wake(struct push_client *client)
{
	struct push_ws_conn *conn = (struct push_ws_conn *)client;
	struct push_ws *ws = conn->ws;
	bool queued;

	pthread_mutex_lock(&ws->lock);
	queued = !conn->wake_queued;
	if (queued) {
		conn->wake_queued = true;
		conn->ready_prev = NULL;
		conn->ready_next = ws->ready;
		if (ws->ready != NULL)
			ws->ready->ready_prev = conn;
		ws->ready = conn;
	}
	pthread_mutex_unlock(&ws->lock);
	if (queued)
		push_ws_signal(ws);
}

static void push_ws_ready_unlink_locked(struct push_ws *ws, struct push_ws_conn *conn)
{
	if (!conn->wake_queued)
		return;
	conn->wake_queued = false;
	if (conn->ready_prev != NULL)
		conn->ready_prev->ready_next = conn->ready_next;
	else
		ws->ready = conn->ready_next;
	if (conn->ready_next != NULL)
		conn->ready_next->ready_prev = conn->ready_prev;
}

void push_ws_ready_unlink(struct push_ws *ws, struct push_ws_conn *conn)
{
	pthread_mutex_lock(&ws->lock);
	push_ws_ready_unlink_locked(ws, conn);
	pthread_mutex_unlock(&ws->lock);
}

void push_ws_adopt(struct push_ws *ws, const struct directory_identity *user, MHD_socket fd,
		   struct MHD_UpgradeResponseHandle *urh, const char *extra, size_t extra_len)
{
	struct push_ws_conn *conn = push_ws_conn_new(ws, user, fd, urh, extra, extra_len);
	struct push_hub *hub = ws->srv->push_hub;
	const char *why;

	conn->client.wake = push_ws_wake;
	if (push_hub_attach(hub, &conn->client, &why) < 0) {
		push_ws_conn_refuse(conn, WS_CLOSE_TRY_LATER, why);
		return;
	}
	pthread_mutex_lock(&ws->lock);
	if (ws->stopping) {
		pthread_mutex_unlock(&ws->lock);
		push_hub_detach(hub, &conn->client);
		push_ws_conn_refuse(conn, WS_CLOSE_GOING_AWAY, "server shutting down");
		return;
	}
	conn->next = ws->incoming;
	ws->incoming = conn;
	pthread_mutex_unlock(&ws->lock);
	push_ws_signal(ws);
}

void push_ws_submit(struct push_ws *ws, struct push_ws_job *job)
{
	pthread_mutex_lock(&ws->lock);
	if (ws->jobs_tail != NULL)
		ws->jobs_tail->next = job;
	else
		ws->jobs = job;
	ws->jobs_tail = job;
	pthread_cond_signal(&ws->jobs_cond);
	pthread_mutex_unlock(&ws->lock);
}

/* ---- the workers ---- */

static void push_ws_job_run(struct push_ws *ws, struct push_ws_job *job)
{
	json_object *reply = jmap_ws_message(ws->srv->jmap, &job->conn->user, job->text,
					     job->len, &job->push);

	free(job->text);
	job->text = NULL;
	if (reply != NULL) {
		const char *text = json_object_to_json_string_length(reply,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &job->reply_len);

		job->reply = xstrndup(text, job->reply_len);
		json_object_put(reply);
	}
}

static void *push_ws_worker_main(void *context)
{
	struct push_ws *ws = context;

	pthread_mutex_lock(&ws->lock);
	for (;;) {
		struct push_ws_job *job;

		while (!ws->stopping && ws->jobs == NULL)
			pthread_cond_wait(&ws->jobs_cond, &ws->lock);
		if (ws->stopping)
			break;
		job = ws->jobs;
		if ((ws->jobs = job->next) == NULL)
			ws->jobs_tail = NULL;
		job->next = NULL;
		pthread_mutex_unlock(&ws->lock);
		push_ws_job_run(ws, job);
		pthread_mutex_lock(&ws->lock);
		if (ws->done_tail != NULL)
			ws->done_tail->next = job;
		else
			ws->done = job;
		ws->done_tail = job;
		push_ws_signal(ws);
	}
	pthread_mutex_unlock(&ws->lock);
	return NULL;
}

/* ---- the loop ---- */

static void push_ws_job_free(struct push_ws_job **_job)
{
	struct push_ws_job *job = *_job;

	*_job = NULL;
	free(job->text);
	free(job->reply);
	free(job);
}

static void push_ws_take_queues(struct push_ws *ws, struct push_ws_conn **incoming_r,
				struct push_ws_job **done_r, bool *exit_r)
{
	pthread_mutex_lock(&ws->lock);
	*incoming_r = ws->incoming;
	ws->incoming = NULL;
	*done_r = ws->done;
	ws->done = ws->done_tail = NULL;
	*exit_r = ws->loop_exit;
	pthread_mutex_unlock(&ws->lock);
}

/* Connections that the hub woke, one at a time: handling one can only
 * end that one. */
static void push_ws_serve_ready(struct push_ws *ws)
{
	for (;;) {
		struct push_ws_conn *conn;

		pthread_mutex_lock(&ws->lock);
		if ((conn = ws->ready) != NULL)
			push_ws_ready_unlink_locked(ws, conn);
		pthread_mutex_unlock(&ws->lock);
		if (conn == NULL)
			return;
		push_ws_conn_woken(conn);
	}
}

static bool push_ws_serve_queues(struct push_ws *ws)
{
	struct push_ws_conn *incoming, *next_conn;
	struct push_ws_job *done, *next_job;
	bool exit_now;

	push_ws_take_queues(ws, &incoming, &done, &exit_now);
	for (; incoming != NULL; incoming = next_conn) {
		next_conn = incoming->next;
		incoming->next = NULL;
		push_ws_conn_start(incoming);
	}
	for (; done != NULL; done = next_job) {
		next_job = done->next;
		push_ws_conn_done(done->conn, done);
		push_ws_job_free(&done);
	}
	push_ws_serve_ready(ws);
	return !exit_now;
}

static void push_ws_tick(struct push_ws *ws, int64_t now)
{
	struct push_ws_conn *conn, *next;

	for (conn = ws->conns; conn != NULL; conn = next) {
		next = conn->next;
		push_ws_conn_tick(conn, now);
	}
}

static void push_ws_drain_eventfd(struct push_ws *ws)
{
	uint64_t count;

	(void)!read(ws->event_fd, &count, sizeof(count));
}

/* The workers have stopped: what they did not finish ends here. */
static void push_ws_loop_finish(struct push_ws *ws)
{
	struct push_ws_job *job, *next;

	push_ws_serve_queues(ws);
	for (job = ws->jobs; job != NULL; job = next) {
		next = job->next;
		job->conn->busy = false;
		if (job->conn->ended)
			push_ws_conn_free(&job->conn);
		push_ws_job_free(&job);
	}
	ws->jobs = ws->jobs_tail = NULL;
	while (ws->conns != NULL)
		push_ws_conn_shutdown(ws->conns);
}

static void *push_ws_loop_main(void *context)
{
	struct push_ws *ws = context;
	struct epoll_event events[PUSH_WS_EVENTS];
	int64_t last_tick = time_mono_ms();

	for (;;) {
		int n = epoll_wait(ws->epoll_fd, events, PUSH_WS_EVENTS, PUSH_WS_TICK_MS);
		int64_t now;

		if (n < 0 && errno != EINTR) {
			log_error("push.websocket", "error=%s", log_q(strerror(errno)));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == NULL)
				push_ws_drain_eventfd(ws);
			else
				push_ws_conn_event(events[i].data.ptr, events[i].events);
		}
		if (!push_ws_serve_queues(ws))
			break;
		now = time_mono_ms();
		if (now - last_tick >= PUSH_WS_TICK_MS) {
			last_tick = now;
			push_ws_tick(ws, now);
		}
	}
	push_ws_loop_finish(ws);
	return NULL;
}

/* ---- start and stop ---- */

static int push_ws_fds_open(struct push_ws *ws, const char **error_r)
{
	struct epoll_event ev;

	ws->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	ws->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ws->epoll_fd < 0 || ws->event_fd < 0) {
		*error_r = "cannot create the WebSocket event loop";
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ws->epoll_fd, EPOLL_CTL_ADD, ws->event_fd, &ev) < 0) {
		*error_r = "cannot watch the WebSocket wake-up channel";
		return -1;
	}
	return 0;
}

void push_ws_free(struct push_ws **_ws)
{
	struct push_ws *ws = *_ws;

	if (ws == NULL)
		return;
	*_ws = NULL;
	if (ws->epoll_fd >= 0)
		close(ws->epoll_fd);
	if (ws->event_fd >= 0)
		close(ws->event_fd);
	pthread_cond_destroy(&ws->jobs_cond);
	pthread_mutex_destroy(&ws->lock);
	free(ws);
}

int push_ws_start(struct http_server *srv, size_t max_message, struct push_ws **ws_r,
		  const char **error_r)
{
	struct push_ws *ws = xcalloc(1, sizeof(*ws));

	ws->srv = srv;
	ws->max_message = max_message;
	ws->epoll_fd = ws->event_fd = -1;
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->jobs_cond, NULL);
	if (push_ws_fds_open(ws, error_r) < 0) {
		push_ws_free(&ws);
		return -1;
	}
	if (pthread_create(&ws->loop, NULL, push_ws_loop_main, ws) != 0) {
		*error_r = "cannot start the WebSocket thread";
		push_ws_free(&ws);
		return -1;
	}
	ws->loop_started = true;
	for (unsigned int i = 0; i < PUSH_WS_WORKERS; i++) {
		if (pthread_create(&ws->workers[i], NULL, push_ws_worker_main, ws) != 0)
			break;
		ws->worker_count++;
	}
	if (ws->worker_count == 0) {
		*error_r = "cannot start the WebSocket workers";
		push_ws_stop(ws);
		push_ws_free(&ws);
		return -1;
	}
	*ws_r = ws;
	return 0;
}

void push_ws_stop(struct push_ws *ws)
{
	if (ws == NULL || ws->loop_exit)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->stopping = true;
	pthread_cond_broadcast(&ws->jobs_cond);
	pthread_mutex_unlock(&ws->lock);
	for (unsigned int i = 0; i < ws->worker_count; i++)
		pthread_join(ws->workers[i], NULL);
	pthread_mutex_lock(&ws->lock);
	ws->loop_exit = true;
	pthread_mutex_unlock(&ws->lock);
	push_ws_signal(ws);
	if (ws->loop_started)
		pthread_join(ws->loop, NULL);
	ws->loop_started = false;
}
