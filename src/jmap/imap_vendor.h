#ifndef TERN_JMAP_IMAP_VENDOR_H
#define TERN_JMAP_IMAP_VENDOR_H

#include <stddef.h>

#include <json-c/json.h>

#include "jmap/email_private.h"
#include "jmap/stdmethods.h"
#include "store/store.h"

/* The urn:tern:imap vendor capability (docs/vendor-imap.md): Mailbox
 * and Email properties, the method Email/imapView. Only in-process
 * callers (jmap_invoke(), the IMAP and POP3 gateways) may use them;
 * to HTTP callers the properties are unknown (invalidArguments), the
 * method does not exist and the filter conditions are unsupported.
 * The hooks below are called by the Mailbox and Email code. */

/* ---- Mailbox (mailbox_imap.c) ---- */

/* Mailbox's jmap_type.prop_match: the imap* properties. */
const struct jmap_prop *mailbox_imap_prop_match(const char *name);
/* Mailbox/get: refuses the imap* properties to HTTP callers, else adds
 * those asked for to each object of get->list; list/count are the
 * mailboxes the objects were made from. 0, or -1 with the call's
 * error set. */
int mailbox_imap_fill(struct jmap_call *call, struct jmap_get *get,
		      const struct store_mailbox *list, size_t count);

/* ---- Email (email_imap.c) ---- */

/* Email's imap* property names ("imapUids", "imapSection:HEADER", ...)
 * beyond the static table; NULL if name is none of them. */
const struct jmap_prop *email_imap_prop_match(const char *name);
/* Email/get and Email/parse: invalidArguments when an HTTP caller asks
 * for an imap* property. 0 or -1 (error set on call). */
int email_imap_props_check(struct jmap_call *call, json_object *props);
/* Sets the asked imap* properties of obj (the Email being rendered
 * from src): the message is read once, and parsed once (into src->msg,
 * kept for the caller) only when a structure or a part is asked. 0, or
 * -1 with *error_r when the message cannot be read. */
int email_imap_render(struct email_source *src, json_object *props, json_object *obj,
		      const char **error_r);

/* ---- Email/imapView (imap_view.c) ---- */

int jmap_email_imap_view(struct jmap_call *call);

#endif
