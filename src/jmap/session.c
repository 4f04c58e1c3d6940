/* The session resource (RFC 8620 §2) and its state string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/xalloc.h"
#include "jmap/call.h"
#include "jmap/capabilities.h"

static json_object *session_account(const struct jmap_server *srv,
				    const struct directory_identity *user)
{
	json_object *account = json_object_new_object();
	json_object *caps = json_object_new_object();

	for (const struct jmap_capability *c = jmap_capabilities; c->uri != NULL; c++) {
		if (c->in_process_only)
			continue;
		json_object_object_add(caps, c->uri, c->account_value != NULL ?
				       c->account_value(srv, user->account_id) :
				       json_object_new_object());
	}
	json_object_object_add(account, "name", json_object_new_string(user->name));
	json_object_object_add(account, "isPersonal", json_object_new_boolean(1));
	json_object_object_add(account, "isReadOnly", json_object_new_boolean(0));
	json_object_object_add(account, "accountCapabilities", caps);
	return account;
}

static void session_add_url(json_object *session, const char *key, const char *base_url,
			    const char *path)
{
	char *url = xasprintf("%s%s", base_url, path);

	json_object_object_add(session, key, json_object_new_string(url));
	free(url);
}

/* A string member of a capability value that starts with "{base}"
 * (or "{wsbase}") gets the base URL (in its WebSocket scheme) in its
 * place: such URLs follow the address the client used. */
static char *session_url_expand(const char *s, const char *base_url)
{
	static const char base[] = "{base}", wsbase[] = "{wsbase}";

	if (strncmp(s, base, sizeof(base) - 1) == 0)
		return xasprintf("%s%s", base_url, s + sizeof(base) - 1);
	if (strncmp(s, wsbase, sizeof(wsbase) - 1) != 0)
		return NULL;
	/* http://... becomes ws://..., https://... wss://... */
	return xasprintf("ws%s%s", strncmp(base_url, "http", 4) == 0 ? base_url + 4 : base_url,
			 s + sizeof(wsbase) - 1);
}

static json_object *session_capability_value(const struct jmap_capability *c,
					     const struct jmap_server *srv, const char *base_url)
{
	json_object *value;

	if (c->session_value == NULL)
		return json_object_new_object();
	value = c->session_value(srv);
	json_object_object_foreach(value, key, member) {
		char *url;

		(void)key;
		if (!json_object_is_type(member, json_type_string) ||
		    (url = session_url_expand(json_object_get_string(member), base_url)) == NULL)
			continue;
		json_object_set_string(member, url);
		free(url);
	}
	return value;
}

json_object *jmap_session_resource(struct jmap_server *srv, const struct directory_identity *user,
				   const char *base_url)
{
	json_object *session = json_object_new_object();
	json_object *caps = json_object_new_object();
	json_object *accounts = json_object_new_object();
	json_object *primary = json_object_new_object();
	char account_id[16], state[JMAP_SESSION_STATE_LEN + 1];

	jmap_account_id_format(user->account_id, account_id);
	for (const struct jmap_capability *c = jmap_capabilities; c->uri != NULL; c++) {
		if (c->in_process_only)
			continue;
		json_object_object_add(caps, c->uri, session_capability_value(c, srv, base_url));
		/* RFC 8620 §2: core SHOULD NOT be in primaryAccounts. */
		if (c->primary)
			json_object_object_add(primary, c->uri, json_object_new_string(account_id));
	}
	json_object_object_add(accounts, account_id, session_account(srv, user));
	json_object_object_add(session, "capabilities", caps);
	json_object_object_add(session, "accounts", accounts);
	json_object_object_add(session, "primaryAccounts", primary);
	json_object_object_add(session, "username", json_object_new_string(user->name));
	session_add_url(session, "apiUrl", base_url, "/jmap/");
	session_add_url(session, "downloadUrl", base_url,
			"/jmap/download/{accountId}/{blobId}/{name}?accept={type}");
	session_add_url(session, "uploadUrl", base_url, "/jmap/upload/{accountId}/");
	session_add_url(session, "eventSourceUrl", base_url,
			"/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}");
	jmap_session_state(srv, user, state);
	json_object_object_add(session, "state", json_object_new_string(state));
	return session;
}

/* A digest of everything in the session but the URLs, which follow the
 * address the client used and so cannot be known to an API request. */
void jmap_session_state(const struct jmap_server *srv, const struct directory_identity *user,
			char out[JMAP_SESSION_STATE_LEN + 1])
{
	const struct jmap_limits *l = &srv->limits;
	uint8_t digest[SHA256_LEN];
	char text[512];
	int len;

	len = snprintf(text, sizeof(text), "1|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%u|%s",
		       (long long)l->max_size_upload, (long long)l->max_concurrent_upload,
		       (long long)l->max_size_request, (long long)l->max_concurrent_requests,
		       (long long)l->max_calls_in_request, (long long)l->max_objects_in_get,
		       (long long)l->max_objects_in_set, (long long)l->max_mailbox_depth,
		       (long long)l->max_mailbox_name, user->account_id, user->name);
	sha256(text, len < (int)sizeof(text) ? (size_t)len : sizeof(text) - 1, digest);
	hex_encode(digest, JMAP_SESSION_STATE_LEN / 2, out);
}
