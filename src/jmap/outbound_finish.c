/* The end of an attempt: the submission's deliveryStatus and
 * dsnBlobIds in its account, then the entry removed or given back. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/outbound_private.h"

/* After a failure to record an outcome, the entry is tried again then. */
#define OUTBOUND_GIVE_BACK_DELAY 60

static bool outbound_done(const struct jmap_outbound_msg *msg)
{
	for (size_t i = 0; i < msg->rcpt_count; i++) {
		if (msg->rcpts[i].status == JMAP_OUTBOUND_QUEUED)
			return false;
	}
	return true;
}

/* deliveryStatus (RFC 8621 §7): one DeliveryStatus per recipient. */
static char *outbound_delivery_json(const struct jmap_outbound_msg *msg)
{
	json_object *status = json_object_new_object();
	char *text;

	for (size_t i = 0; i < msg->rcpt_count; i++) {
		const struct jmap_outbound_rcpt *r = &msg->rcpts[i];
		json_object *one = json_object_new_object();

		json_object_object_add(one, "smtpReply", json_object_new_string(r->reply));
		json_object_object_add(one, "delivered",
				       json_object_new_string(outbound_status_name(r->status)));
		json_object_object_add(one, "displayed", json_object_new_string("unknown"));
		json_object_object_add(status, r->address, one);
	}
	text = xstrdup(json_object_to_json_string_ext(status, JSON_C_TO_STRING_PLAIN));
	json_object_put(status);
	return text;
}

/* Stores the DSN as a blob of the account, referenced by the
 * submission, and adds it to s->dsn_blob_ids. */
static int outbound_store_dsn(struct store_account *acct, struct store_submission *s,
			      const char *dsn, size_t dsn_len, const char **error_r)
{
	char blob_id[STORE_BLOB_ID_LEN + 1];
	struct store_blob_writer *w;
	json_object *ids;
	uint64_t size;

	if (store_blob_write_begin(acct, &w, error_r) < 0)
		return -1;
	if (store_blob_write(w, dsn, dsn_len, error_r) < 0) {
		store_blob_write_abort(&w);
		return -1;
	}
	if (store_blob_write_finish(&w, blob_id, &size, error_r) < 0 ||
	    store_blob_ref(acct, blob_id, 1, error_r) < 0)
		return -1;
	ids = s->dsn_blob_ids != NULL ? json_tokener_parse(s->dsn_blob_ids) : NULL;
	if (!json_object_is_type(ids, json_type_array)) {
		json_object_put(ids);
		ids = json_object_new_array();
	}
	json_object_array_add(ids, json_object_new_string(blob_id));
	free(s->dsn_blob_ids);
	s->dsn_blob_ids = xstrdup(json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN));
	json_object_put(ids);
	return 0;
}

static int outbound_write_submission(struct store_account *acct, struct store_submission *s,
				     const struct jmap_outbound_msg *msg, const char *dsn,
				     size_t dsn_len, const char **error_r)
{
	if (store_txn_begin(acct, true, error_r) < 0)
		return -1;
	free(s->delivery_status);
	s->delivery_status = outbound_delivery_json(msg);
	if (s->undo_status == STORE_UNDO_PENDING)
		s->undo_status = STORE_UNDO_FINAL;
	if ((dsn != NULL && outbound_store_dsn(acct, s, dsn, dsn_len, error_r) < 0) ||
	    store_submission_update_outcome(acct, s, error_r) < 0) {
		store_txn_rollback(acct);
		return -1;
	}
	if (store_txn_commit(acct, error_r) < 0)
		return -1;
	outbound_publish(acct, 1ULL << STORE_TYPE_EMAIL_SUBMISSION);
	return 0;
}

/* The submission follows msg, unless it was destroyed meanwhile. */
static int outbound_update_submission(struct store_account *acct,
				      const struct jmap_outbound_msg *msg, const char *dsn,
				      size_t dsn_len, const char **error_r)
{
	struct store_submission s;
	int ret = store_submission_get(acct, msg->submission_id, &s);

	if (ret < 0) {
		*error_r = "cannot read the submission";
		return -1;
	}
	if (ret == 0)
		return 0;
	ret = outbound_write_submission(acct, &s, msg, dsn, dsn_len, error_r);
	store_submission_clear(&s);
	return ret;
}

/* Gives up the entry's reference on the message. After the entry is
 * gone, so that a crash in between can only leak the message, never
 * drop a reference twice. */
static void outbound_unref_message(struct store_account *acct,
				   const struct jmap_outbound_msg *msg)
{
	const char *error;

	if (store_txn_begin(acct, true, &error) < 0 ||
	    store_blob_ref(acct, msg->blob_id, -1, &error) < 0 ||
	    store_txn_commit(acct, &error) < 0) {
		store_txn_rollback(acct);
		log_error("queue.unref", "entry=%llu blob=%s error=%s", (unsigned long long)msg->id,
			  msg->blob_id, log_q(error));
	}
}

static int outbound_end(struct jmap_server *srv, struct store_account *acct,
			struct jmap_outbound_msg *msg, time_t next_attempt_at,
			const char **error_r)
{
	msg->attempts++;
	if (!outbound_done(msg)) {
		msg->next_attempt_at = next_attempt_at;
		return outbound_entry_write(srv, msg, false, error_r);
	}
	if (store_queue_remove(srv->store, msg->id, error_r) < 0)
		return -1;
	if (acct != NULL)
		outbound_unref_message(acct, msg);
	log_info("queue.done", "entry=%llu account=%u submission=%llu attempts=%u",
		 (unsigned long long)msg->id, msg->account_id,
		 (unsigned long long)msg->submission_id, msg->attempts);
	return 0;
}

