#ifndef TERN_JMAP_MAILBOX_H
#define TERN_JMAP_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "jmap/stdmethods.h"
#include "store/store.h"

/* Mailbox (RFC 8621 §2). mailbox.c holds the type and /get,
 * mailbox_set.c the create/update/destroy rules, mailbox_query.c the
 * filters and sorts. */

extern const struct jmap_type jmap_mailbox_type;

#define MAILBOX_ID_PREFIX 'm'

/* The Mailbox object as JMAP shows it (new reference). */
json_object *mailbox_to_json(const struct store_mailbox *mb);

/* Finds a mailbox by store id in a list from store_mailbox_list(). */
const struct store_mailbox *mailbox_list_find(const struct store_mailbox *list, size_t count,
					      uint64_t id);

/* Whether role is one JMAP allows (the IANA IMAP mailbox name attributes
 * that name a purpose, lowercase, plus "inbox"). */
bool mailbox_role_valid(const char *role);

int jmap_mailbox_create(struct jmap_call *call, const char *creation_id, json_object *obj,
			json_object **created_r, json_object **error_r);
int jmap_mailbox_update(struct jmap_call *call, const char *id, json_object *patch,
			json_object **updated_r, json_object **error_r);
int jmap_mailbox_destroy(struct jmap_call *call, const char *id, json_object **error_r);

int jmap_mailbox_filter_check(json_object *condition, const char **error_type_r);
int jmap_mailbox_query(struct jmap_call *call, struct jmap_query *query);

#endif
