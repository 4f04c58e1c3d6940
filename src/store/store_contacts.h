#ifndef TERN_STORE_CONTACTS_H
#define TERN_STORE_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Address books and contact cards, in the account database. A card's
 * canonical form is the vCard text a client sent, kept byte for byte;
 * beside it the store keeps what lookups and queries need (UID, DAV
 * resource name, ETag, and search fields the JMAP layer computes).
 * Conventions as store.h: writes run inside a write transaction; each
 * changed object takes its own modseq and change record
 * (STORE_TYPE_ADDRESS_BOOK, STORE_TYPE_CONTACT_CARD). */

#define STORE_CARD_ETAG_LEN 64	/* lowercase hex SHA-256 of the vCard text */

struct store_address_book {
	uint64_t id;
	char *name;
	char *description;	/* NULL = none */
	uint32_t sort_order;
	bool is_default;	/* at most one per account */
	bool is_subscribed;
	char *dav_name;		/* URL segment, unique in the account */
	char *dead_props;	/* DAV dead properties as JSON text; NULL = none */
	uint64_t modseq;	/* of its latest change */
};

void store_address_book_clear(struct store_address_book *ab);
void store_address_book_list_free(struct store_address_book **list, size_t count);
/* Every live address book, ordered by id. Free with
 * store_address_book_list_free(). */
int store_address_book_list(struct store_account *acct, struct store_address_book **list_r,
			    size_t *count_r, const char **error_r);
/* Fills *ab_r (release with store_address_book_clear()). 1, 0 or -1. */
int store_address_book_get(struct store_account *acct, uint64_t id,
			   struct store_address_book *ab_r);
/* Assigns ab->id and ab->modseq. name and dav_name are required; a
 * dav_name already used fails with STORE_ERR_EXISTS. is_default is
 * stored as given: clear the old default first (or use
 * store_address_book_set_default()). */
int store_address_book_create(struct store_account *acct, struct store_address_book *ab,
			      const char **error_r);
/* Writes name, description, sort_order, is_subscribed, dav_name and
 * dead_props of ab->id (not is_default); sets ab->modseq. */
int store_address_book_update(struct store_account *acct, struct store_address_book *ab,
			      const char **error_r);
/* Makes id the one default address book; the previous default (if any)
 * and id each record a change. Nothing happens if id already is. */
int store_address_book_set_default(struct store_account *acct, uint64_t id,
				   const char **error_r);
/* Destroys the address book and every card in it (each card leaves a
 * tombstone). Fails with STORE_ERR_NOT_FOUND if there is none. */
int store_address_book_destroy(struct store_account *acct, uint64_t id, const char **error_r);
/* The number of cards in address book id. */
int store_address_book_card_count(struct store_account *acct, uint64_t id, uint64_t *count_r,
				  const char **error_r);

/* Search fields of a card: each a list of values, one per line (any may
 * be NULL). The JMAP layer decides what goes in them. */
enum store_card_field {
	STORE_CARD_FULL_NAME,
	STORE_CARD_GIVEN,
	STORE_CARD_SURNAME,
	STORE_CARD_SURNAME2,
	STORE_CARD_NAMES,
	STORE_CARD_NICKNAMES,
	STORE_CARD_ORGANIZATIONS,
	STORE_CARD_EMAILS,
	STORE_CARD_PHONES,
	STORE_CARD_ONLINE,
	STORE_CARD_ADDRESSES,
	STORE_CARD_NOTES,
	STORE_CARD_MEMBERS,
	STORE_CARD_TEXT,
	STORE_CARD_FIELD__COUNT
};

struct store_contact_card {
	uint64_t id;
	uint64_t address_book_id;
	char *uid;		/* unique within its address book */
	char *dav_name;		/* resource name, unique within its address book */
	char *vcard;		/* the text as sent; NULL unless asked for */
	size_t vcard_len;
	char etag[STORE_CARD_ETAG_LEN + 1];	/* set by create and update */
	char *kind;		/* JSContact kind; NULL = individual */
	int64_t created_at;	/* unix seconds */
	int64_t updated_at;
	char *fields[STORE_CARD_FIELD__COUNT];
	uint64_t modseq;	/* of the card's latest change */
};

void store_contact_card_clear(struct store_contact_card *card);
void store_contact_card_list_free(struct store_contact_card **list, size_t count);

/* What to read: the vCard text is the large part. */
#define STORE_CARD_WITH_VCARD (1u << 0)

/* Fills *card_r (release with store_contact_card_clear()). 1, 0 or -1. */
int store_contact_card_get(struct store_account *acct, uint64_t id, unsigned what,
			   struct store_contact_card *card_r);
/* Every live card of address book address_book_id (0: of every address
 * book), ordered by id. Free with store_contact_card_list_free(). */
int store_contact_card_list(struct store_account *acct, uint64_t address_book_id,
			    unsigned what, struct store_contact_card **list_r, size_t *count_r,
			    const char **error_r);
/* The id of the card with uid (or with dav_name) in an address book:
 * 1 found, 0 not, -1 error. */
int store_contact_card_find_uid(struct store_account *acct, uint64_t address_book_id,
				const char *uid, uint64_t *id_r);
int store_contact_card_find_dav_name(struct store_account *acct, uint64_t address_book_id,
				     const char *dav_name, uint64_t *id_r);
/* Stores a new card (every field but id, etag and modseq given, vcard
 * included). Assigns id, etag and modseq. A uid or dav_name already used
 * in the address book fails with STORE_ERR_EXISTS. */
int store_contact_card_create(struct store_account *acct, struct store_contact_card *card,
			      const char **error_r);
/* Replaces every stored field of card->id (address book included: a
 * move); sets etag and modseq. STORE_ERR_EXISTS as create. */
int store_contact_card_update(struct store_account *acct, struct store_contact_card *card,
			      const char **error_r);
/* Leaves a tombstone. STORE_ERR_NOT_FOUND if there is no such card. */
int store_contact_card_destroy(struct store_account *acct, uint64_t id, const char **error_r);

#endif
