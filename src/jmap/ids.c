/* Identifiers as JMAP shows them: object ids ("m12"), account ids
 * ("a3"), state strings ("42"), and the creation ids of one request. */
#include <stdio.h>
#include <string.h>

#include "jmap/call.h"
#include "jmap/stdmethods.h"

/* Decimal digits with no leading zero (one canonical spelling per
 * number, so that equal ids are equal strings), at most max. */
static int ids_parse_decimal(const char *s, uint64_t max, uint64_t *n_r)
{
	uint64_t n = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*n_r = n;
	return 0;
}

void jmap_id_format(char prefix, uint64_t n, char out[24])
{
	snprintf(out, 24, "%c%llu", prefix, (unsigned long long)n);
}

int jmap_id_parse(char prefix, const char *s, uint64_t *n_r)
{
	uint64_t n;

	if (s == NULL || s[0] != prefix || ids_parse_decimal(s + 1, UINT64_MAX, &n) < 0 || n == 0)
		return -1;
	*n_r = n;
	return 0;
}

bool jmap_id_valid(const char *s)
{
	size_t len = 0;

	for (; s[len] != '\0'; len++) {
		char c = s[len];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
		if (len == 255)
			return false;
	}
	return len > 0;
}

void jmap_account_id_format(uint32_t account_id, char out[16])
{
	snprintf(out, 16, "a%u", account_id);
}

int jmap_account_id_parse(const char *s, uint32_t *account_id_r)
{
	uint64_t n;

	if (s == NULL || s[0] != 'a' || ids_parse_decimal(s + 1, UINT32_MAX, &n) < 0 || n == 0)
		return -1;
	*account_id_r = (uint32_t)n;
	return 0;
}

void jmap_state_format(uint64_t modseq, char out[24])
{
	snprintf(out, 24, "%llu", (unsigned long long)modseq);
}

int jmap_state_parse(const char *s, uint64_t *modseq_r)
{
	if (s == NULL)
		return -1;
	return ids_parse_decimal(s, UINT64_MAX, modseq_r);
}

void jmap_created_id_add(struct jmap_call *call, const char *creation_id, const char *id)
{
	json_object_object_add(call->req->created_ids, creation_id, json_object_new_string(id));
}

const char *jmap_id_resolve(struct jmap_call *call, const char *id)
{
	json_object *real;

	if (id == NULL || id[0] != '#')
		return id;
	if (!json_object_object_get_ex(call->req->created_ids, id + 1, &real) ||
	    !json_object_is_type(real, json_type_string))
		return NULL;
	return json_object_get_string(real);
}