/* The submission could not be updated (the account is busy, say): the
 * entry goes back, its recipients as recorded, to be finished later. */
static void outbound_give_back(struct jmap_server *srv, struct jmap_outbound_msg *msg)
{
	const char *error;

	msg->next_attempt_at = time(NULL) + OUTBOUND_GIVE_BACK_DELAY;
	if (outbound_entry_write(srv, msg, false, &error) < 0)
		log_error("queue.give_back", "entry=%llu error=%s", (unsigned long long)msg->id,
			  log_q(error));
}

int jmap_outbound_finish(struct jmap_server *srv, struct jmap_outbound_msg *msg,
			 time_t next_attempt_at, const char *dsn, size_t dsn_len,
			 const char **error_r)
{
	struct store_account *acct = NULL;
	int ret;

	if (store_account_open(srv->store, msg->account_id, &acct, error_r) < 0) {
		if (store_last_error() != STORE_ERR_NOT_FOUND) {
			outbound_give_back(srv, msg);
			return -1;
		}
		acct = NULL;
	}
	ret = acct != NULL ? outbound_update_submission(acct, msg, dsn, dsn_len, error_r) : 0;
	if (ret == 0)
		ret = outbound_end(srv, acct, msg, next_attempt_at, error_r);
	else
		outbound_give_back(srv, msg);
	if (acct != NULL)
		store_account_release(&acct);
	return ret;
}

/* ---- canceling (the admin API) ---- */

#define OUTBOUND_CANCEL_REPLY "554 5.7.1 Delivery canceled by the administrator"

/* Before the first attempt: as EmailSubmission/set's undoStatus
 * canceled does it, the entry goes first, then the submission. */
static int outbound_cancel_pending(struct jmap_server *srv, struct store_account *acct,
				   struct store_submission *s, bool *sending_r,
				   const char **error_r)
{
	int ret = store_queue_cancel(srv->store, store_account_id(acct), s->id, sending_r,
				     error_r);

	if (ret <= 0)
		return ret;
	s->undo_status = STORE_UNDO_CANCELED;
	if (store_txn_begin(acct, true, error_r) < 0)
		return -1;
	if (store_submission_update(acct, s, error_r) < 0 ||
	    store_blob_ref(acct, s->blob_id, -1, error_r) < 0) {
		store_txn_rollback(acct);
		return -1;
	}
	if (store_txn_commit(acct, error_r) < 0)
		return -1;
	outbound_publish(acct, 1ULL << STORE_TYPE_EMAIL_SUBMISSION);
	return 1;
}

/* After it: the recipients still queued fail. */
static int outbound_cancel_rest(struct jmap_server *srv, uint64_t id, bool *sending_r,
				const char **error_r)
{
	struct store_queue_entry e;
	struct jmap_outbound_msg msg;
	int ret = store_queue_claim_id(srv->store, id, &e, sending_r, error_r);

	if (ret <= 0)
		return ret;
	outbound_msg_from_entry(&e, &msg);
	store_queue_entry_clear(&e);
	for (size_t i = 0; i < msg.rcpt_count; i++) {
		if (msg.rcpts[i].status != JMAP_OUTBOUND_QUEUED)
			continue;
		msg.rcpts[i].status = JMAP_OUTBOUND_NO;
		free(msg.rcpts[i].reply);
		msg.rcpts[i].reply = xstrdup(OUTBOUND_CANCEL_REPLY);
	}
	ret = jmap_outbound_finish(srv, &msg, 0, NULL, 0, error_r) < 0 ? -1 : 1;
	jmap_outbound_msg_clear(&msg);
	return ret;
}

static int outbound_cancel_in(struct jmap_server *srv, struct store_account *acct,
			      const struct store_queue_entry *e, bool *sending_r,
			      const char **error_r)
{
	struct store_submission s;
	int found = store_submission_get(acct, e->submission_id, &s), ret;

	if (found < 0) {
		*error_r = "cannot read the submission";
		return -1;
	}
	if (found > 0 && s.undo_status == STORE_UNDO_PENDING)
		ret = outbound_cancel_pending(srv, acct, &s, sending_r, error_r);
	else
		ret = outbound_cancel_rest(srv, e->id, sending_r, error_r);
	if (found > 0)
		store_submission_clear(&s);
	return ret;
}

int jmap_outbound_cancel(struct jmap_server *srv, uint64_t id, bool *sending_r,
			 const char **error_r)
{
	struct store_account *acct;
	struct store_queue_entry e;
	int ret = store_queue_get_by_id(srv->store, id, &e);

	*sending_r = false;
	if (ret <= 0) {
		*error_r = "cannot read the queue";
		return ret;
	}
	if (e.state == STORE_QUEUE_SENDING) {
		*sending_r = true;
		ret = 0;
	} else if (store_account_open(srv->store, e.account_id, &acct, error_r) < 0) {
		ret = store_last_error() == STORE_ERR_NOT_FOUND ?
		      store_queue_remove(srv->store, id, error_r) : -1;
	} else {
		ret = outbound_cancel_in(srv, acct, &e, sending_r, error_r);
		store_account_release(&acct);
	}
	store_queue_entry_clear(&e);
	return ret;
}
