/* The capability table, with core's and mail's values (RFC 8620 §2,
 * RFC 8621 §1.3). */
#include <string.h>

#include "jmap/call.h"
#include "jmap/calendars.h"
#include "jmap/capabilities.h"
#include "jmap/email.h"
#include "jmap/contacts.h"
#include "jmap/objects.h"
#include "jmap/push.h"

#define CAPABILITIES_MAX_ATTACHMENTS_SIZE (50 * 1024 * 1024)

static const char *const capabilities_collations[] = {
	"i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap", NULL,
};

static json_object *capabilities_string_array(const char *const *items)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; items[i] != NULL; i++)
		json_object_array_add(array, json_object_new_string(items[i]));
	return array;
}

static json_object *capabilities_core(const struct jmap_server *srv)
{
	const struct jmap_limits *l = &srv->limits;
	json_object *core = json_object_new_object();

	json_object_object_add(core, "maxSizeUpload", json_object_new_int64(l->max_size_upload));
	json_object_object_add(core, "maxConcurrentUpload",
			       json_object_new_int64(l->max_concurrent_upload));
	json_object_object_add(core, "maxSizeRequest", json_object_new_int64(l->max_size_request));
	json_object_object_add(core, "maxConcurrentRequests",
			       json_object_new_int64(l->max_concurrent_requests));
	json_object_object_add(core, "maxCallsInRequest",
			       json_object_new_int64(l->max_calls_in_request));
	json_object_object_add(core, "maxObjectsInGet", json_object_new_int64(l->max_objects_in_get));
	json_object_object_add(core, "maxObjectsInSet", json_object_new_int64(l->max_objects_in_set));
	json_object_object_add(core, "collationAlgorithms",
			       capabilities_string_array(capabilities_collations));
	return core;
}

static json_object *capabilities_mail_account(const struct jmap_server *srv, uint32_t account_id)
{
	const struct jmap_limits *l = &srv->limits;
	json_object *mail = json_object_new_object();

	(void)account_id;
	json_object_object_add(mail, "maxMailboxesPerEmail", NULL);
	json_object_object_add(mail, "maxMailboxDepth", json_object_new_int64(l->max_mailbox_depth));
	json_object_object_add(mail, "maxSizeMailboxName",
			       json_object_new_int64(l->max_mailbox_name));
	json_object_object_add(mail, "maxSizeAttachmentsPerEmail",
			       json_object_new_int64(CAPABILITIES_MAX_ATTACHMENTS_SIZE));
	json_object_object_add(mail, "emailQuerySortOptions",
			       capabilities_string_array(jmap_email_sort_props));
	json_object_object_add(mail, "mayCreateTopLevelMailbox", json_object_new_boolean(1));
	return mail;
}

/* RFC 8887 §4.1. The URL follows the address the client used: the
 * session puts its base URL, as ws:// or wss://, in place of
 * "{wsbase}". */
static json_object *capabilities_websocket(const struct jmap_server *srv)
{
	json_object *ws = json_object_new_object();

	(void)srv;
	json_object_object_add(ws, "url", json_object_new_string("{wsbase}" JMAP_WEBSOCKET_PATH));
	json_object_object_add(ws, "supportsPush", json_object_new_boolean(1));
	return ws;
}

const struct jmap_capability jmap_capabilities[] = {
	{ JMAP_CAP_CORE, capabilities_core, NULL, false, false },
	{ JMAP_CAP_MAIL, NULL, capabilities_mail_account, true, false },
	{ JMAP_CAP_WEBSOCKET, capabilities_websocket, NULL, false, false },
	{ JMAP_CAP_SUBMISSION, NULL, jmap_submission_account_capability, true, false },
	{ JMAP_CAP_VACATION, NULL, NULL, true, false },
	{ JMAP_CAP_QUOTA, NULL, NULL, true, false },
	{ JMAP_CAP_BLOB, NULL, jmap_blob_account_capability, true, false },
	{ JMAP_CAP_CONTACTS, NULL, jmap_contacts_account_capability, true, false },
	{ JMAP_CAP_CALENDARS, NULL, jmap_calendars_account_capability, true, false },
	{ JMAP_CAP_TERN_IMAP, NULL, NULL, false, true },
	{ JMAP_CAP_TERN_MAIL, NULL, NULL, false, true },
	{ JMAP_CAP_TERN_DAV, NULL, NULL, false, true },
	{ NULL, NULL, NULL, false, false },
};

const struct jmap_capability *jmap_capability_find(const char *uri)
{
	for (size_t i = 0; jmap_capabilities[i].uri != NULL; i++) {
		if (strcmp(jmap_capabilities[i].uri, uri) == 0)
			return &jmap_capabilities[i];
	}
	return NULL;
}
