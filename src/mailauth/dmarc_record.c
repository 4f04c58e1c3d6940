/* The DMARC record: a DKIM-style tag list (RFC 7489 §6.3, §6.4). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "mailauth/dmarc_private.h"

/* One "name=value" of the list, both trimmed; NULL name at the end. */
struct dmarc_tag {
	char *name;
	char *value;
};

static char *dmarc_trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		s[--len] = '\0';
	return s;
}

/* Cuts the next tag off *cursor (in place); false at the end. A part
 * without "=" gives an empty name, which matches no tag. */
static bool dmarc_next_tag(char **cursor, struct dmarc_tag *tag_r)
{
	char *part, *eq;

	while (**cursor != '\0') {
		part = *cursor;
		*cursor += strcspn(*cursor, ";");
		if (**cursor == ';')
			*(*cursor)++ = '\0';
		part = dmarc_trim(part);
		if (*part == '\0')
			continue;
		eq = strchr(part, '=');
		if (eq == NULL) {
			tag_r->name = part + strlen(part);
			tag_r->value = tag_r->name;
			return true;
		}
		*eq = '\0';
		tag_r->name = dmarc_trim(part);
		tag_r->value = dmarc_trim(eq + 1);
		return true;
	}
	return false;
}

bool dmarc_record_is_dmarc(const char *text)
{
	char *copy, *cursor;
	struct dmarc_tag tag;
	bool ok;

	if (strlen(text) > DMARC_RECORD_MAX)
		return false;
	copy = xstrdup(text);
	cursor = copy;
	ok = dmarc_next_tag(&cursor, &tag) && strcmp(tag.name, "v") == 0 &&
	     strcmp(tag.value, "DMARC1") == 0;
	free(copy);
	return ok;
}

static int dmarc_policy_parse(const char *value, enum dmarc_policy *policy_r)
{
	static const char *const names[] = { "none", "quarantine", "reject" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(value, names[i]) == 0) {
			*policy_r = (enum dmarc_policy)i;
			return 0;
		}
	}
	return -1;
}

/* A dmarc-uri list with at least one URI that has a scheme and more. */
static bool dmarc_uri_list_usable(char *value)
{
	char *save = NULL;

	for (char *uri = strtok_r(value, ",", &save); uri != NULL; uri = strtok_r(NULL, ",", &save)) {
		const char *p;

		uri = dmarc_trim(uri);
		if (!isalpha((unsigned char)uri[0]))
			continue;
		p = uri + 1;
		while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
			p++;
		if (*p == ':' && p[1] != '\0' && p[1] != '!')
			return true;
	}
	return false;
}

/* pct: 1*3DIGIT within 0-100, else the default. */
static unsigned dmarc_pct_parse(const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len > 3 || strspn(value, "0123456789") != len || atoi(value) > 100)
		return 100;
	return (unsigned)atoi(value);
}

static void dmarc_tag_apply(const struct dmarc_tag *tag, struct dmarc_record *rec, bool *p_ok,
			    bool *sp_seen, bool *sp_ok, bool *rua_ok)
{
	if (strcasecmp(tag->name, "p") == 0) {
		*p_ok = dmarc_policy_parse(tag->value, &rec->p) == 0;
	} else if (strcasecmp(tag->name, "sp") == 0) {
		*sp_seen = true;
		*sp_ok = dmarc_policy_parse(tag->value, &rec->sp) == 0;
	} else if (strcasecmp(tag->name, "adkim") == 0) {
		rec->strict_dkim = strcasecmp(tag->value, "s") == 0;
	} else if (strcasecmp(tag->name, "aspf") == 0) {
		rec->strict_spf = strcasecmp(tag->value, "s") == 0;
	} else if (strcasecmp(tag->name, "pct") == 0) {
		rec->pct = dmarc_pct_parse(tag->value);
	} else if (strcasecmp(tag->name, "rua") == 0) {
		*rua_ok = dmarc_uri_list_usable(tag->value);
	}
}

int dmarc_record_parse(const char *text, struct dmarc_record *rec_r)
{
	bool p_ok = false, sp_seen = false, sp_ok = false, rua_ok = false;
	char *copy = xstrdup(text), *cursor = copy;
	struct dmarc_tag tag;

	memset(rec_r, 0, sizeof(*rec_r));
	rec_r->pct = 100;
	dmarc_next_tag(&cursor, &tag);	/* v=DMARC1, checked by the caller */
	while (dmarc_next_tag(&cursor, &tag))
		dmarc_tag_apply(&tag, rec_r, &p_ok, &sp_seen, &sp_ok, &rua_ok);
	free(copy);
	if (!sp_seen)
		rec_r->sp = rec_r->p;
	if (p_ok && (!sp_seen || sp_ok))
		return 0;
	if (!rua_ok)
		return -1;
	rec_r->p = DMARC_POLICY_NONE;
	rec_r->sp = DMARC_POLICY_NONE;
	return 0;
}
