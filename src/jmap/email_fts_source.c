/* The text of an email for the store's full-text catch-up: the stored
 * message parsed again, as Email/import indexed it. */

#include <stdlib.h>

#include "jmap/email_private.h"
#include "mail/mail.h"

static int email_fts_text(void *ctx, struct store_account *acct, uint64_t email_id,
			  struct store_email_text *text_r)
{
	struct mail_limits limits = { 0 };
	struct mail_search_text st;
	struct mail_message *msg;
	struct store_email e;
	const char *error;
	size_t len;
	void *data;
	int ret = store_email_get(acct, email_id, 0, &e);

	if (ret <= 0)
		return ret;
	ret = store_blob_read(acct, e.blob_id, &data, &len, &error);
	store_email_clear(&e);
	if (ret <= 0)
		return ret;
	mail_limits_default(&limits);
	msg = mail_message_parse(data, len, &limits);
	mail_message_search_text(msg, &st);
	mail_message_free(&msg);
	free(data);
	*text_r = (struct store_email_text){
		st.subject, st.from, st.to, st.cc, st.bcc, st.body, st.attachments, st.headers,
	};
	return 1;
}

static void email_fts_text_free(void *ctx, struct store_email_text *text)
{
	struct mail_search_text st = {
		(char *)text->subject, (char *)text->from, (char *)text->to, (char *)text->cc,
		(char *)text->bcc, (char *)text->body, (char *)text->attachments,
		(char *)text->headers,
	};

	mail_search_text_clear(&st);
}

void email_fts_source_set(struct store *store)
{
	store_set_fts_source(store, &(struct store_fts_source){
		.text = email_fts_text, .text_free = email_fts_text_free,
	});
}
