/* The outbound queue for its senders: entries as the faces see them,
 * reset at start, claim (with the check that the submission behind the
 * entry was committed), the message, and the recipients' outcomes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bus.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/outbound_private.h"

/* An entry whose submission is not visible yet is put off this long;
 * past OUTBOUND_UNCOMMITTED_MAX, its account transaction failed. */
#define OUTBOUND_UNCOMMITTED_DELAY 2
#define OUTBOUND_UNCOMMITTED_MAX 300
/* Claims that may be skipped (put off or dropped) in one call. */
#define OUTBOUND_CLAIM_TRIES 16

static const char *const outbound_status_names[] = { "queued", "yes", "no" };

uint64_t jmap_outbound_bus_types(void)
{
	return (1ULL << STORE_TYPE_EMAIL_SUBMISSION) | JMAP_OUTBOUND_BUS_TYPE;
}

const char *outbound_status_name(enum jmap_outbound_status status)
{
	return outbound_status_names[status];
}

static enum jmap_outbound_status outbound_status_parse(const char *s)
{
	for (size_t i = 0; i < 3; i++) {
		if (s != NULL && strcmp(s, outbound_status_names[i]) == 0)
			return (enum jmap_outbound_status)i;
	}
	return JMAP_OUTBOUND_QUEUED;
}

static json_object *outbound_json_parse(const char *text)
{
	return text != NULL ? json_tokener_parse(text) : NULL;
}

void jmap_outbound_msg_clear(struct jmap_outbound_msg *msg)
{
	for (size_t i = 0; i < msg->rcpt_count; i++) {
		free(msg->rcpts[i].address);
		json_object_put(msg->rcpts[i].parameters);
		free(msg->rcpts[i].reply);
	}
	free(msg->rcpts);
	free(msg->mail_from);
	json_object_put(msg->parameters);
	memset(msg, 0, sizeof(*msg));
}

void jmap_outbound_list_free(struct jmap_outbound_msg **listp, size_t count)
{
	for (size_t i = 0; *listp != NULL && i < count; i++)
		jmap_outbound_msg_clear(&(*listp)[i]);
	free(*listp);
	*listp = NULL;
}

void outbound_msg_from_entry(const struct store_queue_entry *e, struct jmap_outbound_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->id = e->id;
	msg->account_id = e->account_id;
	msg->submission_id = e->submission_id;
	memcpy(msg->blob_id, e->blob_id, sizeof(e->blob_id));
	msg->size = e->size;
	msg->mail_from = xstrdup(e->mail_from);
	msg->parameters = outbound_json_parse(e->mail_from_parameters);
	msg->rcpts = xcalloc(e->rcpt_count + 1, sizeof(*msg->rcpts));
	msg->rcpt_count = e->rcpt_count;
	for (size_t i = 0; i < e->rcpt_count; i++) {
		msg->rcpts[i].address = xstrdup(e->rcpts[i].address);
		msg->rcpts[i].parameters = outbound_json_parse(e->rcpts[i].parameters);
		msg->rcpts[i].status = outbound_status_parse(e->rcpts[i].status);
		msg->rcpts[i].reply = xstrdup(e->rcpts[i].smtp_reply);
	}
	msg->attempts = e->attempts;
	msg->next_attempt_at = (time_t)e->next_attempt_at;
	msg->created_at = (time_t)e->created_at;
	msg->sending = e->state == STORE_QUEUE_SENDING;
}

/* The store's view of msg's changing fields (strings borrowed from msg:
 * free only e.rcpts). */
static void outbound_entry_view(const struct jmap_outbound_msg *msg, bool sending,
				struct store_queue_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->id = msg->id;
	e->state = sending ? STORE_QUEUE_SENDING : STORE_QUEUE_PENDING;
	e->attempts = msg->attempts;
	e->next_attempt_at = msg->next_attempt_at;
	e->rcpts = xcalloc(msg->rcpt_count + 1, sizeof(*e->rcpts));
	e->rcpt_count = msg->rcpt_count;
	for (size_t i = 0; i < msg->rcpt_count; i++) {
		e->rcpts[i].status = (char *)outbound_status_names[msg->rcpts[i].status];
		e->rcpts[i].smtp_reply = msg->rcpts[i].reply;
	}
}

int outbound_entry_write(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
			 bool sending, const char **error_r)
{
	struct store_queue_entry e;
	int ret;

	outbound_entry_view(msg, sending, &e);
	ret = store_queue_update(srv->store, &e, error_r);
	free(e.rcpts);
	return ret;
}

int jmap_outbound_record(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
			 const char **error_r)
{
	return outbound_entry_write(srv, msg, true, error_r);
}

int jmap_outbound_reset(struct jmap_server *srv, const char **error_r)
{
	return store_queue_reset(srv->store, error_r);
}

int jmap_outbound_next_due(struct jmap_server *srv, time_t *at_r)
{
	const char *error;
	int64_t at = 0;
	int ret = store_queue_next_due(srv->store, &at, &error);

	*at_r = (time_t)at;
	return ret;
}

void outbound_publish(struct store_account *acct, uint64_t types)
{
	struct bus_event event = {
		.account_id = store_account_id(acct),
		.types = types,
		.modseq = store_modseq_current(acct),
	};

	bus_publish(&event);
}

