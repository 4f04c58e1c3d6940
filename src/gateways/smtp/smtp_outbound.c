/* The outbound queue's senders: threads that claim due entries and
 * make one attempt on each. They sleep until the next entry is due or
 * the bus says a submission changed (a new one goes out at once). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/smtp/smtp_outbound_private.h"

/* The longest sleep with nothing due: a guard against a missed wake. */
#define SMTP_OUTBOUND_IDLE 60
/* After a store failure the senders pause this long. */
#define SMTP_OUTBOUND_ERROR_PAUSE 5

static void smtp_outbound_wake(struct smtp_outbound *ob)
{
	pthread_mutex_lock(&ob->lock);
	ob->wakes++;
	pthread_cond_broadcast(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
}

static void smtp_outbound_bus(const struct bus_event *event, void *context)
{
	if ((event->types & jmap_outbound_bus_types()) != 0)
		smtp_outbound_wake(context);
}

bool smtp_outbound_stopping(struct smtp_outbound *ob)
{
	bool stopping;

	pthread_mutex_lock(&ob->lock);
	stopping = ob->stopping;
	pthread_mutex_unlock(&ob->lock);
	return stopping;
}

/* One claim: 1 an attempt was made, 0 nothing due, -1 store trouble. */
static int smtp_outbound_work(struct smtp_outbound *ob)
{
	struct jmap_outbound_msg msg;
	const char *error;
	int ret = jmap_outbound_claim(ob->jmap, time(NULL), &msg, &error);

	if (ret < 0)
		log_error("queue.claim", "error=%s", log_q(error));
	if (ret <= 0)
		return ret;
	smtp_outbound_attempt(ob, &msg);
	jmap_outbound_msg_clear(&msg);
	return 1;
}

/* When to look again with nothing to do now. */
static time_t smtp_outbound_next_look(struct smtp_outbound *ob, int worked)
{
	time_t now = time(NULL), at, limit = now + SMTP_OUTBOUND_IDLE;

	if (worked < 0)
		return now + SMTP_OUTBOUND_ERROR_PAUSE;
	if (jmap_outbound_next_due(ob->jmap, &at) > 0 && at < limit)
		return at;
	return limit;
}

static void *smtp_outbound_main(void *context)
{
	struct smtp_outbound *ob = context;

	pthread_mutex_lock(&ob->lock);
	while (!ob->stopping) {
		uint64_t wakes = ob->wakes;
		struct timespec until = { 0, 0 };
		int worked;

		pthread_mutex_unlock(&ob->lock);
		if ((worked = smtp_outbound_work(ob)) > 0) {
			pthread_mutex_lock(&ob->lock);
			continue;
		}
		until.tv_sec = smtp_outbound_next_look(ob, worked);
		pthread_mutex_lock(&ob->lock);
		while (!ob->stopping && ob->wakes == wakes &&
		       pthread_cond_timedwait(&ob->cond, &ob->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

static SSL_CTX *smtp_outbound_tls_new(bool verify)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (verify) {
		SSL_CTX_set_default_verify_paths(ctx);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

static int smtp_outbound_threads_start(struct smtp_outbound *ob, const char **error_r)
{
	/* no thread holds the queue: entries wait for a start with senders */
	ob->threads = xcalloc(ob->set.threads + 1, sizeof(*ob->threads));
	for (unsigned i = 0; i < ob->set.threads; i++) {
		if (pthread_create(&ob->threads[i], NULL, smtp_outbound_main, ob) != 0) {
			*error_r = "cannot start the outbound queue's sender threads";
			return -1;
		}
		ob->thread_count++;
	}
	return 0;
}

int smtp_outbound_start(struct jmap_server *jmap, struct directory *dir, struct dns *dns,
			struct smtp_deliver *deliver, const struct config *cfg,
			struct smtp_outbound **ob_r, const char **error_r)
{
	struct smtp_outbound *ob = xcalloc(1, sizeof(*ob));

	*ob_r = ob;
	ob->jmap = jmap;
	ob->dir = dir;
	ob->dns = dns;
	ob->deliver = deliver;
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->cond, NULL);
	if (smtp_outbound_settings_read(cfg, &ob->set, error_r) < 0)
		return -1;
	if ((ob->tls = smtp_outbound_tls_new(ob->set.require_tls)) == NULL) {
		*error_r = "cannot make a TLS context for the outbound queue";
		return -1;
	}
	if (jmap_outbound_reset(jmap, error_r) < 0)
		return -1;
	ob->sub = bus_subscribe(0, smtp_outbound_bus, ob);
	if (smtp_outbound_threads_start(ob, error_r) < 0)
		return -1;
	log_info("queue.start", "threads=%u next_hop=%s", ob->set.threads,
		 log_q(ob->set.next_hop != NULL ? ob->set.next_hop : "-"));
	return 0;
}

void smtp_outbound_stop(struct smtp_outbound **obp)
{
	struct smtp_outbound *ob = *obp;

	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->stopping = true;
	pthread_cond_broadcast(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
	for (size_t i = 0; i < ob->thread_count; i++)
		pthread_join(ob->threads[i], NULL);
	if (ob->sub != NULL)
		bus_unsubscribe(&ob->sub);
	free(ob->threads);
	if (ob->tls != NULL)
		SSL_CTX_free(ob->tls);
	smtp_outbound_settings_clear(&ob->set);
	pthread_cond_destroy(&ob->cond);
	pthread_mutex_destroy(&ob->lock);
	free(ob);
	*obp = NULL;
}
