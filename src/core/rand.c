/* Strong randomness from OpenSSL; never falls back to anything weaker. */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"

void rand_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	/* RAND_bytes takes an int length: feed large requests in chunks. */
	while (len > 0) {
		int chunk = len > 65536 ? 65536 : (int)len;

		if (RAND_bytes(p, chunk) != 1) {
			log_error("core.rand", "error=%s", log_q("RAND_bytes failed"));
			abort();
		}
		p += chunk;
		len -= (size_t)chunk;
	}
}

char *rand_token(size_t nbytes)
{
	unsigned char *raw = xmalloc(nbytes);
	char *token;

	rand_bytes(raw, nbytes);
	token = base64_encode(raw, nbytes, true);
	OPENSSL_cleanse(raw, nbytes);
	free(raw);
	return token;
}
