/* Logging in on a gateway: the plaintext policy, the directory check
 * with the brute-force guard and the admin refusal, and SASL PLAIN. */
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "gateways/gateway_auth.h"
#include "gateways/net.h"

#define GATEWAY_AUTH_PART_MAX 1024
/* base64 of authzid, authcid and password at their longest, and NULs */
#define GATEWAY_AUTH_B64_MAX ((3 * GATEWAY_AUTH_PART_MAX + 2 + 2) / 3 * 4)

static const char *const gateway_auth_results[] = {
	[GATEWAY_AUTH_OK] = "ok",
	[GATEWAY_AUTH_FAILED] = "failed",
	[GATEWAY_AUTH_BANNED] = "banned",
	[GATEWAY_AUTH_REFUSED] = "admin-refused",
	[GATEWAY_AUTH_INTERNAL] = "internal-error",
};

bool gateway_auth_plaintext_ok(const struct net_conn *conn, bool allow_plaintext)
{
	return allow_plaintext || net_conn_is_tls(conn) || net_conn_is_secure_network(conn);
}

static enum gateway_auth_result gateway_auth_map(enum directory_auth_result result,
						 const struct directory_identity *id)
{
	switch (result) {
	case DIRECTORY_AUTH_OK:
		return id->is_admin ? GATEWAY_AUTH_REFUSED : GATEWAY_AUTH_OK;
	case DIRECTORY_AUTH_FAILED:
		return GATEWAY_AUTH_FAILED;
	case DIRECTORY_AUTH_BANNED:
		return GATEWAY_AUTH_BANNED;
	case DIRECTORY_AUTH_INTERNAL:
		break;
	}
	return GATEWAY_AUTH_INTERNAL;
}

enum gateway_auth_result gateway_auth_login(struct directory *dir, struct net_conn *conn,
					    const char *protocol, const char *name,
					    const char *password,
					    struct directory_identity *id_r)
{
	return gateway_auth_login_ip(dir, net_conn_peer_ip(conn), protocol, name, password, id_r);
}

enum gateway_auth_result gateway_auth_login_ip(struct directory *dir, const char *ip,
					       const char *protocol, const char *name,
					       const char *password,
					       struct directory_identity *id_r)
{
	struct directory_identity id;
	enum gateway_auth_result result;

	memset(&id, 0, sizeof(id));
	result = gateway_auth_map(directory_authenticate(dir, name, password, ip, &id), &id);
	log_info("gateway.auth", "protocol=%s user=%s ip=%s result=%s", log_q(protocol),
		 log_q(name), ip, gateway_auth_results[result]);
	if (result == GATEWAY_AUTH_OK)
		*id_r = id;
	return result;
}

/* authzid NUL authcid NUL password (RFC 4616 §2), each part bounded. */
static int gateway_sasl_plain_split(const char *buf, size_t len, const char **authcid_r,
				    const char **password_r)
{
	const char *nul1 = memchr(buf, '\0', len), *nul2;
	size_t authzid_len, authcid_len, password_len;

	if (nul1 == NULL || (nul2 = memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - buf))) == NULL)
		return -1;
	authzid_len = (size_t)(nul1 - buf);
	authcid_len = (size_t)(nul2 - nul1 - 1);
	password_len = len - (size_t)(nul2 + 1 - buf);
	if (authcid_len == 0 || password_len == 0 || authzid_len > GATEWAY_AUTH_PART_MAX ||
	    authcid_len > GATEWAY_AUTH_PART_MAX || password_len > GATEWAY_AUTH_PART_MAX ||
	    memchr(nul2 + 1, '\0', password_len) != NULL)
		return -1;
	/* no proxy login: the authorization identity is the user or none */
	if (authzid_len != 0 &&
	    (authzid_len != authcid_len || memcmp(buf, nul1 + 1, authcid_len) != 0))
		return -1;
	*authcid_r = nul1 + 1;
	*password_r = nul2 + 1;
	return 0;
}

int gateway_sasl_plain_decode(const char *b64, size_t len, char **name_r, char **password_r)
{
	const char *authcid, *password;
	size_t dlen;
	char *buf;
	int ret;

	if (len == 0 || len > GATEWAY_AUTH_B64_MAX)
		return -1;
	if ((buf = base64_decode(b64, len, &dlen)) == NULL)
		return -1;
	ret = gateway_sasl_plain_split(buf, dlen, &authcid, &password);
	if (ret == 0) {
		*name_r = xstrdup(authcid);
		*password_r = xstrdup(password);
	}
	explicit_bzero(buf, dlen);
	free(buf);
	return ret;
}
