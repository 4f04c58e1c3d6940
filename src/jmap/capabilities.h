#ifndef TERN_JMAP_CAPABILITIES_H
#define TERN_JMAP_CAPABILITIES_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

/* Every capability the server knows, in one table: what the session
 * shows for it, what an account shows, whether it names a primary
 * account, and whether HTTP clients may use it at all (the vendor ones
 * are for in-process callers). A new capability is one entry. */

struct jmap_server;

struct jmap_capability {
	const char *uri;
	/* Its value in the session's "capabilities" (new reference); NULL
	 * means an empty object. A string member starting with "{base}"
	 * or "{wsbase}" gets the URL the client used in its place, with
	 * the ws:// or wss:// scheme for "{wsbase}". */
	json_object *(*session_value)(const struct jmap_server *srv);
	/* Its value in an account's "accountCapabilities"; NULL means an
	 * empty object. */
	json_object *(*account_value)(const struct jmap_server *srv, uint32_t account_id);
	bool primary;		/* listed in primaryAccounts */
	bool in_process_only;	/* never advertised, refused over HTTP */
};

/* The table, terminated by an entry with uri NULL. */
extern const struct jmap_capability jmap_capabilities[];

/* NULL if uri is unknown. */
const struct jmap_capability *jmap_capability_find(const char *uri);

#endif
