#ifndef TERN_JMAP_OBJECTS_H
#define TERN_JMAP_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jmap/stdmethods.h"
#include "store/store_objects.h"

/* Sending and account objects: Identity (RFC 8621 §6), EmailSubmission
 * (§7), VacationResponse (§8), Quota (RFC 9425) and the Blob methods
 * (RFC 9404). identity.c, email_submission*.c, vacation_response.c,
 * quota.c and blob_methods.c hold them; address.c what they share about
 * addresses. */

#define JMAP_CAP_SUBMISSION "urn:ietf:params:jmap:submission"
#define JMAP_CAP_VACATION "urn:ietf:params:jmap:vacationresponse"
#define JMAP_CAP_QUOTA "urn:ietf:params:jmap:quota"
#define JMAP_CAP_BLOB "urn:ietf:params:jmap:blob"

#define IDENTITY_ID_PREFIX 'i'
#define SUBMISSION_ID_PREFIX 's'
#define QUOTA_ID_PREFIX 'q'

extern const struct jmap_type jmap_identity_type;
extern const struct jmap_type jmap_email_submission_type;
extern const struct jmap_type jmap_vacation_response_type;
extern const struct jmap_type jmap_quota_type;
extern const struct jmap_type jmap_blob_type;

/* The accountCapabilities values of urn:ietf:params:jmap:submission and
 * urn:ietf:params:jmap:blob (new references). */
json_object *jmap_submission_account_capability(const struct jmap_server *srv,
						uint32_t account_id);
json_object *jmap_blob_account_capability(const struct jmap_server *srv, uint32_t account_id);

/* ---- addresses (address.c) ---- */

/* Whether s is an address one may send to or from: an RFC 5321 Mailbox
 * (dot-atom or UTF-8 local part, a domain name or address literal),
 * at most 254 octets. */
bool jmap_address_valid(const char *s);

/* The principal that owns call's account (caller frees it with
 * store_principal_free()). Fails the method with serverFail. */
int jmap_account_principal(struct jmap_call *call, struct store_principal **p_r);
/* Whether address (any case) is one of p's addresses. */
bool jmap_principal_has_address(const struct store_principal *p, const char *address);

/* Validates an EmailAddress[] (RFC 8621 §4.1.2.3): at most max objects
 * {"name": String|null, "email": valid address}. Returns a normalized
 * copy (new reference), or NULL if value is not one. */
json_object *jmap_email_addresses_normalize(json_object *value, size_t max);

/* ---- identities (identity.c) ---- */

/* The identity of call's account with store id id: 1 (fills *ident_r,
 * cleared with store_identity_clear()), 0 none, -1 error (method error
 * set). */
int jmap_identity_find(struct jmap_call *call, uint64_t id, struct store_identity *ident_r);

#endif