/* Gives a claimed entry back, due at when. */
static void outbound_put_off(struct jmap_server *srv, struct jmap_outbound_msg *msg, time_t when)
{
	const char *error;

	msg->next_attempt_at = when;
	if (outbound_entry_write(srv, msg, false, &error) < 0)
		log_error("queue.put_off", "entry=%llu error=%s", (unsigned long long)msg->id,
			  log_q(error));
}

static void outbound_drop(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
			  const char *why)
{
	const char *error;

	log_warn("queue.drop", "entry=%llu account=%u submission=%llu reason=%s",
		 (unsigned long long)msg->id, msg->account_id,
		 (unsigned long long)msg->submission_id, log_q(why));
	if (store_queue_remove(srv->store, msg->id, &error) < 0)
		log_error("queue.drop", "entry=%llu error=%s", (unsigned long long)msg->id,
			  log_q(error));
}

/* The first attempt makes a pending submission final. */
static int outbound_make_final(struct store_account *acct, struct store_submission *s,
			       const char **error_r)
{
	if (store_txn_begin(acct, true, error_r) < 0)
		return -1;
	s->undo_status = STORE_UNDO_FINAL;
	if (store_submission_update(acct, s, error_r) < 0) {
		store_txn_rollback(acct);
		return -1;
	}
	if (store_txn_commit(acct, error_r) < 0)
		return -1;
	outbound_publish(acct, 1ULL << STORE_TYPE_EMAIL_SUBMISSION);
	return 0;
}

/* A submission that cannot be seen: destroyed since (the message still
 * goes, RFC 8621 §7.5), not committed yet, or never committed. */
static int outbound_check_missing(struct jmap_server *srv, struct store_account *acct,
				  struct jmap_outbound_msg *msg, time_t now)
{
	int ret = store_submission_destroyed(acct, msg->submission_id);

	if (ret != 0)
		return ret;
	if (now - msg->created_at < OUTBOUND_UNCOMMITTED_MAX)
		outbound_put_off(srv, msg, now + OUTBOUND_UNCOMMITTED_DELAY);
	else
		outbound_drop(srv, msg, "the submission was never committed");
	return 0;
}

/* 1 when the claimed entry is to be sent, 0 when it was put off or
 * dropped, -1 on a store failure (the entry is given back). */
static int outbound_check_submission(struct jmap_server *srv, struct store_account *acct,
				     struct jmap_outbound_msg *msg, time_t now,
				     const char **error_r)
{
	struct store_submission s;
	int ret = store_submission_get(acct, msg->submission_id, &s);

	if (ret == 0)
		ret = outbound_check_missing(srv, acct, msg, now);
	else if (ret > 0) {
		if (s.undo_status == STORE_UNDO_CANCELED) {
			outbound_drop(srv, msg, "the submission was canceled");
			ret = 0;
		} else if (s.undo_status == STORE_UNDO_PENDING &&
			   outbound_make_final(acct, &s, error_r) < 0)
			ret = -1;
		store_submission_clear(&s);
	}
	if (ret < 0) {
		*error_r = "cannot read or update the submission";
		outbound_put_off(srv, msg, now + 60);
	}
	return ret;
}

static int outbound_check(struct jmap_server *srv, struct jmap_outbound_msg *msg, time_t now,
			  const char **error_r)
{
	struct store_account *acct;
	int ret;

	if (store_account_open(srv->store, msg->account_id, &acct, error_r) < 0) {
		if (store_last_error() == STORE_ERR_NOT_FOUND) {
			outbound_drop(srv, msg, "the account is gone");
			return 0;
		}
		outbound_put_off(srv, msg, now + 60);
		return -1;
	}
	ret = outbound_check_submission(srv, acct, msg, now, error_r);
	store_account_release(&acct);
	return ret;
}

int jmap_outbound_claim(struct jmap_server *srv, time_t now, struct jmap_outbound_msg *msg_r,
			const char **error_r)
{
	time_t due;

	/* a read first: senders woken for nothing take no write lock */
	if (jmap_outbound_next_due(srv, &due) == 0 || due > now)
		return 0;
	for (int i = 0; i < OUTBOUND_CLAIM_TRIES; i++) {
		struct store_queue_entry e;
		int ret = store_queue_claim(srv->store, (int64_t)now, &e, error_r);

		if (ret <= 0)
			return ret;
		outbound_msg_from_entry(&e, msg_r);
		store_queue_entry_clear(&e);
		ret = outbound_check(srv, msg_r, now, error_r);
		if (ret != 0)
			return ret;
		jmap_outbound_msg_clear(msg_r);
	}
	return 0;
}

int jmap_outbound_read(struct jmap_server *srv, const struct jmap_outbound_msg *msg,
		       char **data_r, size_t *len_r, const char **error_r)
{
	struct store_account *acct;
	void *data;
	int ret;

	if (store_account_open(srv->store, msg->account_id, &acct, error_r) < 0)
		return -1;
	ret = store_blob_read(acct, msg->blob_id, &data, len_r, error_r);
	store_account_release(&acct);
	if (ret == 0)
		*error_r = "the message is missing";
	if (ret <= 0)
		return -1;
	*data_r = data;
	return 0;
}
