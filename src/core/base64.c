/* Base64 (RFC 4648): standard and URL-safe alphabets. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/xalloc.h"

static const char base64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char base64_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *base64_encode(const void *data, size_t len, bool url_safe)
{
	const char *alphabet = url_safe ? base64_url : base64_std;
	const uint8_t *in = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = alphabet[(v >> 6) & 63];
		else if (!url_safe)
			out[o++] = '=';
		if (!url_safe)
			out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int base64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(base64_std, c)) == NULL)
		return -1;
	return (int)(p - base64_std);
}

/* Length of s without its padding, or SIZE_MAX if the padding is
 * misplaced. */
static size_t base64_data_len(const char *s, size_t slen)
{
	size_t n = slen;

	while (n > 0 && s[n - 1] == '=' && slen - n < 2)
		n--;
	if (n < slen && slen % 4 != 0)
		return SIZE_MAX;
	if (n % 4 == 1)
		return SIZE_MAX;
	return n;
}

void *base64_decode(const char *s, size_t slen, size_t *len_r)
{
	size_t n = base64_data_len(s, slen);
	uint8_t *out;
	uint32_t acc = 0;
	size_t o = 0;

	if (n == SIZE_MAX)
		return NULL;
	out = xmalloc(n / 4 * 3 + 3);
	for (size_t i = 0; i < n; i++) {
		int v = base64_value(s[i]);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (n % 4 == 2) {
		out[o++] = (uint8_t)(acc >> 4);
	} else if (n % 4 == 3) {
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}
