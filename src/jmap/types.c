#include "jmap/types.h"
#include "jmap/calendars.h"
#include "jmap/contacts.h"
#include "jmap/davfile.h"
#include "jmap/email.h"
#include "jmap/mailbox.h"
#include "jmap/objects.h"

const struct jmap_type *const jmap_types[] = {
	&jmap_mailbox_type,
	&jmap_email_type,
	&jmap_thread_type,
	&jmap_search_snippet_type,
	&jmap_identity_type,
	&jmap_email_submission_type,
	&jmap_vacation_response_type,
	&jmap_quota_type,
	&jmap_blob_type,
	&jmap_addressbook_type,
	&jmap_contactcard_type,
	&jmap_calendar_type,
	&jmap_calendar_event_type,
	&jmap_davfile_type,
	NULL,
};
