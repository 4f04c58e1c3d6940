#ifndef TERN_STORE_CONTACTS_PRIVATE_H
#define TERN_STORE_CONTACTS_PRIVATE_H

/* Shared by store_contacts.c and store_contacts_card.c only. */

#include "store/store_contacts.h"
#include "store/store_private.h"

/* Tombstones every card of address book id (each its own modseq). */
int store_contact_cards_destroy_in(struct store_account *acct, uint64_t address_book_id,
				   const char **error_r);

#endif
